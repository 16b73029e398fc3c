//! How one key ended: the one enum every count, group and label is derived from.

use comparator::Signature;

/// The outcome of one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyOutcome {
    /// Both rows are equal under the rules.
    Match,
    /// The rows differ in the signature's fields.
    Mismatch(Signature),
    /// Only the legacy side has the key.
    OnlyInLegacy,
    /// Only the new side has the key.
    OnlyInNew,
    /// The legacy side has the key more than once (the new side at most once).
    DuplicateInLegacy,
    /// The new side has the key more than once (the legacy side at most once).
    DuplicateInNew,
    /// Both sides have the key more than once.
    DuplicateInBoth,
}

impl KeyOutcome {
    /// The outcome's name in counts, groups and the report.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Match => "match",
            Self::Mismatch(_) => "mismatch",
            Self::OnlyInLegacy => "only_in_legacy",
            Self::OnlyInNew => "only_in_new",
            Self::DuplicateInLegacy => "duplicate_in_legacy",
            Self::DuplicateInNew => "duplicate_in_new",
            Self::DuplicateInBoth => "duplicate_in_both",
        }
    }

    /// The outcome of a key seen `legacy` and `new` times, not yet compared.
    pub fn of_counts(legacy: u64, new: u64) -> Option<Self> {
        match (legacy, new) {
            (l, n) if l > 1 && n > 1 => Some(Self::DuplicateInBoth),
            (l, _) if l > 1 => Some(Self::DuplicateInLegacy),
            (_, n) if n > 1 => Some(Self::DuplicateInNew),
            (0, _) => Some(Self::OnlyInNew),
            (_, 0) => Some(Self::OnlyInLegacy),
            _ => None,
        }
    }

    /// Adds one key to the counts.
    pub fn count(&self, counts: &mut crate::store::ReconcileCounts) {
        counts.keys += 1;
        let counter = match self {
            Self::Match => &mut counts.matched,
            Self::Mismatch(_) => &mut counts.mismatched,
            Self::OnlyInLegacy => &mut counts.only_in_legacy,
            Self::OnlyInNew => &mut counts.only_in_new,
            Self::DuplicateInLegacy => &mut counts.duplicate_in_legacy,
            Self::DuplicateInNew => &mut counts.duplicate_in_new,
            Self::DuplicateInBoth => &mut counts.duplicate_in_both,
        };
        *counter += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_win_over_missing_and_compare() {
        assert_eq!(
            KeyOutcome::of_counts(2, 0),
            Some(KeyOutcome::DuplicateInLegacy)
        );
        assert_eq!(
            KeyOutcome::of_counts(1, 3),
            Some(KeyOutcome::DuplicateInNew)
        );
        assert_eq!(
            KeyOutcome::of_counts(2, 2),
            Some(KeyOutcome::DuplicateInBoth)
        );
        assert_eq!(KeyOutcome::of_counts(0, 1), Some(KeyOutcome::OnlyInNew));
        assert_eq!(KeyOutcome::of_counts(1, 0), Some(KeyOutcome::OnlyInLegacy));
        assert_eq!(KeyOutcome::of_counts(1, 1), None);
    }
}
