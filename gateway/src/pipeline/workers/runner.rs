//! `[shadow] workers = 0`: one task on the runtime takes the jobs, in turns like any task's.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::Poll;

use prometheus::IntGauge;

use super::pool::{Job, Pool};

/// `workers = 0`: the jobs run as a task on the runtime, in turns taken like any task's: a turn
/// runs the jobs that were queued when it began (the comparisons of the frames answered since
/// the last turn), then the task goes to the back of the runtime's queue, behind the tasks that
/// became ready meanwhile.
pub(super) async fn run_on_runtime(pool: Arc<Pool>, depth: IntGauge) {
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
