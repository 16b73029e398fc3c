//! Stale pooled connections: what the clients notice about a connection the engine may have
//! closed, what they do about it, and who is told.
//!
//! A pooled connection goes stale when the engine closes it while it sits idle (a server
//! keep-alive shorter than ours) or when it outlives our own idle timeout or age cap. Most are
//! caught before reuse and closed quietly; a few race the engine's close and fail the request that
//! was sent on them. Such a request is re-sent once on a fresh connection when that is safe (see
//! [`StalePhase::retry_allowed`]).

use std::fmt;

use super::Role;

/// Where in a connection's reuse the staleness showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StalePhase {
    /// The engine had closed the idle connection; seen before a request was written to it.
    IdleClosed,
    /// Our idle timeout, the engine's `Keep-Alive` hint or the age cap had passed; closed unused.
    Expired,
    /// The reused connection failed before any request byte was written: nothing reached the
    /// engine.
    Unsent,
    /// The reused connection failed after the request was written, before the first answer byte:
    /// the engine may or may not have acted on it.
    Unanswered,
}

/// What the client did about a stale connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StaleAction {
    /// Closed before use; no request was affected.
    Discarded,
    /// The request was re-sent once on a fresh connection.
    Retried,
    /// The request failed: re-sending was not allowed or no time was left.
    Failed,
}

/// Receives every stale-connection event of one engine; the metrics layer counts them.
pub trait ConnectionEvents: Send + Sync {
    /// One stale connection seen during a call made in `role`.
    fn stale(&self, role: Role, phase: StalePhase, action: StaleAction);

    /// One poll on an idle connection: answered, or not (the connection was replaced).
    fn polled(&self, _answered: bool) {}

    /// One answer on a dual-socket link that matched no waiting request, dropped.
    fn unmatched_answer(&self) {}

    /// One transport acknowledgement on a dual-socket link, `sent` by the gateway or received.
    fn acknowledgement(&self, _role: protocol_mci::TransportRole, _sent: bool) {}
}

/// Events nobody listens to: the default until the runtime attaches its metrics.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoEvents;

impl ConnectionEvents for NoEvents {
    fn stale(&self, _role: Role, _phase: StalePhase, _action: StaleAction) {}
}

impl StalePhase {
    /// Every phase, in label order.
    pub const ALL: [StalePhase; 4] = [
        StalePhase::IdleClosed,
        StalePhase::Expired,
        StalePhase::Unsent,
        StalePhase::Unanswered,
    ];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            StalePhase::IdleClosed => "idle_closed",
            StalePhase::Expired => "expired",
            StalePhase::Unsent => "unsent",
            StalePhase::Unanswered => "unanswered",
        }
    }

    /// The actions that can follow this phase: a connection caught before reuse is only ever
    /// discarded, a failed request is retried or fails.
    pub fn actions(self) -> &'static [StaleAction] {
        match self {
            StalePhase::IdleClosed | StalePhase::Expired => &[StaleAction::Discarded],
            StalePhase::Unsent | StalePhase::Unanswered => {
                &[StaleAction::Retried, StaleAction::Failed]
            }
        }
    }

    /// Whether a request that failed in this phase may be re-sent. An unsent request always may:
    /// the engine never saw it. An unanswered one may when it was a shadow call (side-effect free
    /// by contract) or the engine allows it for live calls (`retry_stale_connection`): the engine
    /// may have read and acted on the request before the connection dropped.
    pub fn retry_allowed(self, role: Role, retry_live: bool) -> bool {
        match self {
            StalePhase::Unsent => true,
            StalePhase::Unanswered => role == Role::Shadow || retry_live,
            StalePhase::IdleClosed | StalePhase::Expired => false,
        }
    }
}

impl StaleAction {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            StaleAction::Discarded => "discarded",
            StaleAction::Retried => "retried",
            StaleAction::Failed => "failed",
        }
    }
}

impl fmt::Display for StalePhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for StaleAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
