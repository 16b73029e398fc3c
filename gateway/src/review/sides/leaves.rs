//! The leaves of a decision: flattened paths and the union of both sides'.

use comparator::Path;
use serde_json::Value;

use crate::store::MismatchRecord;

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
pub(in crate::review) fn union_paths<'a>(
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
pub(in crate::review) fn value_at(side: &[(String, Value)], path: &str) -> Option<Value> {
    side.iter().find(|(p, _)| p == path).map(|(_, v)| v.clone())
}

/// Leaves of `value` with their paths. An array with a pairing (a shadow `unordered` array) is
/// walked in the live order: each element under the index of the live element it was compared
/// with, then the elements no live one took under their own index said as the shadow's
/// (`offers[shadow:2]`), as the comparator reports them.
pub(in crate::review) fn flatten(
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
