//! A circuit breaker for one strategy's shadow engine.
//!
//! A dead shadow (connection refused) would otherwise cost a connect attempt and a stored
//! shadow-error record for every request, work that competes with the live path for the same
//! cores. After [`THRESHOLD`] consecutive connect failures the breaker opens for [`COOL_DOWN`]:
//! shadow calls are skipped and counted (`shadow_skipped_total{reason="shadow_down"}`), so a dead
//! shadow also shows in the skipped share that blocks cutover readiness. When the cool-down is
//! over, one call (the first to come) probes the engine while the others are still skipped: if
//! the engine answers it the breaker closes, if not it stays open for another cool-down. A dead
//! shadow then costs one connect and one stored shadow error per cool-down, however many
//! requests come meanwhile.
//!
//! Each call carries the [`Pass`] it was let through with. Only a probe closes the breaker: a
//! call that was under way when it opened and is answered afterwards says the engine *was*
//! reachable, not that it is. Only an answer counts as reaching the engine (whatever it
//! answered); a timeout, a connection that broke, or our own in-flight bound say nothing either
//! way (a slow shadow is not a dead one, and the in-flight budget already bounds it), as for
//! the engine's health ([`crate::engine::EngineHealth`]).
//!
//! A reload keeps the breaker while the strategy's shadow stays the same engine
//! ([`crate::runtime::Runtime::rebuild`]): a fresh one mid-outage would let calls pour through
//! again, log the outage a second time and never log the first one's end.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Consecutive connect failures that open the breaker.
pub const THRESHOLD: u32 = 5;

/// How long shadow calls are skipped once the breaker is open, and between two probes.
pub const COOL_DOWN: Duration = Duration::from_secs(1);

