//! The walk over both decisions: the hot path.
//!
//! Both values are walked together, with the path and the matcher states kept on two stacks
//! that grow and shrink with the recursion. Nothing is allocated while the values are equal;
//! a difference allocates its path and clones its two values, which is rare and is the point.

use std::ops::Range;

use serde_json::{Map, Value};

use crate::comparison::{Comparison, DiffKind, Difference, Severity, Suppressed};
use crate::decimal::numbers_equal;
use crate::matcher::{Actions, Matcher, RuleIndex};
use crate::path::{Path, Step};
use crate::rules::{Behaviour, Rules};

/// Compares the live and the shadow decision field by field under the strategy's rules.
///
/// Pure and deterministic: the same inputs give the same [`Comparison`], in the same order.
pub fn compare(live: &Value, shadow: &Value, rules: &Rules) -> Comparison {
    let mut walker = Walker::new(rules);
    walker.states.push(Matcher::ROOT);
    walker.node(live, shadow, 0..1, Scope::default());
    walker.finish()
}

/// The rules in force at a node: inherited from ancestors, overridden by deeper patterns.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Scope {
    pub(crate) severity: Severity,
    pub(crate) ignore: Option<RuleIndex>,
    tolerance: Option<RuleIndex>,
    normalise: Option<RuleIndex>,
    value_map: Option<RuleIndex>,
    /// Applies to the array at exactly this node, never to arrays nested inside it.
    unordered: Option<RuleIndex>,
}

impl Scope {
    fn enter(self, actions: &Actions) -> Self {
        Self {
            severity: actions.severity.unwrap_or(self.severity),
            ignore: actions.ignore.or(self.ignore),
            tolerance: actions.tolerance.or(self.tolerance),
            normalise: actions.normalise.or(self.normalise),
            value_map: actions.value_map.or(self.value_map),
            unordered: actions.unordered,
        }
    }
}

pub(crate) struct Walker<'a, 'r> {
    pub(crate) rules: &'r Rules,
    path: Vec<Step<'a>>,
    states: Vec<u32>,
    differences: Vec<Difference>,
    /// Per rule; empty until the first suppression so a clean comparison does not allocate it.
    counts: Vec<u32>,
    /// While probing, differences only set `found`, and suppressions are not counted.
    probing: bool,
    found: bool,
}

impl<'a, 'r> Walker<'a, 'r> {
    fn new(rules: &'r Rules) -> Self {
        Self {
            rules,
            path: Vec::with_capacity(8),
            states: Vec::with_capacity(16),
            differences: Vec::new(),
            counts: Vec::new(),
            probing: false,
            found: false,
        }
    }

    fn finish(self) -> Comparison {
        let rules = self.rules;
        let suppressed = (0..)
            .zip(self.counts)
            .filter(|&(_, count)| count > 0)
            .map(|(index, count)| Suppressed {
                rule: rules.rule(index).id.clone(),
                count,
            })
            .collect();
        Comparison {
            differences: self.differences,
            suppressed,
        }
    }

    /// Compares one child of the node whose matcher states are `parent`.
    pub(crate) fn child(
        &mut self,
        step: Step<'a>,
        live: Option<&'a Value>,
        shadow: Option<&'a Value>,
        parent: Range<usize>,
        scope: Scope,
    ) {
        let matcher = &self.rules.matcher;
        self.path.push(step);
        let start = self.states.len();
        for at in parent {
            let node = self.states[at];
            matcher.step(node, step, &mut self.states);
        }
        let mut actions = Actions::default();
        for &node in &self.states[start..] {
            actions.merge(matcher.actions(node));
        }
        let scope = scope.enter(&actions);
        let here = start..self.states.len();
        match (live, shadow) {
            (Some(live), Some(shadow)) => self.node(live, shadow, here, scope),
            (Some(live), None) => self.differ(DiffKind::MissingInShadow, Some(live), None, scope),
            (None, Some(shadow)) => self.differ(DiffKind::ExtraInShadow, None, Some(shadow), scope),
            (None, None) => {}
        }
        self.states.truncate(start);
        self.path.pop();
    }

