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

    /// The calendar day that contains `micros` in `zone`, counted from 1970-01-01 like a UTC day
    /// (so `compact` writes its date): the day a count belongs to for a reader in that zone.
    pub fn in_zone(micros: u64, zone: &jiff::tz::TimeZone) -> Self {
        let at = i64::try_from(micros)
            .ok()
            .and_then(|m| jiff::Timestamp::from_microsecond(m).ok());
        let Some(at) = at else {
            return Self::of(micros);
        };
        let date = at.to_zoned(zone.clone()).date();
        let epoch = jiff::civil::date(1970, 1, 1);
        match date.since((jiff::Unit::Day, epoch)) {
            Ok(span) => Self(u32::try_from(span.get_days()).unwrap_or(0)),
            Err(_) => Self::of(micros),
        }
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

/// Parses RFC 3339 (`2026-11-21T01:02:03.000042Z`, `2026-11-21T10:02:03+09:00`, or a date
/// alone, `2026-11-21`, meaning its midnight UTC) into microseconds since the epoch; the inverse
/// of [`format_micros`]. `None` for anything else or a time before 1970.
pub fn parse_rfc3339(text: &str) -> Option<u64> {
    let number = |part: &str| -> Option<u64> {
        (!part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    };
    let (date, time) = match text.split_once(['T', 't', ' ']) {
        Some((date, time)) => (date, Some(time)),
        None => (text, None),
    };
    let mut parts = date.splitn(3, '-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    let days = days_from_civil(number(year)?, number(month)?, number(day)?)?;
    let midnight = days.checked_mul(MICROS_PER_DAY)?;
    let Some(time) = time else {
        return Some(midnight);
    };
    let (clock, offset_seconds): (&str, i64) = if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        (clock, 0)
    } else {
        let at = time.rfind(['+', '-'])?;
        let (clock, offset) = time.split_at(at);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let (hours, minutes) = offset.get(1..)?.split_once(':')?;
        let (hours, minutes) = (number(hours)?, number(minutes)?);
        if hours > 23 || minutes > 59 {
            return None;
        }
        (
            clock,
            sign * i64::try_from(hours * 3600 + minutes * 60).ok()?,
        )
    };
    let (hms, fraction) = match clock.split_once('.') {
        Some((hms, fraction)) => (hms, Some(fraction)),
        None => (clock, None),
    };
    let mut hms = hms.splitn(3, ':');
    let (h, m, s) = (
        number(hms.next()?)?,
        number(hms.next()?)?,
        number(hms.next()?)?,
    );
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    let micros_of_fraction = match fraction {
        None => 0,
        Some(digits) => {
            number(digits)?;
            // Microsecond precision: further digits are cut, shorter ones padded.
            let digits: String = digits
                .chars()
                .chain(std::iter::repeat('0'))
                .take(6)
                .collect();
            number(&digits)?
        }
    };
    let local = midnight + (h * 3600 + m * 60 + s) * 1_000_000 + micros_of_fraction;
    let offset = offset_seconds * 1_000_000;
    u64::try_from(i128::from(local) - i128::from(offset)).ok()
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
    fn a_day_in_a_zone_is_that_zones_calendar_day() {
        let seoul = jiff::tz::TimeZone::get("Asia/Seoul").unwrap();
        // 2026-11-30T22:12:03Z is 2026-12-01 07:12:03 in Seoul: the next day there.
        let late = 1_796_076_723_000_000;
        assert_eq!(Day::of(late).compact(), "20261130");
        assert_eq!(Day::in_zone(late, &jiff::tz::TimeZone::UTC), Day::of(late));
        assert_eq!(Day::in_zone(late, &seoul).compact(), "20261201");
        // 14:59:59Z is still 23:59:59 the same day in Seoul; 15:00:00Z is midnight there.
        let midnight_kst = Day::of(late).start_micros() + 15 * 3_600_000_000;
        assert_eq!(Day::in_zone(midnight_kst - 1, &seoul).compact(), "20261130");
        assert_eq!(Day::in_zone(midnight_kst, &seoul).compact(), "20261201");
        // West of UTC the local day starts later.
        let new_york = jiff::tz::TimeZone::get("America/New_York").unwrap();
        assert_eq!(
            Day::in_zone(Day(20_778).start_micros(), &new_york),
            Day(20_777)
        );
    }

    #[test]
    fn rfc3339_parses_back_with_offsets_and_fractions() {
        let micros = Day(20_778).start_micros() + 3_723_000_042;
        assert_eq!(parse_rfc3339(&format_micros(micros)), Some(micros));
        assert_eq!(
            parse_rfc3339("2026-11-21T10:02:03.000042+09:00"),
            Some(micros)
        );
        assert_eq!(parse_rfc3339("2026-11-21T01:02:03Z"), Some(micros - 42));
        assert_eq!(
            parse_rfc3339("2026-11-21T01:02:03.5Z"),
            Some(micros - 42 + 500_000)
        );
        assert_eq!(
            parse_rfc3339("2026-11-21"),
            Some(Day(20_778).start_micros())
        );
        for bad in [
            "",
            "2026-11-21T",
            "2026-13-01",
            "2026-11-21T25:00:00Z",
            "yesterday",
            "2026-11-21T01:02:03+0900",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn micros_format_as_rfc3339_utc() {
        let micros = Day(20_778).start_micros() + 3_723_000_042;
        assert_eq!(format_micros(micros), "2026-11-21T01:02:03.000042Z");
        assert_eq!(Day::of(micros), Day(20_778));
    }
}
