//! The runtime: engine clients and strategies built from one validated [`Config`].
//!
//! A reload builds a new [`Runtime`] and swaps it atomically; requests in flight keep the `Arc`
//! of the runtime they started with and finish on it. What the gateway learnt about an engine
//! outlives the reload when the engine stays the same ([`EngineSpec::is_same_engine`]): its
//! health (kept by name in [`Metrics`]) and the shadow breakers of the strategies it shadows
//! ([`Runtime::rebuild`]).

pub mod budget;
mod engine;
mod fields;
pub mod memory;
mod polls;
pub mod scheduling;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use protocol_mci::Layout;

use self::budget::ShadowBudget;
pub use self::engine::{DecodedAnswer, Engine, EngineAnswer};
use self::fields::decision_fields;
pub use self::polls::poll_loop;
use crate::config::{Config, EngineSpec, Found, Problem, Problems, StrategySpec};
use crate::engine::{HttpEngine, MciEngine};
use crate::link::LinkFrames;
use crate::metrics::{EngineMetrics, Metrics, StrategyMetrics};
use crate::pipeline::breaker::Breaker;
use crate::store::SuppressionTally;

/// Everything a request needs, for one config generation.
pub struct Runtime {
    /// The config it was built from.
    pub config: Arc<Config>,
    strategies: BTreeMap<String, Arc<Strategy>>,
    /// layout → transaction code → strategy (nested so a lookup borrows, never allocates).
    routes: HashMap<String, HashMap<String, Arc<Strategy>>>,
}

/// A strategy with its engines resolved.
pub struct Strategy {
    /// Its settings.
    pub spec: StrategySpec,
    /// Its name, shared with stored events without allocating.
    pub name: Arc<str>,
    /// Its layout.
    pub layout: Arc<Layout>,
    /// The engine that answers.
    pub live: Arc<Engine>,
    /// The engine that is compared.
    pub shadow: Option<Arc<Engine>>,
    /// Shadow calls in flight; when no permit is free the call is skipped, never queued.
    pub shadow_budget: Arc<ShadowBudget>,
    /// Skips shadow calls while the shadow engine is unreachable; shared with the runtime before
    /// and after a reload that keeps the strategy's shadow engine ([`Runtime::rebuild`]).
    pub shadow_breaker: Arc<Breaker>,
    /// What each of its rules hid, counted until the next store event.
    pub suppressed: SuppressionTally,
    /// Its metric handles, created once.
    pub metrics: StrategyMetrics,
    /// The zone whose days decide when its rules expire (`[review] time_zone`).
    pub days: jiff::tz::TimeZone,
    /// The live engine's metric handles.
    pub live_metrics: EngineMetrics,
    /// The shadow engine's metric handles.
    pub shadow_metrics: Option<EngineMetrics>,
}

impl Runtime {
    /// Builds engine clients, strategies and their metric handles; fails with every problem found.
    pub fn build(config: Arc<Config>, metrics: &Metrics) -> Result<Runtime, Vec<Problem>> {
        Runtime::assemble(config, metrics, None)
    }

    /// [`Self::build`] for a reload that replaces `previous`: a strategy whose shadow is the same
    /// engine as before (same name, [`EngineSpec::is_same_engine`]) keeps its shadow breaker. An
    /// outage that opened it stays one outage: no second WARN, its INFO when a probe reaches the
    /// engine, and no flood of calls to a dead engine until the breaker opens again.
    pub fn rebuild(
        config: Arc<Config>,
        metrics: &Metrics,
        previous: &Runtime,
    ) -> Result<Runtime, Vec<Problem>> {
        Runtime::assemble(config, metrics, Some(previous))
    }

