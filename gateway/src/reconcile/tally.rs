//! The tally of a run: counts, groups by outcome and signature, and a few masked examples per
//! group. Memory grows with the number of groups (distinct signatures), never with rows.

use std::collections::BTreeMap;

use comparator::Difference;
use protocol_mci::{mask_text, MaskKind};
use serde_json::Value;

use super::key::KeySpec;
use super::mapping::lookup;
use super::outcome::KeyOutcome;
use super::source::Row;
use crate::store::{
    self, ReconcileCounts, ReconcileExample, ReconcileGroup, ReconcileRow, ReconcileSuppressed,
};

/// The rows of one key on one side kept to be shown, and how many there are.
#[derive(Debug, Default, Clone, Copy)]
pub struct Taken<'r> {
    /// The first rows, in the order the side gave them.
    pub rows: &'r [Row],
    /// All the key's rows on the side.
    pub count: u64,
}

/// Counts and groups of a run so far.
#[derive(Debug)]
pub struct Tally {
    /// Rows and keys by outcome.
    pub counts: ReconcileCounts,
    groups: BTreeMap<(&'static str, String), ReconcileGroup>,
    masks: BTreeMap<String, MaskKind>,
    examples: usize,
    /// What each rule hid, in the order rules first hid something (written out at the end:
    /// no text per key).
    suppressed: Vec<(comparator::RuleRef, u64)>,
}

impl Tally {
    /// An empty tally keeping `examples` examples per group, masked by target path.
    pub fn new(masks: BTreeMap<String, MaskKind>, examples: usize) -> Self {
        Self {
            counts: ReconcileCounts::default(),
            groups: BTreeMap::new(),
            masks,
            examples,
            suppressed: Vec::new(),
        }
    }

    /// Adds what the rules hid in one key's comparison (matched or not).
    pub fn suppressed(&mut self, hidden: &[comparator::Suppressed]) {
        for one in hidden {
            match self
                .suppressed
                .iter_mut()
                .find(|(rule, _)| *rule == one.rule)
            {
                Some((_, count)) => *count += u64::from(one.count),
                None => self
                    .suppressed
                    .push((one.rule.clone(), u64::from(one.count))),
            }
        }
    }

    /// Records a duplicated key: its outcome, and in its example every row kept of each side,
    /// masked, with its line.
    pub fn record_duplicate(
        &mut self,
        outcome: KeyOutcome,
        keys: &KeySpec,
        legacy: Taken<'_>,
        new: Taken<'_>,
    ) {
        self.counts.duplicate_rows += legacy.count + new.count;
        let (l, n) = (legacy.rows.first(), new.rows.first());
        let (l, n) = (l.map(|row| &row.value), n.map(|row| &row.value));
        let masks = self.masks.clone();
        let Some(example) = self.record(outcome, keys, l, n, &[]) else {
            return;
        };
        for (side, taken) in [("legacy", legacy), ("new", new)] {
            example.rows_not_shown += taken.count - taken.rows.len() as u64;
            example
                .rows
                .extend(taken.rows.iter().map(|row| ReconcileRow {
                    side: side.to_owned(),
                    line: row.line,
                    row: masked(&row.value, &masks),
                }));
        }
    }

    /// Records one key's outcome with its rows and differences; the example it adds, if its
    /// group takes one more.
    pub fn record(
        &mut self,
        outcome: KeyOutcome,
        keys: &KeySpec,
        legacy: Option<&Value>,
        new: Option<&Value>,
        differences: &[Difference],
    ) -> Option<&mut ReconcileExample> {
        outcome.count(&mut self.counts);
        if outcome == KeyOutcome::Match {
            return None;
        }
        let (signature, fields) = match &outcome {
            KeyOutcome::Mismatch(s) => (Some(s.id.clone()), s.fields.clone()),
            _ => (None, Vec::new()),
        };
        let group = self
            .groups
            .entry((outcome.label(), signature.clone().unwrap_or_default()))
            .or_insert_with(|| ReconcileGroup {
                outcome: outcome.label().to_owned(),
                signature,
                fields,
                count: 0,
                examples: Vec::new(),
            });
        group.count += 1;
        if group.examples.len() < self.examples {
            let legacy = legacy.map(|row| masked(row, &self.masks));
            let new = new.map(|row| masked(row, &self.masks));
            let shown = legacy.as_ref().or(new.as_ref());
            group.examples.push(ReconcileExample {
                key: shown.map(|row| key_text(keys, row)).unwrap_or_default(),
                differences: differences
                    .iter()
                    .map(|d| difference(d, &self.masks))
                    .collect(),
                legacy,
                new,
                rows: Vec::new(),
                rows_not_shown: 0,
            });
            return group.examples.last_mut();
        }
        None
    }

    /// The counts, the groups largest first (ties by outcome, then signature), and what the
    /// rules hid.
    pub fn finish(
        self,
    ) -> (
        ReconcileCounts,
        Vec<ReconcileGroup>,
        Vec<ReconcileSuppressed>,
    ) {
        let mut groups: Vec<ReconcileGroup> = self.groups.into_values().collect();
        groups.sort_by_key(|g| std::cmp::Reverse(g.count));
        let suppressed = self
            .suppressed
            .into_iter()
            .map(|(rule, count)| ReconcileSuppressed {
                rule: rule.to_string(),
                count,
            })
            .collect();
        (self.counts, groups, suppressed)
    }
}

/// A row with every masked path masked.
fn masked(row: &Value, masks: &BTreeMap<String, MaskKind>) -> Value {
    let mut row = row.clone();
    for (path, kind) in masks {
        if let Some(value) = pointer_mut(&mut row, path) {
            *value = mask_value(value, *kind);
        }
    }
    row
}

fn pointer_mut<'v>(value: &'v mut Value, path: &str) -> Option<&'v mut Value> {
    path.split('.').try_fold(value, |v, key| v.get_mut(key))
}

fn mask_value(value: &Value, kind: MaskKind) -> Value {
    match value {
        Value::Null => Value::Null,
        Value::String(s) => Value::String(mask_text(kind, s)),
        other => Value::String(mask_text(kind, &other.to_string())),
    }
}

/// The key of a (masked) row as text: values joined by `/`.
fn key_text(keys: &KeySpec, row: &Value) -> String {
    let parts: Vec<String> = keys
        .fields
        .iter()
        .map(|(path, _)| match lookup(row, path) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        })
        .collect();
    parts.join("/")
}

/// A difference as stored, its values masked when its field is.
fn difference(d: &Difference, masks: &BTreeMap<String, MaskKind>) -> store::Difference {
    let mask = masks.get(&d.field()).copied();
    let show = |v: &Option<Value>| match (v, mask) {
        (Some(v), Some(kind)) => Some(mask_value(v, kind)),
        (v, _) => v.clone(),
    };
    store::Difference {
        path: d.path.to_string(),
        kind: serde_name(&d.kind),
        live: show(&d.live),
        shadow: show(&d.shadow),
        severity: serde_name(&d.severity),
        expired_rule: d.expired_rule.as_ref().map(ToString::to_string),
    }
}

/// The snake_case name serde gives an enum value (`value_changed`, `critical`).
fn serde_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(name)) => name,
        _ => String::new(),
    }
}
