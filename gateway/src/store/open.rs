//! The store as the gateway uses it: a sled directory, its writer thread and a reader.

use std::sync::Arc;

use super::backend::Backend;
use super::config::StoreConfig;
use super::error::StoreError;
use super::options::WriterOptions;
use super::postgres::{BackendKind, FleetReader, PostgresBackend, Spool, SpoolingBackend};
use super::reader::Reader;
use super::recorder::Recorder;
use super::shared::{SharedDb, SledSettings};
use super::sled_backend::SledBackend;
use super::stats::StoreStats;
use super::writer::Writer;

/// An open store: send events through [`Store::recorder`], read through [`Store::reader`].
#[derive(Debug)]
pub struct Store {
    writer: Writer,
    reader: Reader,
}

impl Store {
    /// Opens (or creates) the store at `config.path` and starts its writer thread.
    ///
    /// A disk that fails at open (full, read-only, an I/O error) does not fail the start: live
    /// traffic must not wait for the store. The store starts degraded, counts comparisons in
    /// memory, and its writer keeps reopening every `retry_interval_ms`. An invalid config, or a
    /// directory another gateway holds, still fails.
    pub fn open(config: &StoreConfig, options: WriterOptions) -> Result<Self, StoreError> {
        Self::open_with(config, options, Box::new(|| {}))
    }

    /// [`Store::open`], running `on_writer_start` first on the writer thread (the gateway puts
    /// it in the shadow's scheduling class there; threads sled starts from it inherit it).
    pub fn open_with(
        config: &StoreConfig,
        options: WriterOptions,
        on_writer_start: Box<dyn FnOnce() + Send>,
    ) -> Result<Self, StoreError> {
        let problems = config.problems();
        if !problems.is_empty() {
            return Err(StoreError::Config { problems });
        }
        let settings = SledSettings {
            cache_bytes: config.cache_bytes(),
        };
        let shared = Arc::new(SharedDb::empty(&config.path, settings));
        match shared.reopen() {
            Ok(_) => {}
            Err(error) if error.is_io() => {
                tracing::error!(%error, "store degraded from the start: live traffic is served, \
                    comparisons are counted in memory until the store opens");
            }
            Err(error) => return Err(error),
        }
        let mut reader = Reader::new(Arc::clone(&shared));
        let backend: Box<dyn Backend> = match config.backend {
            BackendKind::Sled => Box::new(SledBackend::new(shared)),
            // The fleet's database takes the writes and the reader reads the whole fleet from it
            // (the admin API and page review the fleet); the local directory keeps the spool
            // while PostgreSQL is unreachable, and this gateway's triage and replay runs.
            BackendKind::Postgres => {
                reader = reader.with_fleet(FleetReader::new(&config.postgres)?);
                check_instance(&config.postgres)?;
                Box::new(SpoolingBackend::new(
                    PostgresBackend::new(&config.postgres).map_err(StoreError::Backend)?,
                    Spool::new(Arc::clone(&shared)),
                    std::time::Duration::from_millis(config.retry_interval_ms),
                    config.postgres.spool_max_records,
                ))
            }
        };
        let writer = Writer::spawn_with(backend, config, options, on_writer_start)?;
        Ok(Self { writer, reader })
    }

    /// A non-blocking handle for the gateway's tasks.
    pub fn recorder(&self) -> Recorder {
        self.writer.recorder()
    }

    /// Reads the database the writer writes (and reopens).
    pub fn reader(&self) -> &Reader {
        &self.reader
    }

    /// Drop, write and flush counts.
    pub fn stats(&self) -> &Arc<StoreStats> {
        self.writer.stats()
    }

    /// Flushes pending events and stops the writer; the returned reader stays usable.
    pub fn close(self) -> Reader {
        self.writer.close();
        self.reader
    }
}

/// Refuses an instance name another running gateway holds (see
/// [`PostgresBackend::check_at_start`]). On a thread of its own: `Store::open` runs on the
/// gateway's runtime, where the blocking `postgres` client can neither connect nor be dropped.
/// The check releases the lock before its session ends; the writer takes it again when it
/// connects.
fn check_instance(config: &super::postgres::PostgresConfig) -> Result<(), StoreError> {
    let check = || PostgresBackend::new(config)?.check_at_start();
    std::thread::scope(|scope| scope.spawn(check).join())
        .unwrap_or_else(|_| {
            Err(super::BackendError::new(
                "check the instance",
                "check panicked",
            ))
        })
        .map_err(StoreError::Backend)
}
