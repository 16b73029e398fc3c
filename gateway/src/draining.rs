//! A planned stop's drain (`shadowgate run --drain-seconds`): before the listeners stop, the gateway says
//! it is going (`/readyz` 404, which HAProxy's `http-check disable-on-404` reads as "no new
//! connections, keep the open ones"), keeps serving, and each MCI connection is closed by the
//! gateway at a quiet moment between answers ([`QUIET`]), so core banking reconnects elsewhere
//! with nothing in flight instead of losing the frames a cut would catch.
//!
//! One handle, cloned into the gateway (listeners read it per connection) and the admin listener
//! (readiness); [`Draining::start`] is called once, by the signal handler.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::{CancellationToken, WaitForCancellationFuture};

/// How long an MCI connection must be quiet (nothing in flight, nothing received, not a byte of
/// a frame pending) before a drain closes it. A client that sends its next frame within this
/// long of its last answer keeps its connection until the drain ends; one that pauses longer is
/// closed in the pause, when it has nothing outstanding. 20 ms is far above a client's own
/// turnaround after an answer (microseconds when it has work queued) and below the pauses of a
/// link that is not saturated (a connection at 25 frames/s pauses 40 ms on average).
pub const QUIET: Duration = Duration::from_millis(20);

/// How long a connection the gateway closed with nothing in flight (a drain, an idle timeout,
/// an eviction: its write side shut, `FIN` sent) is read for the client's own close. Frames that arrive meanwhile were sent before the client saw the close:
/// they are counted as `gateway_closed` and not answered (the client sees its connection end
/// with them outstanding and sends them again on another). Reading instead of closing at once
/// keeps the kernel from answering them with a reset.
pub const LINGER: Duration = Duration::from_secs(1);

/// Whether a drain has begun, and when it ends.
#[derive(Debug, Clone, Default)]
pub struct Draining {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    started: CancellationToken,
    ends_at: OnceLock<Instant>,
}

impl Draining {
    /// Begins the drain, to end `period` from now; `false` if one had begun already (its end
    /// stays).
    pub fn start(&self, period: Duration) -> bool {
        let fresh = self.inner.ends_at.set(Instant::now() + period).is_ok();
        self.inner.started.cancel();
        fresh
    }

    /// Whether the drain has begun.
    pub fn is_draining(&self) -> bool {
        self.inner.started.is_cancelled()
    }

    /// Time left until the drain ends (zero once it has); `None` before it begins.
    pub fn left(&self) -> Option<Duration> {
        let ends_at = self.inner.ends_at.get()?;
        Some(ends_at.saturating_duration_since(Instant::now()))
    }

    /// Resolves when the drain begins (at once if it has).
    pub fn started(&self) -> WaitForCancellationFuture<'_> {
        self.inner.started.cancelled()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_drain_begins_once_and_counts_down_to_its_end() {
        let draining = Draining::default();
        assert!(!draining.is_draining());
        assert_eq!(draining.left(), None);
        assert!(draining.start(Duration::from_secs(10)));
        assert!(draining.is_draining());
        tokio::time::advance(Duration::from_secs(4)).await;
        assert_eq!(draining.left(), Some(Duration::from_secs(6)));
        assert!(
            !draining.start(Duration::from_secs(60)),
            "a second start keeps the first end"
        );
        assert_eq!(draining.left(), Some(Duration::from_secs(6)));
        tokio::time::advance(Duration::from_secs(7)).await;
        assert_eq!(draining.left(), Some(Duration::ZERO));
        // Resolves at once, drained or not: listeners poll it per connection.
        draining.started().await;
    }
}
