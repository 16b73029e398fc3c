//! A log line for a recurring event, written at most once per window with how many times the
//! event happened since the last line.
//!
//! Some events recur for as long as a condition lasts: every retry of a database that is down,
//! every admin request while the store cannot be read (a dashboard polls every few seconds). A
//! line per event floods the log and says nothing new; one line per window with the count says
//! the same. The caller writes the line (its level, message and fields are its own); this only
//! says when, and the count. Time is passed in, so tests step it instead of sleeping.

use std::time::{Duration, Instant};

/// When a recurring event was last logged, and how many times it happened since.
#[derive(Debug)]
pub(crate) struct LogLimit {
    /// The least time between two lines.
    window: Duration,
    /// When the last line was written; `None` before the first, or after [`Self::reset`].
    last: Option<Instant>,
    /// Events noted since the last line, not yet said.
    since_last: u64,
}

impl LogLimit {
    /// At most one line per `window`.
    pub(crate) const fn new(window: Duration) -> Self {
        Self {
            window,
            last: None,
            since_last: 0,
        }
    }

    /// Notes one event at `now`. `Some(n)` when a line is due (the first event, or the first
    /// once `window` has passed since the last line), `n` the events since the last line, this
    /// one included; the count starts again. `None` when it is not: the event is counted.
    pub(crate) fn note(&mut self, now: Instant) -> Option<u64> {
        self.since_last += 1;
        let due = self
            .last
            .is_none_or(|last| now.saturating_duration_since(last) >= self.window);
        if !due {
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.since_last))
    }

    /// Another line said it at `now` (a first WARN worded otherwise): the window starts there,
    /// with nothing counted.
    pub(crate) fn logged(&mut self, now: Instant) {
        self.last = Some(now);
        self.since_last = 0;
    }

    /// The condition ended: the next event, a new occurrence, is logged at once.
    pub(crate) fn reset(&mut self) {
        self.last = None;
        self.since_last = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    /// The first event is said at once; those within the window are counted, and the first
    /// after it says them all, itself included.
    #[test]
    fn one_line_a_window_with_the_count_carried() {
        let start = Instant::now();
        let at = |seconds: u64| start + Duration::from_secs(seconds);
        let mut limit = LogLimit::new(MINUTE);
        assert_eq!(limit.note(at(0)), Some(1));
        assert_eq!(limit.note(at(1)), None);
        assert_eq!(limit.note(at(30)), None);
        assert_eq!(limit.note(at(59)), None);
        // 60 s after the last line: due, with the three counted and this one.
        assert_eq!(limit.note(at(60)), Some(4));
        // The window runs from that line, not from the first.
        assert_eq!(limit.note(at(61)), None);
        assert_eq!(limit.note(at(119)), None);
        assert_eq!(limit.note(at(120)), Some(3));
        // A quiet spell longer than the window: the next one is said at once, alone.
        assert_eq!(limit.note(at(500)), Some(1));
    }

    #[test]
    fn a_line_said_otherwise_starts_the_window_and_a_reset_ends_it() {
        let start = Instant::now();
        let at = |seconds: u64| start + Duration::from_secs(seconds);
        let mut limit = LogLimit::new(MINUTE);
        limit.logged(at(0));
        assert_eq!(limit.note(at(10)), None);
        assert_eq!(limit.note(at(70)), Some(2));
        assert_eq!(limit.note(at(80)), None);
        limit.reset();
        // A new occurrence after the condition ended: at once, the old count dropped with it.
        assert_eq!(limit.note(at(81)), Some(1));
    }
}
