//! A fleet's replay runs, in its database so every gateway and the CLI see them: rows of
//! `shadowgate_audit_values` (migration `0006_audit`) under the tree `replays`, keyed as sled
//! keys them (the run's start, big-endian microseconds, so the key order is the time order) and
//! holding the bytes a sled `replays` tree holds. Written through the fleet reader's thread
//! ([`FleetReader::write`]), never on an async worker.
//!
//! Gateways (and the CLI) save at once: a run is inserted only where no run is, and one that
//! started in the microsecond of another stored run moves one microsecond on, as in sled, so
//! two runs never overwrite each other.

use super::fleet::{FleetReader, Session};
use crate::store::codec;
use crate::store::error::StoreError;
use crate::store::replays::{ReplayRun, REPLAYS_TREE};

/// What a failed save says the database keeps.
const KEEPS: &str = "the fleet's replay runs";
/// What a save is called in its errors.
const SAVE: &str = "save a replay run (shadowgate_audit_values, tree replays)";
/// Runs that started in the same microsecond tried at most before a save gives up: more would
/// be a fleet starting runs in a loop, not people.
const SAME_MICROSECOND: u64 = 1_000;

/// Stores `run` in the fleet's database; returns its key's microseconds, moved past any run
/// that started in the same microsecond.
pub(crate) fn save(fleet: &FleetReader, run: &ReplayRun) -> Result<u64, StoreError> {
    let run = run.clone();
    fleet
        .write(SAVE, move |session| save_in(session, run))
        .map_err(|error| error.written(KEEPS))
}

/// Every stored run, newest first.
pub(crate) fn runs(fleet: &FleetReader) -> Result<Vec<ReplayRun>, StoreError> {
    let operation = "read the fleet's replay runs (shadowgate_audit_values, tree replays)";
    let rows = fleet.call(operation, move |session| {
        let rows = session.query(
            operation,
            "SELECT key, value FROM shadowgate_audit_values WHERE tree = $1 ORDER BY key DESC",
            &[&REPLAYS_TREE],
        )?;
        rows.iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .collect::<Result<Vec<(Vec<u8>, Vec<u8>)>, postgres::Error>>()
            .map_err(|e| session.error(operation, e))
    })?;
    rows.iter()
        .map(|(key, value)| {
            codec::decode("replay run", value).map_err(|source| StoreError::Decode {
                tree: format!("shadowgate_audit_values ({REPLAYS_TREE})"),
                key: started(key).map_or_else(|| format!("{key:?}"), |at| at.to_string()),
                source,
            })
        })
        .collect()
}

/// [`save`] on the reader thread: inserts where no run is, one microsecond on at a time.
fn save_in(session: &mut Session, run: ReplayRun) -> Result<u64, StoreError> {
    let first = run.started_micros;
    for at in first..first.saturating_add(SAME_MICROSECOND) {
        let run = ReplayRun {
            started_micros: at,
            ..run.clone()
        };
        let value = codec::encode("replay run", &run).map_err(|source| StoreError::Decode {
            tree: format!("shadowgate_audit_values ({REPLAYS_TREE})"),
            key: at.to_string(),
            source,
        })?;
        let key = at.to_be_bytes().to_vec();
        let client = session.client()?;
        let inserted = client.execute(
            "INSERT INTO shadowgate_audit_values (tree, key, value) VALUES ($1, $2, $3) \
             ON CONFLICT (tree, key) DO NOTHING",
            &[&REPLAYS_TREE, &key, &value],
        );
        match inserted {
            Ok(0) => continue,
            Ok(_) => return Ok(at),
            Err(source) => {
                session.reset();
                return Err(session.error(SAVE, source));
            }
        }
    }
    Err(session.error(
        SAVE,
        format!(
            "expected a free start at or after {first}, found runs stored at every one of the \
             next {SAME_MICROSECOND} microseconds"
        ),
    ))
}

/// The start a key holds (big-endian microseconds), if it is one.
fn started(key: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(key.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_read_back_as_the_starts_they_hold() {
        assert_eq!(started(&5_u64.to_be_bytes()), Some(5));
        assert_eq!(started(b"odd"), None);
        // Byte order is time order: `ORDER BY key DESC` is newest first.
        assert!(255_u64.to_be_bytes() < 256_u64.to_be_bytes());
    }
}
