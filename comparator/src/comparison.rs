//! The result of comparing two decisions: differences, and what the rules suppressed.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::path::Path;
use crate::rules::RuleRef;
use crate::signature::Signature;

/// How much a difference matters to the migration team.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Cosmetic or informational.
    Minor,
    /// The default for any field.
    #[default]
    Major,
    /// Changes the customer's outcome; blocks cutover.
    Critical,
}

/// What differs at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffKind {
    /// Same type, different value.
    ValueChanged,
    /// Present in live, absent in shadow (a `null` is present).
    MissingInShadow,
    /// Absent in live, present in shadow.
    ExtraInShadow,
    /// Different JSON types (a number against a string, `null` against a value, ...).
    TypeChanged,
    /// The arrays have different lengths; the values are the lengths. Elements are still
    /// compared one by one and reported on their own.
    ArrayLength,
}

/// One difference between the live and the shadow decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    /// Where, e.g. `body.offers[2].rate`.
    pub path: Path,
    /// What kind of difference.
    pub kind: DiffKind,
    /// The live value; `None` when missing in live. Serialised only when present, so that a
    /// stored `null` stays a null and an absent value stays absent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub live: Option<Value>,
    /// The shadow value; `None` when missing in shadow.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub shadow: Option<Value>,
    /// From the severity rules; `major` when none applies.
    pub severity: Severity,
    /// The expired rule that would have hidden this difference, had it not expired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired_rule: Option<RuleRef>,
}

/// How many differences one rule hid in one comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppressed {
    /// The rule, e.g. `ignore header.*_at`.
    pub rule: RuleRef,
    /// Differences it hid: for `ignore`, those under the ignored paths; for `tolerance`,
    /// `normalise` and `value_map`, the values it made equal; for `unordered`, the elements
    /// that matched at another position.
    pub count: u32,
}

/// The verdict on one pair of decisions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The reported differences, in document order of the live decision.
    pub differences: Vec<Difference>,
    /// Rules that hid something, in rule order; rules that hid nothing are left out.
    pub suppressed: Vec<Suppressed>,
}

/// A value that is there, even when it is `null` (serde's `Option` would read `null` as `None`).
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

impl Difference {
    /// The path with indices collapsed (`body.offers[*].rate`): a closed set, for metric labels
    /// and grouping.
    pub fn field(&self) -> String {
        self.path.collapsed()
    }
}

impl Comparison {
    /// Whether the decisions are equal under the rules.
    pub fn is_match(&self) -> bool {
        self.differences.is_empty()
    }

    /// The highest severity among the differences; `None` for a match.
    pub fn max_severity(&self) -> Option<Severity> {
        self.differences.iter().map(|d| d.severity).max()
    }

    /// The grouping signature of the differing fields.
    pub fn signature(&self) -> Signature {
        Signature::of(&self.differences)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Minor => "minor",
            Severity::Major => "major",
            Severity::Critical => "critical",
        })
    }
}

impl fmt::Display for DiffKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DiffKind::ValueChanged => "value changed",
            DiffKind::MissingInShadow => "missing in shadow",
            DiffKind::ExtraInShadow => "extra in shadow",
            DiffKind::TypeChanged => "type changed",
            DiffKind::ArrayLength => "array length differs",
        })
    }
}

impl fmt::Display for Difference {
    /// `body.offers[2].rate: value changed, live 5.25, shadow 5.3 (critical)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let side = |value: &Option<Value>| match value {
            Some(value) => value.to_string(),
            None => "(missing)".to_owned(),
        };
        write!(
            f,
            "{}: {}, live {}, shadow {} ({})",
            self.path,
            self.kind,
            side(&self.live),
            side(&self.shadow),
            self.severity
        )?;
        match &self.expired_rule {
            Some(rule) => write!(f, ", not hidden by expired rule {rule}"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_and_missing_survive_a_round_trip() {
        let difference = Difference {
            path: "body.note".parse().unwrap(),
            kind: DiffKind::MissingInShadow,
            live: Some(Value::Null),
            shadow: None,
            severity: Severity::Minor,
            expired_rule: None,
        };
        let text = serde_json::to_string(&difference).unwrap();
        assert_eq!(
            text,
            r#"{"path":"body.note","kind":"missing_in_shadow","live":null,"severity":"minor"}"#
        );
        assert_eq!(
            serde_json::from_str::<Difference>(&text).unwrap(),
            difference
        );
    }
}
