//! The detail page marks the fields a record's stored difference paths name, and only those:
//! elements of `unordered` arrays, whatever the order the engines wrote them in.

use super::rules::record_under_rules;
use super::*;

/// A fixture holding one mismatch of `strategy` between `live` and `shadow` (JSON text) with
/// the differences the comparator reports under `rules` (a rules section as JSON), stored as
/// the pipeline stores them and judged under the same rules; with the record's id.
fn compared(strategy: &str, live: &str, shadow: &str, rules: Value) -> (Fixture, String) {
    let rules: comparator::RulesConfig = serde_json::from_value(rules).unwrap();
    let rules = rules.validate().unwrap();
    let (live, shadow): (Value, Value) = (
        serde_json::from_str(live).unwrap(),
        serde_json::from_str(shadow).unwrap(),
    );
    let comparison = comparator::compare(&live, &shadow, &rules);
    let differences = comparison
        .differences
        .iter()
        .map(|d| crate::store::Difference {
            path: d.path.to_string(),
            kind: name(&d.kind),
            live: d.live.clone(),
            shadow: d.shadow.clone(),
            severity: name(&d.severity),
            expired_rule: None,
        })
        .collect();
    stored(strategy, live, shadow, differences, rules)
}

/// A fixture holding one mismatch of `strategy` with these decisions and stored differences,
/// judged under `rules`; with the record's id.
fn stored(
    strategy: &str,
    live: Value,
    shadow: Value,
    differences: Vec<crate::store::Difference>,
    rules: comparator::Rules,
) -> (Fixture, String) {
    let Event::Record(mut record) = mismatch(strategy, "홍*") else {
        unreachable!("mismatch() makes a record")
    };
    record.live_decision = Some(live.into());
    record.shadow_decision = Some(shadow.into());
    record.differences = differences;
    record_under_rules(record, rules)
}

/// The serde name of a comparator enum, as the pipeline stores it (`value_changed`).
fn name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The side-by-side rows of the detail page: (path, live, shadow, highlighted).
fn side_rows(detail: &str) -> Vec<(String, String, String, bool)> {
    let table = detail
        .split("<table class=\"sides\">")
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .unwrap_or_else(|| panic!("no side-by-side table: {detail}"));
    table
        .split("<tr")
        .skip(2)
        .map(|row| {
            let cells: Vec<&str> = row
                .split("<td")
                .skip(1)
                .map(|cell| {
                    let text = cell.split_once('>').map_or("", |(_, rest)| rest);
                    text.split("</td>").next().unwrap_or("")
                })
                .collect();
            (
                cells[0].to_owned(),
                cells[1].to_owned(),
                cells[2].to_owned(),
                row.starts_with(" class=\"diff\""),
            )
        })
        .collect()
}

/// The paths of the highlighted rows.
fn highlighted(detail: &str) -> Vec<String> {
    side_rows(detail)
        .into_iter()
        .filter(|(_, _, _, diff)| *diff)
        .map(|(path, ..)| path)
        .collect()
}

const OFFERS_LIVE: &str = r#"{"body": {"offers": [
    {"code": "A", "rate": 1}, {"code": "B", "rate": 2}, {"code": "C", "rate": 3}]}}"#;
/// Reordered: C moved first, B's rate changed, A is gone and D is new (the shadow's [2]).
const OFFERS_SHADOW: &str = r#"{"body": {"offers": [
    {"code": "C", "rate": 3}, {"code": "B", "rate": 9}, {"code": "D", "rate": 4}]}}"#;

fn offers_by_code() -> Value {
    serde_json::json!({ "unordered": [{ "path": "body.offers", "key": ["code"] }] })
}

