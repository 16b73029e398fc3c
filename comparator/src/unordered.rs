//! Arrays whose order does not matter: matched by key fields, or as multisets.

use std::ops::Range;

use serde_json::Value;

use crate::compare::{Scope, Walker};
use crate::decimal::numbers_equal;
use crate::matcher::RuleIndex;
use crate::path::Step;
use crate::rules::Behaviour;
use crate::text::same_text;

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
        // Each element's key fields, looked up once here instead of once per candidate:
        // live elements first, then shadow ones, `key.len()` entries each.
        let mut keys = Vec::with_capacity((l.len() + s.len()) * key.len());
        for element in l.iter().chain(s) {
            keys.extend(key.iter().map(|name| key_field(element, name)));
        }
        let (live_keys, shadow_keys) = keys.split_at(l.len() * key.len());
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
                    let fields = key.len();
                    same_key(
                        live,
                        &live_keys[index * fields..][..fields],
                        shadow,
                        &shadow_keys[candidate * fields..][..fields],
                    )
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

/// A key field of an array element; `None` when it is missing or the element is not an object.
fn key_field<'a>(element: &'a Value, name: &str) -> Option<&'a Value> {
    let Value::Object(map) = element else {
        return None;
    };
    // Elements are small records: a scan that compares lengths first is cheaper than hashing.
    if map.len() <= 16 {
        map.iter()
            .find(|(field, _)| same_text(field.as_bytes(), name.as_bytes()))
            .map(|(_, value)| value)
    } else {
        map.get(name)
    }
}

/// Whether two elements have the same key, given their key fields; a field missing on both
/// sides counts as equal, and elements that are not objects are their own key.
fn same_key(
    live: &Value,
    live_key: &[Option<&Value>],
    shadow: &Value,
    shadow_key: &[Option<&Value>],
) -> bool {
    match (live, shadow) {
        (Value::Object(_), Value::Object(_)) => {
            live_key.iter().zip(shadow_key).all(|(l, s)| match (l, s) {
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
