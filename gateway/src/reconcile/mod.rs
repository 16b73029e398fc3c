//! `shadowgate reconcile`: batch results compared table against table, with the same rules,
//! signatures, masking and readiness arithmetic as the online comparison.
//!
//! Two sides (`legacy`, `new`) each come from a fixed-length record file, CSV, JSON Lines or a
//! PostgreSQL query; a mapping per side types each column and places it in one JSON shape; rows
//! are matched by key fields and compared with the comparator. Every key ends as one
//! [`KeyOutcome`]: match, mismatch (with its signature), only in legacy, only in new, or a
//! duplicate key on a side.
//!
//! Memory is bounded whatever the input size: both sides are streamed and merged in key order;
//! order is checked while reading, and a side found (or declared) out of order is sorted in
//! temp files first (an external sort within `sort_memory_mib`).
//!
//! # Layout
//! - `config`: the reconcile file as written; `spec`, `validate`: validated into a [`Spec`].
//! - `mapping`: column → typed target field; `key`: row keys and their order.
//! - `source/`: the four sources, streaming mapped rows.
//! - `sort`: the external sort; `merge`: the sorted merge with its order check.
//! - `bad`: bad rows set aside up to `--max-bad-rows`.
//! - `outcome`: [`KeyOutcome`]; `tally`: counts, groups and masked examples.
//! - `run`: one reconciliation from start to [`crate::store::ReconcileRun`].
//! - `error`: [`ReconcileError`].

mod bad;
pub mod config;
mod error;
mod key;
mod mapping;
mod merge;
mod outcome;
mod run;
mod sort;
mod source;
mod spec;
mod tally;
mod validate;

pub use error::{KeyGap, ReconcileError, ReconcileErrorKind};
pub use outcome::KeyOutcome;
pub use run::run;
pub use spec::{load, Side, Spec};
