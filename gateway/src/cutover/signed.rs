//! Which sign-off a new routing change may rest on. A sign-off approves the one routing change it
//! was signed for: once a reload or a start has linked a change to it, a later change does not
//! rest on it (the evidence was gathered for the first), and is unsigned, naming the audit entry
//! whose change used it. So the trail is read for both: its sign-offs, and the changes earlier
//! `reload` and `start` entries linked to them.

use std::collections::BTreeMap;

use super::history::linked;
use super::sign::SignOff;
use crate::triage::AuditEntry;

/// The sign-offs of an audit trail and, for each one already used, the entry whose routing change
/// rests on it.
#[derive(Debug, Clone, Default)]
pub(super) struct Signed {
    /// Every sign-off, oldest first.
    signoffs: Vec<SignOff>,
    /// Per sign-off's sequence number, the first `reload` or `start` entry with a routing change
    /// resting on it.
    used_by: BTreeMap<u64, u64>,
}

impl Signed {
    /// The sign-offs in `trail` and the changes linked to them.
    pub(super) fn of(trail: &[AuditEntry]) -> Self {
        let mut used_by = BTreeMap::new();
        for (entry, link) in linked(trail) {
            for seq in link.changes.iter().filter_map(|c| c.signoff) {
                used_by.entry(seq).or_insert(entry.seq);
            }
        }
        Self {
            signoffs: trail.iter().filter_map(SignOff::of).collect(),
            used_by,
        }
    }

    /// The latest sign-off of `strategy`.
    pub(super) fn latest(&self, strategy: &str) -> Option<&SignOff> {
        self.signoffs
            .iter()
            .rev()
            .find(|s| s.evidence.strategy == strategy)
    }

    /// The audit entry whose routing change already rests on sign-off `seq`.
    pub(super) fn used_by(&self, seq: u64) -> Option<u64> {
        self.used_by.get(&seq).copied()
    }
}
