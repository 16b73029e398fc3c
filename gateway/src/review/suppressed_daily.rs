//! What each rule hid per day of `[review] time_zone` over the chart window, so a rule that
//! suddenly hides 10× more than it used to stands out (`spike`) in the report, the API and the
//! page. The store keeps the counts on the days of the zone configured when they were counted
//! (counts of versions before the seventeenth session's are on UTC days).

use serde::{Deserialize, Serialize};

use super::build::Policy;
use super::ReviewView;
use crate::store::{Day, SuppressionCounters};

/// A rule hiding at least this many times its earlier daily average (and at least this many
/// differences) on its latest day is marked.
pub const SPIKE_FACTOR: u64 = 10;

/// Per rule, the differences hidden on each of the last days.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuppressedDaily {
    /// The days of the review's zone, oldest first (`2026-11-21`).
    pub days: Vec<String>,
    /// That zone's name (`Asia/Seoul`; `UTC` by default, and from a gateway that predates it,
    /// whose days were UTC days).
    #[serde(default = "utc")]
    pub time_zone: String,
    /// Configured rules in config order, then rules no longer configured that hid something.
    pub rules: Vec<RuleDaily>,
}

/// One rule's daily counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleDaily {
    /// The rule as written: `ignore header.sent_at`.
    pub rule: String,
    /// Differences hidden on each day of [`SuppressedDaily::days`].
    pub counts: Vec<u64>,
    /// The latest day hid at least [`SPIKE_FACTOR`] times the average of the days before it.
    pub spike: bool,
}

impl SuppressedDaily {
    /// The last `view.chart_days` days of `view`'s zone up to the one of `now_micros`, for the
    /// rules of `policy` and those `stored` has counts of.
    pub(super) fn of(
        policy: Option<&Policy>,
        stored: Option<&SuppressionCounters>,
        now_micros: u64,
        view: &ReviewView,
    ) -> Self {
        let (zone, days) = (&view.zone, view.chart_days);
        let today = Day::in_zone(now_micros, zone).0;
        let numbers: Vec<u32> = (0..days.max(1))
            .rev()
            .filter_map(|back| today.checked_sub(back))
            .collect();
        let mut rules: Vec<comparator::RuleRef> =
            policy.map_or_else(Vec::new, |p| p.rules.suppressing_rules().cloned().collect());
        if let Some(stored) = stored {
            for total in stored.days.iter().flat_map(|d| &d.rules) {
                if !rules.contains(&total.rule) {
                    rules.push(total.rule.clone());
                }
            }
        }
        let rules = rules
            .iter()
            .map(|rule| {
                let counts =
                    stored.map_or_else(|| vec![0; numbers.len()], |s| s.per_day(rule, &numbers));
                RuleDaily {
                    rule: rule.to_string(),
                    spike: spike(&counts),
                    counts,
                }
            })
            .collect();
        Self {
            days: numbers.iter().map(|n| dashed(Day(*n).compact())).collect(),
            time_zone: view.zone_name(),
            rules,
        }
    }
}

/// The zone of a summary that names none.
fn utc() -> String {
    "UTC".to_owned()
}

/// Whether the last day with a count is [`SPIKE_FACTOR`] × the average of the days before it
/// (which must have hidden something: a new rule's first day is not a spike).
fn spike(counts: &[u64]) -> bool {
    let Some(last) = counts.iter().rposition(|c| *c > 0) else {
        return false;
    };
    let (before, latest) = (&counts[..last], counts[last]);
    let earlier: u64 = before.iter().sum();
    earlier > 0 && latest >= SPIKE_FACTOR && latest * before.len() as u64 >= SPIKE_FACTOR * earlier
}

/// `20261121` as `2026-11-21`.
fn dashed(compact: String) -> String {
    match (compact.get(..4), compact.get(4..6), compact.get(6..)) {
        (Some(y), Some(m), Some(d)) => format!("{y}-{m}-{d}"),
        _ => compact,
    }
}

#[cfg(test)]
mod tests {
    use super::{spike, ReviewView, SuppressedDaily};
    use crate::store::{Day, RuleTotal, SuppressionCounters};

    #[test]
    fn the_window_is_the_review_zones_days() {
        let rules: comparator::Rules = comparator::RulesConfig {
            ignore: vec!["header.sent_at".into()],
            ..comparator::RulesConfig::default()
        }
        .validate()
        .unwrap();
        let rule = rules.suppressing_rules().next().unwrap().clone();
        // 2026-11-30T22:12:03Z: 2026-12-01 07:12 in Seoul, where the count was kept.
        let late = 1_796_076_723_000_000;
        let seoul = jiff::tz::TimeZone::get("Asia/Seoul").unwrap();
        let mut stored = SuppressionCounters::new("loan");
        let total = RuleTotal {
            rule: rule.clone(),
            count: 3,
        };
        stored.add_on(Day::in_zone(late, &seoul), &[total]);
        let view = |zone| ReviewView {
            zone,
            chart_days: 2,
        };
        let daily = SuppressedDaily::of(None, Some(&stored), late, &view(seoul));
        assert_eq!(daily.days, ["2026-11-30", "2026-12-01"]);
        assert_eq!(daily.time_zone, "Asia/Seoul");
        assert_eq!(daily.rules[0].counts, [0, 3]);
        let utc = SuppressedDaily::of(None, Some(&stored), late, &view(jiff::tz::TimeZone::UTC));
        assert_eq!(
            utc.days,
            ["2026-11-29", "2026-11-30"],
            "UTC's today is the 30th"
        );
        assert_eq!(utc.time_zone, "UTC");
        // A summary from a gateway that predates the field counted UTC days.
        let old: SuppressedDaily = serde_json::from_str(r#"{"days": [], "rules": []}"#).unwrap();
        assert_eq!(old.time_zone, "UTC");
    }

    #[test]
    fn a_rule_hiding_ten_times_its_average_is_a_spike() {
        assert!(spike(&[3, 2, 4, 0, 23]), "10× the average of 2.25 is 22.5");
        assert!(!spike(&[3, 2, 4, 0, 22]), "below 10× the average of 2.25");
        assert!(
            spike(&[3, 2, 4, 0, 23, 0]),
            "the latest day that hid something"
        );
        assert!(!spike(&[0, 0, 0, 0, 500]), "a new rule's first day");
        assert!(!spike(&[1, 0, 0, 0, 9]), "too few to tell");
        assert!(!spike(&[]));
    }
}
