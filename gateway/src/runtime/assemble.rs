//! Building a [`Runtime`] in stages: its engine clients, then its strategies' parts (layout and
//! engines) with a problem for each that is missing, and only once nothing is missing the
//! strategies themselves, with their metric handles and what they carry from the runtime a
//! reload replaces ([`Carried`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use protocol_mci::Layout;

use super::carry::{kept_engine, Carried};
use super::fields::decision_fields;
use super::{Engine, Runtime, Strategy};
use crate::config::{Config, EngineSpec, Found, Problems, StrategySpec};
use crate::engine::{EngineLink, HttpEngine, MciEngine};
use crate::link::LinkFrames;
use crate::metrics::{EngineShape, LinkShape, Metrics};
use crate::store::SuppressionTally;

/// The engine clients of `config`, by name: those of `previous` (the runtime a reload replaces)
/// whose spec is unchanged ([`kept_engine`]), new ones for the others; each that cannot be built
/// is a problem.
pub(super) fn build_engines(
    config: &Config,
    metrics: &Metrics,
    previous: Option<&Runtime>,
    problems: &mut Problems,
) -> BTreeMap<String, Arc<Engine>> {
    let mut engines = BTreeMap::new();
    for (name, spec) in &config.engines {
        if let Some(kept) = kept_engine(name, spec, previous) {
            engines.insert(name.clone(), kept);
            continue;
        }
        let built = match spec {
            EngineSpec::Http(settings) => HttpEngine::new(settings.clone()).map(|e| {
                let events = metrics.stale_connections(name, EngineShape::default());
                Engine::Http(e.with_events(Arc::new(events)))
            }),
            EngineSpec::Mci {
                settings, layout, ..
            } => {
                let Some(layout) = config.layouts.get(layout).cloned() else {
                    problems.error(
                        format!("engines.{name}.layout"),
                        "a layout that loaded",
                        Found::text(layout),
                    );
                    continue;
                };
                let frames: Arc<dyn LinkFrames> = layout.clone();
                let shape = EngineShape {
                    polls: settings.poll.is_some(),
                    link: LinkShape::of(
                        &layout,
                        matches!(settings.link, EngineLink::DualSocket { .. }),
                    ),
                };
                MciEngine::new(settings.clone(), move || layout.framer()).map(|e| {
                    let e = e.with_events(Arc::new(metrics.stale_connections(name, shape)));
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
    engines
}

/// A strategy's layout and engines, found.
pub(super) struct Parts<'a> {
    pub(super) spec: &'a StrategySpec,
    layout: Arc<Layout>,
    live: Arc<Engine>,
    shadow: Option<Arc<Engine>>,
}

/// The parts of every strategy of `config`; each whose layout or engines are missing is a problem.
pub(super) fn resolve_strategies<'a>(
    config: &'a Config,
    engines: &BTreeMap<String, Arc<Engine>>,
    problems: &mut Problems,
) -> Vec<Parts<'a>> {
    let mut resolved = Vec::new();
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
        resolved.push(Parts {
            spec,
            layout,
            live,
            shadow,
        });
    }
    resolved
}

impl Parts<'_> {
    /// The strategy, with its metric handles and what it carries from `previous` ([`Carried`]).
    pub(super) fn build(
        self,
        config: &Config,
        metrics: &Metrics,
        previous: Option<&Runtime>,
    ) -> Strategy {
        let Parts {
            spec,
            layout,
            live,
            shadow,
        } = self;
        let fields = decision_fields(&layout, &spec.tx_codes);
        let carried = Carried::take(spec, config, previous);
        Strategy {
            name: Arc::from(spec.name.as_str()),
            metrics: metrics.strategy(&spec.name, &fields),
            live_metrics: metrics.engine(live.name()),
            shadow_metrics: shadow.as_ref().map(|s| metrics.engine(s.name())),
            layout,
            live,
            shadow,
            shadow_budget: carried.budget,
            shadow_breaker: carried.breaker,
            suppressed: SuppressionTally::new(&spec.rules, config.review.zone.clone()),
            days: config.review.zone.clone(),
            spec: spec.clone(),
        }
    }
}
