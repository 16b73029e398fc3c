//! The rules as written in a strategy's config (`[strategies.rules]`), before validation.
//!
//! These structs only describe the text; [`RulesConfig::validate`](crate::RulesConfig::validate)
//! turns them into [`Rules`](crate::Rules), which cannot be invalid.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// All comparison rules of one strategy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesConfig {
    /// Patterns whose differences are not reported (but still counted per pattern): a plain
    /// pattern, or a table with the pattern and who answers for it.
    #[serde(default)]
    pub ignore: Vec<IgnoreConfig>,
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
    /// Who answers for this rule (a person or team); `check-config` warns when missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Why the difference is acceptable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The ticket that tracks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// `YYYY-MM-DD`: from this day on the rule hides nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
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
    /// Who answers for this rule (a person or team); `check-config` warns when missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Why the difference is acceptable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The ticket that tracks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// `YYYY-MM-DD`: from this day on the rule hides nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
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
    /// Who answers for this rule (a person or team); `check-config` warns when missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Why the difference is acceptable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The ticket that tracks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// `YYYY-MM-DD`: from this day on the rule hides nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// Under `path`, each legacy value is equal to its new value (in either direction).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueMapConfig {
    /// Pattern of the coded values.
    pub path: String,
    /// Legacy value → new value, e.g. `R01 = "LOW_SCORE"`; numbers match by their text.
    pub map: BTreeMap<String, String>,
    /// Who answers for this rule (a person or team); `check-config` warns when missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Why the difference is acceptable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The ticket that tracks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// `YYYY-MM-DD`: from this day on the rule hides nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
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

/// One `ignore` rule: a pattern alone (`"header.*_at"`), or a table
/// (`{ path = "header.*_at", owner = "kim", expires = "2026-12-31" }`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IgnoreConfig {
    /// Pattern of the ignored fields.
    pub path: String,
    /// Who answers for this rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Why the difference is acceptable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The ticket that tracks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// `YYYY-MM-DD`: from this day on the rule hides nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// The table form of [`IgnoreConfig`], read with unknown keys refused.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IgnoreTable {
    path: String,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    ticket: Option<String>,
    #[serde(default)]
    expires: Option<String>,
}

impl<'de> Deserialize<'de> for IgnoreConfig {
    // By hand rather than `untagged`, so a bad key in the table form is reported as such and not
    // as "did not match any variant".
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> Visitor<'de> for Visit {
            type Value = IgnoreConfig;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a pattern or a table with `path`")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<IgnoreConfig, E> {
                Ok(IgnoreConfig::from(text))
            }
            fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<IgnoreConfig, M::Error> {
                let t = IgnoreTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(IgnoreConfig {
                    path: t.path,
                    owner: t.owner,
                    reason: t.reason,
                    ticket: t.ticket,
                    expires: t.expires,
                })
            }
        }
        deserializer.deserialize_any(Visit)
    }
}

impl From<&str> for IgnoreConfig {
    fn from(path: &str) -> Self {
        Self {
            path: path.to_owned(),
            ..Self::default()
        }
    }
}

impl From<String> for IgnoreConfig {
    fn from(path: String) -> Self {
        Self {
            path,
            ..Self::default()
        }
    }
}
