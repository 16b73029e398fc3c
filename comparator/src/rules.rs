//! Validated rules: every pattern parsed, every tolerance exact, merged into one matcher.
//!
//! Built by [`RulesConfig::validate`](crate::RulesConfig::validate) (in `validate`).

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::comparison::Severity;
use crate::config::SeverityConfig;
use crate::governance::Governance;
use crate::leaf::{Normalise, Tolerance, ValueMap};
use crate::matcher::{Matcher, RuleIndex};

/// The kinds of rule that can hide a difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// `ignore`.
    Ignore,
    /// `tolerance`.
    Tolerance,
    /// `unordered`.
    Unordered,
    /// `normalise`.
    Normalise,
    /// `value_map`.
    ValueMap,
}

/// Names one rule in reports: its kind and its pattern as written (`ignore header.*_at`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RuleRef {
    /// The kind of rule.
    pub kind: RuleKind,
    /// The pattern as written in the config; shared, so reporting a suppression does not copy it.
    #[serde(
        serialize_with = "serialize_shared",
        deserialize_with = "deserialize_shared"
    )]
    pub pattern: Arc<str>,
}

/// What a rule does once its pattern matched.
#[derive(Debug, Clone)]
pub(crate) enum Behaviour {
    Ignore,
    Tolerance(Tolerance),
    Unordered { key: Vec<String> },
    Normalise(Normalise),
    ValueMap(ValueMap),
}

#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub(crate) id: RuleRef,
    pub(crate) behaviour: Behaviour,
    pub(crate) governance: Governance,
    /// Key of the rule in the rules table (`ignore[1]`, `tolerance[0]`).
    pub(crate) key: String,
}

/// A strategy's comparison rules, validated and compiled once; cheap to share behind an `Arc`.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub(crate) matcher: Matcher,
    pub(crate) rules: Vec<Rule>,
    /// The severity patterns as written, for [`Rules::severity_of`].
    pub(crate) severity: SeverityConfig,
}

impl Rules {
    /// No rules: every difference is reported, as `major`.
    pub fn none() -> Self {
        Self::default()
    }

    /// The rules that can hide differences, in config order, for reports that list every rule
    /// including those that hid nothing.
    pub fn suppressing_rules(&self) -> impl Iterator<Item = &RuleRef> {
        self.rules.iter().map(|rule| &rule.id)
    }

    /// The severity a difference at `path` (as grouped: `body.offers[*].rate`) is given
    /// ([`SeverityConfig::of`]), for judging a group's fields without a comparison.
    pub fn severity_of(&self, path: &str) -> Severity {
        self.severity.of(path)
    }

    pub(crate) fn rule(&self, index: RuleIndex) -> &Rule {
        &self.rules[index as usize]
    }
}

impl RuleKind {
    /// The config key of this kind of rule.
    pub fn name(self) -> &'static str {
        match self {
            RuleKind::Ignore => "ignore",
            RuleKind::Tolerance => "tolerance",
            RuleKind::Unordered => "unordered",
            RuleKind::Normalise => "normalise",
            RuleKind::ValueMap => "value_map",
        }
    }
}

impl fmt::Display for RuleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind.name(), self.pattern)
    }
}

// serde's `rc` feature is not enabled in the workspace; these two lines are all it would add.
fn serialize_shared<S: Serializer>(text: &Arc<str>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(text)
}

fn deserialize_shared<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Arc<str>, D::Error> {
    String::deserialize(deserializer).map(Arc::from)
}
