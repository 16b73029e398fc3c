//! [`SpoolingBackend`]: PostgreSQL first, the local spool when it cannot be reached.
//!
//! A commit PostgreSQL refuses goes to the spool instead, and the writer carries on undegraded:
//! live traffic never notices, records are kept, and totals keep growing from the values this
//! writer last wrote (it is the only writer of its instance's rows, so those are the database's).
//! Every `retry_interval_ms` a commit tries PostgreSQL again, forwarding the spool first: record
//! chunks in slices (upserts by record id: forwarding one twice stores it once), then the
//! spooled totals with the new batch and the spool's epoch in one transaction.
//!
//! A gateway that starts while PostgreSQL cannot be reached (or while another running gateway
//! holds its instance name) spools from its first comparison too, though it does not know its
//! totals or its last record id yet: it counts totals from zero as cold spool entries
//! ([`super::cold`]) and takes record ids after the last spooled one (from the clock otherwise).
//! At the first contact (`contact`: connecting takes the instance lock and migrates the schema,
//! the checks a start with the database would have made) each delta is added to the instance's
//! total, and the spool is forwarded as after an outage; a run that stopped before that contact
//! leaves its deltas to the next run's, even one started with the database.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::backend::PostgresBackend;
use super::cold::Relative;
use super::error::Outage;
use super::spool::Spool;
use crate::log_limit::LogLimit;
use crate::store::backend::{Backend, BackendError, Space, Write};
use crate::store::chunk;
use crate::store::run::RunStart;
use crate::store::stats::StoreStats;
use crate::store::time::Day;

mod contact;
mod liveness;
#[cfg(test)]
mod tests;

/// How often the reason for spooling (a held instance lock included) is logged again while it
/// lasts.
const REPORT_INTERVAL: Duration = Duration::from_secs(60);

/// How long the database may go unused before an idle writer checks that it still answers
/// (`liveness`): an outage then shows on `/readyz` and the health API within about this long,
/// as it would at the next write under traffic.
const IDLE_CHECK: Duration = Duration::from_secs(5);

/// Record chunks forwarded per transaction: a long outage's spool is sent in steps, not as one
/// statement of unbounded size.
const FORWARD_CHUNKS: usize = 256;

/// The fleet backend with its local spool.
pub struct SpoolingBackend {
    db: PostgresBackend,
    spool: Spool,
    /// Totals as last written by this writer (to the database or the spool), or loaded: the
    /// ledger's reloads never need the database.
    known: HashMap<(Space, Vec<u8>), Vec<u8>>,
    /// Something is spooled (from this run or an earlier one).
    spooling: bool,
    /// Whether the spool's epoch was compared with the database's, and this instance's totals
    /// loaded into `known`, since the start.
    checked: bool,
    /// The first series key loaded at the start (the previous hour's): below it, a total
    /// missing from `known` may still be in the database.
    series_from: [u8; 4],
    retry: Duration,
    next_try: Option<Instant>,
    stats: Option<Arc<StoreStats>>,
    /// Records in the spool now, and the most it may hold.
    spooled_records: u64,
    /// When this run started spooling (its first refused write), for the recovery line.
    spooling_since: Option<Instant>,
    max_records: u64,
    /// Started without the database (or its instance lock): totals are counted from zero and
    /// spooled as cold entries until the first contact.
    cold: bool,
    /// The keys the ledger counts from zero, and what they are added to after the first contact.
    relative: Relative,
    /// The reason for spooling, logged once a minute while it lasts.
    reported: LogLimit,
    /// This run, when the start check could not mark it (the database unreachable): marked at
    /// the first contact instead (`contact`), so its clean stop is marked against it.
    unmarked: Option<RunStart>,
    /// When the database last answered (or was last checked): an idle writer checks it again
    /// after [`IDLE_CHECK`].
    last_contact: Instant,
}

impl SpoolingBackend {
    /// PostgreSQL through `db`, spooling to `spool`; tries the database again every `retry`.
    pub(crate) fn new(
        db: PostgresBackend,
        spool: Spool,
        retry: Duration,
        max_records: u64,
    ) -> Self {
        let spooling = !spool.is_empty().unwrap_or(true);
        let spooled_records = spool.record_count().unwrap_or(0);
        Self {
            spooled_records,
            spooling_since: None,
            max_records,
            db,
            spool,
            known: HashMap::new(),
            spooling,
            checked: false,
            series_from: [0; 4],
            retry,
            next_try: None,
            stats: None,
            cold: false,
            relative: Relative::default(),
            reported: LogLimit::new(REPORT_INTERVAL),
            unmarked: None,
            last_contact: Instant::now(),
        }
    }

    /// Marks `run` started at the first contact with the database, which the start check could
    /// not reach, and sets how the previous run ended then. Until then the spool keeps the run:
    /// if it ends before without a clean stop, the next start reports it unclean.
    pub(crate) fn mark_at_contact(&mut self, run: RunStart) {
        self.unmarked = Some(run);
        if let Err(error) = self.spool.record_unmarked(run) {
            tracing::debug!(%error, "store: this run, started without postgres, is not kept in the spool");
        }
    }

