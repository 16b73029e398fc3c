//! What the review API answers, and what the report CLI reads from it or builds from a store
//! directory: one model, so the API, the page and the CLI show the same numbers and sentences.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{MismatchRate, Readiness, SideRow};
use crate::store::MismatchRecord;

/// `GET /api/v1/summary`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// When it was computed, RFC 3339 UTC.
    pub generated_at: String,
    /// The store's health; `None` when read from a stopped gateway's directory.
    pub store: Option<StoreHealth>,
    /// Every strategy that is configured or has counters, by name.
    pub strategies: Vec<StrategySummary>,
    /// Every configured engine's health; `None` when read from a store directory (only a running
    /// gateway knows whether its engines are reachable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engines: Option<Vec<EngineStatus>>,
    /// The fleet's database and each gateway's share of the totals, when the store is a fleet's
    /// PostgreSQL database (`store.backend = "postgres"`); the totals above are the fleet's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fleet: Option<crate::store::postgres::FleetView>,
}

/// One engine's health as the running gateway sees it (`GET /api/v1/summary`, the page, the
/// report).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineStatus {
    /// Engine name.
    pub engine: String,
    /// `http`, `https` or `mci`.
    pub protocol: String,
    /// Strategies it answers for.
    pub live_for: Vec<String>,
    /// Strategies it is compared for.
    pub shadow_for: Vec<String>,
    /// Reachable (a probe connected or it answered), or not yet checked.
    pub up: bool,
    /// Whether a probe or a call has told anything yet.
    pub checked: bool,
    /// Since when it is up or down, RFC 3339.
    pub since: String,
    /// The last failure kind seen (`resolve`, `connect`, `tls`, `timeout`), whatever the state now.
    pub last_error: Option<String>,
    /// When that failure was seen, RFC 3339.
    pub last_error_at: Option<String>,
    /// That failure in words with the address (`127.0.0.1:9: Connection refused (os error
    /// 111)`, `a call to http://10.0.0.7:8080: no answer within the call's timeout`); absent
    /// from a gateway older than this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error_detail: Option<String>,
    /// Where the gateway reaches it: `http://host:port`, `https://…`, or an MCI engine's
    /// `host:port` (with `(answers at host:port)` on a dual-socket link); absent from a gateway
    /// older than this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
}

impl EngineStatus {
    /// `up`, `down`, or `unchecked` before the first probe or call.
    pub fn state(&self) -> &'static str {
        match (self.up, self.checked) {
            (false, _) => "down",
            (true, true) => "up",
            (true, false) => "unchecked",
        }
    }

    /// Its roles as a phrase: `live for a, b; shadow for c`, or `unused`.
    pub fn roles(&self) -> String {
        let mut parts = Vec::new();
        if !self.live_for.is_empty() {
            parts.push(format!("live for {}", self.live_for.join(", ")));
        }
        if !self.shadow_for.is_empty() {
            parts.push(format!("shadow for {}", self.shadow_for.join(", ")));
        }
        if parts.is_empty() {
            return "no strategy".to_owned();
        }
        parts.join("; ")
    }

    /// Its last failure as a phrase: `connect at 2026-…Z`, or empty.
    pub fn last_error_text(&self) -> String {
        match (&self.last_error, &self.last_error_at) {
            (Some(kind), Some(at)) => format!("{kind} at {at}"),
            (Some(kind), None) => kind.clone(),
            _ => String::new(),
        }
    }
}

/// Whether records are being stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreHealth {
    /// The backend is failing; records are dropped and counted.
    pub degraded: bool,
    /// Events or records not stored, all reasons.
    pub dropped: u64,
    /// The fleet's database does not take this gateway's writes (unreachable, or refusing its
    /// login: the readiness detail says which) and this gateway keeps its records and totals in its
    /// own directory until it is back (`store.backend = "postgres"`); they are not in the
    /// fleet's totals yet.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub spooling: bool,
}

