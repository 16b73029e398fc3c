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

/// What is wrong with a rule, said as what the key takes and what it holds
/// ([`RuleErrorKind::expected`], [`RuleErrorKind::found`]), so a config check can print it after
/// the rule's key as one sentence: ``tolerance[0]: expected exactly one of `absolute` and
/// `relative`, found both``.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RuleErrorKind {
    /// The pattern does not parse.
    Pattern {
        /// The pattern as written.
        pattern: String,
        /// Why it does not parse.
        error: PatternError,
    },
    /// The same pattern appears twice for one kind of rule, so which one applies would be a guess.
    Duplicate {
        /// The pattern as written.
        pattern: String,
        /// The kind of rule (`tolerance`, `severity`, ...).
        rule: &'static str,
        /// Key of the rule that has the pattern first (`severity.critical[0]`).
        first: String,
    },
    /// A tolerance that is not an exact, non-negative decimal.
    BadTolerance {
        /// The text as written.
        found: String,
    },
    /// A tolerance with both or neither of `absolute` and `relative`.
    ToleranceKind {
        /// Both are given (else neither is).
        both: bool,
    },
    /// An empty name in an unordered rule's `key` list.
    EmptyKeyField,
    /// A normalisation rule that normalises nothing.
    NoNormalisation,
    /// A value map without entries.
    EmptyMap,
    /// An `expires` that is not a `YYYY-MM-DD` date.
    BadDate(#[from] DateError),
}

impl RuleErrorKind {
    /// What the key takes, as a phrase: `a non-negative decimal string such as "0.01"`.
    pub fn expected(&self) -> String {
        match self {
            Self::Pattern { .. } => "a pattern such as `body.offers[*].rate`".to_owned(),
            Self::Duplicate { rule, .. } => format!("a pattern no other {rule} rule has"),
            Self::BadTolerance { .. } => {
                "a non-negative decimal string such as \"0.01\"".to_owned()
            }
            Self::ToleranceKind { .. } => "exactly one of `absolute` and `relative`".to_owned(),
            Self::EmptyKeyField => "a field name".to_owned(),
            Self::NoNormalisation => "`trim = true` or `ignore_case = true`".to_owned(),
            Self::EmptyMap => "at least one `legacy = \"new\"` entry".to_owned(),
            Self::BadDate(_) => "a date such as \"2026-12-31\"".to_owned(),
        }
    }

    /// What the key holds, with the declared text quoted and why it does not do:
    /// ``"body.offers[*.rate" (unclosed `[` at character 11)``.
    pub fn found(&self) -> String {
        match self {
            Self::Pattern { pattern, error } => format!("{pattern:?} ({error})"),
            Self::Duplicate { pattern, first, .. } if !first.is_empty() => {
                format!("{pattern:?} ({first} has it)")
            }
            Self::Duplicate { pattern, rule, .. } => {
                format!("{pattern:?} (another {rule} rule has it)")
            }
            Self::BadTolerance { found } => format!("{found:?}"),
            Self::ToleranceKind { both: true } => "both".to_owned(),
            Self::ToleranceKind { both: false } => "neither".to_owned(),
            Self::EmptyKeyField => "an empty string".to_owned(),
            Self::NoNormalisation => "neither".to_owned(),
            Self::EmptyMap => "an empty table".to_owned(),
            Self::BadDate(error) => format!("{:?}", error.found),
        }
    }
}

impl fmt::Display for RuleErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {}, found {}", self.expected(), self.found())
    }
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
