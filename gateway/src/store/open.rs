//! The store as the gateway uses it: a sled directory, its writer thread and a reader, and the
//! mark of this run ([`super::run`]) that a clean close sets.

use std::sync::Arc;

use super::backend::Backend;
use super::config::StoreConfig;
use super::error::StoreError;
use super::options::WriterOptions;
use super::postgres::{
    BackendKind, CleanStop, FleetReader, PostgresBackend, PostgresConfig, Spool, SpoolingBackend,
};
use super::reader::Reader;
use super::recorder::Recorder;
use super::run::{self, LossBounds, PreviousRun, RunStart};
use super::shared::{SharedDb, SledSettings};
use super::sled_backend::SledBackend;
use super::stats::StoreStats;
use super::writer::Writer;

/// An open store: send events through [`Store::recorder`], read through [`Store::reader`].
#[derive(Debug)]
pub struct Store {
    writer: Writer,
    reader: Reader,
    /// Where this run's start is marked, for [`Store::close`] to mark its stop.
    marked: Marked,
    /// The store as the logs name it: its directory, or its PostgreSQL instance.
    place: String,
    /// Events not yet committed at most: the channel and one batch.
    uncommitted_max: usize,
}

/// The writer's backend, how the previous run ended (`None` until a fleet store started without
/// its database reaches it), and where this run is marked.
type Opened = (Box<dyn Backend>, Option<PreviousRun>, Marked);

/// Where a run's start was marked ([`super::run`]).
#[derive(Debug)]
enum Marked {
    /// Nowhere: the sled store could not be read at the start.
    Nowhere,
    /// In the sled directory.
    Sled(Arc<SharedDb>, RunStart),
    /// In the instance's row of the PostgreSQL database: at the start, or by the writer when
    /// the database first answers. A stop it cannot take is kept in the local spool.
    Postgres(Box<PostgresConfig>, RunStart, Spool),
}

/// Where a clean stop was marked.
#[derive(Debug)]
enum Stopped {
    /// Where the run's start is (or nowhere to mark).
    Marked,
    /// In the local spool, for the next start that reaches PostgreSQL, which could not take it
    /// now (why).
    Kept(super::BackendError),
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
        let run = RunStart::now();
        let mut reader = Reader::new(Arc::clone(&shared));
        let (backend, previous, marked): Opened = match config.backend {
            BackendKind::Sled => {
                let (previous, marked) = mark_sled(&shared, run);
                (Box::new(SledBackend::new(shared)), Some(previous), marked)
            }
            // The fleet's database takes the writes and the reader reads the whole fleet from it
            // (the admin API and page review the fleet), triage and the audit trail included;
            // the local directory keeps the spool while PostgreSQL is unreachable, and this
            // gateway's replay runs.
            BackendKind::Postgres => {
                reader = reader.with_fleet(FleetReader::new(&config.postgres)?);
                fleet_backend(config, shared, run)?
            }
        };
        let writer = Writer::spawn_with(backend, config, options, on_writer_start)?;
        // Not known yet on a fleet store started without its database: its writer sets it at
        // the first contact.
        if let Some(previous) = previous {
            writer.stats().set_previous_run(previous);
        }
        Ok(Self {
            writer,
            reader,
            marked,
            place: place(config),
            uncommitted_max: config.channel_capacity + config.batch_max_records,
        })
    }

    /// How the previous run on this store ended (each run marks its start and clean stop).
    pub fn previous_run(&self) -> PreviousRun {
        self.writer.stats().previous_run()
    }

    /// Says once, at WARN, that the previous run on this store did not stop cleanly and what it
    /// may have lost: up to `comparisons_in_flight` comparisons (the strategies'
    /// `shadow_max_in_flight` together) and the events this store holds before a commit. A
    /// gateway started while PostgreSQL could not be reached says it when the database answers.
    pub fn announce_previous_run(&self, comparisons_in_flight: usize) {
        let bounds = LossBounds {
            comparisons_in_flight,
            uncommitted_records: self.uncommitted_max,
        };
        // Now, or when a run started without PostgreSQL first reaches it and learns how its
        // previous run ended.
        self.stats().set_loss_bounds(self.place.clone(), bounds);
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

    /// Flushes pending events, stops the writer and marks this run stopped cleanly (the next
    /// start finds it so); the returned reader stays usable. A store dropped without `close`
    /// flushes too, but its run stays marked as not stopped, as after a SIGKILL.
    pub fn close(self) -> Reader {
        let stats = Arc::clone(self.writer.stats());
        self.writer.close();
        // Still spooling at the end: PostgreSQL cannot be written, and trying would hold the
        // stop for a connect timeout to learn it.
        let spooling = stats.spooling.load(std::sync::atomic::Ordering::SeqCst);
        match self.marked.stop(spooling, stats.previous_run_known()) {
            Ok(Stopped::Marked) => {}
            Ok(Stopped::Kept(why)) => tracing::info!(
                store = self.place,
                reason = %why,
                "store: postgres cannot be written; this run's clean stop is kept in the local \
                 store and marked by the next start that reaches postgres"
            ),
            Err(error) => tracing::warn!(
                store = self.place,
                %error,
                "store: this run's clean stop could not be marked; the next start will say it \
                 did not stop cleanly"
            ),
        }
        self.reader
    }
}

