//! Validation: a [`RulesConfig`] becomes [`Rules`], or every problem is reported with its key.

use crate::comparison::Severity;
use crate::config::{RulesConfig, ToleranceConfig};
use crate::date::Date;
use crate::decimal::parse_decimal;
use crate::error::{RuleError, RuleErrorKind, RulesError};
use crate::governance::Governance;
use crate::leaf::{Normalise, Tolerance, ValueMap};
use crate::matcher::{Actions, RuleIndex};
use crate::pattern::Pattern;
use crate::rules::{Behaviour, Rule, RuleKind, RuleRef, Rules};

impl RulesConfig {
    /// Checks every rule and compiles them; reports all problems at once, each with its key.
    pub fn validate(&self) -> Result<Rules, RulesError> {
        let mut build = Builder::default();
        for (at, rule) in self.ignore.iter().enumerate() {
            let key = format!("ignore[{at}]");
            let governance = build.governance(&key, governance!(rule));
            build.add(
                key,
                &rule.path,
                RuleKind::Ignore,
                Behaviour::Ignore,
                governance,
            );
        }
        for (at, rule) in self.tolerance.iter().enumerate() {
            let governance = build.governance(&format!("tolerance[{at}]"), governance!(rule));
            match tolerance(rule) {
                Ok(tolerance) => build.add(
                    format!("tolerance[{at}].path"),
                    &rule.path,
                    RuleKind::Tolerance,
                    Behaviour::Tolerance(tolerance),
                    governance,
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
            let governance = build.governance(&format!("unordered[{at}]"), governance!(rule));
            build.add(
                format!("unordered[{at}].path"),
                &rule.path,
                RuleKind::Unordered,
                behaviour,
                governance,
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
            let governance = build.governance(&format!("normalise[{at}]"), governance!(rule));
            build.add(
                format!("normalise[{at}].path"),
                &rule.path,
                RuleKind::Normalise,
                behaviour,
                governance,
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
            let governance = build.governance(&format!("value_map[{at}]"), governance!(rule));
            build.add(
                format!("value_map[{at}].path"),
                &rule.path,
                RuleKind::ValueMap,
                behaviour,
                governance,
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
        let mut rules = build.finish()?;
        rules.severity = self.severity.clone();
        Ok(rules)
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
        (both, _) => Err((
            "",
            RuleErrorKind::ToleranceKind {
                both: both.is_some(),
            },
        )),
    }
}

/// A rule's governance fields as written (every rule config has the same four).
struct Written<'a> {
    owner: Option<&'a String>,
    reason: Option<&'a String>,
    ticket: Option<&'a String>,
    expires: Option<&'a str>,
}

/// The [`Written`] fields of any rule config.
macro_rules! governance {
    ($rule:expr) => {
        Written {
            owner: $rule.owner.as_ref(),
            reason: $rule.reason.as_ref(),
            ticket: $rule.ticket.as_ref(),
            expires: $rule.expires.as_deref(),
        }
    };
}
use governance;

#[derive(Default)]
struct Builder {
    rules: Rules,
    errors: Vec<RuleError>,
    /// Every pattern placed, with its kind of rule and key, so a duplicate names the rule that
    /// has it first (patterns written differently may be the same: `a.b`, `a["b"]`).
    placed: Vec<(&'static str, Pattern, String)>,
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
        if set(self.rules.matcher.insert(&pattern)) {
            self.placed.push((rule, pattern, key));
            return;
        }
        let first = (self.placed.iter())
            .find(|(kind, placed, _)| *kind == rule && *placed == pattern)
            .map_or_else(String::new, |(_, _, first)| first.clone());
        self.fail(
            key,
            RuleErrorKind::Duplicate {
                pattern: text.to_owned(),
                rule,
                first,
            },
        );
    }

    /// The rule's governance; a bad `expires` is reported under `key.expires`.
    fn governance(&mut self, key: &str, written: Written<'_>) -> Governance {
        let expires = match written.expires.map(str::parse::<Date>) {
            Some(Ok(date)) => Some(date),
            Some(Err(error)) => {
                self.fail(format!("{key}.expires"), error.into());
                None
            }
            None => None,
        };
        let text = |value: Option<&String>| value.filter(|v| !v.trim().is_empty()).cloned();
        Governance {
            owner: text(written.owner),
            reason: text(written.reason),
            ticket: text(written.ticket),
            expires,
        }
    }

    fn add(
        &mut self,
        key: String,
        text: &str,
        kind: RuleKind,
        behaviour: Behaviour,
        governance: Governance,
    ) {
        let index = self.rules.rules.len() as RuleIndex;
        let mut placed = false;
        self.place(key.clone(), text, kind.name(), |actions| {
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
            let key = key.strip_suffix(".path").unwrap_or(&key).to_owned();
            self.rules.rules.push(Rule {
                id,
                behaviour,
                governance,
                key,
            });
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
