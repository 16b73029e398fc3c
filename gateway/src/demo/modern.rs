//! The new engine: the same strategy re-implemented behind the engine HTTP contract
//! (`POST /v1/strategies/loan-screening` with `{"tx_code", "header", "body"}`), with the new
//! engine's [`MODERN`] policy. Its clock runs on UTC, so the `sent_at` it reports always differs
//! from the legacy engine's KST one.
//!
//! [`serve_policy`] serves another policy behind the same contract: the legacy policy over HTTP
//! (`demo-engine --kind legacy-http`) is the live engine of the HTTP-to-HTTP benchmark against
//! nginx's `mirror` (tests/bench/compare.sh).
//!
//! [`Noise`] makes an engine non-deterministic on purpose (`demo-engine --noise-ppm N`): a share
//! of its answers carry a reference of their own in `message` (`승인 (ref 3F09A2)`), drawn per
//! call, so the same request asked twice may be answered differently. What the gateway's noise confirmation (`confirm_mismatches`)
//! exists to tell apart from a defect, to be tried by hand.

use std::sync::atomic::{AtomicU64, Ordering};
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
    answer_noisy(policy, offset, request, None)
}

/// [`answer_with`], with ` (ref REFERENCE)` after the `message` when a `reference` is given.
pub(super) fn answer_noisy(
    policy: &Policy,
    offset: u64,
    request: &Value,
    reference: Option<u32>,
) -> Result<Value, String> {
    let body = request
        .get("body")
        .and_then(Value::as_object)
        .ok_or("`body` is missing or not an object")?;
    let app = Application::from_body(body)?;
    let decision = decide(policy, &app);
    let mut body = decision.to_body();
    if let Some(reference) = reference {
        let message = format!("{} (ref {reference:06X})", decision.message);
        body.insert("message".into(), message.into());
    }
    let mut header = Map::new();
    header.insert("resp_code".into(), "0000".into());
    header.insert("sent_at".into(), timestamp(now_micros(), offset).into());
    let mut answer = Map::new();
    answer.insert("header".into(), Value::Object(header));
    answer.insert("body".into(), Value::Object(body));
    Ok(Value::Object(answer))
}

/// An engine's non-determinism: each answer is noisy with a chance of `ppm` in a million,
/// drawn per call (so the same request asked twice may differ), with a reference of its own.
#[derive(Debug)]
pub struct Noise {
    /// Chance of a noisy answer, per million calls (0: never; 1,000,000: always).
    ppm: u32,
    /// xorshift64 state.
    state: AtomicU64,
}

impl Noise {
    /// Noise of `ppm` in a million, its draws seeded from the clock.
    pub fn new(ppm: u32) -> Noise {
        Noise {
            ppm,
            state: AtomicU64::new(now_micros() | 1),
        }
    }

    /// No noise: every answer is its policy's.
    pub fn none() -> Noise {
        Noise::new(0)
    }

    /// This call's reference (24 bits) when its answer is noisy, else `None`.
    pub(super) fn strikes(&self) -> Option<u32> {
        if self.ppm == 0 {
            return None;
        }
        let step = |mut x: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        // `fetch_update` never fails with a closure that always returns `Some`.
        let previous = self
            .state
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |x| Some(step(x)))
            .unwrap_or_else(|x| x);
        let drawn = step(previous);
        // The low bits decide, the high ones name: independent enough for a demo.
        let reference = u32::try_from(drawn >> 40).unwrap_or(0);
        (drawn % 1_000_000 < u64::from(self.ppm)).then_some(reference)
    }
}

/// Serves until `shutdown`; every answer waits `delay` first.
pub async fn serve(
    listener: TcpListener,
    delay: Duration,
    noise: Noise,
    tasks: TaskTracker,
    shutdown: CancellationToken,
) {
    serve_policy(listener, MODERN, 0, delay, noise, tasks, shutdown).await;
}

/// As [`serve`], answering with `policy` and a clock `offset` microseconds ahead of UTC.
pub async fn serve_policy(
    listener: TcpListener,
    policy: Policy,
    offset: u64,
    delay: Duration,
    noise: Noise,
    tasks: TaskTracker,
    shutdown: CancellationToken,
) {
    let noise = Arc::new(noise);
    let handler: Handler = Arc::new(move |parts: http::request::Parts, body: Bytes| {
        let reference = noise.strikes();
        Box::pin(async move {
            if parts.method != http::Method::POST {
                return server::method_not_allowed("POST", "use POST");
            }
            let answer = serde_json::from_slice::<Value>(&body)
                .map_err(|e| format!("invalid json: {e}"))
                .and_then(|request| answer_noisy(&policy, offset, &request, reference));
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
