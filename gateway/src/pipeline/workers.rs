//! The shadow workers: a few OS threads that do the shadow path's CPU work (canonicalise both
//! answers, compare, build the masked record, emit), fed by one bounded queue.
//!
//! The tokio workers carry the live path. A comparison run on one of them sits between the live
//! answers queued on that worker (tens of microseconds each, and a mismatch record more), which
//! is what made the live tail longer with the shadow on. Here that work runs on threads of its
//! own, in the scheduling class of `[shadow] scheduling` ([`crate::runtime::scheduling`]: with
//! `idle` the kernel runs the live path first and the shadow catches up in the gaps; `batch`,
//! the default, and `normal` share the CPU by `[shadow] nice`, and under `batch` a worker woken
//! for a job does not preempt the live thread). The queue is bounded: when the workers fall behind, [`ShadowWorkers::submit`]
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
//! With `[shadow] workers = 0` there is no thread: a task on the runtime takes the jobs, in
//! turns like any task's. A submit only queues the job and wakes that task (on the runtime's own
//! thread: a push on its run queue, no system call); a turn runs the jobs that were queued when
//! it began (the comparisons of the frames answered since the last turn), then the task goes to
//! the back of the run queue, behind the tasks that became ready meanwhile. For a gateway on one
//! core, this saves the wake-up of a worker thread per comparison (a futex call and two context
//! switches) at the price of a live answer that becomes ready during a turn waiting for the turn
//! to end (see the README's Performance). Its queue is the same bounded one.
//!
//! The engine calls themselves stay on the main runtime: they are I/O on its reactor and its
//! connection pools, cheap per call, and a second reactor would double the wakeups per frame.
//!
//! Nothing here is a lock the live path can wait on while a shadow thread holds it (with
//! `scheduling = "idle"` a preempted shadow thread may stay off the CPU for whole scheduler
//! slices of every other process). The queue is a [`handoff::HandOff`]: a submit reserves a place
//! with one atomic add and fills a slot whose lock it only tries, never waits for. Waking is
//! explicit: a worker with nothing to do raises its `waiting` flag, looks at the queue once more,
//! and parks; a submit that sees a raised flag lowers it and unparks that worker
//! (`Thread::unpark`: an atomic swap and, for a parked thread, a futex wake; no lock). At most
//! one worker is woken per job, and a gathering worker has no flag raised, so no submit wakes it.

mod handoff;

use std::sync::atomic::{fence, AtomicBool, AtomicU64, Ordering};
#[cfg(feature = "test-support")]
use std::sync::mpsc;
use std::sync::{Arc, OnceLock};
use std::task::Poll;
use std::thread::Thread;
use std::time::Duration;

use futures::task::AtomicWaker;
use prometheus::IntGauge;

use self::handoff::HandOff;
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
    workers: usize,
}

/// The queue was full: the job was not run.
#[derive(Debug)]
pub(crate) struct QueueFull;

/// What the submitters and the workers share: the queue and how to wake an idle worker.
struct Pool {
    jobs: HandOff<Job>,
    /// One per worker thread, whether started or not.
    sleepers: Vec<Sleeper>,
    /// Set when the pool is dropped: workers end once the queue is empty.
    closed: AtomicBool,
    /// Times a worker parked on the empty queue (each needs a submit to wake it).
    #[cfg_attr(not(test), allow(dead_code))]
    waits: AtomicU64,
    /// With no worker threads (`workers = 0`): the runtime task that runs the jobs, woken by a
    /// submit when it waits for one.
    runner: Option<AtomicWaker>,
}

