//! One place per observable event of the pipeline: each is logged (and counted) here, so logs and
//! metrics never disagree. Log fields are structured and never carry a raw frame or a masked
//! value in clear.

use std::time::Duration;

use tracing::{debug, info, warn};

use super::exchange::Exchange;
use crate::engine::{EngineError, Role};

/// How a frame was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameOutcome {
    /// The live engine's answer went back.
    Ok,
    /// The body did not decode; an error frame went back.
    BadRequest,
    /// No strategy for the transaction code; an error frame went back.
    UnknownTransaction,
    /// The live engine failed; an error frame went back.
    LiveError,
    /// The live engine timed out; an error frame went back.
    LiveTimeout,
    /// The stream broke; the connection was closed.
    FramingError,
}

impl FrameOutcome {
    /// Closed-set label.
    pub fn as_str(self) -> &'static str {
        match self {
            FrameOutcome::Ok => "ok",
            FrameOutcome::BadRequest => "bad_request",
            FrameOutcome::UnknownTransaction => "unknown_transaction",
            FrameOutcome::LiveError => "live_error",
            FrameOutcome::LiveTimeout => "live_timeout",
            FrameOutcome::FramingError => "framing_error",
        }
    }
}

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

/// A frame that could not be used as a request.
pub fn bad_frame(listener: &str, outcome: FrameOutcome, error: &dyn std::fmt::Display) {
    warn!(listener, outcome = outcome.as_str(), %error, "frame rejected");
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
pub fn shadow_skipped(exchange: &Exchange, reason: &'static str) {
    debug!(strategy = %exchange.strategy.name, correlation_id = %exchange.correlation_id, reason, "shadow skipped");
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

/// A comparison finished.
pub fn compared(exchange: &Exchange, result: &'static str, signature: Option<&str>) {
    if result == "match" {
        debug!(strategy = %exchange.strategy.name, correlation_id = %exchange.correlation_id, "decisions match");
    } else {
        info!(
            strategy = %exchange.strategy.name,
            tx_code = %exchange.tx_code,
            correlation_id = %exchange.correlation_id,
            result,
            signature = signature.unwrap_or(""),
            "decisions differ"
        );
    }
}

/// A record could not be queued for the store: counted by the store, logged here.
pub fn record_dropped(exchange: &Exchange) {
    warn!(strategy = %exchange.strategy.name, correlation_id = %exchange.correlation_id, "store queue full: record dropped");
}
