//! Side-by-side rows, verdicts under rules, and what was reported.

use std::sync::Arc;

use comparator::render::RULE_SINCE_CHANGED;
use comparator::Rules;
use serde_json::Value;

use super::verdict::under;
use super::{flatten, side_by_side, RowState, SideRow};
use crate::store::{Difference, MaskedJson, Mismatch, MismatchRecord, RecordId, RecordKind};

fn rules(config: Value) -> Rules {
    serde_json::from_value::<comparator::RulesConfig>(config)
        .unwrap()
        .validate()
        .unwrap()
}

/// A stored mismatch in `body.grade`; the decisions also differ in `header.sent_at`, which
/// the rules of the strategy ignored when it was compared.
fn record() -> MismatchRecord {
    let decision = |sent_at: &str, grade: &str| -> Value {
        serde_json::from_str(&format!(
            r#"{{"header": {{"sent_at": "{sent_at}", "tx_code": "LNS0001"}}, "body": {{"grade": "{grade}", "rate": 5.250}}}}"#
        ))
        .unwrap()
    };
    MismatchRecord {
        id: RecordId { micros: 1, seq: 0 },
        time_micros: 1,
        mismatch: Mismatch {
            strategy: Arc::from("loan"),
            kind: RecordKind::Mismatch,
            error_kind: None,
            tx_code: "LNS0001".into(),
            correlation_id: "corr-1".into(),
            live_engine: "legacy".into(),
            shadow_engine: "new".into(),
            differences: vec![Difference {
                path: "body.grade".into(),
                kind: "value_changed".into(),
                live: Some(Value::String("A1".into())),
                shadow: Some(Value::String("B2".into())),
                severity: "major".into(),
                expired_rule: None,
            }],
            signature: "sig-grade".into(),
            differing_paths: vec!["body.grade".into()],
            reason: None,
            request: Value::Null.into(),
            live_decision: Some(decision("0900", "A1").into()),
            shadow_decision: Some(decision("0901", "B2").into()),
            live_latency_us: 10,
            shadow_latency_us: 20,
            payload: None,
            confirmation: None,
        },
    }
}

fn states(rows: &[SideRow]) -> Vec<(&str, &RowState)> {
    rows.iter().map(|r| (r.path.as_str(), &r.state)).collect()
}

#[test]
fn an_ignored_field_is_hidden_by_its_rule_and_a_reported_one_differs() {
    let rules = rules(serde_json::json!({ "ignore": ["header.*_at"] }));
    let rows = side_by_side(&record(), &rules);
    assert_eq!(
        states(&rows),
        [
            (
                "header.sent_at",
                &RowState::Hidden("ignore header.*_at".into())
            ),
            ("header.tx_code", &RowState::Equal),
            ("body.grade", &RowState::Differs),
            ("body.rate", &RowState::Equal),
        ]
    );
    assert_eq!(rows[0].live, Some(Value::String("0900".into())));
    assert_eq!(rows[0].shadow, Some(Value::String("0901".into())));
}

#[test]
fn a_field_hidden_by_a_rule_since_removed_is_never_a_difference_and_a_reported_one_always_is() {
    // `header.sent_at` differs but is not among the record's differences: a rule hid it when
    // the record was made. With that rule gone it is still not a difference of this record.
    let rows = side_by_side(&record(), &Rules::none());
    assert_eq!(
        rows[0].state,
        RowState::Hidden(RULE_SINCE_CHANGED.into()),
        "header.sent_at"
    );
    // A rule that would hide the stored difference now does not unmark it.
    let rules = rules(serde_json::json!({ "ignore": ["body.grade"] }));
    let rows = side_by_side(&record(), &rules);
    assert_eq!(rows[2].state, RowState::Differs, "body.grade");
}