#[test]
fn in_a_reordered_array_the_page_highlights_the_elements_that_differ_and_no_other() {
    let (f, id) = compared("offers", OFFERS_LIVE, OFFERS_SHADOW, offers_by_code());
    let (_, _, body) = call(&f.state, "GET", &format!("/api/v1/mismatches/{id}"), None);
    let paths: Vec<String> = json(&body)["record"]["mismatch"]["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap().to_owned())
        .collect();
    // B's rate at B's live index; D at its own index said as the shadow's: the live [2] is C,
    // which paired with the shadow's [0] and is equal.
    assert_eq!(
        paths,
        [
            "body.offers[0]",
            "body.offers[1].rate",
            "body.offers[shadow:2]"
        ]
    );

    let (_, _, detail) = call(&f.state, "GET", &format!("/mismatches/{id}"), None);
    assert_eq!(
        highlighted(&detail),
        [
            "body.offers[0].code",
            "body.offers[0].rate",
            "body.offers[1].rate",
            "body.offers[shadow:2].code",
            "body.offers[shadow:2].rate",
        ],
        "{detail}"
    );
    let rows = side_rows(&detail);
    let row = |path: &str| rows.iter().find(|r| r.0 == path).cloned().unwrap();
    assert_eq!(
        row("body.offers[1].rate"),
        ("body.offers[1].rate".into(), "2".into(), "9".into(), true)
    );
    assert_eq!(
        row("body.offers[2].code"),
        ("body.offers[2].code".into(), "C".into(), "C".into(), false)
    );
    assert_eq!(
        row("body.offers[shadow:2].code"),
        (
            "body.offers[shadow:2].code".into(),
            "(missing)".into(),
            "D".into(),
            true
        )
    );
}

#[test]
fn a_record_stored_before_shadow_indices_highlights_its_extra_element_not_the_live_one() {
    // Records written before stored the extra D at its bare shadow index, `body.offers[2]`,
    // which names the live C. The page reads it as the shadow's element it was.
    let rules: comparator::RulesConfig = serde_json::from_value(offers_by_code()).unwrap();
    let difference = |path: &str, kind: &str, live: Option<Value>, shadow: Option<Value>| {
        crate::store::Difference {
            path: path.into(),
            kind: kind.into(),
            live,
            shadow,
            severity: "major".into(),
            expired_rule: None,
        }
    };
    let differences = vec![
        difference(
            "body.offers[0]",
            "missing_in_shadow",
            Some(serde_json::json!({"code": "A", "rate": 1})),
            None,
        ),
        difference(
            "body.offers[1].rate",
            "value_changed",
            Some(2.into()),
            Some(9.into()),
        ),
        difference(
            "body.offers[2]",
            "extra_in_shadow",
            None,
            Some(serde_json::json!({"code": "D", "rate": 4})),
        ),
    ];
    let (f, id) = stored(
        "legacy",
        serde_json::from_str(OFFERS_LIVE).unwrap(),
        serde_json::from_str(OFFERS_SHADOW).unwrap(),
        differences,
        rules.validate().unwrap(),
    );
    let (status, _, detail) = call(&f.state, "GET", &format!("/mismatches/{id}"), None);
    assert_eq!(status, StatusCode::OK, "{detail}");
    let marked = highlighted(&detail);
    assert!(
        !marked.iter().any(|p| p.starts_with("body.offers[2]")),
        "{marked:?}"
    );
    assert!(
        marked.contains(&"body.offers[shadow:2].code".to_owned()),
        "{marked:?}"
    );
    // The unified diff marks D as added, and C as unchanged.
    let (_, _, body) = call(&f.state, "GET", &format!("/api/v1/mismatches/{id}"), None);
    let diff = json(&body)["unified_diff"].as_str().unwrap().to_owned();
    assert!(diff.contains("\n+        \"code\": \"D\",\n"), "{diff}");
    assert!(diff.contains("\n         \"code\": \"C\",\n"), "{diff}");
    assert!(!diff.contains("hidden by"), "{diff}");
}

#[test]
fn a_dotted_key_has_a_row_of_its_own_and_only_the_field_that_differs_is_highlighted() {
    // Java beans write `loan.rate` as one key; beside it, `loan` holds a `rate` of its own.
    let (f, id) = compared(
        "dotted",
        r#"{"body": {"loan.rate": 1, "loan": {"rate": 2}, "고객 이름": "KIM"}}"#,
        r#"{"body": {"loan.rate": 1, "loan": {"rate": 3}, "고객 이름": "KIM"}}"#,
        serde_json::json!({}),
    );
    let (_, _, detail) = call(&f.state, "GET", &format!("/mismatches/{id}"), None);
    let rows = side_rows(&detail);
    let quoted = html::escape(r#"body["loan.rate"]"#);
    let named = html::escape(r#"body["고객 이름"]"#);
    assert_eq!(
        rows,
        [
            (quoted, "1".into(), "1".into(), false),
            ("body.loan.rate".into(), "2".into(), "3".into(), true),
            (named, "KIM".into(), "KIM".into(), false),
        ],
        "{detail}"
    );
}

/// The lines of the page's unified diff that are marked `-` or `+`, headers left out.
fn changed_lines(detail: &str) -> Vec<String> {
    let unified = detail
        .split("<pre class=\"unified\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| panic!("no unified diff: {detail}"));
    unified
        .lines()
        .skip(2)
        .filter(|l| l.starts_with(['-', '+']))
        .map(str::to_owned)
        .collect()
}

#[test]
fn an_array_whose_length_differs_marks_the_same_elements_in_both_views() {
    // One offer changed its rate and one was added: the length differs, the first offer is
    // equal. Both views mark the changed rate and the added offer, and nothing else.
    let (f, id) = compared(
        "longer",
        r#"{"body": {"offers": [{"code": "A", "rate": 1}, {"code": "B", "rate": 2}]}}"#,
        r#"{"body": {"offers": [{"code": "A", "rate": 1}, {"code": "B", "rate": 9}, {"code": "C", "rate": 3}]}}"#,
        serde_json::json!({}),
    );
    let (_, _, detail) = call(&f.state, "GET", &format!("/mismatches/{id}"), None);
    assert_eq!(
        highlighted(&detail),
        [
            "body.offers[1].rate",
            "body.offers[2].code",
            "body.offers[2].rate"
        ],
        "{detail}"
    );
    let q = |text: &str| text.replace('"', "&quot;");
    assert_eq!(
        changed_lines(&detail),
        [
            q(r#"-        "rate": 2"#),
            q(r#"+        "rate": 9"#),
            q("+      },"),
            q("+      {"),
            q(r#"+        "code": "C","#),
            q(r#"+        "rate": 3"#),
        ],
        "{detail}"
    );
}

#[test]
fn a_record_stored_before_keys_were_quoted_still_highlights_its_field() {
    // Written then as `body.고객 이름`; the rows now name the field `body["고객 이름"]`.
    let differences = vec![crate::store::Difference {
        path: "body.고객 이름".into(),
        kind: "value_changed".into(),
        live: Some("KIM".into()),
        shadow: Some("LEE".into()),
        severity: "major".into(),
        expired_rule: None,
    }];
    let (f, id) = stored(
        "unquoted",
        serde_json::json!({"body": {"고객 이름": "KIM", "grade": "A"}}),
        serde_json::json!({"body": {"고객 이름": "LEE", "grade": "A"}}),
        differences,
        comparator::Rules::none(),
    );
    let (_, _, detail) = call(&f.state, "GET", &format!("/mismatches/{id}"), None);
    assert_eq!(
        highlighted(&detail),
        [html::escape(r#"body["고객 이름"]"#)],
        "{detail}"
    );
    let (_, _, body) = call(&f.state, "GET", &format!("/api/v1/mismatches/{id}"), None);
    let diff = json(&body)["unified_diff"].as_str().unwrap().to_owned();
    assert!(diff.contains("\n+    \"고객 이름\": \"LEE\",\n"), "{diff}");
    assert!(!diff.contains("hidden by"), "{diff}");
}
