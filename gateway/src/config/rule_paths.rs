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
//! wildcard reaches have, naming the others. [`check_rules`] runs the same checks against any set
//! of fields: the reconciliation's mapped rows (`shadowgate reconcile`) too.

use comparator::{Reach, RulesConfig};
use protocol_mci::{AnswerField, Layout};

use super::problem::{Found, Problems};
use super::suggest;

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
    let mut fields: Vec<AnswerField> = tx_codes
        .iter()
        .flat_map(|code| layout.answer_fields(code, comparator::Path::push_key))
        .collect();
    fields.sort();
    fields.dedup();
    if fields.is_empty() {
        // No known transaction code: already an error of `tx_codes`.
        return;
    }
    let whose = format!(
        "the answers of layout {:?} ({})",
        layout.name,
        tx_codes.join(", ")
    );
    check_rules(key, rules, &fields, &whose, problems);
}

/// Warns, under `key`, of every rule of `rules` whose pattern reaches none of `fields` (what a
/// compared decision can hold, sorted by path; `whose` says whose fields they are, for the
/// message): with the nearest path as a suggestion, or the maximum of the group an explicit
/// index is past (`body.offers[12]` where `offers` has at most 10 elements). Then of every
/// `unordered` rule that reaches no array, and of each of its `key` names missing from the
/// elements of an array it reaches ([`unordered_rules`]).
pub(crate) fn check_rules(
    key: &str,
    rules: &RulesConfig,
    fields: &[AnswerField],
    whose: &str,
    problems: &mut Problems,
) {
    let expected = format!("a pattern that reaches a field of {whose}");
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
        let found = match (past, nearest(pattern, fields)) {
            (Some((index, max)), _) => Found::because(
                pattern,
                format!("index {index}: the group occurs at most {max} times"),
            ),
            (None, Some(near)) => Found::because(pattern, format!("did you mean `{near}`?")),
            // An index where nothing repeats (a batch's mapped rows): say so, there is nothing
            // nearer to suggest.
            (None, None)
                if pattern.contains('[') && fields.iter().all(|f| array_of(f).is_none()) =>
            {
                Found::because(pattern, "an index reaches nothing: there are no arrays")
            }
            (None, None) => Found::text(pattern),
        };
        problems.warning(format!("{key}.{rule}"), expected.clone(), found);
    }
    unordered_rules(key, rules, fields, whose, problems);
}

