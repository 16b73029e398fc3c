//! [`EngineMetrics`]: calls and their durations for one engine, in both roles, and the engine's
//! health fed by the same outcomes; and [`StaleConnectionMetrics`]: the stale pooled connections
//! that engine's client met.

use std::sync::Arc;

use prometheus::{Histogram, IntCounter, IntCounterVec};

use super::link::{Direction, LinkMetrics, LinkShape, LinkSide};
use super::registry::{role_index, Families};
use crate::engine::{ConnectionEvents, EngineHealth, Outcome, Role, StaleAction, StalePhase};
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

/// `shadowgate_upstream_stale_connections_total{engine, role, phase, action}` for one engine,
/// made once by [`super::Metrics::stale_connections`]. Only the phase/action pairs that can
/// happen exist (see [`StalePhase::actions`]), all of them from the start at 0.
#[derive(Debug, Clone)]
pub struct StaleConnectionMetrics {
    /// By role, phase, then action index (`Discarded`, `Retried`, `Failed`); `None`: cannot happen.
    counts: [[[Option<IntCounter>; 3]; StalePhase::ALL.len()]; ROLES.len()],
    /// `shadowgate_upstream_polls_total{engine, result}`: answered, replaced; made at start for
    /// an engine that polls, else when first counted.
    polls: [Option<IntCounter>; 2],
    /// The polls' family and the engine's name, for a poll series not made at start.
    polls_family: IntCounterVec,
    name: String,
    /// The engine's dual-socket link: unmatched answers, acknowledgements.
    link: LinkMetrics,
}

impl StaleConnectionMetrics {
    pub(super) fn new(families: &Families, name: &str, shape: EngineShape) -> Self {
        Self {
            counts: ROLES.map(|role| {
                StalePhase::ALL.map(|phase| {
                    [
                        StaleAction::Discarded,
                        StaleAction::Retried,
                        StaleAction::Failed,
                    ]
                    .map(|action| {
                        phase.actions().contains(&action).then(|| {
                            families.upstream_stale.with_label_values(&[
                                name,
                                role.as_str(),
                                phase.as_str(),
                                action.as_str(),
                            ])
                        })
                    })
                })
            }),
            polls: POLL_RESULTS.map(|result| {
                shape
                    .polls
                    .then(|| families.upstream_polls.with_label_values(&[name, result]))
            }),
            polls_family: families.upstream_polls.clone(),
            name: name.to_owned(),
            link: LinkMetrics::new(families, LinkSide::Engine, name, shape.link),
        }
    }
}

/// The `result` labels of `upstream_polls_total`, indexed by `!answered`.
const POLL_RESULTS: [&str; 2] = ["answered", "replaced"];

/// Which engine series can count: polls (an `mci` engine with a poll), and its link's
/// ([`LinkShape`]; none for an http engine).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EngineShape {
    /// The engine polls its idle connections.
    pub polls: bool,
    /// Its MCI link.
    pub link: LinkShape,
}

impl ConnectionEvents for StaleConnectionMetrics {
    fn polled(&self, answered: bool) {
        let at = usize::from(!answered);
        match &self.polls[at] {
            Some(counter) => counter.inc(),
            None => self
                .polls_family
                .with_label_values(&[&self.name, POLL_RESULTS[at]])
                .inc(),
        }
    }

    fn unmatched_answer(&self) {
        self.link.unmatched_answer();
    }

    fn acknowledgement(&self, role: protocol_mci::TransportRole, sent: bool) {
        let direction = if sent {
            Direction::Sent
        } else {
            Direction::Received
        };
        self.link.ack(role, direction);
    }

    fn stale(&self, role: Role, phase: StalePhase, action: StaleAction) {
        let phase = match phase {
            StalePhase::IdleClosed => 0,
            StalePhase::Expired => 1,
            StalePhase::Unsent => 2,
            StalePhase::Unanswered => 3,
        };
        let action = match action {
            StaleAction::Discarded => 0,
            StaleAction::Retried => 1,
            StaleAction::Failed => 2,
        };
        // A pair outside `StalePhase::actions` is a client bug; it is not worth a panic.
        if let Some(counter) = &self.counts[role_index(role)][phase][action] {
            counter.inc();
        }
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
