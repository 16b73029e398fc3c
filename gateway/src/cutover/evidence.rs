//! What a sign-off records: the readiness evidence of one strategy at one moment, gathered from
//! the store (counters, groups and their triage) and the config in force (thresholds, rules and
//! their governance, engines and where each is reached, the file's hash).

use serde::{Deserialize, Serialize};

use super::routing::{Endpoint, Route};
use crate::config::{governance, Config, StrategySpec};
use crate::review::{percent_ceil, MismatchRate, ReadinessConfig};
use crate::store::{format_micros, StrategyCounters, MICROS_PER_DAY};
use crate::triage::GroupTriage;

/// The evidence of a sign-off, as kept in the audit trail and the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Strategy name.
    pub strategy: String,
    /// Who signed.
    pub signed_by: String,
    /// When, RFC 3339 UTC.
    pub signed_at: String,
    /// The signer's note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The config file the gateway runs (or the CLI read).
    pub config_path: String,
    /// SHA-256 (hex) of its bytes: a reload of this file or of its swapped successor is linked
    /// to this sign-off.
    pub config_sha256: String,
    /// The live engine now (the legacy one before the cutover).
    pub live_engine: String,
    /// The shadow engine now (the one that becomes live).
    pub shadow_engine: Option<String>,
    /// Where the live engine is reached, as start and reload entries record it; `None` in
    /// sign-offs written before it was recorded (they compare by engine names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_at: Option<Endpoint>,
    /// Where the shadow engine is reached; `None` without a shadow, or in sign-offs written
    /// before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadow_at: Option<Endpoint>,
    /// The thresholds the strategy was judged by.
    pub thresholds: ReadinessConfig,
    /// Comparisons made (skipped calls excluded).
    pub comparisons: u64,
    /// Mismatches, shadow errors and unencodable answers.
    pub failures: u64,
    /// Of which mismatches.
    pub mismatches: u64,
    /// Of which shadow errors.
    pub shadow_errors: u64,
    /// Of which unencodable answers.
    pub unencodable: u64,
    /// The observed rate and its 95% upper bound.
    pub rate: MismatchRate,
    /// The rate as the report says it.
    pub rate_sentence: String,
    /// Whole days without a failure (since the last one, or the first comparison).
    pub clean_days: Option<u64>,
    /// First comparison, RFC 3339.
    pub first_comparison: Option<String>,
    /// Last failure, RFC 3339.
    pub last_failure: Option<String>,
    /// Shadow calls skipped.
    pub skipped: u64,
    /// Their share of all shadow calls, as the report says it (`0.1%`).
    pub skipped_share: String,
    /// Every mismatch group with its triage state, most frequent first.
    pub groups: Vec<GroupEvidence>,
    /// Groups still new, investigating or fix deployed.
    pub open_groups: usize,
    /// The rules that hide differences today, with who answers for them and until when.
    pub active_rules: Vec<ActiveRule>,
}

/// One mismatch group at sign time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupEvidence {
    /// Grouping signature.
    pub signature: String,
    /// Records in the group.
    pub count: u64,
    /// The differing fields.
    pub fields: Vec<String>,
    /// Its triage state (`new`, `accepted_difference`, …).
    pub state: String,
    /// Still needs work before cutover.
    pub open: bool,
    /// Who works on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// The rule covering an accepted difference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

/// One rule that hides differences at sign time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveRule {
    /// The rule as reports name it (`ignore body.message`).
    pub rule: String,
    /// Its key in the rules table (`ignore[1]`).
    pub key: String,
    /// Who answers for it.
    pub owner: Option<String>,
    /// Why it exists.
    pub reason: Option<String>,
    /// Its ticket.
    pub ticket: Option<String>,
    /// From this day on it hides nothing (`2026-12-31`); `None`: it never expires.
    pub expires: Option<String>,
}

impl Evidence {
    /// The evidence of `spec` in `config` from `counters` and `groups` at `now_micros`.
    pub(super) fn gather(
        config: &Config,
        spec: &StrategySpec,
        counters: &StrategyCounters,
        groups: &[GroupTriage],
        (by, note): (&str, Option<String>),
        now_micros: u64,
    ) -> Self {
        let rate = MismatchRate::of(counters);
        let clean_since = counters
            .last_mismatch_micros
            .or(counters.first_comparison_micros);
        let attempted = counters.comparisons() + counters.skipped;
        let skipped_share = match attempted {
            0 => "0%".to_owned(),
            n => percent_ceil(counters.skipped as f64 / n as f64),
        };
        let groups: Vec<GroupEvidence> = groups.iter().map(group_evidence).collect();
        let route = Route::of(config, spec);
        Evidence {
            strategy: spec.name.clone(),
            signed_by: by.to_owned(),
            signed_at: format_micros(now_micros),
            note,
            config_path: config.source.display().to_string(),
            config_sha256: config.sha256.clone(),
            live_engine: spec.live.clone(),
            shadow_engine: spec.shadow.clone(),
            live_at: route.live_at,
            shadow_at: route.shadow_at,
            thresholds: spec.readiness.clone(),
            comparisons: counters.comparisons(),
            failures: counters.failures(),
            mismatches: counters.mismatches,
            shadow_errors: counters.shadow_errors,
            unencodable: counters.unencodable,
            rate_sentence: rate.sentence(),
            rate,
            clean_days: clean_since.map(|since| now_micros.saturating_sub(since) / MICROS_PER_DAY),
            first_comparison: counters.first_comparison_micros.map(format_micros),
            last_failure: counters.last_mismatch_micros.map(format_micros),
            skipped: counters.skipped,
            skipped_share,
            open_groups: groups.iter().filter(|g| g.open).count(),
            groups,
            active_rules: active_rules(config, spec),
        }
    }
}

