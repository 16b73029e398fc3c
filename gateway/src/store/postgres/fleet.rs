//! The fleet's read model: what every gateway of a fleet wrote to PostgreSQL, read back as one
//! store, so `report`, the admin API and the page review the fleet, not one gateway.
//!
//! [`crate::store::Reader`] is synchronous and called from blocking threads (the admin API's
//! `spawn_blocking`, the CLI), and now and then from an async task. The `postgres` client drives
//! its own small runtime, so it can neither run nor be dropped on an async worker: one reader
//! thread owns the session and runs the queries sent to it over a bounded channel, and callers
//! wait for the answer with a deadline. The session opens at first use, is dropped on any error
//! and opens again at the next query. It never takes an instance lock nor migrates the schema.
//!
//! Reading a fleet changes nothing in it. Written through this thread are only the fleet's
//! audit trail with the triage values it records (`super::ledger`) and its replay runs
//! (`super::replays`): rare changes made by people (and a gateway's start, reload or reopening
//! of a group), each one transaction or insert the database serialises, given a longer
//! deadline ([`FleetReader::write`]).

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::Duration;

use postgres::types::ToSql;
use postgres::{Client, Row};

use super::config::PostgresConfig;
use super::connect::Connector;
use super::schema;
use crate::store::error::StoreError;

/// Queries waiting for the reader thread at most; beyond, a query fails at once ("busy").
const QUEUE: usize = 8;

/// A query for the reader thread.
type Job = Box<dyn FnOnce(&mut Session) + Send>;

/// The fleet's database, read through one thread that owns the session.
pub(crate) struct FleetReader {
    jobs: Option<SyncSender<Job>>,
    worker: Option<JoinHandle<()>>,
    url: String,
    /// How long a caller waits for one answer.
    deadline: Duration,
    /// How long a caller waits for one write (a transaction of a few statements, one of them
    /// waiting for a lock).
    write_deadline: Duration,
}

impl std::fmt::Debug for FleetReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FleetReader")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl FleetReader {
    /// A reader of the database of `config`; connects at the first query.
    pub(crate) fn new(config: &PostgresConfig) -> Result<Self, StoreError> {
        let url = config.url.clone();
        let connector = Connector::new(config).map_err(|e| StoreError::Fleet {
            url: url.clone(),
            operation: e.operation,
            source: e.source,
        })?;
        let (jobs, queue) = mpsc::sync_channel::<Job>(QUEUE);
        let session = Session {
            connector,
            client: None,
            url: url.clone(),
        };
        let worker = std::thread::Builder::new()
            .name("shadowgate-fleet-reader".into())
            .spawn(move || serve(session, &queue))
            .map_err(StoreError::Spawn)?;
        // Connecting and a few statements, each bounded by its own timeout on the session.
        let within = |statements: u64| {
            Duration::from_millis(
                config
                    .connect_timeout_ms
                    .saturating_add(config.statement_timeout_ms.saturating_mul(statements)),
            )
        };
        Ok(Self {
            jobs: Some(jobs),
            worker: Some(worker),
            url,
            deadline: within(3),
            // Begin, lock, two reads, two writes, commit (`super::ledger`), and one more.
            write_deadline: within(8),
        })
    }

    /// The database's URL, as configured (without a password).
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// Runs `work` on the reader thread's session and waits for its answer.
    pub(crate) fn call<T: Send + 'static>(
        &self,
        operation: &str,
        work: impl FnOnce(&mut Session) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.call_within(self.deadline, operation, work)
    }

    /// Runs `work`, a write of a few statements in one transaction, on the reader thread's
    /// session and waits for its answer, longer than for a read.
    pub(crate) fn write<T: Send + 'static>(
        &self,
        operation: &str,
        work: impl FnOnce(&mut Session) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.call_within(self.write_deadline, operation, work)
    }

    fn call_within<T: Send + 'static>(
        &self,
        deadline: Duration,
        operation: &str,
        work: impl FnOnce(&mut Session) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let failed = |why: String| StoreError::Fleet {
            url: self.url.clone(),
            operation: operation.to_owned(),
            source: why.into(),
        };
        let Some(jobs) = &self.jobs else {
            return Err(failed("the reader is closed".into()));
        };
        let (reply, answer) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |session| {
            // The caller may have given up waiting: nobody to tell then.
            let _ = reply.send(work(session));
        });
        match jobs.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                return Err(failed(format!(
                    "expected a free reader, found {QUEUE} queries waiting; try again"
                )))
            }
            Err(TrySendError::Disconnected(_)) => {
                return Err(failed("the reader thread has stopped".into()))
            }
        }
        match answer.recv_timeout(deadline) {
            Ok(result) => result,
            Err(RecvTimeoutError::Timeout) => Err(failed(format!(
                "expected an answer within {} ms, found none",
                deadline.as_millis()
            ))),
            Err(RecvTimeoutError::Disconnected) => Err(failed("the query was dropped".into())),
        }
    }
}

