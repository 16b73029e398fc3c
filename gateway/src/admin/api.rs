//! The JSON routes of the admin listener. Every answer is built from masked records and
//! counters; a store that cannot be read now is a 503, another store failure a 500 that names
//! the tree, never a value.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::StatusCode;
use http_body_util::Full;
use serde_json::json;

use super::params::{list_query, param};
use super::ready::Readiness;
use super::ReloadFn;
use crate::listener::server;
use crate::log_limit::LogLimit;
use crate::review::Review;
use crate::review::StoreHealth;
use crate::store::{Clock, DropReason, RecordId, StoreStats, SystemClock};

type Response = http::Response<Full<Bytes>>;

/// `GET /readyz`, unauthenticated: 200 while serving with every strategy's live engine up, 404
/// while draining for a planned stop (and otherwise ready), else 503; the body says ready or not
/// and the kind of each reason only ([`Readiness::terse`]). The detail is `GET /api/v1/health`'s.
pub(super) fn readyz(state: &super::AdminState, stopping: bool) -> Response {
    let readiness = Readiness::assess(state, stopping);
    let status = if readiness.is_ready() {
        StatusCode::OK
    } else if readiness.is_draining() {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    server::json(status, &readiness.terse())
}

/// `GET /api/v1/health`, behind the token: 200 with the assessment of `/readyz` in full
/// ([`Readiness::full`]): the reasons in the words of whoever failed, the strategies whose live
/// engine is down, every engine.
pub(super) fn health_detail(state: &super::AdminState, stopping: bool) -> Response {
    server::json(StatusCode::OK, &Readiness::assess(state, stopping).full())
}

/// The store's health for summaries.
pub(super) fn health(stats: &StoreStats) -> StoreHealth {
    StoreHealth {
        degraded: stats.is_degraded(),
        dropped: DropReason::ALL.iter().map(|r| stats.dropped(*r)).sum(),
        spooling: stats.spooling.load(std::sync::atomic::Ordering::Relaxed),
    }
}

/// `GET /api/v1/summary`, with the engines' health.
pub(super) fn summary(review: &Review, state: &super::AdminState) -> Response {
    match review.summary(Some(health(&state.stats)), SystemClock.now_micros()) {
        Ok(mut summary) => {
            summary.engines = state.engines.as_ref().map(|f| f());
            to_json(&summary)
        }
        Err(error) => store_error(&error),
    }
}

/// `GET /api/v1/readiness`: `{"strategies": [{"strategy", "ready", "readiness"}]}`.
/// `GET /api/v1/daily`: comparisons and failures per day of `[review] time_zone`, per strategy
/// and per group, over the chart window ending today; a group's days carry its records and its
/// strategy's comparisons (see [`crate::review::DayCount`]).
pub(super) fn daily(review: &Review) -> Response {
    match review.daily(SystemClock.now_micros()) {
        Ok(daily) => server::json(StatusCode::OK, &json!(daily)),
        Err(error) => store_error(&error),
    }
}

pub(super) fn readiness(review: &Review) -> Response {
    match review.summary(None, SystemClock.now_micros()) {
        Ok(summary) => {
            let strategies: Vec<_> = summary
                .strategies
                .iter()
                .map(|s| {
                    json!({
                        "strategy": s.strategy,
                        "ready": s.readiness.is_ready(),
                        "readiness": s.readiness,
                        "reasons": s.readiness_lines(),
                    })
                })
                .collect();
            server::json(StatusCode::OK, &json!({ "strategies": strategies }))
        }
        Err(error) => store_error(&error),
    }
}

/// `GET /api/v1/groups?strategy=NAME`: `{"strategy", "groups": [...]}`; 400 without a strategy
/// (another parameter is refused by the route table, `routes`).
pub(super) fn groups(review: &Review, query: &str) -> Response {
    let Some(strategy) = param(query, "strategy") else {
        return server::json_error(
            StatusCode::BAD_REQUEST,
            "strategy: required (?strategy=NAME)",
        );
    };
    if let Some(refused) = unknown_strategy(review, &strategy) {
        return refused;
    }
    match review.groups(&strategy) {
        Ok(groups) => server::json(
            StatusCode::OK,
            &json!({ "strategy": strategy, "groups": groups }),
        ),
        Err(error) => store_error(&error),
    }
}

/// `GET /api/v1/mismatches?…`: `{"records": [...], "next": cursor or null}`.
pub(super) fn list(review: &Review, query: &str) -> Response {
    let query = match list_query(query) {
        Ok(query) => query,
        Err(message) => return server::json_error(StatusCode::BAD_REQUEST, &message),
    };
    if let Some(refused) = query
        .strategy
        .as_deref()
        .and_then(|strategy| unknown_strategy(review, strategy))
    {
        return refused;
    }
    match review.list(&query) {
        Ok(page) => to_json(&page),
        Err(error) => store_error(&error),
    }
}

/// 404 naming the strategies there are when `strategy` is neither counted nor configured (a
/// misspelt name must not read as a strategy without records); `None` when it is known.
pub(super) fn unknown_strategy(review: &Review, strategy: &str) -> Option<Response> {
    match review.unknown_strategy(strategy) {
        Ok(None) => None,
        Ok(Some(unknown)) => Some(server::json_error(
            StatusCode::NOT_FOUND,
            &unknown.to_string(),
        )),
        Err(error) => Some(store_error(&error)),
    }
}

/// `GET /api/v1/mismatches/{id}`: `{"record": {...}, "unified_diff": "..."}`.
pub(super) fn detail(review: &Review, id: &str) -> Response {
    let id: RecordId = match id.parse() {
        Ok(id) => id,
        Err(error) => return server::json_error(StatusCode::BAD_REQUEST, &error.to_string()),
    };
    match review.detail(id) {
        Ok(Some(detail)) => to_json(&detail),
        Ok(None) => server::json_error(
            StatusCode::NOT_FOUND,
            &format!("no record {id} (unknown, or removed by retention)"),
        ),
        Err(error) => store_error(&error),
    }
}

/// `POST /api/v1/reload`: 200, or 422 with every problem (`key`, `line`, `column`, `expected`,
/// `found`, `severity` and the printed `message`); 404 when there is nothing to reload.
pub(super) fn reload(reload: Option<&ReloadFn>) -> Response {
    let Some(reload) = reload else {
        return server::json_error(
            StatusCode::NOT_FOUND,
            "this gateway was not started from a config file",
        );
    };
    match reload() {
        Ok(()) => server::json(StatusCode::OK, &json!({"status": "reloaded"})),
        Err(problems) => {
            // Each problem as its parts and as the line `check-config` and the log print; `key`
            // as printed, its position again as numbers for a client that jumps to it.
            let listed: Vec<_> = problems
                .iter()
                .map(|p| {
                    let (line, column) = p.position().map_or((None, None), |(l, c)| (Some(l), c));
                    json!({
                        "key": p.key,
                        "line": line,
                        "column": column,
                        "expected": p.expected,
                        "found": p.found,
                        "severity": p.severity,
                        "message": p.to_string(),
                    })
                })
                .collect();
            server::json(
                StatusCode::UNPROCESSABLE_ENTITY,
                &json!({
                    "error": "config rejected; the previous config stays",
                    "problems": listed,
                    "message": crate::config::List(&problems).to_string(),
                }),
            )
        }
    }
}

pub(super) fn to_json<T: serde::Serialize>(value: &T) -> Response {
    match serde_json::to_value(value) {
        Ok(value) => server::json(StatusCode::OK, &value),
        Err(error) => server::json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("cannot encode the answer: {error}"),
        ),
    }
}

