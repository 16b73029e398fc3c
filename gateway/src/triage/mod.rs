//! Triage of mismatch groups: who is on a group, what was decided and why, with every change an
//! append-only, hash-chained audit entry.
//!
//! A group (strategy + signature) is a defect report. Its [`Triage`] moves through
//! [`TriageState`]s: `new → investigating → fix_deployed → verified`, or `accepted_difference`
//! (naming the rule that now covers it) or `not_a_defect`. A verified group that grows again
//! reopens by itself (back to `new`, marked `reopened`, with an audit entry by `shadowgate`).
//! So does an accepted difference: while its rule applies the group cannot grow, so growth means
//! the rule expired or was edited and the difference is compared again; the audit entry names
//! the rule. Each keeps the group's count at the moment it was verified or accepted; values
//! stored before accepted differences reopened have no such count and never reopen by
//! themselves.
//!
//! Stored beside the mismatch store in two sled trees of its own: `triage` (one value per group,
//! keyed like groups) and `audit` (entries keyed by sequence number, each holding the SHA-256 of
//! the previous one, so an edited or removed entry breaks the chain; [`verify`] finds it). A
//! fleet (`store.backend = "postgres"`) keeps both in its database instead, one chain for every
//! gateway (`TriageLedger`). A change computed from a value another change replaced meanwhile
//! is refused ([`TriageErrorKind::ChangedMeanwhile`]), never stored over it; so is one that says
//! it was made from a triage ([`Change::seen_updated_micros`], which the page's form always
//! sends) that changed since ([`TriageErrorKind::ChangedSinceRead`]): a stale form never undoes
//! another operator's change, nor a reopening, unseen.
//! Changes are rare and come from people; they are written and flushed directly rather than
//! through the comparison path's writer queue. Who made a change is the name given with it:
//! admin token holders are trusted operators.
//!
//! # Layout
//! - `state`: [`TriageState`] (and [`UnknownState`], a name that is none), [`Triage`],
//!   [`Change`].
//! - `audit`: [`AuditEntry`], the hash chain and [`verify`].
//! - `ledger`: `TriageLedger`, where the trail and the values it records are kept: the
//!   gateway's directory, or a fleet's database (one chain for every gateway).
//! - `append`: the directory's ledger: one entry appended to the chain, with the value it
//!   records, in one transaction.
//! - `book`: [`TriageBook`], reading and changing triage and the audit trail in the store.
//! - `error`: [`TriageError`].

mod append;
mod audit;
mod book;
mod error;
mod ledger;
mod state;

pub(crate) use append::seal_next;
pub use audit::{verify, AuditEntry, ChainError, GENESIS};
pub use book::{GroupTriage, TriageBook};
pub use error::{TriageError, TriageErrorKind};
pub(crate) use ledger::{changed_meanwhile, Beside, Entry, TriageLedger};
pub use state::{Change, Triage, TriageState, UnknownState};

#[cfg(test)]
mod tests;