impl Drop for FleetReader {
    fn drop(&mut self) {
        // Closing the channel ends the thread after its current query (bounded by the
        // session's timeouts); the session is dropped there, off any async worker.
        self.jobs = None;
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

/// Runs jobs until every sender is gone.
fn serve(mut session: Session, queue: &Receiver<Job>) {
    while let Ok(job) = queue.recv() {
        job(&mut session);
    }
}

/// The reader thread's session with the fleet's database.
pub(crate) struct Session {
    connector: Connector,
    client: Option<Client>,
    url: String,
}

impl Session {
    /// Runs one statement, connecting first if needed; a failure drops the session.
    pub(crate) fn query(
        &mut self,
        operation: &str,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, StoreError> {
        let client = self.client()?;
        client.query(sql, params).map_err(|source| {
            self.client = None;
            self.error(operation, source)
        })
    }

    /// The session's client, connecting first if needed. After a failed statement, call
    /// [`Session::reset`]: the connection may be broken.
    pub(crate) fn client(&mut self) -> Result<&mut Client, StoreError> {
        let client = match self.client.take() {
            Some(client) => client,
            None => self.open()?,
        };
        Ok(self.client.insert(client))
    }

    /// Drops the session: the next statement connects again.
    pub(crate) fn reset(&mut self) {
        self.client = None;
    }

    /// An error of `operation` on this database.
    pub(crate) fn error(
        &self,
        operation: &str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> StoreError {
        StoreError::Fleet {
            url: self.url.clone(),
            operation: operation.to_owned(),
            source: super::error::explained(source.into()),
        }
    }

    /// Connects and checks that the tables are this build's.
    fn open(&self) -> Result<Client, StoreError> {
        let mut client = self.connector.session().map_err(|e| StoreError::Fleet {
            url: self.url.clone(),
            operation: e.operation,
            source: e.source,
        })?;
        let check = "read the schema version";
        let exists = client
            .query_one("SELECT to_regclass('shadowgate_schema') IS NOT NULL", &[])
            .and_then(|row| row.try_get::<_, bool>(0))
            .map_err(|e| self.error(check, e))?;
        if !exists {
            return Err(self.error(
                check,
                "expected the tables of a fleet, found none: no gateway with \
                 store.backend = \"postgres\" has connected to this database yet",
            ));
        }
        let found = client
            .query_one(
                "SELECT coalesce(max(version), 0) FROM shadowgate_schema",
                &[],
            )
            .and_then(|row| row.try_get::<_, i32>(0))
            .map_err(|e| self.error(check, e))?;
        let latest = schema::latest();
        if found != latest {
            let what = if found < latest {
                "start a gateway of this build once: it migrates the tables"
            } else {
                "use the newer shadowgate build that migrated them"
            };
            return Err(self.error(
                check,
                format!("expected schema version {latest} (this build), found {found}; {what}"),
            ));
        }
        Ok(client)
    }
}