    /// Spools `writes` after the database refused them (`why`).
    fn spool(&mut self, writes: &[Write], why: &BackendError) -> Result<(), BackendError> {
        self.spooling = true;
        self.spooling_since.get_or_insert_with(Instant::now);
        self.next_try = Some(Instant::now() + self.retry);
        self.keep_reason(why);
        self.set_spooled();
        let appended = self
            .append(writes)
            .map_err(|e| BackendError::new(format!("spool after {why}"), e));
        // After the append, so the report counts these records. The first refusal of an outage
        // is reported at once (`reported` is cleared when the spool is forwarded), later ones
        // once a minute.
        self.refused(why);
        appended
    }

    /// Adds `writes` to the spool, unless their records would take it past its bound: then the
    /// commit fails and the writer degrades (records dropped and counted, totals in memory)
    /// until the database is back.
    fn append(&mut self, writes: &[Write]) -> Result<(), BackendError> {
        let after = self.spooled_records.saturating_add(record_count(writes));
        if after > self.max_records {
            return Err(BackendError::new(
                "spool",
                format!(
                    "store.postgres.spool_max_records: expected at most {} spooled records, \
                     found {after}",
                    self.max_records
                ),
            ));
        }
        if self.cold {
            self.spool.append_cold(writes)?;
        } else {
            self.spool.append(writes)?;
        }
        self.spooled_records = after;
        Ok(())
    }

    /// Sends the spool, then `writes`, to the database; the spool is empty after success.
    fn forward(&mut self, writes: Vec<Write>) -> Result<(), BackendError> {
        self.settle()?;
        let (mut forwarded, mut chunks_forwarded) = (0_u64, 0_u64);
        loop {
            let records = self.spool.records(FORWARD_CHUNKS)?;
            if records.is_empty() {
                break;
            }
            let (keys, chunks): (Vec<Vec<u8>>, Vec<Write>) = records.into_iter().unzip();
            let sent = record_count(&chunks);
            chunks_forwarded += chunks.len() as u64;
            self.db.commit(chunks)?;
            self.spool.remove(&keys)?;
            // What the spool holds: a forward that fails halfway leaves the rest counted.
            self.spooled_records = self.spooled_records.saturating_sub(sent);
            forwarded += sent;
        }
        let (keys, mut totals): (Vec<Vec<u8>>, Vec<Write>) =
            self.spool.totals()?.into_iter().unzip();
        let spooled = forwarded > 0 || !keys.is_empty();
        totals.extend(writes);
        let epoch = self.spool.epoch()?;
        self.db.commit_marked(totals, Some(epoch))?;
        self.spool.remove(&keys)?;
        self.spool.next_epoch()?;
        if self.spooling {
            let outage_secs = self.spooling_since.map(|since| since.elapsed().as_secs());
            tracing::info!(
                records = forwarded,
                chunks = chunks_forwarded,
                outage_secs,
                "{}",
                back(spooled, forwarded)
            );
        }
        self.spooling_since = None;
        self.spooling = false;
        self.spooled_records = 0;
        self.last_contact = Instant::now();
        self.next_try = None;
        self.reported.reset();
        self.set_spooled();
        Ok(())
    }

    fn remember(&mut self, writes: &[Write]) {
        let mut newest_hour = None;
        for write in writes {
            if matches!(write.space, Space::Records(_)) {
                continue;
            }
            if write.space == Space::Series {
                newest_hour = newest_hour.max(write.key.first_chunk::<4>().copied());
            }
            self.known
                .insert((write.space, write.key.clone()), write.value.clone());
        }
        // Hours are written for an hour and then never again: keep the last two, so the cache
        // holds the totals still counted into (a late event of the previous hour included), not
        // every hour of the retention period.
        if let Some(newest) = newest_hour {
            let keep = u32::from_be_bytes(newest).saturating_sub(1).to_be_bytes();
            self.known
                .retain(|(space, key), _| *space != Space::Series || key.as_slice() >= &keep[..]);
        }
    }

    fn set_spooled(&self) {
        if let Some(stats) = &self.stats {
            stats.spooling.store(self.spooling, Ordering::Relaxed);
            if !self.spooling {
                stats.set_spooling_reason(None);
            }
        }
    }
}

/// The records in `writes` (a chunk the spool cannot read counts as one).
fn record_count(writes: &[Write]) -> u64 {
    writes
        .iter()
        .filter(|w| matches!(w.space, Space::Records(_)))
        .map(|w| chunk::span("record", &w.key, &w.value).map_or(1, |span| span.count))
        .sum()
}

impl Drop for SpoolingBackend {
    /// A gateway stopped while its spool still holds what PostgreSQL has not received says so:
    /// the next start forwards it, if the store directory is still there.
    fn drop(&mut self) {
        // Not for an outage an idle check found with nothing written since: nothing waits.
        if self.spooling && !self.spool.is_empty().unwrap_or(true) {
            tracing::warn!(
                records_in_spool = self.spooled_records,
                "store: stopping with records and totals still spooled locally (postgres not reached); the next start forwards them once postgres answers: keep the store directory"
            );
        }
    }
}

