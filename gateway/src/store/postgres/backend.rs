//! [`PostgresBackend`]: the writer's [`Backend`] over a PostgreSQL database shared by a fleet.
//!
//! Every row carries this gateway's instance name and every statement is confined to it, so
//! gateways never write or drop each other's rows; the fleet's view is a `GROUP BY` over
//! instances. A group commit is one transaction. The session is opened lazily and dropped on
//! any error (a kept session that broke is replaced once first): the writer then degrades, and
//! [`Backend::recover`] connects again.

use postgres::Client;

use super::config::PostgresConfig;
use super::connect::{Connector, InstanceInUse};
use super::error::Outage;
use super::rows::Rows;
use super::runs::{self, KeptRuns};
use super::spool::Spool;
use crate::store::backend::{Backend, BackendError, Space, Write};
use crate::store::chunk;
use crate::store::run::{PreviousRun, RunStart};
use crate::store::time::Day;

/// One stored key and its value.
pub(crate) type KeyValue = (Vec<u8>, Vec<u8>);

/// A PostgreSQL database used by the writer, for one instance of a fleet.
pub struct PostgresBackend {
    connector: Connector,
    /// The open session; `None` before the first use and after a failure.
    client: Option<Client>,
}

impl std::fmt::Debug for PostgresBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresBackend")
            .field("instance", &self.connector.instance())
            .field("connected", &self.client.is_some())
            .finish()
    }
}

/// The table of a space, and its key column.
fn table(space: Space) -> &'static str {
    match space {
        Space::Records(_) => "shadowgate_records",
        Space::Counters => "shadowgate_counters",
        Space::Groups => "shadowgate_groups",
        Space::Suppressed => "shadowgate_suppressed",
        Space::Series => "shadowgate_series",
        Space::Payloads => "shadowgate_payloads",
        Space::Reconciles => "shadowgate_reconciles",
    }
}

/// How long a start waits for its instance name's lock to be released by a previous run's
/// session before it takes the name for a running gateway's.
const INSTANCE_RELEASE: std::time::Duration = std::time::Duration::from_secs(2);

impl PostgresBackend {
    /// A backend for `config`; the CA file is read now, the database is connected at first use
    /// (a database that is down at start degrades the store, it does not fail the gateway).
    pub fn new(config: &PostgresConfig) -> Result<Self, BackendError> {
        Ok(Self {
            connector: Connector::new(config)?,
            client: None,
        })
    }

    /// Connects once at the gateway's start, and marks this run started ([`super::runs`]),
    /// returning how the instance's previous run ended. An instance name another running gateway
    /// holds fails the start (two writers of one instance's absolute totals would overwrite each
    /// other); a database that cannot be reached does not: the gateway starts and serves live
    /// traffic, and its writer spools from the first comparison, totals counted from zero, until
    /// the database answers and these checks are made again ([`super::SpoolingBackend`]). This
    /// run is then not marked, and the previous one not known: `None`. What `spool` kept of
    /// earlier runs the database could not be told of ([`runs::start`]) is used, then forgotten.
    /// The check ends its session and releases the lock first, so the writer's first connect
    /// takes it (otherwise it could find it still held and start as if the database were down).
    ///
    /// A name found held is tried again for [`INSTANCE_RELEASE`]: the server releases a session's
    /// lock when its process exits, so a gateway restarted at once can find its own previous
    /// run's lock for a moment; a running gateway's is still held after that.
    pub(crate) fn check_at_start(
        &self,
        run: RunStart,
        spool: &Spool,
    ) -> Result<Option<PreviousRun>, BackendError> {
        // A store directory that did not open (a degraded start) kept nothing that can be read.
        let kept = spool.kept_runs(run).unwrap_or_default();
        let check = || {
            self.connector.connect().and_then(|mut client| {
                let previous = runs::start(&mut client, self.instance(), run, &kept)?;
                self.connector.unlock_instance(&mut client)?;
                Ok(previous)
            })
        };
        let held = |result: &Result<PreviousRun, BackendError>| matches!(result, Err(error) if error.source.downcast_ref::<InstanceInUse>().is_some());
        let give_up = std::time::Instant::now() + INSTANCE_RELEASE;
        let mut checked = check();
        while held(&checked) && std::time::Instant::now() < give_up {
            std::thread::sleep(std::time::Duration::from_millis(100));
            checked = check();
        }
        match checked {
            Err(error) if error.source.downcast_ref::<InstanceInUse>().is_some() => Err(error),
            Err(error) => {
                // The writer's first attempt fails the same way and says so at WARN, with what
                // it does then ([`super::SpoolingBackend`]): one line, not two.
                tracing::debug!(
                    reason = Outage::of_backend(&error).phrase(),
                    %error,
                    "store: postgres not reached at the start check"
                );
                Ok(None)
            }
            Ok(previous) => {
                spool.forget_kept(&kept, run);
                Ok(Some(previous))
            }
        }
    }

