//! How one shadow comparison ended: one type, and everything else derived from it.
//!
//! A comparison ends as exactly one [`ShadowOutcome`]. Its metric labels (`comparisons_total
//! {result}`, `shadow_skipped_total{reason}`, `shadow_errors_total{kind}`), the store's counter
//! keys, the stored record's kind and the log line all come from methods on it, and the
//! pipeline's `emit` is the one function that logs, counts and records it. A new skip reason or
//! shadow error kind is a variant and its label in this module; counters, the store, the report,
//! the API and the page handle every label they are given.
//!
//! # Layout
//! - `skip`: [`SkipReason`], why a shadow call was not made.
//! - `error_kind`: [`ShadowErrorKind`], how a shadow engine failed.

mod error_kind;
mod skip;

pub use error_kind::ShadowErrorKind;
pub use skip::SkipReason;

use crate::store::RecordKind;

/// How one shadow comparison ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShadowOutcome {
    /// Both decisions are equal under the strategy's rules.
    Match,
    /// The decisions differ.
    Mismatch,
    /// The shadow engine failed: no decision to compare.
    ShadowError(ShadowErrorKind),
    /// The shadow answer does not fit the response layout: it would break core banking.
    Unencodable,
    /// The shadow call was not made, or its result could not be compared.
    Skipped(SkipReason),
}

/// The `result` label values of `comparisons_total`, in index order (skips are counted in
/// `shadow_skipped_total`, not as comparisons).
pub const RESULTS: [&str; 4] = ["match", "mismatch", "shadow_error", "unencodable"];

impl ShadowOutcome {
    /// Every outcome there is, each skip reason and shadow error kind included.
    pub fn every() -> Vec<ShadowOutcome> {
        let mut all = vec![Self::Match, Self::Mismatch, Self::Unencodable];
        all.extend(ShadowErrorKind::ALL.map(Self::ShadowError));
        all.extend(SkipReason::ALL.map(Self::Skipped));
        all
    }

    /// The `result` label and the store's counter name: `match`, `mismatch`, `shadow_error`,
    /// `unencodable` or `skipped`.
    pub fn result(self) -> &'static str {
        match self {
            Self::Match => "match",
            Self::Mismatch => "mismatch",
            Self::ShadowError(_) => "shadow_error",
            Self::Unencodable => "unencodable",
            Self::Skipped(_) => "skipped",
        }
    }

    /// Index of [`Self::result`] in [`RESULTS`]; `None` for a skip, which is no comparison.
    pub fn result_index(self) -> Option<usize> {
        match self {
            Self::Match => Some(0),
            Self::Mismatch => Some(1),
            Self::ShadowError(_) => Some(2),
            Self::Unencodable => Some(3),
            Self::Skipped(_) => None,
        }
    }

    /// The detail label: the skip reason or the shadow error kind.
    pub fn detail(self) -> Option<&'static str> {
        match self {
            Self::ShadowError(kind) => Some(kind.as_str()),
            Self::Skipped(reason) => Some(reason.as_str()),
            Self::Match | Self::Mismatch | Self::Unencodable => None,
        }
    }

    /// The kind of the stored record; `None` for outcomes that are only counted.
    pub fn record_kind(self) -> Option<RecordKind> {
        match self {
            Self::Mismatch => Some(RecordKind::Mismatch),
            Self::ShadowError(_) => Some(RecordKind::ShadowError),
            Self::Unencodable => Some(RecordKind::Unencodable),
            Self::Match | Self::Skipped(_) => None,
        }
    }

    /// True for a comparison that was made (every outcome but a skip).
    pub fn is_comparison(self) -> bool {
        !matches!(self, Self::Skipped(_))
    }

    /// True for every comparison that would have gone wrong for a customer after cutover: it
    /// breaks the clean streak of the cutover review.
    pub fn breaks_clean_streak(self) -> bool {
        matches!(
            self,
            Self::Mismatch | Self::ShadowError(_) | Self::Unencodable
        )
    }

    /// The grouping signature of an outcome without differing fields (`shadow_error/timeout`):
    /// shadow errors group by kind, since their reasons carry details that would split every group.
    pub fn failure_signature(self) -> String {
        match self.detail() {
            Some(detail) => format!("{}/{detail}", self.result()),
            None => self.result().to_owned(),
        }
    }

    /// The outcome a stored record counts as, from its kind and its shadow error kind (records
    /// written before kinds were stored count as [`ShadowErrorKind::Unknown`]).
    pub fn of_record(kind: RecordKind, error_kind: Option<ShadowErrorKind>) -> Self {
        match kind {
            RecordKind::Mismatch => Self::Mismatch,
            RecordKind::ShadowError => {
                Self::ShadowError(error_kind.unwrap_or(ShadowErrorKind::Unknown))
            }
            RecordKind::Unencodable => Self::Unencodable,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_record_kinds_are_consistent() {
        for outcome in ShadowOutcome::every() {
            match outcome.result_index() {
                Some(i) => assert_eq!(RESULTS[i], outcome.result(), "{outcome:?}"),
                None => assert!(!outcome.is_comparison()),
            }
            if let Some(kind) = outcome.record_kind() {
                assert_eq!(kind.as_str(), outcome.result());
                let error_kind = match outcome {
                    ShadowOutcome::ShadowError(k) => Some(k),
                    _ => None,
                };
                assert_eq!(ShadowOutcome::of_record(kind, error_kind), outcome);
            }
            assert_eq!(
                outcome.breaks_clean_streak(),
                outcome.record_kind().is_some()
            );
        }
    }

    #[test]
    fn shadow_errors_group_by_kind() {
        let timeout = ShadowOutcome::ShadowError(ShadowErrorKind::Timeout);
        let connect = ShadowOutcome::ShadowError(ShadowErrorKind::Connect);
        assert_eq!(timeout.failure_signature(), "shadow_error/timeout");
        assert_ne!(timeout.failure_signature(), connect.failure_signature());
        assert_eq!(
            ShadowOutcome::Unencodable.failure_signature(),
            "unencodable"
        );
    }
}
