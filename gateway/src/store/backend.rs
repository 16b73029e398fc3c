//! The storage seam: the few operations the writer needs from a key-value engine.
//!
//! sled implements it today ([`super::SledBackend`]); another engine only has to provide keyed
//! values in a handful of spaces, atomic-enough batches made durable by one flush, and whole-day
//! record segments it can drop cheaply.

use std::sync::Arc;

use super::stats::StoreStats;
use super::time::Day;

/// A keyspace of the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Space {
    /// The records of one UTC day in chunks ([`super::chunk`]), each keyed by its first record's
    /// [`super::RecordId::to_key`].
    Records(Day),
    /// Per-strategy counters, keyed by strategy name.
    Counters,
    /// Mismatch groups, keyed by [`super::Group::key`].
    Groups,
    /// What each rule hid, keyed by strategy name.
    Suppressed,
    /// Hourly comparisons and failures per strategy and group, keyed by hour first
    /// ([`super::SeriesPoint`]).
    Series,
    /// Batch reconciliation runs (`shadowgate reconcile`), keyed by
    /// [`super::ReconcileRun::key`].
    Reconciles,
    /// Encrypted raw payloads of failing cases, keyed by their record's
    /// [`super::RecordId::to_key`] ([`super::payload`]).
    Payloads,
}

/// One value to insert (or overwrite).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    /// Where.
    pub space: Space,
    /// Key within the space.
    pub key: Vec<u8>,
    /// Encoded value.
    pub value: Vec<u8>,
}

/// A storage engine for the writer.
pub trait Backend: Send {
    /// Reads one value.
    fn load(&mut self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError>;

    /// Applies `writes` and makes them durable before returning: one group commit, one flush.
    fn commit(&mut self, writes: Vec<Write>) -> Result<(), BackendError>;

    /// The days that have a record segment, in any order.
    fn segments(&mut self) -> Result<Vec<Day>, BackendError>;

    /// The greatest record id stored (the last record of the last chunk, [`super::chunk`]), so a
    /// restarted writer never reuses an id even if the clock stepped back.
    fn last_record_key(&mut self) -> Result<Option<Vec<u8>>, BackendError>;

    /// Removes a whole day of records; returns how many records it held (counted from the chunk
    /// headers, not keys).
    fn drop_segment(&mut self, day: Day) -> Result<u64, BackendError>;

    /// Removes every key of `space` below `before`; returns how many were removed.
    fn prune(&mut self, space: Space, before: &[u8]) -> Result<u64, BackendError>;

    /// Tries to get back to a writable state after a failure (reopen files, check space).
    fn recover(&mut self) -> Result<(), BackendError>;

    /// Shares the writer's statistics with a backend that has state of its own to show (the
    /// PostgreSQL backend's spool); most have none.
    fn attach(&mut self, _stats: Arc<StoreStats>) {}

    /// Work due while the writer is idle, called after every batch and at least every 200 ms
    /// (the PostgreSQL backend forwards its spool once the database is back, so an idle gateway
    /// does not wait for traffic to do it); most backends have none.
    fn tick(&mut self) -> Result<(), BackendError> {
        Ok(())
    }
}

/// A storage operation that failed.
#[derive(Debug, thiserror::Error)]
#[error("store backend failed to {operation}: {source}")]
pub struct BackendError {
    /// What was attempted, e.g. `commit 12 writes`, `drop segment records/20261121`.
    pub operation: String,
    /// The engine's error.
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

impl BackendError {
    /// Wraps an engine error with what was being done.
    pub fn new(
        operation: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            operation: operation.into(),
            // A PostgreSQL error shows what the server said, not only `db error`.
            source: super::postgres::explained(source.into()),
        }
    }
}
