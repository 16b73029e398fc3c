//! What each comparison rule hid, per strategy ("what did `ignore header.sent_at` suppress?").
//!
//! The comparison path counts into a [`SuppressionTally`] of atomics (no lock, no allocation) and
//! hands the writer one [`super::Event::Suppressed`] now and then, so the store's channel carries
//! one extra event per second or per [`SEND_EVERY`] comparisons, not one per comparison. The
//! writer adds them to [`SuppressionCounters`], persisted like the outcome counters, in total and
//! per day (the last [`DAYS_KEPT`] days, in the same value: every backend already stores it, and
//! a rule that suddenly hides 10× more shows in the report). The days are calendar days of
//! `[review] time_zone`, the zone the migration team reads the report in: each event carries the
//! day it was made on there (a bank in Seoul sees its own days, not days split at 09:00). Counts
//! written before that carry UTC days.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use comparator::{RuleRef, Rules, Suppressed};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::event::Event;
use super::time::{Clock, Day, SystemClock};

/// A tally is sent after this many comparisons that hid something…
pub const SEND_EVERY: u64 = 1_000;
/// …or when this long has passed since the last send, whichever comes first.
const SEND_AFTER_MICROS: u64 = 1_000_000;

/// Days of per-day counts kept per strategy (older days are dropped as new ones come).
pub const DAYS_KEPT: u32 = 62;

/// Persisted totals of one strategy: differences hidden, per rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuppressionCounters {
    /// Strategy name.
    pub strategy: String,
    /// Per rule, in the order rules were first seen.
    pub rules: Vec<RuleTotal>,
    /// Per day (of `[review] time_zone`, see the module), oldest first, the last [`DAYS_KEPT`]
    /// days that hid something (absent in values written before it existed: their totals have no
    /// days).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub days: Vec<DayTotals>,
}

/// What the rules hid on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayTotals {
    /// Days since 1970-01-01 ([`super::Day`]).
    pub day: u32,
    /// Per rule.
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
            days: Vec::new(),
        }
    }

    /// Adds `counts` rule by rule.
    pub(crate) fn add(&mut self, counts: &[RuleTotal]) {
        add_to(&mut self.rules, counts);
    }

    /// Adds `counts`, hidden on UTC `day`, to the totals and to that day.
    pub(crate) fn add_on(&mut self, day: super::Day, counts: &[RuleTotal]) {
        self.add(counts);
        self.add_days(&[DayTotals {
            day: day.0,
            rules: counts.to_vec(),
        }]);
    }

    /// Adds `delta` (totals and days), as the writer folds a delta into a loaded total.
    pub(crate) fn absorb(&mut self, delta: &Self) {
        self.add(&delta.rules);
        self.add_days(&delta.days);
    }

    /// The counts of `rule` on each of `days` (day numbers from 1970-01-01), zero for days without any.
    pub fn per_day(&self, rule: &RuleRef, days: &[u32]) -> Vec<u64> {
        days.iter()
            .map(|day| {
                self.days
                    .iter()
                    .filter(|d| d.day == *day)
                    .flat_map(|d| &d.rules)
                    .filter(|r| r.rule == *rule)
                    .map(|r| r.count)
                    .sum()
            })
            .collect()
    }

    fn add_days(&mut self, days: &[DayTotals]) {
        for delta in days {
            match self.days.iter_mut().find(|d| d.day == delta.day) {
                Some(existing) => add_to(&mut existing.rules, &delta.rules),
                None => self.days.push(delta.clone()),
            }
        }
        self.days.sort_by_key(|d| d.day);
        let newest = self.days.last().map_or(0, |d| d.day);
        self.days
            .retain(|d| d.day.saturating_add(DAYS_KEPT) > newest);
    }
}

