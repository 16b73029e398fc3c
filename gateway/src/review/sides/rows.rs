//! The side-by-side rows of a record: one per leaf, live and shadow with its state.

use comparator::Rules;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::leaves::{flatten, union_paths, value_at};
use super::verdict::Verdict;
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

/// A value as compact text for a cell: strings without quotes, `(missing)` when absent.
pub fn value_text(value: Option<&Value>) -> String {
    match value {
        None => "(missing)".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}