/// One strategy's totals, rate, readiness and suppressions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrategySummary {
    /// Strategy name.
    pub strategy: String,
    /// Comparisons made (skipped calls excluded).
    pub comparisons: u64,
    /// Both engines agreed.
    pub matches: u64,
    /// The decisions differ.
    pub mismatches: u64,
    /// The shadow engine failed.
    pub shadow_errors: u64,
    /// The shadow answer does not fit the layout.
    pub unencodable: u64,
    /// Shadow calls not made.
    pub skipped: u64,
    /// Shadow errors by kind (`timeout`, `connect`, `status_5xx`, …): each is a different defect
    /// of the new engine.
    #[serde(default)]
    pub shadow_errors_by_kind: BTreeMap<String, u64>,
    /// Skipped shadow calls by reason (`budget_full`, `shadow_down`, …).
    #[serde(default)]
    pub skipped_by_reason: BTreeMap<String, u64>,
    /// First comparison, RFC 3339.
    pub first_comparison: Option<String>,
    /// Last mismatch, shadow error or unencodable answer, RFC 3339.
    pub last_failure: Option<String>,
    /// Records of its failures the store could not take (degraded: its disk or database
    /// failing, or the PostgreSQL spool full): its records are fewer than its failures by as
    /// many.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub records_dropped: u64,
    /// When the first of them was compared, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dropped_from: Option<String>,
    /// When the last of them was compared, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dropped_to: Option<String>,
    /// Failure rate and its 95% upper bound.
    pub rate: MismatchRate,
    /// The rate as a sentence: `200 of 2,000 comparisons failed (10.0%); at 95% confidence the
    /// rate is below 11.2%`.
    pub rate_sentence: String,
    /// The verdict against the strategy's thresholds.
    pub readiness: Readiness,
    /// What each comparison rule hid, configured rules first (with zero counts too).
    pub suppressed: Vec<RuleCount>,
    /// Whether the strategy is in the config (counters outlive strategies that were removed).
    pub configured: bool,
    /// What each rule hid per day of `[review] time_zone` over the chart window (empty from a
    /// gateway that predates it).
    #[serde(default)]
    pub suppressed_daily: super::SuppressedDaily,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl StrategySummary {
    /// Shadow errors by kind as a phrase, most frequent first: `timeout 10, status_5xx 2`.
    pub fn shadow_error_kinds(&self) -> String {
        by_count(&self.shadow_errors_by_kind)
    }

    /// Skipped calls by reason as a phrase, most frequent first: `budget_full 3`.
    pub fn skip_reasons(&self) -> String {
        by_count(&self.skipped_by_reason)
    }

    /// The records the store could not take, when there are any: `1,308 compared between T and
    /// T (the store unavailable or behind): fewer records stored than failures counted`, times RFC 3339
    /// UTC (`?` when unknown), which the CLI and the page write in the review's zone.
    pub fn dropped_sentence(&self) -> Option<String> {
        if self.records_dropped == 0 {
            return None;
        }
        let at = |time: &Option<String>| time.clone().unwrap_or_else(|| "?".to_owned());
        Some(format!(
            "{} compared between {} and {} (the store unavailable or behind): fewer records stored than \
             failures counted",
            super::thousands(self.records_dropped),
            at(&self.dropped_from),
            at(&self.dropped_to)
        ))
    }
}

/// `name count` pairs, most frequent first, then by name.
fn by_count(counts: &BTreeMap<String, u64>) -> String {
    let mut pairs: Vec<(&String, &u64)> = counts.iter().filter(|(_, n)| **n > 0).collect();
    pairs.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    pairs
        .iter()
        .map(|(name, n)| format!("{name} {}", super::thousands(**n)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Differences one rule hid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleCount {
    /// The rule as written: `ignore header.sent_at`.
    pub rule: String,
    /// Differences it hid since the store was created.
    pub count: u64,
    /// Whether the rule is in the config now.
    pub configured: bool,
}

/// `GET /api/v1/mismatches/{id}`: one record, its two decisions side by side and a unified diff.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detail {
    /// The (masked) record.
    pub record: MismatchRecord,
    /// Unified diff of the live and shadow decisions with exactly the differences stored with
    /// the record marked, as the side-by-side rows mark them
    /// ([`comparator::render::unified_diff_reported`]): ignored fields shown as `<ignored>`, any other field
    /// that differs one unchanged line noted with the shadow value and the rule in force that
    /// hides it (or "a rule since removed or changed"); empty when there is no shadow decision
    /// or nothing differs.
    pub unified_diff: String,
    /// Both decisions field by field, each equal, differing or hidden by a rule (named) under
    /// the strategy's current rules; empty from a gateway that predates it.
    #[serde(default)]
    pub rows: Vec<SideRow>,
}

impl StrategySummary {
    /// `ready`, or every blocking criterion as `criterion: detail`.
    pub fn readiness_lines(&self) -> Vec<String> {
        match &self.readiness {
            Readiness::Ready => vec!["ready".to_owned()],
            Readiness::Blocked { blockers } => blockers
                .iter()
                .map(|b| format!("{}: {}", criterion_name(b.criterion), b.detail))
                .collect(),
        }
    }
}

/// The config key of a criterion (`min_comparisons`).
pub fn criterion_name(criterion: crate::review::Criterion) -> String {
    match serde_json::to_value(criterion) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{criterion:?}"),
    }
}
