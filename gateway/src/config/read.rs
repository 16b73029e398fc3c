//! Reading the file into its sections as declared: TOML syntax, every value of the wrong type
//! and every unknown key, each with its key path and line, and every missing required key at its
//! own key path. serde stops at the first value it cannot read, so the file is read again after
//! each one with a stand-in for it (`stand_in`): a value of its type in place of a value of the
//! wrong type, or added for a missing key. A file read with stand-ins is checked further like any
//! other, and what is found at a stood-in key is not the file's ([`ReadFile::stood_in`]).

use std::path::Path;

use toml::de::DeTable;

use super::problem::{Found, Problem};
use super::{raw, suggest, wrong_type};

/// A file read into its sections.
pub(super) struct ReadFile {
    /// The sections as declared, with a stand-in at each key in `stood_in`.
    pub(super) file: raw::ConfigFile,
    /// Every unknown key, every value of the wrong type and every missing required key, an error
    /// each.
    pub(super) unknown: Vec<Problem>,
    /// The key paths holding a stand-in: a later check's problem at one of them (or under it) is
    /// about the stand-in, not the file ([`ReadFile::of_the_file`]).
    pub(super) stood_in: Vec<String>,
    /// The SHA-256 of the bytes read.
    pub(super) sha256: String,
    /// The text read, where the checks after reading find a key's line ([`super::position`]).
    pub(super) text: String,
}

impl ReadFile {
    /// `problems` found by the checks after reading, without those at a stood-in key or under
    /// it (`strategies.loan.live` holding `""` for a missing `live` is not an undeclared engine).
    pub(super) fn of_the_file(
        stood_in: &[String],
        problems: impl IntoIterator<Item = Problem>,
    ) -> Vec<Problem> {
        let stood = |problem: &Problem| stood_in.iter().any(|at| is_below(problem.key_path(), at));
        problems.into_iter().filter(|p| !stood(p)).collect()
    }
}

/// The file's sections as declared (with stand-ins), every unknown key, value of the wrong type
/// and missing required key (an error each), the SHA-256 of the bytes read and their text; or the
/// problems that stop reading (unreadable file, TOML syntax, or a value no stand-in can replace),
/// after the others found.
pub(super) fn read(path: &Path) -> Result<ReadFile, Vec<Problem>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![Problem::error(
            "config file",
            "a readable file",
            Found::because(path, e),
        )]
    })?;
    // Hashed from the very bytes parsed, so a file changed meanwhile cannot be named instead.
    let sha256 = crate::cutover::sha256_hex(text.as_bytes());
    let mut unknown = Vec::new();
    let mut reading = Reading::new(text.clone());
    for _ in 0..MAX_TYPE_PROBLEMS {
        match read_once(&reading.text, &reading.added, &mut unknown) {
            // A variant stood in for: what the rest of its table means depends on it (an
            // engine's `protocol` decides which keys it needs), so the checks stop here.
            Ok(_) if reading.variant => break,
            Ok(file) => {
                let stood_in = std::mem::take(&mut reading.replaced);
                return Ok(ReadFile {
                    file,
                    unknown: reading.problems(&text, unknown),
                    stood_in,
                    sha256,
                    text,
                });
            }
            Err(failure) => {
                if !reading.stand_in(*failure) {
                    break;
                }
            }
        }
    }
    Err(reading.problems(&text, unknown))
}

/// The readings of one file so far: its text with the values of the wrong type replaced, the
/// stand-ins added, and the problems found.
struct Reading {
    /// The text read again after each value of the wrong type, with a stand-in for it.
    text: String,
    /// The stand-ins added for missing keys.
    added: Vec<Added>,
    /// The key paths of both: a key missing under one of them is not the file's.
    replaced: Vec<String>,
    /// Whether a stand-in is a variant (an enum's value).
    variant: bool,
    /// Each value of the wrong type and missing key, with where it is in the file.
    refused: Vec<(Option<(usize, usize)>, Problem)>,
}

