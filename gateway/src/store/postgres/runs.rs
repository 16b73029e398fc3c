//! This instance's run mark in `shadowgate_runs` ([`crate::store::PreviousRun`]): read and
//! replaced at the start check, under the instance lock (or, for a run started while the database
//! could not be reached, at the writer's first contact, under the lock its session holds), and
//! marked stopped when the store closes.
//!
//! What the database cannot be told during an outage is kept in the local spool ([`KeptRuns`],
//! `spool/runs.rs`) and used by the next start that reaches it: a clean stop is marked before
//! that start reads the previous run's mark (a run stopped cleanly during an outage is not
//! reported unclean), and a run that started without the database and ended before it answered,
//! without a clean stop, is the previous run reported unclean (the database never heard of it).

use postgres::Client;
use serde::{Deserialize, Serialize};

use crate::store::backend::BackendError;
use crate::store::run::{PreviousRun, RunStart};
use crate::store::time::{format_micros, Clock, SystemClock};

/// A clean stop PostgreSQL could not take: run `run` of instance `instance` stopped cleanly at
/// `stopped_at`, kept in the local spool until a start reaches the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CleanStop {
    /// The instance the run was marked under.
    pub(crate) instance: String,
    /// The run that stopped.
    #[serde(flatten)]
    pub(crate) run: RunStart,
    /// When it stopped: microseconds since the Unix epoch, UTC (the gateway's clock).
    pub(crate) stopped_at: u64,
}

/// What the local spool kept of earlier runs for the next mark ([`start`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct KeptRuns {
    /// A clean stop the database could not take.
    pub(crate) stop: Option<CleanStop>,
    /// Runs that started without the database and ended before it answered without a clean
    /// stop (killed, crashed, lost power), oldest first.
    pub(crate) lost: Vec<RunStart>,
}

impl CleanStop {
    /// `run` of `instance`, stopped now.
    pub(crate) fn now(instance: String, run: RunStart) -> Self {
        Self {
            instance,
            run,
            stopped_at: SystemClock.now_micros(),
        }
    }
}

/// Reads the previous run's mark of `instance` and marks `run` started in its place, in one
/// transaction; the clean stop `kept` holds is marked first (so the run it names is found
/// clean), and the last run `kept` lost is the previous run, unclean, whatever the row says.
/// The caller holds the instance lock: no other gateway marks this name meanwhile.
pub(crate) fn start(
    client: &mut Client,
    instance: &str,
    run: RunStart,
    kept: &KeptRuns,
) -> Result<PreviousRun, BackendError> {
    let failed = |e| BackendError::new(format!("mark the run of instance {instance}"), e);
    let mut tx = client.transaction().map_err(failed)?;
    let late = match &kept.stop {
        Some(stop) => mark_late_stop(&mut tx, instance, stop)?,
        None => false,
    };
    let row = tx
        .query_opt(
            "SELECT run, pid, stopped_at IS NOT NULL FROM shadowgate_runs WHERE instance = $1",
            &[&instance],
        )
        .map_err(failed)?;
    let previous = match row {
        None => PreviousRun::Unknown,
        Some(row) => {
            let (started_at, pid, stopped): (i64, i64, bool) = (
                row.try_get(0).map_err(failed)?,
                row.try_get(1).map_err(failed)?,
                row.try_get(2).map_err(failed)?,
            );
            match (u64::try_from(started_at), u32::try_from(pid)) {
                _ if stopped => PreviousRun::Clean,
                // Marked by this call already (a commit whose answer was lost, tried again).
                _ if (started_at, pid) == (micros(run), i64::from(run.pid)) => PreviousRun::Unknown,
                (Ok(started_at), Ok(pid)) => PreviousRun::Unclean(RunStart { started_at, pid }),
                // Not a mark this build wrote.
                _ => PreviousRun::Unknown,
            }
        }
    };
    // Later than the row's run: it started after it, on this directory, without the database.
    let previous = kept
        .lost
        .last()
        .map_or(previous, |lost| PreviousRun::Unclean(*lost));
    tx.execute(
        "INSERT INTO shadowgate_runs (instance, run, pid) VALUES ($1, $2, $3) \
         ON CONFLICT (instance) DO UPDATE SET run = EXCLUDED.run, pid = EXCLUDED.pid, \
         started_at = now(), stopped_at = NULL",
        &[&instance, &micros(run), &i64::from(run.pid)],
    )
    .map_err(failed)?;
    tx.commit().map_err(failed)?;
    if let (true, Some(stop)) = (late, &kept.stop) {
        // Not "the previous run": runs that never reached the database may have come since.
        tracing::info!(
            instance,
            started_at = %format_micros(stop.run.started_at),
            pid = stop.run.pid,
            stopped_at = %format_micros(stop.stopped_at),
            "store: a run stopped cleanly while postgres could not be reached; its stop is \
             recorded now, and it is not reported unclean"
        );
    }
    Ok(previous)
}

/// Marks the clean stop `stop` kept locally, if its run is still this instance's last and not
/// marked stopped; whether it was. A stop of another instance (the name changed since) is left
/// alone: this gateway holds only its own name's lock.
fn mark_late_stop(
    tx: &mut postgres::Transaction<'_>,
    instance: &str,
    stop: &CleanStop,
) -> Result<bool, BackendError> {
    if stop.instance != instance {
        tracing::info!(
            instance,
            stopped_instance = stop.instance,
            "store: a clean stop kept locally for another instance name is not marked"
        );
        return Ok(false);
    }
    let marked = tx
        .execute(
            "UPDATE shadowgate_runs SET stopped_at = to_timestamp($4::int8 / 1000000.0) \
             WHERE instance = $1 AND run = $2 AND pid = $3 AND stopped_at IS NULL",
            &[
                &instance,
                &micros(stop.run),
                &i64::from(stop.run.pid),
                &i64::try_from(stop.stopped_at).unwrap_or(i64::MAX),
            ],
        )
        .map_err(|e| BackendError::new(format!("mark the late stop of instance {instance}"), e))?;
    Ok(marked == 1)
}

/// Marks `run` of `instance` stopped; a mark of another run (a later start's) is left alone.
pub(crate) fn stop(client: &mut Client, instance: &str, run: RunStart) -> Result<(), BackendError> {
    client
        .execute(
            "UPDATE shadowgate_runs SET stopped_at = now() \
             WHERE instance = $1 AND run = $2 AND pid = $3",
            &[&instance, &micros(run), &i64::from(run.pid)],
        )
        .map_err(|e| BackendError::new(format!("mark the stop of instance {instance}"), e))?;
    Ok(())
}

/// The run's start as the table's `bigint` (microseconds fit until the year 294,247).
fn micros(run: RunStart) -> i64 {
    i64::try_from(run.started_at).unwrap_or(i64::MAX)
}
