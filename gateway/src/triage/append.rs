//! The audit trail in a gateway's own sled directory ([`super::TriageLedger::Local`]): one entry
//! at a time, chained to the last one, written in one transaction with the value it records (a
//! group's triage) and flushed.

use std::sync::Mutex;

use serde::Deserialize;
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;

use super::audit::{AuditEntry, GENESIS};
use super::error::TriageErrorKind;
use super::ledger::{changed_meanwhile, Beside, Entry};

/// Tree of audit entries, keyed by big-endian sequence number.
pub(crate) const AUDIT_TREE: &str = "audit";

/// One append at a time in this process (sled locks the directory against other processes), so
/// two entries never take the same sequence number or previous hash.
static APPEND: Mutex<()> = Mutex::new(());

/// Appends `entry` at `now_micros` (with `beside` in the same transaction, refused when its
/// stored value is no longer the one it was computed from) and flushes; the sealed entry.
pub(super) fn append(
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
    let last = match last {
        Some((_, value)) => Some(decode::<AuditEntry>(AUDIT_TREE, &value)?),
        None => None,
    };
    let sealed = seal_next(last.as_ref(), entry, now_micros);
    // Plain structs of strings, numbers and JSON values: serialising them cannot fail.
    let entry_value = serde_json::to_vec(&sealed).unwrap_or_default();
    let mut audit_batch = sled::Batch::default();
    audit_batch.insert(&sealed.seq.to_be_bytes(), entry_value);
    match beside {
        None => audit_tree
            .apply_batch(audit_batch)
            .map_err(|source| sled_error(AUDIT_TREE, source))?,
        Some(beside) => {
            let beside_tree = open(db, beside.tree)?;
            let written = (&beside_tree, &audit_tree).transaction(|(b, a)| {
                let found = b.get(&beside.key)?;
                if found.as_deref() != beside.read.as_deref() {
                    let found = found.map(|value| value.to_vec());
                    return Err(ConflictableTransactionError::Abort(found));
                }
                b.insert(beside.key.as_slice(), beside.value.as_slice())?;
                a.apply_batch(&audit_batch)?;
                Ok(())
            });
            match written {
                Ok(()) => {}
                Err(TransactionError::Abort(found)) => {
                    return Err(changed_meanwhile(found.as_deref()))
                }
                Err(TransactionError::Storage(source)) => {
                    return Err(sled_error(beside.tree, source))
                }
            }
        }
    }
    db.flush()
        .map_err(|source| sled_error(AUDIT_TREE, source))?;
    Ok(sealed)
}

/// `entry` sealed as the one after `last` (the first when `None`) at `now_micros`.
pub(crate) fn seal_next(last: Option<&AuditEntry>, entry: Entry, now_micros: u64) -> AuditEntry {
    let (seq, prev_hash) = match last {
        Some(last) => (last.seq + 1, last.hash.clone()),
        None => (1, GENESIS.to_owned()),
    };
    AuditEntry {
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
    .seal()
}

/// The value under `key` in `tree`, if one was stored.
pub(super) fn value(
    db: &sled::Db,
    tree: &'static str,
    key: &[u8],
) -> Result<Option<Vec<u8>>, TriageErrorKind> {
    let stored = open(db, tree)?
        .get(key)
        .map_err(|source| sled_error(tree, source))?;
    Ok(stored.map(|value| value.to_vec()))
}

/// The whole trail, oldest first.
pub(super) fn entries(db: &sled::Db) -> Result<Vec<AuditEntry>, TriageErrorKind> {
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
