//! The files besides the config that decide what a strategy sends and whom its engines trust:
//! its layout (core banking's frames are decoded and encoded by it, and an mci engine speaks the
//! strategy's layout) and each https engine's TLS CA and client certificate. Their bytes are not
//! the config's, so its SHA-256 does not change when one is edited: start and reload entries
//! record each file's SHA-256 per strategy, and the next start or reload lists a changed one.
//!
//! A changed file is recorded and logged, and needs no sign-off: a sign-off approves a shadow
//! engine's readiness to decide for customers, which a layout or a certificate does not change
//! (the same engines answer, at the same endpoints), and `cutover sign` is refused while a
//! strategy is not ready, so requiring one would block a layout fix until then. Layouts and
//! certificates are versioned in the bank's own change control; the trail records which version
//! served. A change on the live side (the layout, the live engine's TLS files) alters what core
//! banking receives or whom the gateway trusts to answer it, and is logged as a warning; a shadow
//! engine's TLS file as information. Entries written before digests were recorded have none:
//! nothing is listed against them, and the next entry says they were not recorded.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::routing::Routing;
use crate::config::{Config, EngineSpec};

/// Hex digits of a digest a sentence shows (as hashes are shortened elsewhere).
const SHORT: usize = 12;

/// SHA-256 (hex) of the files one strategy reads besides the config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDigests {
    /// The strategy's layout file.
    pub layout_sha256: String,
    /// The live engine's TLS files by key (`ca_file`, `client_cert_file`); empty without TLS.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub live_tls: BTreeMap<String, String>,
    /// The shadow engine's TLS files by key; empty without a shadow or without TLS.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub shadow_tls: BTreeMap<String, String>,
}

/// Which of a strategy's files a [`FileChange`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileRole {
    /// The strategy's layout.
    Layout,
    /// A TLS file of the live engine.
    LiveTls,
    /// A TLS file of the shadow engine.
    ShadowTls,
}

/// A file of a strategy whose bytes changed between two recorded entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileChange {
    /// Strategy name.
    pub strategy: String,
    /// Which file.
    pub role: FileRole,
    /// The engine whose TLS file it is; `None` for the layout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// `layout`, or the TLS file's key (`ca_file`, `client_cert_file`).
    pub key: String,
    /// SHA-256 before; `None`: there was no such file (a client certificate added).
    pub before: Option<String>,
    /// SHA-256 now; `None`: there is no such file any more.
    pub after: Option<String>,
}

impl FileDigests {
    /// The digests of strategy `name` in `config`; `None` for a strategy whose layout has no
    /// digest (a config not read from files).
    pub fn of(config: &Config, name: &str) -> Option<FileDigests> {
        let spec = config.strategies.get(name)?;
        let tls = |engine: Option<&str>| match engine.and_then(|e| config.engines.get(e)) {
            Some(EngineSpec::Http(settings)) => settings
                .tls
                .iter()
                .flat_map(|tls| &tls.file_sha256)
                .map(|(key, sha)| ((*key).to_owned(), sha.clone()))
                .collect(),
            _ => BTreeMap::new(),
        };
        Some(FileDigests {
            layout_sha256: config.layout_sha256.get(&spec.layout)?.clone(),
            live_tls: tls(Some(&spec.live)),
            shadow_tls: tls(spec.shadow.as_deref()),
        })
    }
}

impl FileChange {
    /// Whether it touches the live side (what core banking receives, whom the gateway trusts to
    /// answer it): logged as a warning.
    pub fn is_live(&self) -> bool {
        self.role != FileRole::ShadowTls
    }

    /// `layout of loan changed: 3f2a9c1b2d4e → 9b8c7d6e5f4a`, `tls ca_file of loan's live engine
    /// legacy changed: … → …` (`none` for a file added or removed).
    pub fn sentence(&self) -> String {
        let short = |sha: &Option<String>| match sha {
            Some(sha) => sha.get(..SHORT).unwrap_or(sha).to_owned(),
            None => "none".to_owned(),
        };
        let what = match (self.role, &self.engine) {
            (FileRole::Layout, _) => format!("layout of {}", self.strategy),
            (role, engine) => format!(
                "tls {} of {}'s {} engine {}",
                self.key,
                self.strategy,
                if role == FileRole::LiveTls {
                    "live"
                } else {
                    "shadow"
                },
                engine.as_deref().unwrap_or("none")
            ),
        };
        let (before, after) = (short(&self.before), short(&self.after));
        format!("{what} changed: {before} → {after}")
    }
}

/// Every file of a strategy of `after` whose digest differs from `before`'s. Only files both
/// entries recorded are compared: a strategy added, or recorded before digests were, lists
/// nothing; an engine's TLS files only while the same engine holds that side (a swap is the
/// routing change itself).
pub(super) fn changes(before: &Routing, after: &Routing) -> Vec<FileChange> {
    let mut out = Vec::new();
    for (strategy, now) in after {
        let Some(was) = before.get(strategy) else {
            continue;
        };
        let (Some(old), Some(new)) = (&was.files, &now.files) else {
            continue;
        };
        let change = |role, engine: Option<&String>, key: &str, before, after| FileChange {
            strategy: strategy.clone(),
            role,
            engine: engine.cloned(),
            key: key.to_owned(),
            before,
            after,
        };
        if old.layout_sha256 != new.layout_sha256 {
            let (before, after) = (&old.layout_sha256, &new.layout_sha256);
            let layout = change(
                FileRole::Layout,
                None,
                "layout",
                Some(before.clone()),
                Some(after.clone()),
            );
            out.push(layout);
        }
        let sides = [
            (
                FileRole::LiveTls,
                was.live == now.live,
                Some(&now.live),
                &old.live_tls,
                &new.live_tls,
            ),
            (
                FileRole::ShadowTls,
                was.shadow == now.shadow,
                now.shadow.as_ref(),
                &old.shadow_tls,
                &new.shadow_tls,
            ),
        ];
        for (role, same_engine, engine, old, new) in sides {
            if !same_engine {
                continue;
            }
            let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let (before, after) = (old.get(key).cloned(), new.get(key).cloned());
                if before != after {
                    out.push(change(role, engine, key, before, after));
                }
            }
        }
    }
    out
}

/// Logs each file change of a `what` (`reload`, `start`): the live side's as a warning, a shadow
/// engine's as information.
pub(super) fn log_changes(what: &str, changes: &[FileChange]) {
    for change in changes {
        if change.is_live() {
            tracing::warn!(
                strategy = %change.strategy,
                "file changed at {what}, recorded (no sign-off needed): {}", change.sentence()
            );
        } else {
            tracing::info!(
                strategy = %change.strategy,
                "file changed at {what}, recorded (no sign-off needed): {}", change.sentence()
            );
        }
    }
}
