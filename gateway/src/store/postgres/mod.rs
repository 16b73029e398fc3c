//! The fleet backend: the store in a PostgreSQL database that many gateways share.
//!
//! Each gateway's writer thread writes its own rows, tagged with its instance name, through the
//! same [`super::Backend`] seam as sled: records as the opaque chunks the writer encodes, and
//! absolute per-instance totals (counters, groups, suppression counts, hourly series) with typed
//! columns beside them for SQL over the fleet. Totals are upserts of absolute values keyed by
//! (instance, key), so a batch retried after a lost acknowledgement never double-counts; a
//! fleet total is the sum over instances.
//!
//! The writer is a plain thread, so this uses `postgres`, the blocking client of the
//! rust-postgres project (it drives `tokio-postgres` on its own small runtime).
//!
//! # Layout
//! - `config`: [`PostgresConfig`] (`[store.postgres]`), [`BackendKind`] (`store.backend`).
//! - `connect`: deadlines, TLS, the per-instance lock, then `schema`'s numbered migrations.
//! - `held`: an instance name another running gateway holds, and which session holds it.
//! - `error`: a client error shown with what the server said (not only `db error`).
//! - `rows`: one group commit as one multi-row upsert per table.
//! - `backend`: [`PostgresBackend`].
//! - `runs`: the instance's run mark, so a start says when the previous run did not stop
//!   cleanly ([`crate::store::PreviousRun`]); a clean stop made during an outage, and a run
//!   started during one, are kept in the spool (`spool/runs.rs`) for the next start that
//!   reaches the database.
//! - `spool`, `spooling`: the local spool in the gateway's sled directory while the database is
//!   unreachable, and [`SpoolingBackend`], which writes there and forwards it when it is back.
//! - `cold`: totals counted from zero by a gateway started while the database was unreachable,
//!   added to the instance's at the first contact (`spooling/contact.rs`).
//! - `ledger`: the fleet's audit trail and the triage values it records, one hash chain for
//!   every gateway, appended to under a transaction-scoped advisory lock
//!   (`crate::triage::TriageLedger::Fleet`).
//! - `replays`: the fleet's replay runs, beside the triage values (tree `replays`), a run that
//!   started in the microsecond of another moved one on, never over it.
//! - `save`: [`save_to_fleet`], one commit from a command (a reconcile run), not a gateway.
//! - `fleet`, `fleet_totals`, `fleet_records`, `fleet_view`: the fleet's read model, every
//!   instance's rows read back as one store (totals merged, records merged by time) with a
//!   per-instance breakdown ([`FleetView`]), behind [`crate::store::Reader`].

mod backend;
mod cold;
mod config;
mod connect;
pub(crate) mod error;
mod fleet;
mod fleet_records;
mod fleet_totals;
mod fleet_view;
mod held;
pub(crate) mod ledger;
pub(crate) mod replays;
mod rows;
mod runs;
mod save;
mod schema;
mod spool;
mod spooling;

pub use backend::PostgresBackend;
pub use config::{BackendKind, PostgresConfig, SslMode};
pub(crate) use connect::try_session;
pub(crate) use error::{explained, refused_certificate, Outage};
pub(crate) use fleet::FleetReader;
pub use fleet_view::{FleetView, InstanceTotals};
pub(crate) use runs::CleanStop;
pub use save::save_to_fleet;
pub(crate) use spool::Spool;
pub use spooling::SpoolingBackend;