/// The store's failure as an answer: 503 for a store that cannot be read now, 500 for another
/// failure, the error as the message.
pub(super) fn store_error(error: &crate::store::StoreError) -> Response {
    server::json_error(
        store_failure(error, error.is_unavailable()),
        &error.to_string(),
    )
}

/// The status of a request the store failed, logged: 503 for a store that cannot be read now
/// (`unavailable`: degraded and not open, a fleet database away), with a limited WARN line; 500
/// for any other failure, with an ERROR line. Every admin route that reads the store (the JSON
/// ones, the pages, triage and sign-off) answers through this.
pub(super) fn store_failure(error: &dyn std::fmt::Display, unavailable: bool) -> StatusCode {
    store_failure_logged(error, unavailable, &UNREADABLE, Instant::now())
}

/// How often at most "the store cannot be read now" is logged while it lasts: a dashboard polls
/// every few seconds, and each of its requests is refused.
const UNREADABLE_EVERY: Duration = Duration::from_secs(60);

/// The admin listener's "the store cannot be read now" line (one admin listener per process).
static UNREADABLE: Mutex<LogLimit> = Mutex::new(LogLimit::new(UNREADABLE_EVERY));

/// [`store_failure`], the 503's line limited by `unreadable` at `now`.
fn store_failure_logged(
    error: &dyn std::fmt::Display,
    unavailable: bool,
    unreadable: &Mutex<LogLimit>,
    now: Instant,
) -> StatusCode {
    // A degraded store that is not open, or a fleet database that cannot be read now, is a
    // known, temporary state: 503, not a server fault. The error says which.
    if unavailable {
        let due = unreadable
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .note(now);
        if let Some(refused) = due {
            tracing::warn!(
                %error,
                refused,
                "admin: the store cannot be read now (requests answered 503; one line a minute \
                 while it lasts, `refused` the requests since the last)"
            );
        }
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    tracing::error!(%error, "admin: store read failed");
    StatusCode::INTERNAL_SERVER_ERROR
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// A dashboard polling through a store outage: one WARN line a minute, carrying how many
    /// requests were refused since the last; every request is still answered 503.
    #[test]
    fn a_store_that_cannot_be_read_is_logged_once_a_minute_with_the_requests_refused() {
        let error = crate::store::StoreError::Unavailable {
            path: "/var/lib/shadowgate/store".into(),
        };
        let limit = Mutex::new(LogLimit::new(UNREADABLE_EVERY));
        let start = Instant::now();
        let (statuses, log) = crate::test_log::logged(tracing::Level::WARN, || {
            [0, 5, 10, 59, 60, 61]
                .map(|s| store_failure_logged(&error, true, &limit, start + Duration::from_secs(s)))
        });
        assert_eq!(statuses, [StatusCode::SERVICE_UNAVAILABLE; 6]);
        let lines: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("admin: the store cannot be read now"))
            .collect();
        assert_eq!(lines.len(), 2, "{log}");
        assert!(lines[0].contains("refused=1"), "{}", lines[0]);
        // The four requests from 5 s to 60 s: the one that wrote the line and three before it.
        assert!(lines[1].contains("refused=4"), "{}", lines[1]);
    }
}
