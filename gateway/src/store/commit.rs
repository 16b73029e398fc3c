//! One group commit: turn a batch of events into writes, flush once, and degrade on failure.
//!
//! Counters and groups are counted even when records cannot be stored, so totals stay right and
//! a dropped record is visible as a gap between the counters and the records, plus
//! `dropped{write_error}`, and counted in its strategy's totals (`records_dropped`, with when) so
//! that a review says so; the events the channel refused (`dropped{channel_full}`) are added to
//! the same totals by the next commit ([`Committer::refused`]). While degraded, records are dropped without touching the backend until
//! the next recovery attempt (a reopen) is due; the first commit after it writes the totals
//! counted meanwhile.
//!
//! Records are compressed here, on the writer thread, so the live path never pays for it: each
//! commit's records go in chunks of up to 16 per key ([`super::chunk`]), since sled's memory
//! grows with keys. The bytes before and after are counted for `store_record_bytes_total`.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::backend::{Backend, Space, Write};
use super::chunk::{ChunkEncoder, CHUNK_MAX_BYTES, CHUNK_RECORDS};
use super::codec::{self, CodecError, Encoded};
use super::config::StoreConfig;
use super::counters::StrategyCounters;
use super::event::Event;
use super::group::Group;
use super::id::RecordId;
use super::keyring::KeyRing;
use super::ledger::Ledger;
use super::options::WriterOptions;
use super::record::{MismatchRecord, RecordKind};
use super::retention::Retention;
use super::series::{group_key, hour_of, strategy_key, HourCounts};
use super::stats::{DropReason, StoreStats};
use super::suppressed::SuppressionCounters;
use crate::log_limit::LogLimit;
use crate::outcome::ShadowOutcome;

/// How often a failing reopen is said again while the store stays degraded.
const REOPEN_REPORT_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// A record in a flush: its kind, id and strategy.
type Stored = (RecordKind, RecordId, Arc<str>);

/// The writer thread's state between batches.
pub(crate) struct Committer {
    backend: Box<dyn Backend>,
    /// Compresses records in chunks; `None` if zstd could not start, and records are then
    /// stored plain, one per key.
    encoder: Option<ChunkEncoder>,
    options: WriterOptions,
    stats: Arc<StoreStats>,
    counters: Ledger<StrategyCounters>,
    groups: Ledger<Group>,
    suppressed: Ledger<SuppressionCounters>,
    series: Ledger<HourCounts>,
    retention: Retention,
    last_id: Option<RecordId>,
    /// Events counted since the last successful commit.
    uncommitted_events: u64,
    /// Totals of events the channel refused were added since the last commit: the next one
    /// writes them even without an event.
    refused_pending: bool,
    /// While degraded: when to try recovering next, microseconds since the epoch.
    retry_at: Option<u64>,
    retry_interval_micros: u64,
    /// Failed reopens while degraded, said once a minute with their count: the store retries
    /// every `retry_interval_ms` (5 s by default) for as long as its disk or database is away.
    reopen_failures: LogLimit,
    /// Seals raw payloads ([`super::payload`]); `None`: nothing raw is stored.
    keys: Option<Arc<KeyRing>>,
}

impl Committer {
    pub(crate) fn new(
        backend: Box<dyn Backend>,
        config: &StoreConfig,
        options: WriterOptions,
        stats: Arc<StoreStats>,
        keys: Option<Arc<KeyRing>>,
    ) -> Self {
        let encoder = config
            .compress_records
            .then(|| {
                ChunkEncoder::new()
                    .inspect_err(|error| {
                        tracing::error!(%error, "store records are written uncompressed: zstd did not start");
                    })
                    .ok()
            })
            .flatten();
        Self {
            backend,
            encoder,
            options,
            stats,
            counters: Ledger::new(Space::Counters),
            groups: Ledger::new(Space::Groups),
            suppressed: Ledger::new(Space::Suppressed),
            series: Ledger::new(Space::Series),
            retention: Retention::new(config.retention_days),
            last_id: None,
            uncommitted_events: 0,
            refused_pending: false,
            retry_at: None,
            retry_interval_micros: config.retry_interval_ms.saturating_mul(1_000),
            reopen_failures: LogLimit::new(REOPEN_REPORT_INTERVAL),
            keys,
        }
    }

