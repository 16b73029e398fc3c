//! Per-strategy totals of every comparison outcome, persisted so they survive restarts.

use serde::{Deserialize, Serialize};

use super::event::Outcome;

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
    /// First comparison of any outcome except skipped, microseconds since the epoch.
    pub first_comparison_micros: Option<u64>,
    /// Last mismatch, shadow error or unencodable answer: the start of the current clean period.
    pub last_mismatch_micros: Option<u64>,
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
    pub fn count(&mut self, outcome: Outcome, micros: u64) {
        let slot = match outcome {
            Outcome::Match => &mut self.matches,
            Outcome::Mismatch => &mut self.mismatches,
            Outcome::ShadowError => &mut self.shadow_errors,
            Outcome::Unencodable => &mut self.unencodable,
            Outcome::Skipped => &mut self.skipped,
        };
        *slot += 1;
        if outcome == Outcome::Skipped {
            return;
        }
        self.first_comparison_micros = Some(
            self.first_comparison_micros
                .map_or(micros, |t| t.min(micros)),
        );
        if outcome != Outcome::Match {
            self.last_mismatch_micros =
                Some(self.last_mismatch_micros.map_or(micros, |t| t.max(micros)));
        }
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
        self.first_comparison_micros =
            earliest(self.first_comparison_micros, delta.first_comparison_micros);
        self.last_mismatch_micros = self.last_mismatch_micros.max(delta.last_mismatch_micros);
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

    #[test]
    fn outcomes_count_and_merge() {
        let mut stored = StrategyCounters::new("loan");
        stored.count(Outcome::Match, 50);
        stored.count(Outcome::Mismatch, 60);
        let mut delta = StrategyCounters::new("loan");
        delta.count(Outcome::Skipped, 10);
        delta.count(Outcome::Match, 40);
        delta.count(Outcome::ShadowError, 70);
        delta.count(Outcome::Unencodable, 65);
        stored.absorb(&delta);
        assert_eq!(
            (stored.matches, stored.mismatches, stored.skipped),
            (2, 1, 1)
        );
        assert_eq!((stored.shadow_errors, stored.unencodable), (1, 1));
        assert_eq!(stored.comparisons(), 5);
        assert_eq!(stored.failures(), 3);
        assert_eq!(stored.first_comparison_micros, Some(40));
        assert_eq!(stored.last_mismatch_micros, Some(70));
    }
}
