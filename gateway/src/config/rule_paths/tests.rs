#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use comparator::RulesConfig;
use protocol_mci::{AnswerField, Layout};

use super::super::problem::Problems;
use super::super::raw::ConfigFile;
use super::super::tests::{config, example_layout};
use super::super::{load, Problem};
use super::{check_rules, unreachable_rules, Answers};

/// The warnings of the base config with `rules` as its strategy's rules table, as printed
/// without the line and column of their key (`config::tests_one_run` asserts those).
fn warnings(rules: &str) -> Vec<String> {
    warnings_of(&[], rules)
}

/// [`warnings`] with the example layout's text changed by `edits` (from, to).
fn warnings_of(edits: &[(&str, &str)], rules: &str) -> Vec<String> {
    warnings_in(edits, &[], rules)
}

/// [`warnings_of`] with the base config's text changed by `config_edits` (from, to) too.
fn warnings_in(edits: &[(&str, &str)], config_edits: &[(&str, &str)], rules: &str) -> Vec<String> {
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
    let replaced = format!("loan = {layout:?}");
    let mut replace = vec![(declared.as_str(), replaced.as_str())];
    replace.extend_from_slice(config_edits);
    let path = config(dir.path(), &replace, &extra);
    let loaded = load(&path).unwrap();
    let unlocated = |p: &Problem| {
        let key = p.key.split(" (line ").next().unwrap_or(&p.key).to_owned();
        Problem { key, ..p.clone() }.to_string()
    };
    loaded.warnings.iter().map(unlocated).collect()
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
        toml::from_str("unordered = [{ path = \"body.*\" }, { path = \"body.cust\" }]").unwrap();
    let mut problems = Problems::new();
    check_rules(
        "rules",
        &rules,
        &Answers::rows(fields, "the rows"),
        &mut problems,
    );
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
             every array the pattern reaches: body.fees, body.offers, found \"product_code\" \
             (missing from the elements of body.fees (has: fee_code, rate))",
            "strategies.loan.rules.unordered[0].key[2]: expected a field of the elements of \
             body.fees, body.offers (fee_code, rate, product_code, limit, term), found \
             \"prodcut_code\" (did you mean `product_code`?)",
        ]
    );
}

/// Two more messages, LNS0002 and LNS0003, whose answers have `offers` too, with elements of
/// other fields than LNS0001's: a layout edit for [`warnings_in`].
const TWO_MORE_MESSAGES: (&str, &str) = (
    "# Control frames",
    "[messages.LNS0002]\n\
     request = [{ name = \"cust_no\", type = \"text\", length = 12 }]\n\
     response = [\n  \
     { name = \"offer_cnt\", type = \"number\", length = 2 },\n  \
     { name = \"offers\", type = \"group\", count = \"offer_cnt\", max = 3, fields = [\n    \
     { name = \"product_code\", type = \"text\", length = 10 },\n    \
     { name = \"seq\", type = \"number\", length = 2 },\n  ] },\n]\n\n\
     [messages.LNS0003]\n\
     request = [{ name = \"cust_no\", type = \"text\", length = 12 }]\n\
     response = [\n  \
     { name = \"offer_cnt\", type = \"number\", length = 2 },\n  \
     { name = \"offers\", type = \"group\", count = \"offer_cnt\", max = 5, fields = [\n    \
     { name = \"product_code\", type = \"text\", length = 10 },\n    \
     { name = \"seq\", type = \"number\", length = 2 },\n  ] },\n]\n\n\
     # Control frames",
);

#[test]
fn an_unordered_key_some_messages_elements_lack_names_the_array_once_per_message() {
    // LNS0002's and LNS0003's `offers` differ from LNS0001's and agree with each other (but for
    // their maximum, which a key does not care about).
    let found = warnings_in(
        &[TWO_MORE_MESSAGES],
        &[(
            "tx_codes = [\"LNS0001\"]",
            "tx_codes = [\"LNS0001\", \"LNS0002\", \"LNS0003\"]",
        )],
        "unordered = [{ path = \"body.offers\", key = [\"product_code\", \"seq\", \"term\", \
         \"prodcut_code\"], owner = \"ops\" }]\n",
    );
    let every = "expected a field of the elements of every array the pattern reaches: \
                 body.offers, found";
    assert_eq!(
        found,
        [
            format!(
                "strategies.loan.rules.unordered[0].key[1]: {every} \"seq\" (missing from the \
                 elements of body.offers of message LNS0001 (has: product_code, limit, rate, \
                 term))"
            ),
            format!(
                "strategies.loan.rules.unordered[0].key[2]: {every} \"term\" (missing from the \
                 elements of body.offers of messages LNS0002, LNS0003 (has: product_code, seq))"
            ),
            "strategies.loan.rules.unordered[0].key[3]: expected a field of the elements of \
             body.offers (product_code, limit, rate, term, seq), found \"prodcut_code\" (did \
             you mean `product_code`?)"
                .to_owned(),
        ]
    );
}

