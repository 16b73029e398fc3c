//! Recording what the walk finds: differences, suppressions per rule, and probes.
//!
//! A difference found under an ignore rule is counted for that rule instead of reported. While
//! probing (does this multiset element equal that one?), a difference only answers the question,
//! and nothing is counted, so a probe never changes the reported result.

use std::ops::Range;

use serde_json::Value;

use crate::compare::{Scope, Walker};
use crate::comparison::{Comparison, DiffKind, Difference, Severity, Suppressed};
use crate::explain::Hidden;
use crate::matcher::RuleIndex;
use crate::node::Node;
use crate::path::{Path, Step};
use crate::rules::Behaviour;

impl<'a> Walker<'a, '_> {
    /// The comparison, and the suppressions with their paths when explaining.
    pub(crate) fn finish(self) -> (Comparison, Vec<Hidden>) {
        let rules = self.rules;
        let hiding = self.counts.iter().filter(|&&count| count > 0).count();
        let mut suppressed = Vec::with_capacity(hiding);
        for (rule, &count) in rules.rules.iter().zip(&self.counts) {
            if count > 0 {
                suppressed.push(Suppressed {
                    rule: rule.id.clone(),
                    count,
                });
            }
        }
        let comparison = Comparison {
            differences: self.differences,
            suppressed,
        };
        (comparison, self.hidden.unwrap_or_default())
    }

    /// Reports differing array lengths at the array itself.
    pub(crate) fn lengths(&mut self, live: usize, shadow: usize, scope: Scope) {
        if live != shadow && self.recording(scope) {
            let (live, shadow) = (Value::from(live), Value::from(shadow));
            self.push(
                DiffKind::ArrayLength,
                Some(live),
                Some(shadow),
                scope.severity,
            );
            if let Some(last) = self.differences.last_mut() {
                last.expired_rule = scope.revealed.map(|rule| self.rules.rule(rule).id.clone());
            }
        }
    }

    /// Whether the rule in force (if any) makes the two values equal; counts it when it does.
    pub(crate) fn hidden_by(
        &mut self,
        rule: Option<RuleIndex>,
        equal: impl FnOnce(&Behaviour) -> bool,
    ) -> bool {
        let Some(rule) = rule else { return false };
        let rules = self.rules;
        let hid = equal(&rules.rule(rule).behaviour);
        if hid && self.expired(rule) {
            // Reported after all, marked with the rule (unless another rule still hides it).
            self.revealed_leaf = Some(rule);
            return false;
        }
        if hid {
            self.revealed_leaf = None;
            self.suppressed(rule);
        }
        hid
    }

    /// Counts a difference that `rule` hid.
    pub(crate) fn suppressed(&mut self, rule: RuleIndex) {
        if self.probing {
            return;
        }
        if self.counts.is_empty() {
            self.counts.resize(self.rules.rules.len(), 0);
        }
        self.counts[rule as usize] += 1;
        if let Some(hidden) = &mut self.hidden {
            hidden.push(Hidden {
                path: Path::from_steps(&self.path),
                rule: self.rules.rule(rule).id.clone(),
            });
        }
    }

    pub(crate) fn differ<N: Node<'a>>(
        &mut self,
        kind: DiffKind,
        live: Option<N>,
        shadow: Option<N>,
        scope: Scope,
    ) {
        let revealed = self.revealed_leaf.take().or(scope.revealed);
        if self.recording(scope) {
            let (live, shadow) = (live.map(N::to_value), shadow.map(N::to_value));
            self.push(kind, live, shadow, scope.severity);
            if let Some(last) = self.differences.last_mut() {
                last.expired_rule = revealed.map(|rule| self.rules.rule(rule).id.clone());
            }
        }
    }

    /// Whether a difference found under `scope` is to be recorded; counts it when ignored.
    fn recording(&mut self, scope: Scope) -> bool {
        if let Some(rule) = scope.ignore {
            self.suppressed(rule);
            return false;
        }
        if self.probing {
            self.found = self.found.saturating_add(1);
            return false;
        }
        true
    }

    fn push(
        &mut self,
        kind: DiffKind,
        live: Option<Value>,
        shadow: Option<Value>,
        severity: Severity,
    ) {
        let path = Path::from_steps(&self.path);
        self.differences.push(Difference {
            path,
            kind,
            live,
            shadow,
            severity,
            expired_rule: None,
        });
    }

    /// Whether a probe has its answer, so the walk can stop early.
    pub(crate) fn stopped(&self) -> bool {
        self.probing && self.found >= self.enough
    }

    /// Whether `live` and `shadow`, as child `step`, are equal under the rules. Records nothing.
    pub(crate) fn probe<N: Node<'a>>(
        &mut self,
        step: Step<'a>,
        live: N,
        shadow: N,
        parent: Range<usize>,
        scope: Scope,
    ) -> bool {
        self.count(step, live, shadow, parent, scope, 1) == 0
    }

    /// How many differences `live` and `shadow`, as child `step`, have under the rules, counting
    /// up to `enough` (the walk stops there). Records nothing.
    pub(crate) fn count<N: Node<'a>>(
        &mut self,
        step: Step<'a>,
        live: N,
        shadow: N,
        parent: Range<usize>,
        scope: Scope,
        enough: u32,
    ) -> u32 {
        let saved = (self.probing, self.found, self.enough);
        (self.probing, self.found, self.enough) = (true, 0, enough.max(1));
        self.child(step, Some(live), Some(shadow), parent, scope);
        let found = self.found;
        (self.probing, self.found, self.enough) = saved;
        found
    }
}
