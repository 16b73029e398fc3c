//! What the spool keeps of this directory's runs while PostgreSQL cannot take it, in the meta
//! tree, for the next start that reaches the database ([`super::super::runs`]):
//!
//! - `clean_stop`: a clean stop the database could not take ([`CleanStop`], JSON). The next
//!   start marks it in the run's row before it reads that row, so the run is not reported
//!   unclean. One at a time: a run that reached the database has marked the one before.
//! - `unmarked` + start + pid: a run started without the database, until its first contact marks
//!   it there or it stops cleanly before. One still kept at another run's start ended before the
//!   database ever answered without a clean stop (killed, crashed, lost power): that start
//!   reports it unclean, as the database cannot.

use super::Spool;
use crate::store::backend::BackendError;
use crate::store::postgres::runs::{CleanStop, KeptRuns};
use crate::store::run::RunStart;

/// The key of the kept [`CleanStop`].
const STOP_KEY: &[u8] = b"clean_stop";
/// The prefix of an unmarked run's key: its start (8 bytes) and pid (4 bytes), big-endian, so
/// keys sort by start.
const UNMARKED: &[u8] = b"unmarked";

impl Spool {
    /// Keeps `stop`, flushed, in place of an older one (a later run's start has marked that).
    pub(crate) fn record_stop(&self, stop: &CleanStop) -> Result<(), BackendError> {
        let (db, _, meta) = self.trees()?;
        let fail = |e| BackendError::new("keep the clean stop in the spool", e);
        meta.insert(STOP_KEY, encode_stop(stop)).map_err(fail)?;
        db.flush().map_err(fail)?;
        Ok(())
    }

    /// Keeps `run`, started without the database, flushed, until [`Spool::forget_kept`] or
    /// [`Spool::forget_unmarked`].
    pub(crate) fn record_unmarked(&self, run: RunStart) -> Result<(), BackendError> {
        let (db, _, meta) = self.trees()?;
        let fail = |e| BackendError::new("keep the unmarked run in the spool", e);
        meta.insert(unmarked_key(run), &[]).map_err(fail)?;
        db.flush().map_err(fail)?;
        Ok(())
    }

    /// Forgets `run`, started without the database: it stopped cleanly before reaching it.
    pub(crate) fn forget_unmarked(&self, run: RunStart) {
        self.forget(|meta| {
            meta.remove(unmarked_key(run))?;
            Ok(())
        });
    }

    /// What is kept for the mark of `run`: the clean stop, and the runs other than `run` that
    /// started without the database and ended before it answered without a clean stop.
    pub(crate) fn kept_runs(&self, run: RunStart) -> Result<KeptRuns, BackendError> {
        let (_, _, meta) = self.trees()?;
        let fail = |e| BackendError::new("read the runs kept in the spool", e);
        let stop = meta.get(STOP_KEY).map_err(fail)?;
        let mut lost = Vec::new();
        for entry in meta.scan_prefix(UNMARKED) {
            let (key, _) = entry.map_err(fail)?;
            lost.extend(parse_unmarked(&key).filter(|&kept| kept != run));
        }
        Ok(KeptRuns {
            stop: stop.and_then(|value| decode_stop(&value)),
            lost,
        })
    }

    /// Forgets what `kept` held and `run`'s own unmarked entry, once `run` is marked with them:
    /// a clean stop kept since is kept. Something that cannot be forgotten marks nothing again
    /// (its run's row is `run`'s by then) and could only report a run unclean twice: it is
    /// logged, at DEBUG.
    pub(crate) fn forget_kept(&self, kept: &KeptRuns, run: RunStart) {
        self.forget(|meta| {
            if let Some(stop) = &kept.stop {
                // The inner `Err` is a stop kept meanwhile: kept.
                let _ = meta.compare_and_swap(STOP_KEY, Some(encode_stop(stop)), None::<&[u8]>)?;
            }
            for lost in kept.lost.iter().chain([&run]) {
                meta.remove(unmarked_key(*lost))?;
            }
            Ok(())
        });
    }

    /// Runs `remove` on the meta tree and flushes; a failure is logged at DEBUG.
    fn forget(&self, remove: impl FnOnce(&sled::Tree) -> sled::Result<()>) {
        let forget = || -> Result<(), Box<dyn std::error::Error>> {
            let (db, _, meta) = self.trees()?;
            remove(&meta)?;
            db.flush()?;
            Ok(())
        };
        if let Err(error) = forget() {
            tracing::debug!(%error, "store: a run mark marked in postgres is still in the spool");
        }
    }
}

