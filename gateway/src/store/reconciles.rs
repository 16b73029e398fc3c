//! Batch reconciliation runs: one value per run of `shadowgate reconcile`, with its sources,
//! rules, counts, groups by signature and masked examples, read by the review beside the online
//! strategies.
//!
//! sled is single-process: `reconcile --store DIR` opens the directory itself, so it writes into
//! a stopped gateway's store, or into a store of its own that `report --store` reads. A running
//! gateway holds the lock and the run fails with the store's "locked" error before any work.

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::backend::{Backend, BackendError, Space, Write};
use super::codec;
use super::error::StoreError;
use super::reader::Reader;
use super::record::Difference;
use super::shared::{SharedDb, SledSettings};
use super::sled_backend::{SledBackend, RECONCILES_TREE};
use crate::review::ReadinessConfig;

/// One finished reconciliation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReconcileRun {
    /// The reconcile file's `name` (e.g. `borrower-review`).
    pub name: String,
    /// Unique per run: start time in microseconds, 16 hex digits, then the name.
    pub run_id: String,
    /// When the run started, microseconds since the epoch.
    pub started_micros: u64,
    /// When it finished.
    pub finished_micros: u64,
    /// The legacy source (`fixed legacy.dat (REVIEW)`); never a URL, which may hold a password.
    pub legacy: String,
    /// The new source.
    pub new: String,
    /// Where the rules came from: `strategy NAME` or `inline`.
    pub rules: String,
    /// The key's target paths.
    pub key: Vec<String>,
    /// How each side was read in key order: `in order` or `sorted (…)`.
    pub ordering: Vec<String>,
    /// Counts of outcomes.
    pub counts: ReconcileCounts,
    /// Groups, largest first.
    pub groups: Vec<ReconcileGroup>,
    /// What each rule hid over the run (keys whose rows matched only under it count too), in
    /// the order the rules first hid something; rules that hid nothing are left out. Empty in
    /// runs stored before it was kept.
    #[serde(default)]
    pub suppressed: Vec<ReconcileSuppressed>,
    /// The readiness thresholds the run was judged with when it ran (its strategy's when its
    /// rules came from one, else the defaults): the review judges the stored run by them, so a
    /// run has one verdict whoever reads it and whatever config they read it with. `None` in
    /// runs stored before they were kept (those are judged by the reader's config).
    #[serde(default)]
    pub thresholds: Option<ReadinessConfig>,
    /// The rows set aside as bad (`--max-bad-rows`), in the order they were read: none were
    /// compared. Empty in runs stored before they were kept.
    #[serde(default)]
    pub bad_rows: Vec<ReconcileBadRow>,
}

/// A row set aside as bad: where it is and why it does not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconcileBadRow {
    /// `legacy` or `new`.
    pub side: String,
    /// Its line (CSV, JSON Lines, newline-separated fixed-length), record (back-to-back
    /// fixed-length) or row (PostgreSQL).
    pub line: u64,
    /// The source column at fault, when one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The error as the run would have stopped with it:
    /// `new source csv new.csv line 4: column amount: expected a decimal number, found "abc"`.
    pub error: String,
}

/// Differences one rule hid over a reconciliation run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconcileSuppressed {
    /// The rule as written, e.g. `tolerance body.rate`.
    pub rule: String,
    /// Differences it hid (as the gateway counts them per comparison).
    pub count: u64,
}

/// Rows read and keys by outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconcileCounts {
    /// Rows read from the legacy side.
    pub legacy_rows: u64,
    /// Rows read from the new side.
    pub new_rows: u64,
    /// Distinct keys: every key has exactly one outcome.
    pub keys: u64,
    /// Keys whose rows are equal under the rules.
    pub matched: u64,
    /// Keys whose rows differ.
    pub mismatched: u64,
    /// Keys only the legacy side has.
    pub only_in_legacy: u64,
    /// Keys only the new side has.
    pub only_in_new: u64,
    /// Keys the legacy side has more than once (the new side at most once).
    pub duplicate_in_legacy: u64,
    /// Keys the new side has more than once (the legacy side at most once).
    pub duplicate_in_new: u64,
    /// Keys both sides have more than once.
    pub duplicate_in_both: u64,
    /// Rows of the duplicated keys, both sides: none were compared.
    #[serde(default)]
    pub duplicate_rows: u64,
    /// Rows set aside as bad (`--max-bad-rows`), both sides: none were compared.
    #[serde(default)]
    pub bad_rows: u64,
}