impl Reading {
    /// The first reading of `text`.
    fn new(text: String) -> Reading {
        Reading {
            text,
            added: Vec::new(),
            replaced: Vec::new(),
            variant: false,
            refused: Vec::new(),
        }
    }

    /// The unknown keys `unknown`, each at its line in `text` (the file as read: `serde_ignored`
    /// names a key by its path alone), with the values of the wrong type and missing keys, all in
    /// the file's order.
    fn problems(mut self, text: &str, unknown: Vec<Problem>) -> Vec<Problem> {
        let located = unknown.into_iter().map(|problem| {
            let at = super::position::line_column_of(text, &problem.key);
            let key = match at {
                Some(at) => super::position::at_position(&problem.key, at),
                None => problem.key.clone(),
            };
            (at, Problem { key, ..problem })
        });
        self.refused.extend(located);
        self.refused.sort_by_key(|(at, _)| *at);
        self.refused
            .into_iter()
            .map(|(_, problem)| problem)
            .collect()
    }

    /// Notes `failure` and stands in for its value or key, or says (`false`) that the reading
    /// stops here.
    fn stand_in(&mut self, failure: Failure) -> bool {
        // A stand-in added for a missing key, of the wrong type itself: once more, of the type
        // serde said.
        let retype = missing_field(&failure.message).is_none();
        if let Some(added) = (self.added.iter_mut()).find(|a| retype && a.key() == failure.key) {
            let Some(value) = super::stand_in::stand_in(&failure.message) else {
                return false;
            };
            if added.retyped {
                return false;
            }
            self.variant |= is_variant(&failure.message);
            added.value = value;
            added.retyped = true;
            return true;
        }
        let ours = self.replaced.iter().any(|key| failure.is_under(key));
        if let Some(field) = missing_field(&failure.message) {
            let field = field.to_owned();
            return self.add(failure, field, ours);
        }
        // Ours, not the file's: a replaced key again, or the syntax of a rewritten line.
        if ours || (failure.syntax && !self.replaced.is_empty()) {
            return false;
        }
        self.variant |= is_variant(&failure.message);
        let next = failure.value.as_ref().and_then(|(key, span)| {
            let last = key.rsplit('.').next().unwrap_or(key);
            let stand_in = super::stand_in::stand_in(&failure.message);
            super::stand_in::replace_value(&self.text, span.clone(), last, stand_in.as_deref())
        });
        self.refused.push((failure.at, failure.problem));
        match (next, failure.value) {
            (Some(next), Some((key, _))) => {
                self.replaced.push(key);
                self.text = next;
                true
            }
            _ => false,
        }
    }

    /// A required key `field` missing from the table `failure` is at: the file's unless under
    /// a stand-in (`ours`); either way a stand-in is added for it so the reading goes on, and a
    /// key once added and missing again stops it.
    fn add(&mut self, failure: Failure, field: String, ours: bool) -> bool {
        let key = join(&failure.key, &field);
        if self.added.iter().any(|a| a.key() == key) {
            return false;
        }
        if !ours {
            self.refused.push((failure.at, failure.problem));
        }
        self.added.push(Added {
            table: failure.key,
            name: field,
            value: "\"\"".to_owned(),
            span: failure.span.unwrap_or_default(),
            retyped: false,
        });
        self.replaced.push(key);
        true
    }
}

/// A stand-in added for a missing required key.
struct Added {
    /// The key path of its table (`strategies.loan`, `listeners.mci[0]`; empty for the root).
    table: String,
    /// The missing key's name.
    name: String,
    /// The stand-in, as TOML (`""` first; a value of serde's type if that is not it).
    value: String,
    /// Where its table is in the file: any error about the stand-in is at its table.
    span: std::ops::Range<usize>,
    /// Whether `value` was replaced by serde's type once already.
    retyped: bool,
}

impl Added {
    /// Its full key path.
    fn key(&self) -> String {
        join(&self.table, &self.name)
    }
}

/// `field` under the table at `table` (`strategies.loan` and `live`; the root is empty or `.`).
fn join(table: &str, field: &str) -> String {
    match table {
        "" | "." => field.to_owned(),
        table => format!("{table}.{field}"),
    }
}

