//! Daily series for people: the store's UTC hours summed into days of the team's time zone.
//!
//! A fix shows as a group that stops growing; the migration team reviews daily, in the bank's
//! zone (KST), so the days of the charts and the times on the page are that zone's. The store
//! keeps UTC hours, so changing the zone redraws history correctly (for whole-hour offsets; a
//! half-hour zone's days start at the hour boundary before local midnight).

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::store::{hour_of, SeriesPoint, MICROS_PER_HOUR};

/// How the review shows times and days (`[review]` in the config).
#[derive(Debug, Clone)]
pub struct ReviewView {
    /// Zone of the times and days shown.
    pub zone: TimeZone,
    /// Days in the daily charts, today included.
    pub chart_days: u32,
}

impl Default for ReviewView {
    fn default() -> Self {
        Self {
            zone: TimeZone::UTC,
            chart_days: 14,
        }
    }
}

/// One day of a chart.
///
/// In a strategy's series, its comparisons and failures that day. In a group's series,
/// `failures` is the group's records that day and `comparisons` the strategy's comparisons that
/// day: the denominator of the group's share, the same in every group of the strategy (so the
/// groups' comparisons must not be added up).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCount {
    /// The local date, `YYYY-MM-DD`.
    pub date: String,
    /// Comparisons the strategy made that day (for a group too: its strategy's).
    pub comparisons: u64,
    /// Failures that day: mismatches, shadow errors and unencodable answers; a group's records.
    pub failures: u64,
}

/// Daily series of every strategy and group with activity in the window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Daily {
    /// The zone the days are in (its IANA name, or a fixed offset).
    pub time_zone: String,
    /// Per strategy: one entry per day of the window, oldest first.
    pub strategies: BTreeMap<String, Vec<DayCount>>,
    /// Per strategy, per group signature: one entry per day, oldest first; each day's
    /// `comparisons` are the strategy's that day (see [`DayCount`]).
    pub groups: BTreeMap<String, BTreeMap<String, Vec<DayCount>>>,
}

impl Daily {
    /// The series of `strategy` (all zeros when it had no activity in the window).
    pub fn strategy(&self, strategy: &str) -> Option<&[DayCount]> {
        self.strategies.get(strategy).map(Vec::as_slice)
    }

    /// The series of one group, if it had records in the window.
    pub fn group(&self, strategy: &str, signature: &str) -> Option<&[DayCount]> {
        self.groups.get(strategy)?.get(signature).map(Vec::as_slice)
    }

    /// Gives each group's days its strategy's comparisons of that day: the store counts a
    /// group's failures only (see [`crate::store::HourCounts`]), and "0 comparisons, 3 failures"
    /// reads as nonsense, where "3 of 1,000" is the group's share.
    fn share_denominators(&mut self) {
        for (strategy, groups) in &mut self.groups {
            let Some(days) = self.strategies.get(strategy) else {
                continue;
            };
            for series in groups.values_mut() {
                for (day, of_strategy) in series.iter_mut().zip(days) {
                    day.comparisons = of_strategy.comparisons;
                }
            }
        }
    }
}

impl ReviewView {
    /// `micros` since the epoch as a local time with its offset: `2026-11-30 07:12:03 +09:00`.
    pub fn time(&self, micros: u64) -> String {
        match self.timestamp(micros) {
            Some(ts) => ts
                .to_zoned(self.zone.clone())
                .strftime("%Y-%m-%d %H:%M:%S %:z")
                .to_string(),
            None => crate::store::format_micros(micros),
        }
    }

    /// The zone's name for headers.
    pub fn zone_name(&self) -> String {
        self.zone
            .iana_name()
            .map_or_else(|| format!("{:?}", self.zone), str::to_owned)
    }

    /// The days of the chart window ending on the local day of `now_micros`, oldest first,
    /// and the first UTC hour of the window.
    pub fn window(&self, now_micros: u64) -> (Vec<Date>, u32) {
        let Some(now) = self.timestamp(now_micros) else {
            return (Vec::new(), hour_of(now_micros));
        };
        let today = now.to_zoned(self.zone.clone()).date();
        let mut days = vec![today];
        for _ in 1..self.chart_days {
            match days.last().map(|d| d.yesterday()) {
                Some(Ok(day)) => days.push(day),
                _ => break,
            }
        }
        days.reverse();
        let first_hour = days
            .first()
            .and_then(|day| day.to_zoned(self.zone.clone()).ok())
            .and_then(|start| u64::try_from(start.timestamp().as_microsecond()).ok())
            .map_or(0, hour_of);
        (days, first_hour)
    }

