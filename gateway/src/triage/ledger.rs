//! [`TriageLedger`]: where the audit trail and the values its entries record (a group's triage)
//! are kept. A gateway's own sled directory (the `audit` tree and the value trees beside it,
//! [`super::append`]), or, for a fleet (`store.backend = "postgres"`), the fleet's database:
//! one hash chain for every gateway, appended to under a lock the database holds
//! ([`crate::store::postgres`]'s `ledger`), so a sign-off or a triage change on one gateway is
//! every gateway's.
//!
//! An append that records a value says which value it was computed from; when another change
//! stored a newer one meanwhile, nothing is written and the append fails with
//! [`TriageErrorKind::ChangedMeanwhile`], naming who changed it and when.

use std::sync::Arc;

use serde::Deserialize;

use super::append;
use super::audit::AuditEntry;
use super::error::TriageErrorKind;
use crate::store::postgres::{self, FleetReader};
use crate::store::{format_micros, Reader, StoreError};

/// What an entry says; the sequence number and hashes are added by [`TriageLedger::append`].
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

/// A value written with an entry, in the same transaction: `value` under `key` in `tree`.
#[derive(Debug, Clone)]
pub(crate) struct Beside {
    /// The tree (sled) or the `tree` column (PostgreSQL).
    pub(crate) tree: &'static str,
    /// Its key.
    pub(crate) key: Vec<u8>,
    /// The value to store.
    pub(crate) value: Vec<u8>,
    /// The value the change was computed from (`None`: there was none): another one found
    /// there when the entry is appended refuses the append.
    pub(crate) read: Option<Vec<u8>>,
}

/// The audit trail and the values it records, in the store a [`Reader`] reads.
#[derive(Debug, Clone)]
pub(crate) enum TriageLedger {
    /// A gateway's own directory.
    Local(sled::Db),
    /// A fleet's database, through its reader thread (the blocking client never runs on an
    /// async worker).
    Fleet(Arc<FleetReader>),
}

impl TriageLedger {
    /// The ledger of the store `reader` reads: the fleet's database when it reads one, else its
    /// directory.
    pub(crate) fn of(reader: &Reader) -> Result<Self, StoreError> {
        match reader.fleet_reader() {
            Some(fleet) => Ok(Self::Fleet(fleet)),
            None => Ok(Self::Local(reader.db()?)),
        }
    }

    /// Appends `entry` at `now_micros`, with `beside` in the same transaction, durably; the
    /// sealed entry.
    pub(crate) fn append(
        &self,
        entry: Entry,
        beside: Option<Beside>,
        now_micros: u64,
    ) -> Result<AuditEntry, TriageErrorKind> {
        match self {
            Self::Local(db) => append::append(db, entry, beside, now_micros),
            Self::Fleet(fleet) => postgres::ledger::append(fleet, entry, beside, now_micros),
        }
    }

    /// The whole trail, oldest first.
    pub(crate) fn entries(&self) -> Result<Vec<AuditEntry>, TriageErrorKind> {
        match self {
            Self::Local(db) => append::entries(db),
            Self::Fleet(fleet) => postgres::ledger::entries(fleet),
        }
    }

    /// The value under `key` in `tree`, if one was stored.
    pub(crate) fn value(
        &self,
        tree: &'static str,
        key: &[u8],
    ) -> Result<Option<Vec<u8>>, TriageErrorKind> {
        match self {
            Self::Local(db) => append::value(db, tree, key),
            Self::Fleet(fleet) => postgres::ledger::value(fleet, tree, key),
        }
    }
}

/// Who last changed a value and when, as a triage value records it.
#[derive(Deserialize)]
struct Stamp {
    #[serde(default)]
    updated_by: String,
    #[serde(default)]
    updated_micros: u64,
}

/// The refusal of an append whose value was computed from another one than `found`.
pub(crate) fn changed_meanwhile(found: Option<&[u8]>) -> TriageErrorKind {
    let stamp = found.and_then(|value| serde_json::from_slice::<Stamp>(value).ok());
    match stamp {
        Some(stamp) if !stamp.updated_by.is_empty() => TriageErrorKind::ChangedMeanwhile {
            by: stamp.updated_by,
            at: format_micros(stamp.updated_micros),
        },
        // Values are never removed, and every one names who stored it: not expected.
        _ => TriageErrorKind::ChangedMeanwhile {
            by: "another change".to_owned(),
            at: "an unknown time".to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_change_names_who_changed_the_value_and_when() {
        let found = br#"{"state":"investigating","updated_by":"lee","updated_micros":0}"#;
        assert_eq!(
            changed_meanwhile(Some(found)).to_string(),
            "changed meanwhile by lee at 1970-01-01T00:00:00.000000Z; read it again"
        );
    }
}
