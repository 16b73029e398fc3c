//! A circuit breaker for one strategy's shadow engine.
//!
//! A dead shadow (connection refused) would otherwise cost a connect attempt and a stored
//! shadow-error record for every request, work that competes with the live path for the same
//! cores. After [`THRESHOLD`] consecutive connect failures the breaker opens for [`COOL_DOWN`]:
//! shadow calls are skipped and counted (`shadow_skipped_total{reason="shadow_down"}`), so a dead
//! shadow also shows in the skipped share that blocks cutover readiness. After the cool-down the
//! next calls probe the engine again. Timeouts do not count: a slow shadow is not a dead one,
//! and the in-flight budget already bounds it.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Consecutive connect failures that open the breaker.
pub const THRESHOLD: u32 = 5;

/// How long shadow calls are skipped once the breaker is open.
pub const COOL_DOWN: Duration = Duration::from_secs(1);

/// Lock-free state: consecutive failures, and until when calls are skipped.
#[derive(Debug)]
pub struct Breaker {
    epoch: Instant,
    failures: AtomicU32,
    /// Microseconds since `epoch` until which calls are skipped (0: closed).
    open_until: AtomicU64,
}

impl Default for Breaker {
    fn default() -> Self {
        Breaker {
            epoch: Instant::now(),
            failures: AtomicU32::new(0),
            open_until: AtomicU64::new(0),
        }
    }
}

impl Breaker {
    /// Whether a shadow call may be made now.
    pub fn allows(&self) -> bool {
        self.open_until.load(Ordering::Relaxed) <= self.now()
    }

    /// A connect failure; returns true when this one opened the breaker.
    ///
    /// Failures of calls that were already in flight when it opened do not count toward the
    /// next opening: many calls failing at once open it once (and log it once), not once per
    /// [`THRESHOLD`] of them.
    pub fn connect_failed(&self) -> bool {
        let now = self.now();
        let open_until = self.open_until.load(Ordering::Relaxed);
        if open_until > now {
            return false;
        }
        // Exactly one of the failures counted together reaches the threshold.
        if self.failures.fetch_add(1, Ordering::Relaxed) + 1 != THRESHOLD {
            return false;
        }
        self.failures.store(0, Ordering::Relaxed);
        let until = now + u64::try_from(COOL_DOWN.as_micros()).unwrap_or(u64::MAX);
        self.open_until
            .compare_exchange(open_until, until, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    }

    /// The engine answered (whatever it answered): it is reachable.
    pub fn reached(&self) {
        self.failures.store(0, Ordering::Relaxed);
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
        breaker.reached();
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
}
