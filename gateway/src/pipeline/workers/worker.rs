//! One worker thread's loop: take jobs, gather for `gather_ms` when set, park when idle.

use std::sync::atomic::{fence, Ordering};
use std::sync::Arc;
use std::time::Duration;

use prometheus::IntGauge;

use super::pool::{Job, Pool, Sleeper};

/// One worker's share of the pool.
pub(super) struct Worker {
    pub(super) pool: Arc<Pool>,
    pub(super) index: usize,
    pub(super) depth: IntGauge,
    pub(super) gather: Duration,
}

impl Worker {
    /// Takes jobs until the pool is closed and the queue empty.
    pub(super) fn run(self) {
        let Some(sleeper) = self.pool.sleepers.get(self.index) else {
            return;
        };
        let _ = sleeper.thread.set(std::thread::current());
        while let Some(job) = self.next_job(sleeper) {
            self.depth.dec();
            // A panicking comparison must not take the worker with it: the queue would fill up
            // and every later comparison be skipped.
            if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
                tracing::error!("a shadow comparison panicked; its outcome is not counted");
            }
        }
    }

    /// A queued job at once; else, after a sleep of `gather`, one that came meanwhile; else
    /// parks until a submit wakes it. `None` once the pool is closed and the queue empty.
    fn next_job(&self, sleeper: &Sleeper) -> Option<Job> {
        let mut gathered = self.gather.is_zero();
        loop {
            if let Some(job) = self.pool.jobs.pop() {
                return Some(job);
            }
            if self.pool.closed.load(Ordering::SeqCst) {
                return None;
            }
            if !gathered {
                // No flag raised: submits meanwhile queue without waking this thread.
                std::thread::sleep(self.gather);
                gathered = true;
                continue;
            }
            if let Some(job) = self.park(sleeper) {
                return Some(job);
            }
        }
    }

    /// Raises the flag, looks at the queue once more (a submit that missed the flag queued its
    /// job before), and parks until a submit or the pool's drop lowers it.
    fn park(&self, sleeper: &Sleeper) -> Option<Job> {
        sleeper.waiting.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        if let Some(job) = self.pool.jobs.pop() {
            // A submit that lowered the flag meanwhile leaves an unpark token: the next park
            // returns at once and looks again, which costs one loop.
            sleeper.waiting.store(false, Ordering::SeqCst);
            return Some(job);
        }
        self.pool.waits.fetch_add(1, Ordering::Relaxed);
        while sleeper.waiting.load(Ordering::SeqCst) && !self.pool.closed.load(Ordering::SeqCst) {
            std::thread::park();
        }
        sleeper.waiting.store(false, Ordering::SeqCst);
        None
    }
}
