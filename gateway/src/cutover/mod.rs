//! Cutover sign-off: a responsible person's approval, with the evidence it rests on, kept in the
//! same hash-chained audit trail as triage changes; and reloads linked to it.
//!
//! `shadowgate cutover sign` is refused unless the strategy is ready (the review's
//! [`crate::review::assess`]) and no group that differs on a critical field (the strategy's
//! `severity` rules) is open; when it may, the [`Evidence`] at that moment (counts, upper bound,
//! clean days, skipped share, groups and their triage, active rules with owners and expiry, the
//! live and shadow engines with where each is reached, the config file's SHA-256) is appended to the audit trail as a `cutover_sign` entry whose hash
//! covers the evidence, so `audit verify` detects a later edit of either. The cutover itself stays
//! a config swap plus reload: every successful reload appends a `reload` entry naming the new
//! config's hash and, per strategy whose live or shadow engine changed or is reached elsewhere
//! (another `address` or `url` under the same name), the sign-off it rests on ([`link_reload`])
//! or `unsigned`; a shadow engine reached elsewhere needs none. A reload's changes are listed
//! against the config the trail last recorded for this gateway, so one the trail missed (its
//! database down) is listed by the next record it takes. A restart is linked the same way: a gateway that starts
//! with a config other than the one the trail recorded last appends a `start` entry with the
//! routing changes made while it was stopped ([`link_start`]). A routing change rests on a
//! sign-off only if the live engine it leaves in force is one the sign-off names, at the endpoint
//! it recorded, and no earlier change rests on it (a sign-off approves one); an unsigned one
//! records why. A sign-off is shown with the change it approved and that change's direction
//! ([`SignOffUse`]): either engine of a sign-off may be the one left live, so a rollback, or a
//! sign-off made after the file was edited, approves a change the reverse of the cutover it reads
//! as. In a fleet each gateway uses a sign-off once, and every use is listed. Both entries also record the SHA-256 of each strategy's layout and TLS files and
//! list those that changed ([`FileChange`]). The review shows each strategy's
//! sign-offs and linked changes ([`history`]).
//!
//! # Layout
//! - `evidence`: [`Evidence`], what a sign-off records, gathered from the store and the config
//!   (its engines with their [`Endpoint`]s, as start entries record them).
//! - `sign`: [`sign`], the readiness and critical-group checks and the `cutover_sign` entry;
//!   [`SignOff`].
//! - `signed`: the sign-offs a new routing change may rest on (each approves one change).
//! - `used`: [`SignOffUse`], the routing change a sign-off approved and its [`Direction`]
//!   against the cutover signed, shown beside the sign-off.
//! - `linkage`: [`link_reload`], the `reload` entry and which sign-off a routing change rests on.
//! - `routing`: [`Routing`] as entries record it (engines and their [`Endpoint`]s), the changes
//!   between two, their sign-offs.
//! - `files`: [`FileDigests`] of a strategy's layout and TLS files, and the [`FileChange`]s
//!   between two entries (recorded and warned about; no sign-off needed).
//! - `start`: [`link_start`], the `start` entry of a restart with another config or files.
//! - `history`: [`CutoverHistory`], a strategy's sign-offs and linked changes, for the review.
//! - `report`: the sign-off report as HTML and JSON files.
//! - `error`: [`CutoverError`].

mod error;
mod evidence;
mod files;
mod history;
mod linkage;
mod report;
mod routing;
mod sign;
mod signed;
mod start;
mod used;

pub use error::{CutoverError, CutoverErrorKind};
pub use evidence::{ActiveRule, Evidence, GroupEvidence};
pub use files::{FileChange, FileDigests, FileRole};
pub use history::{history, CutoverHistory, Recorded, RecordedChange, RecordedFileChange};
pub use linkage::{
    link_reload, link_reload_late, unchecked_changes, ReloadLink, RoutingChange, RELOAD_ACTION,
};
pub use report::{html, write_report, ReportFiles};
pub use routing::{routing, Endpoint, Moved, Route, Routing};
pub use sign::{sign, signoffs, SignOff, SignRequest, SIGN_ACTION};
pub use start::{link_start, link_start_late, StartLink, START_ACTION};
pub use used::{Direction, SignOffUse};

use ring::digest::{digest, SHA256};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_critical;
#[cfg(test)]
mod tests_files;
#[cfg(test)]
mod tests_fleet;
#[cfg(test)]
mod tests_moved;
#[cfg(test)]
mod tests_outage;
#[cfg(test)]
mod tests_signed;
#[cfg(test)]
mod tests_used;

/// SHA-256 of `bytes` in lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    digest(&SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
