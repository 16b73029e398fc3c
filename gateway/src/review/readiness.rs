//! Cutover readiness: may this strategy's shadow engine become live?
//!
//! Every criterion is checked and every failing one is reported with a sentence a migration
//! manager can act on, so the report never says just "blocked".

use serde::{Deserialize, Serialize};

use super::plural::{noun_for, plural};
use super::rate::{percent_ceil, thousands, MismatchRate};
use crate::config::{Found, Problem};
use crate::store::{format_micros, StrategyCounters, MICROS_PER_DAY};

/// Readiness thresholds of one strategy (`[strategies.<name>.readiness]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
// Unknown keys are reported by the config loader (all of them, with their paths), not here.
#[serde(default)]
pub struct ReadinessConfig {
    /// Comparisons needed at least (shadow calls compared, skipped ones excluded). Default 10,000.
    pub min_comparisons: u64,
    /// Whole days without a mismatch, shadow error or unencodable answer, counted from the last
    /// one (or from the first comparison when there never was one). Default 14.
    pub min_clean_days: u32,
    /// Highest allowed 95% upper bound of the failure rate, in percent. Default 0.05.
    pub max_upper_bound_percent: f64,
    /// Highest allowed share of skipped shadow calls among all shadow calls, in percent.
    /// Default 1: a shadow that is skipped often has not really been tested.
    pub max_skipped_percent: f64,
}

impl Default for ReadinessConfig {
    fn default() -> Self {
        Self {
            min_comparisons: 10_000,
            min_clean_days: 14,
            max_upper_bound_percent: 0.05,
            max_skipped_percent: 1.0,
        }
    }
}

impl ReadinessConfig {
    /// Every problem with these values, each prefixed with `prefix` (e.g. `strategies.loan.readiness`).
    pub fn problems(&self, prefix: &str) -> Vec<Problem> {
        let percent = crate::config::ranges::PERCENT;
        [
            ("max_upper_bound_percent", self.max_upper_bound_percent),
            ("max_skipped_percent", self.max_skipped_percent),
        ]
        .into_iter()
        .filter(|(_, value)| !percent.holds_number(*value))
        .map(|(key, value)| {
            Problem::error(
                format!("{prefix}.{key}"),
                format!("a percentage from {}", percent.says()),
                Found::value(value),
            )
        })
        .collect()
    }
}

/// The verdict for one strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Readiness {
    /// Every criterion holds.
    Ready,
    /// At least one criterion fails; all failing ones are listed.
    Blocked {
        /// The failing criteria, in config order.
        blockers: Vec<Blocker>,
    },
}

/// One failing criterion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blocker {
    /// Which threshold.
    pub criterion: Criterion,
    /// What was found and what is required, as a sentence.
    pub detail: String,
}

/// The readiness thresholds, named like their config keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    /// [`ReadinessConfig::min_comparisons`].
    MinComparisons,
    /// [`ReadinessConfig::min_clean_days`].
    MinCleanDays,
    /// [`ReadinessConfig::max_upper_bound_percent`].
    MaxUpperBoundPercent,
    /// [`ReadinessConfig::max_skipped_percent`].
    MaxSkippedPercent,
    /// A batch reconciliation run has no failing key: a batch has no clean days, the run is the
    /// whole period ([`super::assess_batch`]).
    NoFailures,
    /// A batch reconciliation run read every row: rows set aside unread (`--max-bad-rows`) were
    /// not compared, and their keys may be the ones that fail ([`super::assess_batch`]).
    NoBadRows,
    /// No open group differs on a critical field ([`super::open_critical`]): the cutover
    /// sign-off's own condition, so readiness never says "ready" where a sign-off is refused.
    CriticalGroup,
}

impl Readiness {
    /// Whether the strategy may be cut over.
    pub fn is_ready(&self) -> bool {
        matches!(self, Self::Ready)
    }

    /// This verdict with `more` blockers after its own: blocked when there are any.
    pub fn and(self, more: Vec<Blocker>) -> Self {
        let mut blockers = match self {
            Self::Ready => Vec::new(),
            Self::Blocked { blockers } => blockers,
        };
        blockers.extend(more);
        match blockers.is_empty() {
            true => Self::Ready,
            false => Self::Blocked { blockers },
        }
    }
}

/// Judges `counters` against `config` at `now_micros`.
pub fn assess(counters: &StrategyCounters, config: &ReadinessConfig, now_micros: u64) -> Readiness {
    let mut blockers = Vec::new();
    let mut block = |criterion, detail| blockers.push(Blocker { criterion, detail });
    let comparisons = counters.comparisons();
    if comparisons < config.min_comparisons {
        block(
            Criterion::MinComparisons,
            format!(
                "{} {} so far; at least {} {} required",
                thousands(comparisons),
                noun_for(comparisons, "comparison"),
                thousands(config.min_comparisons),
                if config.min_comparisons == 1 {
                    "is"
                } else {
                    "are"
                }
            ),
        );
    }
    let clean_since = counters
        .last_mismatch_micros
        .or(counters.first_comparison_micros);
    let clean_days = clean_since.map(|since| now_micros.saturating_sub(since) / MICROS_PER_DAY);
    if clean_days.is_none_or(|days| days < u64::from(config.min_clean_days)) {
        let detail = match (clean_days, counters.last_mismatch_micros) {
            (None, _) => "no comparisons yet".to_owned(),
            (Some(days), Some(last)) => {
                format!(
                    "{} since the last failure at {}",
                    plural(days, "clean day"),
                    format_micros(last)
                )
            }
            (Some(days), None) => {
                format!("{} since the first comparison", plural(days, "clean day"))
            }
        };
        // With no day required, only "no comparisons yet" blocks: clean days count from the
        // first comparison, and "at least 0 are required" would read as nothing required.
        let required = match config.min_clean_days {
            0 => "clean days count from the first comparison, so one is required".to_owned(),
            1 => "at least 1 is required".to_owned(),
            days => format!("at least {days} are required"),
        };
        block(Criterion::MinCleanDays, format!("{detail}; {required}"));
    }
    let rate = MismatchRate::of(counters);
    if rate.upper_bound * 100.0 > config.max_upper_bound_percent {
        block(
            Criterion::MaxUpperBoundPercent,
            format!(
                "{}; at most {}% is allowed",
                rate.sentence(),
                config.max_upper_bound_percent
            ),
        );
    }
    let attempted = comparisons + counters.skipped;
    let skipped_percent = if attempted == 0 {
        0.0
    } else {
        counters.skipped as f64 * 100.0 / attempted as f64
    };
    if skipped_percent > config.max_skipped_percent {
        block(
            Criterion::MaxSkippedPercent,
            format!(
                "{} of {} {} {} skipped ({}); at most {}% is allowed",
                thousands(counters.skipped),
                thousands(attempted),
                noun_for(attempted, "shadow call"),
                if counters.skipped == 1 { "was" } else { "were" },
                percent_ceil(skipped_percent / 100.0),
                config.max_skipped_percent
            ),
        );
    }
    if blockers.is_empty() {
        Readiness::Ready
    } else {
        Readiness::Blocked { blockers }
    }
}

#[cfg(test)]
mod tests;
