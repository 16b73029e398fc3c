//! How the shadow's threads (the shadow workers and the store writer) are scheduled against the
//! live path's (`[shadow] scheduling`, `[shadow] nice`).
//!
//! A live answer waits for the CPU whenever a shadow thread holds it. A nice value only changes
//! shares of CPU time: when a live-path thread wakes (an engine answer arrived), the kernel may
//! still let the running shadow thread finish its slice, which is milliseconds of tail at a few
//! thousand frames a second on one core. Under `SCHED_IDLE` a waking thread of any other class
//! preempts a shadow thread at once, and shadow threads run only on CPU time nothing else wants;
//! when there is too little of it, comparisons are skipped (`queue_full`) and counted, never
//! queued without bound. Lowering one's own scheduling class needs no privileges; threads a
//! shadow thread starts (sled's I/O threads, started by the writer) inherit its class.
//!
//! `SCHED_BATCH` (`batch`) keeps the fair share of `normal` (and its nice value) but gives up
//! wake-up preemption: Linux never lets a woken batch thread preempt the running one
//! (`check_preempt_wakeup_fair` returns early for a non-`SCHED_NORMAL` waker), so handing a
//! comparison to a sleeping worker, or waking the writer, does not interrupt the live thread in
//! the middle of a burst of frames; the shadow thread runs when the live thread waits for I/O
//! or its slice ends. A live thread that wakes still preempts a running batch thread as it
//! would a normal one. Unlike `idle`, a core running batch threads is not idle to the kernel,
//! so other processes are not drawn onto it.
//!
//! `batch` is the default: on a shared 2-core VM at 1,000 and 3,000 frames/s it cut the shadow's
//! context switches and CPU per frame with no longer live tail than `normal` (README,
//! Performance). `idle` is not: Linux counts a core that runs only `SCHED_IDLE` threads as idle
//! when it places other processes' wake-ups (`sched_idle_cpu()`), so on a shared machine other
//! work is drawn onto the gateway's core and the live thread waits behind it (measured with
//! other builds running: the live thread's run-queue delay 2.9 s in 5 s at 3,000 frames/s). Use
//! `idle` only where the gateway's cores are its own.

use thread_priority::{
    NormalThreadSchedulePolicy, ThreadPriority, ThreadPriorityValue, ThreadSchedulePolicy,
};

use crate::config::raw::ShadowScheduling;

/// The kernel refused to change the calling thread's scheduling.
#[derive(Debug, thiserror::Error)]
#[error("cannot put the thread in scheduling {scheduling:?} at nice {nice}: {reason}")]
pub struct SchedulingError {
    /// What was asked.
    pub scheduling: &'static str,
    /// The nice value asked with it.
    pub nice: i32,
    /// Why the kernel refused.
    pub reason: String,
}

/// Puts the calling thread into `scheduling`: `idle` is `SCHED_IDLE` (the nice value means
/// nothing there), `normal` stays `SCHED_OTHER` at `nice` (0 changes nothing and makes no call).
pub fn apply_to_current_thread(
    scheduling: ShadowScheduling,
    nice: i32,
) -> Result<(), SchedulingError> {
    let failed = |reason: String| SchedulingError {
        scheduling: scheduling.as_str(),
        nice,
        reason,
    };
    match scheduling {
        ShadowScheduling::Idle => {
            #[cfg(target_os = "linux")]
            thread_priority::set_thread_priority_and_policy(
                thread_priority::thread_native_id(),
                // The only priority `SCHED_IDLE` has (0): `Min` maps to it.
                ThreadPriority::Min,
                ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle),
            )
            .map_err(|e| failed(format!("{e:?}")))?;
        }
        ShadowScheduling::Batch => {
            #[cfg(target_os = "linux")]
            {
                let policy = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Batch);
                // The crate sets the nice value with the policy, from a 0–99 priority: the one
                // it maps to `nice` (all of 0–19 are reachable), so the call keeps the nice.
                let priority = (0..=99u8)
                    .filter_map(|p| ThreadPriorityValue::try_from(p).ok())
                    .map(ThreadPriority::Crossplatform)
                    .find(|p| p.to_posix(policy).ok() == Some(nice))
                    .ok_or_else(|| failed(format!("no priority maps to nice {nice}")))?;
                thread_priority::set_thread_priority_and_policy(
                    thread_priority::thread_native_id(),
                    priority,
                    policy,
                )
                .map_err(|e| failed(format!("{e:?}")))?;
            }
        }
        ShadowScheduling::Normal if nice > 0 => {
            #[cfg(target_os = "linux")]
            rustix::process::setpriority_process(Some(rustix::thread::gettid()), nice)
                .map_err(|e| failed(e.to_string()))?;
        }
        ShadowScheduling::Normal => {}
    }
    Ok(())
}

