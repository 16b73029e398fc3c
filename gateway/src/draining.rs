//! A planned stop's drain (`shadowgate run --drain-seconds`): before the listeners stop, the gateway says
//! it is going (`/readyz` 404, which HAProxy's `http-check disable-on-404` reads as "no new
//! connections, keep the open ones"), keeps serving, and each MCI connection is closed by the
//! gateway at a quiet moment between answers ([`Pace::quiet`]), so core banking reconnects
//! elsewhere with nothing in flight instead of losing the frames a cut would catch.
//!
//! One handle, cloned into the gateway (listeners read it per connection) and the admin listener
//! (readiness); [`Draining::start`] is called once, by the signal handler.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::{CancellationToken, WaitForCancellationFuture};

/// The shortest quiet a drain waits for before closing an MCI connection: above a client's own
/// turnaround after an answer when it has work queued (microseconds), so a connection that
/// sends back to back is never closed under it (it is cut when the drain ends).
pub const QUIET_MIN: Duration = Duration::from_millis(2);

/// The quiet a drain waits for on a connection whose pace it does not know yet (fewer than
/// [`PACE_SAMPLES`] gaps seen on it), and the longest it ever waits for after a frame.
pub const QUIET_MAX: Duration = Duration::from_secs(1);

/// Gaps between frames a drain sees on a connection before it trusts their mean: one (a young
/// connection's first gap says more than a fixed time, which may equal its period).
pub const PACE_SAMPLES: u32 = 1;

/// A connection's pace: the mean gap between the frames it receives (measured from its first
/// frame, so it is known when a drain begins), from which [`Pace::close_at`] is when a drain
/// closes it: half-way between two frames. A client that sends on a timer is then closed as far
/// from both as can be (a fixed quiet time near its period would close it just as its next frame
/// leaves: trials lost frames that way at 50 frames/s a connection, and at 1 frame/s with the
/// pace measured only from the drain's start); for a client whose frames come at random the
/// chance that one crosses the close is the same whenever it is made.
#[derive(Debug, Default, Clone, Copy)]
pub struct Pace {
    last: Option<Instant>,
    mean: Duration,
    samples: u32,
}

impl Pace {
    /// A frame received at `now`.
    pub fn frame(&mut self, now: Instant) {
        if let Some(last) = self.last {
            let gap = now.saturating_duration_since(last);
            // A moving mean that follows a change of pace within a few frames.
            self.mean = match self.samples {
                0 => gap,
                _ => (self.mean * 3 + gap) / 4,
            };
            self.samples = self.samples.saturating_add(1);
        }
        self.last = Some(now);
    }

    /// How long the connection must be quiet before the drain closes it: half its mean gap
    /// (at least [`QUIET_MIN`], at most [`QUIET_MAX`]); [`QUIET_MAX`] while its pace is not known.
    pub fn quiet(&self) -> Duration {
        if self.samples < PACE_SAMPLES {
            return QUIET_MAX;
        }
        (self.mean / 2).clamp(QUIET_MIN, QUIET_MAX)
    }

    /// The gap between two frames of its pace that `now` falls in: when it began (its last
    /// frame, or for a client later than its pace a frame it was due to send since) and how long
    /// it is (the mean gap, at least twice [`QUIET_MIN`]); `None` while its pace is not known.
    fn gap_at(&self, now: Instant) -> Option<(Instant, Duration)> {
        let last = self.last.filter(|_| self.samples >= PACE_SAMPLES)?;
        let mean = self.mean.max(QUIET_MIN * 2);
        let since = now.saturating_duration_since(last).as_nanos();
        let into = u64::try_from(since % mean.as_nanos()).unwrap_or(0);
        Some((now - Duration::from_nanos(into), mean))
    }

    /// When a drain closes the connection, asked at `now` (the drain's start, a frame received,
    /// an answer written, a close that came late): [`Self::quiet`] after the gap's start while
    /// that is still ahead; `now` when its next frame is due at least that long after `now` (a
    /// slow pace, late in its gap); else half-way after its next frame is due (that frame, when
    /// it comes, asks again). With its pace not known yet: [`QUIET_MAX`] from `now`.
    pub fn close_at(&self, now: Instant) -> Instant {
        let quiet = self.quiet();
        let Some((begun, gap)) = self.gap_at(now) else {
            return now + quiet;
        };
        let due = begun + gap;
        if now < begun + quiet {
            begun + quiet
        } else if due >= now + quiet {
            now
        } else {
            due + quiet
        }
    }

