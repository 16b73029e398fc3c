//! Governed comparison rules at config time: the day that decides expiry, and the warnings
//! `check-config` (and every start and reload) gives about rules nobody owns or that expire soon.
//!
//! Days are those of `[review] time_zone` (UTC by default), the zone of the daily charts: a rule
//! with `expires = "2026-12-31"` hides differences up to 23:59:59 on 2026-12-30 there.

use std::collections::BTreeMap;

use comparator::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use super::problem::{Found, Problems};
use super::StrategySpec;

/// `check-config` warns about rules expiring within this many days.
pub const EXPIRY_WARNING_DAYS: i32 = 14;

/// Today in `zone`, as the comparator's date.
pub fn today(zone: &TimeZone) -> Date {
    day_of(Timestamp::now(), zone)
}

/// The day of `at` in `zone`.
pub fn day_of(at: Timestamp, zone: &TimeZone) -> Date {
    let date = at.to_zoned(zone.clone()).date();
    // jiff's years are -9999..=9999; a date before year 0 is not a rule's expiry anyway.
    let year = u16::try_from(date.year()).unwrap_or(0);
    Date::new(year, date.month().unsigned_abs(), date.day().unsigned_abs()).unwrap_or(Date::EPOCH)
}

/// Days from `today` to `expires` (negative when past).
pub fn days_until(today: Date, expires: Date) -> i32 {
    let civil = |d: Date| {
        let (y, m, day) = d.parts();
        jiff::civil::Date::new(y as i16, m as i8, day as i8).ok()
    };
    match (civil(today), civil(expires)) {
        (Some(a), Some(b)) => (b - a).get_days(),
        _ => 0,
    }
}

/// Warns, per strategy, about hiding rules without an owner, rules that expired (they hide
/// nothing any more) and rules that expire within [`EXPIRY_WARNING_DAYS`].
pub(super) fn warnings(
    strategies: &BTreeMap<String, StrategySpec>,
    today: Date,
    problems: &mut Problems,
) {
    for (name, spec) in strategies {
        for governed in spec.rules.governed() {
            let key = format!("strategies.{name}.rules.{}", governed.key);
            let governance = &governed.governance;
            if governance.owner.is_none() {
                problems.warning(
                    format!("{key}.owner"),
                    format!("who answers for rule `{}`", governed.rule),
                    Found::nothing(),
                );
            }
            let Some(expires) = governance.expires else {
                continue;
            };
            let days = days_until(today, expires);
            let found = Found::value(format!("\"{expires}\" ({})", in_days(days)));
            if days <= 0 {
                problems.warning(
                    format!("{key}.expires"),
                    format!("a date after today ({today}); the rule has expired and hides nothing"),
                    found,
                );
            } else if days <= EXPIRY_WARNING_DAYS {
                problems.warning(
                    format!("{key}.expires"),
                    format!("a date more than {EXPIRY_WARNING_DAYS} days after today ({today})"),
                    found,
                );
            }
        }
    }
}

fn in_days(days: i32) -> String {
    match days {
        0 => "expires today".to_owned(),
        1 => "expires tomorrow".to_owned(),
        d if d > 0 => format!("expires in {d} days"),
        -1 => "expired yesterday".to_owned(),
        d => format!("expired {} days ago", -d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_those_of_the_zone() {
        let at: Timestamp = "2026-11-30T16:30:00Z".parse().unwrap();
        let seoul = TimeZone::get("Asia/Seoul").unwrap();
        assert_eq!(day_of(at, &TimeZone::UTC).to_string(), "2026-11-30");
        assert_eq!(day_of(at, &seoul).to_string(), "2026-12-01");
        let date = |t: &str| t.parse::<Date>().unwrap();
        assert_eq!(days_until(date("2026-11-30"), date("2027-01-01")), 32);
        assert_eq!(days_until(date("2026-11-30"), date("2026-11-29")), -1);
    }
}
