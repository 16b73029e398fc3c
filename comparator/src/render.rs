//! Showing a mismatch to people, with `similar`: a unified diff of the two decisions as the
//! comparison judged them, and an inline character diff for a long string that differs.

use std::ops::Range;

use serde_json::{Map, Value};
use similar::{ChangeTag, TextDiff};

use crate::comparison::Difference;
use crate::explain::explain_pairings;
use crate::matcher::Matcher;
use crate::path::Step;
use crate::rules::Rules;

mod judged;

use judged::{align, annotate, made_equal, mark_live};

#[cfg(test)]
mod tests;

/// What an ignored value is replaced with before diffing, so ignored noise never shows up.
pub const ELIDED: &str = "<ignored>";

/// Strings at least this many characters long get an inline diff from [`string_diff`]; shorter
/// ones read fine side by side.
pub const LONG_STRING: usize = 32;

/// A unified diff (headers `live` and `shadow`, 3 lines of context) of both decisions
/// pretty-printed as the comparison judged them, so only what differs is marked `-`/`+`: every
/// ignored field is [`ELIDED`] on both sides; each element of an `unordered` array faces the
/// live element it was paired with (shadow elements paired with none come last); a field that
/// `tolerance`, `normalise` or `value_map` made equal is one unchanged line with the live value
/// and a note: `"rate": 5.250,  (shadow 5.251, hidden by tolerance body.rate)`.
/// Empty when nothing differs.
pub fn unified_diff(live: &Value, shadow: &Value, rules: &Rules) -> String {
    let (hidden, pairings) = explain_pairings(live, shadow, rules);
    let notes = made_equal(live, shadow, &hidden, &pairings);
    let mut live = elide(live, rules);
    mark_live(&mut live, &notes);
    let shadow = align(&elide(shadow, rules), &mut Vec::new(), &pairings, &notes);
    // `{:#}` is serde_json's pretty printer; numbers keep their exact text.
    let live = format!("{live:#}\n");
    let shadow = format!("{shadow:#}\n");
    if live == shadow {
        return String::new();
    }
    let diff = TextDiff::from_lines(&live, &shadow)
        .unified_diff()
        .context_radius(3)
        .header("live", "shadow")
        .to_string();
    annotate(&diff, &notes)
}

/// A character diff of two strings in one line: deletions as `[-…-]`, insertions as `{+…+}`.
///
/// `inline_diff("한도 승인", "한도 거절")` is `한도 [-승인-]{+거절+}`.
pub fn inline_diff(live: &str, shadow: &str) -> String {
    let diff = TextDiff::from_chars(live, shadow);
    let mut out = String::with_capacity(live.len() + shadow.len());
    let mut open = ChangeTag::Equal;
    for change in diff.iter_all_changes() {
        if change.tag() != open {
            out.push_str(marker(open).1);
            open = change.tag();
            out.push_str(marker(open).0);
        }
        out.push_str(change.value());
    }
    out.push_str(marker(open).1);
    out
}

/// The inline diff of a difference between two strings when either is long (see
/// [`LONG_STRING`]); `None` otherwise.
pub fn string_diff(difference: &Difference) -> Option<String> {
    match (&difference.live, &difference.shadow) {
        (Some(Value::String(live)), Some(Value::String(shadow)))
            if live.chars().count().max(shadow.chars().count()) >= LONG_STRING =>
        {
            Some(inline_diff(live, shadow))
        }
        _ => None,
    }
}

fn marker(tag: ChangeTag) -> (&'static str, &'static str) {
    match tag {
        ChangeTag::Equal => ("", ""),
        ChangeTag::Delete => ("[-", "-]"),
        ChangeTag::Insert => ("{+", "+}"),
    }
}

/// A copy of `value` with every ignored field replaced by [`ELIDED`].
fn elide(value: &Value, rules: &Rules) -> Value {
    let mut states = vec![Matcher::ROOT];
    elide_node(value, rules, &mut states, 0..1)
}

fn elide_node(value: &Value, rules: &Rules, states: &mut Vec<u32>, here: Range<usize>) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (key, child) in map {
                let child = elide_child(Step::Key(key), child, rules, states, here.clone());
                out.insert(key.clone(), child);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(
            (0..)
                .zip(items)
                .map(|(index, child)| {
                    elide_child(Step::Index(index), child, rules, states, here.clone())
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

fn elide_child(
    step: Step<'_>,
    value: &Value,
    rules: &Rules,
    states: &mut Vec<u32>,
    parent: Range<usize>,
) -> Value {
    let start = states.len();
    for at in parent {
        let node = states[at];
        rules.matcher.step(node, step, states);
    }
    let ignored = states[start..]
        .iter()
        .any(|&node| rules.matcher.actions(node).ignore.is_some());
    let out = if ignored {
        Value::String(ELIDED.to_owned())
    } else {
        elide_node(value, rules, states, start..states.len())
    };
    states.truncate(start);
    out
}
