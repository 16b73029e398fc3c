//! What the rules hid, path by path: for people reading one record, never on the hot path.
//!
//! [`compare`](crate::compare()) only counts suppressions per rule, so the walk over two equal
//! decisions allocates nothing. A review page needs more: which field a rule hid, to grey it
//! instead of highlighting it. [`explain`] runs the same walk with a list switched on in which
//! every suppression is recorded with its path, so both walks agree by construction.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::compare::Walker;
use crate::path::Path;
use crate::rules::{RuleRef, Rules};

/// One difference a rule hid, where it hid it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hidden {
    /// Where: the field for `ignore`, `tolerance`, `normalise` and `value_map`
    /// (`header.sent_at`), the array for `unordered` (`body.offers`).
    pub path: Path,
    /// The rule that hid it, e.g. `ignore header.*_at`.
    pub rule: RuleRef,
}

/// How one `unordered` array was paired: for each live element, the index of the shadow element
/// it was compared with (`None`: missing in the shadow). Shadow elements no live element took
/// were compared with nothing (extra in the shadow), reported at their own index said as the
/// shadow's (`offers[shadow:2]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pairing {
    /// The array (`body.offers`, `body.offers[1].fees`), with live indices for the elements of
    /// enclosing unordered arrays, as differences are reported.
    pub path: Path,
    /// Per live element, its shadow partner.
    pub shadow_of_live: Vec<Option<usize>>,
}

/// What the rules hid, with their paths, and how every `unordered` array was paired: what a
/// side-by-side view needs to show each live element next to the shadow element it was compared
/// with. The same walk as [`compare`](crate::compare()).
pub fn explain_pairings(
    live: &Value,
    shadow: &Value,
    rules: &Rules,
) -> (Vec<Hidden>, Vec<Pairing>) {
    Walker::explaining(rules).run_explained(live, shadow)
}

