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
    /// The fleet gateway whose entry it is; absent without a fleet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
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
    /// [`Direction::Other`] (the change says what it did); in a fleet `(reload on gw-a)`.
    pub fn sentence(&self) -> String {
        let direction = match self.direction {
            Direction::AsSigned => " (the cutover as signed)",
            Direction::Reverse => " (the reverse of the cutover signed)",
            Direction::Other => "",
        };
        let action = match &self.instance {
            Some(instance) => format!("{} on {instance}", self.action),
            None => self.action.clone(),
        };
        format!(
            "used by audit entry #{} ({action}): {}{direction}",
            self.seq,
            self.change.engines()
        )
    }
}

impl SignOff {
    /// What it approved: [`SignOffUse::sentence`] of each use (in a fleet one per gateway,
    /// `; ` between them), or `not used by a routing change yet`.
    pub fn usage(&self) -> String {
        // Sign-offs built before `uses` was kept (tests, reports) name their one use alone.
        let uses = match (&self.uses[..], &self.used_by) {
            ([], Some(used)) => std::slice::from_ref(used),
            (uses, _) => uses,
        };
        match uses {
            [] => "not used by a routing change yet".to_owned(),
            uses => uses
                .iter()
                .map(SignOffUse::sentence)
                .collect::<Vec<_>>()
                .join("; "),
        }
    }

    /// `signed for live legacy at … → next at …; used by audit entry #7 (start): …`: the
    /// cutover it was signed for and what it approved, as `cutover list` prints it.
    pub fn sentence(&self) -> String {
        format!("signed for {}; {}", self.evidence.cutover(), self.usage())
    }
}

/// Every sign-off of `trail`, oldest first, each with the routing changes that rest on it: one
/// (a sign-off approves one), or in a fleet's trail one per gateway, each gateway's first.
pub(super) fn recorded(trail: &[AuditEntry]) -> Vec<SignOff> {
    let mut signoffs: Vec<SignOff> = trail.iter().filter_map(SignOff::of).collect();
    for (entry, link) in linked(trail) {
        for change in &link.changes {
            let Some(seq) = change.signoff else { continue };
            let unused = signoffs.iter_mut().find(|s| {
                s.seq == seq && !s.uses.iter().any(|used| used.instance == link.instance)
            });
            if let Some(signoff) = unused {
                let used = SignOffUse {
                    seq: entry.seq,
                    action: entry.action.clone(),
                    instance: link.instance.clone(),
                    change: change.clone(),
                    direction: Direction::of(change, &signoff.evidence),
                };
                signoff.used_by.get_or_insert_with(|| used.clone());
                signoff.uses.push(used);
            }
        }
    }
    signoffs
}
