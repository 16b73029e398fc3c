//! The shadow workers: a few OS threads that do the shadow path's CPU work (canonicalise both
//! answers, compare, build the masked record, emit), fed by one bounded queue.
//!
//! The tokio workers carry the live path. A comparison run on one of them sits between the live
//! answers queued on that worker (tens of microseconds each, and a mismatch record more), which
//! is what made the live tail longer with the shadow on. Here that work runs on threads of its
//! own, in the scheduling class of `[shadow] scheduling` ([`crate::runtime::scheduling`]: with
//! `idle` the kernel runs the live path first and the shadow catches up in the gaps; `normal`,
//! the default, shares the CPU by `[shadow] nice`). The queue is bounded: when the workers fall behind, [`ShadowWorkers::submit`]
//! refuses the job at once (the caller counts it as skipped, `queue_full`), never waits and never
//! grows.
//!
//! Waking a sleeping worker for every job costs a futex call on the live path's thread and two
//! context switches per comparison, a large part of the shadow's CPU per frame at low rates. With
//! `[shadow] gather_ms` above 0, a worker that runs out of jobs sleeps that long first (submits
//! do not wake a sleeping worker) and takes what came meanwhile together; only when nothing came
//! does it wait on the queue, where the next submit wakes it. A comparison is then made at most
//! `gather_ms` later, and at a steady rate the workers wake once per `gather_ms` instead of once
//! per frame. It is 0 (a wake per job) by default: on a core shared with the live path, a
//! gathered burst of comparisons runs for a whole scheduler slice while live answers wait behind
//! it (measured: live p50 +2.5 ms at 3,000 frames/s, and `queue_full` skips on a saturated VM).
//!
//! The engine calls themselves stay on the main runtime: they are I/O on its reactor and its
//! connection pools, cheap per call, and a second reactor would double the wakeups per frame.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use prometheus::IntGauge;

use crate::config::raw::ShadowSectionConfig;
use crate::runtime::scheduling;

/// One unit of shadow work.
pub(crate) type Job = Box<dyn FnOnce() + Send + 'static>;

/// The queue and its worker threads. The threads end when this is dropped and the queue is
/// empty; the work itself is tracked by whoever submits it (the gateway's task tracker).
pub(crate) struct ShadowWorkers {
    queue: SyncSender<Job>,
    depth: IntGauge,
    /// Times a worker waited on the empty queue (each needs a submit to wake it).
    #[cfg_attr(not(test), allow(dead_code))]
    waits: Arc<AtomicU64>,
    /// Threads started.
    #[cfg_attr(not(feature = "test-support"), allow(dead_code))]
    workers: usize,
}

/// The queue was full: the job was not run.
#[derive(Debug)]
pub(crate) struct QueueFull;

