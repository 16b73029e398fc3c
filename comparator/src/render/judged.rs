//! The decisions as the comparison judged them, for the unified diff: the shadow's `unordered`
//! arrays in the order of the live elements they were paired with, and each field a rule made
//! equal replaced on both sides by a mark, written back after diffing as the live value with a
//! note, so the line reads unchanged and says why.

use serde_json::{Map, Value};

use crate::explain::{Hidden, Pairing};
use crate::path::{Path, Segment};
use crate::rules::{RuleKind, RuleRef};

/// Stands for the `n`th field a rule made equal while diffing: the same on both sides, so the
/// line is unchanged; written back as the live value after. NULs, which serde_json escapes,
/// keep it apart from any value a decision holds.
const EQUAL_MARK: &str = "\u{0}judged-equal-";

/// A field a rule other than `ignore` and `unordered` made equal: where, both values as JSON
/// text, and the rule.
pub(super) struct Note<'a> {
    path: &'a Path,
    live: String,
    shadow: String,
    rule: &'a RuleRef,
}

/// The fields `tolerance`, `normalise` and `value_map` made equal, each once, found in both
/// decisions (the shadow's through the pairings of `unordered` arrays).
pub(super) fn made_equal<'a>(
    live: &Value,
    shadow: &Value,
    hidden: &'a [Hidden],
    pairings: &[Pairing],
) -> Vec<Note<'a>> {
    let mut notes: Vec<Note<'a>> = Vec::new();
    for Hidden { path, rule } in hidden {
        if matches!(rule.kind, RuleKind::Ignore | RuleKind::Unordered)
            || notes.iter().any(|n| n.path == path)
        {
            continue;
        }
        let (Some(l), Some(s)) = (
            value_at(live, path.segments(), &[]),
            value_at(shadow, path.segments(), pairings),
        ) else {
            continue;
        };
        notes.push(Note {
            path,
            live: l.to_string(),
            shadow: s.to_string(),
            rule,
        });
    }
    notes
}

/// `live` with each noted field replaced by its mark.
pub(super) fn mark_live(live: &mut Value, notes: &[Note<'_>]) {
    for (n, note) in notes.iter().enumerate() {
        if let Some(slot) = value_at_mut(live, note.path.segments()) {
            *slot = mark(n);
        }
    }
}

fn mark(n: usize) -> Value {
    Value::String(format!("{EQUAL_MARK}{n}\u{0}"))
}

/// The value at `segments` (indices of the live decision), through `pairings` for the elements
/// of `unordered` arrays.
fn value_at<'v>(value: &'v Value, segments: &[Segment], pairings: &[Pairing]) -> Option<&'v Value> {
    let mut here = value;
    for (depth, segment) in segments.iter().enumerate() {
        here = match segment {
            Segment::Key(key) => here.get(key)?,
            Segment::Index(index) => {
                let paired = pairings
                    .iter()
                    .find(|p| p.path.segments() == &segments[..depth]);
                let index = match paired {
                    Some(p) => (*p.shadow_of_live.get(*index)?)?,
                    None => *index,
                };
                here.get(index)?
            }
        };
    }
    Some(here)
}

fn value_at_mut<'v>(value: &'v mut Value, segments: &[Segment]) -> Option<&'v mut Value> {
    segments
        .iter()
        .try_fold(value, |here, segment| match segment {
            Segment::Key(key) => here.get_mut(key),
            Segment::Index(index) => here.get_mut(*index),
        })
}

/// A copy of the shadow decision in the live decision's order: each `unordered` array's
/// elements in the order of the live elements they were paired with, then the ones paired with
/// none; each noted field replaced by its mark. `at` is the path in live indices.
pub(super) fn align(
    value: &Value,
    at: &mut Vec<Segment>,
    pairings: &[Pairing],
    notes: &[Note<'_>],
) -> Value {
    if let Some(n) = notes
        .iter()
        .position(|n| n.path.segments() == at.as_slice())
    {
        return mark(n);
    }
    match value {
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (key, child) in map {
                at.push(Segment::Key(key.clone()));
                out.insert(key.clone(), align(child, at, pairings, notes));
                at.pop();
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            let paired = pairings.iter().find(|p| p.path.segments() == at.as_slice());
            let Some(paired) = paired else {
                let mut out = Vec::with_capacity(items.len());
                for (index, child) in items.iter().enumerate() {
                    at.push(Segment::Index(index));
                    out.push(align(child, at, pairings, notes));
                    at.pop();
                }
                return Value::Array(out);
            };
            let mut out = Vec::with_capacity(items.len());
            for (index, shadow) in paired.shadow_of_live.iter().enumerate() {
                if let Some(child) = shadow.and_then(|s| items.get(s)) {
                    at.push(Segment::Index(index));
                    out.push(align(child, at, pairings, notes));
                    at.pop();
                }
            }
            // Compared with nothing: no rule made anything in them equal.
            let taken = |s: usize| paired.shadow_of_live.contains(&Some(s));
            out.extend(
                (0..)
                    .zip(items)
                    .filter(|&(s, _)| !taken(s))
                    .map(|(_, child)| child.clone()),
            );
            Value::Array(out)
        }
        other => other.clone(),
    }
}

/// `diff` with each mark written back as the live value, followed by the shadow value and the
/// rule that made them equal.
pub(super) fn annotate(diff: &str, notes: &[Note<'_>]) -> String {
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
        out.push_str(&body.replace(&marked, &note.live));
        out.push_str(&format!(
            "  (shadow {}, hidden by {})",
            note.shadow, note.rule
        ));
        if line.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}