/// How a call was let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// The breaker was closed.
    Closed,
    /// The breaker was open and its cool-down over: this call probes the engine.
    Probe,
}

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

    /// Whether a shadow call may be made now, and how: always while closed; while open, once
    /// per cool-down (the probe). `None`: skip it.
    pub fn pass(&self) -> Option<Pass> {
        self.pass_at(self.now())
    }

    /// [`Self::pass`] at `now`, microseconds since the breaker was made (the tests' clock).
    pub(crate) fn pass_at(&self, now: u64) -> Option<Pass> {
        let until = self.open_until.load(Ordering::Relaxed);
        if until == 0 {
            return Some(Pass::Closed);
        }
        if until > now {
            return None;
        }
        // The first call after the cool-down probes; the next cool-down starts with it, so
        // the calls that come while it is under way are skipped.
        let next = now.saturating_add(self.cool_down_micros).max(1);
        self.open_until
            .compare_exchange(until, next, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
            .then_some(Pass::Probe)
    }

    /// A call let through with `pass` could not connect; returns true when this opened the
    /// breaker.
    ///
    /// A failed probe leaves it open (its cool-down started when the probe was let through),
    /// and calls that were under way when it opened open it no second time: many calls failing
    /// at once open it, and log it, once.
    pub fn connect_failed(&self, pass: Pass) -> bool {
        self.connect_failed_at(pass, self.now())
    }

    /// [`Self::connect_failed`] at `now`, microseconds since the breaker was made.
    pub(crate) fn connect_failed_at(&self, pass: Pass, now: u64) -> bool {
        if pass == Pass::Probe || self.open_until.load(Ordering::Relaxed) != 0 {
            return false;
        }
        // Exactly one of the failures counted together reaches the threshold.
        if self.failures.fetch_add(1, Ordering::Relaxed) + 1 != THRESHOLD {
            return false;
        }
        self.failures.store(0, Ordering::Relaxed);
        // At least 1: 0 means closed.
        let until = now.saturating_add(self.cool_down_micros).max(1);
        self.open_until
            .compare_exchange(0, until, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    }

    /// The engine answered a call let through with `pass` (whatever it answered). Returns true
    /// when this closed the breaker: only a probe does.
    pub fn reached(&self, pass: Pass) -> bool {
        if self.failures.load(Ordering::Relaxed) != 0 {
            self.failures.store(0, Ordering::Relaxed);
        }
        pass == Pass::Probe && self.open_until.swap(0, Ordering::Relaxed) != 0
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: u64 = 1_000_000;

    /// What `count` gives on each of 8 threads at once, added up.
    fn on_eight_threads(count: impl Fn() -> usize + Sync) -> usize {
        std::thread::scope(|scope| {
            let threads: Vec<_> = (0..8).map(|_| scope.spawn(&count)).collect();
            threads.into_iter().map(|t| t.join().unwrap()).sum()
        })
    }

    /// Opens `breaker` at `now` with THRESHOLD failures of closed-pass calls.
    fn open(breaker: &Breaker, now: u64) {
        let openings = (0..THRESHOLD)
            .filter(|_| breaker.connect_failed_at(Pass::Closed, now))
            .count();
        assert_eq!(openings, 1);
        assert_eq!(breaker.pass_at(now), None);
    }

    #[test]
    fn opens_after_consecutive_connect_failures_only() {
        let breaker = Breaker::default();
        for _ in 0..THRESHOLD - 1 {
            assert!(!breaker.connect_failed(Pass::Closed));
        }
        assert!(!breaker.reached(Pass::Closed), "it was closed");
        for _ in 0..THRESHOLD - 1 {
            assert!(!breaker.connect_failed(Pass::Closed));
        }
        assert_eq!(
            breaker.pass(),
            Some(Pass::Closed),
            "a success in between resets the count"
        );
        assert!(
            breaker.connect_failed(Pass::Closed),
            "the fifth consecutive failure opens it"
        );
        assert_eq!(breaker.pass(), None);
    }

    #[test]
    fn calls_failing_while_it_is_open_do_not_open_it_again() {
        // Twenty calls in flight fail at once: the fifth opens it, the other fifteen were
        // already under way and open nothing (one opening, one WARN line).
        let breaker = Breaker::default();
        let openings = (0..20)
            .filter(|_| breaker.connect_failed(Pass::Closed))
            .count();
        assert_eq!(openings, 1);
        assert_eq!(breaker.pass(), None);
    }

    #[test]
    fn failures_counted_together_from_several_threads_open_it_once() {
        let breaker = Breaker::default();
        let openings = on_eight_threads(|| {
            (0..50)
                .filter(|_| breaker.connect_failed(Pass::Closed))
                .count()
        });
        assert_eq!(openings, 1);
    }

    #[test]
    fn after_the_cool_down_one_call_probes_and_the_others_are_still_skipped() {
        let breaker = Breaker::default();
        open(&breaker, SECOND);
        assert_eq!(breaker.pass_at(SECOND + SECOND / 2), None, "cooling down");
        // A burst of twenty calls after the cool-down: one probe.
        let after = 2 * SECOND + 1;
        let passes: Vec<_> = (0..20).filter_map(|_| breaker.pass_at(after)).collect();
        assert_eq!(passes, [Pass::Probe]);
        // The probe cannot connect: still open, nothing re-opened (no second WARN), the next
        // probe only a cool-down after this one was let through.
        assert!(!breaker.connect_failed_at(Pass::Probe, after));
        assert_eq!(breaker.pass_at(after + SECOND - 1), None);
        let later = after + SECOND;
        assert_eq!(
            (0..20).filter_map(|_| breaker.pass_at(later)).count(),
            1,
            "one probe a cool-down"
        );
        // This probe is answered: closed, every call passes again.
        assert!(breaker.reached(Pass::Probe), "the probe closed it");
        assert!(!breaker.reached(Pass::Probe), "closed once");
        assert_eq!((0..20).filter_map(|_| breaker.pass_at(later)).count(), 20);
    }

    #[test]
    fn a_call_under_way_when_it_opened_does_not_close_it() {
        // Answered after the breaker opened, it says the engine was reachable when it was
        // called; only a probe says it is now (otherwise one outage logs WARN, INFO, WARN).
        let breaker = Breaker::default();
        open(&breaker, SECOND);
        assert!(!breaker.reached(Pass::Closed));
        assert_eq!(breaker.pass_at(SECOND + 1), None, "still open");
    }

    #[test]
    fn the_probe_goes_to_one_of_several_threads() {
        let breaker = Breaker::default();
        open(&breaker, SECOND);
        let after = 2 * SECOND + 1;
        let probes = on_eight_threads(|| (0..50).filter_map(|_| breaker.pass_at(after)).count());
        assert_eq!(probes, 1);
    }
}
