//! Arrays whose order does not matter: matched by key fields, or as multisets.

use std::ops::Range;

use crate::compare::{Scope, Walker};
use crate::explain::Pairing;
use crate::matcher::RuleIndex;
use crate::node::{Node, Shape};
use crate::path::{Path, Step};
use crate::rules::Behaviour;
use crate::scalar::same_leaf;

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
    /// multiset). Paired elements and unpaired live ones are reported at the live index, unpaired
    /// shadow ones at the shadow's index said as such (`offers[shadow:2]`): the shadow's `[2]`
    /// may be a live element that paired fine. Each element that paired at another position
    /// counts as hidden by the rule.
    pub(crate) fn unordered<N: Node<'a>>(
        &mut self,
        rule: RuleIndex,
        l: N,
        s: N,
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
        for index in 0..l.len() {
            if pairs.live[index].is_some_and(|candidate| candidate != index) {
                self.suppressed(rule);
            }
            let shadow = pairs.live[index].and_then(|candidate| s.element(candidate));
            self.child(
                Step::Index(index),
                l.element(index),
                shadow,
                here.clone(),
                scope,
            );
            if self.stopped() {
                return;
            }
        }
        for index in 0..s.len() {
            if !pairs.taken[index] {
                self.child(
                    Step::ShadowIndex(index),
                    None,
                    s.element(index),
                    here.clone(),
                    scope,
                );
            }
        }
    }

    /// Decides which shadow element each live element pairs with; records nothing.
    fn pair<N: Node<'a>>(
        &mut self,
        key: &[String],
        l: N,
        s: N,
        here: &Range<usize>,
        scope: Scope,
    ) -> Pairs {
        let (live, shadow) = (elements(l), elements(s));
        let mut pairs = Pairs {
            live: vec![None; live.len()],
            taken: vec![false; shadow.len()],
        };
        let keys = Keys::new(key, &live, &shadow);
        pairs.each_first(shadow.len(), |index, candidate| {
            same(live[index], shadow[candidate])
        });
        pairs.each_first(shadow.len(), |index, candidate| {
            keys.same(index, candidate)
                && self.probe(
                    Step::Index(index),
                    live[index],
                    shadow[candidate],
                    here.clone(),
                    scope,
                )
        });
        if key.is_empty() {
            return pairs;
        }
        let mut ranked = Vec::new();
        for (index, _) in pairs.live.iter().enumerate().filter(|(_, p)| p.is_none()) {
            for candidate in (0..shadow.len()).filter(|&c| !pairs.taken[c] && keys.same(index, c)) {
                ranked.push((0, index, candidate));
            }
        }
        if ranked.len() <= MAX_RANKED_PAIRS {
            for (differences, index, candidate) in &mut ranked {
                let (l, s) = (live[*index], shadow[*candidate]);
                let step = Step::Index(*index);
                *differences = self.count(step, l, s, here.clone(), scope, MAX_COUNTED);
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

/// An array's elements as handles, looked up once: pairing visits each many times.
fn elements<'a, N: Node<'a>>(array: N) -> Vec<N> {
    (0..array.len())
        .filter_map(|at| array.element(at))
        .collect()
}

/// Each element's key fields, looked up once instead of once per candidate: live elements
/// first, then shadow ones, `fields` entries each.
struct Keys<'k, N> {
    live: &'k [N],
    shadow: &'k [N],
    values: Vec<Option<N>>,
    fields: usize,
}

impl<'k, 'a, N: Node<'a>> Keys<'k, N> {
    fn new(key: &[String], live: &'k [N], shadow: &'k [N]) -> Self {
        let mut values = Vec::with_capacity((live.len() + shadow.len()) * key.len());
        for &element in live.iter().chain(shadow) {
            values.extend(key.iter().map(|name| element.field(name)));
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
            self.live[index],
            &live_keys[index * self.fields..][..self.fields],
            self.shadow[candidate],
            &shadow_keys[candidate * self.fields..][..self.fields],
        )
    }
}

/// Whether two elements have the same key, given their key fields; a field missing on both
/// sides counts as equal, and elements that are not objects are their own key.
fn same_key<'a, N: Node<'a>>(
    live: N,
    live_key: &[Option<N>],
    shadow: N,
    shadow_key: &[Option<N>],
) -> bool {
    match (live.shape(), shadow.shape()) {
        (Shape::Object, Shape::Object) => {
            live_key.iter().zip(shadow_key).all(|(l, s)| match (l, s) {
                (Some(l), Some(s)) => same(*l, *s),
                (None, None) => true,
                _ => false,
            })
        }
        _ => same(live, shadow),
    }
}

/// Exact equality without rules, numbers by value.
fn same<'a, N: Node<'a>>(a: N, b: N) -> bool {
    match (a.shape(), b.shape()) {
        (Shape::Leaf(x), Shape::Leaf(y)) => same_leaf(x, y),
        (Shape::Array, Shape::Array) => {
            a.len() == b.len()
                && (0..a.len()).all(|at| match (a.element(at), b.element(at)) {
                    (Some(x), Some(y)) => same(x, y),
                    _ => false,
                })
        }
        (Shape::Object, Shape::Object) => {
            a.len() == b.len()
                && a.fields()
                    .all(|(k, v)| b.field(k).is_some_and(|w| same(v, w)))
        }
        _ => false,
    }
}