/// Whether serde's `message` is about a variant (an enum's value, `unknown variant `x`, …`).
fn is_variant(message: &str) -> bool {
    message.starts_with("unknown variant `")
}

/// Whether key path `key` is `at` or below it (`at.x`, `at[0]`).
fn is_below(key: &str, at: &str) -> bool {
    key == at
        || key
            .strip_prefix(at)
            .is_some_and(|rest| rest.starts_with(['.', '[']))
}

/// Values of the wrong type reported at most in one reading of a file (each one is a reading).
const MAX_TYPE_PROBLEMS: usize = 32;

/// Why one reading of the file stopped.
struct Failure {
    /// The problem, at its key and line.
    problem: Problem,
    /// The key path and the span of the value of the wrong type that stopped it, if one did:
    /// replaced for the next reading.
    value: Option<(String, std::ops::Range<usize>)>,
    /// serde's message (``missing field `layout` ``).
    message: String,
    /// The key path it is at (`strategies.loan`).
    key: String,
    /// A TOML syntax error.
    syntax: bool,
    /// Where serde says it is (for a missing key: its table).
    span: Option<std::ops::Range<usize>>,
    /// Line and column in the file, to report the readings' problems in the file's order (serde
    /// reads a table's keys in the order of their names).
    at: Option<(usize, usize)>,
}

impl Failure {
    /// Whether it is at `replaced` (a full key path) or below it: the key again, or a key
    /// missing in its stand-in (`{}` for a table), or the key itself read as missing.
    fn is_under(&self, replaced: &str) -> bool {
        let below = |key: &str| is_below(key, replaced);
        let missing = missing_field(&self.message).map(|field| join(&self.key, field));
        below(&self.key) || missing.is_some_and(|key| below(&key))
    }
}

/// One reading of `reading` (the file's text, some values replaced) with the stand-ins `added`:
/// the sections, or why it stopped; every unknown key found is added to `unknown` once.
fn read_once(
    reading: &str,
    added: &[Added],
    unknown: &mut Vec<Problem>,
) -> Result<raw::ConfigFile, Box<Failure>> {
    let mut root = DeTable::parse(reading).map_err(|e| {
        Box::new(Failure {
            problem: toml_problem(reading, &e),
            value: None,
            message: String::new(),
            key: String::new(),
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
            super::stand_in::add(root.get_mut(), &stand_in.table, &stand_in.name, value);
        }
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
        syntax: false,
        span: e.inner().span(),
        at: position(reading, e.inner()),
    };
    // A section that refuses unknown keys itself (the comparator's rules): the same problem as
    // any unknown key, at the key's own line (serde says its table's).
    if let Some(name) = refused_key(&failure.message) {
        failure.at = super::position::line_column_of(reading, &failure.key).or(failure.at);
        let where_ = match failure.at {
            Some(at) => super::position::at_position(&failure.key, at),
            None => failure.key.clone(),
        };
        failure.problem = Problem::error(where_, unknown_key_expected(name), Found::text(name));
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
            wrong_type::wrong_type(&failure.key, &failure.message, super::ranges::GATEWAY)
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
fn missing_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split_once('`').map(|(name, _)| name)
}

/// The key of serde's `deny_unknown_fields` error (``unknown field `x`, expected …``).
fn refused_key(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split_once('`').map(|(name, _)| name)
}

/// A value of the wrong type at `key` of a TOML file other than the gateway's (a reconcile file),
/// as the config check says it: `key (line L, column C): expected a whole number (0 or more),
/// found the string "5"`, a key's own range looked up in `ranges` (a table of `ranges`); `None`
/// for any other error, which is shown as TOML says it.
pub(crate) fn wrong_type_text(
    text: &str,
    key: &str,
    error: &toml::de::Error,
    ranges: &[(&str, super::ranges::Range)],
) -> Option<String> {
    let (expected, found) = wrong_type::wrong_type(key, error.message().trim_end(), ranges)?;
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
    Some(super::position::line_column(text, span.start))
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
