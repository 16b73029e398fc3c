//! A strategy's cutover history, as the review shows it: its sign-offs, and every routing change
//! a reload or a start recorded, with the sign-off it rests on or none (`unsigned`). One read of
//! the audit trail; the page (and anything else that shows it) renders this.

use serde::{Deserialize, Serialize};

use super::error::CutoverError;
use super::linkage::{RoutingChange, RELOAD_ACTION};
use super::sign::SignOff;
use super::start::START_ACTION;
use crate::store::Reader;
use crate::triage::append::entries;
use crate::triage::AuditEntry;

/// The sign-offs and recorded routing changes of one strategy, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CutoverHistory {
    /// Its sign-offs.
    pub signoffs: Vec<SignOff>,
    /// Its routing changes, each from a `reload` or `start` entry.
    pub changes: Vec<RecordedChange>,
}

/// One routing change of a strategy as an audit entry recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedChange {
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
    /// The change, with its sign-off or none.
    pub change: RoutingChange,
}

/// What a `reload` or `start` entry's evidence holds that the history shows.
#[derive(Debug, Deserialize)]
struct Linked {
    #[serde(default)]
    source: Option<String>,
    config_sha256: String,
    #[serde(default)]
    changes: Vec<RoutingChange>,
}

/// The cutover history of `strategy` in the audit trail of `reader`'s store.
pub fn history(reader: &Reader, strategy: &str) -> Result<CutoverHistory, CutoverError> {
    let fail = |kind| CutoverError::new(strategy, kind);
    let db = reader.db().map_err(|e| fail(e.into()))?;
    let trail = entries(&db).map_err(|e| fail(e.into()))?;
    Ok(CutoverHistory::of(&trail, strategy))
}

impl CutoverHistory {
    /// The history of `strategy` in `trail`.
    pub fn of(trail: &[AuditEntry], strategy: &str) -> Self {
        let signoffs = trail
            .iter()
            .filter_map(SignOff::of)
            .filter(|s| s.evidence.strategy == strategy)
            .collect();
        let changes = trail
            .iter()
            .filter(|e| e.action == RELOAD_ACTION || e.action == START_ACTION)
            .filter_map(|entry| {
                let linked: Linked = serde_json::from_value(entry.evidence.clone()?).ok()?;
                Some((entry, linked))
            })
            .flat_map(|(entry, linked)| {
                let Linked {
                    source,
                    config_sha256,
                    changes,
                } = linked;
                changes
                    .into_iter()
                    .filter(|c| c.strategy == strategy)
                    .map(move |change| RecordedChange {
                        seq: entry.seq,
                        hash: entry.hash.clone(),
                        time_micros: entry.time_micros,
                        action: entry.action.clone(),
                        source: source.clone(),
                        config_sha256: config_sha256.clone(),
                        change,
                    })
            })
            .collect();
        Self { signoffs, changes }
    }

    /// No sign-off and no routing change recorded.
    pub fn is_empty(&self) -> bool {
        self.signoffs.is_empty() && self.changes.is_empty()
    }
}
