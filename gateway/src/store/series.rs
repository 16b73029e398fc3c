//! Hourly series: comparisons and failures per strategy and per mismatch group, by UTC hour.
//!
//! The review draws daily charts in the team's time zone; storing UTC hours keeps the stored
//! data independent of that setting (a day in any whole-hour zone is 24 of them). Keys start
//! with the hour, so one range scan reads a window for every strategy and group at once, and
//! retention removes old hours with one range delete.

use serde::{Deserialize, Serialize};

/// Microseconds in one hour.
pub const MICROS_PER_HOUR: u64 = 3_600 * 1_000_000;

/// What happened in one hour, for one strategy or one group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourCounts {
    /// Comparisons made (a group counts none: its series is its failures).
    pub comparisons: u64,
    /// Comparisons that would have gone wrong after cutover (mismatch, shadow error,
    /// unencodable); for a group, its records.
    pub failures: u64,
}

impl HourCounts {
    /// Adds `other` to `self`.
    pub fn add(&mut self, other: &HourCounts) {
        self.comparisons += other.comparisons;
        self.failures += other.failures;
    }
}

/// One stored point of a series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesPoint {
    /// Hours since the Unix epoch, UTC.
    pub hour: u32,
    /// Strategy name.
    pub strategy: String,
    /// The group's signature; `None` for the strategy's own series.
    pub signature: Option<String>,
    /// The counts of that hour.
    pub counts: HourCounts,
}

/// The hour (since the epoch, UTC) of a time in microseconds.
pub fn hour_of(micros: u64) -> u32 {
    u32::try_from(micros / MICROS_PER_HOUR).unwrap_or(u32::MAX)
}

/// Key of a strategy's hour: hour, then the strategy name.
pub(crate) fn strategy_key(hour: u32, strategy: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(4 + strategy.len());
    key.extend_from_slice(&hour.to_be_bytes());
    key.extend_from_slice(strategy.as_bytes());
    key
}

/// Key of a group's hour: hour, strategy, NUL, signature (strategy names never hold NUL).
pub(crate) fn group_key(hour: u32, strategy: &str, signature: &str) -> Vec<u8> {
    let mut key = strategy_key(hour, strategy);
    key.push(0);
    key.extend_from_slice(signature.as_bytes());
    key
}

/// The first key of `hour`: everything before it is older.
pub(crate) fn hour_start(hour: u32) -> [u8; 4] {
    hour.to_be_bytes()
}

/// Splits a stored key back into its point (without counts); `None` for a malformed key.
pub(crate) fn parse_key(key: &[u8]) -> Option<(u32, String, Option<String>)> {
    let (hour, rest) = key.split_first_chunk::<4>()?;
    let rest = std::str::from_utf8(rest).ok()?;
    let (strategy, signature) = match rest.split_once('\0') {
        Some((strategy, signature)) => (strategy, Some(signature.to_owned())),
        None => (rest, None),
    };
    Some((u32::from_be_bytes(*hour), strategy.to_owned(), signature))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_by_hour_first_and_parse_back() {
        let a = group_key(10, "loan", "mismatch/body.grade");
        let b = strategy_key(11, "card");
        assert!(a < b, "an older hour sorts first whatever the strategy");
        assert!(a.as_slice() < hour_start(11).as_slice());
        assert_eq!(
            parse_key(&a),
            Some((10, "loan".into(), Some("mismatch/body.grade".into())))
        );
        assert_eq!(parse_key(&b), Some((11, "card".into(), None)));
        assert_eq!(parse_key(b"abc"), None);
    }

    #[test]
    fn an_hour_is_the_floor_of_the_time() {
        assert_eq!(hour_of(0), 0);
        assert_eq!(hour_of(MICROS_PER_HOUR - 1), 0);
        assert_eq!(hour_of(5 * MICROS_PER_HOUR), 5);
    }
}
