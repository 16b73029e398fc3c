//! Filters people type (CLI flags, API query values): record kinds and times.

use crate::store::{format_micros, parse_rfc3339, RecordKind};

/// A time filter: RFC 3339 (`2026-11-21T09:00:00+09:00`, `2026-11-21`, a date read as 00:00
/// UTC), a time as the text output and the page write it (`2026-11-21 09:00:00 +09:00`: the
/// space before the offset is the only difference) or microseconds since the epoch.
pub fn parse_time(text: &str) -> Result<u64, String> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse()
            .map_err(|_| format!("{text:?}: microseconds out of range"));
    }
    // A time copied from the output: its offset after a space.
    let shown = text
        .rsplit_once(' ')
        .filter(|(clock, offset)| clock.contains(':') && offset.starts_with(['+', '-']))
        .map(|(clock, offset)| format!("{clock}{offset}"));
    parse_rfc3339(shown.as_deref().unwrap_or(text)).ok_or_else(|| {
        // A clock time with no zone is the likely slip: say so before listing the forms.
        let clock = text.split_once(['T', 't', ' ']).map(|(_, clock)| clock);
        let zoned = |clock: &str| clock.ends_with(['Z', 'z']) || clock.contains(['+', '-']);
        let hint = match clock {
            Some(clock) if clock.contains(':') && !zoned(clock) => "no offset (which zone?); ",
            _ => "",
        };
        format!(
            "{text:?}: {hint}expected RFC 3339 (2026-11-21T09:00:00Z, 2026-11-21T18:00:00+09:00), a time \
             as the output shows it (2026-11-21 18:00:00 +09:00), a date (2026-11-21, from 00:00 \
             UTC) or microseconds since the epoch"
        )
    })
}

/// Refuses a time window that holds no time, `since` at or after `until` (since includes its
/// time, until does not): it would select nothing and read as a store without such records.
/// `names` are the two filters as the caller was given them (`--since`, `--until`; `since`,
/// `until`).
pub fn check_window(
    since: Option<u64>,
    until: Option<u64>,
    names: [&str; 2],
) -> Result<(), String> {
    let (Some(since), Some(until)) = (since, until) else {
        return Ok(());
    };
    let [since_name, until_name] = names;
    let found = match since.cmp(&until) {
        std::cmp::Ordering::Less => return Ok(()),
        std::cmp::Ordering::Equal => format!("the same time ({until_name} excludes its own)"),
        std::cmp::Ordering::Greater => "after it".to_owned(),
    };
    Err(format!(
        "{since_name}: expected a time before {until_name} ({}), found {}, {found}",
        format_micros(until),
        format_micros(since)
    ))
}

/// A record kind by its name.
pub fn parse_kind(text: &str) -> Result<RecordKind, String> {
    RecordKind::ALL
        .into_iter()
        .find(|k| k.as_str() == text)
        .ok_or_else(|| format!("kind: {text:?}: expected mismatch, shadow_error or unencodable"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_as_the_output_shows_it_is_a_filter_too() {
        let utc = parse_time("2026-11-21T09:00:00Z").unwrap();
        assert_eq!(parse_time("2026-11-21T18:00:00+09:00"), Ok(utc));
        assert_eq!(parse_time("2026-11-21 18:00:00 +09:00"), Ok(utc));
        assert_eq!(parse_time("2026-11-21 09:00:00 +00:00"), Ok(utc));
        assert_eq!(parse_time("2026-11-21 04:00:00 -05:00"), Ok(utc));
        assert_eq!(
            parse_time("2026-11-21"),
            Ok(utc - 9 * 3_600_000_000),
            "a date: 00:00 UTC"
        );
        let error = parse_time("2026-11-21T18:00:00").unwrap_err();
        assert!(
            error.contains(": no offset (which zone?); expected"),
            "{error}"
        );
        let error = parse_time("2026-11-21 18:00:00").unwrap_err();
        assert!(error.contains("no offset"), "{error}");
        assert!(!parse_time("yesterday").unwrap_err().contains("no offset"));
        assert!(
            error.contains("a time as the output shows it (2026-11-21 18:00:00 +09:00)")
                && error.contains("a date (2026-11-21, from 00:00 UTC)"),
            "{error}"
        );
        assert!(parse_time("2026-11-21 18:00:00 +9").is_err());
    }

    #[test]
    fn a_window_whose_since_is_not_before_its_until_is_refused() {
        let day = |date| parse_time(date).ok();
        let names = ["--since", "--until"];
        assert_eq!(
            check_window(day("2026-12-04"), day("2026-12-01"), names),
            Err(
                "--since: expected a time before --until (2026-12-01T00:00:00.000000Z), found \
                 2026-12-04T00:00:00.000000Z, after it"
                    .to_owned()
            )
        );
        assert_eq!(
            check_window(day("2026-12-01"), day("2026-12-01"), ["since", "until"]),
            Err(
                "since: expected a time before until (2026-12-01T00:00:00.000000Z), found \
                 2026-12-01T00:00:00.000000Z, the same time (until excludes its own)"
                    .to_owned()
            )
        );
        assert_eq!(
            check_window(day("2026-12-01"), day("2026-12-04"), names),
            Ok(())
        );
        assert_eq!(check_window(day("2026-12-04"), None, names), Ok(()));
        assert_eq!(check_window(None, day("2026-12-01"), names), Ok(()));
    }
}