impl Evidence {
    /// The cutover as an auditor reads it: `live legacy at 127.0.0.1:7001 (layout loan) → next
    /// at http://127.0.0.1:7002/v1/loan`; `live legacy → next` when the endpoints were not
    /// recorded (sign-offs written before they were), `→ none` without a shadow.
    pub fn cutover(&self) -> String {
        let shadow = match &self.shadow_engine {
            Some(name) => at(name, self.shadow_at.as_ref()),
            None => "none".to_owned(),
        };
        format!(
            "live {} → {shadow}",
            at(&self.live_engine, self.live_at.as_ref())
        )
    }

    /// Both engines with their endpoints: `live legacy at 127.0.0.1:7001 (layout loan), shadow
    /// next at http://127.0.0.1:7002/v1/loan` (names only where endpoints were not recorded).
    pub fn engines(&self) -> String {
        let live = format!("live {}", at(&self.live_engine, self.live_at.as_ref()));
        match &self.shadow_engine {
            Some(name) => format!("{live}, shadow {}", at(name, self.shadow_at.as_ref())),
            None => live,
        }
    }

    /// Why the live engine `route` puts in force is not one this sign-off signed: named by
    /// neither of its engines, or reached elsewhere than it recorded (compared where both
    /// endpoints are known: sign-offs and entries written before endpoints were recorded compare
    /// by names). `None`: it is.
    pub fn unsigned_live(&self, route: &Route) -> Option<String> {
        let signed_at = if route.live == self.live_engine {
            &self.live_at
        } else if self.shadow_engine.as_ref() == Some(&route.live) {
            &self.shadow_at
        } else {
            return Some(format!("signed {}, not {}", self.engines(), route.live));
        };
        match (signed_at, &route.live_at) {
            (Some(signed), Some(now)) if signed != now => Some(format!(
                "signed {} at {}, not {}",
                route.live,
                signed.describe(),
                now.describe()
            )),
            _ => None,
        }
    }
}

/// `name at ENDPOINT`, or `name` when the endpoint was not recorded.
pub(super) fn at(name: &str, endpoint: Option<&Endpoint>) -> String {
    match endpoint {
        Some(endpoint) => format!("{name} at {}", endpoint.describe()),
        None => name.to_owned(),
    }
}

fn group_evidence(g: &GroupTriage) -> GroupEvidence {
    GroupEvidence {
        signature: g.group.signature.clone(),
        count: g.group.count,
        fields: g.group.differing_paths.clone(),
        state: g.triage.state.to_string(),
        open: g.triage.state.is_open(),
        assignee: g.triage.assignee.clone(),
        rule: g.triage.rule.clone(),
    }
}

/// The rules not expired today (in `[review] time_zone`, the day rules expire by).
fn active_rules(config: &Config, spec: &StrategySpec) -> Vec<ActiveRule> {
    let today = governance::today(&config.review.zone);
    spec.rules
        .governed()
        .filter(|rule| !rule.governance.expired_on(today))
        .map(|rule| ActiveRule {
            rule: rule.rule.to_string(),
            key: rule.key,
            owner: rule.governance.owner,
            reason: rule.governance.reason,
            ticket: rule.governance.ticket,
            expires: rule.governance.expires.map(|d| d.to_string()),
        })
        .collect()
}

#[cfg(test)]
impl Evidence {
    /// Evidence for tests: strategy `loan` signed by `choi<b>` with `note`, 2 failures in 12,400
    /// comparisons, no group.
    pub(crate) fn sample(note: &str) -> Evidence {
        let rate = MismatchRate::new(2, 12_400);
        Evidence {
            strategy: "loan".into(),
            signed_by: "choi<b>".into(),
            signed_at: "2026-11-30T00:00:00Z".into(),
            note: Some(note.into()),
            config_path: "shadowgate.toml".into(),
            config_sha256: "ab".repeat(32),
            live_engine: "legacy".into(),
            shadow_engine: Some("next".into()),
            live_at: None,
            shadow_at: None,
            thresholds: ReadinessConfig::default(),
            comparisons: 12_400,
            failures: 2,
            mismatches: 2,
            shadow_errors: 0,
            unencodable: 0,
            rate_sentence: rate.sentence(),
            rate,
            clean_days: Some(15),
            first_comparison: None,
            last_failure: None,
            skipped: 0,
            skipped_share: "0%".into(),
            groups: Vec::new(),
            open_groups: 0,
            active_rules: Vec::new(),
        }
    }
}
