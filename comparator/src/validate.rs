//! Validation: a [`RulesConfig`] becomes [`Rules`], or every problem is reported with its key.

use crate::comparison::Severity;
use crate::config::{RulesConfig, ToleranceConfig};
use crate::decimal::parse_decimal;
use crate::error::{RuleError, RuleErrorKind, RulesError};
use crate::leaf::{Normalise, Tolerance, ValueMap};
use crate::matcher::{Actions, RuleIndex};
use crate::pattern::Pattern;
use crate::rules::{Behaviour, Rule, RuleKind, RuleRef, Rules};

impl RulesConfig {
    /// Checks every rule and compiles them; reports all problems at once, each with its key.
    pub fn validate(&self) -> Result<Rules, RulesError> {
        let mut build = Builder::default();
        for (at, pattern) in self.ignore.iter().enumerate() {
            build.add(
                format!("ignore[{at}]"),
                pattern,
                RuleKind::Ignore,
                Behaviour::Ignore,
            );
        }
        for (at, rule) in self.tolerance.iter().enumerate() {
            match tolerance(rule) {
                Ok(tolerance) => build.add(
                    format!("tolerance[{at}].path"),
                    &rule.path,
                    RuleKind::Tolerance,
                    Behaviour::Tolerance(tolerance),
                ),
                Err((field, kind)) => build.fail(format!("tolerance[{at}]{field}"), kind),
            }
        }
        for (at, rule) in self.unordered.iter().enumerate() {
            if let Some(empty) = rule.key.iter().position(String::is_empty) {
                build.fail(
                    format!("unordered[{at}].key[{empty}]"),
                    RuleErrorKind::EmptyKeyField,
                );
                continue;
            }
            let behaviour = Behaviour::Unordered {
                key: rule.key.clone(),
            };
            build.add(
                format!("unordered[{at}].path"),
                &rule.path,
                RuleKind::Unordered,
                behaviour,
            );
        }
        for (at, rule) in self.normalise.iter().enumerate() {
            if !rule.trim && !rule.ignore_case {
                build.fail(format!("normalise[{at}]"), RuleErrorKind::NoNormalisation);
                continue;
            }
            let behaviour = Behaviour::Normalise(Normalise {
                trim: rule.trim,
                ignore_case: rule.ignore_case,
            });
            build.add(
                format!("normalise[{at}].path"),
                &rule.path,
                RuleKind::Normalise,
                behaviour,
            );
        }
        for (at, rule) in self.value_map.iter().enumerate() {
            if rule.map.is_empty() {
                build.fail(format!("value_map[{at}].map"), RuleErrorKind::EmptyMap);
                continue;
            }
            let behaviour = Behaviour::ValueMap(ValueMap {
                map: rule.map.clone(),
            });
            build.add(
                format!("value_map[{at}].path"),
                &rule.path,
                RuleKind::ValueMap,
                behaviour,
            );
        }
        let severity = &self.severity;
        for (name, level, patterns) in [
            ("critical", Severity::Critical, &severity.critical),
            ("major", Severity::Major, &severity.major),
            ("minor", Severity::Minor, &severity.minor),
        ] {
            for (at, pattern) in patterns.iter().enumerate() {
                build.severity(format!("severity.{name}[{at}]"), pattern, level);
            }
        }
        build.finish()
    }
}

fn tolerance(rule: &ToleranceConfig) -> Result<Tolerance, (&'static str, RuleErrorKind)> {
    let exact = |field: &'static str, text: &str| match parse_decimal(text) {
        Some(value) if !value.is_sign_negative() => Ok(value),
        _ => Err((
            field,
            RuleErrorKind::BadTolerance {
                found: text.to_owned(),
            },
        )),
    };
    match (&rule.absolute, &rule.relative) {
        (Some(text), None) => exact(".absolute", text).map(Tolerance::Absolute),
        (None, Some(text)) => exact(".relative", text).map(Tolerance::Relative),
        _ => Err(("", RuleErrorKind::ToleranceKind)),
    }
}

#[derive(Default)]
struct Builder {
    rules: Rules,
    errors: Vec<RuleError>,
}

impl Builder {
    fn fail(&mut self, key: String, kind: RuleErrorKind) {
        self.errors.push(RuleError { key, kind });
    }

    /// Parses the pattern and hands its trie node's actions to `set`, which reports whether
    /// that kind of rule was still free there.
    fn place(
        &mut self,
        key: String,
        text: &str,
        rule: &'static str,
        set: impl FnOnce(&mut Actions) -> bool,
    ) {
        let pattern = match Pattern::parse(text) {
            Ok(pattern) => pattern,
            Err(error) => {
                let pattern = text.to_owned();
                return self.fail(key, RuleErrorKind::Pattern { pattern, error });
            }
        };
        if !set(self.rules.matcher.insert(&pattern)) {
            self.fail(
                key,
                RuleErrorKind::Duplicate {
                    pattern: text.to_owned(),
                    rule,
                },
            );
        }
    }

    fn add(&mut self, key: String, text: &str, kind: RuleKind, behaviour: Behaviour) {
        let index = self.rules.rules.len() as RuleIndex;
        let mut placed = false;
        self.place(key, text, kind.name(), |actions| {
            let slot = match kind {
                RuleKind::Ignore => &mut actions.ignore,
                RuleKind::Tolerance => &mut actions.tolerance,
                RuleKind::Unordered => &mut actions.unordered,
                RuleKind::Normalise => &mut actions.normalise,
                RuleKind::ValueMap => &mut actions.value_map,
            };
            placed = slot.is_none();
            slot.get_or_insert(index);
            placed
        });
        if placed {
            let id = RuleRef {
                kind,
                pattern: text.into(),
            };
            self.rules.rules.push(Rule { id, behaviour });
        }
    }

    fn severity(&mut self, key: String, text: &str, level: Severity) {
        self.place(key, text, "severity", |actions| {
            actions.severity.replace(level).is_none()
        });
    }

    fn finish(self) -> Result<Rules, RulesError> {
        if !self.errors.is_empty() {
            return Err(RulesError {
                errors: self.errors,
            });
        }
        Ok(self.rules)
    }
}
