//! Resident memory: the process opts out of transparent huge pages.
//!
//! mimalloc reserves its heap as one 1 GiB arena aligned to 2 MiB. Where the kernel backs such a
//! region with transparent huge pages (THP `always`, or `madvise` with mimalloc's own
//! `MADV_HUGEPAGE`, which the workspace builds out with the `no_thp` feature), every first touch
//! of a 2 MiB stretch makes all of it resident: an idle gateway that had allocated a few MiB held
//! 44 MiB (58 MiB resident in all), and 90 MiB after 3 minutes at 3,000 frames/s, where small
//! pages hold 18 and 42 MiB (`tests/bench/memory.sh`, README "Memory"). The gateway's allocations
//! are small and short-lived, so huge pages save it no measurable TLB time.
//!
//! `PR_SET_THP_DISABLE` is a flag of the whole process (inherited by children), checked at every
//! page fault, so setting it first thing in `main` covers the arena that mimalloc reserved before
//! `main` ran.

/// The kernel refused to turn transparent huge pages off for this process.
#[derive(Debug, thiserror::Error)]
#[error("cannot turn transparent huge pages off (prctl PR_SET_THP_DISABLE): {reason}")]
pub struct HugePagesError {
    /// Why the kernel refused.
    pub reason: String,
}

/// Turns transparent huge pages off for the whole process from now on (a no-op off Linux).
pub fn disable_transparent_huge_pages() -> Result<(), HugePagesError> {
    #[cfg(target_os = "linux")]
    rustix::thread::disable_transparent_huge_pages(true).map_err(|e| HugePagesError {
        reason: e.to_string(),
    })?;
    Ok(())
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn the_process_is_left_without_transparent_huge_pages() {
        // Process-wide, and harmless for the other tests of this binary.
        disable_transparent_huge_pages().unwrap();
        assert!(rustix::thread::transparent_huge_pages_are_disabled().unwrap());
        let other_thread = std::thread::spawn(rustix::thread::transparent_huge_pages_are_disabled)
            .join()
            .unwrap();
        assert!(
            other_thread.unwrap(),
            "the flag is the process's, not one thread's"
        );
    }
}