    /// Counts and stores `events` in one group commit.
    pub(crate) fn commit(&mut self, events: Vec<Event>) {
        let now = self.options.clock.now_micros();
        let retry_due = self.retry_at.is_some_and(|at| now >= at);
        if events.is_empty() && !retry_due && !self.refused_pending {
            return;
        }
        self.refused_pending = false;
        // Degraded and due: reopen first, so this batch's keys follow what the database holds.
        let store_records = self.retry_at.is_none() || (retry_due && self.reopen(now));
        self.uncommitted_events += events.len() as u64;
        let mut writes = Vec::new();
        let mut stored: Vec<Stored> = Vec::new();
        let mut lost: Vec<RecordId> = Vec::new();
        // Records to store, in id order.
        let mut pending: Vec<MismatchRecord> = Vec::new();
        for event in events {
            let strategy = Arc::clone(event.strategy());
            let outcome = match event {
                Event::Suppressed { counts, day, .. } => {
                    let make = || SuppressionCounters::new(&strategy);
                    let add = |s: &mut SuppressionCounters| s.add_on(day, &counts);
                    self.suppressed.update(strategy.as_bytes(), make, add);
                    continue;
                }
                Event::Counted { outcome, .. } => outcome,
                Event::Record(ref mismatch) => mismatch.outcome(),
            };
            let Event::Record(mut mismatch) = event else {
                self.count_hour(&strategy, None, outcome, now);
                let count = |c: &mut StrategyCounters| c.count(outcome, now);
                self.counters.update(
                    strategy.as_bytes(),
                    || StrategyCounters::new(&strategy),
                    count,
                );
                continue;
            };
            let id = self.next_id(now);
            let payload = mismatch.payload.take();
            self.count_hour(&strategy, Some(&mismatch.signature), outcome, id.micros);
            let count = |c: &mut StrategyCounters| c.count(outcome, id.micros);
            self.counters.update(
                strategy.as_bytes(),
                || StrategyCounters::new(&strategy),
                count,
            );
            let record = MismatchRecord {
                id,
                time_micros: id.micros,
                mismatch: *mismatch,
            };
            let key = Group::key(&strategy, &record.mismatch.signature);
            self.groups
                .update(&key, Group::default, |g| g.absorb(&Group::of(&record)));
            if !store_records {
                self.dropped(&strategy, id);
                lost.push(id);
                continue;
            }
            if let Some(payload) = payload {
                self.seal(id, &payload, &mut writes);
            }
            pending.push(record);
        }
        if store_records {
            let bytes = self.encode(pending, &mut writes, &mut stored, &mut lost);
            self.flush(writes, &stored, bytes, now);
        }
        if self.retry_at.is_some() {
            lost.extend(stored.iter().map(|(_, id, _)| *id));
        }
        if !lost.is_empty() {
            self.groups.fix_dirty(|group| group.forget(&lost));
        }
    }

    /// Adds the totals of events the writer's channel refused ([`super::refused`]) to their
    /// strategies' totals, written by the next commit (or, degraded, with the others once the
    /// store takes them again).
    pub(crate) fn refused(&mut self, totals: Vec<StrategyCounters>) {
        for delta in totals {
            let strategy = delta.strategy.clone();
            self.counters.update(
                strategy.as_bytes(),
                || StrategyCounters::new(&strategy),
                |c| c.absorb(&delta),
            );
            self.refused_pending = true;
        }
    }

