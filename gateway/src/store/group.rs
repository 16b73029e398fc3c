//! Mismatch groups: all records of one strategy with the same signature.
//!
//! The migration team fixes causes, not single records; a group tells them how often a cause
//! occurs, since when, and where to look (a few recent example ids).

use serde::{Deserialize, Serialize};

use super::id::RecordId;
use super::record::MismatchRecord;

/// How many example ids a group keeps: the most recent ones, since old ones expire.
pub const GROUP_EXAMPLES: usize = 5;

/// One (strategy, signature) group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Strategy name.
    pub strategy: String,
    /// Grouping signature.
    pub signature: String,
    /// Records seen with this signature, including any dropped before storage.
    pub count: u64,
    /// First record, microseconds since the epoch.
    pub first_seen_micros: u64,
    /// Last record, microseconds since the epoch.
    pub last_seen_micros: u64,
    /// Up to [`GROUP_EXAMPLES`] ids of stored records, oldest first.
    pub example_ids: Vec<RecordId>,
    /// The differing paths of the latest record.
    pub differing_paths: Vec<String>,
}

impl Group {
    /// A group of one: `record`.
    pub fn of(record: &MismatchRecord) -> Self {
        Self {
            strategy: record.mismatch.strategy.to_string(),
            signature: record.mismatch.signature.clone(),
            count: 1,
            first_seen_micros: record.time_micros,
            last_seen_micros: record.time_micros,
            example_ids: vec![record.id],
            differing_paths: record.mismatch.differing_paths.clone(),
        }
    }

    /// Storage key: strategy and signature separated by a NUL byte, so a strategy is a prefix.
    pub fn key(strategy: &str, signature: &str) -> Vec<u8> {
        let mut key = Self::prefix(strategy);
        key.extend_from_slice(signature.as_bytes());
        key
    }

    /// Key prefix of every group of `strategy`.
    pub fn prefix(strategy: &str) -> Vec<u8> {
        let mut key = Vec::with_capacity(strategy.len() + 1);
        key.extend_from_slice(strategy.as_bytes());
        key.push(0);
        key
    }

    /// Adds the records counted since the last load (`delta`) to this group.
    pub(crate) fn absorb(&mut self, delta: &Self) {
        if self.count == 0 {
            *self = delta.clone();
            return;
        }
        self.count += delta.count;
        self.first_seen_micros = self.first_seen_micros.min(delta.first_seen_micros);
        if delta.last_seen_micros >= self.last_seen_micros {
            self.last_seen_micros = delta.last_seen_micros;
            self.differing_paths.clone_from(&delta.differing_paths);
        }
        self.example_ids.extend_from_slice(&delta.example_ids);
        let excess = self.example_ids.len().saturating_sub(GROUP_EXAMPLES);
        self.example_ids.drain(..excess);
    }

    /// Removes example ids whose records could not be stored.
    pub(crate) fn forget(&mut self, lost: &[RecordId]) {
        self.example_ids.retain(|id| !lost.contains(id));
    }
}
