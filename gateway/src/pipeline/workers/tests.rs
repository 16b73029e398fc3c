//! The workers: a full queue, a panicking job, gathering, waking, scheduling, the runtime runner.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::channel;
use std::sync::Arc;
use std::time::Duration;

use prometheus::IntGauge;

use super::ShadowWorkers;
use crate::config::raw::ShadowSection;
use crate::runtime::scheduling;

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
