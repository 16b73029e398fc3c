//! Per-strategy totals of every comparison outcome, persisted so they survive restarts.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::outcome::ShadowOutcome;

/// Totals for one strategy since the store was created.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StrategyCounters {
    /// Strategy name.
    pub strategy: String,
    /// Comparisons where both engines agreed.
    pub matches: u64,
    /// Comparisons where the decisions differ.
    pub mismatches: u64,
    /// Shadow calls that failed.
    pub shadow_errors: u64,
    /// Shadow answers that do not fit the layout.
    pub unencodable: u64,
    /// Shadow calls that were not made.
    pub skipped: u64,
    /// Shadow errors by kind (`timeout`, `connect`, `status_5xx`, …); they add up to
    /// `shadow_errors` for comparisons counted since kinds are kept.
    #[serde(default)]
    pub shadow_errors_by_kind: BTreeMap<String, u64>,
    /// Skipped shadow calls by reason (`budget_full`, `shadow_down`, …).
    #[serde(default)]
    pub skipped_by_reason: BTreeMap<String, u64>,
    /// First comparison of any outcome except skipped, microseconds since the epoch.
    pub first_comparison_micros: Option<u64>,
    /// Last mismatch, shadow error or unencodable answer: the start of the current clean period.
    pub last_mismatch_micros: Option<u64>,
    /// Records counted above but not stored: the store was unavailable (degraded: its disk or
    /// database failing, or the PostgreSQL spool full), or the writer's queue was full
    /// (`channel_full`). Written with the totals once the store takes them again, so a review
    /// can say its records are fewer than its failures, and when.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub records_dropped: u64,
    /// When the first and the last dropped record was compared, microseconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_drop_micros: Option<u64>,
    /// See `first_drop_micros`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_drop_micros: Option<u64>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl StrategyCounters {
    /// Empty totals for `strategy`.
    pub fn new(strategy: &str) -> Self {
        Self {
            strategy: strategy.to_owned(),
            ..Self::default()
        }
    }

    /// Counts one outcome observed at `micros`.
    pub fn count(&mut self, outcome: ShadowOutcome, micros: u64) {
        let slot = match outcome {
            ShadowOutcome::Match => &mut self.matches,
            ShadowOutcome::Mismatch => &mut self.mismatches,
            ShadowOutcome::ShadowError(_) => &mut self.shadow_errors,
            ShadowOutcome::Unencodable => &mut self.unencodable,
            ShadowOutcome::Skipped(_) => &mut self.skipped,
        };
        *slot += 1;
        let details = match outcome {
            ShadowOutcome::ShadowError(_) => Some(&mut self.shadow_errors_by_kind),
            ShadowOutcome::Skipped(_) => Some(&mut self.skipped_by_reason),
            _ => None,
        };
        if let (Some(details), Some(detail)) = (details, outcome.detail()) {
            *details.entry(detail.to_owned()).or_default() += 1;
        }
        if !outcome.is_comparison() {
            return;
        }
        self.first_comparison_micros = Some(
            self.first_comparison_micros
                .map_or(micros, |t| t.min(micros)),
        );
        if outcome.breaks_clean_streak() {
            self.last_mismatch_micros =
                Some(self.last_mismatch_micros.map_or(micros, |t| t.max(micros)));
        }
    }

    /// Counts one record compared at `micros` that the store could not take.
    pub(crate) fn dropped(&mut self, micros: u64) {
        self.records_dropped += 1;
        self.first_drop_micros = earliest(self.first_drop_micros, Some(micros));
        self.last_drop_micros = self.last_drop_micros.max(Some(micros));
    }

    /// Comparisons made: every outcome except skipped.
    pub fn comparisons(&self) -> u64 {
        self.matches + self.mismatches + self.shadow_errors + self.unencodable
    }

    /// Comparisons that would have gone wrong for a customer after cutover.
    pub fn failures(&self) -> u64 {
        self.mismatches + self.shadow_errors + self.unencodable
    }

    /// Adds totals counted since the last load (`delta`) to these.
    pub(crate) fn absorb(&mut self, delta: &Self) {
        self.matches += delta.matches;
        self.mismatches += delta.mismatches;
        self.shadow_errors += delta.shadow_errors;
        self.unencodable += delta.unencodable;
        self.skipped += delta.skipped;
        for (mine, theirs) in [
            (
                &mut self.shadow_errors_by_kind,
                &delta.shadow_errors_by_kind,
            ),
            (&mut self.skipped_by_reason, &delta.skipped_by_reason),
        ] {
            for (detail, count) in theirs {
                *mine.entry(detail.clone()).or_default() += count;
            }
        }
        self.first_comparison_micros =
            earliest(self.first_comparison_micros, delta.first_comparison_micros);
        self.last_mismatch_micros = self.last_mismatch_micros.max(delta.last_mismatch_micros);
        self.records_dropped += delta.records_dropped;
        self.first_drop_micros = earliest(self.first_drop_micros, delta.first_drop_micros);
        self.last_drop_micros = self.last_drop_micros.max(delta.last_drop_micros);
    }
}

fn earliest(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{ShadowErrorKind, SkipReason};

    #[test]
    fn outcomes_count_and_merge() {
        let mut stored = StrategyCounters::new("loan");
        stored.count(ShadowOutcome::Match, 50);
        stored.count(ShadowOutcome::Mismatch, 60);
        stored.count(ShadowOutcome::Skipped(SkipReason::BudgetFull), 61);
        let mut delta = StrategyCounters::new("loan");
        delta.count(ShadowOutcome::Skipped(SkipReason::BudgetFull), 10);
        delta.count(ShadowOutcome::Match, 40);
        delta.count(ShadowOutcome::ShadowError(ShadowErrorKind::Timeout), 70);
        delta.count(ShadowOutcome::Unencodable, 65);
        stored.absorb(&delta);
        assert_eq!(
            (stored.matches, stored.mismatches, stored.skipped),
            (2, 1, 2)
        );
        assert_eq!(stored.skipped_by_reason["budget_full"], 2);
        assert_eq!(stored.shadow_errors_by_kind["timeout"], 1);
        assert_eq!((stored.shadow_errors, stored.unencodable), (1, 1));
        assert_eq!(stored.comparisons(), 5);
        assert_eq!(stored.failures(), 3);
        assert_eq!(stored.first_comparison_micros, Some(40));
        assert_eq!(stored.last_mismatch_micros, Some(70));
        assert_eq!(stored.records_dropped, 0);
    }

    /// Drops add up with their time span; totals without any are stored as before (no field).
    #[test]
    fn drops_count_and_merge_and_are_left_out_when_none() {
        let mut stored = StrategyCounters::new("loan");
        let plain = crate::store::codec::encode("counters", &stored).unwrap();
        assert!(!String::from_utf8_lossy(&plain).contains("drop"));
        stored.dropped(50);
        let mut delta = StrategyCounters::new("loan");
        delta.dropped(70);
        delta.dropped(40);
        stored.absorb(&delta);
        assert_eq!(
            (
                stored.records_dropped,
                stored.first_drop_micros,
                stored.last_drop_micros
            ),
            (3, Some(40), Some(70))
        );
    }
}
