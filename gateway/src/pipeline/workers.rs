//! The shadow workers: a few OS threads that do the shadow path's CPU work (canonicalise both
//! answers, compare, build the masked record, emit), fed by one bounded queue.
//!
//! The tokio workers carry the live path. A comparison run on one of them sits between the live
//! answers queued on that worker (tens of microseconds each, and a mismatch record more), which
//! is what made the live tail longer with the shadow on. Here that work runs on threads of its
//! own, optionally at a lower scheduling priority (`[shadow] nice`), so that under CPU
//! contention the kernel runs the live path first and the shadow catches up in the gaps. The
//! nice value is 0 by default: on a machine busy with other work, nice 10 left a worker so little
//! CPU that comparisons were skipped by the thousand (see the README). The queue is bounded: when
//! the workers fall behind, [`ShadowWorkers::submit`] refuses the job at once (the caller counts
//! it as skipped, `queue_full`), never waits and never grows.
//!
//! The engine calls themselves stay on the main runtime: they are I/O on its reactor and its
//! connection pools, cheap per call, and a second reactor would double the wakeups per frame.

use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};

use prometheus::IntGauge;

/// One unit of shadow work.
pub(crate) type Job = Box<dyn FnOnce() + Send + 'static>;

/// The queue and its worker threads. The threads end when this is dropped and the queue is
/// empty; the work itself is tracked by whoever submits it (the gateway's task tracker).
pub(crate) struct ShadowWorkers {
    queue: SyncSender<Job>,
    depth: IntGauge,
    /// Threads started.
    #[cfg_attr(not(feature = "test-support"), allow(dead_code))]
    workers: usize,
}

/// The queue was full: the job was not run.
#[derive(Debug)]
pub(crate) struct QueueFull;

impl ShadowWorkers {
    /// Starts `workers` threads (at least 1) at `nice` (0: as the live path) over a queue of
    /// `capacity` jobs (at least 1); `depth` shows the jobs waiting. A thread that cannot be started is logged and the pool
    /// runs with the others (with none, every job waits in the queue until it is full, and is
    /// then skipped and counted).
    pub fn start(workers: usize, capacity: usize, nice: i32, depth: IntGauge) -> ShadowWorkers {
        let (queue, jobs) = mpsc::sync_channel::<Job>(capacity.max(1));
        let jobs = Arc::new(Mutex::new(jobs));
        let mut started = 0;
        for index in 0..workers.max(1) {
            let (jobs, depth) = (jobs.clone(), depth.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("shadow-{index}"))
                .spawn(move || work(&jobs, &depth, nice));
            match spawned {
                Ok(_) => started += 1,
                Err(error) => tracing::error!(%error, "cannot start a shadow worker thread"),
            }
        }
        ShadowWorkers {
            queue,
            depth,
            workers: started,
        }
    }

    /// Queues a job; a full queue refuses it at once.
    pub fn submit(&self, job: Job) -> Result<(), QueueFull> {
        // Counted before the send: a worker may take the job (and decrement) before it returns.
        self.depth.inc();
        match self.queue.try_send(job) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.depth.dec();
                Err(QueueFull)
            }
        }
    }
}

/// Every worker held busy until this is dropped (see [`ShadowWorkers::hold`]).
#[cfg(feature = "test-support")]
#[derive(Debug)]
pub struct ShadowHold {
    _release: Vec<mpsc::Sender<()>>,
}

#[cfg(feature = "test-support")]
impl ShadowWorkers {
    /// Occupies every worker with a job that waits for the returned guard to drop, and returns
    /// once each has started: later jobs wait in the queue, so a test can fill it without
    /// racing the workers. `None` when a worker did not start its job within `within`.
    pub fn hold(&self, within: std::time::Duration) -> Option<ShadowHold> {
        let (started_tx, started) = mpsc::channel();
        let mut release = Vec::new();
        for _ in 0..self.workers {
            let (release_tx, released) = mpsc::channel::<()>();
            let started_tx = started_tx.clone();
            let job: Job = Box::new(move || {
                let _ = started_tx.send(());
                let _ = released.recv();
            });
            self.submit(job).ok()?;
            release.push(release_tx);
        }
        for _ in 0..self.workers {
            started.recv_timeout(within).ok()?;
        }
        Some(ShadowHold { _release: release })
    }
}

/// One worker: takes jobs until the queue is closed and empty.
fn work(jobs: &Mutex<Receiver<Job>>, depth: &IntGauge, nice: i32) {
    if nice > 0 {
        lower_priority(nice);
    }
    loop {
        // The lock is held while waiting so that one idle worker waits on the queue and the
        // others on the lock; it is released before the job runs.
        let job = {
            let jobs = jobs.lock().unwrap_or_else(PoisonError::into_inner);
            jobs.recv()
        };
        let Ok(job) = job else { return };
        depth.dec();
        // A panicking comparison must not take the worker with it: the queue would fill up and
        // every later comparison be skipped.
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
            tracing::error!("a shadow comparison panicked; its outcome is not counted");
        }
    }
}

/// Lowers this thread's scheduling priority, so the live path's threads run first.
fn lower_priority(nice: i32) {
    #[cfg(target_os = "linux")]
    {
        let thread = rustix::thread::gettid();
        if let Err(error) = rustix::process::setpriority_process(Some(thread), nice) {
            tracing::warn!(%error, nice, "cannot lower the shadow worker's priority");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::channel;

    use super::*;

    fn gauge() -> IntGauge {
        IntGauge::new("depth", "jobs waiting").unwrap()
    }

    #[test]
    fn a_full_queue_refuses_at_once_and_the_rest_runs() {
        let depth = gauge();
        let workers = ShadowWorkers::start(1, 2, 10, depth.clone());
        let (started_tx, started) = channel();
        let (release, released) = channel::<()>();
        // The first job holds the only worker until released.
        workers
            .submit(Box::new(move || {
                started_tx.send(()).unwrap();
                released.recv().unwrap();
            }))
            .unwrap();
        started.recv().unwrap();
        let (done_tx, done) = channel();
        for i in 0..2 {
            let done_tx = done_tx.clone();
            workers
                .submit(Box::new(move || done_tx.send(i).unwrap()))
                .unwrap();
        }
        assert_eq!(depth.get(), 2);
        assert!(workers.submit(Box::new(|| panic!("never runs"))).is_err());
        assert_eq!(depth.get(), 2, "a refused job is not queued");
        release.send(()).unwrap();
        let ran: Vec<i32> = (0..2).map(|_| done.recv().unwrap()).collect();
        assert_eq!(ran, [0, 1]);
        assert_eq!(depth.get(), 0);
    }

    #[test]
    fn a_panicking_job_leaves_the_worker_running() {
        let workers = ShadowWorkers::start(1, 4, 0, gauge());
        workers.submit(Box::new(|| panic!("boom"))).unwrap();
        let (done_tx, done) = channel();
        workers
            .submit(Box::new(move || done_tx.send(()).unwrap()))
            .unwrap();
        done.recv().unwrap();
    }
}
