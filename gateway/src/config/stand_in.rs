//! A stand-in for a value of the wrong type in the file's text, so the reading can go on and
//! report the next one.
//!
//! serde stops at the first value it cannot read. Reading again with that `key = value` line
//! rewritten as `key = <a value of the type serde expected>` (`0`, `""`, `[]`, the first variant
//! of an enum) finds the next one; a table stand-in may lack required keys, which the reader
//! knows not to report since it wrote them. With no such value (serde's expectation is not one
//! it knows) the line is blanked: a key with a default then reads as absent, a required one as
//! missing, likewise not reported. Either way the lines keep their number, so every later
//! problem is reported at its own line and column.
//!
//! A required key that is missing gets a stand-in too, added to the parsed document rather
//! than the text (a line added would move the lines after it): [`add`].
//!
//! Only a value written on its key's own line (`retention_days = "90"`) is replaced in the text:
//! an element of an array or a key inside an inline table shares its line with others, and
//! rewriting the line would hide those or break the syntax. A key inside an inline table gets its
//! stand-in in the parsed document instead ([`add`]); at an element of an array the reading
//! stops.

use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// `text` with the `key = value` line holding `span` (the value, as the TOML error gives it)
/// rewritten with `stand_in` as its value, or blanked without one; `None` when the value is not
/// on its own key's line (its key is not `last`, the final part of the key path).
pub(super) fn replace_value(
    text: &str,
    span: std::ops::Range<usize>,
    last: &str,
    stand_in: Option<&str>,
) -> Option<String> {
    let (start, end) = (span.start.min(text.len()), span.end.min(text.len()));
    let line_start = text[..start].rfind('\n').map_or(0, |at| at + 1);
    let before = &text[line_start..start];
    let key = before.trim().strip_suffix('=')?.trim_end();
    let unquoted = key
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .or_else(|| key.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')))
        .unwrap_or(key);
    if unquoted != last {
        return None;
    }
    // The rest of the value's last line too (a comment), so nothing of it is left to read.
    let line_end = text[end..].find('\n').map_or(text.len(), |at| end + at);
    let newlines = "\n".repeat(text[line_start..line_end].matches('\n').count());
    let line = match stand_in {
        Some(value) => format!("{key} = {value}{newlines}"),
        None => newlines,
    };
    Some(format!(
        "{}{line}{}",
        &text[..line_start],
        &text[line_end..]
    ))
}

/// A TOML value of the type serde's message says it expected (`invalid type: string "90",
/// expected u32`: `0`; ``unknown variant `x`, expected one of `normal`, `idle` ``: `"normal"`);
/// `None` when the message names no type this knows.
pub(super) fn stand_in(message: &str) -> Option<String> {
    if let Some(variants) = message
        .strip_prefix("unknown variant `")
        .and_then(|rest| rest.split_once(", expected one of `"))
        .or_else(|| {
            message
                .strip_prefix("unknown variant `")
                .and_then(|rest| rest.split_once(", expected `"))
        })
    {
        let first = variants.1.split('`').next()?;
        return Some(format!("{first:?}"));
    }
    let expected = message.trim_end().rsplit_once(", expected ")?.1;
    let value = match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" | "isize" => "0",
        "f32" | "f64" => "0.0",
        "a boolean" => "false",
        "a string" | "path string" => "\"\"",
        "a sequence" => "[]",
        "a map" => "{}",
        e if e.starts_with("struct ") => "{}",
        _ => return None,
    };
    Some(value.to_owned())
}

/// Adds `value` as `name` to the table at key path `table` (`strategies.loan`,
/// `listeners.mci[0]`; empty or `.` for the root) of `root`; `false` when there is no such table
/// (a name with a dot in quotes).
pub(super) fn add<'i>(
    root: &mut DeTable<'i>,
    table: &str,
    name: &str,
    value: Spanned<DeValue<'i>>,
) -> bool {
    let Some(at) = table_at(root, table) else {
        return false;
    };
    at.insert(Spanned::new(value.span(), name.to_owned().into()), value);
    true
}

