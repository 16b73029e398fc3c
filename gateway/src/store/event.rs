//! Events the gateway sends to the store: one per comparison.
//!
//! Matches and skipped calls are the bulk of the traffic and only bump counters, so their variants
//! carry nothing but the strategy name as an `Arc<str>`: sending one is a refcount increment and a
//! channel slot, no allocation. Everything that must be kept goes in a boxed [`Mismatch`].

use std::sync::Arc;

use super::record::{Mismatch, RecordKind};
use super::suppressed::RuleTotal;

/// One comparison outcome for the store.
#[derive(Debug, Clone)]
pub enum Event {
    /// Both engines agreed.
    Match {
        /// Strategy name.
        strategy: Arc<str>,
    },
    /// The shadow call was not made (in-flight budget full, etc.).
    Skipped {
        /// Strategy name.
        strategy: Arc<str>,
    },
    /// A mismatch, shadow error or unencodable answer: stored and counted by its kind.
    Record(Box<Mismatch>),
    /// Differences the strategy's rules hid in many comparisons (see [`super::SuppressionTally`]);
    /// counts rules, not comparisons.
    Suppressed {
        /// Strategy name.
        strategy: Arc<str>,
        /// Differences hidden per rule since the previous event.
        counts: Vec<RuleTotal>,
    },
}

/// Every outcome a comparison can have; the keys of the per-strategy counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Both engines agreed.
    Match,
    /// The decisions differ.
    Mismatch,
    /// The shadow engine failed.
    ShadowError,
    /// The shadow answer does not fit the layout.
    Unencodable,
    /// The shadow call was not made.
    Skipped,
}

impl Event {
    /// The strategy this event belongs to.
    pub fn strategy(&self) -> &Arc<str> {
        match self {
            Self::Match { strategy }
            | Self::Skipped { strategy }
            | Self::Suppressed { strategy, .. } => strategy,
            Self::Record(mismatch) => &mismatch.strategy,
        }
    }

    /// The outcome this event counts as; `None` for [`Event::Suppressed`], which is no comparison.
    pub fn outcome(&self) -> Option<Outcome> {
        match self {
            Self::Match { .. } => Some(Outcome::Match),
            Self::Skipped { .. } => Some(Outcome::Skipped),
            Self::Record(mismatch) => Some(Outcome::from(mismatch.kind)),
            Self::Suppressed { .. } => None,
        }
    }
}

impl From<RecordKind> for Outcome {
    fn from(kind: RecordKind) -> Self {
        match kind {
            RecordKind::Mismatch => Self::Mismatch,
            RecordKind::ShadowError => Self::ShadowError,
            RecordKind::Unencodable => Self::Unencodable,
        }
    }
}
