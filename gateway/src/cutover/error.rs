//! Why a sign-off was refused or could not be recorded.

use thiserror::Error;

use crate::store::StoreError;
use crate::triage::TriageErrorKind;

/// A refused or failed sign-off, with the strategy it was about; `*` for no one strategy (a
/// start's or a reload's record in the audit trail, the trail read whole), said as the audit
/// trail's.
#[derive(Debug, Error)]
#[error("{}: {kind}", subject(strategy))]
pub struct CutoverError {
    /// Strategy name.
    pub strategy: String,
    /// What went wrong (boxed: store errors are large).
    pub kind: Box<CutoverErrorKind>,
}

/// What an error is about: `cutover sign-off of S`, or `audit trail` for `*`.
fn subject(strategy: &str) -> String {
    if strategy == "*" {
        "audit trail".to_owned()
    } else {
        format!("cutover sign-off of {strategy}")
    }
}

/// What went wrong with a sign-off.
#[derive(Debug, Error)]
pub enum CutoverErrorKind {
    /// The request does not say who signs.
    #[error("by: expected the name of who signs, found nothing")]
    NoName,
    /// The strategy is not in the config.
    #[error("expected a strategy of the config ({known}), found none by that name")]
    UnknownStrategy {
        /// The configured strategies, comma-separated.
        known: String,
    },
    /// The strategy is not ready, or a group that differs on a critical field is open: every
    /// blocker as `criterion: detail` (`critical_group: group … differs on critical field …`).
    #[error("expected a ready strategy, found it blocked: {}", .blockers.join("; "))]
    Blocked {
        /// `min_comparisons: 9 comparisons so far; at least 100 are required`, …
        blockers: Vec<String>,
    },
    /// The store could not be read.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The audit trail could not be read or appended to.
    #[error("{0}")]
    Audit(#[from] TriageErrorKind),
}

impl CutoverError {
    /// An error about `strategy`.
    pub fn new(strategy: &str, kind: CutoverErrorKind) -> Self {
        Self {
            strategy: strategy.to_owned(),
            kind: Box::new(kind),
        }
    }

    /// Whether the store cannot be read or written now ([`StoreError::is_unavailable`]), for
    /// the sign-off's reads or its audit entry: a temporary state, not a fault.
    pub fn is_unavailable(&self) -> bool {
        match &*self.kind {
            CutoverErrorKind::Store(error) => error.is_unavailable(),
            CutoverErrorKind::Audit(kind) => kind.is_unavailable(),
            _ => false,
        }
    }

    /// Whether the sign-off was refused (the strategy or the request), rather than failed in the
    /// store.
    pub fn is_refused(&self) -> bool {
        !matches!(
            *self.kind,
            CutoverErrorKind::Store(_) | CutoverErrorKind::Audit(_)
        )
    }

    /// The blockers, when refused for readiness or an open critical group.
    pub fn blockers(&self) -> Option<&[String]> {
        match &*self.kind {
            CutoverErrorKind::Blocked { blockers } => Some(blockers),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A trial read `cutover sign-off of *: …` on a reload's failed record: nothing was signed.
    #[test]
    fn an_error_of_no_one_strategy_is_the_audit_trails() {
        let said = |strategy| CutoverError::new(strategy, CutoverErrorKind::NoName).to_string();
        assert_eq!(
            said("*"),
            "audit trail: by: expected the name of who signs, found nothing"
        );
        assert_eq!(
            said("loan"),
            "cutover sign-off of loan: by: expected the name of who signs, found nothing"
        );
    }
}
