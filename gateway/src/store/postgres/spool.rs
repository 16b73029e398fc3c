//! The local spool: what the writer could not send to PostgreSQL, kept in the gateway's own
//! sled directory (`store.path`) until the database is back.
//!
//! One tree, `spool`, keyed by a space tag (and the day, for records) followed by the writer's
//! key, so every write keeps its place: records are added, totals overwrite the older total of
//! their key (they are absolute). The reader never looks at this tree. The spool's epoch (tree
//! `spool_meta`) names one outage's spool: forwarding records the epoch in PostgreSQL in the
//! transaction that writes the totals, so a spool forwarded just before a crash is recognised
//! after the restart and dropped, not forwarded twice.
//!
//! Cold entries (the tag's high bit set) hold what a gateway that started while the database
//! could not be reached counted from zero: totals as deltas, and its other keyed writes
//! (payloads). They are never forwarded as they are: at the first contact (that run's, or the
//! next run's if it stopped before) each delta is added to the instance's total and the sum
//! replaces it as an ordinary entry in one batch
//! ([`Spool::fold_cold`]), so they are never stale the way a forwarded spool can be. One tree
//! for both keeps a commit's records and its deltas in one atomic batch.
//!
//! The meta tree also keeps what PostgreSQL could not take of this directory's runs (`runs`).

use std::sync::Arc;

use crate::store::backend::{BackendError, Space, Write};
use crate::store::chunk;
use crate::store::shared::SharedDb;
use crate::store::time::Day;

mod runs;

const TREE: &str = "spool";
const META_TREE: &str = "spool_meta";
const EPOCH_KEY: &[u8] = b"epoch";
/// The tag bit of a cold entry.
const COLD: u8 = 0x80;

/// The spool in the local sled database.
#[derive(Debug)]
pub(crate) struct Spool {
    shared: Arc<SharedDb>,
}

/// The tag byte of a space in spool keys.
fn tag(space: Space) -> u8 {
    match space {
        Space::Records(_) => 0,
        Space::Counters => 1,
        Space::Groups => 2,
        Space::Suppressed => 3,
        Space::Series => 4,
        Space::Payloads => 5,
        Space::Reconciles => 6,
    }
}

fn spool_key(write: &Write) -> Vec<u8> {
    let mut key = Vec::with_capacity(5 + write.key.len());
    key.push(tag(write.space));
    if let Space::Records(day) = write.space {
        key.extend_from_slice(&day.0.to_be_bytes());
    }
    key.extend_from_slice(&write.key);
    key
}

fn parse_key(key: &[u8]) -> Option<(Space, Vec<u8>)> {
    let (&tag, rest) = key.split_first()?;
    let space = match tag {
        0 => {
            let (day, rest) = rest.split_first_chunk::<4>()?;
            return Some((Space::Records(Day(u32::from_be_bytes(*day))), rest.to_vec()));
        }
        1 => Space::Counters,
        2 => Space::Groups,
        3 => Space::Suppressed,
        4 => Space::Series,
        5 => Space::Payloads,
        6 => Space::Reconciles,
        _ => return None,
    };
    Some((space, rest.to_vec()))
}

impl Spool {
    /// The spool of the local database in `shared`.
    pub(crate) fn new(shared: Arc<SharedDb>) -> Self {
        Self { shared }
    }

    fn trees(&self) -> Result<(sled::Db, sled::Tree, sled::Tree), BackendError> {
        let fail = |e: &dyn std::fmt::Display| BackendError::new("open the spool", e.to_string());
        let db = self
            .shared
            .current()
            .ok_or_else(|| fail(&format!("{} is not open", self.shared.path().display())))?;
        let tree = db.open_tree(TREE).map_err(|e| fail(&e))?;
        let meta = db.open_tree(META_TREE).map_err(|e| fail(&e))?;
        Ok((db, tree, meta))
    }

    /// Adds `writes` and flushes them to disk.
    pub(crate) fn append(&self, writes: &[Write]) -> Result<(), BackendError> {
        let (db, tree, _) = self.trees()?;
        let mut batch = sled::Batch::default();
        for write in writes {
            batch.insert(spool_key(write), write.value.as_slice());
        }
        let fail = |e| BackendError::new(format!("spool {} writes", writes.len()), e);
        tree.apply_batch(batch).map_err(fail)?;
        db.flush().map_err(fail)?;
        Ok(())
    }

    /// The spooled value of a total (or record chunk), if any.
    pub(crate) fn get(&self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        self.read(spool_key(&probe(space, key)))
    }