    fn node(&mut self, live: &'a Value, shadow: &'a Value, here: Range<usize>, scope: Scope) {
        match (live, shadow) {
            (Value::Object(l), Value::Object(s)) => self.objects(l, s, here, scope),
            (Value::Array(l), Value::Array(s)) => match scope.unordered {
                Some(rule) => self.unordered(rule, l, s, here, scope),
                None => self.ordered(l, s, here, scope),
            },
            (Value::Number(l), Value::Number(s)) => {
                if !numbers_equal(l.as_str(), s.as_str())
                    && !self.tolerated(l.as_str(), s.as_str(), scope)
                    && !self.mapped(l.as_str(), s.as_str(), scope)
                {
                    self.differ(DiffKind::ValueChanged, Some(live), Some(shadow), scope);
                }
            }
            (Value::String(l), Value::String(s)) => {
                if l != s && !self.normalised(l, s, scope) && !self.mapped(l, s, scope) {
                    self.differ(DiffKind::ValueChanged, Some(live), Some(shadow), scope);
                }
            }
            (Value::Bool(l), Value::Bool(s)) if l != s => {
                self.differ(DiffKind::ValueChanged, Some(live), Some(shadow), scope);
            }
            (Value::Bool(_), Value::Bool(_)) | (Value::Null, Value::Null) => {}
            _ => self.differ(DiffKind::TypeChanged, Some(live), Some(shadow), scope),
        }
    }

    fn objects(
        &mut self,
        l: &'a Map<String, Value>,
        s: &'a Map<String, Value>,
        here: Range<usize>,
        scope: Scope,
    ) {
        // Decisions from one layout list their fields in one order, so walk both in lockstep
        // and fall back to lookups only from the first misaligned key on.
        let mut aligned = 0;
        for ((lk, lv), (sk, sv)) in l.iter().zip(s.iter()) {
            if lk != sk {
                break;
            }
            self.child(Step::Key(lk), Some(lv), Some(sv), here.clone(), scope);
            aligned += 1;
            if self.stopped() {
                return;
            }
        }
        if aligned == l.len() && aligned == s.len() {
            return;
        }
        for (lk, lv) in l.iter().skip(aligned) {
            self.child(Step::Key(lk), Some(lv), s.get(lk), here.clone(), scope);
        }
        for (sk, sv) in s.iter().skip(aligned) {
            if !l.contains_key(sk) {
                self.child(Step::Key(sk), None, Some(sv), here.clone(), scope);
            }
        }
    }

    fn ordered(&mut self, l: &'a [Value], s: &'a [Value], here: Range<usize>, scope: Scope) {
        self.lengths(l.len(), s.len(), scope);
        for index in 0..l.len().max(s.len()) {
            self.child(
                Step::Index(index),
                l.get(index),
                s.get(index),
                here.clone(),
                scope,
            );
            if self.stopped() {
                return;
            }
        }
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
        }
    }

    fn tolerated(&mut self, live: &str, shadow: &str, scope: Scope) -> bool {
        let Some(rule) = scope.tolerance else {
            return false;
        };
        let Behaviour::Tolerance(tolerance) = &self.rules.rule(rule).behaviour else {
            return false;
        };
        // `None` (too large for exact arithmetic) is not within tolerance: report it.
        let within = tolerance.within(live, shadow) == Some(true);
        self.count_if(within, rule)
    }

    fn normalised(&mut self, live: &str, shadow: &str, scope: Scope) -> bool {
        let Some(rule) = scope.normalise else {
            return false;
        };
        let Behaviour::Normalise(normalise) = &self.rules.rule(rule).behaviour else {
            return false;
        };
        let equal = normalise.equal(live, shadow);
        self.count_if(equal, rule)
    }

    fn mapped(&mut self, live: &str, shadow: &str, scope: Scope) -> bool {
        let Some(rule) = scope.value_map else {
            return false;
        };
        let Behaviour::ValueMap(map) = &self.rules.rule(rule).behaviour else {
            return false;
        };
        let equal = map.equal(live, shadow);
        self.count_if(equal, rule)
    }

    fn count_if(&mut self, hid: bool, rule: RuleIndex) -> bool {
        if hid {
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
    }

    fn differ(
        &mut self,
        kind: DiffKind,
        live: Option<&Value>,
        shadow: Option<&Value>,
        scope: Scope,
    ) {
        if self.recording(scope) {
            self.push(kind, live.cloned(), shadow.cloned(), scope.severity);
        }
    }

    /// Whether a difference found under `scope` is to be recorded; counts it when ignored.
    fn recording(&mut self, scope: Scope) -> bool {
        if let Some(rule) = scope.ignore {
            self.suppressed(rule);
            return false;
        }
        if self.probing {
            self.found = true;
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
        });
    }

    /// Whether a probe has its answer, so the walk can stop early.
    pub(crate) fn stopped(&self) -> bool {
        self.probing && self.found
    }

    /// Whether `live` and `shadow`, as child `step`, are equal under the rules. Records nothing.
    pub(crate) fn probe(
        &mut self,
        step: Step<'a>,
        live: &'a Value,
        shadow: &'a Value,
        parent: Range<usize>,
        scope: Scope,
    ) -> bool {
        let saved = (self.probing, self.found);
        (self.probing, self.found) = (true, false);
        self.child(step, Some(live), Some(shadow), parent, scope);
        let equal = !self.found;
        (self.probing, self.found) = saved;
        equal
    }
}
