//! One call's deadline: the engine's request timeout, or the caller's own deadline when that
//! comes first (a request's header TTL). Both clients compute it once per call, so the slot
//! wait, the connect, the exchange and the timeout error all see the same instant.

use std::time::Duration;

use tokio::time::Instant;

use super::error::EngineErrorKind;

/// When a call ends and how long it had from its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CallDeadline {
    /// The instant the call gives up.
    pub at: Instant,
    /// From the call's start to `at`: what the timeout error reports.
    pub budget: Duration,
}

impl CallDeadline {
    /// The earlier of `started + request_timeout` and the caller's `until`.
    pub(crate) fn new(
        started: Instant,
        request_timeout: Duration,
        until: Option<Instant>,
    ) -> CallDeadline {
        let own = started + request_timeout;
        let at = until.map_or(own, |until| until.min(own));
        CallDeadline {
            at,
            budget: at.saturating_duration_since(started),
        }
    }

    /// The error of a call that reached this deadline.
    pub(crate) fn timeout(self) -> EngineErrorKind {
        EngineErrorKind::Timeout { after: self.budget }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_earlier_deadline_wins() {
        let started = Instant::now();
        let timeout = Duration::from_secs(10);
        let own = CallDeadline::new(started, timeout, None);
        assert_eq!((own.at, own.budget), (started + timeout, timeout));
        let later = CallDeadline::new(started, timeout, Some(started + Duration::from_secs(30)));
        assert_eq!(later, own);
        let ttl = Duration::from_secs(1);
        let cut = CallDeadline::new(started, timeout, Some(started + ttl));
        assert_eq!((cut.at, cut.budget), (started + ttl, ttl));
        // A deadline already passed leaves no budget: the call times out at once.
        let past = CallDeadline::new(started + ttl, timeout, Some(started));
        assert_eq!(past.budget, Duration::ZERO);
    }
}
