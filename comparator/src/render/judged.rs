//! The decisions as a record judged them, for the unified diff: only the reported differences
//! keep their two values; every other field that differs is replaced on both sides by a mark,
//! written back after diffing as the live value with a note, so the line reads unchanged and
//! says why. The shadow's `unordered` arrays face the live elements they were paired with.
//!
//! The differences come from the caller (those stored with a record), so the diff marks what
//! the side-by-side view marks even after the rules changed. Which rule hid a field is not
//! stored with a record: a note names the rule in force that hides the field now, the one the
//! side-by-side view greys it with, or [`RULE_SINCE_CHANGED`] when none does.

use serde_json::{Map, Value};

use crate::explain::{Hidden, Pairing};
use crate::path::{Path, Step};
use crate::rules::{RuleKind, RuleRef, Rules};

use super::ELIDED;

/// What a note names when a field differs, was not reported, and no rule in force hides it: a
/// rule hid it when the decisions were compared and has since been removed or changed.
pub const RULE_SINCE_CHANGED: &str = "a rule since removed or changed";

/// Stands for the `n`th field judged equal while diffing: the same on both sides, so the line
/// is unchanged; written back as the live value after. NULs, which serde_json escapes, keep it
/// apart from any value a decision holds.
const EQUAL_MARK: &str = "\u{0}judged-equal-";

/// A field that differs but was not reported: the value written back on its line and, unless
/// the comparator calls the two values equal without rules or the field is elided, why.
pub(super) struct Note {
    shown: String,
    remark: Option<String>,
}

