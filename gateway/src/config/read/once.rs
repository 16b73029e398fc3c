//! One reading of the file: the sections, or why serde stopped ([`Failure`]), said in the
//! README's words at the key and line it is about, and every unknown key found on the way.

use toml::de::DeTable;

use super::reading::Added;
use super::{is_below, join};
use crate::config::problem::{Found, Problem};
use crate::config::{position, ranges, raw, stand_in, suggest, wrong_type};

/// Why one reading of the file stopped.
pub(super) struct Failure {
    /// The problem, at its key and line.
    pub(super) problem: Problem,
    /// The key path and the span of the value of the wrong type that stopped it, if one did:
    /// replaced for the next reading.
    pub(super) value: Option<(String, std::ops::Range<usize>)>,
    /// serde's message (``missing field `layout` ``).
    pub(super) message: String,
    /// The key path it is at (`strategies.loan`).
    pub(super) key: String,
    /// The table and name of an unknown key its section refuses itself: left out of the next
    /// reading.
    pub(super) refused: Option<(String, String)>,
    /// A TOML syntax error.
    pub(super) syntax: bool,
    /// Where serde says it is (for a missing key: its table).
    pub(super) span: Option<std::ops::Range<usize>>,
    /// Line and column in the file, to report the readings' problems in the file's order (serde
    /// reads a table's keys in the order of their names).
    pub(super) at: Option<(usize, usize)>,
}

impl Failure {
    /// Whether it is at `replaced` (a full key path) or below it: the key again, or a key
    /// missing in its stand-in (`{}` for a table), or the key itself read as missing.
    pub(super) fn is_under(&self, replaced: &str) -> bool {
        let below = |key: &str| is_below(key, replaced);
        let missing = missing_field(&self.message).map(|field| join(&self.key, field));
        below(&self.key) || missing.is_some_and(|key| below(&key))
    }
}

/// One reading of `reading` (the file's text, some values replaced) with the stand-ins `added`
/// and without the refused unknown keys `removed`:
/// the sections, or why it stopped; every unknown key found is added to `unknown` once.
pub(super) fn read_once(
    reading: &str,
    added: &[Added],
    removed: &[(String, String)],
    unknown: &mut Vec<Problem>,
) -> Result<raw::ConfigFile, Box<Failure>> {
    let mut root = DeTable::parse(reading).map_err(|e| {
        Box::new(Failure {
            problem: toml_problem(reading, &e),
            value: None,
            message: String::new(),
            key: String::new(),
            refused: None,
            syntax: true,
            span: None,
            at: position(reading, &e),
        })
    })?;
    // Each stand-in's value parsed from its own text, which lives as long as this reading.
    let values: Vec<String> = added.iter().map(|a| format!("v = {}", a.value)).collect();
    for (stand_in, value) in added.iter().zip(&values) {
        let value = DeTable::parse(value)
            .ok()
            .and_then(|mut t| t.get_mut().remove("v"));
        if let Some(value) = value {
            let value = toml::Spanned::new(stand_in.span.clone(), value.into_inner());
            // One that cannot be added (a name with a dot in quotes) is missing again, and the
            // reading stops there.
            stand_in::add(root.get_mut(), &stand_in.table, &stand_in.name, value);
        }
    }
    for (table, name) in removed {
        stand_in::remove(root.get_mut(), table, name);
    }
    let document = toml::Deserializer::from(root);
    // serde's deny_unknown_fields stops at the first unknown key; this reports every one.
    let mut on_unknown = |at: serde_ignored::Path<'_>| {
        let name = match &at {
            serde_ignored::Path::Map { key, .. } => key.as_str(),
            _ => "",
        };
        let problem = Problem::error(key_path(&at), unknown_key_expected(name), Found::text(name));
        // A later reading (after a value of the wrong type) meets the same keys again.
        if !unknown.contains(&problem) {
            unknown.push(problem);
        }
    };
    let ignored = serde_ignored::Deserializer::new(document, &mut on_unknown);
    // A value of the wrong type or variant is named by its key path, not only its line.
    let parsed: Result<raw::ConfigFile, _> = serde_path_to_error::deserialize(ignored);
    let e = match parsed {
        Ok(file) => return Ok(file),
        Err(e) => e,
    };
    let key = e.path().to_string();
    let message = e.inner().message().trim_end().to_owned();
    // Line numbers are the file's: a replaced value keeps its line, and the lines after it.
    let at = toml_problem(reading, e.inner()).key;
    let mut failure = Failure {
        problem: toml_problem(reading, e.inner()),
        value: None,
        message,
        key,
        refused: None,
        syntax: false,
        span: e.inner().span(),
        at: position(reading, e.inner()),
    };
    // A section that refuses unknown keys itself (the comparator's rules): the same problem as
    // any unknown key, at the key's own line (serde says its table's).
    if let Some(name) = refused_key(&failure.message) {
        failure.at = position::name_line_column_of(reading, &failure.key).or(failure.at);
        let where_ = match failure.at {
            Some(at) => position::at_position(&failure.key, at),
            None => failure.key.clone(),
        };
        failure.problem = Problem::error(where_, unknown_key_expected(name), Found::text(name));
        // serde_path_to_error names the key itself, or its table when it stopped at the name.
        let table = match failure.key.rsplit_once('.') {
            Some((table, last)) if last == name => table,
            _ if failure.key == name => "",
            _ => &failure.key,
        };
        failure.refused = Some((table.to_owned(), name.to_owned()));
        return Err(Box::new(failure));
    }
    // A required key that is missing: at its own key path, not its table's, and not as a
    // value of the wrong type (it has none).
    if let Some(field) = missing_field(&failure.message) {
        let key = join(&failure.key, field);
        let line = failure.at.map_or_else(String::new, |(line, _)| {
            format!(" (in the table at line {line})")
        });
        let where_ = format!("{key}{line}");
        failure.problem = Problem::error(where_, "a value (required)", Found::nothing());
        return Err(Box::new(failure));
    }
    if !failure.key.is_empty() && failure.key != "." {
        let (expected, found) =
            wrong_type::wrong_type(&failure.key, &failure.message, ranges::GATEWAY)
                .or_else(|| wrong_type::variant(&failure.message))
                .unwrap_or_else(|| {
                    let expected = "a value of the type and form this key takes (see the \
                                configuration table in the README)";
                    (expected.to_owned(), failure.message.clone())
                });
        let where_ = format!("{} ({at})", failure.key);
        failure.problem = Problem::error(where_, expected, Found::value(found));
        failure.value = e.inner().span().map(|span| (failure.key.clone(), span));
    }
    Err(Box::new(failure))
}

