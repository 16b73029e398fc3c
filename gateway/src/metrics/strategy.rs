//! [`StrategyMetrics`]: client-visible latency, comparisons, differing fields, skipped shadow calls
//! and readiness of one strategy.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use prometheus::{Gauge, Histogram, IntCounter, IntGauge};

use super::labels::OTHER_FIELD;
use super::registry::Families;
use crate::outcome::{ShadowErrorKind, ShadowOutcome, SkipReason, RESULTS};
use crate::store::ConfirmResult;

/// Handles for one strategy, made once by [`super::Metrics::strategy`].
#[derive(Debug, Clone)]
pub struct StrategyMetrics {
    /// `shadowgate_request_duration_seconds{strategy}`: from the decoded frame to the answer
    /// written, as core banking sees it.
    pub request_duration: Histogram,
    /// `shadowgate_cutover_ready{strategy}`: 1 when the cutover review passes, else 0.
    pub cutover_ready: IntGauge,
    /// `shadowgate_last_mismatch_timestamp_seconds{strategy}`: Unix time of the last comparison
    /// that broke the clean streak. Set by [`StrategyMetrics::outcome`]; seed it at startup from
    /// the store's `last_mismatch_micros` so the streak survives restarts.
    pub last_mismatch: Gauge,
    /// `shadowgate_comparisons_total{strategy, result}`, indexed like [`RESULTS`].
    comparisons: [IntCounter; RESULTS.len()],
    /// `shadowgate_shadow_skipped_total{strategy, reason}`, indexed like [`SkipReason::ALL`].
    skipped: [IntCounter; SkipReason::ALL.len()],
    /// `shadowgate_shadow_errors_total{strategy, kind}`, indexed like [`ShadowErrorKind::ALL`].
    shadow_errors: [IntCounter; ShadowErrorKind::ALL.len()],
    /// `shadowgate_shadow_confirmations_total{strategy, result}`, indexed like
    /// [`ConfirmResult::ALL`].
    confirmations: [IntCounter; ConfirmResult::ALL.len()],
    /// `shadowgate_field_mismatches_total{strategy, field}` for the strategy's known fields.
    fields: HashMap<String, IntCounter>,
    /// The same family with `field="other"`, for paths outside the known set.
    other_field: IntCounter,
    /// `shadowgate_expired_rule_differences_total{strategy}`: differences an expired rule no
    /// longer hid.
    expired_rule_differences: IntCounter,
}

impl StrategyMetrics {
    pub(super) fn new(families: &Families, name: &str, fields: &[String]) -> Self {
        let field_counter =
            |field: &str| families.field_mismatches.with_label_values(&[name, field]);
        Self {
            request_duration: families.request_duration.with_label_values(&[name]),
            cutover_ready: families.cutover_ready.with_label_values(&[name]),
            last_mismatch: families.last_mismatch.with_label_values(&[name]),
            comparisons: RESULTS
                .map(|result| families.comparisons.with_label_values(&[name, result])),
            skipped: SkipReason::ALL.map(|reason| {
                families
                    .shadow_skipped
                    .with_label_values(&[name, reason.as_str()])
            }),
            shadow_errors: ShadowErrorKind::ALL.map(|kind| {
                families
                    .shadow_errors
                    .with_label_values(&[name, kind.as_str()])
            }),
            confirmations: ConfirmResult::ALL.map(|result| {
                families
                    .confirmations
                    .with_label_values(&[name, result.as_str()])
            }),
            fields: fields
                .iter()
                .map(|field| (field.clone(), field_counter(field)))
                .collect(),
            other_field: field_counter(OTHER_FIELD),
            expired_rule_differences: families.expired_rule_differences.with_label_values(&[name]),
        }
    }

    /// Counts how one shadow comparison ended: its result, or its skip reason; a shadow error
    /// also by kind. Every outcome that breaks the clean streak also restarts it.
    pub fn outcome(&self, outcome: ShadowOutcome) {
        match outcome {
            ShadowOutcome::Skipped(reason) => self.skipped[reason.index()].inc(),
            ShadowOutcome::ShadowError(kind) => self.shadow_errors[kind.index()].inc(),
            _ => {}
        }
        if let Some(i) = outcome.result_index() {
            self.comparisons[i].inc();
        }
        if outcome.breaks_clean_streak() {
            // A clock before 1970 is not worth a panic: the streak then reads from 0.
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0.0, |since| since.as_secs_f64());
            self.last_mismatch.set(now);
        }
    }

    /// Counts how the noise check of one mismatch ended.
    pub fn confirmation(&self, result: ConfirmResult) {
        self.confirmations[result.index()].inc();
    }

    /// Counts one differing field of a mismatch, by collapsed layout path (`body.offers[*].rate`).
    /// A path outside the strategy's known fields counts as `field="other"`: never a new series.
    pub fn field_mismatch(&self, collapsed_path: &str) {
        self.fields
            .get(collapsed_path)
            .unwrap_or(&self.other_field)
            .inc();
    }

    /// Counts differences of one mismatch that an expired rule would have hidden.
    pub fn expired_rule_differences(&self, count: usize) {
        self.expired_rule_differences.inc_by(count as u64);
    }
}
