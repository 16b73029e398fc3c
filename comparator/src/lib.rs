//! Rule-driven, field-by-field comparison of two credit decisions.
//!
//! This crate is the judge of the shadow comparison. [`compare`] walks the live and the shadow
//! decision (`serde_json::Value` with numbers as their exact decimal text, or any [`Node`] tree
//! such as the gateway's typed decoded frames) together and reports
//! every [`Difference`] with its path, kind, both values and severity, under the [`Rules`] a
//! migration team writes for a strategy: ignore, numeric tolerance, unordered arrays, string
//! normalisation, value maps and severity. Whatever a rule hides is counted per rule in
//! [`Comparison::suppressed`], so no rule hides anything silently, and [`explain()`] lists where
//! each rule hid something, for review pages. [`Signature`] groups mismatches by the set of
//! differing fields; [`render`] shows them to people with `similar`.
//!
//! Pure: no I/O, no clock, no randomness, no global state.
//!
//! ```
//! use comparator::{compare, DiffKind, RulesConfig, Severity};
//! use serde_json::json;
//!
//! let config: RulesConfig = serde_json::from_value(json!({
//!     "ignore": ["header.*_at"],
//!     "severity": { "critical": ["body.decision"] },
//! })).unwrap();
//! let rules = config.validate().unwrap();
//! // Decisions arrive as text; parsing keeps `5.250` exact (`json!` would go through f64).
//! let live: serde_json::Value = serde_json::from_str(
//!     r#"{"header": {"sent_at": "0900"}, "body": {"decision": "APPROVE", "rate": 5.250}}"#,
//! ).unwrap();
//! let shadow: serde_json::Value = serde_json::from_str(
//!     r#"{"header": {"sent_at": "0901"}, "body": {"decision": "REJECT", "rate": 5.25}}"#,
//! ).unwrap();
//! let comparison = compare(&live, &shadow, &rules);
//! assert_eq!(comparison.differences.len(), 1);
//! assert_eq!(comparison.differences[0].path.to_string(), "body.decision");
//! assert_eq!(comparison.differences[0].kind, DiffKind::ValueChanged);
//! assert_eq!(comparison.differences[0].severity, Severity::Critical);
//! assert_eq!(comparison.suppressed[0].count, 1); // the ignored timestamp
//! ```
//!
//! # Layout
//! - `compare`: the walk over both decisions, the hot path ([`compare`], [`compare_on`]).
//! - `node`: [`Node`], the read-only tree the walk goes over (`serde_json::Value` or a typed
//!   decision decoded from a frame), with its [`Shape`] and typed [`Leaf`]s.
//! - `scalar`: equality of two leaves of any form, as their JSON would compare.
//! - `report`: recording differences, per-rule suppressions and probes during the walk.
//! - `unordered`: arrays compared by key fields or as multisets.
//! - `comparison`: [`Comparison`], [`Difference`], [`DiffKind`], [`Severity`], [`Suppressed`].
//! - `path`: [`Path`] (`body.offers[2].rate`) and its collapsed form.
//! - `pattern`: rule patterns with `[*]` and `*`.
//! - `config`: [`RulesConfig`], the serde form of the rules in a strategy's config.
//! - `rules`: the validated [`Rules`]; [`RuleRef`] names a rule in reports.
//! - `governance`: [`Governance`] (owner, reason, ticket, expiry) of each hiding rule.
//! - `date`: [`Date`], the `YYYY-MM-DD` day a rule expires and a comparison is judged on.
//! - `validate`: [`RulesConfig::validate`], config to rules, all problems at once.
//! - `error`: [`RulesError`], every invalid rule with its key.
//! - `matcher`: all patterns merged into one trie, walked alongside the decision.
//! - `leaf`: tolerance, normalisation and value maps on scalars.
//! - `decimal`: exact equality and conversion of JSON number text.
//! - `explain`: [`explain()`], every suppression with its path and rule, for review pages.
//! - `signature`: [`Signature`], a stable FNV-1a id of the differing fields.
//! - `text`: equality of short keys and strings, the walk's most frequent comparison.
//! - `cover`: [`covers()`] and [`reach()`], whether a rule's pattern reaches a grouped field
//!   (within its groups' maxima).
//! - [`render`]: unified diff of two decisions and inline diff of two strings.
//! - `test_support` (tests only): rules and decisions for unit tests.

mod compare;
mod comparison;
mod config;
mod cover;
mod date;
mod decimal;
mod error;
mod explain;
mod governance;
mod leaf;
mod matcher;
mod node;
mod path;
mod pattern;
pub mod render;
mod report;
mod rules;
mod scalar;
mod signature;
#[cfg(test)]
mod test_support;
mod text;
mod unordered;
mod validate;

pub use compare::{compare, compare_on};
pub use comparison::{Comparison, DiffKind, Difference, Severity, Suppressed};
pub use config::{
    IgnoreConfig, NormaliseConfig, RulesConfig, SeverityConfig, ToleranceConfig, UnorderedConfig,
    ValueMapConfig,
};
pub use cover::{covers, reach, Reach};
pub use date::{Date, DateError};
pub use error::{RuleError, RuleErrorKind, RulesError};
pub use explain::{explain, explain_pairings, Hidden, Pairing};
pub use governance::{Governance, GovernedRule};
pub use node::{Keyed, Leaf, Node, Scaled, Shape, ValueFields};
pub use path::{Path, Segment};
pub use pattern::PatternError;
pub use rules::{RuleKind, RuleRef, Rules};
pub use signature::Signature;
