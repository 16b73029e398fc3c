//! The periodic INFO summary of shadow comparisons per strategy.
//!
//! Each comparison is logged at DEBUG ([`super::events::shadow_outcome`]); at INFO a strategy gets
//! one line per `[logging] summary_interval_ms` with what happened since the last line, and none
//! when nothing did. At 200 mismatches a second that is one line a minute instead of 12,000, and
//! the log still says at a glance which strategy diverges and how much.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::Gateway;
use crate::outcome::ShadowOutcome;

/// Outcomes counted since the last summary, by strategy.
#[derive(Debug, Default)]
pub(crate) struct OutcomeSummary {
    // A short critical section per comparison (a map lookup and an add), never held across an
    // await: cheaper than a metric scrape, and it survives reloads (keyed by name, not by runtime).
    counts: Mutex<BTreeMap<Arc<str>, Tally>>,
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
}

impl Tally {
    fn add(&mut self, outcome: ShadowOutcome) {
        match outcome {
            ShadowOutcome::Match => {}
            ShadowOutcome::Mismatch => self.mismatches += 1,
            ShadowOutcome::ShadowError(_) => self.shadow_errors += 1,
            ShadowOutcome::Unencodable => self.unencodable += 1,
            ShadowOutcome::Skipped(_) => self.skipped += 1,
        }
        if outcome.is_comparison() {
            self.comparisons += 1;
        }
    }
}

impl OutcomeSummary {
    /// Counts one outcome of `strategy`.
    pub fn count(&self, strategy: &Arc<str>, outcome: ShadowOutcome) {
        // A poisoned lock only means a panic elsewhere mid-add: the counts are still usable.
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        match counts.get_mut(strategy) {
            Some(tally) => tally.add(outcome),
            None => counts.entry(strategy.clone()).or_default().add(outcome),
        }
    }

    /// Takes the counts since the last call, strategies with nothing counted left out.
    pub fn take(&self) -> Vec<(Arc<str>, Tally)> {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut *counts)
            .into_iter()
            .filter(|(_, tally)| *tally != Tally::default())
            .collect()
    }

    /// Logs one INFO line per strategy that had outcomes since the last call; returns how many.
    pub fn log(&self, interval: Duration) -> usize {
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
                interval_ms = interval.as_millis() as u64,
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
        gateway.shared.summary.log(interval);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{ShadowErrorKind, SkipReason};

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
                skipped: 0
            }
        );
        assert_eq!((taken[1].1.comparisons, taken[1].1.skipped), (0, 1));
        assert!(summary.take().is_empty(), "nothing happened since");
    }
}
