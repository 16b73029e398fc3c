//! One place per observable event of the pipeline: each is logged (and counted) here, so logs and
//! metrics never disagree. Log fields are structured and never carry a raw frame or a masked
//! value in clear.

use std::time::Duration;

use tracing::{debug, info, warn};

use super::exchange::Exchange;
use crate::engine::{EngineError, Outcome, Role};
pub use crate::metrics::FrameOutcome;
use crate::outcome::ShadowOutcome;
use crate::store::Mismatch;

/// The span of one request: correlation id, strategy, transaction code, and its outcome once
/// answered. Never a request value.
///
/// At `debug`, where the per-request lines are: at the default `info` the span is not even
/// created. A span costs its fields formatted into a string and a slot in the subscriber's
/// registry: with the shadow's span, `info` spent 1.07× the CPU per request of the HTTP
/// ingress at the ceiling (same-run A/B), to give context to lines that carry it themselves:
/// every per-request warning names its strategy and correlation id as fields of its own.
pub fn request_span(exchange: &Exchange) -> tracing::Span {
    tracing::debug_span!(
        "request",
        correlation_id = %exchange.correlation_id,
        strategy = %exchange.strategy.name,
        tx_code = %exchange.tx_code,
        outcome = tracing::field::Empty,
    )
}

/// The span of one shadow comparison; at `debug`, as [`request_span`].
pub fn shadow_span(exchange: &Exchange) -> tracing::Span {
    tracing::debug_span!(
        "shadow",
        correlation_id = %exchange.correlation_id,
        strategy = %exchange.strategy.name,
        tx_code = %exchange.tx_code,
    )
}

/// A frame of a listener's `layout` that could not be used as a request, with its correlation id
/// when the header decodes (empty when not); the peer comes from the connection's span.
pub fn bad_frame(
    layout: &str,
    outcome: FrameOutcome,
    correlation_id: &str,
    error: &dyn std::fmt::Display,
) {
    warn!(
        layout,
        outcome = outcome.as_str(),
        correlation_id = %correlation_id,
        %error,
        "frame rejected"
    );
}

/// A request of the HTTP ingress was refused before any engine call (400, 404, 405, 413, 408),
/// as [`bad_frame`] logs a refused frame, with its strategy when the path names one (no
/// `strategy` field otherwise) and its correlation id: its header's when it has one, else one
/// made here (`sg-…`), as a refused frame without one gets, so that no line has an empty one (a
/// wrong method or route, a body too large, not JSON or naming no strategy); counted by the
/// listener.
pub fn bad_request(
    strategy: Option<&str>,
    outcome: FrameOutcome,
    correlation_id: &str,
    error: &str,
) {
    let correlation_id = super::exchange::correlation_id(Some(correlation_id));
    // `%`: written unquoted, as every per-request line writes strategy and correlation id.
    warn!(
        strategy = strategy.map(tracing::field::display),
        outcome = outcome.as_str(),
        correlation_id = %correlation_id,
        error,
        "request rejected"
    );
}

/// An HTTP request was dropped before its answer: its client closed the connection first (or
/// shutdown's grace ran out); counted by the listener as `client_closed`. Debug: a client that
/// gives up is the client's choice, and under load there can be many. No `strategy` field when
/// the path names none.
pub fn dropped_unanswered(strategy: Option<&str>, path: &str) {
    debug!(
        strategy = strategy.map(tracing::field::display),
        path,
        "request dropped before its answer (its client closed the connection, or shutdown's grace ran out)"
    );
}

/// A control frame (poll, keep-alive) was answered by the gateway; counted by the listener.
pub fn control_frame(layout: &str, control: &str) {
    debug!(layout, control, "control frame answered");
}

/// The live engine failed; the client got an error answer. `ttl_ms` (absent when the request
/// has no TTL) tells a call cut by the request's TTL from one cut by the engine's request
/// timeout.
pub fn live_failed(exchange: &Exchange, error: &dyn std::fmt::Display) {
    warn!(
        strategy = %exchange.strategy.name,
        tx_code = %exchange.tx_code,
        correlation_id = %exchange.correlation_id,
        ttl_ms = exchange.ttl.map(|ttl| ttl.within.as_millis() as u64),
        %error,
        "live engine failed"
    );
}

