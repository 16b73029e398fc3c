//! Where a key path is in the file's text, for a problem found after reading: a comparison
//! rule's, which the comparator finds without the file (`strategies.loan.rules.tolerance[0]
//! .absolute (line 41, column 24)`). Problems found while reading carry serde's position
//! ([`super::read`]); both say it the same way.

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// `key (line L, column C)` for the value at `key` in `text` (`strategies.loan.rules.ignore[1]`:
/// where the rule's value starts), or `key` alone when the text has no such key (a name
/// written with dots in quotes). The reconcile file's `[rules]` are located the same way.
pub(crate) fn located(text: &str, key: &str) -> String {
    match span_of(text, key) {
        Some(span) => {
            let (line, column) = line_column(text, span.start);
            format!("{key} (line {line}, column {column})")
        }
        None => key.to_owned(),
    }
}

/// The line and column (from 1, in characters) of byte `at` of `text`.
pub(super) fn line_column(text: &str, at: usize) -> (usize, usize) {
    let before = text.get(..at.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The span of the value at `key` (names joined by `.`, each with its `[index]`es).
fn span_of(text: &str, key: &str) -> Option<Range<usize>> {
    let root = DeTable::parse(text).ok()?;
    let mut value: Option<&Spanned<DeValue<'_>>> = None;
    for part in key.split('.') {
        let (name, indexes) = indexed(part)?;
        let table = match value {
            None => root.get_ref(),
            Some(value) => value.get_ref().as_table()?,
        };
        let mut at = (table.iter())
            .find(|(k, _)| k.get_ref() == name)
            .map(|(_, v)| v)?;
        for index in indexes {
            at = at.get_ref().as_array()?.get(index)?;
        }
        value = Some(at);
    }
    value.map(Spanned::span)
}

/// `tolerance[0]` as `tolerance` and `[0]`; `None` for an index that is not a number.
fn indexed(part: &str) -> Option<(&str, Vec<usize>)> {
    let (name, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
    let mut indexes = Vec::new();
    while let Some(inner) = rest.strip_prefix('[') {
        let (index, after) = inner.split_once(']')?;
        indexes.push(index.parse().ok()?);
        rest = after;
    }
    rest.is_empty().then_some((name, indexes))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "[strategies.loan]\nlayout = \"loan\"\n\n[strategies.loan.rules]\n\
                        ignore = [\"body.a\", { path = \"body.b\" }]\n\
                        severity = { minor = [\"body.c\"] }\n\n\
                        [[strategies.loan.rules.tolerance]]\npath = \"body.rate\"\n\
                        absolute = \"-1\"\n";

    #[test]
    fn a_key_path_is_found_through_tables_arrays_and_inline_tables() {
        assert_eq!(
            located(TEXT, "strategies.loan.rules.ignore[1]"),
            "strategies.loan.rules.ignore[1] (line 5, column 21)"
        );
        assert_eq!(
            located(TEXT, "strategies.loan.rules.severity.minor[0]"),
            "strategies.loan.rules.severity.minor[0] (line 6, column 23)"
        );
        // A rule written as its own table: where its table starts.
        assert_eq!(
            located(TEXT, "strategies.loan.rules.tolerance[0]"),
            "strategies.loan.rules.tolerance[0] (line 8, column 1)"
        );
        assert_eq!(
            located(TEXT, "strategies.loan.rules.tolerance[0].absolute"),
            "strategies.loan.rules.tolerance[0].absolute (line 10, column 12)"
        );
    }

    #[test]
    fn a_key_the_text_does_not_have_is_shown_alone() {
        for key in [
            "strategies.loan.rules.ignore[2]",
            "strategies.other.rules",
            "strategies.loan.layout.x",
            "strategies.loan.rules.ignore[x]",
        ] {
            assert_eq!(located(TEXT, key), key);
        }
    }
}
