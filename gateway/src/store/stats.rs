//! Store statistics as plain atomics, for metrics and tests.
//!
//! Prometheus handles are wired from these elsewhere; keeping them as atomics lets the writer
//! thread and the gateway's tasks update them without locks or a metrics dependency here.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use super::record::RecordKind;
use super::run::{LossBounds, PreviousRun};

/// Why an event or record was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// The writer's channel was full; the caller did not wait.
    ChannelFull,
    /// The backend failed, or the store is degraded.
    WriteError,
    /// The record could not be encoded.
    EncodeError,
}

impl DropReason {
    /// Every reason, for exporting.
    pub const ALL: [DropReason; 3] = [Self::ChannelFull, Self::WriteError, Self::EncodeError];

    /// The metric label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ChannelFull => "channel_full",
            Self::WriteError => "write_error",
            Self::EncodeError => "encode_error",
        }
    }
}

/// A record's size before or after the store's encoding, for the byte counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ByteForm {
    /// As plain JSON (what it would take uncompressed).
    Raw,
    /// As written to the backend (zstd-compressed).
    Stored,
}

impl ByteForm {
    /// Every form, for exporting.
    pub const ALL: [ByteForm; 2] = [Self::Raw, Self::Stored];

    /// The metric label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Raw => "raw",
            Self::Stored => "stored",
        }
    }
}

/// Counters shared by the writer thread and every [`super::Recorder`].
#[derive(Debug, Default)]
pub struct StoreStats {
    /// Records made durable, per kind (indexed like [`RecordKind::ALL`]).
    written: [AtomicU64; 3],
    /// Events or records not stored, per reason (indexed like [`DropReason::ALL`]).
    dropped: [AtomicU64; 3],
    /// Bytes of the records made durable, per form (indexed like [`ByteForm::ALL`]).
    record_bytes: [AtomicU64; 2],
    /// True while the backend is failing and records are being dropped.
    pub degraded: AtomicBool,
    /// Day segments removed by retention.
    pub retention_segments_removed: AtomicU64,
    /// Records removed by retention.
    pub retention_records_removed: AtomicU64,
    /// Successful group commits (one flush each).
    pub flushes: AtomicU64,
    /// Events whose effects are durable (matches and skipped included).
    pub events_committed: AtomicU64,
    /// Events handed to the writer (each ends committed, dropped or unpersisted): a caller that
    /// needs everything sent so far to be durable waits until `events_committed` reaches it.
    pub events_accepted: AtomicU64,
    /// Times the database was reopened after a failure.
    pub reopens: AtomicU64,
    /// Events counted but never persisted: the store closed while degraded.
    pub unpersisted_events: AtomicU64,
    /// True while PostgreSQL is unreachable and the writer spools to the local store (or a
    /// spool is still waiting to be forwarded).
    pub spooling: AtomicBool,
    /// Why the last attempt to reach PostgreSQL failed while spooling, for the readiness views;
    /// `None` when not spooling.
    spooling_reason: Mutex<Option<SpoolingReason>>,
    /// How the previous run on this store ended, found when the store opened (or, started
    /// without PostgreSQL, when it first answered).
    previous_run: OnceLock<PreviousRun>,
    /// Where the store is and what an unclean previous run may have lost, for its announcement:
    /// known to the gateway once it has its strategies.
    loss: OnceLock<(String, LossBounds)>,
    /// The previous run was announced (once, by whichever of the two comes last).
    announced: AtomicBool,
}

/// Why the writer spools: the kind of the outage, and the last attempt's error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpoolingReason {
    /// The kind alone (`unreachable`, `login refused`, `tls refused`): what the unauthenticated
    /// `/readyz` may say, as it holds no server's words, user, host or URL.
    pub kind: &'static str,
    /// The kind as a phrase, then the error with what the server said: `postgres refused the
    /// login (store backend failed to connect to postgres: FATAL: password authentication failed
    /// for user "gw" (SQLSTATE 28P01))`; shown behind the admin token only.
    pub detail: String,
}