    /// Sums stored hours into the local days of the window ending today.
    pub fn daily(&self, points: &[SeriesPoint], now_micros: u64) -> Daily {
        let (days, _) = self.window(now_micros);
        let index: BTreeMap<Date, usize> = days.iter().enumerate().map(|(i, d)| (*d, i)).collect();
        let empty = || -> Vec<DayCount> {
            days.iter()
                .map(|d| DayCount {
                    date: d.to_string(),
                    comparisons: 0,
                    failures: 0,
                })
                .collect()
        };
        let mut daily = Daily {
            time_zone: self.zone_name(),
            ..Daily::default()
        };
        for point in points {
            let Some(slot) = self.local_day(point.hour).and_then(|d| index.get(&d)) else {
                continue;
            };
            let series = match &point.signature {
                None => daily
                    .strategies
                    .entry(point.strategy.clone())
                    .or_insert_with(empty),
                Some(signature) => daily
                    .groups
                    .entry(point.strategy.clone())
                    .or_default()
                    .entry(signature.clone())
                    .or_insert_with(empty),
            };
            series[*slot].comparisons += point.counts.comparisons;
            series[*slot].failures += point.counts.failures;
        }
        daily.share_denominators();
        daily
    }

    fn local_day(&self, hour: u32) -> Option<Date> {
        let ts = self.timestamp(u64::from(hour) * MICROS_PER_HOUR)?;
        Some(ts.to_zoned(self.zone.clone()).date())
    }

    fn timestamp(&self, micros: u64) -> Option<Timestamp> {
        Timestamp::from_microsecond(i64::try_from(micros).ok()?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::HourCounts;

    fn seoul() -> ReviewView {
        ReviewView {
            zone: TimeZone::get("Asia/Seoul").unwrap(),
            chart_days: 3,
        }
    }

    fn point(hour: u32, signature: Option<&str>, comparisons: u64, failures: u64) -> SeriesPoint {
        SeriesPoint {
            hour,
            strategy: "loan".into(),
            signature: signature.map(str::to_owned),
            counts: HourCounts {
                comparisons,
                failures,
            },
        }
    }

    /// 2026-11-29T00:00:00Z in hours.
    const NOV29_UTC: u32 = 498_864;

    #[test]
    fn hours_fall_into_the_days_of_the_zone() {
        // 2026-11-30 12:00 KST = 03:00 UTC on the 30th.
        let now = u64::from(NOV29_UTC + 27) * MICROS_PER_HOUR;
        let points = [
            // 14:00 UTC on the 28th = 23:00 KST on the 28th.
            point(NOV29_UTC - 10, None, 5, 1),
            // 15:00 UTC on the 28th = 00:00 KST on the 29th.
            point(NOV29_UTC - 9, None, 7, 2),
            point(NOV29_UTC - 9, Some("mismatch/body.grade"), 0, 2),
            // 02:00 UTC on the 30th = 11:00 KST on the 30th.
            point(NOV29_UTC + 26, None, 1, 0),
            // Before the window: 2026-11-27 KST.
            point(NOV29_UTC - 40, None, 100, 100),
        ];
        let daily = seoul().daily(&points, now);
        let days: Vec<_> = daily.strategy("loan").unwrap().to_vec();
        assert_eq!(
            days,
            vec![
                DayCount {
                    date: "2026-11-28".into(),
                    comparisons: 5,
                    failures: 1
                },
                DayCount {
                    date: "2026-11-29".into(),
                    comparisons: 7,
                    failures: 2
                },
                DayCount {
                    date: "2026-11-30".into(),
                    comparisons: 1,
                    failures: 0
                },
            ]
        );
        let group = daily.group("loan", "mismatch/body.grade").unwrap();
        assert_eq!(
            group.iter().map(|d| d.failures).collect::<Vec<_>>(),
            [0, 2, 0]
        );
        // A group's day carries its strategy's comparisons of that day: the group's share.
        assert_eq!(
            group.iter().map(|d| d.comparisons).collect::<Vec<_>>(),
            [5, 7, 1]
        );
        assert_eq!(daily.time_zone, "Asia/Seoul");
    }

    #[test]
    fn the_window_starts_at_local_midnight() {
        let now = u64::from(NOV29_UTC + 27) * MICROS_PER_HOUR;
        let (days, first_hour) = seoul().window(now);
        assert_eq!(days.len(), 3);
        // 2026-11-28 00:00 KST = 2026-11-27 15:00 UTC.
        assert_eq!(first_hour, NOV29_UTC - 33);
    }

    #[test]
    fn times_show_the_zone_offset() {
        let micros = u64::from(NOV29_UTC) * MICROS_PER_HOUR + 3_000_000;
        assert_eq!(seoul().time(micros), "2026-11-29 09:00:03 +09:00");
        assert_eq!(
            ReviewView::default().time(micros),
            "2026-11-29 00:00:03 +00:00"
        );
    }
}
