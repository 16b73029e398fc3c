//! One place per observable event of the pipeline: each is logged (and counted) here, so logs and
//! metrics never disagree. Log fields are structured and never carry a raw frame or a masked
//! value in clear.

use std::time::Duration;

use tracing::{debug, info, warn};

use super::exchange::Exchange;
use crate::engine::Outcome;
use crate::engine::{EngineError, Role};
pub use crate::metrics::FrameOutcome;
use crate::metrics::{ComparisonResult, SkipReason};

/// The span of one request: correlation id, strategy, transaction code, and its outcome once
/// answered. Never a request value.
pub fn request_span(exchange: &Exchange) -> tracing::Span {
    tracing::info_span!(
        "request",
        correlation_id = %exchange.correlation_id,
        strategy = %exchange.strategy.name,
        tx_code = %exchange.tx_code,
        outcome = tracing::field::Empty,
    )
}

/// The span of one shadow comparison.
pub fn shadow_span(exchange: &Exchange) -> tracing::Span {
    tracing::info_span!(
        "shadow",
        correlation_id = %exchange.correlation_id,
        strategy = %exchange.strategy.name,
        tx_code = %exchange.tx_code,
    )
}

/// A frame of a listener's `layout` that could not be used as a request.
pub fn bad_frame(layout: &str, outcome: FrameOutcome, error: &dyn std::fmt::Display) {
    warn!(layout, outcome = outcome.as_str(), %error, "frame rejected");
}

/// The live engine failed; the client got an error answer.
pub fn live_failed(exchange: &Exchange, error: &dyn std::fmt::Display) {
    warn!(
        strategy = %exchange.strategy.name,
        tx_code = %exchange.tx_code,
        correlation_id = %exchange.correlation_id,
        %error,
        "live engine failed"
    );
}

/// A request was answered.
pub fn answered(exchange: &Exchange, outcome: FrameOutcome, elapsed: Duration) {
    exchange
        .strategy
        .metrics
        .request_duration
        .observe(elapsed.as_secs_f64());
    debug!(
        strategy = %exchange.strategy.name,
        tx_code = %exchange.tx_code,
        correlation_id = %exchange.correlation_id,
        outcome = outcome.as_str(),
        micros = elapsed.as_micros() as u64,
        "answered"
    );
}

/// A shadow call was not made.
pub fn shadow_skipped(exchange: &Exchange, reason: SkipReason) {
    exchange.strategy.metrics.skipped(reason);
    debug!(
        strategy = %exchange.strategy.name,
        correlation_id = %exchange.correlation_id,
        reason = reason.as_str(),
        "shadow skipped"
    );
}

/// The shadow engine could not be reached several times in a row: its calls are skipped for a
/// while (logged once per opening, not per request).
pub fn shadow_breaker_opened(exchange: &Exchange, engine: &str) {
    warn!(
        strategy = %exchange.strategy.name,
        engine,
        threshold = super::breaker::THRESHOLD,
        cool_down_ms = super::breaker::COOL_DOWN.as_millis() as u64,
        "shadow engine unreachable; skipping its calls for the cool-down"
    );
}

/// An engine call ended in an error.
pub fn engine_error(exchange: &Exchange, role: Role, error: &EngineError) {
    warn!(
        strategy = %exchange.strategy.name,
        correlation_id = %exchange.correlation_id,
        role = role.as_str(),
        %error,
        "engine call failed"
    );
}

/// A comparison finished: counted by result and by differing field, logged unless it matched.
pub fn compared(
    exchange: &Exchange,
    result: ComparisonResult,
    differences: &[comparator::Difference],
    signature: Option<&str>,
) {
    let metrics = &exchange.strategy.metrics;
    metrics.comparison(result);
    for difference in differences {
        metrics.field_mismatch(&difference.field());
    }
    if result == ComparisonResult::Match {
        debug!(strategy = %exchange.strategy.name, correlation_id = %exchange.correlation_id, "decisions match");
    } else {
        info!(
            strategy = %exchange.strategy.name,
            tx_code = %exchange.tx_code,
            correlation_id = %exchange.correlation_id,
            result = result.as_str(),
            signature = signature.unwrap_or(""),
            "decisions differ"
        );
    }
}

/// An engine call ended (either way): counted and timed by engine, role and outcome.
pub fn engine_called(exchange: &Exchange, role: Role, outcome: Outcome, elapsed: Duration) {
    let strategy = &exchange.strategy;
    let metrics = match role {
        Role::Live => Some(&strategy.live_metrics),
        Role::Shadow => strategy.shadow_metrics.as_ref(),
    };
    if let Some(metrics) = metrics {
        metrics.call(role, outcome, elapsed.as_secs_f64());
    }
}

/// A record could not be queued for the store: counted by the store, logged here.
pub fn record_dropped(exchange: &Exchange) {
    warn!(strategy = %exchange.strategy.name, correlation_id = %exchange.correlation_id, "store queue full: record dropped");
}