    /// The value under one spool key, if any.
    fn read(&self, spool_key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>, BackendError> {
        let (_, tree, _) = self.trees()?;
        let value = tree
            .get(spool_key)
            .map_err(|e| BackendError::new("read the spool", e))?;
        Ok(value.map(|v| v.to_vec()))
    }

    /// The key of the newest spooled record chunk, if any.
    pub(crate) fn last_record(&self) -> Result<Option<Write>, BackendError> {
        let (_, tree, _) = self.trees()?;
        let last = tree.scan_prefix([tag(Space::Records(Day(0)))]).next_back();
        Ok(self
            .collect(last.into_iter())?
            .pop()
            .map(|(_, write)| write))
    }

    /// Records in the spooled chunks (from their headers; a chunk that does not read counts one).
    pub(crate) fn record_count(&self) -> Result<u64, BackendError> {
        let (_, tree, _) = self.trees()?;
        let mut records = 0;
        for entry in tree.scan_prefix([tag(Space::Records(Day(0)))]) {
            let (key, value) = entry.map_err(|e| BackendError::new("read the spool", e))?;
            let inner = parse_key(&key).map(|(_, inner)| inner).unwrap_or_default();
            records += chunk::span("record", &inner, &value).map_or(1, |span| span.count);
        }
        Ok(records)
    }

    /// Whether nothing is spooled.
    pub(crate) fn is_empty(&self) -> Result<bool, BackendError> {
        let (_, tree, _) = self.trees()?;
        Ok(tree.is_empty())
    }

    /// Up to `max` spooled records (chunks), oldest first, with their spool keys.
    pub(crate) fn records(&self, max: usize) -> Result<Vec<(Vec<u8>, Write)>, BackendError> {
        let (_, tree, _) = self.trees()?;
        self.collect(tree.scan_prefix([tag(Space::Records(Day(0)))]).take(max))
    }

    /// Every spooled total (counters, groups, suppressed, series), cold entries not included.
    pub(crate) fn totals(&self) -> Result<Vec<(Vec<u8>, Write)>, BackendError> {
        let (_, tree, _) = self.trees()?;
        self.collect(tree.range([1_u8]..[COLD]))
    }

    fn collect(
        &self,
        entries: impl Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>,
    ) -> Result<Vec<(Vec<u8>, Write)>, BackendError> {
        let mut out = Vec::new();
        for entry in entries {
            let (key, value) = entry.map_err(|e| BackendError::new("read the spool", e))?;
            let Some((space, inner)) = parse_key(&key) else {
                tracing::warn!("store spool: skipping a key this build does not know");
                continue;
            };
            let write = Write {
                space,
                key: inner,
                value: value.to_vec(),
            };
            out.push((key.to_vec(), write));
        }
        Ok(out)
    }

    /// Removes forwarded entries by their spool keys and flushes.
    pub(crate) fn remove(&self, keys: &[Vec<u8>]) -> Result<(), BackendError> {
        let (db, tree, _) = self.trees()?;
        let mut batch = sled::Batch::default();
        for key in keys {
            batch.remove(key.as_slice());
        }
        let fail = |e| BackendError::new("remove forwarded spool entries", e);
        tree.apply_batch(batch).map_err(fail)?;
        db.flush().map_err(fail)?;
        Ok(())
    }

    /// The current outage's epoch.
    pub(crate) fn epoch(&self) -> Result<i64, BackendError> {
        let (_, _, meta) = self.trees()?;
        let value = meta
            .get(EPOCH_KEY)
            .map_err(|e| BackendError::new("read the spool epoch", e))?;
        Ok(value
            .and_then(|v| v.as_ref().try_into().ok())
            .map_or(0, i64::from_be_bytes))
    }

    /// Starts the next epoch (after a spool was forwarded and removed).
    pub(crate) fn next_epoch(&self) -> Result<(), BackendError> {
        let next = self.epoch()?.saturating_add(1);
        let (db, _, meta) = self.trees()?;
        let fail = |e| BackendError::new("write the spool epoch", e);
        meta.insert(EPOCH_KEY, &next.to_be_bytes()).map_err(fail)?;
        db.flush().map_err(fail)?;
        Ok(())
    }
}

/// The key of a cold entry.
fn cold_key(write: &Write) -> Vec<u8> {
    let mut key = spool_key(write);
    key[0] |= COLD;
    key
}

/// Cold entries: what was counted from zero while the database's totals were unknown.
impl Spool {
    /// Adds `writes` and flushes them in one batch: records as [`Spool::append`] does, the
    /// others (deltas counted from zero, payloads) as cold entries.
    pub(crate) fn append_cold(&self, writes: &[Write]) -> Result<(), BackendError> {
        let (db, tree, _) = self.trees()?;
        let mut batch = sled::Batch::default();
        for write in writes {
            let key = match write.space {
                Space::Records(_) => spool_key(write),
                _ => cold_key(write),
            };
            batch.insert(key, write.value.as_slice());
        }
        let fail = |e| BackendError::new(format!("spool {} cold writes", writes.len()), e);
        tree.apply_batch(batch).map_err(fail)?;
        db.flush().map_err(fail)?;
        Ok(())
    }

