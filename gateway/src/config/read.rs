//! Reading the file into its sections as declared: TOML syntax, every value of the wrong type
//! and every unknown key, each with its key path and line, and a missing required key at its own
//! key path. serde stops at the first value it
//! cannot read, so the file is read again after each one with a stand-in for it (`stand_in`).

use std::path::Path;

use super::problem::{Found, Problem};
use super::{raw, suggest, wrong_type};

/// A file read into its sections.
pub(super) struct ReadFile {
    /// The sections as declared.
    pub(super) file: raw::ConfigFile,
    /// Every unknown key, an error each.
    pub(super) unknown: Vec<Problem>,
    /// The SHA-256 of the bytes read.
    pub(super) sha256: String,
    /// The text read, where the checks after reading find a key's line ([`super::position`]).
    pub(super) text: String,
}

/// The file's sections as declared, every unknown key (an error each), the SHA-256 of the bytes
/// read and their text; or the problems that stop reading (unreadable file, TOML syntax, or
/// every value of the wrong type), after the unknown keys found.
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
    let mut refused = Vec::new();
    // The text read again after each value of the wrong type, with a stand-in for it
    // (`stand_in`), and the key paths replaced: a key missing under one of them is not the
    // file's.
    let mut reading = text.clone();
    let mut replaced: Vec<String> = Vec::new();
    for _ in 0..MAX_TYPE_PROBLEMS {
        let failure = match read_once(&reading, &mut unknown) {
            Ok(file) if refused.is_empty() => {
                return Ok(ReadFile {
                    file,
                    unknown,
                    sha256,
                    text,
                })
            }
            Ok(_) => break,
            Err(failure) => *failure,
        };
        // Ours, not the file's: a key missing under a replaced one, a replaced one again, or
        // the syntax of a rewritten line.
        let ours = replaced.iter().any(|key| failure.is_under(key))
            || (failure.syntax && !replaced.is_empty());
        if ours {
            break;
        }
        let next = failure.value.as_ref().and_then(|(key, span)| {
            let last = key.rsplit('.').next().unwrap_or(key);
            let stand_in = super::stand_in::stand_in(&failure.message);
            super::stand_in::replace_value(&reading, span.clone(), last, stand_in.as_deref())
        });
        refused.push((failure.at, failure.problem));
        match (next, failure.value) {
            (Some(next), Some((key, _))) => {
                replaced.push(key);
                reading = next;
            }
            _ => break,
        }
    }
    refused.sort_by_key(|(at, _)| *at);
    unknown.extend(refused.into_iter().map(|(_, problem)| problem));
    Err(unknown)
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
    /// Line and column in the file, to report the readings' problems in the file's order (serde
    /// reads a table's keys in the order of their names).
    at: Option<(usize, usize)>,
}

impl Failure {
    /// Whether it is at `replaced` (a full key path) or below it: the key again, or a key
    /// missing in its stand-in (`{}` for a table), or the key itself read as missing.
    fn is_under(&self, replaced: &str) -> bool {
        let below = |key: &str| {
            key == replaced
                || key
                    .strip_prefix(replaced)
                    .is_some_and(|rest| rest.starts_with(['.', '[']))
        };
        let missing = missing_field(&self.message).map(|field| match self.key.as_str() {
            "" | "." => field.to_owned(),
            parent => format!("{parent}.{field}"),
        });
        below(&self.key) || missing.is_some_and(|key| below(&key))
    }
}

/// One reading of `reading` (the file's text, some values replaced): the sections, or why it
/// stopped; every unknown key found is added to `unknown` once.
fn read_once(reading: &str, unknown: &mut Vec<Problem>) -> Result<raw::ConfigFile, Box<Failure>> {
    let document = toml::Deserializer::parse(reading).map_err(|e| {
        Box::new(Failure {
            problem: toml_problem(reading, &e),
            value: None,
            message: String::new(),
            key: String::new(),
            syntax: true,
            at: position(reading, &e),
        })
    })?;
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
        at: position(reading, e.inner()),
    };
    // A section that refuses unknown keys itself (the comparator's rules): the same problem as
    // any unknown key, with its line.
    if let Some(name) = refused_key(&failure.message) {
        let where_ = format!("{} ({at})", failure.key);
        failure.problem = Problem::error(where_, unknown_key_expected(name), Found::text(name));
        return Err(Box::new(failure));
    }
    // A required key that is missing: at its own key path, not its table's, and not as a
    // value of the wrong type (it has none).
    if let Some(field) = missing_field(&failure.message) {
        let key = match failure.key.as_str() {
            "" | "." => field.to_owned(),
            table => format!("{table}.{field}"),
        };
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
