//! Both decisions of a record field by field, for side-by-side views (the page and the CLI),
//! each field equal, differing, or hidden by a rule of the strategy.
//!
//! Which rule hid a field is not stored: the record keeps the differences the comparator
//! reported and only a count per rule. It is found again by [`comparator::explain`] over the
//! stored (masked) decisions under the strategy's current rules, so a field is never
//! highlighted like a difference when a rule the team wrote made it equal.

use comparator::{Hidden, RuleKind, RuleRef, Rules};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::MismatchRecord;

/// One field of the two decisions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SideRow {
    /// Leaf path, written like the comparator's (`body.offers[0].rate`).
    pub path: String,
    /// The live (masked) value; `None` when absent.
    pub live: Option<Value>,
    /// The shadow (masked) value; `None` when absent.
    pub shadow: Option<Value>,
    /// Whether the field differs, and whether a rule hid that.
    pub state: RowState,
}

/// How a side-by-side field reads: `"equal"`, `"differs"` or `{"hidden": "ignore header.*_at"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowState {
    /// Equal under the rules, and under no reported difference.
    Equal,
    /// A difference stored with the record, or a field under one (an element of an array whose
    /// length differs).
    Differs,
    /// The values differ but a rule of the strategy hid it: the rule as written.
    Hidden(String),
}

/// The leaves of both decisions, live order first, then fields only the shadow has, each with
/// its state under `rules` (the strategy's current comparison rules).
pub fn side_by_side(record: &MismatchRecord, rules: &Rules) -> Vec<SideRow> {
    let m = &record.mismatch;
    let (mut live, mut shadow) = (Vec::new(), Vec::new());
    if let Some(value) = &m.live_decision {
        flatten(value, String::new(), &mut live);
    }
    if let Some(value) = &m.shadow_decision {
        flatten(value, String::new(), &mut shadow);
    }
    let mut paths: Vec<&str> = live.iter().map(|(p, _)| p.as_str()).collect();
    for (path, _) in &shadow {
        if !paths.contains(&path.as_str()) {
            paths.push(path);
        }
    }
    let lookup = |side: &[(String, Value)], path: &str| {
        side.iter().find(|(p, _)| p == path).map(|(_, v)| v.clone())
    };
    let verdict = Verdict::of(record, rules);
    paths
        .into_iter()
        .map(|path| {
            let (l, s) = (lookup(&live, path), lookup(&shadow, path));
            SideRow {
                path: path.to_owned(),
                state: verdict.state(path, &l, &s),
                live: l,
                shadow: s,
            }
        })
        .collect()
}

/// What the stored record and the current rules say about the paths of one record.
struct Verdict {
    /// The differences stored with the record: what the comparator reported when it compared
    /// them. Only these are shown as differences, whatever the rules say now.
    reported: Vec<String>,
    /// What the current rules hid, where.
    hidden: Vec<(String, RuleRef)>,
}

impl Verdict {
    fn of(record: &MismatchRecord, rules: &Rules) -> Self {
        let m = &record.mismatch;
        let reported: Vec<String> = m.differences.iter().map(|d| d.path.clone()).collect();
        let mut hidden = Vec::new();
        if let (Some(live), Some(shadow)) = (&m.live_decision, &m.shadow_decision) {
            hidden = comparator::explain(live, shadow, rules)
                .into_iter()
                .map(|Hidden { path, rule }| (path.to_string(), rule))
                .collect();
        }
        Self { reported, hidden }
    }

    /// The state of the field at `path` with these two values.
    fn state(&self, path: &str, live: &Option<Value>, shadow: &Option<Value>) -> RowState {
        if self.reported.iter().any(|d| under(path, d)) {
            return RowState::Differs;
        }
        if live == shadow {
            return RowState::Equal;
        }
        // Rows pair array elements by position and the comparator pairs a reordered array by
        // key, so inside a reordered array the reorder explains the row; elsewhere the deepest
        // rule that hid something at or around the field does.
        let rule = self
            .hidden
            .iter()
            .filter(|(hid, _)| under(path, hid) || under(hid, path))
            .max_by_key(|(hid, rule)| (rule.kind == RuleKind::Unordered, hid.len()));
        match rule {
            Some((_, rule)) => RowState::Hidden(rule.to_string()),
            // Values that differ, were not reported when the record was made, and that no rule
            // in force hides: a rule hid them then and has since been removed or changed. Not a
            // difference of this record.
            None if equal_without_rules(live, shadow) => RowState::Equal,
            None => RowState::Hidden(RULE_SINCE_CHANGED.to_owned()),
        }
    }
}

/// Unlike text the comparator calls equal without any rule (`5.250` and `5.25`).
fn equal_without_rules(live: &Option<Value>, shadow: &Option<Value>) -> bool {
    match (live, shadow) {
        (Some(l), Some(s)) => comparator::compare(l, s, &Rules::none()).is_match(),
        _ => false,
    }
}

/// What a hidden row names when no rule in force explains it.
const RULE_SINCE_CHANGED: &str = "a rule since removed or changed";

/// A value as compact text for a cell: strings without quotes, `(missing)` when absent.
pub fn value_text(value: Option<&Value>) -> String {
    match value {
        None => "(missing)".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// Leaves of `value` with their paths.
fn flatten(value: &Value, path: String, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, child) in map {
                let child_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                flatten(child, child_path, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, child) in items.iter().enumerate() {
                flatten(child, format!("{path}[{i}]"), out);
            }
        }
        leaf => out.push((path, leaf.clone())),
    }
}

/// Whether `path` is `difference` or lies under it.
fn under(path: &str, difference: &str) -> bool {
    path.strip_prefix(difference)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::store::{Difference, Mismatch, RecordId, RecordKind};

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
                }],
                signature: "sig-grade".into(),
                differing_paths: vec!["body.grade".into()],
                reason: None,
                request: Value::Null,
                live_decision: Some(decision("0900", "A1")),
                shadow_decision: Some(decision("0901", "B2")),
                live_latency_us: 10,
                shadow_latency_us: 20,
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
    fn a_field_of_a_reordered_array_is_hidden_by_the_unordered_rule() {
        let mut record = record();
        let offers = |text: &str| -> Option<Value> { Some(serde_json::from_str(text).unwrap()) };
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
        let unordered = RowState::Hidden("unordered offers".into());
        assert_eq!(
            states(&rows),
            [
                ("offers[0].code", &unordered),
                ("offers[0].rate", &unordered),
                ("offers[1].code", &unordered),
                ("offers[1].rate", &unordered),
            ]
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
        flatten(&value, String::new(), &mut leaves);
        let paths: Vec<&str> = leaves.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["body.offers[0].rate", "body.ok"]);
        assert_eq!(leaves[0].1.to_string(), "5.250");
        assert!(under("body.offers[0].rate", "body.offers"));
        assert!(!under("body.offersx", "body.offers"));
    }
}
