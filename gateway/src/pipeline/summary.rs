//! The periodic INFO summary of shadow comparisons per strategy.
//!
//! Each comparison is logged at DEBUG ([`super::events::shadow_outcome`]); at INFO a strategy gets
//! one line per `[logging] summary_interval_ms` with what happened since the last line, and none
//! when nothing did. At 200 mismatches a second that is one line a minute instead of 12,000, and
//! the log still says at a glance which strategy diverges and how much.
//!
//! Outcomes are counted from the live path's threads (skips) and the shadow workers (the rest),
//! so the counting takes no lock: each strategy's tally is a set of atomic counters, found in a
//! map that is read through an [`ArcSwap`] (lock-free) and copied only when a strategy name is
//! seen for the first time. The summary loop takes the counts with atomic swaps. A preempted
//! shadow worker therefore never holds anything a live thread waits for.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use arc_swap::ArcSwap;
use tokio_util::sync::CancellationToken;

use super::Gateway;
use crate::outcome::{ShadowOutcome, SkipReason};

/// Outcomes counted since the last summary, by strategy.
#[derive(Debug)]
pub(crate) struct OutcomeSummary {
    // Keyed by name, not by runtime, so the counts survive reloads. A strategy's counters stay
    // once created (a removed strategy's read zero and are left out of the summary): the map only
    // grows by the strategy names ever configured.
    counts: ArcSwap<BTreeMap<Arc<str>, Arc<AtomicTally>>>,
    /// When the period the next summary covers began: start-up, or the last summary. A line
    /// says how long it covers, which is not the configured interval for the one at shutdown.
    since: Mutex<Instant>,
}

impl Default for OutcomeSummary {
    fn default() -> Self {
        OutcomeSummary {
            counts: ArcSwap::default(),
            since: Mutex::new(Instant::now()),
        }
    }
}

/// One strategy's counters since the last summary.
#[derive(Debug, Default)]
struct AtomicTally {
    comparisons: AtomicU64,
    mismatches: AtomicU64,
    shadow_errors: AtomicU64,
    unencodable: AtomicU64,
    /// By reason, in [`SkipReason::ALL`]'s order.
    skipped: [AtomicU64; SKIP_REASONS],
}

/// How many skip reasons there are.
const SKIP_REASONS: usize = SkipReason::ALL.len();

impl AtomicTally {
    fn add(&self, outcome: ShadowOutcome) {
        // Two counters, not one transaction: an outcome counted while the summary takes may
        // show in this line's comparisons and the next line's mismatches. Totals stay exact.
        if outcome.is_comparison() {
            self.comparisons.fetch_add(1, Ordering::SeqCst);
        }
        let counter = match outcome {
            ShadowOutcome::Match => return,
            ShadowOutcome::Mismatch => &self.mismatches,
            ShadowOutcome::ShadowError(_) => &self.shadow_errors,
            ShadowOutcome::Unencodable => &self.unencodable,
            ShadowOutcome::Skipped(reason) => &self.skipped[reason.index()],
        };
        counter.fetch_add(1, Ordering::SeqCst);
    }

    /// The counts so far, each reset to zero.
    fn take(&self) -> Tally {
        let take = |counter: &AtomicU64| counter.swap(0, Ordering::SeqCst);
        let (mismatches, shadow_errors, unencodable) = (
            take(&self.mismatches),
            take(&self.shadow_errors),
            take(&self.unencodable),
        );
        let skipped_by = self.skipped.each_ref().map(take);
        Tally {
            comparisons: take(&self.comparisons),
            mismatches,
            shadow_errors,
            unencodable,
            skipped: skipped_by.iter().sum(),
            skipped_by,
        }
    }
}

/// What one strategy's comparisons came to since the last summary.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tally {
    /// Comparisons made (skips excluded).
    pub comparisons: u64,
    /// Decisions that differ.
    pub mismatches: u64,
    /// Shadow engine failures.
    pub shadow_errors: u64,
    /// Shadow answers that do not fit the response layout.
    pub unencodable: u64,
    /// Shadow calls not made.
    pub skipped: u64,
    /// `skipped` by reason, in [`SkipReason::ALL`]'s order.
    pub skipped_by: [u64; SKIP_REASONS],
}

impl Tally {
    /// The skips by reason, as `shadow_down=15 live_failed=3`; `None` when nothing was skipped.
    fn skip_reasons(&self) -> Option<String> {
        let reasons: Vec<String> = SkipReason::ALL
            .iter()
            .zip(self.skipped_by)
            .filter(|(_, n)| *n > 0)
            .map(|(reason, n)| format!("{}={n}", reason.as_str()))
            .collect();
        (!reasons.is_empty()).then(|| reasons.join(" "))
    }
}

impl OutcomeSummary {
    /// Counts one outcome of `strategy`.
    pub fn count(&self, strategy: &Arc<str>, outcome: ShadowOutcome) {
        if let Some(tally) = self.counts.load().get(strategy) {
            return tally.add(outcome);
        }
        // First outcome of this name: a new map with its counters, swapped in by compare and
        // swap (lock-free; a racing first count of the same name finds the winner's counters).
        let mut tally = None;
        self.counts.rcu(|counts| {
            let mut counts = BTreeMap::clone(counts);
            tally = Some(counts.entry(strategy.clone()).or_default().clone());
            counts
        });
        if let Some(tally) = tally {
            tally.add(outcome);
        }
    }

