//! [`emit`]: the one place where a shadow comparison's outcome is logged, counted and recorded.
//!
//! Everything is derived from the [`ShadowOutcome`]: the log line, the metric labels, the store
//! event and its counter keys. A new outcome variant is handled here without a change.

use super::exchange::Exchange;
use super::{events, Shared};
use crate::outcome::{ShadowOutcome, SkipReason};
use crate::store::{Event, Mismatch};

/// How a shadow comparison ended, with the masked record to store when it is not a match or a
/// skip.
#[derive(Debug)]
pub(super) struct Verdict {
    /// The outcome.
    pub outcome: ShadowOutcome,
    /// The masked record of a mismatch, shadow error or unencodable answer.
    pub record: Option<Mismatch>,
}

impl Verdict {
    /// Both decisions are equal.
    pub fn matched() -> Self {
        Verdict {
            outcome: ShadowOutcome::Match,
            record: None,
        }
    }

    /// The comparison was not made.
    pub fn skipped(reason: SkipReason) -> Self {
        Verdict {
            outcome: ShadowOutcome::Skipped(reason),
            record: None,
        }
    }

    /// A mismatch, shadow error or unencodable answer, with its record.
    pub fn recorded(outcome: ShadowOutcome, record: Mismatch) -> Self {
        Verdict {
            outcome,
            record: Some(record),
        }
    }
}

/// Logs, counts and records one comparison's outcome.
pub(super) fn emit(shared: &Shared, exchange: &Exchange, verdict: Verdict) {
    let Verdict { outcome, record } = verdict;
    events::shadow_outcome(exchange, outcome, record.as_ref());
    shared.summary.count(&exchange.strategy.name, outcome);
    let metrics = &exchange.strategy.metrics;
    metrics.outcome(outcome);
    let event = match record {
        Some(record) => {
            // Each differing field once per comparison, by collapsed layout path.
            for field in &record.differing_paths {
                metrics.field_mismatch(field);
            }
            let expired = record
                .differences
                .iter()
                .filter(|d| d.expired_rule.is_some());
            match expired.count() {
                0 => {}
                count => metrics.expired_rule_differences(count),
            }
            Event::Record(Box::new(record))
        }
        None => Event::Counted {
            strategy: exchange.strategy.name.clone(),
            outcome,
        },
    };
    shared.record(exchange, event);
}
