//! Errors found while validating a [`RulesConfig`](crate::RulesConfig).

use std::fmt;

use thiserror::Error;

use crate::date::DateError;
use crate::pattern::PatternError;

/// One invalid rule, with the config key it sits under (`tolerance[1].absolute`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{key}: {kind}")]
pub struct RuleError {
    /// Key of the bad entry, relative to the rules table.
    pub key: String,
    /// What is wrong with it.
    pub kind: RuleErrorKind,
}

/// What is wrong with a rule.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RuleErrorKind {
    /// The pattern does not parse.
    #[error("bad pattern `{pattern}`: {error}")]
    Pattern {
        /// The pattern as written.
        pattern: String,
        /// Why it does not parse.
        error: PatternError,
    },
    /// The same pattern appears twice for one kind of rule, so which one applies would be a guess.
    #[error("pattern `{pattern}` is already used by another {rule} rule")]
    Duplicate {
        /// The pattern as written.
        pattern: String,
        /// The kind of rule (`tolerance`, `severity`, ...).
        rule: &'static str,
    },
    /// A tolerance that is not an exact, non-negative decimal.
    #[error("expected a non-negative decimal string such as \"0.01\", found `{found}`")]
    BadTolerance {
        /// The text as written.
        found: String,
    },
    /// A tolerance with both or neither of `absolute` and `relative`.
    #[error("expected exactly one of `absolute` and `relative`")]
    ToleranceKind,
    /// An empty name in an unordered rule's `key` list.
    #[error("expected a field name, found an empty string")]
    EmptyKeyField,
    /// A normalisation rule that normalises nothing.
    #[error("expected `trim = true` or `ignore_case = true`")]
    NoNormalisation,
    /// A value map without entries.
    #[error("expected at least one `legacy = \"new\"` entry")]
    EmptyMap,
    /// An `expires` that is not a `YYYY-MM-DD` date.
    #[error("{0}")]
    BadDate(#[from] DateError),
}

/// Every problem found in a rules config, so a team fixes them in one pass.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct RulesError {
    /// The problems, in config order.
    pub errors: Vec<RuleError>,
}

impl fmt::Display for RulesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.errors.len();
        write!(
            f,
            "{count} invalid rule{}",
            if count == 1 { "" } else { "s" }
        )?;
        for (at, error) in self.errors.iter().enumerate() {
            f.write_str(if at == 0 { ": " } else { "; " })?;
            write!(f, "{error}")?;
        }
        Ok(())
    }
}
