//! Arrays whose order does not matter: matched by key fields, or as multisets.

use std::ops::Range;

use serde_json::Value;

use crate::compare::{Scope, Walker};
use crate::decimal::numbers_equal;
use crate::matcher::RuleIndex;
use crate::path::Step;
use crate::rules::Behaviour;

impl<'a> Walker<'a, '_> {
    /// Pairs each live element with a shadow element, then compares the pairs field by field.
    ///
    /// With key fields, elements pair when their keys are equal (numbers by value); the first
    /// unpaired candidate wins, so repeated keys pair in order. Without, elements pair when they
    /// are equal under the rules (a multiset); what is left is reported as missing or extra.
    /// Paired elements are reported at the live index, unpaired shadow ones at the shadow index.
    /// Each element that paired at another position counts as hidden by the rule.
    pub(crate) fn unordered(
        &mut self,
        rule: RuleIndex,
        l: &'a [Value],
        s: &'a [Value],
        here: Range<usize>,
        scope: Scope,
    ) {
        let rules = self.rules;
        let key: &[String] = match &rules.rule(rule).behaviour {
            Behaviour::Unordered { key } => key,
            _ => &[],
        };
        self.lengths(l.len(), s.len(), scope);
        let mut taken = vec![false; s.len()];
        for (index, live) in l.iter().enumerate() {
            // Start at the same position: in the common case the order did not change at all.
            let candidates = (0..s.len()).map(|k| (index + k) % s.len());
            let mut paired = None;
            for candidate in candidates {
                if taken[candidate] {
                    continue;
                }
                let shadow = &s[candidate];
                let equal = if key.is_empty() {
                    self.probe(Step::Index(index), live, shadow, here.clone(), scope)
                } else {
                    same_key(key, live, shadow)
                };
                if equal {
                    paired = Some(candidate);
                    break;
                }
            }
            if let Some(candidate) = paired {
                taken[candidate] = true;
                if candidate != index {
                    self.suppressed(rule);
                }
            }
            let shadow = paired.map(|candidate| &s[candidate]);
            self.child(Step::Index(index), Some(live), shadow, here.clone(), scope);
            if self.stopped() {
                return;
            }
        }
        for (index, shadow) in s.iter().enumerate() {
            if !taken[index] {
                self.child(Step::Index(index), None, Some(shadow), here.clone(), scope);
            }
        }
    }
}

/// Whether two elements have the same key; a field missing on both sides counts as equal,
/// and elements that are not objects are their own key.
fn same_key(key: &[String], live: &Value, shadow: &Value) -> bool {
    match (live, shadow) {
        (Value::Object(l), Value::Object(s)) => {
            key.iter().all(|field| match (l.get(field), s.get(field)) {
                (Some(l), Some(s)) => same(l, s),
                (None, None) => true,
                _ => false,
            })
        }
        _ => same(live, shadow),
    }
}

/// Exact equality without rules, numbers by value.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(a), Value::Number(b)) => numbers_equal(a.as_str(), b.as_str()),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}
