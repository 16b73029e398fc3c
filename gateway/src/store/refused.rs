//! Events the writer's channel refused (full), tallied per strategy for the writer to count.
//!
//! A record dropped inside the writer (the store degraded) is counted in its strategy's totals,
//! as a comparison and in `records_dropped` with when; one the channel refused never reaches the
//! writer, so without this its comparison and its drop would be missing from the totals the
//! report shows, and only `store_dropped_total{reason="channel_full"}` would say it. The recorder
//! tallies each refused event here (its outcome, and for a record the drop at the time it was
//! refused); the writer takes the tallies into its next commit, which it makes within its idle
//! wake-up even when no event comes. Memory is one [`StrategyCounters`] per strategy name, not
//! one entry per event. Rule tallies ([`Event::Suppressed`]) count no comparison and are only in
//! the metric.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use super::counters::StrategyCounters;
use super::event::Event;
use super::time::Clock;

/// Per-strategy totals of refused events, not yet taken by the writer.
pub(crate) struct Refused {
    /// Raised by a tally, lowered by [`Refused::take`]: the writer looks at the map only then.
    pending: AtomicBool,
    totals: Mutex<HashMap<Arc<str>, StrategyCounters>>,
    /// The writer's clock: the drop's time, as the writer would have stamped the record.
    clock: Arc<dyn Clock>,
}

impl Refused {
    /// An empty tally whose drops are timed by `clock`.
    pub(crate) fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            pending: AtomicBool::new(false),
            totals: Mutex::new(HashMap::new()),
            clock,
        }
    }

    /// Tallies `event`, which the channel refused.
    pub(crate) fn note(&self, event: &Event) {
        let Some(outcome) = event.outcome() else {
            return;
        };
        let now = self.clock.now_micros();
        let strategy = event.strategy();
        let mut totals = self.totals.lock().unwrap_or_else(PoisonError::into_inner);
        let counters = totals
            .entry(Arc::clone(strategy))
            .or_insert_with(|| StrategyCounters::new(strategy));
        counters.count(outcome, now);
        if matches!(event, Event::Record(_)) {
            counters.dropped(now);
        }
        self.pending.store(true, Ordering::Release);
    }

    /// The tallies since the last take (none without a lock when nothing was refused).
    pub(crate) fn take(&self) -> Vec<StrategyCounters> {
        if !self.pending.swap(false, Ordering::Acquire) {
            return Vec::new();
        }
        let mut totals = self.totals.lock().unwrap_or_else(PoisonError::into_inner);
        totals.drain().map(|(_, counters)| counters).collect()
    }
}

impl std::fmt::Debug for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Refused")
            .field("pending", &self.pending.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{ShadowOutcome, SkipReason};
    use crate::store::tests::{matched, mismatch};
    use crate::store::time::ManualClock;
    use crate::store::RecordKind;

    /// A record counts as a comparison and a drop, at the clock's time; a match or a skip as
    /// its outcome only; one entry per strategy, emptied by a take.
    #[test]
    fn refused_events_are_tallied_per_strategy_and_taken_once() {
        let clock = Arc::new(ManualClock::at(1_000));
        let refused = Refused::new(clock.clone());
        assert!(refused.take().is_empty());
        refused.note(&mismatch("loan", RecordKind::Mismatch, "body.limit"));
        clock.advance(500);
        refused.note(&mismatch("loan", RecordKind::ShadowError, "shadow_error"));
        refused.note(&matched("loan"));
        refused.note(&Event::Counted {
            strategy: "card".into(),
            outcome: ShadowOutcome::Skipped(SkipReason::QueueFull),
        });
        let mut taken = refused.take();
        taken.sort_by(|a, b| a.strategy.cmp(&b.strategy));
        let [card, loan] = taken.as_slice() else {
            panic!("{taken:?}");
        };
        assert_eq!((card.skipped, card.records_dropped), (1, 0));
        assert_eq!(
            (loan.matches, loan.mismatches, loan.shadow_errors),
            (1, 1, 1)
        );
        assert_eq!(
            (
                loan.records_dropped,
                loan.first_drop_micros,
                loan.last_drop_micros
            ),
            (2, Some(1_000), Some(1_500))
        );
        assert!(refused.take().is_empty());
    }
}
