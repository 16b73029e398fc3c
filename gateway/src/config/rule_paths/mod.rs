//! Rules whose pattern reaches no field: `body.loan.rate` where the layout has `body.loan_rate`
//! hides nothing, and an `ignore` so misspelt leaves its author believing a field is ignored.
//!
//! Every answer is compared as the strategy's layout decodes it (an http engine's JSON answer is
//! first encoded into the response layout, which keeps only the layout's fields), so the fields a
//! decision can have are the layout's: the header's and the response and error bodies' of the
//! strategy's transaction codes ([`protocol_mci::Layout::answer_paths`]). A pattern that
//! [`comparator::covers`] none of them is a warning, not an error: the config still works, and
//! the warning names the nearest path. An explicit index past its group's `OCCURS` maximum
//! (`body.offers[12]` where `offers` has at most 10 elements) reaches no field either, and the
//! warning says the maximum. An `unordered` rule applies only to the array its pattern names:
//! one whose pattern reaches fields but no array (`body.rate`, a scalar; `body`, an object) never
//! applies, and the warning lists the arrays (repeated groups) there are. Its `key` names fields
//! of the array's elements: a name no element has is a warning too, with the nearest field name
//! ([`super::suggest::nearest`]), and so is one that the elements of only some of the arrays a
//! wildcard reaches have, naming the others (and the message, where several messages' answers
//! have the array with different element fields). A REDEFINES area is no field (its views are):
//! a pattern that names it is a warning listing the views to name instead. [`check_rules`] runs
//! the same checks against any set of fields ([`Answers`]): the reconciliation's mapped rows
//! (`shadowgate reconcile`) too.

use comparator::{Reach, RulesConfig};
use protocol_mci::{AnswerArea, AnswerField, AreaKind, Layout};

use self::answers::{array_of, Element};
use super::problem::{Found, Problems};
use super::suggest;

mod answers;

pub(crate) use self::answers::Answers;

/// Warns, under `key` (`strategies.<name>.rules`), of every rule of `rules` whose pattern reaches
/// no field of the answers to `tx_codes` in `layout`, and of every `unordered` key that is no
/// field of the array's elements ([`check_rules`]).
pub(super) fn unreachable_rules(
    key: &str,
    rules: &RulesConfig,
    layout: &Layout,
    tx_codes: &[String],
    problems: &mut Problems,
) {
    // No known transaction code: already an error of `tx_codes`.
    if let Some(answers) = Answers::of_layout(layout, tx_codes) {
        check_rules(key, rules, &answers, problems);
    }
}

/// Warns, under `key`, of every rule of `rules` whose pattern reaches none of the fields of
/// `answers`: with the nearest path as a suggestion, the maximum of the group an explicit index
/// is past (`body.offers[12]` where `offers` has at most 10 elements), or the views of the
/// REDEFINES area it names. Then of every `unordered` rule that reaches no array, and of each of
/// its `key` names missing from the elements of an array it reaches ([`unordered_rules`]).
pub(crate) fn check_rules(
    key: &str,
    rules: &RulesConfig,
    answers: &Answers,
    problems: &mut Problems,
) {
    let fields = answers.fields.as_slice();
    let expected = format!("a pattern that reaches a field of {}", answers.whose);
    for (rule, pattern) in rules.patterns() {
        let mut past = None;
        let mut reached = false;
        for field in fields {
            match comparator::reach(pattern, &field.path, &field.maxima) {
                Reach::Field | Reach::Parent => {
                    reached = true;
                    break;
                }
                Reach::PastMaximum { index, max } => {
                    past.get_or_insert((index, max));
                }
                Reach::No => {}
            }
        }
        if reached {
            continue;
        }
        let area = answers.areas.iter().find(|area| names_area(pattern, area));
        let found = match (past, area, nearest(pattern, fields)) {
            (Some((index, max)), _, _) => Found::because(
                pattern,
                format!("index {index}: the group occurs at most {max} times"),
            ),
            (None, Some(area), _) => Found::because(pattern, unkeyed(area)),
            (None, None, Some(near)) => Found::because(pattern, format!("did you mean `{near}`?")),
            // An index where nothing repeats (a batch's mapped rows): say so, there is nothing
            // nearer to suggest.
            (None, None, None)
                if pattern.contains('[') && fields.iter().all(|f| array_of(f).is_none()) =>
            {
                Found::because(pattern, "an index reaches nothing: there are no arrays")
            }
            (None, None, None) => Found::text(pattern),
        };
        problems.warning(format!("{key}.{rule}"), expected.clone(), found);
    }
    unordered_rules(key, rules, answers, problems);
}