impl ShadowWorkers {
    /// Starts `pool.workers` threads (at least 1) in `pool.scheduling` at `pool.nice` over a
    /// queue of `pool.queue_capacity` jobs (at least 1); `depth` shows the jobs waiting. A worker
    /// out of jobs sleeps `gather` before it waits on the queue. A thread that cannot be started
    /// is logged and the pool runs with the others (with none, every job waits in the queue until
    /// it is full, and is then skipped and counted).
    pub fn start(pool: &ShadowSectionConfig, gather: Duration, depth: IntGauge) -> ShadowWorkers {
        let (queue, jobs) = mpsc::sync_channel::<Job>(pool.queue_capacity.max(1));
        let jobs = Arc::new(Mutex::new(jobs));
        let waits = Arc::new(AtomicU64::new(0));
        let mut started = 0;
        for index in 0..pool.workers.max(1) {
            let worker = Worker {
                jobs: jobs.clone(),
                depth: depth.clone(),
                waits: waits.clone(),
                gather,
            };
            let (class, nice) = (pool.scheduling, pool.nice);
            let spawned = std::thread::Builder::new()
                .name(format!("shadow-{index}"))
                .spawn(move || {
                    scheduling::apply_or_warn(class, nice, "shadow worker");
                    worker.run();
                });
            match spawned {
                Ok(_) => started += 1,
                Err(error) => tracing::error!(%error, "cannot start a shadow worker thread"),
            }
        }
        ShadowWorkers {
            queue,
            depth,
            waits,
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

/// One worker's share of the pool.
struct Worker {
    jobs: Arc<Mutex<Receiver<Job>>>,
    depth: IntGauge,
    waits: Arc<AtomicU64>,
    gather: Duration,
}

impl Worker {
    /// Takes jobs until the queue is closed and empty.
    fn run(self) {
        while let Some(job) = self.next_job() {
            self.depth.dec();
            // A panicking comparison must not take the worker with it: the queue would fill up
            // and every later comparison be skipped.
            if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
                tracing::error!("a shadow comparison panicked; its outcome is not counted");
            }
        }
    }

    /// A queued job at once; else, after a sleep of `gather`, one that came meanwhile; else
    /// waits on the queue until a submit wakes it. `None` once the queue is closed and empty.
    fn next_job(&self) -> Option<Job> {
        // The lock is held while sleeping and waiting, so that one idle worker sleeps or waits on
        // the queue and the others on the lock; it is released before the job runs.
        let jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
        for gathered in [false, true] {
            match jobs.try_recv() {
                Ok(job) => return Some(job),
                Err(TryRecvError::Disconnected) => return None,
                Err(TryRecvError::Empty) if gathered || self.gather.is_zero() => break,
                Err(TryRecvError::Empty) => std::thread::sleep(self.gather),
            }
        }
        self.waits.fetch_add(1, Ordering::Relaxed);
        jobs.recv().ok()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::channel;

    use super::*;

    fn gauge() -> IntGauge {
        IntGauge::new("depth", "jobs waiting").unwrap()
    }

    /// A pool of one worker in the default class (`normal`: on a machine busy with other builds
    /// a `SCHED_IDLE` worker may wait seconds for a CPU, and these tests are about the queue).
    fn pool(capacity: usize) -> ShadowSectionConfig {
        ShadowSectionConfig {
            queue_capacity: capacity,
            ..ShadowSectionConfig::default()
        }
    }

    /// Waits (at most 10 s) until the workers have waited on the empty queue `n` times.
    fn until_waits(workers: &ShadowWorkers, n: u64) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while workers.waits.load(Ordering::Relaxed) < n {
            assert!(std::time::Instant::now() < deadline, "no wait number {n}");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn a_full_queue_refuses_at_once_and_the_rest_runs() {
        let depth = gauge();
        let workers = ShadowWorkers::start(&pool(2), Duration::from_millis(5), depth.clone());
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
        let workers = ShadowWorkers::start(&pool(4), Duration::from_millis(5), gauge());
        workers.submit(Box::new(|| panic!("boom"))).unwrap();
        let (done_tx, done) = channel();
        workers
            .submit(Box::new(move || done_tx.send(()).unwrap()))
            .unwrap();
        done.recv().unwrap();
    }

    #[test]
    fn jobs_submitted_while_the_worker_gathers_run_without_waking_it() {
        // A long gather, so the jobs below are surely submitted while the worker sleeps.
        let workers = ShadowWorkers::start(&pool(8), Duration::from_secs(2), gauge());
        // At start the worker gathers (nothing comes), then waits on the queue.
        until_waits(&workers, 1);
        let (done_tx, done) = channel();
        let first = done_tx.clone();
        workers
            .submit(Box::new(move || first.send(0).unwrap()))
            .unwrap();
        assert_eq!(done.recv().unwrap(), 0);
        // The worker now sleeps `gather` instead of waiting on the queue.
        for i in 1..=3 {
            let done_tx = done_tx.clone();
            workers
                .submit(Box::new(move || done_tx.send(i).unwrap()))
                .unwrap();
        }
        let ran: Vec<i32> = (0..3).map(|_| done.recv().unwrap()).collect();
        assert_eq!(ran, [1, 2, 3]);
        assert_eq!(
            workers.waits.load(Ordering::Relaxed),
            1,
            "four jobs, one wake: no wait on the queue after the first"
        );
    }

    #[test]
    fn without_a_gather_every_idle_worker_waits_on_the_queue() {
        let workers = ShadowWorkers::start(&pool(8), Duration::ZERO, gauge());
        let (done_tx, done) = channel();
        for i in 0..3 {
            // Each job finds the worker waiting, and after it the worker waits again.
            until_waits(&workers, i + 1);
            let done_tx = done_tx.clone();
            workers
                .submit(Box::new(move || done_tx.send(i).unwrap()))
                .unwrap();
            assert_eq!(done.recv().unwrap(), i);
        }
        until_waits(&workers, 4);
    }

    #[test]
    fn workers_run_in_the_configured_scheduling_class() {
        use crate::config::raw::ShadowScheduling;
        let (seen_tx, seen) = channel();
        let idle = ShadowSectionConfig {
            scheduling: ShadowScheduling::Idle,
            ..ShadowSectionConfig::default()
        };
        let workers = ShadowWorkers::start(&idle, Duration::from_millis(5), gauge());
        workers
            .submit(Box::new(move || {
                seen_tx
                    .send(scheduling::current_thread_scheduling())
                    .unwrap()
            }))
            .unwrap();
        assert_eq!(seen.recv().unwrap(), Some(ShadowScheduling::Idle));
    }
}
