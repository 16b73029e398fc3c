//! Time for the store: an injectable clock and UTC calendar days.
//!
//! Records are keyed and segmented by time, and retention removes whole days, so every time the
//! writer needs comes from a [`Clock`]: tests move a [`ManualClock`] instead of sleeping.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Microseconds in one UTC day.
pub const MICROS_PER_DAY: u64 = 86_400 * 1_000_000;

/// Where the writer gets the current time from.
pub trait Clock: Send + Sync {
    /// Microseconds since the Unix epoch, UTC.
    fn now_micros(&self) -> u64;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_micros(&self) -> u64 {
        // A clock before 1970 is a broken host; 0 keeps keys ordered rather than panicking.
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| {
                u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX)
            })
    }
}

/// A clock that only moves when told to, for tests.
#[derive(Debug, Default)]
pub struct ManualClock {
    micros: AtomicU64,
}

impl ManualClock {
    /// A clock standing at `micros` since the epoch.
    pub fn at(micros: u64) -> Self {
        Self {
            micros: AtomicU64::new(micros),
        }
    }

    /// Moves the clock forward by `micros`.
    pub fn advance(&self, micros: u64) {
        self.micros.fetch_add(micros, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_micros(&self) -> u64 {
        self.micros.load(Ordering::SeqCst)
    }
}

/// One UTC calendar day, counted from 1970-01-01: the unit of record segments and retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub u32);

impl Day {
    /// The day that contains `micros`.
    pub fn of(micros: u64) -> Self {
        Self(u32::try_from(micros / MICROS_PER_DAY).unwrap_or(u32::MAX))
    }

    /// The first microsecond of this day.
    pub fn start_micros(self) -> u64 {
        u64::from(self.0) * MICROS_PER_DAY
    }

    /// The day as `YYYYMMDD`, the suffix of its segment name.
    pub fn compact(self) -> String {
        let (year, month, day) = civil_from_days(u64::from(self.0));
        format!("{year:04}{month:02}{day:02}")
    }

    /// Parses `YYYYMMDD`; `None` for anything that is not a real date.
    pub fn parse_compact(text: &str) -> Option<Self> {
        if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let year: u64 = text.get(..4)?.parse().ok()?;
        let month: u64 = text.get(4..6)?.parse().ok()?;
        let day: u64 = text.get(6..)?.parse().ok()?;
        let days = days_from_civil(year, month, day)?;
        let parsed = Self(u32::try_from(days).ok()?);
        // Round trip rejects 20260231 and friends, which the arithmetic would roll over.
        (parsed.compact() == text).then_some(parsed)
    }
}

/// Formats `micros` since the epoch as RFC 3339 UTC with microseconds.
pub fn format_micros(micros: u64) -> String {
    let (year, month, day) = civil_from_days(micros / MICROS_PER_DAY);
    let in_day = micros % MICROS_PER_DAY;
    let seconds = in_day / 1_000_000;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60,
        in_day % 1_000_000
    )
}

/// Howard Hinnant's `civil_from_days`, restricted to dates from 1970 on.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// Howard Hinnant's `days_from_civil`; `None` before 1970 or for out-of-range parts.
fn days_from_civil(year: u64, month: u64, day: u64) -> Option<u64> {
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || year < 1970 {
        return None;
    }
    let year = if month <= 2 { year - 1 } else { year };
    let era = year / 400;
    let yoe = year - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe).checked_sub(719_468)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_through_their_compact_names() {
        assert_eq!(Day(0).compact(), "19700101");
        // 2026-11-21 is day 20_778 since the epoch.
        assert_eq!(Day(20_778).compact(), "20261121");
        assert_eq!(Day::parse_compact("20261121"), Some(Day(20_778)));
        assert_eq!(
            Day::parse_compact("20240229").map(Day::compact).as_deref(),
            Some("20240229")
        );
        assert_eq!(Day::parse_compact("20260231"), None);
        assert_eq!(Day::parse_compact("2026112"), None);
        for day in (0..40_000).step_by(37) {
            assert_eq!(Day::parse_compact(&Day(day).compact()), Some(Day(day)));
        }
    }

    #[test]
    fn micros_format_as_rfc3339_utc() {
        let micros = Day(20_778).start_micros() + 3_723_000_042;
        assert_eq!(format_micros(micros), "2026-11-21T01:02:03.000042Z");
        assert_eq!(Day::of(micros), Day(20_778));
    }
}