/// Removes the key `name` from the table at key path `table` of `root` (an unknown key a section
/// refuses itself, once reported, so the reading goes on); `false` when there is none.
pub(super) fn remove(root: &mut DeTable<'_>, table: &str, name: &str) -> bool {
    table_at(root, table).is_some_and(|at| at.remove(name).is_some())
}

/// The table at key path `table` (`strategies.loan`, `listeners.mci[0]`; empty or `.` for the
/// root) of `root`.
fn table_at<'a, 'i>(root: &'a mut DeTable<'i>, table: &str) -> Option<&'a mut DeTable<'i>> {
    let mut at = root;
    for part in table.split('.').filter(|part| !part.is_empty()) {
        let (key, indexes) = super::position::indexed(part)?;
        let mut value = at.get_mut(key)?;
        for index in indexes {
            match value.get_mut() {
                DeValue::Array(array) => value = array.get_mut(index)?,
                _ => return None,
            }
        }
        match value.get_mut() {
            DeValue::Table(table) => at = table,
            _ => return None,
        }
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn span_of(text: &str, value: &str) -> std::ops::Range<usize> {
        let at = text.find(value).unwrap_or_else(|| panic!("{value}"));
        at..at + value.len()
    }

    #[test]
    fn a_value_on_its_keys_line_is_replaced_keeping_every_line() {
        let text = "[store]\nretention_days = \"90\" # days\npath = \"x\"\n";
        let replaced = replace_value(text, span_of(text, "\"90\""), "retention_days", Some("0"));
        assert_eq!(
            replaced.unwrap(),
            "[store]\nretention_days = 0\npath = \"x\"\n"
        );
        let blanked = replace_value(text, span_of(text, "\"90\""), "retention_days", None);
        assert_eq!(blanked.unwrap(), "[store]\n\npath = \"x\"\n");
        let quoted = "  \"gather_ms\" = true\n";
        let replaced = replace_value(quoted, span_of(quoted, "true"), "gather_ms", Some("0"));
        assert_eq!(replaced.unwrap(), "\"gather_ms\" = 0\n");
        let multi = "tx_codes = [\n  1,\n]\nlive = 1\n";
        let replaced = replace_value(multi, span_of(multi, "[\n  1,\n]"), "tx_codes", Some("[]"));
        assert_eq!(replaced.unwrap(), "tx_codes = []\n\n\nlive = 1\n");
    }

    #[test]
    fn a_value_sharing_its_line_with_others_is_left_alone() {
        let text = "tx_codes = [1, \"LNS0001\"]\n";
        assert_eq!(
            replace_value(text, span_of(text, "1"), "tx_codes[0]", Some("\"\"")),
            None
        );
        let inline = "tolerance = [{ path = \"a\", absolute = 0.01 }]\n";
        let span = span_of(inline, "0.01");
        assert_eq!(replace_value(inline, span, "absolute", Some("\"\"")), None);
        let other = "live = 5\n";
        assert_eq!(
            replace_value(other, span_of(other, "5"), "shadow", None),
            None
        );
    }

    #[test]
    fn a_stand_in_has_the_type_serde_expected() {
        let said = |m: &str| stand_in(m);
        assert_eq!(
            said("invalid type: string \"90\", expected u32").as_deref(),
            Some("0")
        );
        assert_eq!(
            said("invalid value: integer `-1`, expected usize").as_deref(),
            Some("0")
        );
        assert_eq!(
            said("invalid type: integer `1`, expected a boolean").as_deref(),
            Some("false")
        );
        assert_eq!(
            said("invalid type: string \"LNS0001\", expected a sequence").as_deref(),
            Some("[]")
        );
        assert_eq!(
            said("invalid type: integer `5`, expected struct StoreConfig").as_deref(),
            Some("{}")
        );
        assert_eq!(
            said("unknown variant `realtime`, expected one of `normal`, `idle`, `batch`")
                .as_deref(),
            Some("\"normal\"")
        );
        assert_eq!(said("missing field `layout`"), None);
        assert_eq!(said("invalid type: map, expected something odd"), None);
    }
}
