//! Records shown under the comparison rules: a field a rule hid greyed, a tolerance noted,
//! the unified diff against the stored differences after the rules changed.

use super::*;

#[test]
fn a_field_a_rule_hid_is_greyed_with_the_rule_never_highlighted() {
    let mut f = fixture(None);
    let rules: comparator::RulesConfig =
        serde_json::from_value(serde_json::json!({ "ignore": ["header.sent_at"] })).unwrap();
    let policy = crate::review::Policy {
        rules: Arc::new(rules.validate().unwrap()),
        ..crate::review::Policy::default()
    };
    f.state.policies = Arc::new(move || Policies::from([("loan".to_owned(), policy.clone())]));
    let (_, _, page) = call(&f.state, "GET", "/api/v1/mismatches?strategy=loan", None);
    let id = json(&page)["records"][0]["id"].as_str().unwrap().to_owned();

    let (status, _, detail) = call(&f.state, "GET", &format!("/mismatches/{id}"), None);
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert!(
        detail.contains("<tr class=\"hidden-by-rule\"><td class=\"path\">header.sent_at</td><td>0900</td><td>0901</td><td class=\"rule\">ignore header.sent_at</td></tr>"),
        "greyed with its rule: {detail}"
    );
    assert!(!detail.contains("<tr class=\"diff\"><td class=\"path\">header.sent_at"));
    assert!(detail.contains("<tr class=\"diff\"><td class=\"path\">body.grade</td>"));
    assert!(detail.contains("<tr><td class=\"path\">header.tx_code</td>"));

    let (status, _, body) = call(&f.state, "GET", &format!("/api/v1/mismatches/{id}"), None);
    assert_eq!(status, StatusCode::OK, "{body}");
    let rows = json(&body)["rows"].clone();
    let state = |path: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|row| row["path"] == path)
            .map(|row| row["state"].clone())
    };
    assert_eq!(
        state("header.sent_at"),
        Some(serde_json::json!({ "hidden": "ignore header.sent_at" }))
    );
    assert_eq!(state("body.grade"), Some(serde_json::json!("differs")));
    assert_eq!(state("body.rate"), Some(serde_json::json!("equal")));
}

/// A fixture holding one mismatch of `strategy` whose shadow decision is `shadow` (JSON
/// text), judged now by `rules` (a strategy's rules section as JSON); with the record's id.
fn shadow_under_rules(strategy: &str, shadow: &str, rules: Value) -> (Fixture, String) {
    let Event::Record(mut record) = mismatch(strategy, "홍*") else {
        unreachable!("mismatch() makes a record")
    };
    let shadow: Value = serde_json::from_str(shadow).unwrap();
    record.shadow_decision = Some(shadow.into());
    let rules: comparator::RulesConfig = serde_json::from_value(rules).unwrap();
    record_under_rules(record, rules.validate().unwrap())
}

/// A fixture holding `record` alone, judged now by `rules`; with the record's id.
pub(super) fn record_under_rules(
    record: Box<crate::store::Mismatch>,
    rules: comparator::Rules,
) -> (Fixture, String) {
    let strategy = record.strategy.to_string();
    let mut f = fixture_with(None, vec![Event::Record(record)]);
    let policy = crate::review::Policy {
        rules: Arc::new(rules),
        ..crate::review::Policy::default()
    };
    let name = strategy.clone();
    f.state.policies = Arc::new(move || Policies::from([(name.clone(), policy.clone())]));
    let path = format!("/api/v1/mismatches?strategy={strategy}");
    let (_, _, page) = call(&f.state, "GET", &path, None);
    let id = json(&page)["records"][0]["id"].as_str().unwrap().to_owned();
    (f, id)
}

#[test]
fn a_rate_within_its_tolerance_is_unchanged_in_the_unified_diff_noted_with_the_rule() {
    // The shadow's rate differs from the live 5.250 within the strategy's tolerance.
    let (f, id) = shadow_under_rules(
        "rated",
        r#"{"header": {"tx_code": "LNS0001", "sent_at": "0901"}, "body": {"decision": "A", "grade": "<b>", "rate": 5.251}}"#,
        serde_json::json!({
            "ignore": ["header.sent_at"],
            "tolerance": [{ "path": "body.rate", "absolute": "0.01" }],
        }),
    );

    // The API's diff, which `mismatches show` prints as it is (and computes the same way from a
    // stopped gateway's store): only the grade changed; the rate is one unchanged line.
    let (_, _, body) = call(&f.state, "GET", &format!("/api/v1/mismatches/{id}"), None);
    let diff = json(&body)["unified_diff"].as_str().unwrap().to_owned();
    let changed: Vec<&str> = diff
        .lines()
        .skip(2)
        .filter(|l| l.starts_with(['-', '+']))
        .collect();
    assert_eq!(
        changed,
        ["-    \"grade\": \"A1\",", "+    \"grade\": \"<b>\","],
        "{diff}"
    );
    let rate = "     \"rate\": 5.250  (shadow 5.251, hidden by tolerance body.rate)";
    assert!(diff.lines().any(|l| l == rate), "{diff}");

    let (status, _, detail) = call(&f.state, "GET", &format!("/mismatches/{id}"), None);
    assert_eq!(status, StatusCode::OK, "{detail}");
    let unified = detail
        .split("<pre class=\"unified\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| panic!("no unified diff: {detail}"));
    assert!(
        unified.contains(
            "\n     &quot;rate&quot;: 5.250  (shadow 5.251, hidden by tolerance body.rate)\n"
        ),
        "{unified}"
    );
    assert!(!unified.contains("\n-    &quot;rate"), "{unified}");
    assert!(!unified.contains("\n+    &quot;rate"), "{unified}");
}

#[test]
fn the_unified_diff_marks_the_stored_differences_after_the_rules_changed() {
    // Stored under rules that reported the grade and hid the rate (5.250 against 5.30); the
    // rules now ignore the grade and no longer hide that rate.
    let (f, id) = shadow_under_rules(
        "changed",
        r#"{"header": {"tx_code": "LNS0001", "sent_at": "0901"}, "body": {"decision": "A", "grade": "<b>", "rate": 5.30}}"#,
        serde_json::json!({
            "ignore": ["header.sent_at", "body.grade"],
            "tolerance": [{ "path": "body.rate", "absolute": "0.01" }],
        }),
    );

    let (_, _, body) = call(&f.state, "GET", &format!("/api/v1/mismatches/{id}"), None);
    let detail = json(&body);
    let diff = detail["unified_diff"].as_str().unwrap();
    let changed: Vec<&str> = diff
        .lines()
        .skip(2)
        .filter(|l| l.starts_with(['-', '+']))
        .collect();
    assert_eq!(
        changed,
        ["-    \"grade\": \"A1\",", "+    \"grade\": \"<b>\","],
        "{diff}"
    );
    let rate = "     \"rate\": 5.250  (shadow 5.30, hidden by a rule since removed or changed)";
    assert!(diff.lines().any(|l| l == rate), "{diff}");
    // The side-by-side rows say the same.
    let state = |path: &str| {
        let rows = detail["rows"].as_array().unwrap();
        rows.iter()
            .find(|row| row["path"] == path)
            .map(|row| row["state"].clone())
    };
    assert_eq!(state("body.grade"), Some(serde_json::json!("differs")));
    assert_eq!(
        state("body.rate"),
        Some(serde_json::json!({ "hidden": "a rule since removed or changed" }))
    );
}