/// One worker's wake-up: the flag it raises before parking, and its thread.
#[derive(Default)]
struct Sleeper {
    waiting: AtomicBool,
    thread: OnceLock<Thread>,
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
    fn waits(&self) -> u64 {
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

/// Every worker held busy until this is dropped (see
/// [`Gateway::hold_shadow_workers`](super::Gateway::hold_shadow_workers)).
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

/// `workers = 0`: the jobs run as a task on the runtime, in turns taken like any task's: a turn
/// runs the jobs that were queued when it began (the comparisons of the frames answered since
/// the last turn), then the task goes to the back of the runtime's queue, behind the tasks that
/// became ready meanwhile.
async fn run_on_runtime(pool: Arc<Pool>, depth: IntGauge) {
    let Some(runner) = &pool.runner else {
        return;
    };
    let run = |job: Job| {
        depth.dec();
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
            tracing::error!("a shadow comparison panicked; its outcome is not counted");
        }
    };
    loop {
        let next = std::future::poll_fn(|cx| {
            if let Some(job) = pool.jobs.pop() {
                return Poll::Ready(Some(job));
            }
            runner.register(cx.waker());
            match pool.jobs.pop() {
                Some(job) => Poll::Ready(Some(job)),
                None if pool.closed.load(Ordering::SeqCst) => Poll::Ready(None),
                None => Poll::Pending,
            }
        });
        let Some(job) = next.await else {
            return;
        };
        let queued = pool.jobs.len();
        run(job);
        for _ in 0..queued {
            let Some(job) = pool.jobs.pop() else { break };
            run(job);
        }
        requeue().await;
    }
}

/// Goes to the back of the runtime's run queue once (not behind the reactor, as `yield_now`).
async fn requeue() {
    let mut queued = false;
    std::future::poll_fn(|cx| {
        if queued {
            return Poll::Ready(());
        }
        queued = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}

/// One worker's share of the pool.
struct Worker {
    pool: Arc<Pool>,
    index: usize,
    depth: IntGauge,
    gather: Duration,
}

impl Worker {
    /// Takes jobs until the pool is closed and the queue empty.
    fn run(self) {
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

#[cfg(test)]
mod tests {
    use std::sync::mpsc::channel;

    use super::*;

    fn gauge() -> IntGauge {
        IntGauge::new("depth", "jobs waiting").unwrap()
    }

    /// A pool of one worker in the default class (`batch`, a fair share: on a machine busy with
    /// other builds a `SCHED_IDLE` worker may wait seconds for a CPU, and these tests are about
    /// the queue).
    fn pool(capacity: usize) -> ShadowSection {
        ShadowSection {
            queue_capacity: capacity,
            ..ShadowSection::default()
        }
    }

    /// Waits (at most 10 s) until the workers have waited on the empty queue `n` times.
    fn until_waits(workers: &ShadowWorkers, n: u64) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while workers.waits() < n {
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
            workers.waits(),
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
        let idle = ShadowSection {
            scheduling: ShadowScheduling::Idle,
            ..ShadowSection::default()
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

    fn on_runtime(capacity: usize) -> ShadowSection {
        ShadowSection {
            workers: 0,
            queue_capacity: capacity,
            ..ShadowSection::default()
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn without_threads_a_job_queued_during_a_turn_runs_after_the_tasks_ready_meanwhile() {
        let depth = gauge();
        let workers = Arc::new(ShadowWorkers::start(
            &on_runtime(4),
            Duration::ZERO,
            depth.clone(),
        ));
        assert_eq!(workers.workers, 0, "no thread started");
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let runtime_thread = std::thread::current().id();
        let (done_tx, done) = tokio::sync::oneshot::channel();
        let (first_order, later) = (order.clone(), workers.clone());
        workers
            .submit(Box::new(move || {
                assert_eq!(std::thread::current().id(), runtime_thread);
                first_order.lock().unwrap().push("first job");
                // A task made ready and a job queued during this turn: the task runs first.
                let task_order = first_order.clone();
                tokio::spawn(async move { task_order.lock().unwrap().push("task") });
                let job_order = first_order.clone();
                later
                    .submit(Box::new(move || {
                        job_order.lock().unwrap().push("second job");
                        done_tx.send(()).unwrap();
                    }))
                    .unwrap();
            }))
            .unwrap();
        assert_eq!(depth.get(), 1);
        done.await.unwrap();
        assert_eq!(*order.lock().unwrap(), ["first job", "task", "second job"]);
        assert_eq!(depth.get(), 0);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn without_threads_a_full_queue_refuses_and_a_panic_stops_nothing() {
        let workers = ShadowWorkers::start(&on_runtime(2), Duration::ZERO, gauge());
        // Nothing runs before this task awaits: the queue fills.
        workers.submit(Box::new(|| panic!("boom"))).unwrap();
        let (done_tx, done) = tokio::sync::oneshot::channel();
        workers
            .submit(Box::new(move || done_tx.send(()).unwrap()))
            .unwrap();
        assert!(workers.submit(Box::new(|| panic!("never runs"))).is_err());
        done.await.unwrap();
    }

    #[test]
    fn jobs_from_many_threads_run_exactly_once_or_are_refused_and_counted() {
        const THREADS: u64 = 4;
        const EACH: u64 = 5_000;
        let depth = gauge();
        let workers = Arc::new(ShadowWorkers::start(
            &ShadowSection {
                queue_capacity: 16,
                workers: 2,
                ..ShadowSection::default()
            },
            Duration::ZERO,
            depth.clone(),
        ));
        let ran = Arc::new(AtomicU64::new(0));
        let submitters: Vec<_> = (0..THREADS)
            .map(|_| {
                let (workers, ran) = (workers.clone(), ran.clone());
                std::thread::spawn(move || {
                    let mut refused = 0;
                    for _ in 0..EACH {
                        let ran = ran.clone();
                        let job = Box::new(move || {
                            ran.fetch_add(1, Ordering::Relaxed);
                        });
                        if workers.submit(job).is_err() {
                            refused += 1;
                        }
                    }
                    refused
                })
            })
            .collect();
        let refused: u64 = submitters.into_iter().map(|s| s.join().unwrap()).sum();
        let accepted = THREADS * EACH - refused;
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while ran.load(Ordering::Relaxed) < accepted {
            assert!(
                std::time::Instant::now() < deadline,
                "accepted jobs did not all run"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(accepted > 0);
        assert_eq!(ran.load(Ordering::Relaxed), accepted, "no job ran twice");
        assert_eq!(depth.get(), 0, "every queued job was taken");
    }
}