/// Warns of every `unordered` rule whose pattern reaches fields of `fields` (`whose` says whose)
/// but no array among them: the rule applies only to the array it names, so on a scalar or an
/// object it never applies. Then of each `key` name missing from the elements of some of the
/// arrays a rule reaches ([`unordered_keys`]). A pattern that reaches no field at all is left to
/// the pattern check.
fn unordered_rules(
    key: &str,
    rules: &RulesConfig,
    fields: &[AnswerField],
    whose: &str,
    problems: &mut Problems,
) {
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
        let elements: Vec<&AnswerField> = fields
            .iter()
            .filter(|element| {
                array_of(element).is_some_and(|array| reached.iter().any(|r| r.path == array))
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
                format!("a pattern that reaches an array (a repeated group) of {whose}"),
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
/// missing from the elements of some of the arrays whose `elements` the rule reaches: from all
/// of them, with the nearest field name, since pairing by a field no element has pairs nothing
/// by key; from some, naming those, since their elements pair without it (a field missing on
/// both sides is an equal key).
fn unordered_keys(key: &str, names: &[String], elements: &[&AnswerField], problems: &mut Problems) {
    let mut all: Vec<&str> = Vec::new();
    for element in elements {
        for name in &element.element_keys {
            if !all.contains(&name.as_str()) {
                all.push(name);
            }
        }
    }
    let mut arrays: Vec<&str> = elements.iter().filter_map(|e| array_of(e)).collect();
    arrays.dedup();
    for (index, name) in names.iter().enumerate() {
        let lacks = |element: &AnswerField| !element.element_keys.contains(name);
        let mut lacking: Vec<&str> = elements
            .iter()
            .filter(|e| lacks(e))
            .filter_map(|e| array_of(e))
            .collect();
        lacking.dedup();
        if lacking.is_empty() {
            continue;
        }
        let (expected, found) = if elements.iter().all(|e| lacks(e)) {
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
            let each: Vec<String> = elements
                .iter()
                .filter_map(|e| Some(format!("{} ({})", array_of(e)?, e.element_keys.join(", "))))
                .collect();
            let expected = format!(
                "a field of the elements of every array the pattern reaches: {}",
                each.join(", ")
            );
            let found = Found::because(
                name,
                format!("missing from the elements of {}", lacking.join(", ")),
            );
            (expected, found)
        };
        problems.warning(format!("{key}.key[{index}]"), expected, found);
    }
}

/// The array (`body.offers`) whose element `field` is (`body.offers[*]`), if it is one.
fn array_of(field: &AnswerField) -> Option<&str> {
    field.path.strip_suffix("[*]")
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
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::path::Path;

    use comparator::RulesConfig;
    use protocol_mci::{AnswerField, Layout};

    use super::super::problem::Problems;
    use super::super::raw::ConfigFile;
    use super::super::tests::{config, example_layout};
    use super::super::{load, Problem};
    use super::{check_rules, unreachable_rules};

    /// The warnings of the base config with `rules` as its strategy's rules table.
    fn warnings(rules: &str) -> Vec<String> {
        warnings_of(&[], rules)
    }

    /// [`warnings`] with the example layout's text changed by `edits` (from, to).
    fn warnings_of(edits: &[(&str, &str)], rules: &str) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let mut text = std::fs::read_to_string(example_layout()).unwrap();
        for (from, to) in edits {
            assert!(text.contains(from), "{from}");
            text = text.replace(from, to);
        }
        let layout = dir.path().join("layout.toml");
        std::fs::write(&layout, text).unwrap();
        let declared = format!("loan = {:?}", example_layout());
        let extra = format!("\n[strategies.loan.rules]\n{rules}");
        let path = config(
            dir.path(),
            &[(&declared, &format!("loan = {layout:?}"))],
            &extra,
        );
        let loaded = load(&path).unwrap();
        loaded.warnings.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_misspelt_rule_path_is_one_warning_with_a_suggestion() {
        let found = warnings(
            "ignore = [\n\
             { path = \"header.sent_at\", owner = \"ops\" },\n\
             { path = \"body.limit_amnt\", owner = \"ops\" },\n\
             ]\n",
        );
        assert_eq!(
            found,
            [
                "strategies.loan.rules.ignore[1]: expected a pattern that reaches a field of the \
                 answers of layout \"loan-screening\" (LNS0001), found \"body.limit_amnt\" \
                 (did you mean `body.limit_amount`?)"
            ]
        );
    }

    #[test]
    fn fields_of_groups_arrays_and_the_error_body_are_reached() {
        let found = warnings(
            "unordered = [{ path = \"body.offers\", owner = \"ops\" }]\n\
             tolerance = [{ path = \"body.offers[*].rate\", absolute = \"0.001\", owner = \"ops\" }]\n\
             severity = { critical = [\"body.offers[0].limit\", \"body.error_message\", \
             \"header.*_at\", \"*.grade\"] }\n",
        );
        assert_eq!(found, Vec::<String>::new());
    }

    #[test]
    fn an_unordered_key_no_element_has_is_a_warning_with_the_nearest_field() {
        let found = warnings(
            "unordered = [{ path = \"body.offers\", key = [\"term\", \"prodcut_code\", \
             \"branch\"], owner = \"ops\" }]\n",
        );
        let expected = "expected a field of the elements of body.offers (product_code, limit, \
                        rate, term), found";
        assert_eq!(
            found,
            [
                format!(
                    "strategies.loan.rules.unordered[0].key[1]: {expected} \"prodcut_code\" \
                     (did you mean `product_code`?)"
                ),
                format!("strategies.loan.rules.unordered[0].key[2]: {expected} \"branch\""),
            ]
        );
    }

    #[test]
    fn an_unordered_rule_that_reaches_no_array_is_a_warning_listing_the_arrays() {
        let found = warnings(
            "unordered = [\n\
             { path = \"body.rate\", owner = \"ops\" },\n\
             { path = \"body\", owner = \"ops\" },\n\
             { path = \"body.offers[*]\", owner = \"ops\" },\n\
             { path = \"*\", owner = \"ops\" },\n\
             { path = \"body.offers[*].*\", owner = \"ops\" },\n\
             { path = \"body.offers\", owner = \"ops\" },\n\
             { path = \"body.*\", owner = \"ops\" },\n\
             ]\n",
        );
        let expected = "expected a pattern that reaches an array (a repeated group) of the \
                        answers of layout \"loan-screening\" (LNS0001), found";
        let arrays = "the arrays are body.offers";
        assert_eq!(
            found,
            [
                format!(
                    "strategies.loan.rules.unordered[0].path: {expected} \"body.rate\" (which \
                     reaches a scalar; {arrays})"
                ),
                format!(
                    "strategies.loan.rules.unordered[1].path: {expected} \"body\" (which \
                     reaches an object; {arrays})"
                ),
                format!(
                    "strategies.loan.rules.unordered[2].path: {expected} \"body.offers[*]\" \
                     (which reaches an object; {arrays})"
                ),
                format!(
                    "strategies.loan.rules.unordered[3].path: {expected} \"*\" (which reaches 2 \
                     objects; {arrays})"
                ),
                format!(
                    "strategies.loan.rules.unordered[4].path: {expected} \"body.offers[*].*\" \
                     (which reaches 4 scalars; {arrays})"
                ),
            ]
        );
    }

    #[test]
    fn without_arrays_an_unordered_rule_on_a_field_says_there_are_none() {
        // A reconciliation's mapped rows: objects and scalars, never an array.
        let fields: Vec<AnswerField> = ["body", "body.cust_no", "body.rate"]
            .into_iter()
            .map(|path| AnswerField {
                path: path.to_owned(),
                maxima: Vec::new(),
                element_keys: Vec::new(),
            })
            .collect();
        let rules: RulesConfig =
            toml::from_str("unordered = [{ path = \"body.*\" }, { path = \"body.cust\" }]")
                .unwrap();
        let mut problems = Problems::new();
        check_rules("rules", &rules, &fields, "the rows", &mut problems);
        let found: Vec<String> = problems
            .into_vec()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            found,
            [
                // The misspelt one reaches nothing: the pattern check's warning alone.
                "rules.unordered[1].path: expected a pattern that reaches a field of the rows, \
                 found \"body.cust\" (did you mean `body.cust_no`?)",
                "rules.unordered[0].path: expected a pattern that reaches an array (a repeated \
                 group) of the rows, found \"body.*\" (which reaches 2 scalars; there are no \
                 arrays)",
            ]
        );
    }

    #[test]
    fn an_unordered_key_missing_from_some_arrays_a_wildcard_reaches_names_them() {
        // A second group beside `offers` whose elements have a `rate` but no `product_code`;
        // `message` shrinks by the group's bytes, so the response keeps its length.
        let found = warnings_of(
            &[(
                "{ name = \"message\", type = \"text\", length = 80, truncate = true },",
                "{ name = \"fee_cnt\", type = \"number\", length = 1 },\n  \
                 { name = \"fees\", type = \"group\", count = \"fee_cnt\", max = 1, fields = [\n    \
                 { name = \"fee_code\", type = \"text\", length = 4 },\n    \
                 { name = \"rate\", type = \"number\", length = 6, scale = 3 },\n  ] },\n  \
                 { name = \"message\", type = \"text\", length = 69, truncate = true },",
            )],
            "unordered = [{ path = \"body.*\", key = [\"rate\", \"product_code\", \"prodcut_code\"], \
             owner = \"ops\" }]\n",
        );
        assert_eq!(
            found,
            [
                "strategies.loan.rules.unordered[0].key[1]: expected a field of the elements of \
                 every array the pattern reaches: body.fees (fee_code, rate), body.offers \
                 (product_code, limit, rate, term), found \"product_code\" (missing from the \
                 elements of body.fees)",
                "strategies.loan.rules.unordered[0].key[2]: expected a field of the elements of \
                 body.fees, body.offers (fee_code, rate, product_code, limit, term), found \
                 \"prodcut_code\" (did you mean `product_code`?)",
            ]
        );
    }

    #[test]
    fn an_index_past_the_groups_maximum_is_a_warning_saying_the_maximum() {
        // `offers` occurs at most 3 times in the example layout: indices 0 to 2.
        let found = warnings(
            "severity = { minor = [\"body.offers[2].rate\", \"body.offers[3].rate\", \
             \"body.offers[*].rate\"] }\n\
             unordered = [{ path = \"body.offers[7]\", owner = \"ops\" }]\n",
        );
        assert_eq!(
            found,
            [
                "strategies.loan.rules.unordered[0].path: expected a pattern that reaches a field \
                 of the answers of layout \"loan-screening\" (LNS0001), found \"body.offers[7]\" \
                 (index 7: the group occurs at most 3 times)",
                "strategies.loan.rules.severity.minor[1]: expected a pattern that reaches a field \
                 of the answers of layout \"loan-screening\" (LNS0001), found \
                 \"body.offers[3].rate\" (index 3: the group occurs at most 3 times)",
            ]
        );
    }

    #[test]
    fn a_key_the_pattern_syntax_uses_is_matched_quoted() {
        // A field named `credit.grade` is the path `body["credit.grade"]`, not `grade` inside
        // `credit`, so the quoted rule reaches it and the dotted one does not.
        let dir = tempfile::tempdir().unwrap();
        let text = std::fs::read_to_string(example_layout()).unwrap();
        let layout = dir.path().join("dotted.toml");
        std::fs::write(
            &layout,
            text.replace("name = \"grade\"", "name = \"credit.grade\""),
        )
        .unwrap();
        let rules = "\n[strategies.loan.rules]\n\
                     severity = { minor = ['body[\"credit.grade\"]', \"body.credit.grade\"] }\n";
        let declared = format!("loan = {:?}", example_layout());
        let path = config(
            dir.path(),
            &[(&declared, &format!("loan = {layout:?}"))],
            rules,
        );
        let loaded = load(&path).unwrap();
        let keys: Vec<&str> = loaded.warnings.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["strategies.loan.rules.severity.minor[1]"]);
    }

    #[test]
    fn a_pattern_near_nothing_gets_no_suggestion() {
        let found = warnings("severity = { minor = [\"trailer.checksum\"] }\n");
        assert_eq!(
            found,
            [
                "strategies.loan.rules.severity.minor[0]: expected a pattern that reaches a field \
                 of the answers of layout \"loan-screening\" (LNS0001), found \"trailer.checksum\""
            ]
        );
    }

    #[test]
    fn the_shipped_configs_rules_all_reach_a_field() {
        // `demo.toml` is a template (addresses filled in by the demo), so its rules are checked
        // against its layout directly rather than by loading the whole file.
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config");
        for file in ["shadowgate.toml", "demo.toml"] {
            let text = std::fs::read_to_string(root.join(file)).unwrap();
            let raw: ConfigFile = toml::from_str(&text).expect(file);
            assert!(!raw.strategies.is_empty(), "{file}");
            for (name, strategy) in &raw.strategies {
                let declared = &raw.layouts[&strategy.layout];
                let layout_file = root.join("layouts").join(declared.file_name().unwrap());
                let layout = Layout::from_file(&layout_file).unwrap();
                let mut problems = Problems::new();
                let key = format!("strategies.{name}.rules");
                unreachable_rules(
                    &key,
                    &strategy.rules,
                    &layout,
                    &strategy.tx_codes,
                    &mut problems,
                );
                let found: Vec<Problem> = problems.into_vec();
                assert_eq!(found, [], "{file}");
            }
        }
    }
}
