//! One example of a batch group field by field, legacy left and new right, for the page's
//! drill-down: the same rows as a record's side by side, with the run's reported differences
//! highlighted.
//!
//! A batch example keeps both (masked) rows and the differences the comparator reported when the
//! run compared them; nothing is compared again here, so the page shows what the run found.

use super::sides::{flatten, marks, union_paths, value_at};
use super::{RowState, SideRow};
use crate::store::ReconcileExample;

/// The leaves of both rows, legacy order first, then fields only the new row has. `live` holds
/// the legacy value and `shadow` the new one, as in the stored differences.
pub fn example_rows(example: &ReconcileExample) -> Vec<SideRow> {
    let (mut legacy, mut new) = (Vec::new(), Vec::new());
    if let Some(row) = &example.legacy {
        flatten(row, String::new(), &[], &mut legacy);
    }
    if let Some(row) = &example.new {
        flatten(row, String::new(), &[], &mut new);
    }
    let paths = union_paths(&legacy, &new);
    paths
        .into_iter()
        .map(|path| {
            let differs = example
                .differences
                .iter()
                .any(|d| marks(path, &d.path, &d.kind));
            SideRow {
                path: path.to_owned(),
                live: value_at(&legacy, path),
                shadow: value_at(&new, path),
                state: if differs {
                    RowState::Differs
                } else {
                    RowState::Equal
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::Difference;

    #[test]
    fn reported_differences_are_highlighted_and_a_missing_side_is_absent() {
        let example = ReconcileExample {
            key: "000000100017".into(),
            legacy: Some(json!({"body": {"cust_no": "000000100017", "decision": "K"}})),
            new: Some(json!({"body": {"cust_no": "000000100017", "decision": "R", "extra": 1}})),
            differences: vec![Difference {
                path: "body.decision".into(),
                kind: "value_changed".into(),
                live: Some(json!("K")),
                shadow: Some(json!("R")),
                severity: "critical".into(),
                expired_rule: None,
            }],
            rows: Vec::new(),
            rows_not_shown: 0,
        };
        let rows = example_rows(&example);
        let states: Vec<(&str, &RowState)> =
            rows.iter().map(|r| (r.path.as_str(), &r.state)).collect();
        assert_eq!(
            states,
            [
                ("body.cust_no", &RowState::Equal),
                ("body.decision", &RowState::Differs),
                ("body.extra", &RowState::Equal),
            ]
        );
        assert_eq!(rows[2].live, None);
        assert_eq!(rows[1].shadow, Some(json!("R")));

        let only_legacy = ReconcileExample {
            new: None,
            differences: Vec::new(),
            ..example
        };
        let rows = example_rows(&only_legacy);
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| r.shadow.is_none()));
    }

    #[test]
    fn an_array_whose_length_differs_marks_only_its_extra_element() {
        let difference = |path: &str, kind: &str| Difference {
            path: path.into(),
            kind: kind.into(),
            live: None,
            shadow: None,
            severity: "major".into(),
            expired_rule: None,
        };
        let example = ReconcileExample {
            key: "000000100017".into(),
            legacy: Some(json!({"body": {"codes": ["R01"]}})),
            new: Some(json!({"body": {"codes": ["R01", "R07"]}})),
            differences: vec![
                difference("body.codes", "array_length"),
                difference("body.codes[1]", "extra_in_shadow"),
            ],
            rows: Vec::new(),
            rows_not_shown: 0,
        };
        let rows = example_rows(&example);
        let states: Vec<(&str, &RowState)> =
            rows.iter().map(|r| (r.path.as_str(), &r.state)).collect();
        assert_eq!(
            states,
            [
                ("body.codes[0]", &RowState::Equal),
                ("body.codes[1]", &RowState::Differs),
            ]
        );
    }
}
