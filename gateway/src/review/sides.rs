//! Both decisions of a record field by field, for side-by-side views (the page and the CLI),
//! each field equal, differing, or hidden by a rule of the strategy.
//!
//! Which rule hid a field is not stored: the record keeps the differences the comparator
//! reported and only a count per rule. It is found again by [`comparator::explain`] over the
//! stored (masked) decisions under the strategy's current rules, so a field is never
//! highlighted like a difference when a rule the team wrote made it equal.

// What a hidden row names when no rule in force explains it, as the unified diff's note does.
use comparator::render::RULE_SINCE_CHANGED;
use comparator::{Hidden, Path, RuleKind, RuleRef, Rules};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::{Difference, MismatchRecord};

/// How each `unordered` array of a record is paired: the array's path, and per live index the
/// shadow index it was compared with.
type Pairings = Vec<(String, Vec<Option<usize>>)>;

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

/// How a side-by-side field reads: `"equal"`, `"differs"`, `{"hidden": "ignore header.*_at"}`
/// or `"uncompared"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowState {
    /// Equal under the rules, and under no reported difference.
    Equal,
    /// A difference stored with the record, or a field under one. An array whose length
    /// differs marks only itself: its elements differ when their own differences say so (the
    /// missing and extra ones, and any that changed), as in the unified diff.
    Differs,
    /// The values differ but a rule of the strategy hid it: the rule as written.
    Hidden(String),
    /// Not compared: one engine gave no decision (a shadow error, an answer that does not
    /// encode), so no field was compared with anything.
    Uncompared,
}

