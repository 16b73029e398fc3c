//! The pool: its bounded queue, the submit that never waits, and waking one sleeping worker.

use std::sync::atomic::{fence, AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::Thread;
use std::time::Duration;

use futures::task::AtomicWaker;
use prometheus::IntGauge;

use super::handoff::HandOff;
use super::runner::run_on_runtime;
use super::worker::Worker;
use crate::config::raw::ShadowSection;
use crate::runtime::scheduling;

/// One unit of shadow work.
pub(crate) type Job = Box<dyn FnOnce() + Send + 'static>;

/// The queue and its worker threads. The threads end when this is dropped and the queue is
/// empty; the work itself is tracked by whoever submits it (the gateway's task tracker).
pub(crate) struct ShadowWorkers {
    pool: Arc<Pool>,
    depth: IntGauge,
    /// The runtime task of `workers = 0`, spawned by the first submit (on the runtime).
    runner: OnceLock<()>,
    /// Threads started.
    #[cfg_attr(not(feature = "test-support"), allow(dead_code))]
    pub(super) workers: usize,
}

/// The queue was full: the job was not run.
#[derive(Debug)]
pub(crate) struct QueueFull;

/// What the submitters and the workers share: the queue and how to wake an idle worker.
pub(super) struct Pool {
    pub(super) jobs: HandOff<Job>,
    /// One per worker thread, whether started or not.
    pub(super) sleepers: Vec<Sleeper>,
    /// Set when the pool is dropped: workers end once the queue is empty.
    pub(super) closed: AtomicBool,
    /// Times a worker parked on the empty queue (each needs a submit to wake it).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(super) waits: AtomicU64,
    /// With no worker threads (`workers = 0`): the runtime task that runs the jobs, woken by a
    /// submit when it waits for one.
    pub(super) runner: Option<AtomicWaker>,
}

/// One worker's wake-up: the flag it raises before parking, and its thread.
#[derive(Default)]
pub(super) struct Sleeper {
    pub(super) waiting: AtomicBool,
    pub(super) thread: OnceLock<Thread>,
}

impl Pool {
    /// Wakes one parked worker, if any is: the one whose flag this call lowers.
    fn wake_one(&self) {
        // Pairs with the fence in `Worker::park`: either this sees the raised flag, or the worker
        // sees the job queued before it.
        fence(Ordering::SeqCst);
        for sleeper in &self.sleepers {
            let lowered =
                sleeper
                    .waiting
                    .compare_exchange(true, false, Ordering::SeqCst, Ordering::Relaxed);
            if lowered.is_ok() {
                if let Some(thread) = sleeper.thread.get() {
                    thread.unpark();
                }
                return;
            }
        }
    }
}

impl ShadowWorkers {
    /// Starts `pool.workers` threads (at least 1) in `pool.scheduling` at `pool.nice` over a
    /// queue of `pool.queue_capacity` jobs (at least 1); `depth` shows the jobs waiting. A worker
    /// out of jobs sleeps `gather` before it waits on the queue. A thread that cannot be started
    /// is logged and the pool runs with the others (with none, every job waits in the queue until
    /// it is full, and is then skipped and counted).
    pub fn start(pool: &ShadowSection, gather: Duration, depth: IntGauge) -> ShadowWorkers {
        let count = pool.workers;
        let shared = Arc::new(Pool {
            jobs: HandOff::new(pool.queue_capacity.max(1)),
            sleepers: (0..count).map(|_| Sleeper::default()).collect(),
            closed: AtomicBool::new(false),
            waits: AtomicU64::new(0),
            runner: (count == 0).then(AtomicWaker::new),
        });
        let mut started = 0;
        for index in 0..count {
            let worker = Worker {
                pool: shared.clone(),
                index,
                depth: depth.clone(),
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
            pool: shared,
            depth,
            runner: OnceLock::new(),
            workers: started,
        }
    }

    /// Queues a job and wakes a parked worker; a full queue refuses it at once. Takes no lock a
    /// worker can hold (see the module docs).
    pub fn submit(&self, job: Job) -> Result<(), QueueFull> {
        // Counted before the push: a worker may take the job (and decrement) before it returns.
        self.depth.inc();
        if self.pool.jobs.push(job).is_err() {
            self.depth.dec();
            return Err(QueueFull);
        }
        match &self.pool.runner {
            Some(runner) => {
                self.runner.get_or_init(|| {
                    tokio::spawn(run_on_runtime(self.pool.clone(), self.depth.clone()));
                });
                runner.wake();
            }
            None => self.pool.wake_one(),
        }
        Ok(())
    }

    /// Times a worker parked on the empty queue.
    #[cfg(test)]
    pub(super) fn waits(&self) -> u64 {
        self.pool.waits.load(Ordering::Relaxed)
    }
}

impl Drop for ShadowWorkers {
    fn drop(&mut self) {
        self.pool.closed.store(true, Ordering::SeqCst);
        if let Some(runner) = &self.pool.runner {
            runner.wake();
        }
        for sleeper in &self.pool.sleepers {
            if let Some(thread) = sleeper.thread.get() {
                thread.unpark();
            }
        }
    }
}
