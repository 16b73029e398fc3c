//! Start linkage: a restart with an edited config is a config change like a reload, so a gateway
//! that starts compares its config with the last one the audit trail recorded (a reload's or a
//! start's entry) and, when they differ, appends a `start` entry listing each routing change with
//! the sign-off it rests on, or `unsigned` (also logged as a warning). The start is never refused.
//!
//! Only a start that serves is recorded: the gateway calls [`link_start`] once its store is open
//! and every listener is bound. A start that fails (a port in use) leaves no entry, so the last
//! `start` entry is a config that served, the one the next start is compared with.
//!
//! The config is compared by its SHA-256 and by the routing it puts in force, file digests
//! included: a layout or TLS file edited while the gateway was stopped leaves the config's bytes
//! as they were, and is listed as a file change ([`super::files`]; recorded and warned about, no
//! sign-off needed). So is a config last recorded without digests (by an earlier version): the
//! start records them, once, as the baseline the next start compares with.
//!
//! A start with the config last recorded, its files unchanged, appends nothing: it changes
//! nothing that needs approval, and a gateway restarted in a loop (a crashing host, a service
//! manager) would otherwise bury the trail's sign-offs and triage changes under identical
//! entries. The first start on a store
//! that records no config appends one: the baseline the next start compares with, without which a
//! swap made while the gateway was stopped for the first time would go unseen.

use serde::{Deserialize, Serialize};

use super::error::CutoverError;
use super::files::{self, FileChange};
use super::linkage::subject;
use super::linkage::{RoutingChange, AUTOMATIC, RELOAD_ACTION};
use super::routing::{changes, log_all, note, routing, Routing};
use super::signed::{instance, own, Signed};
use crate::config::Config;
use crate::store::format_micros;
use crate::store::Reader;
use crate::triage::AuditEntry;
use crate::triage::Entry;

/// The audit action of a start with a config the trail had not recorded last.
pub const START_ACTION: &str = "start";

/// One start, as its audit entry's evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartLink {
    /// The fleet gateway that started (`store.postgres.instance`): a fleet's gateways share one
    /// trail, and each compares its config with its own last one; absent without a fleet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The audit entry that recorded the config in force before; `None`: none was recorded (the
    /// first start on this store).
    pub previous_seq: Option<u64>,
    /// SHA-256 of that config.
    pub previous_config_sha256: Option<String>,
    /// SHA-256 of the config started with.
    pub config_sha256: String,
    /// Whether the previous entry recorded its routing: entries written before routing was
    /// recorded name the config's hash only, and the changes cannot be listed.
    pub previous_routing_recorded: bool,
    /// Strategies whose live or shadow engine changed, or is reached elsewhere, while the gateway
    /// was stopped.
    pub changes: Vec<RoutingChange>,
    /// Layout and TLS files whose bytes changed while the gateway was stopped (absent when none
    /// did, and from entries written before they were recorded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub file_changes: Vec<FileChange>,
    /// Whether the previous entry recorded the digests of layout and TLS files: entries written
    /// before they were recorded have none, and changed files cannot be listed against them
    /// (absent from entries written before it was recorded).
    #[serde(default)]
    pub previous_files_recorded: bool,
    /// The routing in force now.
    pub routing: Routing,
    /// When the gateway started with this config, RFC 3339 UTC, when the entry was written
    /// later (the audit trail could not be written then); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_force_since: Option<String>,
}

/// The config in force as the trail last recorded it.
#[derive(Debug, Deserialize)]
pub(super) struct Recorded {
    pub(super) config_sha256: String,
    #[serde(default)]
    pub(super) routing: Routing,
}

/// Appends the `start` entry of a gateway starting with `config` to the audit trail of `reader`'s
/// store at `now_micros`, and logs each routing change; `None` when `config` is the one recorded
/// last (nothing appended).
pub fn link_start(
    reader: &Reader,
    config: &Config,
    now_micros: u64,
) -> Result<Option<StartLink>, CutoverError> {
    link_start_late(reader, config, None, now_micros)
}