/// Why a rule on `area` hides nothing: a REDEFINES area's views are its keys, a filler's or a
/// constant's bytes are never in the decoded JSON.
fn unkeyed(area: &AnswerArea) -> String {
    match area.kind {
        AreaKind::Redefines => format!(
            "{} is a REDEFINES area; address one of its views: {}",
            area.path,
            area.views.join(", ")
        ),
        kind => format!(
            "{} is a {}: bytes of the frame, never in the decoded answer, so no rule applies to it",
            area.path,
            kind.as_str()
        ),
    }
}

/// Whether `pattern` names the REDEFINES `area` itself (`body.detail`), or a field below it as
/// if the area were an object (`body.detail.amount`, written with the area's own path).
fn names_area(pattern: &str, area: &AnswerArea) -> bool {
    comparator::reach(pattern, &area.path, &area.maxima) == Reach::Field
        || pattern
            .strip_prefix(area.path.as_str())
            .is_some_and(|rest| rest.starts_with(['.', '[']))
}

/// Warns of every `unordered` rule whose pattern reaches fields of `answers` but no array among
/// them: the rule applies only to the array it names, so on a scalar or an object it never
/// applies. Then of each `key` name missing from the elements of some of the arrays a rule
/// reaches ([`unordered_keys`]). A pattern that reaches no field at all is left to the pattern
/// check.
fn unordered_rules(key: &str, rules: &RulesConfig, answers: &Answers, problems: &mut Problems) {
    let fields = answers.fields.as_slice();
    for (at, rule) in rules.unordered.iter().enumerate() {
        let reached: Vec<&AnswerField> = fields
            .iter()
            .filter(|field| {
                comparator::reach(&rule.path, &field.path, &field.maxima) == Reach::Field
            })
            .collect();
        if reached.is_empty() {
            continue;
        }
        // The element (`body.offers[*]`) of each array the pattern names itself: one per
        // distinct element where messages share the array's path with different fields.
        let elements: Vec<&Element> = answers
            .elements
            .iter()
            .filter(|element| {
                array_of(&element.field)
                    .is_some_and(|array| reached.iter().any(|r| r.path == array))
            })
            .collect();
        if elements.is_empty() {
            let mut arrays: Vec<&str> = fields.iter().filter_map(array_of).collect();
            arrays.dedup();
            let suggestion = match arrays.is_empty() {
                true => "there are no arrays".to_owned(),
                false => format!("the arrays are {}", arrays.join(", ")),
            };
            problems.warning(
                format!("{key}.unordered[{at}].path"),
                format!(
                    "a pattern that reaches an array (a repeated group) of {}",
                    answers.whose
                ),
                Found::because(
                    &rule.path,
                    format!("which reaches {}; {suggestion}", shapes(&reached, fields)),
                ),
            );
            continue;
        }
        unordered_keys(
            &format!("{key}.unordered[{at}]"),
            &rule.key,
            &elements,
            problems,
        );
    }
}