/// Every difference between `live` and `shadow` that `rules` hid, in walk order, with the rule
/// that hid it. The same walk as [`compare`](crate::compare()): a path appears here exactly when
/// `compare` counted a suppression there (`unordered` once per element that paired at another
/// position, at the array's path).
pub fn explain(live: &Value, shadow: &Value, rules: &Rules) -> Vec<Hidden> {
    Walker::explaining(rules).run(live, shadow).1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{rules, value};

    fn shown(hidden: &[Hidden]) -> Vec<String> {
        hidden
            .iter()
            .map(|h| format!("{} by {}", h.path, h.rule))
            .collect()
    }

    #[test]
    fn ignore_names_each_hidden_field_and_its_rule() {
        let rules = rules(serde_json::json!({ "ignore": ["header.*_at"] }));
        let live = value(r#"{"header": {"sent_at": "0900", "id": 1}, "body": {"grade": "A"}}"#);
        let shadow = value(r#"{"header": {"sent_at": "0901", "id": 1}, "body": {"grade": "B"}}"#);
        assert_eq!(
            shown(&explain(&live, &shadow, &rules)),
            ["header.sent_at by ignore header.*_at"]
        );
        // The reported difference is not hidden, and `compare` counts what `explain` lists.
        let comparison = crate::compare(&live, &shadow, &rules);
        assert_eq!(comparison.differences[0].path.to_string(), "body.grade");
        assert_eq!(comparison.suppressed[0].count, 1);
    }

    #[test]
    fn tolerance_names_the_field_it_made_equal_and_not_the_one_beyond_it() {
        let rules = rules(serde_json::json!({
            "tolerance": [{ "path": "body.offers[*].rate", "absolute": "0.01" }],
        }));
        let live = value(r#"{"body": {"offers": [{"rate": 5.25}, {"rate": 6.00}]}}"#);
        let shadow = value(r#"{"body": {"offers": [{"rate": 5.26}, {"rate": 6.50}]}}"#);
        let hidden = explain(&live, &shadow, &rules);
        assert_eq!(
            shown(&hidden),
            ["body.offers[0].rate by tolerance body.offers[*].rate"]
        );
        assert_eq!(crate::compare(&live, &shadow, &rules).differences.len(), 1);
    }

    #[test]
    fn unordered_names_the_array_once_per_element_that_moved() {
        let rules = rules(serde_json::json!({
            "unordered": [{ "path": "body.offers", "key": ["code"] }],
        }));
        let live = value(r#"{"body": {"offers": [{"code": "A"}, {"code": "B"}, {"code": "C"}]}}"#);
        let shadow =
            value(r#"{"body": {"offers": [{"code": "B"}, {"code": "A"}, {"code": "C"}]}}"#);
        assert_eq!(
            shown(&explain(&live, &shadow, &rules)),
            [
                "body.offers by unordered body.offers",
                "body.offers by unordered body.offers"
            ]
        );
        assert!(crate::compare(&live, &shadow, &rules).is_match());
    }

    #[test]
    fn explain_lists_exactly_what_compare_counts_per_rule() {
        let rules = rules(serde_json::json!({
            "ignore": ["*.issued_at", "audit"],
            "tolerance": [{ "path": "*.rate", "absolute": "0.01" }],
            "unordered": [{ "path": "offers", "key": ["code"] }],
            "normalise": [{ "path": "*.code", "trim": true, "ignore_case": true }],
            "value_map": [{ "path": "decision", "map": { "Y": "APPROVE" } }],
        }));
        let live = value(
            r#"{"decision": "Y", "audit": {"by": "a", "at": 1},
                "offers": [{"code": "A", "rate": 1.00, "issued_at": 1}, {"code": "b ", "rate": 2}],
                "loan": {"code": "X", "rate": 3.5}}"#,
        );
        let shadow = value(
            r#"{"decision": "APPROVE", "audit": {"by": "b"},
                "offers": [{"code": "B", "rate": 2.001}, {"code": "A", "rate": 1.01, "issued_at": 2}],
                "loan": {"code": " x", "rate": 3.6}}"#,
        );
        let comparison = crate::compare(&live, &shadow, &rules);
        let hidden = explain(&live, &shadow, &rules);
        assert!(comparison.suppressed.len() >= 4, "{comparison:?}");
        for suppressed in &comparison.suppressed {
            let listed = hidden.iter().filter(|h| h.rule == suppressed.rule).count();
            assert_eq!(listed, suppressed.count as usize, "{}", suppressed.rule);
        }
        let total: u32 = comparison.suppressed.iter().map(|s| s.count).sum();
        assert_eq!(hidden.len(), total as usize);
        // The rate beyond its tolerance is reported, never listed as hidden.
        let reported: Vec<String> = comparison
            .differences
            .iter()
            .map(|d| d.path.to_string())
            .collect();
        assert!(reported.contains(&"loan.rate".to_owned()), "{reported:?}");
        assert!(hidden
            .iter()
            .all(|h| !reported.contains(&h.path.to_string())));
    }

    #[test]
    fn nothing_is_hidden_without_rules_or_between_equal_decisions() {
        let live = value(r#"{"header": {"sent_at": "0900"}}"#);
        let shadow = value(r#"{"header": {"sent_at": "0901"}}"#);
        assert!(explain(&live, &shadow, &Rules::none()).is_empty());
        let rules = rules(serde_json::json!({ "ignore": ["header.sent_at"] }));
        assert!(explain(&live, &live, &rules).is_empty());
    }

    #[test]
    fn pairings_say_which_shadow_element_each_live_one_was_compared_with() {
        let rules = rules(serde_json::json!({
            "unordered": [{ "path": "offers", "key": ["code"] }],
        }));
        let live = value(
            r#"{"offers": [{"code": "A", "term": 12}, {"code": "A", "term": 60}, {"code": "C"}]}"#,
        );
        let shadow = value(
            r#"{"offers": [{"code": "A", "term": 60}, {"code": "A", "term": 99}, {"code": "D"}]}"#,
        );
        let (_, pairings) = explain_pairings(&live, &shadow, &rules);
        assert_eq!(pairings.len(), 1);
        assert_eq!(pairings[0].path.to_string(), "offers");
        // A/60 found its identical copy at 0; A/12 took the other A (term differs); C is missing.
        assert_eq!(pairings[0].shadow_of_live, [Some(1), Some(0), None]);
        // `compare` reports the difference at the live index, against the paired element.
        let comparison = crate::compare(&live, &shadow, &rules);
        let term = comparison
            .differences
            .iter()
            .find(|d| d.path.to_string() == "offers[0].term");
        assert_eq!(
            term.and_then(|d| d.shadow.clone()),
            Some(serde_json::json!(99))
        );
        // Nothing is recorded when not explaining.
        assert!(explain_pairings(&live, &live, &Rules::none()).1.is_empty());
    }
}