impl Marked {
    /// Marks the run stopped where its start was marked; not on PostgreSQL unless `started` (a
    /// run started without the database is marked at its first contact, which sets how the
    /// previous run ended: one that never reached it has no mark to stop, only its entry in the
    /// spool to forget). A stop PostgreSQL cannot take (`spooling`, or the attempt fails) is
    /// kept in the local spool instead.
    fn stop(&self, spooling: bool, started: bool) -> Result<Stopped, super::BackendError> {
        let failed = |e: Box<dyn std::error::Error + Send + Sync>| {
            super::BackendError::new("mark the run stopped", e)
        };
        let marked = match self {
            Self::Nowhere => Ok(()),
            Self::Postgres(_, run, spool) if !started => {
                spool.forget_unmarked(*run);
                Ok(())
            }
            Self::Sled(shared, run) => {
                let db = shared.require().map_err(|e| failed(e.into()))?;
                run::stop_sled(&db, *run).map_err(|e| failed(e.into()))
            }
            // Not a connect attempt to learn what the spooling says already.
            Self::Postgres(..) if spooling => Err(failed(
                "postgres cannot be written (the store spools)".into(),
            )),
            // The blocking client cannot run on a thread of the gateway's runtime.
            Self::Postgres(config, run, _) => {
                let stop = || PostgresBackend::new(config)?.mark_stopped(*run);
                std::thread::scope(|scope| scope.spawn(stop).join())
                    .unwrap_or_else(|_| Err(failed("the attempt panicked".into())))
            }
        };
        match (marked, self) {
            (Ok(()), _) => Ok(Stopped::Marked),
            (Err(why), Self::Postgres(config, run, spool)) => {
                let instance = config.instance_name().unwrap_or_default();
                spool
                    .record_stop(&CleanStop::now(instance, *run))
                    .map_err(|kept| failed(format!("{why}; {kept}").into()))?;
                Ok(Stopped::Kept(why))
            }
            (Err(error), _) => Err(error),
        }
    }
}

/// The writer's backend on PostgreSQL, after the start check that refuses an instance name in use
/// and marks `run` started under it; how the instance's previous run ended (`None` while the
/// database cannot be reached: the writer marks `run` started at its first contact, and says it
/// then), and where this run is marked.
fn fleet_backend(
    config: &StoreConfig,
    shared: Arc<SharedDb>,
    run: RunStart,
) -> Result<Opened, StoreError> {
    let checked = check_instance(&config.postgres, run, &Spool::new(Arc::clone(&shared)))?;
    let marked = Marked::Postgres(
        Box::new(config.postgres.clone()),
        run,
        Spool::new(Arc::clone(&shared)),
    );
    let mut backend = SpoolingBackend::new(
        PostgresBackend::new(&config.postgres).map_err(StoreError::Backend)?,
        Spool::new(shared),
        std::time::Duration::from_millis(config.retry_interval_ms),
        config.postgres.spool_max_records,
    );
    if checked.is_none() {
        backend.mark_at_contact(run);
    }
    Ok((Box::new(backend), checked, marked))
}

/// Reads how the previous run on the sled directory ended and marks `run` started there; a
/// store that did not open (a degraded start) or cannot be written says nothing either way.
fn mark_sled(shared: &Arc<SharedDb>, run: RunStart) -> (PreviousRun, Marked) {
    let Some(db) = shared.current() else {
        return (PreviousRun::Unknown, Marked::Nowhere);
    };
    match run::start_sled(&db, run) {
        Ok(previous) => (previous, Marked::Sled(Arc::clone(shared), run)),
        Err(error) => {
            tracing::warn!(%error, "store: this run's start could not be marked");
            (PreviousRun::Unknown, Marked::Nowhere)
        }
    }
}

/// The store as the logs name it: `/var/lib/shadowgate/store`, or `postgres instance "gw-1"`. A
/// relative path is shown joined to the working directory, as the process opened it (a path
/// relative to a config file given as a relative path is relative to the working directory too):
/// `data/store` alone does not say where it is. Nothing need exist for that; without a working
/// directory the path is shown as configured.
pub(super) fn place(config: &StoreConfig) -> String {
    match config.backend {
        BackendKind::Sled => std::path::absolute(&config.path)
            .unwrap_or_else(|_| config.path.clone())
            .display()
            .to_string(),
        BackendKind::Postgres => {
            let instance = config.postgres.instance_name().unwrap_or_default();
            format!("postgres instance {instance:?}")
        }
    }
}

/// Refuses an instance name another running gateway holds, and marks `run` started under it, the
/// previous run's clean stop kept in `spool` first (see [`PostgresBackend::check_at_start`]). On
/// a thread of its own: `Store::open` runs on the gateway's runtime, where the blocking
/// `postgres` client can neither connect nor be dropped. The check releases the lock before its
/// session ends; the writer takes it again when it connects.
fn check_instance(
    config: &PostgresConfig,
    run: RunStart,
    spool: &Spool,
) -> Result<Option<PreviousRun>, StoreError> {
    // What the check logs goes to the caller's subscriber, as if it ran on the caller's thread.
    let dispatch = tracing::dispatcher::get_default(Clone::clone);
    let check = || {
        tracing::dispatcher::with_default(&dispatch, || {
            PostgresBackend::new(config)?.check_at_start(run, spool)
        })
    };
    std::thread::scope(|scope| scope.spawn(check).join())
        .unwrap_or_else(|_| {
            Err(super::BackendError::new(
                "check the instance",
                "check panicked",
            ))
        })
        .map_err(StoreError::Backend)
}