    /// Adds `records` (in id order) to `writes` as chunks of at most [`CHUNK_RECORDS`] records of
    /// one day and [`CHUNK_MAX_BYTES`] (unless one record), each keyed by its first record's id,
    /// or one plain record per key when zstd could not start or compression is off. Returns the
    /// record bytes (plain JSON, as stored) for the byte counters.
    fn encode(
        &mut self,
        records: Vec<MismatchRecord>,
        writes: &mut Vec<Write>,
        stored: &mut Vec<Stored>,
        lost: &mut Vec<RecordId>,
    ) -> (u64, u64) {
        let (mut raw, mut kept) = (0_u64, 0_u64);
        let mut refused = |id: RecordId, error: &CodecError, strategy: &str| {
            tracing::error!(%error, strategy, "store record not encodable");
            self.stats.add_dropped(DropReason::EncodeError, 1);
            lost.push(id);
        };
        let Some(encoder) = self.encoder.as_mut() else {
            for record in &records {
                match codec::encode("record", record) {
                    Ok(bytes) => {
                        raw += bytes.len() as u64;
                        kept += bytes.len() as u64;
                        let space = Space::Records(record.id.day());
                        let key = record.id.to_key().to_vec();
                        writes.push(Write {
                            space,
                            key,
                            value: bytes,
                        });
                        stored.push((
                            record.mismatch.kind,
                            record.id,
                            Arc::clone(&record.mismatch.strategy),
                        ));
                    }
                    Err(error) => refused(record.id, &error, &record.mismatch.strategy),
                }
            }
            return (raw, kept);
        };
        // Chunks still to encode, the next one last; one over CHUNK_MAX_BYTES comes back halved.
        let mut todo: Vec<Vec<&MismatchRecord>> = records
            .chunk_by(|a, b| a.id.day() == b.id.day())
            .flat_map(|day| day.chunks(CHUNK_RECORDS))
            .rev()
            .map(|chunk| chunk.iter().collect())
            .collect();
        while let Some(chunk) = todo.pop() {
            let mut members = Vec::with_capacity(chunk.len());
            for record in chunk {
                match encoder.push("record", record.id.to_key(), record) {
                    Ok(()) => members.push(record),
                    Err(error) => refused(record.id, &error, &record.mismatch.strategy),
                }
            }
            let Some(first) = members.first().map(|record| record.id) else {
                continue;
            };
            match encoder.finish("record") {
                Some(Ok(encoded)) if encoded.bytes.len() > CHUNK_MAX_BYTES && members.len() > 1 => {
                    let back = members.split_off(members.len() / 2);
                    todo.push(back);
                    todo.push(members);
                }
                Some(Ok(Encoded { bytes, raw_len })) => {
                    raw += raw_len as u64;
                    kept += bytes.len() as u64;
                    writes.push(Write {
                        space: Space::Records(first.day()),
                        key: first.to_key().to_vec(),
                        value: bytes,
                    });
                    stored.extend(
                        members
                            .iter()
                            .map(|r| (r.mismatch.kind, r.id, Arc::clone(&r.mismatch.strategy))),
                    );
                }
                Some(Err(error)) => {
                    for record in members {
                        refused(record.id, &error, &record.mismatch.strategy);
                    }
                }
                None => {}
            }
        }
        (raw, kept)
    }

    /// Adds the sealed raw payload of record `id` to `writes`, when a key is configured. A
    /// payload that cannot be sealed is logged (never its bytes) and the record kept without it.
    fn seal(&self, id: RecordId, payload: &super::RawPayload, writes: &mut Vec<Write>) {
        let Some(keys) = &self.keys else { return };
        match payload.seal(keys, id) {
            Ok(value) => writes.push(Write {
                space: Space::Payloads,
                key: id.to_key().to_vec(),
                value,
            }),
            Err(error) => tracing::error!(%error, record = %id, "raw payload not stored"),
        }
    }

    /// Continues after the newest stored key, before the first batch. A backend that cannot
    /// say (the store did not open) starts degraded, with a reopen due at once.
    pub(crate) fn resume(&mut self) {
        match self.backend.last_record_key() {
            Ok(key) => {
                self.last_id = self
                    .last_id
                    .max(key.as_deref().and_then(RecordId::from_key))
            }
            Err(error) => {
                tracing::warn!(%error, "store writer could not read its last key; degraded");
                self.stats.degraded.store(true, Ordering::Relaxed);
                self.retry_at = Some(self.options.clock.now_micros());
            }
        }
    }

    /// Tries a last reopen if degraded, so the degraded period's counters are persisted; what
    /// still cannot be is logged and counted (`unpersisted_events`), never lost silently.
    pub(crate) fn close(&mut self) {
        if self.retry_at.is_none() {
            return;
        }
        self.retry_at = Some(0);
        self.commit(Vec::new());
        if self.retry_at.is_none() {
            return;
        }
        let events = std::mem::take(&mut self.uncommitted_events);
        self.stats
            .unpersisted_events
            .fetch_add(events, Ordering::Relaxed);
        tracing::error!(
            events,
            "store closed degraded: comparisons counted since the last commit are not persisted"
        );
        for c in self.counters.dirty() {
            tracing::error!(
                strategy = %c.strategy, matches = c.matches, mismatches = c.mismatches,
                shadow_errors = c.shadow_errors, unencodable = c.unencodable, skipped = c.skipped,
                "store closed degraded: these counters were not persisted"
            );
        }
    }

    /// Degraded and due: reopens the backend. On failure the next attempt is scheduled and the
    /// batch's records are dropped.
    fn reopen(&mut self, now: u64) -> bool {
        match self.backend.recover() {
            Ok(()) => {
                self.stats.reopens.fetch_add(1, Ordering::Relaxed);
                self.reopen_failures.reset();
                self.resume();
                true
            }
            Err(error) => {
                if let Some(attempts) = self.reopen_failures.note(std::time::Instant::now()) {
                    tracing::warn!(
                        %error,
                        attempts,
                        "store still degraded: reopening failed (said once a minute while it lasts)"
                    );
                }
                self.retry_at = Some(now.saturating_add(self.retry_interval_micros));
                false
            }
        }
    }

