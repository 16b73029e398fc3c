//! Totals counted from zero: what a gateway that starts while PostgreSQL cannot be reached
//! counts before it knows its instance's totals.
//!
//! The writer's ledger keeps absolute totals and asks the backend for each one once. While the
//! database is unreachable from the start, the answer is "nothing yet", so the ledger counts
//! those keys from zero: its values are deltas. They are spooled as such (cold entries of the
//! spool, [`super::spool`]) and, at the first contact (this run's, or the next run's if this one
//! stops before), added to the database's totals ([`merge`]). The ledger keeps
//! counting on its deltas for the rest of the run, so [`Relative`] remembers, for each key it
//! loaded while cold, the total the delta is added to (its base), and turns every later write
//! of that key into base + delta, until the ledger loads the key again (then it holds the
//! absolute total itself).

use std::collections::{HashMap, HashSet};

use crate::store::backend::{BackendError, Space, Write};
use crate::store::codec;
use crate::store::counters::StrategyCounters;
use crate::store::group::Group;
use crate::store::ledger::Tally;
use crate::store::series::HourCounts;
use crate::store::suppressed::SuppressionCounters;

/// A key of a space.
pub(crate) type Key = (Space, Vec<u8>);

/// Whether `space` holds totals the ledger adds to (the others hold keyed values: records,
/// payloads, reconcile runs).
pub(crate) fn is_tally(space: Space) -> bool {
    matches!(
        space,
        Space::Counters | Space::Groups | Space::Suppressed | Space::Series
    )
}

/// `start` + `delta`, both encoded totals of `space` (no `start`: the delta is the total).
pub(crate) fn merge(
    space: Space,
    start: Option<&[u8]>,
    delta: &[u8],
) -> Result<Vec<u8>, BackendError> {
    let Some(start) = start else {
        return Ok(delta.to_vec());
    };
    match space {
        Space::Counters => merge_as::<StrategyCounters>(start, delta),
        Space::Groups => merge_as::<Group>(start, delta),
        Space::Suppressed => merge_as::<SuppressionCounters>(start, delta),
        Space::Series => merge_as::<HourCounts>(start, delta),
        other => Err(BackendError::new(
            "add a delta to a total",
            format!("expected a space of totals, found {other:?}"),
        )),
    }
}

fn merge_as<V: Tally>(start: &[u8], delta: &[u8]) -> Result<Vec<u8>, BackendError> {
    let fail = |e| BackendError::new(format!("add a {} delta to its total", V::WHAT), e);
    let mut total: V = codec::decode(V::WHAT, start).map_err(fail)?;
    let delta: V = codec::decode(V::WHAT, delta).map_err(fail)?;
    total.absorb(&delta);
    codec::encode(V::WHAT, &total).map_err(fail)
}

/// The keys the ledger counts from zero, and what to add to them once that is known.
#[derive(Default)]
pub(crate) struct Relative {
    /// Keys loaded while cold (the ledger holds a delta for each).
    loaded: HashSet<Key>,
    /// After the first contact: the total each still-relative key's delta is added to.
    base: HashMap<Key, Vec<u8>>,
}

impl Relative {
    /// While cold: the ledger loaded `key`, so it counts it from zero (or from the delta
    /// spooled by an earlier cold run).
    pub(crate) fn loaded(&mut self, space: Space, key: &[u8]) {
        self.loaded.insert((space, key.to_vec()));
    }

    /// The keys loaded while cold.
    pub(crate) fn loaded_keys(&self) -> Vec<Key> {
        self.loaded.iter().cloned().collect()
    }

    /// The first contact is made: each relative key's delta is added to its base (a key without
    /// one was new: its delta is its total).
    pub(crate) fn contacted(&mut self, bases: HashMap<Key, Vec<u8>>) {
        self.loaded.clear();
        self.base = bases;
    }

    /// After the first contact: the ledger loads `key` again, so it holds the absolute total
    /// from now on.
    pub(crate) fn reloaded(&mut self, space: Space, key: &[u8]) {
        self.base.remove(&(space, key.to_vec()));
    }

    /// The writes as the database holds them: base + delta for every relative key.
    pub(crate) fn absolute(&self, mut writes: Vec<Write>) -> Result<Vec<Write>, BackendError> {
        if self.base.is_empty() {
            return Ok(writes);
        }
        for write in &mut writes {
            if let Some(base) = self.base.get(&(write.space, write.key.clone())) {
                write.value = merge(write.space, Some(base), &write.value)?;
            }
        }
        Ok(writes)
    }

    /// Drops the keys of `space` below `before` (retention pruned them).
    pub(crate) fn prune(&mut self, space: Space, before: &[u8]) {
        let keep = |(s, key): &Key| *s != space || key.as_slice() >= before;
        self.loaded.retain(keep);
        self.base.retain(|key, _| keep(key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counters(mismatches: u64) -> Vec<u8> {
        let mut counters = StrategyCounters::new("loan");
        counters.mismatches = mismatches;
        codec::encode("counters", &counters).unwrap()
    }

    fn mismatches(bytes: &[u8]) -> u64 {
        codec::decode::<StrategyCounters>("counters", bytes)
            .unwrap()
            .mismatches
    }

    #[test]
    fn a_delta_is_added_to_its_total_and_alone_is_the_total() {
        let sum = merge(Space::Counters, Some(&counters(40)), &counters(2)).unwrap();
        assert_eq!(mismatches(&sum), 42);
        assert_eq!(
            merge(Space::Counters, None, &counters(2)).unwrap(),
            counters(2)
        );
        assert!(merge(Space::Payloads, Some(b"a"), b"b").is_err());
    }

    #[test]
    fn a_relative_key_is_written_as_base_plus_delta_until_it_is_loaded_again() {
        let mut relative = Relative::default();
        relative.loaded(Space::Counters, b"loan");
        let key = relative.loaded_keys().pop().unwrap();
        relative.contacted(HashMap::from([(key, counters(40))]));
        let write = |n| Write {
            space: Space::Counters,
            key: b"loan".to_vec(),
            value: counters(n),
        };
        let written = relative.absolute(vec![write(5)]).unwrap();
        assert_eq!(mismatches(&written[0].value), 45);
        relative.reloaded(Space::Counters, b"loan");
        let written = relative.absolute(vec![write(46)]).unwrap();
        assert_eq!(mismatches(&written[0].value), 46);
    }
}