impl StoreStats {
    /// Records of `kind` made durable.
    pub fn written(&self, kind: RecordKind) -> u64 {
        self.written[kind_index(kind)].load(Ordering::Relaxed)
    }

    /// Events or records dropped for `reason`.
    pub fn dropped(&self, reason: DropReason) -> u64 {
        self.dropped[reason as usize].load(Ordering::Relaxed)
    }

    /// Bytes of the records made durable, in `form`.
    pub fn record_bytes(&self, form: ByteForm) -> u64 {
        self.record_bytes[form as usize].load(Ordering::Relaxed)
    }

    /// Whether the store is degraded.
    pub fn is_degraded(&self) -> bool {
        self.degraded.load(Ordering::Relaxed)
    }

    /// Why the last attempt to reach PostgreSQL failed, while the writer spools, in full
    /// ([`SpoolingReason::detail`]); `None` when it does not (or has not been told why).
    pub fn spooling_reason(&self) -> Option<String> {
        self.spooling_why().map(|why| why.detail)
    }

    /// Why the writer spools, kind and detail; `None` when it does not (or has not been told).
    pub fn spooling_why(&self) -> Option<SpoolingReason> {
        // A poisoned lock still holds a whole value: set and cleared in one assignment.
        self.spooling_reason
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Sets or clears (`None`) [`StoreStats::spooling_why`].
    pub(crate) fn set_spooling_reason(&self, reason: Option<SpoolingReason>) {
        let mut held = self
            .spooling_reason
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *held = reason;
    }

    /// How the previous run on this store ended ([`PreviousRun::Unknown`] until the store has
    /// looked).
    pub fn previous_run(&self) -> PreviousRun {
        self.previous_run.get().copied().unwrap_or_default()
    }

    /// Whether the store has looked how the previous run ended (and so marked this one).
    pub(crate) fn previous_run_known(&self) -> bool {
        self.previous_run.get().is_some()
    }

    /// Sets [`StoreStats::previous_run`], once: the store looks when it opens, or a run started
    /// without PostgreSQL when it first answers; then announces it if the bounds are known.
    pub(crate) fn set_previous_run(&self, previous: PreviousRun) {
        let _ = self.previous_run.set(previous);
        self.announce_previous_run();
    }

    /// Sets where the store is and what an unclean previous run may have lost, then announces
    /// that run if it is known.
    pub(crate) fn set_loss_bounds(&self, store: String, bounds: LossBounds) {
        let _ = self.loss.set((store, bounds));
        self.announce_previous_run();
    }

    /// Says once ([`PreviousRun::announce`]) how the previous run ended, when both it and the
    /// loss bounds are known: at the start, or at the first contact of a run started without
    /// PostgreSQL.
    fn announce_previous_run(&self) {
        let (Some(previous), Some((store, bounds))) = (self.previous_run.get(), self.loss.get())
        else {
            return;
        };
        if !self.announced.swap(true, Ordering::SeqCst) {
            previous.announce(store, *bounds);
        }
    }

    pub(crate) fn add_written(&self, kind: RecordKind, n: u64) {
        self.written[kind_index(kind)].fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn add_record_bytes(&self, raw: u64, stored: u64) {
        self.record_bytes[ByteForm::Raw as usize].fetch_add(raw, Ordering::Relaxed);
        self.record_bytes[ByteForm::Stored as usize].fetch_add(stored, Ordering::Relaxed);
    }

    pub(crate) fn add_dropped(&self, reason: DropReason, n: u64) {
        self.dropped[reason as usize].fetch_add(n, Ordering::Relaxed);
    }
}

fn kind_index(kind: RecordKind) -> usize {
    match kind {
        RecordKind::Mismatch => 0,
        RecordKind::ShadowError => 1,
        RecordKind::Unencodable => 2,
    }
}