/// What an unknown key was expected to be, with the known key nearest to it, or the sections
/// that take it when it is a key of another section (`[shadow] confirm_mismatches`).
fn unknown_key_expected(name: &str) -> String {
    const README: &str = "see the configuration table in the README";
    if let Some(key) = suggest::did_you_mean(name) {
        return format!("a key this section knows (did you mean `{key}`? {README})");
    }
    match suggest::sections_of(name).as_slice() {
        [] => format!("a key this section knows ({README})"),
        sections => format!(
            "a key this section knows (`{name}` is a key of {}; {README})",
            sections.join(", ")
        ),
    }
}

/// The key of serde's missing-field error (``missing field `tx_codes` ``).
pub(super) fn missing_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split_once('`').map(|(name, _)| name)
}

/// The key of serde's `deny_unknown_fields` error (``unknown field `x`, expected …``).
fn refused_key(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split_once('`').map(|(name, _)| name)
}

/// A value of the wrong type or an unknown variant at `key` of a TOML file other than the
/// gateway's (a reconcile file), as the config check says it: `key (line L, column C): expected
/// a whole number (0 or more), found the string "5"`, ``expected one of `fixed`, `csv`, …, found
/// `cvs` ``, a key's own range looked up in `ranges` (a table of `ranges`); `None` for any other
/// error, which is shown as TOML says it.
pub(crate) fn wrong_type_text(
    text: &str,
    key: &str,
    error: &toml::de::Error,
    ranges: &[(&str, ranges::Range)],
) -> Option<String> {
    let message = error.message().trim_end();
    let (expected, found) =
        wrong_type::wrong_type(key, message, ranges).or_else(|| wrong_type::variant(message))?;
    let at = toml_problem(text, error).key;
    Some(format!("{key} ({at}): expected {expected}, found {found}"))
}

/// A syntax or type error of the file: one problem at its line and column.
fn toml_problem(text: &str, error: &toml::de::Error) -> Problem {
    let at = position(text, error).map_or_else(
        || "config file".to_owned(),
        |(line, column)| format!("line {line}, column {column}"),
    );
    Problem::error(
        at,
        "valid TOML for this config",
        Found::value(error.message().trim_end()),
    )
}

/// The line and column (from 1, in characters) where `error` is in `text`, if it says.
fn position(text: &str, error: &toml::de::Error) -> Option<(usize, usize)> {
    let span = error.span()?;
    Some(position::line_column(text, span.start))
}

/// `listeners.mci[0].adress` for the path `serde_ignored` reports.
fn key_path(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", key_path(parent)),
        Path::Map { parent, key } => match key_path(parent) {
            parent if parent.is_empty() => key.clone(),
            parent => format!("{parent}.{key}"),
        },
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => key_path(parent),
    }
}