/// The leaves of both decisions, live order first, then fields only the shadow has, each with
/// its state under `rules` (the strategy's current comparison rules).
pub fn side_by_side(record: &MismatchRecord, rules: &Rules) -> Vec<SideRow> {
    let m = &record.mismatch;
    let verdict = Verdict::of(record, rules);
    let (mut live, mut shadow) = (Vec::new(), Vec::new());
    if let Some(value) = &m.live_decision {
        flatten(&value.to_value(), String::new(), &[], &mut live);
    }
    if let Some(value) = &m.shadow_decision {
        // Each element of an `unordered` array next to the live element it was compared with.
        flatten(
            &value.to_value(),
            String::new(),
            &verdict.pairings,
            &mut shadow,
        );
    }
    let paths = union_paths(&live, &shadow);
    paths
        .into_iter()
        .map(|path| {
            let (l, s) = (value_at(&live, path), value_at(&shadow, path));
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
    /// them, with their kinds. Only these are shown as differences, whatever the rules say now.
    reported: Vec<(String, String)>,
    /// What the current rules hid, where.
    hidden: Vec<(String, RuleRef)>,
    /// Whether both engines gave a decision: without one, nothing was compared.
    compared: bool,
    /// How the current rules pair each `unordered` array: per live index, the shadow index.
    pairings: Pairings,
}

impl Verdict {
    fn of(record: &MismatchRecord, rules: &Rules) -> Self {
        let m = &record.mismatch;
        let (mut hidden, mut pairings) = (Vec::new(), Vec::new());
        if let (Some(live), Some(shadow)) = (&m.live_decision, &m.shadow_decision) {
            let (live, shadow) = (live.to_value(), shadow.to_value());
            let (hid, paired) = comparator::explain_pairings(&live, &shadow, rules);
            hidden = hid
                .into_iter()
                .map(|Hidden { path, rule }| (path.to_string(), rule))
                .collect();
            pairings = paired
                .into_iter()
                .map(|p| (p.path.to_string(), p.shadow_of_live))
                .collect();
        }
        let reported = m
            .differences
            .iter()
            .map(|d| (current_path(d, &pairings), d.kind.clone()))
            .collect();
        Self {
            reported,
            hidden,
            pairings,
            compared: m.live_decision.is_some() && m.shadow_decision.is_some(),
        }
    }

    /// The state of the field at `path` with these two values.
    fn state(&self, path: &str, live: &Option<Value>, shadow: &Option<Value>) -> RowState {
        if self.reported.iter().any(|(d, kind)| marks(path, d, kind)) {
            return RowState::Differs;
        }
        if !self.compared {
            return RowState::Uncompared;
        }
        if live == shadow {
            return RowState::Equal;
        }
        // Rows show each element of a reordered array next to the one it was compared with, so
        // a reorder never explains a row: the deepest other rule that hid something at or
        // around the field does.
        let rule = self
            .hidden
            .iter()
            .filter(|(hid, rule)| {
                rule.kind != RuleKind::Unordered && (under(path, hid) || under(hid, path))
            })
            .max_by_key(|(hid, _)| hid.len());
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

/// The paths of the differences stored with `record`, as the comparator writes them now: what
/// the side-by-side rows and the unified diff mark. Records written before an element only the
/// shadow has was said as the shadow's stored it at its bare shadow index (`offers[2]`, which
/// names the live element 2); such a path is read as `offers[shadow:2]` when, under `rules`,
/// the shadow's element 2 of that `unordered` array is paired with no live element.
pub fn reported_paths(record: &MismatchRecord, rules: &Rules) -> Vec<String> {
    let m = &record.mismatch;
    let mut pairings = Vec::new();
    // Only an old record's extra element needs the pairing walk.
    if m.differences.iter().any(|d| legacy_extra(d).is_some()) {
        if let (Some(live), Some(shadow)) = (&m.live_decision, &m.shadow_decision) {
            let (live, shadow) = (live.to_value(), shadow.to_value());
            pairings = comparator::explain_pairings(&live, &shadow, rules)
                .1
                .into_iter()
                .map(|p| (p.path.to_string(), p.shadow_of_live))
                .collect();
        }
    }
    m.differences
        .iter()
        .map(|d| current_path(d, &pairings))
        .collect()
}

/// The path of a stored difference as the comparator writes it now (see [`reported_paths`]).
/// Records written before keys were quoted hold a key with a space bare (`body.고객 이름`): read
/// back, it is written quoted (`body["고객 이름"]`), as the rows name it. (A dotted key was
/// ambiguous then and reads as nested fields.)
fn current_path(difference: &Difference, pairings: &Pairings) -> String {
    let Some((array, index)) = legacy_extra(difference) else {
        return difference
            .path
            .parse::<Path>()
            .map_or_else(|_| difference.path.clone(), |path| path.to_string());
    };
    let unpaired = pairings
        .iter()
        .find(|(path, _)| path == array)
        .is_some_and(|(_, shadow_of_live)| !shadow_of_live.contains(&Some(index)));
    if !unpaired {
        return difference.path.clone();
    }
    let mut path = array.to_owned();
    Path::push_shadow_index(&mut path, index);
    path
}

/// An element extra in the shadow stored at a bare index: its array's path and the index.
fn legacy_extra(difference: &Difference) -> Option<(&str, usize)> {
    if difference.kind != "extra_in_shadow" {
        return None;
    }
    let (array, index) = difference.path.strip_suffix(']')?.rsplit_once('[')?;
    if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((array, index.parse().ok()?))
}

/// Unlike text the comparator calls equal without any rule (`5.250` and `5.25`).
fn equal_without_rules(live: &Option<Value>, shadow: &Option<Value>) -> bool {
    match (live, shadow) {
        (Some(l), Some(s)) => comparator::compare(l, s, &Rules::none()).is_match(),
        _ => false,
    }
}

/// A value as compact text for a cell: strings without quotes, `(missing)` when absent.
pub fn value_text(value: Option<&Value>) -> String {
    match value {
        None => "(missing)".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The record's (masked) request as leaves with their paths (`body.loans[0].rate`), in the
/// request's order: what a reviewer reads to see which customers a difference comes from.
pub fn request_rows(record: &MismatchRecord) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    flatten(
        &record.mismatch.request.to_value(),
        String::new(),
        &[],
        &mut out,
    );
    out
}

/// The paths of `first`'s leaves in order, then those only `second` has.
pub(super) fn union_paths<'a>(
    first: &'a [(String, Value)],
    second: &'a [(String, Value)],
) -> Vec<&'a str> {
    let mut paths: Vec<&str> = first.iter().map(|(p, _)| p.as_str()).collect();
    for (path, _) in second {
        if !paths.contains(&path.as_str()) {
            paths.push(path);
        }
    }
    paths
}

/// The value of the leaf at `path`, if `side` has one.
pub(super) fn value_at(side: &[(String, Value)], path: &str) -> Option<Value> {
    side.iter().find(|(p, _)| p == path).map(|(_, v)| v.clone())
}

/// Leaves of `value` with their paths. An array with a pairing (a shadow `unordered` array) is
/// walked in the live order: each element under the index of the live element it was compared
/// with, then the elements no live one took under their own index said as the shadow's
/// (`offers[shadow:2]`), as the comparator reports them.
pub(super) fn flatten(
    value: &Value,
    path: String,
    pairings: &[(String, Vec<Option<usize>>)],
    out: &mut Vec<(String, Value)>,
) {
    let child = |push: &dyn Fn(&mut String)| {
        let mut child = path.clone();
        push(&mut child);
        child
    };
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, value) in map {
                let at = child(&|p| Path::push_key(p, key));
                flatten(value, at, pairings, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let pairing = pairings.iter().find(|(p, _)| *p == path).map(|(_, p)| p);
            let Some(shadow_of_live) = pairing else {
                for (i, value) in items.iter().enumerate() {
                    flatten(value, child(&|p| Path::push_index(p, i)), pairings, out);
                }
                return;
            };
            let mut taken = vec![false; items.len()];
            for (i, partner) in shadow_of_live.iter().enumerate() {
                let Some(j) = partner.filter(|j| *j < items.len()) else {
                    continue;
                };
                taken[j] = true;
                flatten(&items[j], child(&|p| Path::push_index(p, i)), pairings, out);
            }
            for (j, value) in items.iter().enumerate().filter(|(j, _)| !taken[*j]) {
                let at = child(&|p| Path::push_shadow_index(p, j));
                flatten(value, at, pairings, out);
            }
        }
        leaf => out.push((path, leaf.clone())),
    }
}

/// Whether a stored difference of `kind` at `difference` marks the row at `path`: the field
/// it names and every field under it, but an array's length (`array_length`) only the array
/// itself, since its elements are reported on their own.
pub(super) fn marks(path: &str, difference: &str, kind: &str) -> bool {
    match kind {
        "array_length" => path == difference,
        _ => under(path, difference),
    }
}

/// Whether `path` is `difference` or lies under it.
pub(super) fn under(path: &str, difference: &str) -> bool {
    path.strip_prefix(difference)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::store::{Difference, MaskedJson, Mismatch, RecordId, RecordKind};

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
}
