//! Reload linkage: every successful reload appends a `reload` entry to the audit trail naming
//! the new config's SHA-256 and, for each strategy whose live or shadow engine changed or is
//! reached elsewhere, the sign-off it rests on, or `unsigned` (also logged as a warning); a
//! shadow engine reached elsewhere needs none ([`super::routing`]).
//!
//! Which sign-off: the latest one of the strategy signed against the config in force before the
//! reload or against the new config (the operator may sign before or after editing the file,
//! never with another config in between), if no earlier change rests on it already (a sign-off
//! approves one routing change, [`super::signed`]). A sign-off of another config (another fleet
//! gateway's file) is passed over; one whose config was edited and loaded since does not count:
//! the evidence was about another config. "Before" is the config the trail last recorded for
//! this gateway: a reload or start the trail missed is listed with the next one. An unsigned
//! change records why (`unsigned_because`), in the words of the warning. Strategies added or
//! removed by the reload are not routing changes of an existing strategy and are not listed
//! ([`super::routing`]). The entry also records the whole routing now in force, which the next
//! start compares its config with ([`super::link_start`]).

use serde::{Deserialize, Serialize};

use super::error::CutoverError;
use super::evidence::at;
use super::files::{self, FileChange};
use super::routing::{changes, log_all, note, routing, Endpoint, Moved, Route, Routing};
use super::signed::{instance, own, Signed};
use super::start::last_recorded;
use crate::config::Config;
use crate::store::format_micros;
use crate::store::Reader;
use crate::triage::{AuditEntry, Entry};

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
    /// The fleet gateway that reloaded (`store.postgres.instance`): a fleet's gateways share
    /// one trail; absent without a fleet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// SHA-256 of the config in force before, as the audit trail last recorded it for this
    /// gateway (another than the one running before when the trail missed a reload or start:
    /// its database was down).
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
    /// When the reload took effect, RFC 3339 UTC, when the entry was written later (the audit
    /// trail could not be written then: a fleet's database was down); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_force_since: Option<String>,
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
    /// Why it is unsigned, when it needs a sign-off and rests on none, as the warning says it:
    /// `no sign-off of this strategy for this config`; `sign-off #3 already approved the routing
    /// change of audit entry #5` (a sign-off approves one change); `sign-off #3 signed legacy at
    /// 127.0.0.1:7003 (layout loan), not 127.0.0.1:7001 (layout loan)` (the live engine it leaves
    /// in force is not one the sign-off names, or not where the sign-off recorded it). Entries
    /// written before every reason was recorded have none when no sign-off existed for the config;
    /// they are left as written (the hash covers them) and read `unsigned`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsigned_because: Option<String>,
    /// The live engine, the same before and after, now reached elsewhere (absent from entries
    /// written before endpoints were recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_moved: Option<Moved>,
    /// The shadow engine, the same before and after, now reached elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadow_moved: Option<Moved>,
    /// Where the live engine before was reached (absent where unknown: entries written before
    /// endpoints were recorded, on either side of the change or in the change itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_before_at: Option<Endpoint>,
    /// Where the live engine after is reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_after_at: Option<Endpoint>,
    /// Where the shadow engine before was reached (absent without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadow_before_at: Option<Endpoint>,
    /// Where the shadow engine after is reached (absent without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadow_after_at: Option<Endpoint>,
}

impl RoutingChange {
    /// The change of `strategy` from `was` to `now`, resting on no sign-off yet; `None` when its
    /// engines are the same ones, reached where they were.
    pub(super) fn between(strategy: &str, was: &Route, now: &Route) -> Option<RoutingChange> {
        let live_moved = (was.live == now.live)
            .then(|| Moved::between(was.live_at.as_ref(), now.live_at.as_ref()))
            .flatten();
        let shadow_moved = (was.shadow == now.shadow)
            .then(|| Moved::between(was.shadow_at.as_ref(), now.shadow_at.as_ref()))
            .flatten();
        let swapped = was.live != now.live || was.shadow != now.shadow;
        if !swapped && live_moved.is_none() && shadow_moved.is_none() {
            return None;
        }
        Some(RoutingChange {
            strategy: strategy.to_owned(),
            live_before: was.live.clone(),
            live_after: now.live.clone(),
            shadow_before: was.shadow.clone(),
            shadow_after: now.shadow.clone(),
            signoff: None,
            signed_by: None,
            unsigned_because: None,
            live_moved,
            shadow_moved,
            live_before_at: was.live_at.clone(),
            live_after_at: now.live_at.clone(),
            shadow_before_at: was.shadow_at.clone(),
            shadow_after_at: now.shadow_at.clone(),
        })
    }

