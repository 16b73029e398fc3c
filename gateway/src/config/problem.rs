//! Typed config problems: one shape and one way of printing for `check-config`, start-up, a
//! SIGHUP reload and `POST /api/v1/reload`.
//!
//! A problem names the key path it is about, what was expected there and what was found, so
//! every message quotes the declared value next to the expected one:
//! `engines.legacy.address: expected host:port, found "legacy-host"`.

use std::fmt;

use serde::Serialize;

/// Whether a problem stops the config from being used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The config is refused.
    Error,
    /// Printed and logged; the config is used (e.g. a host name that does not resolve today).
    Warning,
}

/// One problem with a config, at one key path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Key path, e.g. `engines.legacy.address` or `listeners.mci[0].layout`.
    pub key: String,
    /// What the key must hold, as a phrase (`host:port`, `at least 1`).
    pub expected: String,
    /// What was declared (quoted when it is text), or `None` when the key is missing.
    pub found: Option<String>,
    /// Error or warning.
    pub severity: Severity,
}

impl Problem {
    /// An error at `key`.
    pub fn error(key: impl Into<String>, expected: impl Into<String>, found: Found) -> Problem {
        Problem {
            key: key.into(),
            expected: expected.into(),
            found: found.0,
            severity: Severity::Error,
        }
    }

    /// A warning at `key`.
    pub fn warning(key: impl Into<String>, expected: impl Into<String>, found: Found) -> Problem {
        Problem {
            severity: Severity::Warning,
            ..Problem::error(key, expected, found)
        }
    }

    /// Whether it refuses the config.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The key path alone, without the position a located problem's key carries
    /// (`engines.legacy.address (line 18, column 11)` → `engines.legacy.address`).
    pub(crate) fn key_path(&self) -> &str {
        self.key.split(" (").next().unwrap_or(&self.key)
    }

    /// Whether its key says where it is in the file already.
    pub(crate) fn is_located(&self) -> bool {
        self.key_path().len() < self.key.len()
    }

    /// The line and column its key says it is at (`… (line 18, column 11)`, a syntax error's
    /// `line 3, column 5`); a missing key's table's line without a column (`… (in the table at
    /// line 26)`); `None` for a problem at no place in the file (an unknown engine's host, an
    /// unreadable file).
    pub fn position(&self) -> Option<(usize, Option<usize>)> {
        let at = match &self.key[self.key_path().len()..] {
            "" => self.key.as_str(),
            located => located.trim_start_matches(" (").trim_end_matches(')'),
        };
        let at = at.strip_prefix("in the table at ").unwrap_or(at);
        let (line, column) = match at.strip_prefix("line ")?.split_once(", column ") {
            Some((line, column)) => (line, Some(column.parse().ok()?)),
            None => (at.strip_prefix("line ")?, None),
        };
        Some((line.parse().ok()?, column))
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: expected {}", self.key, self.expected)?;
        match &self.found {
            Some(found) => write!(f, ", found {found}"),
            None => f.write_str(", found nothing"),
        }
    }
}

/// What was found at a key, already formatted for [`Problem::found`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found(Option<String>);

impl Found {
    /// A declared text value, quoted: `"legacy-host"`.
    pub fn text(value: &str) -> Found {
        Found(Some(format!("{value:?}")))
    }

    /// A declared value shown as it is (numbers, paths with a reason).
    pub fn value(value: impl fmt::Display) -> Found {
        Found(Some(value.to_string()))
    }

    /// A declared value, quoted, and why it does not do:
    /// `"layouts/nope.toml" (no such file or directory)`.
    pub fn because(value: impl fmt::Debug, why: impl fmt::Display) -> Found {
        Found(Some(format!("{value:?} ({})", reason(why))))
    }

    /// The key is missing.
    pub fn nothing() -> Found {
        Found(None)
    }
}

/// An error message as the reason in a problem: lowercase like the rest of the line, without the
/// `(os error 2)` that Rust appends to OS errors (`No such file or directory (os error 2)` gives
/// `no such file or directory`).
pub fn reason(why: impl fmt::Display) -> String {
    let text = why.to_string();
    let text = match text.rsplit_once(" (os error ") {
        Some((message, code)) if code.trim_end_matches(')').parse::<i32>().is_ok() => message,
        _ => text.as_str(),
    };
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        // Only a capitalised word: acronyms (`TOML`, `PEM`) stay as they are.
        (Some(first), Some(second)) if first.is_uppercase() && second.is_lowercase() => first
            .to_lowercase()
            .chain(text[first.len_utf8()..].chars())
            .collect(),
        _ => text.to_owned(),
    }
}