/// The request's header TTL ran out before the live call: answered `live_timeout`, no engine
/// called.
pub fn ttl_expired(exchange: &Exchange, waited: Duration) {
    warn!(
        strategy = %exchange.strategy.name,
        tx_code = %exchange.tx_code,
        correlation_id = %exchange.correlation_id,
        ttl_ms = exchange.ttl.map(|ttl| ttl.within.as_millis() as u64),
        waited_ms = waited.as_millis() as u64,
        reason = "ttl_expired",
        "request TTL expired before the live call; answered live_timeout without calling the engine"
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

/// The shadow engine could not be reached several times in a row: its calls are skipped, one
/// probing it per cool-down, until one reaches it (logged once per outage, not per request or
/// probe).
pub fn shadow_breaker_opened(exchange: &Exchange, engine: &str) {
    warn!(
        strategy = %exchange.strategy.name,
        engine,
        threshold = super::breaker::THRESHOLD,
        cool_down_ms = super::breaker::COOL_DOWN.as_millis() as u64,
        "shadow engine unreachable; skipping its calls, one probe per cool-down, until it answers"
    );
}

/// A call reached the shadow engine while its breaker was open: its calls resume.
pub fn shadow_breaker_closed(exchange: &Exchange, engine: &str) {
    info!(
        strategy = %exchange.strategy.name,
        engine,
        "shadow engine reachable again; its calls resume"
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

/// How a shadow comparison ended (counted by the pipeline's `emit`), at debug level: one line per
/// comparison would flood the log at production rates (issue 14: 348 lines in 16 s); the INFO
/// view is the periodic per-strategy summary (`summary`). Failures carry signature and reason.
pub fn shadow_outcome(exchange: &Exchange, outcome: ShadowOutcome, record: Option<&Mismatch>) {
    let (strategy, id) = (&exchange.strategy.name, &exchange.correlation_id);
    let (result, detail) = (outcome.result(), outcome.detail().unwrap_or(""));
    if !outcome.breaks_clean_streak() {
        debug!(%strategy, correlation_id = %id, result, detail, "shadow comparison done");
        return;
    }
    debug!(
        %strategy,
        tx_code = %exchange.tx_code,
        correlation_id = %id,
        result,
        detail,
        signature = record.map_or("", |r| r.signature.as_str()),
        reason = record.and_then(|r| r.reason.as_deref()).unwrap_or(""),
        "decisions differ"
    );
}

/// The live answer does not decode with the response layout: nothing to compare with.
pub fn live_undecodable(exchange: &Exchange, error: &dyn std::fmt::Display) {
    warn!(strategy = %exchange.strategy.name, correlation_id = %exchange.correlation_id, %error, "live answer does not decode; nothing to compare");
}

/// An engine call ended (either way): counted and timed by engine, role and outcome.
pub fn engine_called(exchange: &Exchange, role: Role, outcome: Outcome, elapsed: Duration) {
    let strategy = &exchange.strategy;
    let metrics = match role {
        Role::Live => Some(&strategy.live_metrics),
        Role::Shadow => strategy.shadow_metrics.as_ref(),
        // Replay runs outside the request path and counts nothing here.
        Role::Replay => None,
    };
    if let Some(metrics) = metrics {
        metrics.call(role, outcome, elapsed.as_secs_f64());
    }
}

/// A record could not be queued for the store: counted by the store, logged here.
pub fn record_dropped(exchange: &Exchange) {
    warn!(strategy = %exchange.strategy.name, correlation_id = %exchange.correlation_id, "store queue full: record dropped");
}

/// A mismatch's noise check ended (`confirm_mismatches`): its result and noisy fields (layout
/// paths, never values).
pub fn mismatch_confirmed(exchange: &Exchange, confirmation: &crate::store::Confirmation) {
    debug!(strategy = %exchange.strategy.name, correlation_id = %exchange.correlation_id, result = confirmation.result.as_str(), noisy_fields = ?confirmation.noisy_fields, "mismatch checked by a second shadow call");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `f` logs at debug and above, as text.
    fn logged(f: impl FnOnce()) -> String {
        crate::test_log::logged(tracing::Level::DEBUG, f).1
    }

    #[test]
    fn a_line_logged_before_a_strategy_is_known_has_no_strategy_field() {
        let log = logged(|| {
            bad_request(
                None,
                FrameOutcome::BadRequest,
                "",
                "404 /v2/decide: no such route",
            );
            dropped_unanswered(None, "/v1/frames");
        });
        let lines: Vec<&str> = log.lines().collect();
        assert_eq!(lines.len(), 2, "{log}");
        for line in lines {
            assert!(!line.contains("strategy"), "{line}");
        }
        let log = logged(|| {
            bad_request(Some("loan"), FrameOutcome::BadRequest, "c1", "400: body");
            dropped_unanswered(Some("loan"), "/v1/strategies/loan");
        });
        assert_eq!(log.matches("strategy=loan ").count(), 2, "{log}");
    }

    #[test]
    fn a_refused_request_without_a_correlation_id_is_logged_with_one_made_here() {
        let log = logged(|| {
            bad_request(
                None,
                FrameOutcome::BadRequest,
                "",
                "405 /v1/frames: use POST",
            );
            bad_request(
                None,
                FrameOutcome::BadRequest,
                "",
                "405 /v1/frames: use POST",
            );
            bad_request(
                None,
                FrameOutcome::BadRequest,
                "c-1",
                "400 /v1/frames: body",
            );
        });
        let ids: Vec<&str> = log
            .lines()
            .filter_map(|line| line.split("correlation_id=").nth(1))
            .filter_map(|rest| rest.split(' ').next())
            .collect();
        assert_eq!(ids.len(), 3, "{log}");
        assert!(
            ids[0].starts_with("sg-") && ids[1].starts_with("sg-"),
            "{log}"
        );
        assert_ne!(ids[0], ids[1], "one each: {log}");
        assert_eq!(ids[2], "c-1", "{log}");
    }
}