/// Warns, under `key` (`….unordered[N]`), of every name of `names` (the rule's `key`) that is
/// missing from the `elements` of some of the arrays the rule reaches: from all of them, with
/// the nearest field name, since pairing by a field no element has pairs nothing by key; from
/// some, naming each array whose elements lack it once (with the messages whose answers have it
/// so, where other messages' elements of that array differ) and the fields they have, since
/// their elements pair without it (a field missing on both sides is an equal key).
fn unordered_keys(key: &str, names: &[String], elements: &[&Element], problems: &mut Problems) {
    let mut all: Vec<&str> = Vec::new();
    for element in elements {
        for name in &element.field.element_keys {
            if !all.contains(&name.as_str()) {
                all.push(name);
            }
        }
    }
    let mut arrays: Vec<&str> = elements.iter().filter_map(|e| array_of(&e.field)).collect();
    arrays.dedup();
    for (index, name) in names.iter().enumerate() {
        let lacking: Vec<&Element> = elements
            .iter()
            .copied()
            .filter(|e| !e.field.element_keys.contains(name))
            .collect();
        if lacking.is_empty() {
            continue;
        }
        let (expected, found) = if lacking.len() == elements.len() {
            let found = match suggest::nearest(name, all.iter().copied()) {
                Some(near) => Found::because(name, format!("did you mean `{near}`?")),
                None => Found::text(name),
            };
            let expected = format!(
                "a field of the elements of {} ({})",
                arrays.join(", "),
                all.join(", ")
            );
            (expected, found)
        } else {
            let expected = format!(
                "a field of the elements of every array the pattern reaches: {}",
                arrays.join(", ")
            );
            let each: Vec<String> = lacking
                .iter()
                .map(|element| lacking_element(element, elements))
                .collect();
            let found = Found::because(
                name,
                format!("missing from the elements of {}", each.join("; ")),
            );
            (expected, found)
        };
        problems.warning(format!("{key}.key[{index}]"), expected, found);
    }
}

/// One array whose `element` lacks a key, for the warning: `body.fees (has: fee_code, rate)`,
/// naming the messages whose answers have it so when another of `elements` is the same array
/// with other fields: `body.offers of message LNS0002 (has: product_code, seq)`.
fn lacking_element(element: &Element, elements: &[&Element]) -> String {
    let array = array_of(&element.field).unwrap_or(&element.field.path);
    let differs = elements.iter().any(|other| {
        array_of(&other.field) == Some(array)
            && other.field.element_keys != element.field.element_keys
    });
    let whose = match (differs, element.messages.as_slice()) {
        (false, _) | (true, []) => String::new(),
        (true, [one]) => format!(" of message {one}"),
        (true, many) => format!(" of messages {}", many.join(", ")),
    };
    format!(
        "{array}{whose} (has: {})",
        element.field.element_keys.join(", ")
    )
}

/// What `reached` (fields that are no arrays) are, for the warning: `a scalar`, `an object`,
/// `2 scalars and an object`. A field is an object when another field of `fields` is below it.
fn shapes(reached: &[&AnswerField], fields: &[AnswerField]) -> String {
    let objects = reached
        .iter()
        .filter(|field| {
            fields.iter().any(|below| {
                below
                    .path
                    .strip_prefix(field.path.as_str())
                    .is_some_and(|rest| rest.starts_with(['.', '[']))
            })
        })
        .count();
    let count = |n: usize, one: &str, many: &str| match n {
        0 => None,
        1 => Some(one.to_owned()),
        n => Some(format!("{n} {many}")),
    };
    let scalars = count(reached.len() - objects, "a scalar", "scalars");
    let objects = count(objects, "an object", "objects");
    [scalars, objects]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" and ")
}

/// The path nearest to `pattern` in edit distance, if it is at most a third of the pattern's
/// length away (at least 2 edits): a path nowhere near the pattern is no suggestion.
fn nearest<'p>(pattern: &str, fields: &'p [AnswerField]) -> Option<&'p str> {
    let limit = (pattern.chars().count() / 3).max(2);
    fields
        .iter()
        .map(|field| {
            (
                strsim::levenshtein(pattern, &field.path),
                field.path.as_str(),
            )
        })
        .filter(|&(distance, _)| distance <= limit)
        .min()
        .map(|(_, path)| path)
}

#[cfg(test)]
mod tests;