    fn assemble(
        config: Arc<Config>,
        metrics: &Metrics,
        previous: Option<&Runtime>,
    ) -> Result<Runtime, Vec<Problem>> {
        let mut problems = Problems::new();
        let mut engines: BTreeMap<String, Arc<Engine>> = BTreeMap::new();
        for (name, spec) in &config.engines {
            let built = match spec {
                EngineSpec::Http(settings) => HttpEngine::new(settings.clone()).map(|e| {
                    Engine::Http(e.with_events(Arc::new(metrics.stale_connections(name))))
                }),
                EngineSpec::Mci { settings, layout } => {
                    let Some(layout) = config.layouts.get(layout).cloned() else {
                        problems.error(
                            format!("engines.{name}.layout"),
                            "a layout that loaded",
                            Found::text(layout),
                        );
                        continue;
                    };
                    let frames: Arc<dyn LinkFrames> = layout.clone();
                    MciEngine::new(settings.clone(), move || layout.framer()).map(|e| {
                        let e = e.with_events(Arc::new(metrics.stale_connections(name)));
                        Engine::Mci(e.with_link_frames(frames))
                    })
                }
            };
            match built {
                Ok(engine) => {
                    engines.insert(name.clone(), Arc::new(engine));
                }
                Err(e) => problems.error(
                    format!("engines.{name}"),
                    "an engine client that can be built",
                    Found::value(e),
                ),
            }
        }
        let mut strategies = BTreeMap::new();
        let mut routes: HashMap<String, HashMap<String, Arc<Strategy>>> = HashMap::new();
        for (name, spec) in &config.strategies {
            let layout = config.layouts.get(&spec.layout).cloned();
            let live = engines.get(&spec.live).cloned();
            let shadow = match &spec.shadow {
                None => Ok(None),
                Some(shadow) => engines.get(shadow).cloned().map(Some).ok_or(()),
            };
            let (Some(layout), Some(live), Ok(shadow)) = (layout, live, shadow) else {
                problems.error(
                    format!("strategies.{name}"),
                    "a strategy whose layout and engines were built",
                    Found::value("one of them missing"),
                );
                continue;
            };
            let fields = decision_fields(&layout, &spec.tx_codes);
            let strategy = Arc::new(Strategy {
                name: Arc::from(name.as_str()),
                metrics: metrics.strategy(name, &fields),
                live_metrics: metrics.engine(live.name()),
                shadow_metrics: shadow.as_ref().map(|s| metrics.engine(s.name())),
                layout,
                live,
                shadow,
                shadow_budget: Arc::new(ShadowBudget::new(spec.shadow_max_in_flight)),
                shadow_breaker: shadow_breaker(spec, &config, previous),
                suppressed: SuppressionTally::new(&spec.rules),
                days: config.review.zone.clone(),
                spec: spec.clone(),
            });
            for code in &spec.tx_codes {
                let by_code = routes.entry(spec.layout.clone()).or_default();
                by_code.insert(code.clone(), strategy.clone());
            }
            strategies.insert(name.clone(), strategy);
        }
        if problems.has_errors() {
            return Err(problems.into_vec());
        }
        Ok(Runtime {
            config,
            strategies,
            routes,
        })
    }

    /// The strategy serving a transaction code of a layout.
    pub fn route(&self, layout: &str, code: &str) -> Option<&Arc<Strategy>> {
        self.routes.get(layout)?.get(code)
    }

    /// The engine of that name, when a strategy uses it (live or shadow).
    pub fn engine(&self, name: &str) -> Option<&Arc<Engine>> {
        self.strategies.values().find_map(|strategy| {
            std::iter::once(&strategy.live)
                .chain(strategy.shadow.as_ref())
                .find(|engine| engine.name() == name)
        })
    }

    /// A strategy by name.
    pub fn strategy(&self, name: &str) -> Option<&Arc<Strategy>> {
        self.strategies.get(name)
    }

    /// Every strategy, by name.
    pub fn strategies(&self) -> impl Iterator<Item = &Arc<Strategy>> {
        self.strategies.values()
    }

    /// A layout by name.
    pub fn layout(&self, name: &str) -> Option<&Arc<Layout>> {
        self.config.layouts.get(name)
    }
}

/// The shadow breaker of strategy `spec` in `config`: the one of the same strategy in `previous`
/// when its shadow is the same engine, else a closed one.
fn shadow_breaker(
    spec: &StrategySpec,
    config: &Config,
    previous: Option<&Runtime>,
) -> Arc<Breaker> {
    let kept = || {
        let shadow = spec.shadow.as_deref()?;
        let previous = previous?;
        let before = previous.strategies.get(&spec.name)?;
        let same = before.spec.shadow.as_deref() == Some(shadow)
            && previous
                .config
                .engines
                .get(shadow)?
                .is_same_engine(config.engines.get(shadow)?);
        same.then(|| before.shadow_breaker.clone())
    };
    kept().unwrap_or_default()
}

#[cfg(test)]
mod tests;
