//! Reading the file into its sections as declared: TOML syntax, every value of the wrong type
//! and every unknown key, each with its key path and line, and every missing required key at its
//! own key path. serde stops at the first value it cannot read, so the file is read again after
//! each one with a stand-in for it (`stand_in`): a value of its type in place of a value of the
//! wrong type (in the parsed document for a key of an inline table), or added for a missing key;
//! an unknown key a section refuses itself (the comparator's rules, in an inline table too) is
//! left out. A file read with stand-ins is checked further like any other, and what is found at a
//! stood-in key, or in a table whose variant was stood in for (a key said missing in a strategy
//! using an engine whose `protocol` was stood in for too), is not the file's
//! ([`ReadFile::of_the_file`]).
//!
//! # Layout
//! - `reading`: the readings of one file so far (`Reading`): the text with its values of the
//!   wrong type replaced, the stand-ins added for missing keys, the problems found.
//! - `once`: one reading, and why it stopped (`Failure`) in the README's words.

mod once;
mod reading;

use std::path::Path;

use super::problem::{Found, Problem};
use super::raw;
use once::read_once;
pub(crate) use once::wrong_type_text;
use reading::Reading;

/// A file read into its sections.
pub(super) struct ReadFile {
    /// The sections as declared, with a stand-in at each key in `stood_in`.
    pub(super) file: raw::ConfigFile,
    /// Every unknown key, every value of the wrong type and every missing required key, an error
    /// each.
    pub(super) unknown: Vec<Problem>,
    /// The key paths holding a stand-in: a later check's problem at one of them (or under it) is
    /// about the stand-in, not the file ([`ReadFile::of_the_file`]).
    pub(super) stood_in: StoodIn,
    /// The SHA-256 of the bytes read.
    pub(super) sha256: String,
    /// The text read, where the checks after reading find a key's line ([`super::position`]).
    pub(super) text: String,
}

/// Where the file read holds a stand-in.
pub(super) struct StoodIn {
    /// The key paths holding a stand-in.
    keys: Vec<String>,
    /// The tables holding a variant stood in for (an enum's value, `engines.new.protocol`).
    variant_tables: Vec<String>,
    /// The strategies whose live or shadow engine's `protocol` was stood in for: whether they
    /// need a `path` depends on it.
    dependent_tables: Vec<String>,
}

impl StoodIn {
    /// The stand-ins of a reading, `keys` and `variant_tables`, in `file` as read.
    fn new(file: &raw::ConfigFile, keys: Vec<String>, variant_tables: Vec<String>) -> StoodIn {
        let stood = |engine: &str| {
            (variant_tables.iter()).any(|table| table.strip_prefix("engines.") == Some(engine))
        };
        let dependent_tables = (file.strategies.iter())
            .filter(|(_, s)| stood(&s.live) || s.shadow.as_deref().is_some_and(stood))
            .map(|(name, _)| format!("strategies.{name}"))
            .collect();
        StoodIn {
            keys,
            variant_tables,
            dependent_tables,
        }
    }
}

impl ReadFile {
    /// `problems` found by the checks after reading, without those at a stood-in key or under
    /// it (`strategies.loan.live` holding `""` for a missing `live` is not an undeclared engine).
    /// After a variant stood in for, what the rest of its table means depends on it (an engine's
    /// `protocol` decides which keys it needs), so no problem in its table is the file's; nor a
    /// key said to be missing in a strategy using that engine (an http live engine's `path`). A
    /// key missing anywhere else is the file's: the stand-in cannot have made it so.
    pub(super) fn of_the_file(
        stood_in: &StoodIn,
        problems: impl IntoIterator<Item = Problem>,
    ) -> Vec<Problem> {
        let below =
            |at: &[String], problem: &Problem| at.iter().any(|at| is_below(problem.key_path(), at));
        let stood = |problem: &Problem| {
            below(&stood_in.keys, problem)
                || below(&stood_in.variant_tables, problem)
                || (problem.found.is_none() && below(&stood_in.dependent_tables, problem))
        };
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
        match read_once(
            &reading.text,
            &reading.added,
            &reading.removed,
            &mut unknown,
        ) {
            Ok(file) => {
                let stood_in = StoodIn::new(
                    &file,
                    std::mem::take(&mut reading.replaced),
                    std::mem::take(&mut reading.variant_tables),
                );
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

/// Values of the wrong type reported at most in one reading of a file (each one is a reading).
const MAX_TYPE_PROBLEMS: usize = 32;

/// `field` under the table at `table` (`strategies.loan` and `live`; the root is empty or `.`).
fn join(table: &str, field: &str) -> String {
    match table {
        "" | "." => field.to_owned(),
        table => format!("{table}.{field}"),
    }
}

/// Whether key path `key` is `at` or below it (`at.x`, `at[0]`).
fn is_below(key: &str, at: &str) -> bool {
    key == at
        || key
            .strip_prefix(at)
            .is_some_and(|rest| rest.starts_with(['.', '[']))
}
