//! Arrays whose order does not matter: matched by key fields, or as multisets.

use std::ops::Range;

use serde_json::Value;

use crate::compare::{Scope, Walker};
use crate::decimal::numbers_equal;
use crate::explain::Pairing;
use crate::matcher::RuleIndex;
use crate::path::{Path, Step};
use crate::rules::Behaviour;
use crate::text::same_text;

/// Candidate pairs of equal keys ranked by their differences at most: beyond this, repeated
/// keys pair in order instead. Ranking costs one probe per pair, so it is bounded like a queue.
const MAX_RANKED_PAIRS: usize = 256;

/// Differences counted per ranked pair at most: enough to tell a close match from a poor one.
const MAX_COUNTED: u32 = 64;

impl<'a> Walker<'a, '_> {
    /// Pairs each live element with a shadow element, then compares the pairs field by field.
    ///
    /// Pairing runs in rounds, each only over what the previous ones left unpaired, so that a
    /// pure reorder is never a mismatch whatever the duplicates:
    /// 1. identical elements (numbers by value, no rules), so every element of a permutation
    ///    finds its own copy;
    /// 2. elements equal under the rules (with key fields: and with an equal key);
    /// 3. with key fields only, elements with an equal key by fewest differences, ties in order.
    ///
    /// Without key fields, what is left after round 2 is reported as missing or extra (a
    /// multiset). Paired elements are reported at the live index, unpaired shadow ones at the
    /// shadow index. Each element that paired at another position counts as hidden by the rule.
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
        let pairs = self.pair(key, l, s, &here, scope);
        if self.hidden.is_some() && !self.probing {
            self.pairings.push(Pairing {
                path: Path::from_steps(&self.path),
                shadow_of_live: pairs.live.clone(),
            });
        }
        for (index, live) in l.iter().enumerate() {
            if pairs.live[index].is_some_and(|candidate| candidate != index) {
                self.suppressed(rule);
            }
            let shadow = pairs.live[index].map(|candidate| &s[candidate]);
            self.child(Step::Index(index), Some(live), shadow, here.clone(), scope);
            if self.stopped() {
                return;
            }
        }
        for (index, shadow) in s.iter().enumerate() {
            if !pairs.taken[index] {
                self.child(Step::Index(index), None, Some(shadow), here.clone(), scope);
            }
        }
    }

    /// Decides which shadow element each live element pairs with; records nothing.
    fn pair(
        &mut self,
        key: &[String],
        l: &'a [Value],
        s: &'a [Value],
        here: &Range<usize>,
        scope: Scope,
    ) -> Pairs {
        let mut pairs = Pairs {
            live: vec![None; l.len()],
            taken: vec![false; s.len()],
        };
        let keys = Keys::new(key, l, s);
        pairs.each_first(s.len(), |index, candidate| same(&l[index], &s[candidate]));
        pairs.each_first(s.len(), |index, candidate| {
            keys.same(index, candidate)
                && self.probe(
                    Step::Index(index),
                    &l[index],
                    &s[candidate],
                    here.clone(),
                    scope,
                )
        });
        if key.is_empty() {
            return pairs;
        }
        let mut ranked = Vec::new();
        for (index, _) in pairs.live.iter().enumerate().filter(|(_, p)| p.is_none()) {
            for candidate in (0..s.len()).filter(|&c| !pairs.taken[c] && keys.same(index, c)) {
                ranked.push((0, index, candidate));
            }
        }
        if ranked.len() <= MAX_RANKED_PAIRS {
            for (differences, index, candidate) in &mut ranked {
                let (live, shadow) = (&l[*index], &s[*candidate]);
                let step = Step::Index(*index);
                *differences = self.count(step, live, shadow, here.clone(), scope, MAX_COUNTED);
            }
            // Fewest differences first; ties keep the live order, then the shadow order, so
            // repeated keys pair in order and the result is the same on every run.
            ranked.sort_unstable();
        }
        for (_, index, candidate) in ranked {
            if pairs.live[index].is_none() && !pairs.taken[candidate] {
                pairs.join(index, candidate);
            }
        }
        pairs
    }
}

/// The pairing of one unordered array: per live element its shadow partner, per shadow element
/// whether it has one.
struct Pairs {
    live: Vec<Option<usize>>,
    taken: Vec<bool>,
}

impl Pairs {
    fn join(&mut self, index: usize, candidate: usize) {
        self.live[index] = Some(candidate);
        self.taken[candidate] = true;
    }

    /// Pairs each unpaired live element with the first free shadow element that `fits`, looking
    /// from the same position on: in the common case the order did not change at all.
    fn each_first(&mut self, shadows: usize, mut fits: impl FnMut(usize, usize) -> bool) {
        for index in 0..self.live.len() {
            if self.live[index].is_some() {
                continue;
            }
            let found = (0..shadows)
                .map(|k| (index + k) % shadows)
                .find(|&candidate| !self.taken[candidate] && fits(index, candidate));
            if let Some(candidate) = found {
                self.join(index, candidate);
            }
        }
    }
}

/// Each element's key fields, looked up once instead of once per candidate: live elements
/// first, then shadow ones, `fields` entries each.
struct Keys<'v> {
    live: &'v [Value],
    shadow: &'v [Value],
    values: Vec<Option<&'v Value>>,
    fields: usize,
}

impl<'v> Keys<'v> {
    fn new(key: &[String], live: &'v [Value], shadow: &'v [Value]) -> Self {
        let mut values = Vec::with_capacity((live.len() + shadow.len()) * key.len());
        for element in live.iter().chain(shadow) {
            values.extend(key.iter().map(|name| key_field(element, name)));
        }
        Self {
            live,
            shadow,
            values,
            fields: key.len(),
        }
    }

    /// Whether live element `index` and shadow element `candidate` have the same key; always
    /// true without key fields.
    fn same(&self, index: usize, candidate: usize) -> bool {
        if self.fields == 0 {
            return true;
        }
        let (live_keys, shadow_keys) = self.values.split_at(self.live.len() * self.fields);
        same_key(
            &self.live[index],
            &live_keys[index * self.fields..][..self.fields],
            &self.shadow[candidate],
            &shadow_keys[candidate * self.fields..][..self.fields],
        )
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
