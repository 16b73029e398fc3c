//! What a reload carries from the runtime it replaces into the one it builds, engine by engine
//! and strategy by strategy (by name).
//!
//! Requests in flight finish on the runtime they started with, so for a while both runtimes
//! make calls. What bounds or guards those calls must therefore be one object for both:
//! - the **engine client** ([`Engine`]), while the engine's spec is unchanged (`==`: every
//!   setting, the TLS files' and the layout's contents): its pool or connection slots, so a
//!   reload never lets `2 × max_in_flight` calls or connections reach one engine, and its warm
//!   keep-alive connections, which a reload does not drop. A changed engine (another address,
//!   timeout, limit, certificate, layout…) gets a new client; the old one serves the calls
//!   still running on the old runtime and closes its connections when they end;
//! - the **shadow budget** ([`ShadowBudget`]), always: permits held by calls on the old runtime
//!   count against the new one's, so a reload never lets `2 × shadow_max_in_flight` calls run;
//!   a changed `shadow_max_in_flight` applies to the same counter at once;
//! - the **shadow breaker** ([`Breaker`]), while the strategy's shadow stays the same engine
//!   (same name, [`crate::config::EngineSpec::is_same_engine`]): an outage that opened it stays
//!   one outage. Another engine gets a closed breaker.
//!
//! Engine health is kept by engine name in [`Metrics`], so it outlives a reload by itself; what
//! it says is about an address, though, the one it was last placed at. An engine whose endpoint
//! ([`crate::config::EngineSpec::endpoint`]) is not that one — changed by this reload, or removed
//! by an earlier one and now back elsewhere — gets a fresh health, up and not yet checked, instead
//! of the old address's state for up to a probe interval ([`renew_moved_engines`]); a probe of
//! the old address that ends after the reload is dropped
//! ([`crate::engine::EngineHealth::probed_at`]).
//!
//! Taken only once the new runtime is known to build: a rejected reload changes nothing.

use std::sync::Arc;

use tracing::info;

use super::budget::ShadowBudget;
use super::{Engine, Runtime};
use crate::config::{Config, EngineSpec, StrategySpec};
use crate::metrics::Metrics;
use crate::pipeline::breaker::Breaker;

/// What one strategy of the new runtime starts with.
pub(super) struct Carried {
    /// Its shadow calls in flight, counted over both runtimes.
    pub(super) budget: Arc<ShadowBudget>,
    /// Its shadow breaker.
    pub(super) breaker: Arc<Breaker>,
}

impl Carried {
    /// What strategy `spec` of `config` takes from `previous` (the runtime a reload replaces),
    /// or fresh ones at start-up and for a new strategy.
    pub(super) fn take(spec: &StrategySpec, config: &Config, previous: Option<&Runtime>) -> Self {
        let before = previous.and_then(|p| p.strategies.get(&spec.name));
        Carried {
            budget: shadow_budget(spec, before.map(|b| &b.shadow_budget)),
            breaker: shadow_breaker(spec, config, previous).unwrap_or_default(),
        }
    }
}

/// The client of engine `name` in `previous` (the runtime a reload replaces) when its spec there
/// equals `spec`.
pub(super) fn kept_engine(
    name: &str,
    spec: &EngineSpec,
    previous: Option<&Runtime>,
) -> Option<Arc<Engine>> {
    let previous = previous?;
    (previous.config.engines.get(name)? == spec).then_some(())?;
    previous.engines.get(name).cloned()
}

/// The budget of `before` (the same strategy in the runtime replaced) with `spec`'s maximum, or
/// a new one.
fn shadow_budget(spec: &StrategySpec, before: Option<&Arc<ShadowBudget>>) -> Arc<ShadowBudget> {
    match before {
        Some(budget) => {
            budget.set_max(spec.shadow_max_in_flight);
            budget.clone()
        }
        None => Arc::new(ShadowBudget::new(spec.shadow_max_in_flight)),
    }
}

/// The shadow breaker of the same strategy in `previous` when its shadow is the same engine.
fn shadow_breaker(
    spec: &StrategySpec,
    config: &Config,
    previous: Option<&Runtime>,
) -> Option<Arc<Breaker>> {
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
}

/// Stops exporting the health of engines `config` does not have (a reload removed them), places
/// every engine of `config` at its endpoint for its health, and logs each that moved: one
/// whose health was about another endpoint (in the runtime replaced, or in an earlier one that had
/// it before a reload removed it) gets a fresh health, up until the next probe or call at its new
/// address says otherwise.
pub(super) fn renew_moved_engines(config: &Config, metrics: &Metrics) {
    metrics.unexport_engines(|name| config.engines.contains_key(name));
    for (name, spec) in &config.engines {
        let new_address = spec.endpoint();
        let Some(old_address) = metrics.place_engine(name, &new_address) else {
            continue;
        };
        info!(
            engine = %name,
            %old_address,
            %new_address,
            "engine health reset: its address changed; up until a probe or a call says otherwise"
        );
    }
}
