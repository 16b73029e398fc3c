//! Which sign-off a new routing change may rest on. A sign-off approves the one routing change it
//! was signed for: once a reload or a start has linked a change to it, a later change does not
//! rest on it (the evidence was gathered for the first), and is unsigned, naming the audit entry
//! whose change used it. Nor does a later change rest on a sign-off once another config was
//! loaded after it (its evidence was about the config it was signed on). So the trail is read
//! for both: its sign-offs, and what earlier `reload` and `start` entries loaded and linked.
//!
//! A fleet's gateways share one trail ([`crate::triage::TriageLedger`]), and each one applies
//! the same routing change (the same config file on every host, reloaded on each): its `reload`
//! and `start` entries name its instance, and a gateway links against its own alone
//! ([`own`]). So one sign-off approves the change on every gateway, once on each.

use std::collections::BTreeMap;

use super::history::linked;
use super::linkage::RELOAD_ACTION;
use super::sign::SignOff;
use super::start::START_ACTION;
use super::used::recorded;
use crate::config::Config;
use crate::store::postgres::BackendKind;
use crate::triage::AuditEntry;

/// The instance name the `reload` and `start` entries of a gateway with `config` carry: a fleet
/// gateway's (`store.postgres.instance`, else the host name); `None` without a fleet.
pub(super) fn instance(config: &Config) -> Option<String> {
    match config.store.backend {
        BackendKind::Postgres => config.store.postgres.instance_name(),
        BackendKind::Sled => None,
    }
}

/// `trail` as the gateway `instance` links against it: every entry but the `reload` and
/// `start` entries of other gateways of its fleet. Without a fleet (`None`), all of it.
pub(super) fn own(trail: Vec<AuditEntry>, instance: Option<&str>) -> Vec<AuditEntry> {
    trail
        .into_iter()
        .filter(|entry| {
            let linking = entry.action == RELOAD_ACTION || entry.action == START_ACTION;
            let of = entry
                .evidence
                .as_ref()
                .and_then(|evidence| evidence.get("instance"))
                .and_then(serde_json::Value::as_str);
            !linking || of == instance
        })
        .collect()
}

/// The sign-offs of an audit trail and, for each one already used, the entry whose routing change
/// rests on it.
#[derive(Debug, Clone, Default)]
pub(super) struct Signed {
    /// Every sign-off, oldest first, with the first `reload` or `start` entry whose routing
    /// change rests on it.
    signoffs: Vec<SignOff>,
    /// Per sign-off's sequence number, the first `reload` or `start` entry after it that loaded
    /// a config other than the one it was signed on.
    replaced_by: BTreeMap<u64, u64>,
}

impl Signed {
    /// The sign-offs in `trail` and the changes linked to them.
    pub(super) fn of(trail: &[AuditEntry]) -> Self {
        let signoffs = recorded(trail);
        let mut replaced_by = BTreeMap::new();
        for (entry, link) in linked(trail) {
            let earlier = signoffs.iter().take_while(|s| s.seq < entry.seq);
            for s in earlier.filter(|s| s.evidence.config_sha256 != link.config_sha256) {
                replaced_by.entry(s.seq).or_insert(entry.seq);
            }
        }
        Self {
            signoffs,
            replaced_by,
        }
    }

    /// The latest sign-off of `strategy` signed against one of `configs` (by SHA-256): in a
    /// fleet whose gateways run different files, a later sign-off for another gateway's file
    /// does not hide the one made for this one's.
    pub(super) fn latest_for(&self, strategy: &str, configs: (&str, &str)) -> Option<&SignOff> {
        self.signoffs.iter().rev().find(|s| {
            let sha = s.evidence.config_sha256.as_str();
            s.evidence.strategy == strategy && (sha == configs.0 || sha == configs.1)
        })
    }

    /// The audit entry whose routing change already rests on sign-off `seq`.
    pub(super) fn used_by(&self, seq: u64) -> Option<u64> {
        let signoff = self.signoffs.iter().find(|s| s.seq == seq)?;
        signoff.used_by.as_ref().map(|used| used.seq)
    }

    /// The first audit entry after sign-off `seq` that loaded another config than its own.
    pub(super) fn replaced_by(&self, seq: u64) -> Option<u64> {
        self.replaced_by.get(&seq).copied()
    }
}
