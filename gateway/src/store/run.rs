//! Whether the previous run on a store stopped cleanly.
//!
//! A SIGKILL, a crash or a power loss loses what had not been committed: comparisons in flight
//! (each strategy's `shadow_max_in_flight`: shadow calls and comparisons queued for the workers)
//! and events not yet in a group commit (the store channel and the writer's batch). Nothing else
//! tells a clean restart from such an end, so each run marks its start where the store lives and
//! [`super::Store::close`] marks it stopped: a start that finds the previous mark not stopped says
//! so once at WARN ([`PreviousRun::announce`]), on `/api/v1/health` and as
//! `shadowgate_store_previous_run_unclean`.
//!
//! The mark lives with what the run may have lost: for sled in the store directory (tree `run`),
//! for PostgreSQL in the instance's row of `shadowgate_runs` ([`super::postgres`]), taken under
//! the instance lock. A clean stop PostgreSQL cannot take (an outage at the stop) is kept in the
//! local spool and marked by the next start that reaches the database, so it is not reported
//! unclean; a run started during an outage is kept there until it reaches the database, so one
//! killed before then is reported unclean though the database never heard of it.

use serde::{Deserialize, Serialize};
use tracing::warn;

use super::time::{format_micros, Clock, SystemClock};

/// The sled tree holding the run mark.
const RUN_TREE: &str = "run";
/// The one key of [`RUN_TREE`]: the last run's mark.
const LAST: &[u8] = b"last";

/// One run of a gateway on a store: when it started, and its process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunStart {
    /// Microseconds since the Unix epoch, UTC; with the pid, the run's identity.
    pub started_at: u64,
    /// The gateway's process id.
    pub pid: u32,
}

/// How the previous run on this store ended, as found when the store opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PreviousRun {
    /// Not known: a new store, one written before runs were marked, or a store (or database)
    /// that could not be read at the start.
    #[default]
    Unknown,
    /// It was closed: everything it accepted was committed or counted as dropped.
    Clean,
    /// It never marked its stop: killed (SIGKILL), crashed, or the machine lost power.
    Unclean(RunStart),
}

/// What a run that did not stop cleanly may have lost, by this run's config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LossBounds {
    /// Comparisons in flight at most: the sum of every strategy's `shadow_max_in_flight`.
    pub comparisons_in_flight: usize,
    /// Events not yet committed at most: `[store] channel_capacity` plus `batch_max_records`.
    pub uncommitted_records: usize,
}

/// A run's mark as stored: its start, and whether it stopped.
#[derive(Debug, Serialize, Deserialize)]
struct Mark {
    #[serde(flatten)]
    run: RunStart,
    stopped: bool,
}

impl RunStart {
    /// This process, now.
    pub(crate) fn now() -> Self {
        Self {
            started_at: SystemClock.now_micros(),
            pid: std::process::id(),
        }
    }
}

impl PreviousRun {
    /// `clean`, `unclean` or `unknown`: the `previous_run` of `/api/v1/health`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Clean => "clean",
            Self::Unclean(_) => "unclean",
        }
    }

    /// The run that did not stop cleanly, if it did not.
    pub fn unclean(&self) -> Option<RunStart> {
        match self {
            Self::Unclean(run) => Some(*run),
            _ => None,
        }
    }

    /// Says once, at WARN, that the previous run on `store` did not stop cleanly and what it may
    /// have lost; nothing for a clean or unknown one.
    pub fn announce(&self, store: &str, bounds: LossBounds) {
        let Some(run) = self.unclean() else {
            return;
        };
        warn!(
            store,
            started_at = %format_micros(run.started_at),
            pid = run.pid,
            "the previous run on this store did not stop cleanly (killed, crashed or lost \
             power): up to {} comparisons in flight and up to {} records not yet committed may \
             be lost",
            bounds.comparisons_in_flight,
            bounds.uncommitted_records
        );
    }
}

/// Reads the previous run's mark in `db` and marks `run` started in its place, flushed.
pub(crate) fn start_sled(db: &sled::Db, run: RunStart) -> sled::Result<PreviousRun> {
    let tree = db.open_tree(RUN_TREE)?;
    let previous = match tree.get(LAST)? {
        None => PreviousRun::Unknown,
        Some(value) => match serde_json::from_slice::<Mark>(&value) {
            Ok(mark) if mark.stopped => PreviousRun::Clean,
            Ok(mark) => PreviousRun::Unclean(mark.run),
            // Written by a later build, or damaged: nothing to say about that run.
            Err(_) => PreviousRun::Unknown,
        },
    };
    tree.insert(LAST, encode(run, false))?;
    db.flush()?;
    Ok(previous)
}

/// Marks `run` stopped in `db`, flushed; a mark of another run (none of ours) is left alone.
pub(crate) fn stop_sled(db: &sled::Db, run: RunStart) -> sled::Result<()> {
    let tree = db.open_tree(RUN_TREE)?;
    let ours = tree
        .get(LAST)?
        .and_then(|value| serde_json::from_slice::<Mark>(&value).ok())
        .is_some_and(|mark| mark.run == run);
    if ours {
        tree.insert(LAST, encode(run, true))?;
        db.flush()?;
    }
    Ok(())
}

fn encode(run: RunStart, stopped: bool) -> Vec<u8> {
    // Two integers and a bool: serialising cannot fail.
    serde_json::to_vec(&Mark { run, stopped }).unwrap_or_default()
}