    /// `loan: live legacy at … → next at …, shadow next at … → legacy at …, signed (#3 by kim)`
    /// or `…, unsigned (no sign-off of this strategy for this config)`; `loan: shadow next now at
    /// … (was …), no sign-off needed`.
    pub fn sentence(&self) -> String {
        let signed = match (self.needs_signoff(), self.signoff, &self.signed_by) {
            (false, _, _) => "no sign-off needed".to_owned(),
            (true, Some(seq), Some(by)) => format!("signed (#{seq} by {by})"),
            (true, Some(seq), None) => format!("signed (#{seq})"),
            (true, None, _) => match &self.unsigned_because {
                Some(why) => format!("unsigned ({why})"),
                // Entries written before every reason was recorded.
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

    /// `live legacy at 127.0.0.1:7001 (layout loan) → next at http://127.0.0.1:7002/v1/loan,
    /// shadow next at http://127.0.0.1:7002/v1/loan → legacy at 127.0.0.1:7001 (layout loan)`
    /// (an engine that changed with where it is reached, names only where that was not recorded;
    /// a side that kept its engine by name: `shadow next → next`), or `live legacy now at
    /// 127.0.0.1:18705 (was 127.0.0.1:18703)`, or both.
    pub fn engines(&self) -> String {
        let shadow = |s: &Option<String>| s.clone().unwrap_or_else(|| "none".to_owned());
        let mut parts = Vec::new();
        if self.swapped() {
            let live = (
                (Some(&self.live_before), self.live_before_at.as_ref()),
                (Some(&self.live_after), self.live_after_at.as_ref()),
            );
            let shadows = (
                (self.shadow_before.as_ref(), self.shadow_before_at.as_ref()),
                (self.shadow_after.as_ref(), self.shadow_after_at.as_ref()),
            );
            parts.push(format!(
                "live {}, shadow {}",
                side(live.0, live.1),
                side(shadows.0, shadows.1)
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

/// An engine of a change (`None`: no shadow) and where it is reached, when recorded.
type Engine<'a> = (Option<&'a String>, Option<&'a Endpoint>);

/// One side of a swap, `legacy at … → next at …`: each engine with where it is reached when the
/// side changed engines; by names alone when it kept its engine (a move of it is said apart).
fn side(before: Engine, after: Engine) -> String {
    let name = |(engine, endpoint): Engine| match engine {
        Some(engine) if before.0 != after.0 => at(engine, endpoint),
        Some(engine) => engine.clone(),
        None => "none".to_owned(),
    };
    format!("{} → {}", name(before), name(after))
}

/// Appends the `reload` entry of a reload from `old` to `new` (asked by `source`) to the audit
/// trail of `reader`'s store at `now_micros`, and logs each routing change.
///
/// The changes are listed against the config the trail last recorded for this gateway (as
/// [`super::link_start`] does), not against `old`: a reload or start the trail did not take (its
/// database down) changed the routing unrecorded, and that change is recorded, and warned about
/// when unsigned, at the first reload the trail takes. `old` counts only when the trail records
/// no routing of this gateway yet.
pub fn link_reload(
    reader: &Reader,
    old: &Config,
    new: &Config,
    source: &str,
    now_micros: u64,
) -> Result<ReloadLink, CutoverError> {
    link_reload_late(reader, old, new, source, None, now_micros)
}

/// [`link_reload`] of a reload that took effect at `in_force_micros` and is recorded now, later
/// (the trail could not be written then): the entry says when it took effect.
pub fn link_reload_late(
    reader: &Reader,
    old: &Config,
    new: &Config,
    source: &str,
    in_force_micros: Option<u64>,
    now_micros: u64,
) -> Result<ReloadLink, CutoverError> {
    let fail = |kind| CutoverError::new("*", kind);
    let ledger = reader.ledger().map_err(|e| fail(e.into()))?;
    let instance = instance(new);
    let trail = own(
        ledger.entries().map_err(|e| fail(e.into()))?,
        instance.as_deref(),
    );
    let signed = Signed::of(&trail);
    let (was_sha, was) = recorded_before(&trail, old);
    let after = routing(new);
    let changes = changes(&signed, (&was_sha, &was), (&new.sha256, &after));
    let file_changes = files::changes(&was, &after);
    log_all(RELOAD_ACTION, &changes, &file_changes);
    let link = ReloadLink {
        source: source.to_owned(),
        instance: instance.clone(),
        previous_config_sha256: was_sha.clone(),
        config_sha256: new.sha256.clone(),
        changes,
        file_changes,
        routing: after,
        in_force_since: in_force_micros.map(format_micros),
    };
    let entry = Entry {
        by: AUTOMATIC.to_owned(),
        action: RELOAD_ACTION.to_owned(),
        subject: subject(new, instance.as_deref()),
        from: Some(was_sha),
        to: Some(new.sha256.clone()),
        note: Some(format!(
            "{source}: {}{}",
            note(&link.changes, &link.file_changes),
            late(link.in_force_since.as_deref())
        )),
        // Strings and options: it always converts.
        evidence: serde_json::to_value(&link).ok(),
    };
    ledger
        .append(entry, None, now_micros)
        .map_err(|e| fail(e.into()))?;
    Ok(link)
}

/// What an entry written later than its change took effect adds to its note.
pub(super) fn late(in_force_since: Option<&str>) -> String {
    in_force_since.map_or_else(String::new, |at| {
        format!(" (in force since {at}; recorded late: the audit trail could not be written then)")
    })
}

/// The config a reload's changes are listed against: the one `trail` (this gateway's) last
/// recorded with its routing, else `old`, the one in force before. Warns when they differ: the
/// trail missed a reload or a start, whose changes this reload's entry records.
fn recorded_before(trail: &[AuditEntry], old: &Config) -> (String, Routing) {
    let in_force = routing(old);
    match last_recorded(trail) {
        Some((seq, p)) if !p.routing.is_empty() => {
            if p.config_sha256 != old.sha256 || p.routing != in_force {
                tracing::warn!(
                    previous = seq,
                    "the audit trail last recorded config {}… (audit entry #{seq}), not the one \
                     in force before this reload ({}…): a reload or start it did not take is \
                     recorded with this one",
                    short(&p.config_sha256),
                    short(&old.sha256)
                );
            }
            (p.config_sha256, p.routing)
        }
        _ => (old.sha256.clone(), in_force),
    }
}

/// The first 12 hex digits of a SHA-256, as people read it.
fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

/// The routing changes from `old` to `new` that need a sign-off, not checked against any: what
/// a reload the audit trail could not read said it changed, while it waits to be recorded.
pub fn unchecked_changes(old: &Config, new: &Config) -> Vec<RoutingChange> {
    let (before, after) = (routing(old), routing(new));
    after
        .iter()
        .filter_map(|(strategy, now)| RoutingChange::between(strategy, before.get(strategy)?, now))
        .filter(RoutingChange::needs_signoff)
        .collect()
}

/// The subject of a `reload` or `start` entry: `config /etc/shadowgate/shadowgate.toml`, and in
/// a fleet `… on gw-a` (every gateway's file has the same name).
pub(super) fn subject(config: &Config, instance: Option<&str>) -> String {
    match instance {
        Some(instance) => format!("config {} on {instance}", config.source.display()),
        None => format!("config {}", config.source.display()),
    }
}
