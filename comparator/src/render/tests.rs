//! The unified diff as the comparison judged it, and the inline diff.

use super::*;
use crate::test_support::{rules, value};

#[test]
fn inline_diff_marks_changed_characters() {
    assert_eq!(
        inline_diff("한도 승인", "한도 거절"),
        "한도 [-승인-]{+거절+}"
    );
    assert_eq!(inline_diff("abc", "abc"), "abc");
    assert_eq!(inline_diff("abc", "abXc"), "ab{+X+}c");
}

#[test]
fn unified_diff_elides_ignored_fields() {
    let rules = rules(serde_json::json!({ "ignore": ["header.*_at"] }));
    let live = value(r#"{"header": {"sent_at": "1"}, "body": {"rate": 5.250}}"#);
    let shadow = value(r#"{"header": {"sent_at": "2"}, "body": {"rate": 5.3}}"#);
    let diff = unified_diff(&live, &shadow, &rules);
    assert!(diff.starts_with("--- live\n+++ shadow\n"), "{diff}");
    assert!(
        diff.contains("-    \"rate\": 5.250\n+    \"rate\": 5.3\n"),
        "{diff}"
    );
    assert!(!diff.contains("sent_at\": \"1"), "{diff}");
    assert_eq!(unified_diff(&live, &live, &rules), "");
}

#[test]
fn a_field_a_rule_made_equal_is_unchanged_with_the_live_value_and_the_rule() {
    let rules = rules(serde_json::json!({
        "tolerance": [{ "path": "body.rate", "absolute": "0.01" }],
        "normalise": [{ "path": "body.name", "trim": true }],
    }));
    let live = value(r#"{"body": {"grade": "A", "name": "KIM", "rate": 5.250}}"#);
    let shadow = value(r#"{"body": {"grade": "B", "name": "KIM ", "rate": 5.251}}"#);
    let diff = unified_diff(&live, &shadow, &rules);
    assert!(
        diff.contains("-    \"grade\": \"A\",\n+    \"grade\": \"B\",\n"),
        "{diff}"
    );
    assert!(
        diff.contains(
            "\n     \"name\": \"KIM\",  (shadow \"KIM \", hidden by normalise body.name)\n"
        ),
        "{diff}"
    );
    assert!(
        diff.contains("\n     \"rate\": 5.250  (shadow 5.251, hidden by tolerance body.rate)\n"),
        "{diff}"
    );
    // Only the grade is marked changed.
    let changed: Vec<&str> = diff
        .lines()
        .skip(2)
        .filter(|l| l.starts_with(['-', '+']))
        .collect();
    assert_eq!(changed.len(), 2, "{diff}");
    // Beyond the tolerance it differs, and is marked so.
    let beyond = value(r#"{"body": {"grade": "A", "name": "KIM", "rate": 5.3}}"#);
    let diff = unified_diff(&live, &beyond, &rules);
    assert!(
        diff.contains("-    \"rate\": 5.250\n+    \"rate\": 5.3\n"),
        "{diff}"
    );
    // Nothing but differences a rule made equal: nothing to show.
    let within = value(r#"{"body": {"grade": "A", "name": " KIM", "rate": 5.245}}"#);
    assert_eq!(unified_diff(&live, &within, &rules), "");
}

#[test]
fn an_unordered_array_faces_the_elements_it_was_paired_with() {
    let rules = rules(serde_json::json!({
        "unordered": [{ "path": "offers", "key": ["code"] }],
        "tolerance": [{ "path": "offers[*].rate", "absolute": "0.01" }],
    }));
    let live = value(
        r#"{"grade": "A", "offers": [{"code": "A", "rate": 1.00}, {"code": "B", "rate": 2.00}]}"#,
    );
    let shadow = value(
        r#"{"grade": "B", "offers": [{"code": "C", "rate": 9}, {"code": "B", "rate": 2.001}, {"code": "A", "rate": 1.00}]}"#,
    );
    let diff = unified_diff(&live, &shadow, &rules);
    let changed: Vec<&str> = diff
        .lines()
        .skip(2)
        .filter(|l| l.starts_with(['-', '+']))
        .collect();
    // The grade, and the shadow's extra offer C; A and B only moved, B's rate is within.
    assert_eq!(
        changed[..2],
        ["-  \"grade\": \"A\",", "+  \"grade\": \"B\","],
        "{diff}"
    );
    for moved in [
        "\"code\": \"A\"",
        "\"code\": \"B\"",
        "\"rate\": 1.00",
        "\"rate\": 2.0",
    ] {
        assert!(
            changed.iter().all(|l| !l.contains(moved)),
            "{moved}: {diff}"
        );
    }
    assert!(diff.contains("+      \"code\": \"C\",\n"), "{diff}");
    assert!(
        diff.contains("\"rate\": 2.00  (shadow 2.001, hidden by tolerance offers[*].rate)"),
        "{diff}"
    );
}

#[test]
fn the_reported_differences_are_marked_whatever_the_rules_in_force_say() {
    // Judged under no rules: the grade and the rate were reported. The rules since hide both.
    let live = value(r#"{"body": {"grade": "A", "rate": 5.250, "term": 12}}"#);
    let shadow = value(r#"{"body": {"grade": "B", "rate": 5.26, "term": 12}}"#);
    let now = rules(serde_json::json!({
        "ignore": ["body.grade"],
        "tolerance": [{ "path": "body.rate", "absolute": "0.02" }],
    }));
    let diff = unified_diff_reported(&live, &shadow, &["body.grade", "body.rate"], &now);
    assert!(
        diff.contains("-    \"grade\": \"A\",\n-    \"rate\": 5.250,\n+    \"grade\": \"B\",\n+    \"rate\": 5.26,\n"),
        "{diff}"
    );
    // Judged under a tolerance since removed: only the grade was reported. The rate reads
    // unchanged, noted with what hid it; nothing in force does.
    let diff = unified_diff_reported(&live, &shadow, &["body.grade"], &Rules::none());
    let changed: Vec<&str> = diff
        .lines()
        .skip(2)
        .filter(|l| l.starts_with(['-', '+']))
        .collect();
    assert_eq!(
        changed,
        ["-    \"grade\": \"A\",", "+    \"grade\": \"B\","],
        "{diff}"
    );
    assert!(
        diff.contains(&format!(
            "\n     \"rate\": 5.250,  (shadow 5.26, hidden by {RULE_SINCE_CHANGED})\n"
        )),
        "{diff}"
    );
    // Nothing reported: nothing to show, whatever differs.
    assert_eq!(
        unified_diff_reported(&live, &shadow, &[], &Rules::none()),
        ""
    );
}

#[test]
fn a_field_missing_on_one_side_that_was_not_reported_reads_unchanged() {
    let live = value(r#"{"grade": "A", "audit": {"by": "kim", "at": 1}}"#);
    let shadow = value(r#"{"grade": "B", "audit": {"by": "kim"}}"#);
    let diff = unified_diff_reported(&live, &shadow, &["grade"], &Rules::none());
    assert!(
        diff.contains(&format!(
            "\n     \"at\": 1  (missing in shadow, hidden by {RULE_SINCE_CHANGED})\n"
        )),
        "{diff}"
    );
    // An ignored field missing on one side is elided on both.
    let ignored = rules(serde_json::json!({ "ignore": ["audit.at"] }));
    let diff = unified_diff_reported(&live, &shadow, &["grade"], &ignored);
    assert!(diff.contains("\n     \"at\": \"<ignored>\"\n"), "{diff}");
}
