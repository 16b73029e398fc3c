//! Filters people type (CLI flags, API query values): record kinds and times.

use crate::store::{parse_rfc3339, RecordKind};

/// A time filter: RFC 3339 (`2026-11-21T09:00:00+09:00`, `2026-11-21`) or microseconds since
/// the epoch.
pub fn parse_time(text: &str) -> Result<u64, String> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse()
            .map_err(|_| format!("{text:?}: microseconds out of range"));
    }
    parse_rfc3339(text).ok_or_else(|| {
        format!(
            "{text:?}: expected RFC 3339 (2026-11-21T09:00:00Z) or microseconds since the epoch"
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
