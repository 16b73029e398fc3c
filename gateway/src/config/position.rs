//! Where a key path is in the file's text, for a problem found after reading: a comparison
//! rule's, which the comparator finds without the file (`strategies.loan.rules.tolerance[0]
//! .absolute (line 41, column 24)`), a range's, an address's ([`locate`]), and an unknown key's,
//! which `serde_ignored` names by its path alone, at its name ([`name_line_column_of`]). The
//! other problems found while reading carry serde's position ([`super::read`]); all say it the
//! same way.

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::problem::Problem;

/// `key (line L, column C)` for the value at `key` in `text` (`strategies.loan.rules.ignore[1]`:
/// where the rule's value starts), or `key` alone when the text has no such key (a name
/// written with dots in quotes). The reconcile file's `[rules]` are located the same way.
pub(crate) fn located(text: &str, key: &str) -> String {
    match DeTable::parse(text) {
        Ok(root) => at_line(text, root.get_ref(), key),
        Err(_) => key.to_owned(),
    }
}

/// `problems`, each at the line of its key when the key path is in `text` (a range, an address,
/// a rule path), as [`located`] says it, and a missing key (an http engine's `url`) at the line
/// of its table, as a missing key found while reading is; a problem located already, or at no
/// key of the file (`listeners`, a machine's), as it is. The reconcile file's rule warnings are
/// located the same way.
pub(crate) fn locate(text: &str, problems: Vec<Problem>) -> Vec<Problem> {
    let Ok(root) = DeTable::parse(text) else {
        return problems;
    };
    let locate = |problem: Problem| {
        let key = match (problem.is_located(), &problem.found) {
            (true, _) => return problem,
            (false, None) => in_table(text, root.get_ref(), &problem.key),
            (false, Some(_)) => None,
        };
        Problem {
            key: key.unwrap_or_else(|| at_line(text, root.get_ref(), &problem.key)),
            ..problem
        }
    };
    problems.into_iter().map(locate).collect()
}

/// `problems` in the file's order: those at a place in the file by line and column (a missing
/// key at its table's line first), then the others (a machine's, an unreadable file) as they
/// came. check-config, `run` and a reload say them alike.
pub(crate) fn in_file_order(mut problems: Vec<Problem>) -> Vec<Problem> {
    problems.sort_by_key(|problem| match problem.position() {
        Some((line, column)) => (false, line, column.unwrap_or(0)),
        None => (true, 0, 0),
    });
    problems
}

/// The line and column where the name of `key` starts in `text`, when the text has the key: for
/// an unknown key, which `serde_ignored` reports by its path alone. The name is what is wrong, so
/// it is placed there: `adress` in `adress = "…"`, `sectoin` inside the brackets of `[sectoin]`
/// or `[strategies.loan.sectoin]`. A key path ending in an index (`ignore[0]`) names no key:
/// where the element starts.
pub(super) fn name_line_column_of(text: &str, key: &str) -> Option<(usize, usize)> {
    let root = DeTable::parse(text).ok()?;
    let (name, value) = spans_of(root.get_ref(), key)?;
    let at = match key.ends_with(']') {
        true => value.start,
        false => name.start,
    };
    Some(line_column(text, at))
}

/// `key (line L, column C)`: how every problem says where its key is.
pub(super) fn at_position(key: &str, (line, column): (usize, usize)) -> String {
    format!("{key} (line {line}, column {column})")
}

/// [`located`] in the parsed `root` of `text`.
fn at_line(text: &str, root: &DeTable<'_>, key: &str) -> String {
    match span_of(root, key) {
        Some(span) => at_position(key, line_column(text, span.start)),
        None => key.to_owned(),
    }
}

/// `key (in the table at line L)` for a `key` the text does not have whose table it has: the
/// line of the table's name (its `[header]`), or where an inline table in an array starts.
fn in_table(text: &str, root: &DeTable<'_>, key: &str) -> Option<String> {
    if span_of(root, key).is_some() {
        return None;
    }
    let (table, _) = key.rsplit_once('.')?;
    let (name, value) = entry_of(root, table)?;
    value.get_ref().as_table()?;
    let at = match table.ends_with(']') {
        true => value.span().start,
        false => name.start,
    };
    let (line, _) = line_column(text, at);
    Some(format!("{key} (in the table at line {line})"))
}

/// The line and column (from 1, in characters) of byte `at` of `text`.
pub(super) fn line_column(text: &str, at: usize) -> (usize, usize) {
    let before = text.get(..at.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The span of the value at `key` (names joined by `.`, each with its `[index]`es).
fn span_of(root: &DeTable<'_>, key: &str) -> Option<Range<usize>> {
    spans_of(root, key).map(|(_, value)| value)
}

/// The spans of the last name of `key` (`ignore` of `rules.ignore[0]`; in a table's header for
/// a table) and of the value at `key`.
fn spans_of(root: &DeTable<'_>, key: &str) -> Option<(Range<usize>, Range<usize>)> {
    entry_of(root, key).map(|(name, value)| (name, value.span()))
}

/// The span of the last name of `key` and the value at `key`.
fn entry_of<'a, 't>(
    root: &'a DeTable<'t>,
    key: &str,
) -> Option<(Range<usize>, &'a Spanned<DeValue<'t>>)> {
    let mut at: Option<(Range<usize>, &Spanned<DeValue<'_>>)> = None;
    for part in key.split('.') {
        let (name, indexes) = indexed(part)?;
        let table = match &at {
            None => root,
            Some((_, value)) => value.get_ref().as_table()?,
        };
        let (name, mut value) = (table.iter()).find(|(k, _)| k.get_ref() == name)?;
        for index in indexes {
            value = value.get_ref().as_array()?.get(index)?;
        }
        at = Some((name.span(), value));
    }
    at
}

/// `tolerance[0]` as `tolerance` and `[0]`; `None` for an index that is not a number.
pub(super) fn indexed(part: &str) -> Option<(&str, Vec<usize>)> {
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
    fn an_unknown_key_is_placed_at_its_name_and_a_section_at_its_name_in_the_brackets() {
        let text = "[strategies.loan]\n  layut = \"loan\"\nrules.ignre = []\n\
                    ignore = [{ path = \"body.a\", ownr = \"t\" }]\n\n[sectoin]\nx = 1\n\n\
                    [strategies.loan.rulez]\n\n[[listeners.mcii]]\n";
        let at = |key| name_line_column_of(text, key);
        assert_eq!(at("strategies.loan.layut"), Some((2, 3)));
        assert_eq!(at("strategies.loan.rules.ignre"), Some((3, 7)));
        assert_eq!(at("strategies.loan.ignore[0].ownr"), Some((4, 30)));
        assert_eq!(at("sectoin"), Some((6, 2)));
        assert_eq!(at("strategies.loan.rulez"), Some((9, 18)));
        assert_eq!(at("listeners.mcii"), Some((11, 13)));
        // An element has no name: where it starts.
        assert_eq!(at("strategies.loan.ignore[0]"), Some((4, 11)));
        assert_eq!(at("strategies.loan.nope"), None);
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
