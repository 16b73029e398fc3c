//! The mismatch store: durable records of every mismatch, shadow error and unencodable answer,
//! and persisted per-strategy counters of every comparison outcome.
//!
//! The gateway's tasks send one [`Event`] per comparison through a [`Recorder`], which never
//! blocks: a full channel is a counted drop. One writer thread gathers events for at most
//! `flush_interval_ms` or `batch_max_records` and stores them in one group commit with one flush;
//! counters and groups go in the same commit, so they survive restarts. A record is durable once
//! its id has been passed to [`WriterOptions::on_flush`]. If the backend fails, the store goes
//! degraded: records are counted as dropped (`write_error`), counting continues in memory and
//! every `retry_interval_ms` the writer reopens the database (sled keeps its first I/O error until
//! reopened); the counters of the degraded period are persisted by the first commit that works.
//! A disk that fails at open starts the store degraded instead of failing the gateway's start.
//!
//! Keys are big-endian time + sequence ([`RecordId`]), values a version byte + JSON ([`codec`]);
//! the writer thread stores each commit's records up to 16 per key, compressed together with zstd
//! off the live path ([`chunk`]): sled's memory grows with keys, not bytes.
//! Records live in one segment per UTC day, so retention drops whole days.
//!
//! # Layout
//! - `config`: [`StoreConfig`], the `[store]` config section.
//! - `event`, `record`, `masked_json`: what the gateway sends ([`Event`], [`Mismatch`]) and what
//!   is stored; messages in it as masked JSON text ([`MaskedJson`]).
//! - `id`, `time`, `codec`, `chunk`: keys, days and clocks, the on-disk format, records stored a
//!   few per key.
//! - `counters`, `group`, `ledger`: persisted totals and how the writer keeps them.
//! - `series`: hourly comparisons and failures per strategy and group, for daily charts.
//! - `suppressed`: what each comparison rule hid, tallied in memory and persisted per strategy.
//! - `recorder`, `writer`, `options`, `commit`, `retention`: the write path; `refused`: what the
//!   writer's full channel refused, tallied per strategy for the writer's totals.
//! - `backend`, `sled_backend`, `shared`, `failing`: the storage seam, sled, the database the writer
//!   reopens and readers follow, and a failing test backend.
//! - `reader`, `query`: listing, lookup, summary and groups.
//! - `stats`, `error`, `open`: statistics, errors, and [`Store`] tying it together.
//! - `run`: each run's start and clean stop marked in the store, so a start after a SIGKILL, a
//!   crash or a power loss says that the previous run did not stop cleanly ([`PreviousRun`]).
//! - `postgres`: the fleet backend, a PostgreSQL database shared by many gateways
//!   (`store.backend = "postgres"`).
//! - `reconciles`: batch reconciliation runs ([`ReconcileRun`]), written by `shadowgate
//!   reconcile` while no gateway holds the store.

mod backend;
pub mod chunk;
pub mod codec;
mod commit;
mod config;
pub mod confirmation;
mod counters;
mod error;
mod event;
mod failing;
mod group;
mod id;
pub mod keyring;
mod ledger;
mod masked_json;
mod open;
mod options;
pub mod payload;
pub mod postgres;
mod query;
mod reader;
mod reconciles;
mod record;
mod recorder;
mod refused;
pub mod replays;
mod retention;
mod run;
mod series;
pub(crate) mod shared;
mod sled_backend;
mod snapshot_debris;
mod stats;
mod suppressed;
mod time;
mod writer;

pub use backend::{Backend, BackendError, Space, Write};
pub use config::StoreConfig;
pub use confirmation::{ConfirmResult, Confirmation, NOISE_PREFIX};
pub use counters::StrategyCounters;
pub use error::{AdminUrl, StoreError};
pub use event::Event;
pub use failing::FailingBackend;
pub use group::{Group, GROUP_EXAMPLES};
pub use id::{InvalidId, RecordId};
pub use keyring::KeyRing;
pub use masked_json::MaskedJson;
pub use open::Store;
pub use options::{FlushHook, WriterOptions};
pub use payload::{PayloadError, RawPayload};
pub use query::{ListQuery, Page, DEFAULT_LIMIT, MAX_LIMIT};
pub use reader::Reader;
pub use reconciles::{
    save_reconcile, save_reconcile_to_fleet, ReconcileBadRow, ReconcileCounts, ReconcileExample,
    ReconcileGroup, ReconcileRow, ReconcileRun, ReconcileSuppressed, SaveError,
    DUPLICATE_ROWS_SHOWN,
};
pub use record::{Difference, Mismatch, MismatchRecord, RecordKind};
pub use recorder::{Dropped, Recorder};
pub use replays::{GroupReplay, GroupRun, ReplayCase, ReplayRun};
pub use run::{LossBounds, PreviousRun, RunStart};
pub use series::{hour_of, HourCounts, SeriesPoint, MICROS_PER_HOUR};
pub use sled_backend::SledBackend;
pub use stats::{ByteForm, DropReason, SpoolingReason, StoreStats};
pub use suppressed::{
    DayTotals, RuleTotal, SuppressionCounters, SuppressionTally, DAYS_KEPT, SEND_EVERY,
};
pub use time::{
    format_micros, parse_rfc3339, Clock, Day, ManualClock, SystemClock, MICROS_PER_DAY,
};
pub use writer::Writer;

#[cfg(test)]
mod tests;
