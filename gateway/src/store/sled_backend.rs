//! The sled implementation of [`Backend`], and the tree names shared with [`super::Reader`].
//!
//! Records live in one tree per UTC day (`records/YYYYMMDD`) so retention drops whole trees
//! instead of deleting record by record. Counters and groups have one tree each.
//!
//! The writer's database lives in a [`SharedDb`] its readers read through; recovering from a
//! disk failure means reopening it there (sled keeps its first I/O error until reopened).

use std::collections::HashMap;
use std::sync::Arc;

use super::backend::{Backend, BackendError, Space, Write};
use super::chunk;
use super::shared::SharedDb;
use super::time::Day;

/// Tree holding per-strategy counters.
pub(crate) const COUNTERS_TREE: &str = "counters";
/// Tree holding mismatch groups.
pub(crate) const GROUPS_TREE: &str = "groups";
/// Tree holding what each rule hid, per strategy.
pub(crate) const SUPPRESSED_TREE: &str = "suppressed";
/// Tree holding the hourly series.
pub(crate) const SERIES_TREE: &str = "series";
/// Tree holding batch reconciliation runs.
pub(crate) const RECONCILES_TREE: &str = "reconciles";
/// Tree holding encrypted raw payloads, keyed by record id.
pub(crate) const PAYLOADS_TREE: &str = "payloads";
/// Prefix of the per-day record trees.
pub(crate) const RECORDS_PREFIX: &str = "records/";

/// The sled tree name of a space.
pub(crate) fn tree_name(space: Space) -> String {
    match space {
        Space::Records(day) => format!("{RECORDS_PREFIX}{}", day.compact()),
        Space::Counters => COUNTERS_TREE.to_owned(),
        Space::Groups => GROUPS_TREE.to_owned(),
        Space::Suppressed => SUPPRESSED_TREE.to_owned(),
        Space::Series => SERIES_TREE.to_owned(),
        Space::Reconciles => RECONCILES_TREE.to_owned(),
        Space::Payloads => PAYLOADS_TREE.to_owned(),
    }
}

/// The day of a record tree name; `None` for other trees.
pub(crate) fn segment_day(name: &[u8]) -> Option<Day> {
    let name = std::str::from_utf8(name).ok()?;
    Day::parse_compact(name.strip_prefix(RECORDS_PREFIX)?)
}

/// A sled database used by the writer.
#[derive(Debug)]
pub struct SledBackend {
    shared: Arc<SharedDb>,
    /// The writer's handle while the database is open; `None` after a failed reopen.
    db: Option<sled::Db>,
    trees: HashMap<Space, sled::Tree>,
}

impl SledBackend {
    /// The writer's side of `shared`, with the database open now or not (a degraded start).
    pub(crate) fn new(shared: Arc<SharedDb>) -> Self {
        Self {
            db: shared.current(),
            shared,
            trees: HashMap::new(),
        }
    }

    fn db(&self) -> Result<&sled::Db, BackendError> {
        self.db.as_ref().ok_or_else(|| {
            let path = self.shared.path().display();
            BackendError::new("use the store", format!("{path} is not open"))
        })
    }

    fn tree(&mut self, space: Space) -> Result<&sled::Tree, BackendError> {
        if !self.trees.contains_key(&space) {
            let name = tree_name(space);
            let tree = self
                .db()?
                .open_tree(&name)
                .map_err(|e| BackendError::new(format!("open tree {name}"), e))?;
            self.trees.insert(space, tree);
        }
        self.trees
            .get(&space)
            .ok_or_else(|| BackendError::new("open tree", "tree vanished from the cache"))
    }
}

impl Backend for SledBackend {
    fn load(&mut self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        let value = self.tree(space)?.get(key);
        value
            .map(|v| v.map(|v| v.to_vec()))
            .map_err(|e| BackendError::new(format!("read from {}", tree_name(space)), e))
    }