    /// The delta counted from zero for a key, if any.
    pub(crate) fn get_cold(
        &self,
        space: Space,
        key: &[u8],
    ) -> Result<Option<Vec<u8>>, BackendError> {
        self.read(cold_key(&probe(space, key)))
    }

    /// Every cold entry, with its spool key.
    pub(crate) fn cold(&self) -> Result<Vec<(Vec<u8>, Write)>, BackendError> {
        let (_, tree, _) = self.trees()?;
        let entries = tree.range([COLD]..).map(|entry| {
            entry.map(|(key, value)| {
                let mut plain = key.to_vec();
                plain[0] &= !COLD;
                (sled::IVec::from(plain), value)
            })
        });
        let mut out = self.collect(entries)?;
        for (key, _) in &mut out {
            key[0] |= COLD;
        }
        Ok(out)
    }

    /// Replaces the cold entries `cold_keys` by `absolute` (their sums with the instance's
    /// totals) in one batch: a crash leaves either the deltas or the sums, never both.
    pub(crate) fn fold_cold(
        &self,
        absolute: &[Write],
        cold_keys: &[Vec<u8>],
    ) -> Result<(), BackendError> {
        let (db, tree, _) = self.trees()?;
        let mut batch = sled::Batch::default();
        for key in cold_keys {
            batch.remove(key.as_slice());
        }
        for write in absolute {
            batch.insert(spool_key(write), write.value.as_slice());
        }
        let fail = |e| BackendError::new("fold the cold spool entries", e);
        tree.apply_batch(batch).map_err(fail)?;
        db.flush().map_err(fail)?;
        Ok(())
    }
}

/// A write with no value: what the spool's key functions need to find `key` of `space`.
fn probe(space: Space, key: &[u8]) -> Write {
    Write {
        space,
        key: key.to_vec(),
        value: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spool_keys_keep_space_day_and_key() {
        for space in [Space::Records(Day(20_778)), Space::Counters, Space::Series] {
            let write = Write {
                space,
                key: b"loan\0sig".to_vec(),
                value: Vec::new(),
            };
            assert_eq!(
                parse_key(&spool_key(&write)),
                Some((space, write.key.clone()))
            );
        }
        assert_eq!(parse_key(&[9, 1]), None);
    }

    /// A spool in a new sled directory under `dir`.
    pub(super) fn spool_in(dir: &tempfile::TempDir) -> Spool {
        use crate::store::shared::SledSettings;
        let shared = Arc::new(SharedDb::empty(
            &dir.path().join("store"),
            SledSettings::default(),
        ));
        shared.reopen().unwrap();
        Spool::new(shared)
    }

    #[test]
    fn cold_entries_are_apart_from_the_totals_until_folded_in() {
        let dir = tempfile::tempdir().unwrap();
        let spool = spool_in(&dir);
        let write = |space, key: &[u8], value: &[u8]| Write {
            space,
            key: key.to_vec(),
            value: value.to_vec(),
        };
        spool
            .append(&[write(Space::Counters, b"loan", b"absolute")])
            .unwrap();
        spool
            .append_cold(&[
                write(Space::Records(Day(20_778)), b"r1", b"chunk"),
                write(Space::Counters, b"loan", b"delta"),
            ])
            .unwrap();
        let totals = spool.totals().unwrap();
        assert_eq!(totals.len(), 1, "a cold delta is not a total to forward");
        assert_eq!(spool.records(10).unwrap().len(), 1, "records are plain");
        assert_eq!(
            spool.get_cold(Space::Counters, b"loan").unwrap().as_deref(),
            Some(&b"delta"[..])
        );
        let cold = spool.cold().unwrap();
        assert_eq!(cold.len(), 1);
        assert_eq!(cold[0].1, write(Space::Counters, b"loan", b"delta"));

        let keys: Vec<Vec<u8>> = cold.into_iter().map(|(key, _)| key).collect();
        spool
            .fold_cold(&[write(Space::Counters, b"loan", b"sum")], &keys)
            .unwrap();
        assert!(spool.cold().unwrap().is_empty());
        assert_eq!(
            spool.get(Space::Counters, b"loan").unwrap().as_deref(),
            Some(&b"sum"[..])
        );
    }
}
