//! Events the gateway sends to the store: one per comparison.
//!
//! Matches and skipped calls are the bulk of the traffic and only bump counters, so their variants
//! carry nothing but the strategy name as an `Arc<str>`: sending one is a refcount increment and a
//! channel slot, no allocation. Everything that must be kept goes in a boxed [`Mismatch`].

use std::sync::Arc;

use super::record::Mismatch;
use super::suppressed::RuleTotal;
use crate::outcome::ShadowOutcome;

/// One comparison outcome for the store.
#[derive(Debug, Clone)]
pub enum Event {
    /// A match or a skipped comparison: only counted.
    Counted {
        /// Strategy name.
        strategy: Arc<str>,
        /// How the comparison ended.
        outcome: ShadowOutcome,
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
        /// The day they are counted on: the calendar day of `[review] time_zone` when the
        /// event was made.
        day: super::Day,
    },
}

impl Event {
    /// The strategy this event belongs to.
    pub fn strategy(&self) -> &Arc<str> {
        match self {
            Self::Counted { strategy, .. } | Self::Suppressed { strategy, .. } => strategy,
            Self::Record(mismatch) => &mismatch.strategy,
        }
    }

    /// The outcome this event counts as; `None` for [`Event::Suppressed`], which is no comparison.
    pub fn outcome(&self) -> Option<ShadowOutcome> {
        match self {
            Self::Counted { outcome, .. } => Some(*outcome),
            Self::Record(mismatch) => Some(mismatch.outcome()),
            Self::Suppressed { .. } => None,
        }
    }
}
