//! This instance's run mark in `shadowgate_runs` ([`crate::store::PreviousRun`]): read and
//! replaced at the start check, under the instance lock (or, for a run started while the database
//! could not be reached, at the writer's first contact, under the lock its session holds), and
//! marked stopped when the store closes.

use postgres::Client;

use crate::store::backend::BackendError;
use crate::store::run::{PreviousRun, RunStart};

/// Reads the previous run's mark of `instance` and marks `run` started in its place, in one
/// transaction. The caller holds the instance lock: no other gateway marks this name meanwhile.
pub(crate) fn start(
    client: &mut Client,
    instance: &str,
    run: RunStart,
) -> Result<PreviousRun, BackendError> {
    let failed = |e| BackendError::new(format!("mark the run of instance {instance}"), e);
    let mut tx = client.transaction().map_err(failed)?;
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
    tx.execute(
        "INSERT INTO shadowgate_runs (instance, run, pid) VALUES ($1, $2, $3) \
         ON CONFLICT (instance) DO UPDATE SET run = EXCLUDED.run, pid = EXCLUDED.pid, \
         started_at = now(), stopped_at = NULL",
        &[&instance, &micros(run), &i64::from(run.pid)],
    )
    .map_err(failed)?;
    tx.commit().map_err(failed)?;
    Ok(previous)
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