/// [`link_start`] of a start at `in_force_micros` recorded now, later (the trail could not be
/// written then): the entry says when the gateway started with the config.
pub fn link_start_late(
    reader: &Reader,
    config: &Config,
    in_force_micros: Option<u64>,
    now_micros: u64,
) -> Result<Option<StartLink>, CutoverError> {
    let fail = |kind| CutoverError::new("*", kind);
    let ledger = reader.ledger().map_err(|e| fail(e.into()))?;
    let instance = instance(config);
    let trail = own(
        ledger.entries().map_err(|e| fail(e.into()))?,
        instance.as_deref(),
    );
    let previous = last_recorded(&trail);
    let now = routing(config);
    // The same config bytes, endpoints and file digests: nothing to record. A layout or TLS file
    // edited while stopped leaves the config's SHA-256 as it was, so the routing is compared too.
    if previous
        .as_ref()
        .is_some_and(|(_, p)| p.config_sha256 == config.sha256 && p.routing == now)
    {
        return Ok(None);
    }
    let signed = Signed::of(&trail);
    let (listed, file_changes) = match &previous {
        Some((_, p)) if !p.routing.is_empty() => (
            changes(
                &signed,
                (&p.config_sha256, &p.routing),
                (&config.sha256, &now),
            ),
            files::changes(&p.routing, &now),
        ),
        _ => (Vec::new(), Vec::new()),
    };
    log_all(START_ACTION, &listed, &file_changes);
    let unrecorded = previous
        .as_ref()
        .filter(|(_, p)| p.routing.is_empty() && p.config_sha256 != config.sha256);
    if let Some((seq, p)) = unrecorded {
        tracing::warn!(
            previous = seq,
            previous_config_sha256 = %p.config_sha256,
            "config changed since audit entry #{seq}, which does not record its routing: \
             routing changes made while stopped cannot be listed"
        );
    }
    let link = StartLink {
        instance: instance.clone(),
        previous_seq: previous.as_ref().map(|(seq, _)| *seq),
        previous_config_sha256: previous.as_ref().map(|(_, p)| p.config_sha256.clone()),
        config_sha256: config.sha256.clone(),
        previous_routing_recorded: previous
            .as_ref()
            .is_some_and(|(_, p)| !p.routing.is_empty()),
        changes: listed,
        file_changes,
        previous_files_recorded: previous
            .as_ref()
            .is_some_and(|(_, p)| files_recorded(&p.routing)),
        routing: now,
        in_force_since: in_force_micros.map(format_micros),
    };
    let entry = Entry {
        by: AUTOMATIC.to_owned(),
        action: START_ACTION.to_owned(),
        subject: subject(config, instance.as_deref()),
        from: link.previous_config_sha256.clone(),
        to: Some(config.sha256.clone()),
        note: Some(format!(
            "{START_ACTION}: {}{}",
            start_note(&link),
            super::linkage::late(link.in_force_since.as_deref())
        )),
        // Strings, numbers and options: it always converts.
        evidence: serde_json::to_value(&link).ok(),
    };
    ledger
        .append(entry, None, now_micros)
        .map_err(|e| fail(e.into()))?;
    Ok(Some(link))
}

/// The entry's note: the changes, or why none are listed.
fn start_note(link: &StartLink) -> String {
    let edited = link.previous_config_sha256.as_ref() != Some(&link.config_sha256);
    match (link.previous_seq, link.previous_routing_recorded) {
        (None, _) => "first config recorded on this store".to_owned(),
        (Some(seq), true) if !link.previous_files_recorded => format!(
            "{}; layout and TLS file digests not recorded at #{seq}, recorded now",
            note(&link.changes, &link.file_changes)
        ),
        (Some(_), true) => note(&link.changes, &link.file_changes),
        (Some(seq), false) if edited => {
            format!("config changed since #{seq}, whose routing is not recorded")
        }
        (Some(seq), false) => format!("routing not recorded at #{seq}, recorded now"),
    }
}

/// Whether `routing` records the file digests of every strategy (entries written before they
/// were recorded have none).
fn files_recorded(routing: &Routing) -> bool {
    !routing.is_empty() && routing.values().all(|route| route.files.is_some())
}

/// The last reload or start entry, with its sequence number.
pub(super) fn last_recorded(trail: &[AuditEntry]) -> Option<(u64, Recorded)> {
    trail.iter().rev().find_map(|entry| {
        if entry.action != RELOAD_ACTION && entry.action != START_ACTION {
            return None;
        }
        let recorded = serde_json::from_value(entry.evidence.clone()?).ok()?;
        Some((entry.seq, recorded))
    })
}
