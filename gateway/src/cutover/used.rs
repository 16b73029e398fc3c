//! What a sign-off approved: the routing change that rests on it, as the `reload` or `start`
//! entry that linked it recorded it, and that change's direction against the cutover the
//! sign-off reads as. A sign-off reads as its config's live engine → its shadow engine, yet the
//! rule lets either of them be the live engine a change leaves in force: a rollback, or a
//! sign-off made after the file was edited, approves a change the other way. So wherever a
//! sign-off is shown with the change that used it (the page, `GET /api/v1/cutover/signoffs`,
//! `cutover list`), the change's own direction is said beside it, in these words.

use serde::{Deserialize, Serialize};

use super::evidence::Evidence;
use super::history::linked;
use super::linkage::RoutingChange;
use super::sign::SignOff;
use crate::triage::AuditEntry;

/// The routing change a sign-off approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignOffUse {
    /// The sequence number of the `reload` or `start` entry that linked it.
    pub seq: u64,
    /// `reload` or `start`.
    pub action: String,
    /// The change as that entry recorded it, its engines before and after.
    pub change: RoutingChange,
    /// Which way it went against the cutover the sign-off was signed for.
    pub direction: Direction,
}

/// A routing change's direction against the cutover a sign-off was signed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the sign-off's live engine to its shadow engine: the cutover as signed.
    AsSigned,
    /// From the sign-off's shadow engine to its live engine: a rollback, or a sign-off made
    /// after the config file was edited (its live engine is then the one the change made live).
    Reverse,
    /// Neither: the same live engine reached elsewhere, or only the shadow engine changed.
    Other,
}

impl Direction {
    /// The direction of `change` against the cutover `signed` reads as.
    fn of(change: &RoutingChange, signed: &Evidence) -> Self {
        let shadow = signed.shadow_engine.as_ref();
        if change.live_before == signed.live_engine && Some(&change.live_after) == shadow {
            Self::AsSigned
        } else if Some(&change.live_before) == shadow && change.live_after == signed.live_engine {
            Self::Reverse
        } else {
            Self::Other
        }
    }
}

impl SignOffUse {
    /// `used by audit entry #7 (start): live next at … → legacy at …, shadow legacy at … → next
    /// at … (the reverse of the cutover signed)`; `(the cutover as signed)`; no words for
    /// [`Direction::Other`] (the change says what it did).
    pub fn sentence(&self) -> String {
        let direction = match self.direction {
            Direction::AsSigned => " (the cutover as signed)",
            Direction::Reverse => " (the reverse of the cutover signed)",
            Direction::Other => "",
        };
        format!(
            "used by audit entry #{} ({}): {}{direction}",
            self.seq,
            self.action,
            self.change.engines()
        )
    }
}

impl SignOff {
    /// What it approved: [`SignOffUse::sentence`], or `not used by a routing change yet`.
    pub fn usage(&self) -> String {
        match &self.used_by {
            Some(used) => used.sentence(),
            None => "not used by a routing change yet".to_owned(),
        }
    }

    /// `signed for live legacy at … → next at …; used by audit entry #7 (start): …`: the
    /// cutover it was signed for and what it approved, as `cutover list` prints it.
    pub fn sentence(&self) -> String {
        format!("signed for {}; {}", self.evidence.cutover(), self.usage())
    }
}

/// Every sign-off of `trail`, oldest first, each with the first routing change that rests on it
/// (a sign-off approves one).
pub(super) fn recorded(trail: &[AuditEntry]) -> Vec<SignOff> {
    let mut signoffs: Vec<SignOff> = trail.iter().filter_map(SignOff::of).collect();
    for (entry, link) in linked(trail) {
        for change in &link.changes {
            let Some(seq) = change.signoff else { continue };
            let unused = signoffs
                .iter_mut()
                .find(|s| s.seq == seq && s.used_by.is_none());
            if let Some(signoff) = unused {
                signoff.used_by = Some(SignOffUse {
                    seq: entry.seq,
                    action: entry.action.clone(),
                    change: change.clone(),
                    direction: Direction::of(change, &signoff.evidence),
                });
            }
        }
    }
    signoffs
}
