//! Routing as the audit trail keeps it: which engine is live and which is shadow per strategy,
//! and where each is reached; the routing changes between two configs, and the sign-off each
//! change rests on.
//!
//! Shared by reloads ([`super::link_reload`]) and starts ([`super::link_start`]): both record the
//! routing they put in force, so the next start can tell what changed while the gateway was
//! stopped.
//!
//! An engine keeps its name when its `address` or `url` is edited, yet another process then
//! decides: such a change is a routing change too. A live engine's new endpoint needs a sign-off
//! like a swap (another engine decides for customers); a shadow engine's is recorded, and needs
//! none (its answers are compared, never returned). Entries written before endpoints were
//! recorded name engines only: their endpoints are unknown, and no move is listed against them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::files::{self, FileChange, FileDigests};
use super::linkage::RoutingChange;
use super::sign::SignOff;
use super::signed::Signed;
use crate::config::{Config, EngineSpec, StrategySpec};

/// Per strategy, its live and shadow engines (ordered by name, so the recorded JSON is stable).
pub type Routing = BTreeMap<String, Route>;

/// The engines of one strategy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    /// The live engine.
    pub live: String,
    /// The shadow engine.
    pub shadow: Option<String>,
    /// Where the live engine is reached; `None` in entries written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_at: Option<Endpoint>,
    /// Where the shadow engine is reached; `None` without a shadow, or in entries written before
    /// it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadow_at: Option<Endpoint>,
    /// SHA-256 of its layout file and its engines' TLS files; `None` in entries written before
    /// they were recorded (`cutover::files`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<FileDigests>,
}

/// Where one engine of a strategy is reached: what identifies the process that answers.
/// Timeouts, limits and certificates are settings of the same engine and are not part of it (the
/// digests of its TLS files are recorded beside it, in [`FileDigests`], and a changed one is no
/// move). A sign-off records its engines' endpoints in this shape too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// mci: `host:port` (a dual-socket link's answer address after it); http(s): the URL the
    /// strategy's requests go to, `https://host:port/base/path/strategy/path` (the scheme's
    /// default port filled in).
    pub at: String,
    /// mci: the layout it speaks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<String>,
    /// https: the TLS server name its certificate is verified against, when not the URL's host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_name: Option<String>,
}

/// An engine of the same name reached elsewhere: its endpoint before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moved {
    /// Where it was reached.
    pub before: Endpoint,
    /// Where it is reached now.
    pub after: Endpoint,
}

/// The routing `config` puts in force.
pub fn routing(config: &Config) -> Routing {
    config
        .strategies
        .values()
        .map(|spec| (spec.name.clone(), Route::of(config, spec)))
        .collect()
}

impl Route {
    /// The engines of `spec` in `config`, where each is reached, and the digests of its files.
    pub fn of(config: &Config, spec: &StrategySpec) -> Route {
        let at = |engine: &str| Some(Endpoint::of(config.engines.get(engine)?, spec));
        Route {
            live: spec.live.clone(),
            shadow: spec.shadow.clone(),
            live_at: at(&spec.live),
            shadow_at: spec.shadow.as_deref().and_then(at),
            files: FileDigests::of(config, &spec.name),
        }
    }
}

impl Endpoint {
    /// For people: `127.0.0.1:7001 (layout loan)`, `https://10.0.0.3:443/v1/loan (TLS server
    /// name core.bank.local)`, `http://10.0.0.2:80/v1/loan`.
    pub fn describe(&self) -> String {
        match (&self.layout, &self.server_name) {
            (Some(layout), _) => format!("{} (layout {layout})", self.at),
            (None, Some(name)) => format!("{} (TLS server name {name})", self.at),
            (None, None) => self.at.clone(),
        }
    }

    /// Where `engine` answers `strategy`.
    pub fn of(engine: &EngineSpec, strategy: &StrategySpec) -> Endpoint {
        match engine {
            EngineSpec::Http(settings) => {
                // As the client joins them (`engine::http_head`): base path, one slash, path.
                let base = settings.url.path().trim_end_matches('/');
                let slash = if strategy.path.starts_with('/') {
                    ""
                } else {
                    "/"
                };
                Endpoint {
                    at: format!("{}{base}{slash}{}", engine.endpoint(), strategy.path),
                    layout: None,
                    server_name: settings
                        .tls
                        .as_ref()
                        .and_then(|tls| tls.server_name.as_ref())
                        .map(|name| name.to_str().into_owned()),
                }
            }
            EngineSpec::Mci { layout, .. } => Endpoint {
                at: engine.endpoint(),
                layout: Some(layout.clone()),
                server_name: None,
            },
        }
    }
}

impl Moved {
    /// `Some` when `before` and `after` are both known and differ.
    pub(super) fn between(before: Option<&Endpoint>, after: Option<&Endpoint>) -> Option<Moved> {
        let (before, after) = (before?, after?);
        (before != after).then(|| Moved {
            before: before.clone(),
            after: after.clone(),
        })
    }

