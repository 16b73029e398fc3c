//! Each row's verdict: equal, differing, or hidden by a rule (which one, or none in force now).

// What a hidden row names when no rule in force explains it, as the unified diff's note does.
use comparator::render::RULE_SINCE_CHANGED;
use comparator::{Hidden, RuleKind, RuleRef, Rules};
use serde_json::Value;

use super::reported::{current_path, Pairings};
use super::rows::RowState;
use crate::store::MismatchRecord;

/// What the stored record and the current rules say about the paths of one record.
pub(super) struct Verdict {
    /// The differences stored with the record: what the comparator reported when it compared
    /// them, with their kinds. Only these are shown as differences, whatever the rules say now.
    reported: Vec<(String, String)>,
    /// What the current rules hid, where.
    hidden: Vec<(String, RuleRef)>,
    /// Whether both engines gave a decision: without one, nothing was compared.
    compared: bool,
    /// How the current rules pair each `unordered` array: per live index, the shadow index.
    pub(super) pairings: Pairings,
}

impl Verdict {
    pub(super) fn of(record: &MismatchRecord, rules: &Rules) -> Self {
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
    pub(super) fn state(
        &self,
        path: &str,
        live: &Option<Value>,
        shadow: &Option<Value>,
    ) -> RowState {
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

/// Unlike text the comparator calls equal without any rule (`5.250` and `5.25`).
fn equal_without_rules(live: &Option<Value>, shadow: &Option<Value>) -> bool {
    match (live, shadow) {
        (Some(l), Some(s)) => comparator::compare(l, s, &Rules::none()).is_match(),
        _ => false,
    }
}

/// Whether a stored difference of `kind` at `difference` marks the row at `path`: the field
/// it names and every field under it, but an array's length (`array_length`) only the array
/// itself, since its elements are reported on their own.
pub(in crate::review) fn marks(path: &str, difference: &str, kind: &str) -> bool {
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
