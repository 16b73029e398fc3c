//! What the record reported: its stored differences' paths, paired with the rows'.

use comparator::{Path, Rules};

use crate::store::{Difference, MismatchRecord};

/// How each `unordered` array of a record is paired: the array's path, and per live index the
/// shadow index it was compared with.
pub(super) type Pairings = Vec<(String, Vec<Option<usize>>)>;

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
pub(super) fn current_path(difference: &Difference, pairings: &Pairings) -> String {
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
