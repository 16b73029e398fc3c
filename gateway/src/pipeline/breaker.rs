//! A circuit breaker for one strategy's shadow engine.
//!
//! A dead shadow (connection refused) would otherwise cost a connect attempt and a stored
//! shadow-error record for every request, work that competes with the live path for the same
//! cores. After [`THRESHOLD`] consecutive connect failures the breaker opens for [`COOL_DOWN`]:
//! shadow calls are skipped and counted (`shadow_skipped_total{reason="shadow_down"}`), so a dead
//! shadow also shows in the skipped share that blocks cutover readiness. When the cool-down is
//! over, one call (the first to come) probes the engine while the others are still skipped: if
//! it reaches the engine the breaker closes, if not it stays open for another cool-down. A dead
//! shadow then costs one connect and one stored shadow error per cool-down, however many
//! requests come meanwhile. Timeouts do not count: a slow shadow is not a dead one, and the
//! in-flight budget already bounds it.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Consecutive connect failures that open the breaker.
pub const THRESHOLD: u32 = 5;

/// How long shadow calls are skipped once the breaker is open, and between two probes.
pub const COOL_DOWN: Duration = Duration::from_secs(1);

/// Lock-free state: consecutive failures, and until when calls are skipped.
#[derive(Debug)]
pub struct Breaker {
    epoch: Instant,
    cool_down_micros: u64,
    failures: AtomicU32,
    /// Microseconds since `epoch` until which calls are skipped; 0 while closed. Past that time
    /// the breaker is still open: the next call probes the engine.
    open_until: AtomicU64,
}

impl Default for Breaker {
    fn default() -> Self {
        Breaker::with_cool_down(COOL_DOWN)
    }
}

impl Breaker {
    fn with_cool_down(cool_down: Duration) -> Breaker {
        Breaker {
            epoch: Instant::now(),
            cool_down_micros: u64::try_from(cool_down.as_micros()).unwrap_or(u64::MAX),
            failures: AtomicU32::new(0),
            open_until: AtomicU64::new(0),
        }
    }

    /// Whether a shadow call may be made now: always while closed; while open, once per
    /// cool-down (the probe).
    pub fn allows(&self) -> bool {
        let until = self.open_until.load(Ordering::Relaxed);
        if until == 0 {
            return true;
        }
        let now = self.now();
        if until > now {
            return false;
        }
        // The first call after the cool-down probes; the next cool-down starts with it, so
        // the calls that come while it is under way are skipped.
        let next = now.saturating_add(self.cool_down_micros);
        self.open_until
            .compare_exchange(until, next, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    }

    /// A connect failure; returns true when this one opened the breaker.
    ///
    /// While it is open nothing counts: a failed probe leaves it open (its cool-down started
    /// when the probe was let through), and calls that were under way when it opened open it
    /// no second time (many calls failing at once open it, and log it, once).
    pub fn connect_failed(&self) -> bool {
        if self.open_until.load(Ordering::Relaxed) != 0 {
            return false;
        }
        // Exactly one of the failures counted together reaches the threshold.
        if self.failures.fetch_add(1, Ordering::Relaxed) + 1 != THRESHOLD {
            return false;
        }
        self.failures.store(0, Ordering::Relaxed);
        // At least 1: 0 means closed.
        let until = self.now().saturating_add(self.cool_down_micros).max(1);
        self.open_until
            .compare_exchange(0, until, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    }

    /// The engine answered (whatever it answered): it is reachable. Returns true when this
    /// closed the breaker (a probe, or a call under way when it opened, got through).
    pub fn reached(&self) -> bool {
        if self.failures.load(Ordering::Relaxed) != 0 {
            self.failures.store(0, Ordering::Relaxed);
        }
        self.open_until.load(Ordering::Relaxed) != 0
            && self.open_until.swap(0, Ordering::Relaxed) != 0
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_consecutive_connect_failures_only() {
        let breaker = Breaker::default();
        for _ in 0..THRESHOLD - 1 {
            assert!(!breaker.connect_failed());
        }
        assert!(!breaker.reached(), "it was closed");
        for _ in 0..THRESHOLD - 1 {
            assert!(!breaker.connect_failed());
        }
        assert!(breaker.allows(), "a success in between resets the count");
        assert!(
            breaker.connect_failed(),
            "the fifth consecutive failure opens it"
        );
        assert!(!breaker.allows());
    }

    #[test]
    fn calls_failing_while_it_is_open_do_not_open_it_again() {
        // Twenty calls in flight fail at once: the fifth opens it, the other fifteen were
        // already under way and open nothing (one opening, one WARN line).
        let breaker = Breaker::default();
        let openings = (0..20).filter(|_| breaker.connect_failed()).count();
        assert_eq!(openings, 1);
        assert!(!breaker.allows());
    }

    #[test]
    fn failures_counted_together_from_several_threads_open_it_once() {
        let breaker = Breaker::default();
        let openings = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..8)
                .map(|_| scope.spawn(|| (0..50).filter(|_| breaker.connect_failed()).count()))
                .collect();
            threads
                .into_iter()
                .map(|t| t.join().unwrap())
                .sum::<usize>()
        });
        assert_eq!(openings, 1);
    }

    /// Opens `breaker` and waits out its cool-down.
    fn open_and_cool(breaker: &Breaker, cool_down: Duration) {
        for _ in 0..THRESHOLD {
            breaker.connect_failed();
        }
        assert!(!breaker.allows());
        std::thread::sleep(cool_down + Duration::from_millis(5));
    }

    #[test]
    fn after_the_cool_down_one_call_probes_and_the_others_are_still_skipped() {
        let cool_down = Duration::from_millis(200);
        let breaker = Breaker::with_cool_down(cool_down);
        open_and_cool(&breaker, cool_down);
        // A burst of twenty calls: one probe.
        let allowed = (0..20).filter(|_| breaker.allows()).count();
        assert_eq!(allowed, 1);
        // The probe cannot connect: still open, nothing re-opened (no second WARN), and the
        // next probe only after another cool-down.
        assert!(!breaker.connect_failed());
        assert!(!breaker.allows());
        std::thread::sleep(cool_down + Duration::from_millis(5));
        assert_eq!((0..20).filter(|_| breaker.allows()).count(), 1);
        // This probe gets through: closed, every call allowed again.
        assert!(breaker.reached(), "the probe closed it");
        assert!(!breaker.reached(), "closed once");
        assert_eq!((0..20).filter(|_| breaker.allows()).count(), 20);
    }

    #[test]
    fn the_probe_goes_to_one_of_several_threads() {
        let cool_down = Duration::from_millis(200);
        let breaker = Breaker::with_cool_down(cool_down);
        open_and_cool(&breaker, cool_down);
        let allowed = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..8)
                .map(|_| scope.spawn(|| (0..50).filter(|_| breaker.allows()).count()))
                .collect();
            threads
                .into_iter()
                .map(|t| t.join().unwrap())
                .sum::<usize>()
        });
        assert_eq!(allowed, 1);
    }
}