    /// Whether `now` is far enough from the frames of its pace for the drain to close the
    /// connection: at least half of [`Self::quiet`] after the gap's start and before its next
    /// frame is due. A close that comes late (the gateway's thread busy past the moment
    /// [`Self::close_at`] gave) and would fall near a frame is put off to the next gap's middle.
    /// Always while its pace is not known.
    pub fn may_close(&self, now: Instant) -> bool {
        let Some((begun, gap)) = self.gap_at(now) else {
            return true;
        };
        let margin = self.quiet() / 2;
        now - begun >= margin && (begun + gap).saturating_duration_since(now) >= margin
    }
}

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

    fn paced(gap: Duration, frames: u32) -> Pace {
        paced_from(Instant::now(), gap, frames)
    }

    /// A pace of `frames` frames `gap` apart, the first at `start`.
    fn paced_from(start: Instant, gap: Duration, frames: u32) -> Pace {
        let mut pace = Pace::default();
        for n in 0..frames {
            pace.frame(start + gap * n);
        }
        pace
    }

    #[test]
    fn a_connection_is_closed_half_way_between_its_frames_once_its_pace_is_known() {
        assert_eq!(Pace::default().quiet(), QUIET_MAX, "no frame yet");
        let ms = Duration::from_millis;
        assert_eq!(paced(ms(20), 1).quiet(), QUIET_MAX, "no gap: not known yet");
        assert_eq!(paced(ms(20), 2).quiet(), ms(10));
        assert_eq!(paced(ms(20), 4).quiet(), ms(10));
        assert_eq!(paced(ms(400), 10).quiet(), ms(200));
        assert_eq!(
            paced(Duration::from_micros(300), 50).quiet(),
            QUIET_MIN,
            "back to back: never under the floor"
        );
        assert_eq!(paced(Duration::from_secs(5), 4).quiet(), QUIET_MAX);
        // A change of pace is followed: from 100 ms to 10 ms gaps.
        let mut pace = paced(ms(100), 10);
        let mut at = Instant::now() + ms(1_000);
        for _ in 0..10 {
            at += ms(10);
            pace.frame(at);
        }
        assert!(pace.quiet() < ms(10), "{:?}", pace.quiet());
    }

    #[test]
    fn a_drain_closes_half_way_between_frames_whenever_it_begins_in_the_gap() {
        let ms = Duration::from_millis;
        // One frame a second, its pace seen before the drain (frames at 0, 1, 2 and 3 s).
        let start = Instant::now();
        let pace = paced_from(start, Duration::from_secs(1), 4);
        let last = start + ms(3_000);
        // Begun early in the gap: half a gap after the last frame, half before the next.
        assert_eq!(pace.close_at(last + ms(100)), last + ms(500));
        // Begun late in the gap (the next frame due in 200 ms): not now, but half a gap after
        // that frame (which, when it comes, sets the same moment).
        assert_eq!(pace.close_at(last + ms(800)), last + ms(1_500));
        assert_eq!(pace.close_at(last + ms(1_000)), last + ms(1_500));
        // A slow pace (a frame every 10 s): now, when its next frame is due at least the longest
        // quiet (1 s) later; otherwise after that frame.
        let slow = paced_from(start, Duration::from_secs(10), 4);
        let last = start + ms(30_000);
        assert_eq!(slow.close_at(last + ms(200)), last + QUIET_MAX);
        assert_eq!(slow.close_at(last + ms(4_000)), last + ms(4_000));
        assert_eq!(slow.close_at(last + ms(9_500)), last + ms(11_000));
        // A close that comes late, near the next frame due, is put off to the next gap's middle.
        let last = start + ms(3_000);
        assert!(pace.may_close(last + ms(500)));
        assert!(pace.may_close(last + ms(700)));
        assert!(
            !pace.may_close(last + ms(900)),
            "100 ms before the next frame"
        );
        assert_eq!(pace.close_at(last + ms(900)), last + ms(1_500));
        // A client later than its pace (no frame since 3 s, at 7.02 s): its gaps go on as if it
        // sent, so the close is not made just after a frame it may be late with.
        assert!(!pace.may_close(last + ms(4_020)));
        assert_eq!(pace.close_at(last + ms(4_020)), last + ms(4_500));
        assert!(pace.may_close(last + ms(4_500)));
        // Its pace not known (one frame, no gap): the longest quiet from now.
        let young = paced_from(start, ms(100), 1);
        assert_eq!(young.close_at(start + ms(50)), start + ms(50) + QUIET_MAX);
        assert!(young.may_close(start + ms(50)));
        // One gap is enough: a young connection on a one-second timer is closed half-way too.
        let young = paced_from(start, Duration::from_secs(1), 2);
        assert_eq!(young.close_at(start + ms(1_100)), start + ms(1_500));
    }
}
