//! Reload linkage: every successful reload appends a `reload` entry to the audit trail naming
//! the new config's SHA-256 and, for each strategy whose live or shadow engine changed or is
//! reached elsewhere, the sign-off it rests on, or `unsigned` (also logged as a warning); a
//! shadow engine reached elsewhere needs none ([`super::routing`]).
//!
//! Which sign-off: the latest one of the strategy, if it was signed against the config in force
//! before the reload or against the new config (the operator may sign before or after editing the
//! file, never with another config in between). An older sign-off, or one whose config was
//! edited since, does not count: the evidence was about another config. Strategies added or
//! removed by the reload are not routing changes of an existing strategy and are not listed
//! ([`super::routing`]). The entry also records the whole routing now in force, which the next
//! start compares its config with ([`super::link_start`]).

use serde::{Deserialize, Serialize};

use super::error::CutoverError;
use super::files::{self, FileChange};
use super::routing::{changes, log_all, note, routing, Moved, Routing};
use super::sign::signoffs;
use crate::config::Config;
use crate::store::Reader;
use crate::triage::append::{append, Entry};

/// The audit action of a reload.
pub const RELOAD_ACTION: &str = "reload";
/// Who reloads and starts are attributed to (a signal, the admin API or a service manager
/// asked; the gateway acted).
pub(super) const AUTOMATIC: &str = "shadowgate";

/// One reload, as its audit entry's evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReloadLink {
    /// What asked for it: `signal` or `api`.
    pub source: String,
    /// SHA-256 of the config in force before.
    pub previous_config_sha256: String,
    /// SHA-256 of the config in force now.
    pub config_sha256: String,
    /// Strategies whose live or shadow engine changed or is reached elsewhere.
    pub changes: Vec<RoutingChange>,
    /// Layout and TLS files whose bytes changed (absent when none did, and from entries written
    /// before they were recorded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub file_changes: Vec<FileChange>,
    /// The routing in force after it, so the next start can tell what changed while stopped
    /// (absent from entries written before it was recorded).
    #[serde(default, skip_serializing_if = "Routing::is_empty")]
    pub routing: Routing,
}

/// A strategy whose routing changed with a reload or a start: its live or shadow engine swapped
/// for another, or reached elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingChange {
    /// Strategy name.
    pub strategy: String,
    /// Live engine before.
    pub live_before: String,
    /// Live engine after.
    pub live_after: String,
    /// Shadow engine before.
    pub shadow_before: Option<String>,
    /// Shadow engine after.
    pub shadow_after: Option<String>,
    /// The audit sequence number of the sign-off it rests on; `None`: unsigned.
    pub signoff: Option<u64>,
    /// Who signed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_by: Option<String>,
    /// Why the sign-off for this config does not cover it (`sign-off #3 signed legacy at
    /// 127.0.0.1:7003 (layout loan), not 127.0.0.1:7001 (layout loan)`): the live engine it leaves
    /// in force is not one the sign-off names, or not where the sign-off recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsigned_because: Option<String>,
    /// The live engine, the same before and after, now reached elsewhere (absent from entries
    /// written before endpoints were recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_moved: Option<Moved>,
    /// The shadow engine, the same before and after, now reached elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadow_moved: Option<Moved>,
}

impl RoutingChange {
    /// `loan: live legacy → next, shadow next → legacy, signed (#3 by kim)` or `… unsigned`;
    /// `loan: shadow next now at … (was …), no sign-off needed`.
    pub fn sentence(&self) -> String {
        let signed = match (self.needs_signoff(), self.signoff, &self.signed_by) {
            (false, _, _) => "no sign-off needed".to_owned(),
            (true, Some(seq), Some(by)) => format!("signed (#{seq} by {by})"),
            (true, Some(seq), None) => format!("signed (#{seq})"),
            (true, None, _) => match &self.unsigned_because {
                Some(why) => format!("unsigned ({why})"),
                None => "unsigned".to_owned(),
            },
        };
        format!("{}: {}, {signed}", self.strategy, self.engines())
    }

    /// Whether it needs a sign-off: every change but a shadow engine reached elsewhere (its
    /// answers are compared, never returned to a customer).
    pub fn needs_signoff(&self) -> bool {
        self.swapped() || self.live_moved.is_some()
    }

    /// Whether the live or the shadow engine is another one.
    fn swapped(&self) -> bool {
        self.live_before != self.live_after || self.shadow_before != self.shadow_after
    }

    /// `live legacy → next, shadow next → legacy`, or
    /// `live legacy now at 127.0.0.1:18705 (was 127.0.0.1:18703)`, or both.
    pub fn engines(&self) -> String {
        let shadow = |s: &Option<String>| s.clone().unwrap_or_else(|| "none".to_owned());
        let mut parts = Vec::new();
        if self.swapped() {
            parts.push(format!(
                "live {} → {}, shadow {} → {}",
                self.live_before,
                self.live_after,
                shadow(&self.shadow_before),
                shadow(&self.shadow_after),
            ));
        }
        if let Some(moved) = &self.live_moved {
            parts.push(format!("live {} now {}", self.live_after, moved.sentence()));
        }
        if let Some(moved) = &self.shadow_moved {
            let name = shadow(&self.shadow_after);
            parts.push(format!("shadow {name} now {}", moved.sentence()));
        }
        parts.join(", ")
    }
}

/// Appends the `reload` entry of a reload from `old` to `new` (asked by `source`) to the audit
/// trail of `reader`'s store at `now_micros`, and logs each routing change.
pub fn link_reload(
    reader: &Reader,
    old: &Config,
    new: &Config,
    source: &str,
    now_micros: u64,
) -> Result<ReloadLink, CutoverError> {
    let fail = |kind| CutoverError::new("*", kind);
    let signed = signoffs(reader)?;
    let (before, after) = (routing(old), routing(new));
    let changes = changes(&signed, (&old.sha256, &before), (&new.sha256, &after));
    let file_changes = files::changes(&before, &after);
    log_all(RELOAD_ACTION, &changes, &file_changes);
    let link = ReloadLink {
        source: source.to_owned(),
        previous_config_sha256: old.sha256.clone(),
        config_sha256: new.sha256.clone(),
        changes,
        file_changes,
        routing: after,
    };
    let entry = Entry {
        by: AUTOMATIC.to_owned(),
        action: RELOAD_ACTION.to_owned(),
        subject: format!("config {}", new.source.display()),
        from: Some(old.sha256.clone()),
        to: Some(new.sha256.clone()),
        note: Some(format!(
            "{source}: {}",
            note(&link.changes, &link.file_changes)
        )),
        // Strings and options: it always converts.
        evidence: serde_json::to_value(&link).ok(),
    };
    let db = reader.db().map_err(|e| fail(e.into()))?;
    append(&db, entry, None, now_micros).map_err(|e| fail(e.into()))?;
    Ok(link)
}
