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
//! the previous one, so an edited or removed entry breaks the chain; [`verify`] finds it).
//! Changes are rare and come from people; they are written and flushed directly rather than
//! through the comparison path's writer queue. Who made a change is the name given with it:
//! admin token holders are trusted operators.
//!
//! # Layout
//! - `state`: [`TriageState`] (and [`UnknownState`], a name that is none), [`Triage`],
//!   [`Change`].
//! - `audit`: [`AuditEntry`], the hash chain and [`verify`].
//! - `append`: one entry appended to the chain, with the value it records, in one transaction.
//! - `book`: [`TriageBook`], reading and changing triage and the audit trail in the store.
//! - `error`: [`TriageError`].

pub(crate) mod append;
mod audit;
mod book;
mod error;
mod state;

pub use audit::{verify, AuditEntry, ChainError, GENESIS};
pub use book::{GroupTriage, TriageBook};
pub use error::{TriageError, TriageErrorKind};
pub use state::{Change, Triage, TriageState, UnknownState};

#[cfg(test)]
mod tests;
