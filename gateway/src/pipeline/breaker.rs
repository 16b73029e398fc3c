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
    pub fn connect_failed(&self) -> bool {
        if self.failures.fetch_add(1, Ordering::Relaxed) + 1 < THRESHOLD {
            return false;
        }
        self.failures.store(0, Ordering::Relaxed);
        let until = self.now() + u64::try_from(COOL_DOWN.as_micros()).unwrap_or(u64::MAX);
        self.open_until.store(until, Ordering::Relaxed);
        true
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
}
