//! Filters people type (CLI flags, API query values): record kinds and times.

use crate::store::{parse_rfc3339, RecordKind};

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
}
