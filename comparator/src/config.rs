//! The rules as written in a strategy's config (`[strategies.rules]`), before validation.
//!
//! These structs only describe the text; [`RulesConfig::validate`](crate::RulesConfig::validate)
//! turns them into [`Rules`](crate::Rules), which cannot be invalid.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// All comparison rules of one strategy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesConfig {
    /// Patterns whose differences are not reported (but still counted per pattern).
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Numeric tolerances, one per pattern.
    #[serde(default)]
    pub tolerance: Vec<ToleranceConfig>,
    /// Arrays whose element order does not matter.
    #[serde(default)]
    pub unordered: Vec<UnorderedConfig>,
    /// String normalisation before comparing.
    #[serde(default, alias = "normalize")]
    pub normalise: Vec<NormaliseConfig>,
    /// Codes that mean the same thing in the legacy and the new engine.
    #[serde(default)]
    pub value_map: Vec<ValueMapConfig>,
    /// How serious a difference under a pattern is; unlisted fields are `major`.
    #[serde(default)]
    pub severity: SeverityConfig,
}

/// Numbers under `path` are equal when within the tolerance.
///
/// Exactly one of `absolute` and `relative` is given, as a decimal string (`"0.005"`): a TOML
/// float would be binary and not exact.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToleranceConfig {
    /// Pattern of the numbers.
    pub path: String,
    /// `|live - shadow| <= absolute`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub absolute: Option<String>,
    /// `|live - shadow| <= relative * max(|live|, |shadow|)`; symmetric, so it survives cutover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relative: Option<String>,
}

/// The array at `path` is compared without regard to order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnorderedConfig {
    /// Pattern of the array itself (not its elements).
    pub path: String,
    /// Fields of each element that identify it (`["product_code"]`); empty: a multiset.
    #[serde(default)]
    pub key: Vec<String>,
}

/// Strings under `path` are normalised on both sides before comparing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NormaliseConfig {
    /// Pattern of the strings.
    pub path: String,
    /// Ignore leading and trailing whitespace (Unicode, including the ideographic space).
    #[serde(default)]
    pub trim: bool,
    /// Ignore letter case (Unicode lowercase).
    #[serde(default)]
    pub ignore_case: bool,
}

/// Under `path`, each legacy value is equal to its new value (in either direction).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueMapConfig {
    /// Pattern of the coded values.
    pub path: String,
    /// Legacy value → new value, e.g. `R01 = "LOW_SCORE"`; numbers match by their text.
    pub map: BTreeMap<String, String>,
}

/// Patterns by severity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityConfig {
    /// A difference here changes the customer's outcome (decision, limit, rate).
    #[serde(default)]
    pub critical: Vec<String>,
    /// The default; listed only to override a broader pattern.
    #[serde(default)]
    pub major: Vec<String>,
    /// Cosmetic or informational fields.
    #[serde(default)]
    pub minor: Vec<String>,
}