/// A clean stop as the meta tree keeps it: JSON, `{"instance":"gw-1","started_at":..,"pid":..,
/// "stopped_at":..}`.
fn encode_stop(stop: &CleanStop) -> Vec<u8> {
    // A string and three integers: serialising cannot fail.
    serde_json::to_vec(stop).unwrap_or_default()
}

/// A kept clean stop; `None` for a value this build does not read (a later build's, or
/// damaged): nothing is marked for it, and its run is reported as its row says.
fn decode_stop(value: &[u8]) -> Option<CleanStop> {
    serde_json::from_slice(value).ok()
}

fn unmarked_key(run: RunStart) -> Vec<u8> {
    let mut key = UNMARKED.to_vec();
    key.extend_from_slice(&run.started_at.to_be_bytes());
    key.extend_from_slice(&run.pid.to_be_bytes());
    key
}

fn parse_unmarked(key: &[u8]) -> Option<RunStart> {
    let rest = key.strip_prefix(UNMARKED)?;
    let (started_at, pid) = rest.split_first_chunk::<8>()?;
    Some(RunStart {
        started_at: u64::from_be_bytes(*started_at),
        pid: u32::from_be_bytes(pid.try_into().ok()?),
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::spool_in;
    use super::*;

    fn run(pid: u32) -> RunStart {
        RunStart {
            started_at: 1_795_000_000_000_042 + u64::from(pid),
            pid,
        }
    }

    fn stop(pid: u32) -> CleanStop {
        CleanStop {
            instance: "gw-1".into(),
            run: run(pid),
            stopped_at: 1_795_000_360_000_000,
        }
    }

    /// A clean stop is kept as JSON beside the epoch, read back, and forgotten only as it was
    /// read: a later run's stop kept meanwhile stays. A value this build does not read is none.
    #[test]
    fn a_clean_stop_is_kept_until_the_one_marked_is_forgotten() {
        assert_eq!(
            String::from_utf8(encode_stop(&stop(4242))).unwrap(),
            r#"{"instance":"gw-1","started_at":1795000000004284,"pid":4242,"stopped_at":1795000360000000}"#
        );
        assert_eq!(decode_stop(&encode_stop(&stop(4242))), Some(stop(4242)));
        assert_eq!(decode_stop(br#"{"instance":"gw-1"}"#), None);

        let dir = tempfile::tempdir().unwrap();
        let spool = spool_in(&dir);
        assert_eq!(spool.kept_runs(run(1)).unwrap(), KeptRuns::default());
        spool.record_stop(&stop(4242)).unwrap();
        spool.next_epoch().unwrap();
        assert!(spool.is_empty().unwrap(), "a stop is not spooled data");
        let kept = spool.kept_runs(run(1)).unwrap();
        assert_eq!(kept.stop, Some(stop(4242)));

        spool.record_stop(&stop(4343)).unwrap();
        spool.forget_kept(&kept, run(1));
        assert_eq!(spool.kept_runs(run(1)).unwrap().stop, Some(stop(4343)));
        spool.forget_kept(&spool.kept_runs(run(1)).unwrap(), run(1));
        assert_eq!(spool.kept_runs(run(1)).unwrap(), KeptRuns::default());
    }

    /// Runs started without the database are kept by start and pid, oldest first; a run's own
    /// entry is not lost to it, and one forgotten (a clean stop before the first contact) is
    /// not lost at all. Forgetting what a mark used removes the run's own entry too.
    #[test]
    fn runs_started_without_the_database_are_kept_until_marked_or_stopped() {
        assert_eq!(parse_unmarked(&unmarked_key(run(7))), Some(run(7)));
        assert_eq!(parse_unmarked(b"unmarked\0\0"), None);

        let dir = tempfile::tempdir().unwrap();
        let spool = spool_in(&dir);
        for pid in [9, 7, 8] {
            spool.record_unmarked(run(pid)).unwrap();
        }
        spool.forget_unmarked(run(8));
        let kept = spool.kept_runs(run(9)).unwrap();
        assert_eq!(kept.lost, vec![run(7)]);
        assert_eq!(spool.kept_runs(run(10)).unwrap().lost, vec![run(7), run(9)]);

        spool.forget_kept(&kept, run(9));
        assert_eq!(spool.kept_runs(run(10)).unwrap(), KeptRuns::default());
        assert!(spool.is_empty().unwrap());
    }
}
