//! The new engine: the same strategy re-implemented behind the engine HTTP contract
//! (`POST /v1/strategies/loan-screening` with `{"tx_code", "header", "body"}`), with the new
//! engine's [`MODERN`] policy. Its clock runs on UTC, so the `sent_at` it reports always differs
//! from the legacy engine's KST one.
//!
//! [`serve_policy`] serves another policy behind the same contract: the legacy policy over HTTP
//! (`demo-engine --kind legacy-http`) is the live engine of the HTTP-to-HTTP benchmark against
//! nginx's `mirror` (tests/bench/compare.sh).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use serde_json::{Map, Value};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::strategy::{decide, Application, Policy, MODERN};
use super::traffic::{now_micros, timestamp};
use crate::listener::server::{self, Handler, ServerLimits, ServerSettings};
use crate::metrics::Metrics;

/// Largest request body the engine reads.
const MAX_BODY: usize = 64 * 1024;

/// The new engine's JSON answer to a request body of the contract.
pub fn answer(request: &Value) -> Result<Value, String> {
    answer_with(&MODERN, 0, request)
}

/// The JSON answer of `policy`, its clock `offset` microseconds ahead of UTC.
pub fn answer_with(policy: &Policy, offset: u64, request: &Value) -> Result<Value, String> {
    let body = request
        .get("body")
        .and_then(Value::as_object)
        .ok_or("`body` is missing or not an object")?;
    let app = Application::from_body(body)?;
    let mut header = Map::new();
    header.insert("resp_code".into(), "0000".into());
    header.insert("sent_at".into(), timestamp(now_micros(), offset).into());
    let mut answer = Map::new();
    answer.insert("header".into(), Value::Object(header));
    answer.insert("body".into(), Value::Object(decide(policy, &app).to_body()));
    Ok(Value::Object(answer))
}

/// Serves until `shutdown`; every answer waits `delay` first.
pub async fn serve(
    listener: TcpListener,
    delay: Duration,
    tasks: TaskTracker,
    shutdown: CancellationToken,
) {
    serve_policy(listener, MODERN, 0, delay, tasks, shutdown).await;
}

/// As [`serve`], answering with `policy` and a clock `offset` microseconds ahead of UTC.
pub async fn serve_policy(
    listener: TcpListener,
    policy: Policy,
    offset: u64,
    delay: Duration,
    tasks: TaskTracker,
    shutdown: CancellationToken,
) {
    let handler: Handler = Arc::new(move |parts: http::request::Parts, body: Bytes| {
        Box::pin(async move {
            if parts.method != http::Method::POST {
                return server::method_not_allowed("POST", "use POST");
            }
            let answer = serde_json::from_slice::<Value>(&body)
                .map_err(|e| format!("invalid json: {e}"))
                .and_then(|request| answer_with(&policy, offset, &request));
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            match answer {
                Ok(answer) => server::json(StatusCode::OK, &answer),
                Err(message) => server::json_error(StatusCode::BAD_REQUEST, &message),
            }
        })
    });
    let settings = ServerSettings {
        name: "demo-new-engine",
        max_body_bytes: MAX_BODY,
        // An engine of the demo: the gateway's pool is its only client.
        limits: ServerLimits {
            max_connections: 1024,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
        },
        // Its own registry: the demo engine is not the gateway and is not scraped.
        metrics: Metrics::new(env!("CARGO_PKG_VERSION"))
            .listener("demo-new-engine", crate::metrics::ListenerKind::Http),
        refused: None,
    };
    server::serve(listener, settings, handler, tasks, shutdown).await;
}