    /// Marks `run` stopped ([`super::runs`]) in a session of its own, without the instance lock
    /// (the writer's session has ended): what a clean close does last.
    pub(crate) fn mark_stopped(&self, run: RunStart) -> Result<(), BackendError> {
        let mut client = self.connector.session()?;
        runs::stop(&mut client, self.instance(), run)
    }

    /// Marks `run` started ([`super::runs`]) on the writer's session, which holds the instance
    /// lock: the start check a run started without the database skipped, made at its first
    /// contact ([`super::SpoolingBackend`]), so its clean stop is marked against it; with what
    /// the local spool `kept` of earlier runs ([`runs::start`]).
    pub(crate) fn mark_started(
        &mut self,
        run: RunStart,
        kept: &KeptRuns,
    ) -> Result<PreviousRun, BackendError> {
        self.with(|client, instance| runs::start(client, instance, run, kept))
    }

    /// Whether the database answers, on the writer's session (a new one if it broke): an idle
    /// writer's check, bounded by `connect_timeout_ms` and `statement_timeout_ms` as any write.
    pub(crate) fn ping(&mut self) -> Result<(), BackendError> {
        self.with(|client, _| {
            client
                .simple_query("SELECT 1")
                .map(drop)
                .map_err(|e| BackendError::new("check postgres", e))
        })
    }

    /// This gateway's instance name in the tables.
    pub fn instance(&self) -> &str {
        self.connector.instance()
    }

    /// Commits `writes` in one transaction; with `spool_epoch`, records in it that the local
    /// spool of that epoch is forwarded ([`super::spool`]).
    pub(crate) fn commit_marked(
        &mut self,
        writes: Vec<Write>,
        spool_epoch: Option<i64>,
    ) -> Result<(), BackendError> {
        let count = writes.len();
        let rows = Rows::of(writes)?;
        self.with(|client, instance| {
            let failed = |e| BackendError::new(format!("commit {count} writes"), e);
            let mut tx = client.transaction().map_err(failed)?;
            rows.upsert(&mut tx, instance)?;
            if let Some(epoch) = spool_epoch {
                tx.execute(
                    "INSERT INTO shadowgate_spool_forwarded (instance, epoch) VALUES ($1, $2) \
                     ON CONFLICT (instance) DO UPDATE SET epoch = EXCLUDED.epoch, \
                     forwarded_at = now()",
                    &[&instance, &epoch],
                )
                .map_err(failed)?;
            }
            tx.commit().map_err(failed)
        })
    }

    /// This instance's rows of a space of totals with a key from `from` on.
    pub(crate) fn totals(
        &mut self,
        space: Space,
        from: &[u8],
    ) -> Result<Vec<KeyValue>, BackendError> {
        let sql = format!(
            "SELECT key, value FROM {} WHERE instance = $1 AND key >= $2",
            table(space)
        );
        self.with(|client, instance| {
            let read = |e| BackendError::new(format!("read {}", table(space)), e);
            let rows = client.query(&sql, &[&instance, &from]).map_err(read)?;
            rows.iter()
                .map(|row| Ok((row.try_get(0).map_err(read)?, row.try_get(1).map_err(read)?)))
                .collect()
        })
    }

    /// The epoch of the last local spool this instance forwarded, if any.
    pub(crate) fn forwarded_epoch(&mut self) -> Result<Option<i64>, BackendError> {
        self.with(|client, instance| {
            let read = |e| BackendError::new("read the forwarded spool epoch", e);
            let row = client
                .query_opt(
                    "SELECT epoch FROM shadowgate_spool_forwarded WHERE instance = $1",
                    &[&instance],
                )
                .map_err(read)?;
            row.map(|row| row.try_get(0)).transpose().map_err(read)
        })
    }