/// Problems collected while checking a config; every check adds to it and none stops early.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems(Vec<Problem>);

impl Problems {
    /// No problem yet.
    pub fn new() -> Problems {
        Problems::default()
    }

    /// Adds an error.
    pub fn error(&mut self, key: impl Into<String>, expected: impl Into<String>, found: Found) {
        self.0.push(Problem::error(key, expected, found));
    }

    /// Adds a warning.
    pub fn warning(&mut self, key: impl Into<String>, expected: impl Into<String>, found: Found) {
        self.0.push(Problem::warning(key, expected, found));
    }

    /// Adds problems found elsewhere.
    pub fn extend(&mut self, problems: impl IntoIterator<Item = Problem>) {
        self.0.extend(problems);
    }

    /// Whether any problem is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Problem::is_error)
    }

    /// Every problem, in the order found.
    pub fn into_vec(self) -> Vec<Problem> {
        self.0
    }
}

/// Prints a list of problems the one way every command and log uses: one inline, several as an
/// indented list under a count.
pub struct List<'a>(pub &'a [Problem]);

impl fmt::Display for List<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [one] => write!(f, "{one}"),
            many => {
                write!(f, "{} problems", many.len())?;
                many.iter().try_for_each(|p| write!(f, "\n  - {p}"))
            }
        }
    }
}

/// Writes `list` under a heading naming `subject` and how many of `what` it holds, one problem a
/// line: `config shadowgate.toml: 2 warnings` then `  - KEY: expected …, found …` (what
/// `check-config` prints on stderr, and `reconcile` for its file's warnings). Nothing for an
/// empty list.
pub fn write_list(
    out: &mut dyn std::io::Write,
    subject: &str,
    what: &str,
    list: &[Problem],
) -> std::io::Result<()> {
    if list.is_empty() {
        return Ok(());
    }
    let plural = if list.len() == 1 { "" } else { "s" };
    writeln!(out, "{subject}: {} {what}{plural}", list.len())?;
    for problem in list {
        writeln!(out, "  - {problem}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_quotes_the_declared_value_next_to_the_expected_one() {
        let problem = Problem::error(
            "engines.legacy.address",
            "host:port",
            Found::text("legacy-host"),
        );
        assert_eq!(
            problem.to_string(),
            r#"engines.legacy.address: expected host:port, found "legacy-host""#
        );
        let missing = Problem::warning("engines.legacy.layout", "a layout name", Found::nothing());
        assert_eq!(
            missing.to_string(),
            "engines.legacy.layout: expected a layout name, found nothing"
        );
        assert!(!missing.is_error());
    }

    #[test]
    fn a_position_is_read_from_the_key_as_printed() {
        let at = |key: &str| Problem::error(key, "x", Found::nothing()).position();
        assert_eq!(
            at("engines.legacy.address (line 18, column 11)"),
            Some((18, Some(11)))
        );
        assert_eq!(at("line 3, column 5"), Some((3, Some(5))));
        assert_eq!(
            at("strategies.loan.tx_codes (in the table at line 26)"),
            Some((26, None))
        );
        for nowhere in ["engines.legacy.address", "config file", "listeners (of 3)"] {
            assert_eq!(at(nowhere), None, "{nowhere}");
        }
    }

    #[test]
    fn a_reason_follows_the_quoted_value_without_the_os_error_code() {
        let missing = std::io::Error::from_raw_os_error(2);
        let found = Found::because(std::path::Path::new("layouts/nope.toml"), missing);
        assert_eq!(
            found.0.as_deref(),
            Some(r#""layouts/nope.toml" (no such file or directory)"#)
        );
        assert_eq!(reason("TOML parse error"), "TOML parse error");
        assert_eq!(reason("Address in use (os error 98)"), "address in use");
        assert_eq!(reason("in use (by x)"), "in use (by x)");
    }

    #[test]
    fn a_list_counts_several_and_inlines_one() {
        let a = Problem::error("a", "x", Found::value(1));
        let b = Problem::error("b", "y", Found::value(2));
        assert_eq!(
            List(std::slice::from_ref(&a)).to_string(),
            "a: expected x, found 1"
        );
        assert_eq!(
            List(&[a, b]).to_string(),
            "2 problems\n  - a: expected x, found 1\n  - b: expected y, found 2"
        );
    }
}
