//! [`sign`]: a sign-off is refused unless the strategy is ready and no group that differs on a
//! critical field is open; when it may, its evidence is appended to the audit trail as one
//! `cutover_sign` entry, the evidence inside the hashed content.

use serde::{Deserialize, Serialize};

use super::error::{CutoverError, CutoverErrorKind};
use super::evidence::{at, Evidence};
use super::used::{recorded, SignOffUse};
use crate::config::Config;
use crate::review::{assess, open_critical, Readiness};
use crate::store::{format_micros, Reader, StrategyCounters};
use crate::triage::Entry;
use crate::triage::{AuditEntry, TriageBook};

/// The audit action of a sign-off.
pub const SIGN_ACTION: &str = "cutover_sign";

/// Who asks to sign which strategy (`POST /api/v1/cutover/sign`, `shadowgate cutover sign`); a
/// key that is none of its fields is refused (400): a misspelt `"bye"` is a mistake to show, not
/// a sign-off by nobody.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignRequest {
    /// The strategy to cut over.
    pub strategy: String,
    /// Who signs (a name; token holders are trusted operators). Absent reads as blank, so a
    /// request without it is refused as one with a blank name (422), as triage refuses it.
    #[serde(default)]
    pub by: String,
    /// A note kept with the sign-off.
    #[serde(default)]
    pub note: Option<String>,
}

/// A recorded sign-off: its audit entry's number and hash, and the evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignOff {
    /// The audit entry's sequence number.
    pub seq: u64,
    /// The audit entry's SHA-256: the report names it, `audit verify` checks it.
    pub hash: String,
    /// The hash of the entry before it.
    pub prev_hash: String,
    /// When it was signed, microseconds since the epoch (the entry's time; 0 in reports written
    /// before it was kept here).
    #[serde(default)]
    pub time_micros: u64,
    /// The evidence.
    pub evidence: Evidence,
    /// The routing change it approved, once a reload or a start linked one to it (absent until
    /// then, and from the report written when it was signed): the first, in a fleet the first
    /// gateway's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_by: Option<SignOffUse>,
    /// Every routing change it approved, oldest first: one, or in a fleet one per gateway (each
    /// links it once); `used_by` is the first of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uses: Vec<SignOffUse>,
}

impl SignOff {
    /// The sign-off an audit entry records; `None` for other entries (or evidence this build
    /// cannot read).
    pub fn of(entry: &AuditEntry) -> Option<Self> {
        if entry.action != SIGN_ACTION {
            return None;
        }
        let evidence = serde_json::from_value(entry.evidence.clone()?).ok()?;
        Some(Self {
            seq: entry.seq,
            hash: entry.hash.clone(),
            prev_hash: entry.prev_hash.clone(),
            time_micros: entry.time_micros,
            evidence,
            used_by: None,
            uses: Vec::new(),
        })
    }
}

/// Signs `request` against the store `reader` reads and the `config` in force, at `now_micros`.
pub fn sign(
    reader: &Reader,
    config: &Config,
    request: &SignRequest,
    now_micros: u64,
) -> Result<SignOff, CutoverError> {
    let strategy = request.strategy.trim();
    let fail = |kind| CutoverError::new(strategy, kind);
    let by = request.by.trim();
    if by.is_empty() {
        return Err(fail(CutoverErrorKind::NoName));
    }
    let Some(spec) = config.strategies.get(strategy) else {
        let known: Vec<&str> = config.strategies.keys().map(String::as_str).collect();
        return Err(fail(CutoverErrorKind::UnknownStrategy {
            known: known.join(", "),
        }));
    };
    let counters = reader
        .summary()
        .map_err(|e| fail(e.into()))?
        .into_iter()
        .find(|c| c.strategy == strategy)
        .unwrap_or_else(|| StrategyCounters::new(strategy));
    let groups = TriageBook::new(reader.clone())
        .list(strategy, now_micros)
        .map_err(|e| fail(CutoverErrorKind::Audit(*e.kind)))?;
    // The readiness the review shows, open groups on a critical field included.
    let readiness =
        assess(&counters, &spec.readiness, now_micros).and(open_critical(&groups, &spec.rules));
    if let Readiness::Blocked { blockers } = readiness {
        let blockers = blockers
            .iter()
            .map(|b| {
                // The criterion's config key, as the report prints it (`min_comparisons`).
                let key = serde_json::to_value(b.criterion).unwrap_or_default();
                format!("{}: {}", key.as_str().unwrap_or("criterion"), b.detail)
            })
            .collect();
        return Err(fail(CutoverErrorKind::Blocked { blockers }));
    }
    let note = request
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    let evidence = Evidence::gather(
        config,
        spec,
        &counters,
        &groups,
        (by, note.clone()),
        now_micros,
    );
    let entry = Entry {
        by: by.to_owned(),
        action: SIGN_ACTION.to_owned(),
        subject: strategy.to_owned(),
        // Engines with their endpoints, so `audit list` reads as the report: from which engine
        // at which endpoint to which.
        from: Some(format!(
            "live {}",
            at(&evidence.live_engine, evidence.live_at.as_ref())
        )),
        to: evidence
            .shadow_engine
            .as_ref()
            .map(|shadow| format!("ready for live {}", at(shadow, evidence.shadow_at.as_ref()))),
        note,
        // A struct of strings, numbers and options: it always converts.
        evidence: serde_json::to_value(&evidence).ok(),
    };
    let ledger = reader.ledger().map_err(|e| fail(e.into()))?;
    let sealed = ledger
        .append(entry, None, now_micros)
        .map_err(|e| fail(e.into()))?;
    tracing::info!(
        strategy,
        by,
        seq = sealed.seq,
        config_sha256 = %config.sha256,
        at = %format_micros(now_micros),
        "cutover signed"
    );
    Ok(SignOff {
        seq: sealed.seq,
        hash: sealed.hash,
        prev_hash: sealed.prev_hash,
        time_micros: sealed.time_micros,
        evidence,
        used_by: None,
        uses: Vec::new(),
    })
}

/// Every sign-off in the audit trail of `reader`'s store, oldest first, each with the routing
/// change it approved, if one rests on it.
pub fn signoffs(reader: &Reader) -> Result<Vec<SignOff>, CutoverError> {
    let fail = |kind| CutoverError::new("*", kind);
    let ledger = reader.ledger().map_err(|e| fail(e.into()))?;
    let entries: Vec<AuditEntry> = ledger.entries().map_err(|e| fail(e.into()))?;
    Ok(recorded(&entries))
}