    /// Runs `work` on the session, connecting first if needed; drops the session on failure so
    /// the next use starts clean.
    ///
    /// A kept session that broke ([`Outage::Unreachable`]: closed, or ended by a server that
    /// shut down since its last use) is replaced once by a new one before the failure counts:
    /// after a restart of the database, an idle gateway's first write would otherwise fail on
    /// the dead session and spool (and `/readyz` say `unreachable`) until the next retry. Every
    /// `work` may run twice: its statements are upserts and deletes by key, as after a lost
    /// acknowledgement.
    fn with<T>(
        &mut self,
        mut work: impl FnMut(&mut Client, &str) -> Result<T, BackendError>,
    ) -> Result<T, BackendError> {
        if let Some(client) = self.client.as_mut() {
            match work(client, self.connector.instance()) {
                Ok(value) => return Ok(value),
                Err(error) => {
                    self.client = None;
                    if Outage::of_backend(&error) != Outage::Unreachable {
                        return Err(error);
                    }
                    tracing::debug!(%error, "store: the postgres session broke; trying a new one");
                }
            }
        }
        let client = self.client.insert(self.connector.connect()?);
        let result = work(client, self.connector.instance());
        if result.is_err() {
            self.client = None;
        }
        result
    }
}

impl Backend for PostgresBackend {
    fn load(&mut self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        let sql = format!(
            "SELECT value FROM {} WHERE instance = $1 AND key = $2",
            table(space)
        );
        self.with(|client, instance| {
            let row = client
                .query_opt(&sql, &[&instance, &key])
                .map_err(|e| BackendError::new(format!("read from {}", table(space)), e))?;
            row.map(|row| row.try_get::<_, Vec<u8>>(0))
                .transpose()
                .map_err(|e| BackendError::new(format!("read from {}", table(space)), e))
        })
    }

    fn commit(&mut self, writes: Vec<Write>) -> Result<(), BackendError> {
        self.commit_marked(writes, None)
    }

    fn segments(&mut self) -> Result<Vec<Day>, BackendError> {
        self.with(|client, instance| {
            let read = |e| BackendError::new("list record days", e);
            let rows = client
                .query(
                    "SELECT DISTINCT to_char(day, 'YYYYMMDD') FROM shadowgate_records \
                     WHERE instance = $1",
                    &[&instance],
                )
                .map_err(read)?;
            let mut days = Vec::with_capacity(rows.len());
            for row in rows {
                let text: String = row.try_get(0).map_err(read)?;
                days.extend(Day::parse_compact(&text));
            }
            Ok(days)
        })
    }

    fn last_record_key(&mut self) -> Result<Option<Vec<u8>>, BackendError> {
        self.with(|client, instance| {
            let read = |e| BackendError::new("read the last record", e);
            let row = client
                .query_opt(
                    "SELECT key, value FROM shadowgate_records WHERE instance = $1 \
                     ORDER BY key DESC LIMIT 1",
                    &[&instance],
                )
                .map_err(read)?;
            let Some(row) = row else {
                return Ok(None);
            };
            let key: Vec<u8> = row.try_get(0).map_err(read)?;
            let value: Vec<u8> = row.try_get(1).map_err(read)?;
            // The last chunk's key is its first record's; its header names the last one.
            let span = chunk::span("record", &key, &value)
                .map_err(|e| BackendError::new("read the last record", e))?;
            Ok(Some(span.last_key.to_vec()))
        })
    }

    fn drop_segment(&mut self, day: Day) -> Result<u64, BackendError> {
        let name = day.compact();
        self.with(|client, instance| {
            let failed = |e| BackendError::new(format!("drop segment records/{name}"), e);
            let row = client
                .query_one(
                    "WITH gone AS (DELETE FROM shadowgate_records \
                         WHERE instance = $1 AND day = $2::text::date RETURNING record_count) \
                     SELECT coalesce(sum(record_count), 0)::int8 FROM gone",
                    &[&instance, &name],
                )
                .map_err(failed)?;
            let records: i64 = row.try_get(0).map_err(failed)?;
            Ok(u64::try_from(records).unwrap_or(0))
        })
    }

    fn prune(&mut self, space: Space, before: &[u8]) -> Result<u64, BackendError> {
        // bytea compares byte by byte, as sled orders keys.
        let sql = format!(
            "DELETE FROM {} WHERE instance = $1 AND key < $2",
            table(space)
        );
        self.with(|client, instance| {
            client
                .execute(&sql, &[&instance, &before])
                .map_err(|e| BackendError::new(format!("prune {}", table(space)), e))
        })
    }

    fn recover(&mut self) -> Result<(), BackendError> {
        // Drop the old session first: its instance lock goes with it.
        self.client = None;
        self.client = Some(self.connector.connect()?);
        Ok(())
    }
}
