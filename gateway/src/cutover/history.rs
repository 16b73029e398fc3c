//! A strategy's cutover history, as the review shows it: its sign-offs, every routing change a
//! reload or a start recorded, with the sign-off it rests on or none (`unsigned`), and every
//! layout or TLS file change they recorded. One read of
//! the audit trail; the page (and anything else that shows it) renders this.

use serde::{Deserialize, Serialize};

use super::error::CutoverError;
use super::files::FileChange;
use super::linkage::{RoutingChange, RELOAD_ACTION};
use super::sign::SignOff;
use super::start::START_ACTION;
use super::used::recorded;
use crate::store::Reader;
use crate::triage::AuditEntry;

/// The sign-offs and recorded routing and file changes of one strategy, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CutoverHistory {
    /// Its sign-offs, each with the routing change it approved, if one rests on it.
    pub signoffs: Vec<SignOff>,
    /// Its routing changes, each from a `reload` or `start` entry.
    pub changes: Vec<RecordedChange>,
    /// Its layout and TLS files whose bytes changed, each from a `reload` or `start` entry.
    #[serde(default)]
    pub file_changes: Vec<RecordedFileChange>,
}

/// One change of a strategy as a `reload` or `start` entry recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded<C> {
    /// The entry's sequence number.
    pub seq: u64,
    /// The entry's SHA-256.
    pub hash: String,
    /// When, microseconds since the epoch.
    pub time_micros: u64,
    /// `reload` or `start`.
    pub action: String,
    /// What asked for a reload (`signal`, `api`); `None` for a start.
    pub source: Option<String>,
    /// SHA-256 of the config it put in force.
    pub config_sha256: String,
    /// The change (a routing change with its sign-off or none, or a file change).
    pub change: C,
}

/// A routing change as an entry recorded it.
pub type RecordedChange = Recorded<RoutingChange>;
/// A file change as an entry recorded it.
pub type RecordedFileChange = Recorded<FileChange>;

/// What a `reload` or `start` entry's evidence holds that the history shows.
#[derive(Debug, Deserialize)]
pub(super) struct Linked {
    #[serde(default)]
    source: Option<String>,
    /// The fleet gateway that wrote it; `None` without a fleet.
    #[serde(default)]
    pub(super) instance: Option<String>,
    /// The config the entry put in force.
    pub(super) config_sha256: String,
    /// Its routing changes, each with the sign-off it rests on or none.
    #[serde(default)]
    pub(super) changes: Vec<RoutingChange>,
    #[serde(default)]
    file_changes: Vec<FileChange>,
}

/// The cutover history of `strategy` in the audit trail of `reader`'s store.
pub fn history(reader: &Reader, strategy: &str) -> Result<CutoverHistory, CutoverError> {
    let fail = |kind| CutoverError::new(strategy, kind);
    let ledger = reader.ledger().map_err(|e| fail(e.into()))?;
    let trail = ledger.entries().map_err(|e| fail(e.into()))?;
    Ok(CutoverHistory::of(&trail, strategy))
}

impl CutoverHistory {
    /// The history of `strategy` in `trail`.
    pub fn of(trail: &[AuditEntry], strategy: &str) -> Self {
        let signoffs = recorded(trail)
            .into_iter()
            .filter(|s| s.evidence.strategy == strategy)
            .collect();
        let linked = linked(trail);
        let changes = linked
            .iter()
            .flat_map(|(entry, l)| l.changes.iter().map(move |c| (*entry, l, c)))
            .filter(|(_, _, c)| c.strategy == strategy)
            .map(|(entry, l, c)| Recorded::of(entry, l, c.clone()))
            .collect();
        let file_changes = linked
            .iter()
            .flat_map(|(entry, l)| l.file_changes.iter().map(move |c| (*entry, l, c)))
            .filter(|(_, _, c)| c.strategy == strategy)
            .map(|(entry, l, c)| Recorded::of(entry, l, c.clone()))
            .collect();
        Self {
            signoffs,
            changes,
            file_changes,
        }
    }

    /// No sign-off, no routing change and no file change recorded.
    pub fn is_empty(&self) -> bool {
        self.signoffs.is_empty() && self.changes.is_empty() && self.file_changes.is_empty()
    }
}

/// Every `reload` and `start` entry of `trail` with its evidence, oldest first (evidence this
/// build cannot read is left out, as [`SignOff::of`] leaves it out).
pub(super) fn linked(trail: &[AuditEntry]) -> Vec<(&AuditEntry, Linked)> {
    trail
        .iter()
        .filter(|e| e.action == RELOAD_ACTION || e.action == START_ACTION)
        .filter_map(|entry| Some((entry, serde_json::from_value(entry.evidence.clone()?).ok()?)))
        .collect()
}

impl<C> Recorded<C> {
    /// `change` as `entry`, whose evidence is `linked`, recorded it.
    fn of(entry: &AuditEntry, linked: &Linked, change: C) -> Self {
        Recorded {
            seq: entry.seq,
            hash: entry.hash.clone(),
            time_micros: entry.time_micros,
            action: entry.action.clone(),
            source: linked.source.clone(),
            config_sha256: linked.config_sha256.clone(),
            change,
        }
    }
}
