//! Routing as the audit trail keeps it: which engine is live and which is shadow per strategy,
//! the routing changes between two configs, and the sign-off each change rests on.
//!
//! Shared by reloads ([`super::link_reload`]) and starts ([`super::link_start`]): both record the
//! routing they put in force, so the next start can tell what changed while the gateway was
//! stopped.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::linkage::RoutingChange;
use super::sign::SignOff;
use crate::config::Config;

/// Per strategy, its live and shadow engines (ordered by name, so the recorded JSON is stable).
pub type Routing = BTreeMap<String, Route>;

/// The engines of one strategy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    /// The live engine.
    pub live: String,
    /// The shadow engine.
    pub shadow: Option<String>,
}

/// The routing `config` puts in force.
pub fn routing(config: &Config) -> Routing {
    config
        .strategies
        .values()
        .map(|spec| {
            let route = Route {
                live: spec.live.clone(),
                shadow: spec.shadow.clone(),
            };
            (spec.name.clone(), route)
        })
        .collect()
}

/// One side of a routing comparison: a config's SHA-256 and the routing it put in force.
pub(super) type Side<'a> = (&'a str, &'a Routing);

/// Every strategy of `after` whose live or shadow engine differs from `before`, each with the
/// sign-off it rests on: the strategy's latest sign-off in `signed`, if it was signed against the
/// config before or the one after (the operator may sign before or after editing the file, never
/// with another config in between). Strategies added or removed are not routing changes of an
/// existing strategy and are not listed.
pub(super) fn changes(signed: &[SignOff], before: Side, after: Side) -> Vec<RoutingChange> {
    let (old_sha, old) = before;
    let (new_sha, new) = after;
    new.iter()
        .filter_map(|(strategy, now)| {
            let was = old.get(strategy)?;
            if was == now {
                return None;
            }
            let latest = signed
                .iter()
                .rev()
                .find(|s| s.evidence.strategy == *strategy);
            let rests_on = latest.filter(|s| {
                let sha = s.evidence.config_sha256.as_str();
                sha == old_sha || sha == new_sha
            });
            Some(RoutingChange {
                strategy: strategy.clone(),
                live_before: was.live.clone(),
                live_after: now.live.clone(),
                shadow_before: was.shadow.clone(),
                shadow_after: now.shadow.clone(),
                signoff: rests_on.map(|s| s.seq),
                signed_by: rests_on.map(|s| s.evidence.signed_by.clone()),
            })
        })
        .collect()
}

/// Logs each change of a `what` (`reload`, `start`): linked ones as information, unsigned ones as
/// a warning, the one place both are said.
pub(super) fn log_changes(what: &str, changes: &[RoutingChange]) {
    for change in changes {
        match change.signoff {
            Some(seq) => tracing::info!(
                strategy = %change.strategy, signoff = seq,
                "cutover {what} linked to its sign-off: {}", change.sentence()
            ),
            None => tracing::warn!(
                strategy = %change.strategy,
                "unsigned routing change at {what}: no sign-off of this strategy for this config: {}",
                change.sentence()
            ),
        }
    }
}

/// The audit note of `changes`: their sentences, or `no routing change`.
pub(super) fn note(changes: &[RoutingChange]) -> String {
    match changes.is_empty() {
        true => "no routing change".to_owned(),
        false => changes
            .iter()
            .map(RoutingChange::sentence)
            .collect::<Vec<_>>()
            .join("; "),
    }
}