#[test]
fn a_reordered_array_shows_pairs_and_names_the_rule_that_hid_a_paired_value() {
    let mut record = record();
    let offers = |text: &str| -> Option<MaskedJson> {
        Some(serde_json::from_str::<Value>(text).unwrap().into())
    };
    record.mismatch.differences.clear();
    record.mismatch.live_decision =
        offers(r#"{"offers": [{"code": "A", "rate": 5.25}, {"code": "B", "rate": 6.0}]}"#);
    record.mismatch.shadow_decision =
        offers(r#"{"offers": [{"code": "B", "rate": 6.0}, {"code": "A", "rate": 5.26}]}"#);
    let rules = rules(serde_json::json!({
        "unordered": [{ "path": "offers", "key": ["code"] }],
        "tolerance": [{ "path": "offers[*].rate", "absolute": "0.01" }],
    }));
    let rows = side_by_side(&record, &rules);
    // A/5.25 sits next to A/5.26 (shadow [1]), B next to B: the reorder explains nothing,
    // the tolerance hid the rate.
    let tolerance = RowState::Hidden("tolerance offers[*].rate".into());
    assert_eq!(
        states(&rows),
        [
            ("offers[0].code", &RowState::Equal),
            ("offers[0].rate", &tolerance),
            ("offers[1].code", &RowState::Equal),
            ("offers[1].rate", &RowState::Equal),
        ]
    );
    assert_eq!(rows[1].shadow, Some(serde_json::json!(5.26)));
}

#[test]
fn without_a_shadow_decision_no_field_was_compared_or_hidden() {
    // A shadow error: the live decision alone. Its fields were compared with nothing, so
    // none is hidden by a rule (they read "a rule since removed or changed" before).
    let mut record = record();
    record.mismatch.kind = RecordKind::ShadowError;
    record.mismatch.differences.clear();
    record.mismatch.shadow_decision = None;
    let rows = side_by_side(
        &record,
        &rules(serde_json::json!({"ignore": ["header.sent_at"]})),
    );
    assert_eq!(rows.len(), 4);
    assert!(rows
        .iter()
        .all(|r| r.state == RowState::Uncompared && r.shadow.is_none()));
    assert_eq!(
        serde_json::to_value(&rows[0].state).unwrap(),
        serde_json::json!("uncompared")
    );
}

#[test]
fn rows_serialise_their_state_with_the_rule() {
    let row = SideRow {
        path: "header.sent_at".into(),
        live: Some(Value::String("0900".into())),
        shadow: None,
        state: RowState::Hidden("ignore header.*_at".into()),
    };
    let text = serde_json::to_string(&row).unwrap();
    assert_eq!(
        text,
        r#"{"path":"header.sent_at","live":"0900","shadow":null,"state":{"hidden":"ignore header.*_at"}}"#
    );
    assert_eq!(serde_json::from_str::<SideRow>(&text).unwrap(), row);
}

#[test]
fn leaves_are_flattened_with_comparator_paths() {
    let value: Value =
        serde_json::from_str(r#"{"body": {"offers": [{"rate": 5.250}], "ok": true}}"#).unwrap();
    let mut leaves = Vec::new();
    flatten(&value, String::new(), &[], &mut leaves);
    let paths: Vec<&str> = leaves.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["body.offers[0].rate", "body.ok"]);
    assert_eq!(leaves[0].1.to_string(), "5.250");
    assert!(under("body.offers[0].rate", "body.offers"));
    assert!(!under("body.offersx", "body.offers"));
}

#[test]
fn elements_of_a_reordered_array_sit_next_to_the_ones_they_were_compared_with() {
    // Every offer has the same key; the shadow reversed them and changed one term. The
    // comparator paired live [0] (term 12) with shadow [1] (term 99): that row must show 12
    // against 99 and differ, and nothing else may.
    let mut record = record();
    let decision = |text: &str| -> Option<MaskedJson> {
        Some(serde_json::from_str::<Value>(text).unwrap().into())
    };
    record.mismatch.live_decision =
        decision(r#"{"offers": [{"code": "DUP", "term": 12}, {"code": "DUP", "term": 60}]}"#);
    record.mismatch.shadow_decision =
        decision(r#"{"offers": [{"code": "DUP", "term": 60}, {"code": "DUP", "term": 99}]}"#);
    let rules = rules(serde_json::json!({
        "unordered": [{ "path": "offers", "key": ["code"] }],
    }));
    let live = record.mismatch.live_decision.as_ref().unwrap().to_value();
    let shadow = record.mismatch.shadow_decision.as_ref().unwrap().to_value();
    let comparison = comparator::compare(&live, &shadow, &rules);
    record.mismatch.differences = comparison
        .differences
        .iter()
        .map(|d| crate::store::Difference {
            path: d.path.to_string(),
            kind: "value_changed".into(),
            live: d.live.clone(),
            shadow: d.shadow.clone(),
            severity: "major".into(),
            expired_rule: None,
        })
        .collect();
    let rows = side_by_side(&record, &rules);
    let row = |path: &str| rows.iter().find(|r| r.path == path).cloned();
    let term0 = row("offers[0].term").unwrap();
    assert_eq!(
        (term0.live, term0.shadow),
        (Some(12.into()), Some(99.into()))
    );
    assert_eq!(term0.state, RowState::Differs);
    let term1 = row("offers[1].term").unwrap();
    assert_eq!(
        (term1.live, term1.shadow),
        (Some(60.into()), Some(60.into()))
    );
    assert_eq!(term1.state, RowState::Equal);
    let differing: Vec<_> = rows
        .iter()
        .filter(|r| r.state == RowState::Differs)
        .collect();
    assert_eq!(differing.len(), 1, "{rows:?}");
}