    fn commit(&mut self, writes: Vec<Write>) -> Result<(), BackendError> {
        let count = writes.len();
        // Plain inserts, not one `sled::Batch` per tree: sled 0.34 makes a batch atomic by
        // sealing the log buffer before and after it (`pin_log`), and every sealed buffer is a
        // write handed to sled's I/O pool, whose `notify_all` wakes all seven of its threads. With
        // up to six trees touched per group commit that was ~8 log writes and dozens of thread
        // wake-ups a commit (0.6 context switches per frame at 1,000 frames/s); now the flush
        // below is the one write. A group commit was never atomic across trees (a crash between
        // two batches kept one), and no reader needs it within one: every key stands alone
        // (a record chunk, an absolute total per strategy or group; see `ledger`).
        for write in writes {
            let space = write.space;
            self.tree(space)?
                .insert(write.key, write.value)
                .map_err(|e| BackendError::new(format!("write to {}", tree_name(space)), e))?;
        }
        // One flush for every tree: sled trees share one log, so this is the group commit.
        self.db()?
            .flush()
            .map_err(|e| BackendError::new(format!("flush {count} writes"), e))?;
        Ok(())
    }

    fn segments(&mut self) -> Result<Vec<Day>, BackendError> {
        Ok(self
            .db()?
            .tree_names()
            .iter()
            .filter_map(|name| segment_day(name))
            .collect())
    }

    fn last_record_key(&mut self) -> Result<Option<Vec<u8>>, BackendError> {
        let mut days = self.segments()?;
        days.sort_unstable();
        for day in days.into_iter().rev() {
            let space = Space::Records(day);
            let last = self.tree(space)?.last();
            let last =
                last.map_err(|e| BackendError::new(format!("read {}", tree_name(space)), e))?;
            if let Some((key, value)) = last {
                // The last chunk's key is its first record's; its header names the last one.
                let span = chunk::span("record", &key, &value)
                    .map_err(|e| BackendError::new(format!("read {}", tree_name(space)), e))?;
                return Ok(Some(span.last_key.to_vec()));
            }
        }
        Ok(None)
    }

    fn drop_segment(&mut self, day: Day) -> Result<u64, BackendError> {
        let space = Space::Records(day);
        let name = tree_name(space);
        let records = count_records(self.tree(space)?)
            .map_err(|e| BackendError::new(format!("count the records of {name}"), e))?;
        self.trees.remove(&space);
        self.db()?
            .drop_tree(&name)
            .map_err(|e| BackendError::new(format!("drop segment {name}"), e))?;
        Ok(records)
    }

    fn prune(&mut self, space: Space, before: &[u8]) -> Result<u64, BackendError> {
        let tree = self.tree(space)?;
        let read = |e| BackendError::new(format!("read {}", tree_name(space)), e);
        let mut batch = sled::Batch::default();
        let mut removed = 0;
        for entry in tree.range(..before) {
            let (key, _) = entry.map_err(read)?;
            batch.remove(key);
            removed += 1;
        }
        tree.apply_batch(batch)
            .map_err(|e| BackendError::new(format!("prune {}", tree_name(space)), e))?;
        Ok(removed)
    }

    fn recover(&mut self) -> Result<(), BackendError> {
        // sled keeps its first I/O error until the database is reopened: drop every handle of
        // ours (the slot drops the readers'), then open the directory again.
        self.trees.clear();
        self.db = None;
        let db = self
            .shared
            .reopen()
            .map_err(|e| BackendError::new("reopen the store", e))?;
        self.db = Some(db);
        Ok(())
    }
}

/// Records in a day tree, from each chunk's header (nothing decompressed). A value whose header
/// cannot be read counts as one record: retention must still drop its day.
fn count_records(tree: &sled::Tree) -> sled::Result<u64> {
    let mut records = 0;
    for entry in tree.iter() {
        let (key, value) = entry?;
        records += chunk::span("record", &key, &value).map_or(1, |span| span.count);
    }
    Ok(records)
}