/// Adds `counts` to `totals` rule by rule.
fn add_to(totals: &mut Vec<RuleTotal>, counts: &[RuleTotal]) {
    for total in counts {
        match totals.iter_mut().find(|r| r.rule == total.rule) {
            Some(existing) => existing.count += total.count,
            None => totals.push(total.clone()),
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
    /// Whose calendar days the counts are kept on (`[review] time_zone`).
    zone: TimeZone,
}

impl SuppressionTally {
    /// A tally for the suppressing rules of `rules`, kept on the days of `zone`.
    pub fn new(rules: &Rules, zone: TimeZone) -> Self {
        let rules: Vec<RuleRef> = rules.suppressing_rules().cloned().collect();
        Self {
            counts: rules.iter().map(|_| AtomicU64::new(0)).collect(),
            rules,
            pending: AtomicU64::new(0),
            last_sent: AtomicU64::new(0),
            started: Instant::now(),
            zone,
        }
    }

    /// Whose calendar days the counts are kept on.
    pub fn zone(&self) -> &TimeZone {
        &self.zone
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
        self.take_at(strategy, SystemClock.now_micros())
    }

    /// [`Self::take`] at `now_micros` (since the epoch): the event's day is that instant's in
    /// the tally's zone.
    fn take_at(&self, strategy: &Arc<str>, now_micros: u64) -> Option<Event> {
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
            day: Day::in_zone(now_micros, &self.zone),
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
    fn a_tally_is_counted_on_the_day_of_its_zone() {
        let rules = rules();
        let rule = rules.suppressing_rules().next().unwrap().clone();
        let hid = [Suppressed {
            rule: rule.clone(),
            count: 3,
        }];
        let strategy: Arc<str> = Arc::from("loan");
        // 2026-11-30T22:12:03Z: still the 30th in UTC, already 2026-12-01 07:12 in Seoul.
        let late = 1_796_076_723_000_000;
        for (zone, date) in [
            (TimeZone::UTC, "20261130"),
            (TimeZone::get("Asia/Seoul").unwrap(), "20261201"),
        ] {
            let tally = SuppressionTally::new(&rules, zone);
            assert!(tally.count(&strategy, &hid).is_none(), "not due yet");
            let Some(Event::Suppressed { day, counts, .. }) = tally.take_at(&strategy, late) else {
                panic!("nothing taken");
            };
            assert_eq!(day.compact(), date);
            // The writer keeps them on that day.
            let mut stored = SuppressionCounters::new("loan");
            stored.add_on(day, &counts);
            assert_eq!(stored.per_day(&rule, &[day.0, day.0 - 1]), [3, 0]);
        }
    }

    #[test]
    fn tallies_are_sent_when_due_and_add_up() {
        let rules = rules();
        let tally = SuppressionTally::new(&rules, TimeZone::UTC);
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

    #[test]
    fn days_are_counted_apart_merged_and_the_oldest_dropped() {
        let rules = rules();
        let rule: Vec<RuleRef> = rules.suppressing_rules().cloned().collect();
        let hid = |slot: usize, count| RuleTotal {
            rule: rule[slot].clone(),
            count,
        };
        let mut stored = SuppressionCounters::new("loan");
        stored.add_on(super::super::Day(100), &[hid(0, 2)]);
        stored.add_on(super::super::Day(101), &[hid(0, 3), hid(1, 1)]);
        let mut delta = SuppressionCounters::new("loan");
        delta.add_on(super::super::Day(101), &[hid(0, 30)]);
        stored.absorb(&delta);
        assert_eq!(stored.rules[0].count, 35);
        assert_eq!(stored.per_day(&rule[0], &[99, 100, 101]), [0, 2, 33]);
        assert_eq!(stored.per_day(&rule[1], &[100, 101]), [0, 1]);
        stored.add_on(super::super::Day(100 + DAYS_KEPT), &[hid(1, 5)]);
        assert_eq!(
            stored.days.first().map(|d| d.day),
            Some(101),
            "day 100 dropped"
        );
        let old: SuppressionCounters =
            serde_json::from_str(r#"{"strategy": "loan", "rules": []}"#).unwrap();
        assert!(
            old.days.is_empty(),
            "a value written before days existed reads"
        );
    }
}
