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
//! warning says the maximum. The `key` of an `unordered` rule names fields of the array's
//! elements: a name no element has is a warning too, with the nearest field name
//! ([`super::suggest::nearest`]). [`check_rules`] runs the same checks against any set of
//! fields: the reconciliation's mapped rows (`shadowgate reconcile`) too.

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
/// `unordered` rule's `key` name that is no field of the elements of the arrays the rule names.
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
            (None, None) => Found::text(pattern),
        };
        problems.warning(format!("{key}.{rule}"), expected.clone(), found);
    }
    unordered_keys(key, rules, fields, problems);
}

/// Warns of every `unordered` rule's `key` name that is a field of no element of the arrays the
/// rule's pattern names (pairing by a field no element has pairs nothing by key); a rule that
/// names no array of `fields` is left to the pattern check.
fn unordered_keys(key: &str, rules: &RulesConfig, fields: &[AnswerField], problems: &mut Problems) {
    for (at, rule) in rules.unordered.iter().enumerate() {
        // The element (`body.offers[*]`) of each array the pattern names itself.
        let elements: Vec<&AnswerField> = fields
            .iter()
            .filter(|element| {
                let Some(array) = element.path.strip_suffix("[*]") else {
                    return false;
                };
                let maxima = &element.maxima[..element.maxima.len().saturating_sub(1)];
                comparator::reach(&rule.path, array, maxima) == Reach::Field
            })
            .collect();
        if elements.is_empty() {
            continue;
        }
        let mut names: Vec<&str> = Vec::new();
        for element in &elements {
            for name in &element.element_keys {
                if !names.contains(&name.as_str()) {
                    names.push(name);
                }
            }
        }
        for (index, name) in rule.key.iter().enumerate() {
            if names.contains(&name.as_str()) {
                continue;
            }
            let arrays: Vec<&str> = elements
                .iter()
                .filter_map(|e| e.path.strip_suffix("[*]"))
                .collect();
            let found = match suggest::nearest(name, names.iter().copied()) {
                Some(near) => Found::because(name, format!("did you mean `{near}`?")),
                None => Found::text(name),
            };
            problems.warning(
                format!("{key}.unordered[{at}].key[{index}]"),
                format!(
                    "a field of the elements of {} ({})",
                    arrays.join(", "),
                    names.join(", ")
                ),
                found,
            );
        }
    }
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

    use protocol_mci::Layout;

    use super::super::problem::Problems;
    use super::super::raw::ConfigFile;
    use super::super::tests::{config, example_layout};
    use super::super::{load, Problem};
    use super::unreachable_rules;

    /// The warnings of the base config with `rules` as its strategy's rules table.
    fn warnings(rules: &str) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let extra = format!("\n[strategies.loan.rules]\n{rules}");
        let loaded = load(&config(dir.path(), &[], &extra)).unwrap();
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