/// The calling thread's scheduling as the kernel reports it; `None` for a class shadowgate does
/// not set (real-time).
pub fn current_thread_scheduling() -> Option<ShadowScheduling> {
    match thread_priority::thread_schedule_policy().ok()? {
        ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle) => {
            Some(ShadowScheduling::Idle)
        }
        ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Other) => {
            Some(ShadowScheduling::Normal)
        }
        ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Batch) => {
            Some(ShadowScheduling::Batch)
        }
        _ => None,
    }
}

/// Applies `scheduling` to the calling thread (`thread` names it in the log), or logs why it
/// could not: the thread then runs as the live path does (a longer live tail, no lost work).
pub fn apply_or_warn(scheduling: ShadowScheduling, nice: i32, thread: &str) {
    if let Err(error) = apply_to_current_thread(scheduling, nice) {
        tracing::warn!(%error, thread, "a shadow thread keeps the live path's scheduling");
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// Runs `f` on a thread of its own: a thread cannot leave `SCHED_IDLE` or lower its nice
    /// value without privileges, so the test runner's threads are never changed.
    #[allow(clippy::expect_used)]
    fn on_new_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::spawn(f)
            .join()
            .expect("the test thread panicked")
    }

    #[test]
    fn batch_puts_the_thread_in_sched_batch_at_its_nice_value() {
        let (zero, ten) = on_new_thread(|| {
            apply_to_current_thread(ShadowScheduling::Batch, 0).unwrap();
            let nice =
                || rustix::process::getpriority_process(Some(rustix::thread::gettid())).unwrap();
            let zero = (current_thread_scheduling(), nice());
            let ten = std::thread::spawn(move || {
                apply_to_current_thread(ShadowScheduling::Batch, 10).unwrap();
                (current_thread_scheduling(), nice())
            })
            .join()
            .unwrap();
            (zero, ten)
        });
        assert_eq!(zero, (Some(ShadowScheduling::Batch), 0));
        assert_eq!(ten, (Some(ShadowScheduling::Batch), 10));
    }

    #[test]
    fn idle_puts_the_thread_in_sched_idle_and_its_children_inherit_it() {
        let (own, child) = on_new_thread(|| {
            apply_to_current_thread(ShadowScheduling::Idle, 0).unwrap();
            let child = std::thread::spawn(current_thread_scheduling)
                .join()
                .unwrap();
            (current_thread_scheduling(), child)
        });
        assert_eq!(own, Some(ShadowScheduling::Idle));
        assert_eq!(
            child,
            Some(ShadowScheduling::Idle),
            "sled's I/O threads follow the writer"
        );
    }

    #[test]
    fn normal_keeps_the_class_and_sets_the_nice_value() {
        let (seen, nice) = on_new_thread(|| {
            apply_to_current_thread(ShadowScheduling::Normal, 5).unwrap();
            let nice = rustix::process::getpriority_process(Some(rustix::thread::gettid()));
            (current_thread_scheduling(), nice.unwrap())
        });
        assert_eq!((seen, nice), (Some(ShadowScheduling::Normal), 5));
    }
}