impl ReconcileCounts {
    /// Keys that are not a match: each would have hurt a customer after cutover.
    pub fn failures(&self) -> u64 {
        self.keys - self.matched
    }
}

/// Keys with the same outcome and, for mismatches, the same signature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReconcileGroup {
    /// `mismatch`, `only_in_legacy`, `only_in_new`, `duplicate_in_legacy`, … .
    pub outcome: String,
    /// The signature id of a mismatch group (16 hex digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// The differing fields of a mismatch group.
    #[serde(default)]
    pub fields: Vec<String>,
    /// Keys in the group.
    pub count: u64,
    /// The first few keys, masked.
    pub examples: Vec<ReconcileExample>,
}

/// One key of a group with both rows, masked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReconcileExample {
    /// The key values joined by `/`, masked where a key field is.
    pub key: String,
    /// The legacy row (the first one of a duplicate key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy: Option<Value>,
    /// The new row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<Value>,
    /// The differences of a mismatch; `live` is the legacy value, `shadow` the new one.
    #[serde(default)]
    pub differences: Vec<Difference>,
    /// A duplicated key's rows on both sides, legacy first, each where its source has it
    /// (at most [`DUPLICATE_ROWS_SHOWN`] a side). Empty for other outcomes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<ReconcileRow>,
    /// A duplicated key's rows beyond those in `rows` (a key held that often on a side).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rows_not_shown: u64,
}

/// Rows of one duplicated key kept a side: enough for any real duplicate, bounded for a file
/// whose key column is one value on every line.
pub const DUPLICATE_ROWS_SHOWN: usize = 20;

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One row of a duplicated key and where it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReconcileRow {
    /// `legacy` or `new`.
    pub side: String,
    /// Its line, record or row in that side's source (as [`ReconcileBadRow::line`]).
    pub line: u64,
    /// The row, masked.
    pub row: Value,
}

impl ReconcileRun {
    /// The key of the run in its space: start time first, so runs list oldest first.
    pub fn key(&self) -> Vec<u8> {
        self.run_id.as_bytes().to_vec()
    }
}

/// Why a run could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// The store did not open (locked by a running gateway, missing permissions).
    #[error(transparent)]
    Open(#[from] StoreError),
    /// The run did not encode.
    #[error("cannot encode the reconcile run: {0}")]
    Encode(#[from] codec::CodecError),
    /// The commit failed.
    #[error(transparent)]
    Write(#[from] BackendError),
}

/// Stores a run in the store at `dir` (created if missing) with one durable commit.
pub fn save_reconcile(dir: &Path, run: &ReconcileRun) -> Result<(), SaveError> {
    let shared = SharedDb::empty(dir, SledSettings::default());
    shared.reopen()?;
    let mut backend = SledBackend::new(Arc::new(shared));
    let value = codec::encode("reconcile run", run)?;
    let write = Write {
        space: Space::Reconciles,
        key: run.key(),
        value,
    };
    Ok(backend.commit(vec![write])?)
}

/// Stores a run in the fleet's PostgreSQL (`shadowgate_reconciles`, under the config's instance
/// name), where every gateway's review reads batch runs.
pub fn save_reconcile_to_fleet(
    config: &super::postgres::PostgresConfig,
    run: &ReconcileRun,
) -> Result<(), SaveError> {
    let value = codec::encode("reconcile run", run)?;
    let write = Write {
        space: Space::Reconciles,
        key: run.key(),
        value,
    };
    Ok(super::postgres::save_to_fleet(config, vec![write])?)
}

impl Reader {
    /// Every stored reconciliation run, oldest first.
    pub fn reconciles(&self) -> Result<Vec<ReconcileRun>, StoreError> {
        self.scan(RECONCILES_TREE, b"")
    }
}