    /// Takes the counts since the last call, strategies with nothing counted left out.
    pub fn take(&self) -> Vec<(Arc<str>, Tally)> {
        self.counts
            .load()
            .iter()
            .map(|(strategy, tally)| (strategy.clone(), tally.take()))
            .filter(|(_, tally)| *tally != Tally::default())
            .collect()
    }

    /// Logs one INFO line per strategy that had outcomes since the last call, with the time
    /// the lines cover (`interval_ms`: since the previous call or start-up); returns how many.
    pub fn log(&self) -> usize {
        let covered = {
            let mut since = self.since.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            std::mem::replace(&mut *since, now).elapsed()
        };
        let taken = self.take();
        for (strategy, t) in &taken {
            let failures = t.mismatches + t.shadow_errors + t.unencodable;
            tracing::info!(
                %strategy,
                comparisons = t.comparisons,
                failures,
                mismatches = t.mismatches,
                shadow_errors = t.shadow_errors,
                unencodable = t.unencodable,
                skipped = t.skipped,
                skipped_reasons = t.skip_reasons().as_deref(),
                interval_ms = covered.as_millis() as u64,
                "shadow comparisons since the last summary"
            );
        }
        taken.len()
    }
}

/// Logs the summary every `[logging] summary_interval_ms` (read from the running config at each
/// turn, so a reload changes it) until shutdown; the shutdown path logs the last one.
pub(crate) async fn summary_loop(gateway: Arc<Gateway>, shutdown: CancellationToken) {
    loop {
        let interval = gateway.runtime().config.logging.summary_interval();
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = shutdown.cancelled() => return,
        }
        gateway.shared.summary.log();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::ShadowErrorKind;

    #[test]
    fn counts_by_strategy_and_forgets_what_was_taken() {
        let summary = OutcomeSummary::default();
        let (a, b): (Arc<str>, Arc<str>) = (Arc::from("a"), Arc::from("b"));
        for _ in 0..3 {
            summary.count(&a, ShadowOutcome::Mismatch);
        }
        summary.count(&a, ShadowOutcome::Match);
        summary.count(&a, ShadowOutcome::ShadowError(ShadowErrorKind::Timeout));
        summary.count(&b, ShadowOutcome::Skipped(SkipReason::ALL[0]));
        let taken = summary.take();
        assert_eq!(taken.len(), 2);
        assert_eq!(
            taken[0].1,
            Tally {
                comparisons: 5,
                mismatches: 3,
                shadow_errors: 1,
                unencodable: 0,
                skipped: 0,
                skipped_by: [0; SKIP_REASONS],
            }
        );
        assert_eq!((taken[1].1.comparisons, taken[1].1.skipped), (0, 1));
        assert_eq!(taken[0].1.skip_reasons(), None);
        let first = SkipReason::ALL[0].as_str();
        assert_eq!(taken[1].1.skip_reasons(), Some(format!("{first}=1")));
        assert!(summary.take().is_empty(), "nothing happened since");
    }

    #[test]
    fn counts_from_many_threads_are_exact_and_taken_once() {
        const THREADS: usize = 4;
        const EACH: u64 = 10_000;
        let summary = Arc::new(OutcomeSummary::default());
        let names: Vec<Arc<str>> = ["a", "b", "c"].into_iter().map(Arc::from).collect();
        let counters: Vec<_> = (0..THREADS)
            .map(|thread| {
                let (summary, names) = (summary.clone(), names.clone());
                std::thread::spawn(move || {
                    for i in 0..EACH {
                        // Every thread sees every name first at about the same time.
                        let name = &names[(thread + i as usize) % names.len()];
                        let outcome = match i % 4 {
                            0 => ShadowOutcome::Mismatch,
                            1 => ShadowOutcome::Skipped(SkipReason::ALL[0]),
                            _ => ShadowOutcome::Match,
                        };
                        summary.count(name, outcome);
                    }
                })
            })
            .collect();
        // The summary loop takes while the counting goes on; what it took adds up at the end.
        let mut total = Tally::default();
        let mut add = |taken: Vec<(Arc<str>, Tally)>| {
            for (_, t) in taken {
                total.comparisons += t.comparisons;
                total.mismatches += t.mismatches;
                total.skipped += t.skipped;
            }
        };
        while counters.iter().any(|c| !c.is_finished()) {
            add(summary.take());
        }
        for counter in counters {
            counter.join().unwrap();
        }
        add(summary.take());
        let all = THREADS as u64 * EACH;
        assert_eq!(total.mismatches, all / 4);
        assert_eq!(total.skipped, all / 4);
        assert_eq!(total.comparisons, all - all / 4);
        assert_eq!(
            summary.counts.load().len(),
            3,
            "one set of counters per name"
        );
    }
}