#[test]
fn messages_whose_elements_agree_are_not_named() {
    // LNS0002 and LNS0003 alone: one kind of `offers` element, so the array says it all.
    let found = warnings_in(
        &[TWO_MORE_MESSAGES],
        &[(
            "tx_codes = [\"LNS0001\"]",
            "tx_codes = [\"LNS0002\", \"LNS0003\"]",
        )],
        "unordered = [{ path = \"body.*\", key = [\"seq\", \"term\"], owner = \"ops\" }]\n",
    );
    assert_eq!(
        found,
        [
            "strategies.loan.rules.unordered[0].key[1]: expected a field of the elements of \
             body.offers (product_code, seq), found \"term\""
        ]
    );
}

/// The example layout's response with a REDEFINES area `detail` (views `loan` and `card`)
/// before `message`, which shrinks by its bytes so the response keeps its length.
const DETAIL_AREA: (&str, &str) = (
    "{ name = \"message\", type = \"text\", length = 80, truncate = true },",
    "{ name = \"kind\", type = \"text\", length = 1 },\n  \
     { name = \"detail\", type = \"redefines\", selector = \"kind\", length = 10, alternatives = [\n    \
     { name = \"loan\", when = [\"L\"], fields = [{ name = \"amount\", type = \"number\", length = 10 }] },\n    \
     { name = \"card\", when = [\"C\"], fields = [{ name = \"card_no\", type = \"text\", length = 10 }] },\n  \
     ] },\n  \
     { name = \"message\", type = \"text\", length = 69, truncate = true },",
);

#[test]
fn a_rule_naming_a_redefines_area_is_told_its_views() {
    let found = warnings_of(
        &[DETAIL_AREA],
        "severity = { minor = [\"body.detail\", \"body.detail.amount\", \"body.loan.amount\", \
         \"body.card\", \"body.detial\", \"body.det*\"] }\n",
    );
    let expected = "expected a pattern that reaches a field of the answers of layout \
                    \"loan-screening\" (LNS0001), found";
    let views = "body.detail is a REDEFINES area; address one of its views: body.loan, body.card";
    assert_eq!(
        found,
        [
            format!(
                "strategies.loan.rules.severity.minor[0]: {expected} \"body.detail\" ({views})"
            ),
            format!(
                "strategies.loan.rules.severity.minor[1]: {expected} \"body.detail.amount\" \
                 ({views})"
            ),
            // The area is no path to suggest either.
            format!("strategies.loan.rules.severity.minor[4]: {expected} \"body.detial\""),
            format!("strategies.loan.rules.severity.minor[5]: {expected} \"body.det*\" ({views})"),
        ]
    );
}

#[test]
fn an_unordered_rule_on_a_redefines_area_is_told_its_views_alone() {
    // Not also "which reaches a scalar": the area reaches nothing at all.
    let found = warnings_of(
        &[DETAIL_AREA],
        "unordered = [{ path = \"body.detail\", owner = \"ops\" }]\n",
    );
    assert_eq!(
        found,
        [
            "strategies.loan.rules.unordered[0].path: expected a pattern that reaches a field \
             of the answers of layout \"loan-screening\" (LNS0001), found \"body.detail\" \
             (body.detail is a REDEFINES area; address one of its views: body.loan, body.card)"
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
            "strategies.loan.rules.severity.minor[1]: expected a pattern that reaches a field \
             of the answers of layout \"loan-screening\" (LNS0001), found \
             \"body.offers[3].rate\" (index 3: the group occurs at most 3 times)",
            "strategies.loan.rules.unordered[0].path: expected a pattern that reaches a field \
             of the answers of layout \"loan-screening\" (LNS0001), found \"body.offers[7]\" \
             (index 7: the group occurs at most 3 times)",
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
    assert_eq!(
        keys,
        ["strategies.loan.rules.severity.minor[1] (line 24, column 47)"]
    );
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

#[test]
fn a_rule_naming_a_filler_or_a_constant_is_told_it_is_never_in_an_answer() {
    // The example header ends in the filler `reserved`; a constant `mark` takes the first two
    // bytes of `message`'s place.
    let constant = (
        "{ name = \"message\", type = \"text\", length = 80, truncate = true },",
        "{ name = \"mark\", type = \"constant\", value = \"KR\" },\n  \
         { name = \"message\", type = \"text\", length = 78, truncate = true },",
    );
    let found = warnings_of(
        &[constant],
        "severity = { minor = [\"header.reserved\", \"body.mark\", \"header.resp_code\", \
         \"body.reserved\"] }\n",
    );
    let expected = "expected a pattern that reaches a field of the answers of layout \
                    \"loan-screening\" (LNS0001), found";
    assert_eq!(
        found,
        [
            format!(
                "strategies.loan.rules.severity.minor[0]: {expected} \"header.reserved\" (header.reserved \
                 is a filler: bytes of the frame, never in the decoded answer, so no rule applies \
                 to it)"
            ),
            format!(
                "strategies.loan.rules.severity.minor[1]: {expected} \"body.mark\" (body.mark is a \
                 constant: bytes of the frame, never in the decoded answer, so no rule applies to \
                 it)"
            ),
            // A filler of the header is no path to suggest for the body either.
            format!("strategies.loan.rules.severity.minor[3]: {expected} \"body.reserved\""),
        ]
    );
}
