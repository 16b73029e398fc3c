//! Rules whose pattern reaches no field: `body.loan.rate` where the layout has `body.loan_rate`
//! hides nothing, and an `ignore` so misspelt leaves its author believing a field is ignored.
//!
//! Every answer is compared as the strategy's layout decodes it (an http engine's JSON answer is
//! first encoded into the response layout, which keeps only the layout's fields), so the fields a
//! decision can have are the layout's: the header's and the response and error bodies' of the
//! strategy's transaction codes ([`protocol_mci::Layout::answer_paths`]). A pattern that
//! [`comparator::covers`] none of them is a warning, not an error: the config still works, and
//! the warning names the nearest path.

use comparator::RulesConfig;
use protocol_mci::Layout;

use super::problem::{Found, Problems};

/// Warns, under `key` (`strategies.<name>.rules`), of every rule of `rules` whose pattern reaches
/// no field of the answers to `tx_codes` in `layout`.
pub(super) fn unreachable_rules(
    key: &str,
    rules: &RulesConfig,
    layout: &Layout,
    tx_codes: &[String],
    problems: &mut Problems,
) {
    let mut paths: Vec<String> = tx_codes
        .iter()
        .flat_map(|code| layout.answer_paths(code, comparator::Path::push_key))
        .collect();
    paths.sort();
    paths.dedup();
    if paths.is_empty() {
        // No known transaction code: already an error of `tx_codes`.
        return;
    }
    for (rule, pattern) in rules.patterns() {
        if paths.iter().any(|path| comparator::covers(pattern, path)) {
            continue;
        }
        let found = match nearest(pattern, &paths) {
            Some(near) => Found::because(pattern, format!("did you mean `{near}`?")),
            None => Found::text(pattern),
        };
        problems.warning(
            format!("{key}.{rule}"),
            format!(
                "a pattern that reaches a field of the answers of layout {:?} ({})",
                layout.name,
                tx_codes.join(", ")
            ),
            found,
        );
    }
}

/// The path nearest to `pattern` in edit distance, if it is at most a third of the pattern's
/// length away (at least 2 edits): a path nowhere near the pattern is no suggestion.
fn nearest<'p>(pattern: &str, paths: &'p [String]) -> Option<&'p str> {
    let limit = (pattern.chars().count() / 3).max(2);
    paths
        .iter()
        .map(|path| (strsim::levenshtein(pattern, path), path.as_str()))
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