impl Backend for SpoolingBackend {
    fn load(&mut self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        if self.cold {
            // Counted from zero: this run's delta, or one an earlier cold run spooled.
            self.relative.loaded(space, key);
            if let Some(value) = self.known.get(&(space, key.to_vec())) {
                return Ok(Some(value.clone()));
            }
            return self.spool.get_cold(space, key);
        }
        // Loaded again: the ledger holds the absolute total from now on.
        self.relative.reloaded(space, key);
        if let Some(value) = self.known.get(&(space, key.to_vec())) {
            return Ok(Some(value.clone()));
        }
        // A spooled total is newer than the database's: the spool is forwarded before any
        // other total is written there (and a stale one is dropped first).
        self.settle()?;
        if let Some(value) = self.known.get(&(space, key.to_vec())) {
            return Ok(Some(value.clone()));
        }
        let value = self.older_total(space, key)?;
        if let Some(value) = &value {
            self.known.insert((space, key.to_vec()), value.clone());
        }
        Ok(value)
    }

    fn commit(&mut self, writes: Vec<Write>) -> Result<(), BackendError> {
        let mut due = self.next_try.is_none_or(|at| Instant::now() >= at);
        let mut not_reached = None;
        if self.cold && due {
            if let Err(error) = self.settle() {
                self.next_try = Some(Instant::now() + self.retry);
                due = false;
                not_reached = Some(error);
            }
        }
        let writes = self.relative.absolute(writes)?;
        let result = match (self.spooling, due) {
            (true, false) => self.append(&writes),
            (true, true) => match self.forward(writes.clone()) {
                Ok(()) => Ok(()),
                Err(error) => self.spool(&writes, &error),
            },
            (false, _) => match self.db.commit(writes.clone()) {
                Ok(()) => {
                    self.last_contact = Instant::now();
                    Ok(())
                }
                Err(error) => self.spool(&writes, &error),
            },
        };
        // After the append, as in `spool`: the report counts this batch's records too.
        if let Some(error) = not_reached {
            self.refused(&error);
        }
        if result.is_ok() {
            self.remember(&writes);
        }
        result
    }

    fn segments(&mut self) -> Result<Vec<Day>, BackendError> {
        if self.cold {
            // The database's days are not known yet: today's retention finds nothing to drop
            // (instead of trying the database at every idle tick); tomorrow's runs again.
            return Ok(Vec::new());
        }
        self.db.segments()
    }

    fn last_record_key(&mut self) -> Result<Option<Vec<u8>>, BackendError> {
        let stored = match self.db.last_record_key() {
            Ok(stored) => self.settle().map(|()| stored),
            Err(error) => Err(error),
        };
        let stored = match stored {
            Ok(stored) => stored,
            // Not reached once since the start: spool from the first comparison.
            Err(error) if !self.checked => {
                self.go_cold(&error);
                None
            }
            Err(error) => return Err(error),
        };
        let spooled = match self.spool.last_record()? {
            Some(write) => Some(
                chunk::span("record", &write.key, &write.value)
                    .map_err(|e| BackendError::new("read the last spooled record", e))?
                    .last_key
                    .to_vec(),
            ),
            None => None,
        };
        Ok(stored.max(spooled))
    }

    fn drop_segment(&mut self, day: Day) -> Result<u64, BackendError> {
        self.db.drop_segment(day)
    }

    fn prune(&mut self, space: Space, before: &[u8]) -> Result<u64, BackendError> {
        self.known
            .retain(|(s, key), _| *s != space || key.as_slice() >= before);
        self.relative.prune(space, before);
        if self.cold {
            return Ok(0);
        }
        self.db.prune(space, before)
    }

    fn recover(&mut self) -> Result<(), BackendError> {
        // Degraded (the spool full), the writer retries here, not through `commit`: the
        // readiness detail still follows the latest failure (the writer logs it).
        self.db.recover().inspect_err(|error| {
            if let (true, Some(stats)) = (self.spooling, &self.stats) {
                stats.set_spooling_reason(Some(Outage::spooling_reason(error)));
            }
        })
    }

    fn tick(&mut self) -> Result<(), BackendError> {
        if !self.spooling {
            self.check_idle();
            return Ok(());
        }
        let due = self.next_try.is_none_or(|at| Instant::now() >= at);
        if !due {
            return Ok(());
        }
        self.forward(Vec::new()).inspect_err(|error| {
            self.refused(error);
            self.next_try = Some(Instant::now() + self.retry);
        })
    }

    fn attach(&mut self, stats: Arc<StoreStats>) {
        stats.spooling.store(self.spooling, Ordering::Relaxed);
        self.stats = Some(stats);
    }
}

/// The line that ends an outage: the records forwarded, or that nothing was spooled (an outage
/// the idle check found and that no write met), rather than `(0 records)`.
fn back(spooled: bool, forwarded: u64) -> String {
    match (spooled, forwarded) {
        (false, _) => "store: postgres is back (nothing was spooled)".to_owned(),
        (true, 1) => "store: postgres is back; the spool is forwarded (1 record)".to_owned(),
        (true, n) => format!("store: postgres is back; the spool is forwarded ({n} records)"),
    }
}
