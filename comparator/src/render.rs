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

use judged::{annotate, under, Judge};

pub use judged::RULE_SINCE_CHANGED;

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
    let comparison = crate::compare(live, shadow, rules);
    let paths: Vec<String> = comparison
        .differences
        .iter()
        .map(|d| d.path.to_string())
        .collect();
    let reported: Vec<&str> = paths.iter().map(String::as_str).collect();
    unified_diff_reported(live, shadow, &reported, rules)
}

/// The unified diff of [`unified_diff`] with exactly the `reported` differences marked `-`/`+`
/// (paths as the comparator prints them, `body.offers[2].rate`), whatever `rules` would report
/// now: the diff of a stored record, whose differences were judged under the rules of its day.
/// `rules` (those in force) only elide ignored fields that hold no reported difference, pair
/// `unordered` arrays and name the rule in each note. Any other field that differs is an
/// unchanged line with the live value, noted with the rule in force that hides it, or with
/// [`RULE_SINCE_CHANGED`] when none does; no note when the two values are equal without rules
/// (`5.250` and `5.25`) or elided.
pub fn unified_diff_reported(
    live: &Value,
    shadow: &Value,
    reported: &[&str],
    rules: &Rules,
) -> String {
    let (hidden, pairings) = explain_pairings(live, shadow, rules);
    let mut judge = Judge::new(reported, &hidden, &pairings);
    let (live, shadow) = judge.sides(
        &elide(live, rules, reported),
        &elide(shadow, rules, reported),
    );
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
    annotate(&diff, &judge.notes)
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

/// A copy of `value` with every ignored field replaced by [`ELIDED`], but for a field at, under
/// or above a `reported` difference: what is reported is shown. (The shadow's indices are its
/// own: inside a reordered array a reported path may name another element.)
fn elide(value: &Value, rules: &Rules, reported: &[&str]) -> Value {
    let mut walk = Elide {
        rules,
        reported,
        states: vec![Matcher::ROOT],
        at: String::new(),
    };
    walk.node(value, 0..1)
}

/// The walk of [`elide`]: matcher states along the path, and the path as text.
struct Elide<'a> {
    rules: &'a Rules,
    reported: &'a [&'a str],
    states: Vec<u32>,
    at: String,
}

impl Elide<'_> {
    fn node(&mut self, value: &Value, here: Range<usize>) -> Value {
        match value {
            Value::Object(map) => {
                let mut out = Map::with_capacity(map.len());
                for (key, child) in map {
                    let len = self.at.len();
                    Step::Key(key).push_to(&mut self.at);
                    let child = self.child(Step::Key(key), child, here.clone());
                    self.at.truncate(len);
                    out.insert(key.clone(), child);
                }
                Value::Object(out)
            }
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (index, child) in items.iter().enumerate() {
                    let len = self.at.len();
                    Step::Index(index).push_to(&mut self.at);
                    out.push(self.child(Step::Index(index), child, here.clone()));
                    self.at.truncate(len);
                }
                Value::Array(out)
            }
            other => other.clone(),
        }
    }

    fn child(&mut self, step: Step<'_>, value: &Value, parent: Range<usize>) -> Value {
        let start = self.states.len();
        for at in parent {
            let node = self.states[at];
            self.rules.matcher.step(node, step, &mut self.states);
        }
        let ignored = self.states[start..]
            .iter()
            .any(|&node| self.rules.matcher.actions(node).ignore.is_some());
        let shown = |d: &&str| *d == "$" || under(&self.at, d) || under(d, &self.at);
        let out = if ignored && !self.reported.iter().any(shown) {
            Value::String(ELIDED.to_owned())
        } else {
            self.node(value, start..self.states.len())
        };
        self.states.truncate(start);
        out
    }
}