    /// What differs: `at 127.0.0.1:18705 (was 127.0.0.1:18703)`, `layout b (was a)`,
    /// `TLS server name core.bank (was the URL's host)`.
    pub fn sentence(&self) -> String {
        let (before, after) = (&self.before, &self.after);
        let or = |value: &Option<String>, none: &str| value.clone().unwrap_or_else(|| none.into());
        let mut parts = Vec::new();
        if before.at != after.at {
            parts.push(format!("at {} (was {})", after.at, before.at));
        }
        if before.layout != after.layout {
            let layout = |l: &Option<String>| or(l, "none");
            parts.push(format!(
                "layout {} (was {})",
                layout(&after.layout),
                layout(&before.layout)
            ));
        }
        if before.server_name != after.server_name {
            let name = |n: &Option<String>| or(n, "the URL's host");
            parts.push(format!(
                "TLS server name {} (was {})",
                name(&after.server_name),
                name(&before.server_name)
            ));
        }
        parts.join(", ")
    }
}

/// One side of a routing comparison: a config's SHA-256 and the routing it put in force.
pub(super) type Side<'a> = (&'a str, &'a Routing);

/// Why a change that needs a sign-off is unsigned when its strategy has none for the config
/// before or after it (the warning and the change's `unsigned_because` say it alike).
const NO_SIGNOFF: &str = "no sign-off of this strategy for this config";

/// Every strategy of `after` whose live or shadow engine differs from `before`, or is the same
/// engine reached elsewhere, each with the sign-off it rests on when it needs one (all but a
/// shadow engine's move, [`signoff`]), or why it is unsigned. Strategies added or removed are not
/// routing changes of an existing strategy and are not listed.
pub(super) fn changes(signed: &Signed, before: Side, after: Side) -> Vec<RoutingChange> {
    let (old_sha, old) = before;
    let (new_sha, new) = after;
    new.iter()
        .filter_map(|(strategy, now)| {
            let mut change = RoutingChange::between(strategy, old.get(strategy)?, now)?;
            if change.needs_signoff() {
                match signoff(signed, strategy, now, (old_sha, new_sha)) {
                    Ok(s) => {
                        change.signoff = Some(s.seq);
                        change.signed_by = Some(s.evidence.signed_by.clone());
                    }
                    Err(why) => change.unsigned_because = Some(why),
                }
            }
            Some(change)
        })
        .collect()
}

/// The sign-off a change of `strategy` to `now` rests on, or why it rests on none: the strategy's
/// latest sign-off in `signed` that was signed against one of `configs` (the config before or
/// the one after: the operator may sign before or after editing the file, never with another
/// config in between: no `reload` or `start` entry since it loaded another; a later sign-off of
/// another config, another fleet gateway's, does not hide it), no earlier routing
/// change rests on it already (it approves one), and the
/// live engine `now` leaves in force is one it names, at the endpoint it recorded
/// ([`super::Evidence::unsigned_live`]).
fn signoff<'a>(
    signed: &'a Signed,
    strategy: &str,
    now: &Route,
    configs: (&str, &str),
) -> Result<&'a SignOff, String> {
    let Some(s) = signed.latest_for(strategy, configs) else {
        return Err(NO_SIGNOFF.to_owned());
    };
    if let Some(entry) = signed.used_by(s.seq) {
        return Err(format!(
            "sign-off #{} already approved the routing change of audit entry #{entry}",
            s.seq
        ));
    }
    if let Some(entry) = signed.replaced_by(s.seq) {
        let sha = &s.evidence.config_sha256;
        return Err(format!(
            "sign-off #{} is about config {}…, and audit entry #{entry} loaded another since",
            s.seq,
            sha.get(..12).unwrap_or(sha)
        ));
    }
    match s.evidence.unsigned_live(now) {
        Some(why) => Err(format!("sign-off #{} {why}", s.seq)),
        None => Ok(s),
    }
}

/// Logs each change of a `what` (`reload`, `start`): linked ones and those that need no sign-off
/// as information, unsigned ones as a warning, the one place all are said.
fn log_changes(what: &str, changes: &[RoutingChange]) {
    for change in changes {
        if !change.needs_signoff() {
            tracing::info!(
                strategy = %change.strategy,
                "cutover {what} moved a shadow engine, no sign-off needed: {}", change.sentence()
            );
            continue;
        }
        match change.signoff {
            Some(seq) => tracing::info!(
                strategy = %change.strategy, signoff = seq,
                "cutover {what} linked to its sign-off: {}", change.sentence()
            ),
            // The sentence ends with why (`unsigned (no sign-off of this strategy for this
            // config)`), in the words the change records.
            None => tracing::warn!(
                strategy = %change.strategy,
                "unsigned routing change at {what}: {}", change.sentence()
            ),
        }
    }
}

/// The audit note of routing `changes` and file changes `files`: their sentences, or `no routing
/// change` before the file changes (or alone).
pub(super) fn note(changes: &[RoutingChange], files: &[FileChange]) -> String {
    let routing = changes.iter().map(RoutingChange::sentence);
    let mut parts: Vec<String> = match changes.is_empty() {
        true => vec!["no routing change".to_owned()],
        false => routing.collect(),
    };
    parts.extend(files.iter().map(FileChange::sentence));
    parts.join("; ")
}

/// Logs routing and file changes of a `what` (`reload`, `start`).
pub(super) fn log_all(what: &str, changes: &[RoutingChange], files: &[FileChange]) {
    log_changes(what, changes);
    files::log_changes(what, files);
}
