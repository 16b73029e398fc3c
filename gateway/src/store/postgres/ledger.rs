//! The fleet's audit trail and the triage values it records (`shadowgate_audit`,
//! `shadowgate_audit_values`, migration `0006_audit`): one hash chain for every gateway of a
//! fleet, written through the fleet reader's thread ([`FleetReader::write`]), which owns the
//! blocking session.
//!
//! Gateways (and the CLI) append at once: each append is one transaction that takes a
//! transaction-scoped advisory lock, reads the last entry, and inserts the next one with the
//! value it records, so two appends never take the same sequence number or previous hash. A
//! value is written only if the stored one is still the one the change was computed from
//! ([`crate::triage::changed_meanwhile`] otherwise); nothing is written then.

use postgres::Client;

use super::fleet::{FleetReader, Session};
use crate::triage::{changed_meanwhile, seal_next, AuditEntry, Beside, Entry, TriageErrorKind};

/// Key of the advisory lock that serialises appends (any constant no other tool uses; the
/// migrations' is `…01`).
const LEDGER_LOCK: i64 = 0x5348_4144_4f57_4702;
/// The table of entries.
const AUDIT_TABLE: &str = "shadowgate_audit";
/// What an append is called in its errors.
const APPEND: &str = "append to the audit trail (shadowgate_audit)";

/// Why an append's transaction ended without a commit.
enum Failed {
    /// A statement failed at `step`: the session may be broken.
    Sql(&'static str, postgres::Error),
    /// The append was refused (a value changed meanwhile) or a stored entry does not decode.
    Refused(TriageErrorKind),
}

/// Appends `entry` at `now_micros`, with `beside` in the same transaction; the sealed entry.
pub(crate) fn append(
    fleet: &FleetReader,
    entry: Entry,
    beside: Option<Beside>,
    now_micros: u64,
) -> Result<AuditEntry, TriageErrorKind> {
    fleet
        .write(APPEND, move |session| {
            Ok(append_in(session, entry, beside, now_micros))
        })
        .map_err(TriageErrorKind::written)?
}

/// The whole trail, oldest first.
pub(crate) fn entries(fleet: &FleetReader) -> Result<Vec<AuditEntry>, TriageErrorKind> {
    let operation = "read the audit trail (shadowgate_audit)";
    let texts = fleet.call(operation, move |session| {
        let rows = session.query(
            operation,
            "SELECT entry FROM shadowgate_audit ORDER BY seq",
            &[],
        )?;
        rows.iter()
            .map(|row| row.try_get::<_, String>(0))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| session.error(operation, e))
    })?;
    texts.iter().map(|text| decode(text)).collect()
}

/// The value under `key` in `tree`, if one was stored.
pub(crate) fn value(
    fleet: &FleetReader,
    tree: &'static str,
    key: &[u8],
) -> Result<Option<Vec<u8>>, TriageErrorKind> {
    let operation = "read a triage value (shadowgate_audit_values)";
    let key = key.to_vec();
    let value = fleet.call(operation, move |session| {
        let rows = session.query(
            operation,
            "SELECT value FROM shadowgate_audit_values WHERE tree = $1 AND key = $2",
            &[&tree, &key],
        )?;
        rows.first()
            .map(|row| row.try_get::<_, Vec<u8>>(0))
            .transpose()
            .map_err(|e| session.error(operation, e))
    })?;
    Ok(value)
}

/// [`append`] on the reader thread.
fn append_in(
    session: &mut Session,
    entry: Entry,
    beside: Option<Beside>,
    now_micros: u64,
) -> Result<AuditEntry, TriageErrorKind> {
    let client = session.client().map_err(TriageErrorKind::written)?;
    match transaction(client, entry, beside, now_micros) {
        Ok(sealed) => Ok(sealed),
        Err(Failed::Sql(step, source)) => {
            session.reset();
            let error = session.error(&format!("{APPEND}: {step}"), source);
            Err(TriageErrorKind::written(error))
        }
        Err(Failed::Refused(kind)) => Err(kind),
    }
}

/// The append's transaction; rolled back when dropped before its commit.
fn transaction(
    client: &mut Client,
    entry: Entry,
    beside: Option<Beside>,
    now_micros: u64,
) -> Result<AuditEntry, Failed> {
    let sql = |step: &'static str| move |source| Failed::Sql(step, source);
    let mut tx = client.transaction().map_err(sql("begin"))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LEDGER_LOCK])
        .map_err(sql("lock"))?;
    if let Some(beside) = &beside {
        let found = tx
            .query_opt(
                "SELECT value FROM shadowgate_audit_values WHERE tree = $1 AND key = $2",
                &[&beside.tree, &beside.key],
            )
            .and_then(|row| row.map(|row| row.try_get::<_, Vec<u8>>(0)).transpose())
            .map_err(sql("read the value"))?;
        if found != beside.read {
            return Err(Failed::Refused(changed_meanwhile(found.as_deref())));
        }
    }
    let last = tx
        .query_opt(
            "SELECT entry FROM shadowgate_audit ORDER BY seq DESC LIMIT 1",
            &[],
        )
        .and_then(|row| row.map(|row| row.try_get::<_, String>(0)).transpose())
        .map_err(sql("read the last entry"))?;
    let last = last
        .as_deref()
        .map(decode)
        .transpose()
        .map_err(Failed::Refused)?;
    let sealed = seal_next(last.as_ref(), entry, now_micros);
    // Plain structs of strings, numbers and JSON values: serialising them cannot fail.
    let text = serde_json::to_string(&sealed).unwrap_or_default();
    let seq = i64::try_from(sealed.seq).unwrap_or(i64::MAX);
    tx.execute(
        "INSERT INTO shadowgate_audit (seq, entry) VALUES ($1, $2)",
        &[&seq, &text],
    )
    .map_err(sql("insert the entry"))?;
    if let Some(beside) = &beside {
        tx.execute(
            "INSERT INTO shadowgate_audit_values (tree, key, value) VALUES ($1, $2, $3) \
             ON CONFLICT (tree, key) DO UPDATE SET value = excluded.value",
            &[&beside.tree, &beside.key, &beside.value],
        )
        .map_err(sql("write the value"))?;
    }
    tx.commit().map_err(sql("commit"))?;
    Ok(sealed)
}

/// An entry as stored.
fn decode(text: &str) -> Result<AuditEntry, TriageErrorKind> {
    serde_json::from_str(text).map_err(|source| TriageErrorKind::Decode {
        tree: AUDIT_TABLE,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ledger_lock_is_not_the_migrations() {
        assert_ne!(LEDGER_LOCK, super::super::schema::MIGRATION_LOCK);
    }
}
