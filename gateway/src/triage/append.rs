//! Appending to the audit trail: one entry at a time, chained to the last one, written in one
//! transaction with the value it records (a group's triage, a cutover sign-off) and flushed.

use std::sync::Mutex;

use serde::Deserialize;

use super::audit::{AuditEntry, GENESIS};
use super::error::TriageErrorKind;

/// Tree of audit entries, keyed by big-endian sequence number.
pub(crate) const AUDIT_TREE: &str = "audit";

/// One append at a time in this process (sled locks the directory against other processes), so
/// two entries never take the same sequence number or previous hash.
static APPEND: Mutex<()> = Mutex::new(());

/// What an entry says; the sequence number and hashes are added by [`append`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Entry {
    /// Who (a name given with the request, or `shadowgate`).
    pub(crate) by: String,
    /// What kind of change (`triage`, `cutover_sign`, `reload`).
    pub(crate) action: String,
    /// What it is about.
    pub(crate) subject: String,
    /// The state before.
    pub(crate) from: Option<String>,
    /// The state after.
    pub(crate) to: Option<String>,
    /// Free text.
    pub(crate) note: Option<String>,
    /// Structured content, hashed with the entry.
    pub(crate) evidence: Option<serde_json::Value>,
}

/// A value written in the same transaction as the entry: tree, key, value.
pub(crate) type Beside = (&'static str, Vec<u8>, Vec<u8>);

/// Appends `entry` at `now_micros` (with `beside` in the same transaction) and flushes; the
/// sealed entry.
pub(crate) fn append(
    db: &sled::Db,
    entry: Entry,
    beside: Option<Beside>,
    now_micros: u64,
) -> Result<AuditEntry, TriageErrorKind> {
    // A poisoned lock only means another change panicked; the chain is read from the store.
    let _one_at_a_time = APPEND
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let audit_tree = open(db, AUDIT_TREE)?;
    let last = audit_tree
        .last()
        .map_err(|source| sled_error(AUDIT_TREE, source))?;
    let (seq, prev_hash) = match last {
        Some((_, value)) => {
            let last: AuditEntry = decode(AUDIT_TREE, &value)?;
            (last.seq + 1, last.hash)
        }
        None => (1, GENESIS.to_owned()),
    };
    let sealed = AuditEntry {
        seq,
        time_micros: now_micros,
        by: entry.by,
        action: entry.action,
        subject: entry.subject,
        from: entry.from,
        to: entry.to,
        note: entry.note,
        evidence: entry.evidence,
        prev_hash,
        hash: String::new(),
    }
    .seal();
    // Plain structs of strings, numbers and JSON values: serialising them cannot fail.
    let entry_value = serde_json::to_vec(&sealed).unwrap_or_default();
    let mut audit_batch = sled::Batch::default();
    audit_batch.insert(&seq.to_be_bytes(), entry_value);
    match beside {
        None => audit_tree
            .apply_batch(audit_batch)
            .map_err(|source| sled_error(AUDIT_TREE, source))?,
        Some((tree, key, value)) => {
            let beside_tree = open(db, tree)?;
            let mut beside_batch = sled::Batch::default();
            beside_batch.insert(key, value);
            use sled::Transactional;
            (&beside_tree, &audit_tree)
                .transaction(|(b, a)| {
                    b.apply_batch(&beside_batch)?;
                    a.apply_batch(&audit_batch)?;
                    Ok::<(), sled::transaction::ConflictableTransactionError<()>>(())
                })
                .map_err(|e| {
                    let source = match e {
                        sled::transaction::TransactionError::Storage(source) => source,
                        sled::transaction::TransactionError::Abort(()) => {
                            sled::Error::Unsupported("transaction aborted".into())
                        }
                    };
                    sled_error(tree, source)
                })?;
        }
    }
    db.flush()
        .map_err(|source| sled_error(AUDIT_TREE, source))?;
    Ok(sealed)
}

/// The whole trail, oldest first.
pub(crate) fn entries(db: &sled::Db) -> Result<Vec<AuditEntry>, TriageErrorKind> {
    let tree = open(db, AUDIT_TREE)?;
    tree.iter()
        .values()
        .map(|value| {
            let value = value.map_err(|source| sled_error(AUDIT_TREE, source))?;
            decode(AUDIT_TREE, &value)
        })
        .collect()
}

pub(crate) fn open(db: &sled::Db, tree: &'static str) -> Result<sled::Tree, TriageErrorKind> {
    db.open_tree(tree)
        .map_err(|source| sled_error(tree, source))
}

pub(crate) fn sled_error(tree: &'static str, source: sled::Error) -> TriageErrorKind {
    TriageErrorKind::Sled { tree, source }
}

pub(crate) fn decode<T: for<'de> Deserialize<'de>>(
    tree: &'static str,
    value: &[u8],
) -> Result<T, TriageErrorKind> {
    serde_json::from_slice(value).map_err(|source| TriageErrorKind::Decode { tree, source })
}
