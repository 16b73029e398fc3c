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
//! connection pools (an engine may be live in one strategy and shadow in another). They are not
//! free there: an http shadow's call (its JSON request built from the frame, hyper's write and
//! read) is about 45 µs of the runtime thread's CPU a frame; a runtime of the shadow's own took
//! that off the live thread but did not shorten the live tail where it was measured (README,
//! Performance, the twenty-first session).
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
#[cfg(feature = "test-support")]
mod hold;
mod pool;
mod runner;
#[cfg(test)]
mod tests;
mod worker;

#[cfg(feature = "test-support")]
pub use self::hold::ShadowHold;
pub(crate) use self::pool::ShadowWorkers;
