//! How long a pooled engine connection may live: an idle timeout below the engine's keep-alive,
//! an optional age cap, and the engine's own `Keep-Alive: timeout=N` hint.
//!
//! Both clients keep the same clock per connection ([`Ages`]) and check it before every reuse,
//! so a connection the engine is about to close is closed by us first instead of racing it.

use std::time::Duration;

use tokio::time::Instant;

/// The default idle timeout: below every common server keep-alive (gunicorn 2 s, Node 5 s,
/// nginx 75 s), so our close comes first.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_millis(1500);

/// Most that is taken off an engine's `Keep-Alive: timeout=N` hint, so a request sent just
/// before N is not in flight when the engine closes; at most half of N for short hints.
const KEEP_ALIVE_MARGIN: Duration = Duration::from_secs(1);

/// How pooled connections of one engine age, and whether live calls may be re-sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLifecycle {
    /// An idle connection older than this (since its last answer) is closed, not reused.
    pub idle_timeout: Duration,
    /// A connection older than this (since it was opened) is closed, not reused; `None`: no cap.
    pub max_age: Option<Duration>,
    /// Whether a live request that failed on a reused connection after it was sent may be sent
    /// again. Shadow requests always may: they are side-effect free by contract.
    pub retry_stale_live: bool,
}

/// One connection's clock: when it was opened, until when it may be reused, and whether it
/// carried a request before.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ages {
    opened: Instant,
    reusable_until: Instant,
    reused: bool,
}

impl Default for ConnectionLifecycle {
    fn default() -> Self {
        ConnectionLifecycle {
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_age: None,
            retry_stale_live: false,
        }
    }
}

impl Ages {
    /// A connection opened at `now`, not yet used.
    pub(crate) fn new(now: Instant) -> Ages {
        Ages {
            opened: now,
            reusable_until: now,
            reused: false,
        }
    }

    /// The connection finished an exchange at `now` and goes back to the pool: it may be reused
    /// for the idle timeout, or until the engine's `hint` (already shortened) if that is earlier.
    pub(crate) fn rest(
        &mut self,
        now: Instant,
        lifecycle: &ConnectionLifecycle,
        hint: Option<Duration>,
    ) {
        let idle = hint.map_or(lifecycle.idle_timeout, |h| h.min(lifecycle.idle_timeout));
        self.reusable_until = now + idle;
        self.reused = true;
    }

    /// Whether the connection may carry another request at `now`.
    pub(crate) fn reusable(&self, now: Instant, lifecycle: &ConnectionLifecycle) -> bool {
        let young = lifecycle
            .max_age
            .is_none_or(|max| now.saturating_duration_since(self.opened) < max);
        young && now < self.reusable_until
    }

    /// Whether the connection carried a request before: only then can it be stale.
    pub(crate) fn reused(&self) -> bool {
        self.reused
    }
}

/// The idle time an HTTP `Keep-Alive` header allows, shortened by the safety margin:
/// `timeout=5, max=100` gives 4 s, `timeout=1` gives 500 ms. `None` when the header has no
/// readable timeout.
pub(crate) fn keep_alive_hint(value: &[u8]) -> Option<Duration> {
    let text = std::str::from_utf8(value).ok()?;
    let seconds = text.split(',').find_map(|param| {
        let (name, value) = param.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("timeout") {
            return None;
        }
        value.trim().trim_matches('"').parse::<u64>().ok()
    })?;
    let allowed = Duration::from_secs(seconds);
    Some(allowed - KEEP_ALIVE_MARGIN.min(allowed / 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_alive_hint_keeps_a_margin_below_the_engine_timeout() {
        assert_eq!(
            keep_alive_hint(b"timeout=5, max=100"),
            Some(Duration::from_secs(4))
        );
        assert_eq!(
            keep_alive_hint(b"max=3, Timeout=1"),
            Some(Duration::from_millis(500))
        );
        assert_eq!(keep_alive_hint(b"timeout=0"), Some(Duration::ZERO));
        assert_eq!(keep_alive_hint(b"max=100"), None);
        assert_eq!(keep_alive_hint(b"timeout=soon"), None);
    }

    #[test]
    fn a_connection_is_reusable_until_idle_timeout_hint_or_age() {
        let lifecycle = ConnectionLifecycle {
            idle_timeout: Duration::from_millis(1500),
            max_age: Some(Duration::from_secs(10)),
            retry_stale_live: false,
        };
        let start = Instant::now();
        let mut ages = Ages::new(start);
        assert!(!ages.reused());
        ages.rest(start, &lifecycle, None);
        assert!(ages.reused());
        assert!(ages.reusable(start + Duration::from_millis(1499), &lifecycle));
        assert!(!ages.reusable(start + Duration::from_millis(1500), &lifecycle));
        // A shorter engine hint wins; a longer one never extends our idle timeout.
        ages.rest(start, &lifecycle, Some(Duration::from_millis(400)));
        assert!(!ages.reusable(start + Duration::from_millis(400), &lifecycle));
        ages.rest(start, &lifecycle, Some(Duration::from_secs(60)));
        assert!(!ages.reusable(start + Duration::from_millis(1500), &lifecycle));
        // The age cap counts from the open, however recently the connection rested.
        let late = start + Duration::from_secs(10);
        ages.rest(late, &lifecycle, None);
        assert!(!ages.reusable(late, &lifecycle));
    }
}