    /// Idle work: the backend's own (a spool to forward), and expired day segments removed (not
    /// while degraded: the backend is failing anyway).
    pub(crate) fn maintain(&mut self) {
        if self.retry_at.is_none() {
            if let Err(error) = self.backend.tick() {
                tracing::debug!(%error, "store backend: idle work failed; tried again later");
            }
            let now = self.options.clock.now_micros();
            self.retention
                .enforce(self.backend.as_mut(), &self.stats, now);
        }
    }

    /// Recovers if needed, adds the totals, and flushes; on failure drops the batch's records.
    /// `bytes` are the batch's record bytes (plain JSON, as stored), counted once durable.
    fn flush(&mut self, mut writes: Vec<Write>, stored: &[Stored], bytes: (u64, u64), now: u64) {
        let result = (|| {
            // The counters last: a commit is not atomic across spaces on every backend (sled's
            // inserts are seen one by one), and readers poll the counters (the report, the
            // summary API) then read the groups and records. Written after them, counters that
            // count a comparison are never seen before its group and record are.
            self.groups.writes(self.backend.as_mut(), &mut writes)?;
            self.suppressed.writes(self.backend.as_mut(), &mut writes)?;
            self.series.writes(self.backend.as_mut(), &mut writes)?;
            self.counters.writes(self.backend.as_mut(), &mut writes)?;
            self.backend.commit(writes)
        })();
        match result {
            Ok(()) => {
                if self.retry_at.take().is_some() {
                    tracing::info!("store recovered; records are stored again");
                    self.stats.degraded.store(false, Ordering::Relaxed);
                }
                self.counters.committed();
                self.groups.committed();
                self.suppressed.committed();
                self.series.committed();
                self.series.forget_committed();
                for (kind, _, _) in stored {
                    self.stats.add_written(*kind, 1);
                }
                self.stats.add_record_bytes(bytes.0, bytes.1);
                self.stats.flushes.fetch_add(1, Ordering::Relaxed);
                let events = std::mem::take(&mut self.uncommitted_events);
                self.stats
                    .events_committed
                    .fetch_add(events, Ordering::Relaxed);
                if let (Some(hook), false) = (&self.options.on_flush, stored.is_empty()) {
                    let ids: Vec<RecordId> = stored.iter().map(|(_, id, _)| *id).collect();
                    hook(&ids);
                }
            }
            Err(error) => {
                if self.retry_at.is_none() {
                    tracing::error!(%error, "store degraded: records are dropped until it recovers");
                }
                self.stats.degraded.store(true, Ordering::Relaxed);
                for (_, id, strategy) in stored {
                    self.dropped(strategy, *id);
                }
                self.retry_at = Some(now.saturating_add(self.retry_interval_micros));
            }
        }
    }

    /// Counts record `id` of `strategy` as dropped (the store did not take it): in the metric,
    /// and in the strategy's totals, written with them once the store takes them again.
    fn dropped(&mut self, strategy: &Arc<str>, id: RecordId) {
        self.stats.add_dropped(DropReason::WriteError, 1);
        self.counters.update(
            strategy.as_bytes(),
            || StrategyCounters::new(strategy),
            |c| c.dropped(id.micros),
        );
    }

    /// Counts a comparison in its strategy's hour and, for a record, in its group's hour.
    fn count_hour(
        &mut self,
        strategy: &str,
        signature: Option<&str>,
        outcome: ShadowOutcome,
        micros: u64,
    ) {
        if !outcome.is_comparison() {
            return;
        }
        let hour = hour_of(micros);
        let failed = u64::from(outcome.breaks_clean_streak());
        self.series
            .update(&strategy_key(hour, strategy), HourCounts::default, |c| {
                c.comparisons += 1;
                c.failures += failed;
            });
        if let Some(signature) = signature {
            self.series.update(
                &group_key(hour, strategy, signature),
                HourCounts::default,
                |c| c.failures += 1,
            );
        }
    }

    /// The next key: never behind the previous one, even if the clock steps back.
    fn next_id(&mut self, now: u64) -> RecordId {
        let id = match self.last_id {
            Some(last) if now <= last.micros => match last.seq.checked_add(1) {
                Some(seq) => RecordId {
                    micros: last.micros,
                    seq,
                },
                None => RecordId {
                    micros: last.micros + 1,
                    seq: 0,
                },
            },
            _ => RecordId {
                micros: now,
                seq: 0,
            },
        };
        self.last_id = Some(id);
        id
    }
}
