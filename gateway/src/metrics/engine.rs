//! [`EngineMetrics`]: calls and their durations for one engine, in both roles, and the engine's
//! health fed by the same outcomes.

use std::sync::Arc;

use prometheus::{Histogram, IntCounter};

use super::registry::{role_index, Families};
use crate::engine::{EngineHealth, Outcome, Role};
use crate::store::{Clock, SystemClock};

/// Every engine call outcome, in index order (the engine module keeps the enum, the metrics keep
/// the series).
const OUTCOMES: [Outcome; 7] = [
    Outcome::Ok,
    Outcome::Timeout,
    Outcome::Connect,
    Outcome::Status,
    Outcome::Invalid,
    Outcome::Io,
    Outcome::Overloaded,
];

const ROLES: [Role; 2] = [Role::Live, Role::Shadow];

/// Handles for one engine, made once by [`super::Metrics::engine`].
#[derive(Debug, Clone)]
pub struct EngineMetrics {
    /// `shadowgate_upstream_requests_total{engine, role, outcome}`, by role then outcome.
    calls: [[IntCounter; OUTCOMES.len()]; ROLES.len()],
    /// `shadowgate_upstream_duration_seconds{engine, role}`, by role.
    durations: [Histogram; ROLES.len()],
    /// Up/down (`shadowgate_engine_up{engine}`), shared with the probe task.
    health: Arc<EngineHealth>,
}

impl EngineMetrics {
    pub(super) fn new(families: &Families, name: &str) -> Self {
        Self {
            calls: ROLES.map(|role| {
                OUTCOMES.map(|outcome| {
                    families.upstream_requests.with_label_values(&[
                        name,
                        role.as_str(),
                        outcome.as_str(),
                    ])
                })
            }),
            durations: ROLES.map(|role| {
                families
                    .upstream_duration
                    .with_label_values(&[name, role.as_str()])
            }),
            health: families.health(name),
        }
    }

    /// Counts one call made in `role` that ended with `outcome` after `seconds`. Failed calls are
    /// timed too: a timeout shows at the timeout, an overload at the slot wait. The outcome also
    /// feeds the engine's health (an answer brings it up; connect failures and timeouts count
    /// against it).
    pub fn call(&self, role: Role, outcome: Outcome, seconds: f64) {
        let role = role_index(role);
        self.calls[role][outcome_index(outcome)].inc();
        self.durations[role].observe(seconds);
        self.health.call_ended(outcome, SystemClock.now_micros());
    }

    /// The engine's health.
    pub fn health(&self) -> &Arc<EngineHealth> {
        &self.health
    }
}

/// Index of `outcome` in [`OUTCOMES`]; exhaustive, so a new outcome fails to compile here.
fn outcome_index(outcome: Outcome) -> usize {
    match outcome {
        Outcome::Ok => 0,
        Outcome::Timeout => 1,
        Outcome::Connect => 2,
        Outcome::Status => 3,
        Outcome::Invalid => 4,
        Outcome::Io => 5,
        Outcome::Overloaded => 6,
    }
}
