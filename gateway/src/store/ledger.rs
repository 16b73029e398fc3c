//! Running totals (counters, groups) that the writer persists with each group commit.
//!
//! The writer must not overwrite a persisted total with a smaller one, yet counting a match must
//! not wait for a disk read. So an entry counts into a `pending` delta until its persisted total
//! has been loaded (at the next commit), and every commit writes absolute totals: a failed commit
//! loses nothing, the next one writes the same totals again.

use std::collections::HashMap;

use foldhash::fast::RandomState;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::backend::{Backend, BackendError, Space, Write};
use super::codec;
use super::counters::StrategyCounters;
use super::group::Group;
use super::series::HourCounts;
use super::suppressed::SuppressionCounters;

/// A persisted total that deltas can be added to.
pub(crate) trait Tally: Serialize + DeserializeOwned {
    /// Name in error messages and the codec.
    const WHAT: &'static str;

    /// Adds `delta` to `self`.
    fn absorb(&mut self, delta: &Self);
}

impl Tally for StrategyCounters {
    const WHAT: &'static str = "counters";

    fn absorb(&mut self, delta: &Self) {
        StrategyCounters::absorb(self, delta);
    }
}

impl Tally for Group {
    const WHAT: &'static str = "group";

    fn absorb(&mut self, delta: &Self) {
        Group::absorb(self, delta);
    }
}

impl Tally for HourCounts {
    const WHAT: &'static str = "series";

    fn absorb(&mut self, delta: &Self) {
        self.add(delta);
    }
}

impl Tally for SuppressionCounters {
    const WHAT: &'static str = "suppressed";

    fn absorb(&mut self, delta: &Self) {
        SuppressionCounters::absorb(self, delta);
    }
}

/// The writer's view of one space of totals.
pub(crate) struct Ledger<V> {
    space: Space,
    /// Keys are strategy names, group signatures and hours, hashed with foldhash: SipHash was
    /// most of an update's cost, and none of them is a client's choice.
    entries: HashMap<Vec<u8>, Entry<V>, RandomState>,
}

struct Entry<V> {
    /// The absolute total, once loaded from the backend.
    total: Option<V>,
    /// What was counted before the total was loaded.
    pending: Option<V>,
    /// Changed since the last successful commit.
    dirty: bool,
}

impl<V: Tally> Ledger<V> {
    /// An empty ledger for `space`.
    pub(crate) fn new(space: Space) -> Self {
        Self {
            space,
            entries: HashMap::default(),
        }
    }

    /// Applies `update` to the entry under `key`, creating it with `make` when new.
    pub(crate) fn update(
        &mut self,
        key: &[u8],
        make: impl FnOnce() -> V,
        update: impl FnOnce(&mut V),
    ) {
        // Lookup by slice first: the common case (a known strategy) allocates nothing.
        if !self.entries.contains_key(key) {
            let entry = Entry {
                total: None,
                pending: None,
                dirty: false,
            };
            self.entries.insert(key.to_vec(), entry);
        }
        let Some(entry) = self.entries.get_mut(key) else {
            return;
        };
        entry.dirty = true;
        let target = match &mut entry.total {
            Some(total) => total,
            None => entry.pending.get_or_insert_with(make),
        };
        update(target);
    }

    /// Loads missing totals, folds pending deltas in, and appends the dirty totals to `writes`.
    pub(crate) fn writes(
        &mut self,
        backend: &mut dyn Backend,
        writes: &mut Vec<Write>,
    ) -> Result<(), BackendError> {
        for (key, entry) in self.entries.iter_mut().filter(|(_, entry)| entry.dirty) {
            if entry.total.is_none() {
                entry.total = match backend.load(self.space, key)? {
                    Some(bytes) => Some(codec::decode(V::WHAT, &bytes).map_err(|e| {
                        BackendError::new(
                            format!("load {} {}", V::WHAT, String::from_utf8_lossy(key)),
                            e,
                        )
                    })?),
                    None => entry.pending.take(),
                };
            }
            let Some(total) = &mut entry.total else {
                continue;
            };
            if let Some(pending) = entry.pending.take() {
                total.absorb(&pending);
            }
            let value = codec::encode(V::WHAT, total)
                .map_err(|e| BackendError::new(format!("encode {}", V::WHAT), e))?;
            writes.push(Write {
                space: self.space,
                key: key.clone(),
                value,
            });
        }
        Ok(())
    }

    /// Marks everything as persisted.
    pub(crate) fn committed(&mut self) {
        for entry in self.entries.values_mut() {
            entry.dirty = false;
        }
    }

    /// Forgets entries that are persisted: for keys that are written for a while and then
    /// never again (hours), so the ledger does not grow without bound. A forgotten key that
    /// is counted again is loaded again at the next commit.
    pub(crate) fn forget_committed(&mut self) {
        self.entries.retain(|_, entry| entry.dirty);
    }

    /// Every entry changed since the last commit: its total, or what was counted before the
    /// total could be loaded.
    pub(crate) fn dirty(&self) -> impl Iterator<Item = &V> {
        self.entries
            .values()
            .filter(|entry| entry.dirty)
            .filter_map(|entry| entry.total.as_ref().or(entry.pending.as_ref()))
    }

    /// Applies `fix` to every unpersisted total and delta.
    pub(crate) fn fix_dirty(&mut self, mut fix: impl FnMut(&mut V)) {
        for entry in self.entries.values_mut().filter(|entry| entry.dirty) {
            entry
                .total
                .iter_mut()
                .chain(entry.pending.iter_mut())
                .for_each(&mut fix);
        }
    }
}
