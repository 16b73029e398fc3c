//! What each comparison rule hid, per strategy ("what did `ignore header.sent_at` suppress?").
//!
//! The comparison path counts into a [`SuppressionTally`] of atomics (no lock, no allocation) and
//! hands the writer one [`super::Event::Suppressed`] now and then, so the store's channel carries
//! one extra event per second or per [`SEND_EVERY`] comparisons, not one per comparison. The
//! writer adds them to [`SuppressionCounters`], persisted like the outcome counters.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use comparator::{RuleRef, Rules, Suppressed};
use serde::{Deserialize, Serialize};

use super::event::Event;

/// A tally is sent after this many comparisons that hid something…
pub const SEND_EVERY: u64 = 1_000;
/// …or when this long has passed since the last send, whichever comes first.
const SEND_AFTER_MICROS: u64 = 1_000_000;

/// Persisted totals of one strategy: differences hidden, per rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuppressionCounters {
    /// Strategy name.
    pub strategy: String,
    /// Per rule, in the order rules were first seen.
    pub rules: Vec<RuleTotal>,
}

/// Differences one rule hid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleTotal {
    /// The rule (kind and pattern as written).
    pub rule: RuleRef,
    /// Differences hidden.
    pub count: u64,
}

impl SuppressionCounters {
    /// No counts yet for `strategy`.
    pub fn new(strategy: &str) -> Self {
        Self {
            strategy: strategy.to_owned(),
            rules: Vec::new(),
        }
    }

    /// Adds `counts` rule by rule.
    pub(crate) fn add(&mut self, counts: &[RuleTotal]) {
        for total in counts {
            match self.rules.iter_mut().find(|r| r.rule == total.rule) {
                Some(existing) => existing.count += total.count,
                None => self.rules.push(total.clone()),
            }
        }
    }
}

/// The comparison path's in-memory counts for one strategy's rules.
#[derive(Debug)]
pub struct SuppressionTally {
    rules: Vec<RuleRef>,
    counts: Vec<AtomicU64>,
    /// Comparisons counted since the last send.
    pending: AtomicU64,
    /// Microseconds after `started` of the last send.
    last_sent: AtomicU64,
    started: Instant,
}

impl SuppressionTally {
    /// A tally for the suppressing rules of `rules`.
    pub fn new(rules: &Rules) -> Self {
        let rules: Vec<RuleRef> = rules.suppressing_rules().cloned().collect();
        Self {
            counts: rules.iter().map(|_| AtomicU64::new(0)).collect(),
            rules,
            pending: AtomicU64::new(0),
            last_sent: AtomicU64::new(0),
            started: Instant::now(),
        }
    }

    /// Counts what one comparison's rules hid; returns the event to send when one is due.
    pub fn count(&self, strategy: &Arc<str>, suppressed: &[Suppressed]) -> Option<Event> {
        if suppressed.is_empty() {
            return None;
        }
        for hidden in suppressed {
            // A handful of rules: a scan beats hashing, and the pattern is usually the same Arc.
            let slot = self.rules.iter().position(|rule| {
                Arc::ptr_eq(&rule.pattern, &hidden.rule.pattern) || *rule == hidden.rule
            });
            if let Some(slot) = slot.and_then(|i| self.counts.get(i)) {
                slot.fetch_add(u64::from(hidden.count), Ordering::Relaxed);
            }
        }
        let pending = self.pending.fetch_add(1, Ordering::Relaxed) + 1;
        let now = self.elapsed_micros();
        let last = self.last_sent.load(Ordering::Relaxed);
        let due = pending >= SEND_EVERY || now.saturating_sub(last) >= SEND_AFTER_MICROS;
        // One caller wins the send; the others keep counting into the next one.
        if due
            && self
                .last_sent
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            return self.take(strategy);
        }
        None
    }

    /// Everything counted since the last send, as an event; `None` when nothing was hidden.
    pub fn take(&self, strategy: &Arc<str>) -> Option<Event> {
        self.pending.store(0, Ordering::Relaxed);
        let counts: Vec<RuleTotal> = self
            .rules
            .iter()
            .zip(&self.counts)
            .filter_map(|(rule, count)| match count.swap(0, Ordering::Relaxed) {
                0 => None,
                count => Some(RuleTotal {
                    rule: rule.clone(),
                    count,
                }),
            })
            .collect();
        (!counts.is_empty()).then(|| Event::Suppressed {
            strategy: strategy.clone(),
            counts,
        })
    }

    fn elapsed_micros(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        let config = comparator::RulesConfig {
            ignore: vec!["header.sent_at".into(), "body.message".into()],
            ..comparator::RulesConfig::default()
        };
        config.validate().unwrap()
    }

    #[test]
    fn tallies_are_sent_when_due_and_add_up() {
        let rules = rules();
        let tally = SuppressionTally::new(&rules);
        let strategy: Arc<str> = Arc::from("loan");
        let first: Vec<RuleRef> = rules.suppressing_rules().cloned().collect();
        let hid = |count| Suppressed {
            rule: first[0].clone(),
            count,
        };
        assert!(tally.count(&strategy, &[hid(2)]).is_none(), "not due yet");
        assert!(tally.count(&strategy, &[]).is_none());
        let mut sent = None;
        for _ in 1..SEND_EVERY {
            sent = sent.or(tally.count(&strategy, &[hid(1)]));
        }
        let Some(Event::Suppressed { counts, .. }) = sent else {
            panic!("tally not sent after {SEND_EVERY} comparisons");
        };
        assert_eq!(
            counts,
            [RuleTotal {
                rule: first[0].clone(),
                count: SEND_EVERY + 1
            }]
        );
        assert!(tally.take(&strategy).is_none());

        let mut totals = SuppressionCounters::new("loan");
        totals.add(&counts);
        totals.add(&[
            RuleTotal {
                rule: first[1].clone(),
                count: 3,
            },
            counts[0].clone(),
        ]);
        assert_eq!(totals.rules[0].count, 2 * (SEND_EVERY + 1));
        assert_eq!(totals.rules[1].count, 3);
    }
}
