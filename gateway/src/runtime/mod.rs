//! The runtime: engine clients and strategies built from one validated [`Config`].
//!
//! A reload builds a new [`Runtime`] and swaps it atomically; requests in flight keep the `Arc`
//! of the runtime they started with and finish on it. An engine whose spec the reload does not
//! change keeps its client (its warm connections and its one in-flight bound). What the gateway learnt about an engine
//! outlives the reload when the engine stays the same ([`crate::config::EngineSpec::is_same_engine`]): its
//! health (kept by name in [`Metrics`]; a moved engine gets a fresh one) and the shadow breakers
//! of the strategies it shadows; a strategy's shadow budget outlives every reload
//! ([`Runtime::rebuild`], `carry`).

mod assemble;
pub mod budget;
mod carry;
mod engine;
mod fields;
pub mod memory;
mod polls;
pub mod scheduling;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use foldhash::fast::RandomState;
use protocol_mci::Layout;

use self::assemble::{build_engines, resolve_strategies};
use self::budget::ShadowBudget;
pub use self::engine::{DecodedAnswer, Engine, EngineAnswer};
pub use self::polls::poll_loop;
use crate::config::{Config, Problem, Problems, StrategySpec};
use crate::metrics::{EngineMetrics, Metrics, StrategyMetrics};
use crate::pipeline::breaker::Breaker;
use crate::store::SuppressionTally;

/// layout → transaction code → strategy, looked up twice per frame: hashed with foldhash
/// (SipHash was most of a route's cost). The keys come from the config and core banking's
/// frames (a trusted peer), and foldhash seeds each map at random.
type Routes = HashMap<String, HashMap<String, Arc<Strategy>, RandomState>, RandomState>;

/// Everything a request needs, for one config generation.
pub struct Runtime {
    /// The config it was built from.
    pub config: Arc<Config>,
    strategies: BTreeMap<String, Arc<Strategy>>,
    /// Every engine client of the config, by name, used by a strategy or not: a reload keeps
    /// those whose spec it does not change (`carry::kept_engine`).
    engines: BTreeMap<String, Arc<Engine>>,
    /// layout → transaction code → strategy (nested so a lookup borrows, never allocates).
    routes: Routes,
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
    /// Shadow calls in flight; when no permit is free the call is skipped, never queued. Shared
    /// with the runtime before and after a reload that keeps the strategy ([`Runtime::rebuild`]).
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

    /// [`Self::build`] for a reload that replaces `previous`: an engine whose spec is unchanged
    /// (`==`) keeps its client, with its pooled connections and its in-flight bound, which the
    /// calls still running on `previous` count against (`carry::kept_engine`); a strategy of the same name keeps
    /// its shadow budget (calls in flight on `previous` count against the new runtime's, and a
    /// changed maximum applies to both at once), and, while its shadow is the same engine as
    /// before (same name, [`crate::config::EngineSpec::is_same_engine`]), its shadow breaker. An outage that
    /// opened it stays one outage: no second WARN, its INFO when a probe reaches the engine, and
    /// no flood of calls to a dead engine until the breaker opens again. An engine whose
    /// endpoint is not the one its health is about (changed, or removed by an earlier reload
    /// and back elsewhere) gets a fresh health (`carry::renew_moved_engines`). A rejected config
    /// changes nothing of `previous`.
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
        let engines = build_engines(&config, metrics, previous, &mut problems);
        let resolved = resolve_strategies(&config, &engines, &mut problems);
        if problems.has_errors() {
            return Err(problems.into_vec());
        }
        // Only now, the runtime sure to be built: what the previous one carries is shared with it
        // (a changed budget maximum applies to the previous runtime's calls too), and engines
        // that moved get a fresh health before the strategies take their handles.
        carry::renew_moved_engines(&config, metrics);
        let mut strategies = BTreeMap::new();
        let mut routes = Routes::default();
        for parts in resolved {
            let spec = parts.spec;
            let strategy = Arc::new(parts.build(&config, metrics, previous));
            for code in &spec.tx_codes {
                let by_code = routes.entry(spec.layout.clone()).or_default();
                by_code.insert(code.clone(), strategy.clone());
            }
            strategies.insert(spec.name.clone(), strategy);
        }
        Ok(Runtime {
            config,
            strategies,
            engines,
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

#[cfg(test)]
mod tests;
