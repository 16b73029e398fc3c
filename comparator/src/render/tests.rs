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