/// The walk over both decisions that replaces each unreported difference by a mark.
pub(super) struct Judge<'a> {
    /// Paths of the reported differences (`body.offers[2].rate`, `$` for the root).
    reported: &'a [&'a str],
    /// What the rules in force hid, where, in live indices.
    hidden: Vec<(String, &'a RuleRef)>,
    /// How the rules in force pair each `unordered` array: per live index, the shadow index.
    pairings: Vec<(String, &'a [Option<usize>])>,
    /// Reported differences that are an array's length, found on the way down.
    lengths: Vec<String>,
    /// One per mark, in mark order.
    pub(super) notes: Vec<Note>,
}

impl<'a> Judge<'a> {
    pub(super) fn new(
        reported: &'a [&'a str],
        hidden: &'a [Hidden],
        pairings: &'a [Pairing],
    ) -> Self {
        Self {
            reported,
            hidden: hidden
                .iter()
                .map(|h| (h.path.to_string(), &h.rule))
                .collect(),
            pairings: pairings
                .iter()
                .map(|p| (p.path.to_string(), p.shadow_of_live.as_slice()))
                .collect(),
            lengths: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Both decisions as judged: the shadow in the live decision's order, every difference not
    /// reported replaced on both sides by the same mark.
    pub(super) fn sides(&mut self, live: &Value, shadow: &Value) -> (Value, Value) {
        let (live, shadow) = self.judge(Some(live), Some(shadow), &mut String::new());
        (live.unwrap_or(Value::Null), shadow.unwrap_or(Value::Null))
    }

    fn judge(
        &mut self,
        live: Option<&Value>,
        shadow: Option<&Value>,
        at: &mut String,
    ) -> (Option<Value>, Option<Value>) {
        if let (Some(Value::Array(l)), Some(Value::Array(s))) = (live, shadow) {
            // A difference reported at an array is its length: its elements are judged on their
            // own, the missing and extra ones reported at their own paths.
            if self.reported.contains(&at.as_str()) {
                self.lengths.push(at.clone());
                return self.arrays(l, s, at);
            }
        }
        let raw = |d: &&str| *d == "$" || (under(at, d) && !self.lengths.iter().any(|l| l == d));
        if live == shadow || self.reported.iter().any(raw) {
            return (live.cloned(), shadow.cloned());
        }
        match (live, shadow) {
            (Some(Value::Object(l)), Some(Value::Object(s))) => self.objects(l, s, at),
            (Some(Value::Array(l)), Some(Value::Array(s))) => self.arrays(l, s, at),
            _ => {
                let n = self.note(at, live, shadow);
                (Some(mark(n)), Some(mark(n)))
            }
        }
    }

    /// Keys in the live order, then those only the shadow has.
    fn objects(
        &mut self,
        live: &Map<String, Value>,
        shadow: &Map<String, Value>,
        at: &mut String,
    ) -> (Option<Value>, Option<Value>) {
        let (mut l_out, mut s_out) = (Map::new(), Map::new());
        let keys = live
            .keys()
            .chain(shadow.keys().filter(|k| !live.contains_key(*k)));
        for key in keys {
            let len = at.len();
            Path::push_key(at, key);
            let (l, s) = self.judge(live.get(key), shadow.get(key), at);
            at.truncate(len);
            l_out.extend(l.map(|l| (key.clone(), l)));
            s_out.extend(s.map(|s| (key.clone(), s)));
        }
        (Some(Value::Object(l_out)), Some(Value::Object(s_out)))
    }

    /// Elements by index, or for an `unordered` array each live element with its partner, then
    /// the shadow elements no live one took, at their own index said as the shadow's
    /// (`[shadow:2]`), as the comparator reports them.
    fn arrays(
        &mut self,
        live: &[Value],
        shadow: &[Value],
        at: &mut String,
    ) -> (Option<Value>, Option<Value>) {
        let paired = self.pairings.iter().find(|(p, _)| p == at).map(|(_, p)| *p);
        let pairs: Vec<(Step<'_>, Option<&Value>, Option<&Value>)> = match paired {
            Some(shadow_of_live) => {
                let partner = |i: usize| shadow_of_live.get(i).copied().flatten();
                let taken = |j: usize| shadow_of_live.contains(&Some(j));
                let faced = (0..live.len()).map(|i| {
                    let s = partner(i).and_then(|j| shadow.get(j));
                    (Step::Index(i), live.get(i), s)
                });
                let extra = (0..shadow.len())
                    .filter(|&j| !taken(j))
                    .map(|j| (Step::ShadowIndex(j), None, shadow.get(j)));
                faced.chain(extra).collect()
            }
            None => (0..live.len().max(shadow.len()))
                .map(|i| (Step::Index(i), live.get(i), shadow.get(i)))
                .collect(),
        };
        let (mut l_out, mut s_out) = (Vec::new(), Vec::new());
        for (step, l, s) in pairs {
            let len = at.len();
            step.push_to(at);
            let (l, s) = self.judge(l, s, at);
            at.truncate(len);
            l_out.extend(l);
            s_out.extend(s);
        }
        (Some(Value::Array(l_out)), Some(Value::Array(s_out)))
    }

    /// Records why the field at `at` reads unchanged; its mark number.
    fn note(&mut self, at: &str, live: Option<&Value>, shadow: Option<&Value>) -> usize {
        let elided = |v: Option<&Value>| v.is_some_and(|v| v.as_str() == Some(ELIDED));
        let rule = || {
            // The deepest rule that hid something at or around the field, as the side-by-side
            // view names it; a reorder never explains a field that faces its partner.
            self.hidden
                .iter()
                .filter(|(hid, rule)| {
                    rule.kind != RuleKind::Unordered && (under(at, hid) || under(hid, at))
                })
                .max_by_key(|(hid, _)| hid.len())
                .map_or_else(
                    || RULE_SINCE_CHANGED.to_owned(),
                    |(_, rule)| rule.to_string(),
                )
        };
        let remark = match (live, shadow) {
            _ if elided(live) || elided(shadow) => None,
            (Some(l), Some(s)) if crate::compare(l, s, &Rules::none()).is_match() => None,
            (Some(_), Some(s)) => Some(format!("shadow {s}, hidden by {}", rule())),
            (Some(_), None) => Some(format!("missing in shadow, hidden by {}", rule())),
            (None, _) => Some(format!("missing in live, hidden by {}", rule())),
        };
        let shown = live.or(shadow).map_or_else(String::new, Value::to_string);
        self.notes.push(Note { shown, remark });
        self.notes.len() - 1
    }
}

/// Whether `path` is `difference` or lies under it.
pub(super) fn under(path: &str, difference: &str) -> bool {
    path.strip_prefix(difference)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

fn mark(n: usize) -> Value {
    Value::String(format!("{EQUAL_MARK}{n}\u{0}"))
}

/// `diff` with each mark written back as the value it stands for, followed by the note.
pub(super) fn annotate(diff: &str, notes: &[Note]) -> String {
    if notes.is_empty() {
        return diff.to_owned();
    }
    let mut out = String::with_capacity(diff.len());
    for line in diff.split_inclusive('\n') {
        let found = notes.iter().enumerate().find_map(|(n, note)| {
            let marked = format!("{:#}", mark(n));
            line.contains(&marked).then_some((marked, note))
        });
        let Some((marked, note)) = found else {
            out.push_str(line);
            continue;
        };
        let body = line.strip_suffix('\n').unwrap_or(line);
        out.push_str(&body.replace(&marked, &note.shown));
        if let Some(remark) = &note.remark {
            out.push_str(&format!("  ({remark})"));
        }
        if line.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}
