//! The request path: decode, route, answer from the live engine, compare with the shadow.
//!
//! The live answer never waits for the shadow engine, the comparator or the store: the shadow
//! comparison runs in its own tracked task (`shadow`, below) that receives the live answer
//! through a oneshot channel after the client's answer is ready, and store events leave through
//! the store's bounded queue (a full queue is a counted drop, never a wait).
//!
//! - `exchange`: one request as both engines get it; sampling by correlation id.
//! - `ingress`: the HTTP ingress's JSON request, parsed into borrowed trees and encoded from them.
//! - `answer`: answer frames from engine JSON, and the gateway's own error answers.
//! - `echo`: the request header echoed into an http answer, as a borrowed tree (no `Map`).
//! - `shadow`: the shadow task: call, canonicalise, compare.
//! - `received`: a shadow answer as received, checked once on a shadow worker, its call counted
//!   then.
//! - `workers`: the shadow workers, threads of their own for the shadow's CPU work (canonicalise,
//!   compare, record, emit), fed by a bounded queue; a full queue skips the comparison.
//! - `emit`: the one place a comparison's [`crate::outcome::ShadowOutcome`] is logged, counted
//!   and recorded.
//! - `confirm`: noise confirmation, a mismatch's second shadow call (`confirm_mismatches`).
//! - `record`: masked mismatch records.
//! - `decision`: a decoded frame as the comparator's tree, so both answers compare as typed views.
//! - `judge`: comparing on today's date, so expired rules stop hiding.
//! - `replay`: one stored case sent to an engine again and judged against the stored live answer.
//! - `events`: logs (and counts) for every observable event.
//! - `summary`: the periodic INFO summary of comparisons per strategy.

mod answer;
pub mod breaker;
mod confirm;
pub mod decision;
mod echo;
mod emit;
pub mod events;
mod exchange;
#[cfg(test)]
mod future_sizes;
pub(crate) mod ingress;
mod judge;
mod live_view;
mod received;
mod record;
pub mod replay;
mod shadow;
mod summary;
mod workers;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use arc_swap::ArcSwap;
use bytes::Bytes;
use protocol_mci::json::{JsonTree, Members as JsonMembers};
use protocol_mci::{DecodeErrorKind, Layout};
use serde_json::{Map, Value};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

pub use self::answer::{answer_message, response_json, ErrorAnswer};
pub use self::echo::encode_answer;
pub use self::events::FrameOutcome;
use self::exchange::{correlation_id, Exchange};
use self::ingress::JsonRequest;
use self::live_view::{DecodedRequest, LiveDecision};
pub(crate) use self::summary::summary_loop;
#[cfg(feature = "test-support")]
pub use self::workers::ShadowHold;
use crate::config::Config;
use crate::draining::Draining;
use crate::engine::{Outcome, Role};
use crate::metrics::Metrics;
use crate::runtime::{DecodedAnswer, Runtime};
use crate::store::{Event, Recorder};
use prometheus::IntGauge;

/// The gateway's request path, shared by every listener.
pub struct Gateway {
    runtime: ArcSwap<Runtime>,
    shared: Arc<Shared>,
    metrics: Metrics,
    /// Held for the whole of a reload ([`Gateway::reload_turn`]).
    reloads: Mutex<()>,
    /// A planned stop's drain, read by the listeners' connections.
    draining: Draining,
}

/// What the shadow tasks share with the gateway.
pub(crate) struct Shared {
    /// Every shadow task; awaited (bounded) at shutdown.
    pub tasks: TaskTracker,
    /// Cancelled when the shutdown deadline is reached.
    pub cancel: CancellationToken,
    recorder: Option<Recorder>,
    /// Live calls in flight.
    live_inflight: IntGauge,
    /// Shadow comparisons in flight.
    shadow_inflight: IntGauge,
    /// Outcomes since the last INFO summary.
    summary: summary::OutcomeSummary,
    /// Where shadow answers are canonicalised, compared and recorded.
    workers: workers::ShadowWorkers,
}

/// Counts one call in flight for as long as it lives.
pub(crate) struct InflightGuard<'a>(&'a IntGauge);

impl<'a> InflightGuard<'a> {
    /// Increments now, decrements on drop (also when the future is cancelled).
    pub fn new(gauge: &'a IntGauge) -> Self {
        gauge.inc();
        InflightGuard(gauge)
    }
}

impl Drop for InflightGuard<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

impl Shared {
    /// Queues a store event; a full queue drops it (the store counts it) and it is logged here.
    fn record(&self, exchange: &Exchange, event: Event) {
        if let Some(recorder) = &self.recorder {
            if recorder.record(event).is_err() {
                events::record_dropped(exchange);
            }
        }
    }
}

/// What to do with a frame read from a connection.
#[derive(Debug)]
pub enum FrameReply {
    /// Write this answer.
    Answer(Bytes, FrameOutcome),
    /// Nothing can be answered (not even the header decodes): close the connection. The text
    /// says why, for the HTTP `/v1/frames` route's 400 (the MCI listeners log it and close).
    Close(FrameOutcome, String),
}

/// Why a JSON request could not be answered, as an HTTP status and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngressError {
    /// 400, 404, 502 or 504.
    pub status: u16,
    /// What went wrong (field paths, engine names; never a request value).
    pub message: String,
    /// How the request ended, as the pipeline saw it (for `frames_total`).
    pub outcome: FrameOutcome,
}

impl IngressError {
    /// The error answering a request with `kind`'s status and outcome.
    fn new(kind: ErrorAnswer, message: String) -> IngressError {
        IngressError {
            status: kind.http_status(),
            message,
            outcome: kind.outcome(),
        }
    }
}

impl Gateway {
    /// A gateway on a built runtime; `recorder` feeds the mismatch store (none: comparisons are
    /// only logged).
    /// `runtime` must have been built with the same `metrics`.
    /// The shadow workers are started here, from the runtime's `[shadow]` section.
    pub fn new(runtime: Runtime, recorder: Option<Recorder>, metrics: Metrics) -> Arc<Gateway> {
        let workers = workers::ShadowWorkers::start(
            &runtime.config.shadow,
            Duration::from_millis(runtime.config.shadow.gather_ms),
            metrics.shadow_queue_depth(),
        );
        Arc::new(Gateway {
            runtime: ArcSwap::from_pointee(runtime),
            shared: Arc::new(Shared {
                tasks: TaskTracker::new(),
                cancel: CancellationToken::new(),
                recorder,
                live_inflight: metrics.inflight(Role::Live),
                shadow_inflight: metrics.inflight(Role::Shadow),
                summary: summary::OutcomeSummary::default(),
                workers,
            }),
            metrics,
            reloads: Mutex::new(()),
            draining: Draining::default(),
        })
    }

    /// A planned stop's drain: begun by the signal handler, read by every connection.
    pub fn draining(&self) -> &Draining {
        &self.draining
    }

    /// The metrics every part of the gateway counts into.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The current runtime.
    pub fn runtime(&self) -> Arc<Runtime> {
        self.runtime.load_full()
    }

    /// Waits until no other reload runs, and keeps others waiting until the guard drops. A reload
    /// reads the runtime in force, builds from it, swaps and records the change in the audit
    /// trail; two at once (SIGHUP and `POST /api/v1/reload`) could record a change from a config
    /// that was no longer in force, or swap in a runtime built from a replaced one. Reloads are
    /// synchronous: the guard is never held across an `.await`.
    pub fn reload_turn(&self) -> MutexGuard<'_, ()> {
        // It guards no data: a reload that panicked leaves nothing half-written behind it.
        self.reloads.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Swaps in a new config; on failure the old one stays and every problem is returned.
    /// Requests in flight finish on the runtime they started with; the clients of engines whose
    /// settings are unchanged and the shadow breakers of engines that stay the same carry over
    /// ([`Runtime::rebuild`]). Callers take [`Self::reload_turn`] around the whole reload.
    pub fn reload(&self, config: Config) -> Result<(), Vec<crate::config::Problem>> {
        let built = Runtime::rebuild(Arc::new(config), &self.metrics, &self.runtime());
        self.metrics.config_reload(built.is_ok());
        self.runtime.store(Arc::new(built?));
        Ok(())
    }

    /// Stops new shadow work and waits up to `grace` for shadow comparisons in flight; the rest
    /// are cancelled (and counted as skipped).
    pub async fn drain(&self, grace: Duration) {
        self.shared.tasks.close();
        if tokio::time::timeout(grace, self.shared.tasks.wait())
            .await
            .is_err()
        {
            self.shared.cancel.cancel();
            let _ = tokio::time::timeout(Duration::from_secs(1), self.shared.tasks.wait()).await;
        }
    }

    /// Logs the INFO summary of the comparisons since the last one (at shutdown, so the last
    /// interval's counts are not lost); returns the number of lines.
    pub fn log_summary(&self) -> usize {
        self.shared.summary.log()
    }

    /// Shadow comparisons in flight.
    pub fn shadow_tasks(&self) -> usize {
        self.shared.tasks.len()
    }

    /// Holds every shadow worker busy until the guard drops, so a test can fill the shadow
    /// queue deterministically; `None` if the workers did not all start within `within`.
    #[cfg(feature = "test-support")]
    pub fn hold_shadow_workers(&self, within: Duration) -> Option<ShadowHold> {
        self.shared.workers.hold(within)
    }

    /// Handles one frame read by a listener that uses `layout_name`.
    pub async fn handle_frame(&self, layout_name: &str, frame: Bytes) -> FrameReply {
        let received = Instant::now();
        let runtime = self.runtime();
        let Some(layout) = runtime.layout(layout_name).cloned() else {
            let why = format!("the listener's layout {layout_name:?} is not loaded");
            return FrameReply::Close(FrameOutcome::FramingError, why);
        };
        // Polls and keep-alives have no header to decode (a poll may be shorter than it).
        if let Some((control, answer)) = layout.control_answer(&frame) {
            events::control_frame(layout_name, &control.name);
            return FrameReply::Answer(Bytes::from(answer), FrameOutcome::Control);
        }
        let exchange = match decode_frame(&runtime, layout_name, &layout, &frame, received) {
            Ok(exchange) => Arc::new(exchange),
            Err(reply) => return reply,
        };
        match self.live(&exchange, received, Reply::Frame).await {
            Ok(answer) => FrameReply::Answer(answer.into_frame(), FrameOutcome::Ok),
            Err(kind) => error_reply(&runtime, &layout, &exchange.request_header(), kind),
        }
    }

    /// Handles a JSON request for a strategy (HTTP ingress), its body as received: the answer is
    /// the live decision as core banking would receive it (encoded into the response layout and
    /// decoded again), as the JSON text `{"header": {..}, "body": {..}}`. A body that is not
    /// such a request is refused (400) before the strategy is looked up.
    pub async fn handle_message(
        &self,
        strategy: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, IngressError> {
        let received = Instant::now();
        let exchange = decode_json(&self.runtime(), strategy, body, received)?;
        let exchange = Arc::new(exchange);
        let answer = self
            .live(&exchange, received, Reply::Json)
            .await
            .map_err(|kind| IngressError::new(kind, live_failure_text(kind, &exchange)))?;
        match answer {
            LiveOk::Decoded(decision) => {
                Ok(answer::view_json(decision.view(), decision.frame().len()))
            }
            // It did not decode on the live path: decoded again here for the reason (rare).
            LiveOk::Frame(frame) => {
                answer::response_json(&exchange.strategy.layout, &exchange.tx_code, &frame).map_err(
                    |e| {
                        let message = format!("live answer does not decode: {e}");
                        IngressError::new(ErrorAnswer::LiveError, message)
                    },
                )
            }
        }
    }

    /// Answers from the live engine, or with `live_timeout` and no engine call when the request's
    /// TTL ran out before the call. `received` is when the request arrived: the client-visible
    /// latency is measured from it.
    async fn live(
        &self,
        exchange: &Arc<Exchange>,
        received: Instant,
        reply: Reply,
    ) -> Result<LiveOk, ErrorAnswer> {
        let span = events::request_span(exchange);
        let answer = if exchange.expired(Instant::now()) {
            shadow::skip_expired(&self.shared, exchange);
            span.in_scope(|| events::ttl_expired(exchange, received.elapsed()));
            Err(ErrorAnswer::LiveTimeout)
        } else {
            self.call_live(exchange, &span, reply).await
        };
        let outcome = answer
            .as_ref()
            .map_or_else(|kind| kind.outcome(), |_| FrameOutcome::Ok);
        span.record("outcome", outcome.as_str());
        span.in_scope(|| events::answered(exchange, outcome, received.elapsed()));
        answer
    }

    /// Calls the live engine, starting the shadow first so both engines get the request together.
    /// Both calls end at the request's TTL when it comes before their own timeouts. A JSON
    /// `reply` has the answer decoded here, once: the client's JSON and the shadow's comparison
    /// share the view.
    async fn call_live(
        &self,
        exchange: &Arc<Exchange>,
        span: &tracing::Span,
        reply: Reply,
    ) -> Result<LiveOk, ErrorAnswer> {
        let to_shadow = shadow::start(&self.shared, exchange);
        let strategy = &exchange.strategy;
        let request = exchange.engine_request(Role::Live);
        let started = Instant::now();
        let inflight = InflightGuard::new(&self.shared.live_inflight);
        // An http engine's answer is checked where it is received, in the one parse that builds
        // the tree it is encoded from; the call's latency ends at the check, before the encode.
        let encode = |tree: JsonTree<'_>| (Instant::now(), encode_live(exchange, &tree));
        let called = strategy
            .live
            .call_decoded(&exchange.frame, &request, exchange.deadline(), &encode)
            .instrument(span.clone())
            .await;
        drop(inflight);
        let latency = match &called {
            Ok(DecodedAnswer::Json((checked, _))) => checked.duration_since(started),
            _ => started.elapsed(),
        };
        let outcome = called
            .as_ref()
            .map_or_else(|e| e.outcome(), |_| Outcome::Ok);
        events::engine_called(exchange, Role::Live, outcome, latency);
        let answer = match called {
            Ok(DecodedAnswer::Frame(bytes)) => Ok(bytes),
            Ok(DecodedAnswer::Json((_, encoded))) => encoded.map_err(|reason| {
                events::live_failed(exchange, &reason);
                ErrorAnswer::LiveError
            }),
            Err(error) => {
                events::live_failed(exchange, &error);
                Err(if error.is_timeout() {
                    ErrorAnswer::LiveTimeout
                } else {
                    ErrorAnswer::LiveError
                })
            }
        };
        let answer = answer.map(|frame| match reply {
            Reply::Frame => LiveOk::Frame(frame),
            Reply::Json => {
                let layout = exchange.strategy.layout.clone();
                match LiveDecision::decode(layout, &exchange.tx_code, frame.clone()) {
                    Ok(decision) => LiveOk::Decoded(Arc::new(decision)),
                    Err(_) => LiveOk::Frame(frame),
                }
            }
        });
        if let Some(to_shadow) = to_shadow {
            let live = answer.as_ref().ok().map(|ok| match ok {
                LiveOk::Decoded(decision) => shadow::LiveAnswer::decoded(decision.clone(), latency),
                // Not decoded (or not decodable): the shadow worker decodes it and logs why not.
                LiveOk::Frame(frame) => shadow::LiveAnswer::frame(frame.clone(), latency),
            });
            // The shadow task may have given up already; that is its business, not the client's.
            let _ = to_shadow.send(live);
        }
        answer
    }
}

/// What a listener answers with: the live answer's frame (MCI listeners, `/v1/frames`), or its
/// JSON (`POST /v1/strategies/{name}`), for which the live path decodes the answer once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reply {
    Frame,
    Json,
}

/// A live answer as the live path gives it to its listener.
enum LiveOk {
    /// The frame, not decoded: a frame reply's, or a JSON reply's that does not decode.
    Frame(Bytes),
    /// The frame and its view (a JSON reply), shared with the shadow comparison.
    Decoded(Arc<LiveDecision>),
}

impl LiveOk {
    /// The answer frame.
    fn into_frame(self) -> Bytes {
        match self {
            LiveOk::Frame(frame) => frame,
            LiveOk::Decoded(decision) => decision.frame().clone(),
        }
    }
}

/// The HTTP ingress's 502/504 text: which engine failed, and where the cause is (the WARN line
/// `live engine failed` carries the error under the request's correlation id). The cause itself
/// stays in the log: an engine's address or error page is not the client's business.
fn live_failure_text(kind: ErrorAnswer, exchange: &Exchange) -> String {
    let engine = exchange.strategy.live.name();
    match exchange.correlation_id.is_empty() {
        true => format!(
            "{}: live engine {engine:?} (the cause is in the gateway's log)",
            kind.text()
        ),
        false => format!(
            "{}: live engine {engine:?} (the cause is in the gateway's log, correlation_id {})",
            kind.text(),
            exchange.correlation_id
        ),
    }
}

/// A live http engine's checked answer as the frame core banking receives, or why it cannot be.
fn encode_live(exchange: &Exchange, tree: &JsonTree<'_>) -> Result<Bytes, String> {
    let (layout, code) = (&exchange.strategy.layout, &exchange.tx_code);
    // The header echo is the one part of the request an http answer needs as JSON; the body is
    // encoded from the answer's borrowed tree.
    let header = exchange.request_header_tree();
    echo::encode_answer(layout, code, header, tree)
        .map(Bytes::from)
        .map_err(|(error, _)| format!("live answer does not fit the layout: {error}"))
}

/// Parses a JSON request for `strategy_name` (HTTP ingress), routes it, encodes it into its
/// request frame and decodes that frame as [`decode_frame`] decodes an MCI listener's, and
/// builds its exchange: an http engine gets the same body for the same request whichever way it
/// came (numbers, cut text and counts as the frame holds them). A request that cannot be routed
/// or encoded gets its error (400, or 404 for no such strategy), logged.
fn decode_json(
    runtime: &Runtime,
    strategy_name: &str,
    body: &[u8],
    received: Instant,
) -> Result<Exchange, IngressError> {
    // Logged as a rejected frame is (the live path's failures are logged by `live`), with the
    // request's correlation id once its strategy's layout can find it.
    let rejected = |kind: ErrorAnswer, header: Option<&JsonMembers<'_>>, message: String| {
        let field = runtime
            .strategy(strategy_name)
            .and_then(|s| s.layout.correlation_field());
        let id = header.zip(field).and_then(|(h, f)| f.text_in(h));
        let named = Some(strategy_name).filter(|name| !name.is_empty());
        events::bad_request(named, kind.outcome(), id.unwrap_or(""), &message);
        IngressError::new(kind, message)
    };
    // A body that parsed (a key given twice) still names its request in the log.
    let request = JsonRequest::parse(body).map_err(|refusal| {
        rejected(
            ErrorAnswer::BadRequest,
            refusal.header.as_deref(),
            refusal.message,
        )
    })?;
    let Some(strategy) = runtime.strategy(strategy_name).cloned() else {
        let message = format!("no strategy named {strategy_name:?}");
        return Err(rejected(ErrorAnswer::UnknownTransaction, None, message));
    };
    let header = Some(request.header());
    let (frame, code) = (request.encode(&strategy.layout, &strategy.spec.tx_codes))
        .map_err(|message| rejected(ErrorAnswer::BadRequest, header, message))?;
    let layout = strategy.layout.clone();
    let decoded = DecodedRequest::decode_as(layout, &code, Bytes::from(frame)).map_err(|e| {
        // The client posted JSON and never sees the frame: its path, not its bytes.
        let message = format!("{}: {}", e.path, e.kind);
        rejected(ErrorAnswer::BadRequest, header, message)
    })?;
    Ok(Exchange::from_view(strategy, decoded, received))
}

/// Decodes a request frame into a typed view (no JSON tree), routes it and builds its
/// exchange; a frame that cannot be routed gets its error reply.
fn decode_frame(
    runtime: &Runtime,
    layout_name: &str,
    layout: &Arc<Layout>,
    frame: &Bytes,
    received: Instant,
) -> Result<Exchange, FrameReply> {
    let request = match DecodedRequest::decode(layout.clone(), frame.clone()) {
        Ok(decoded) => decoded,
        Err(error) => return Err(bad_frame_reply(runtime, layout_name, layout, frame, &error)),
    };
    let code = request.code();
    let Some(strategy) = runtime.route(layout_name, code).cloned() else {
        let outcome = FrameOutcome::UnknownTransaction;
        let header = &request.view().header;
        let field = layout.correlation_field();
        events::bad_frame(
            layout_name,
            outcome,
            &correlation_id(field.and_then(|f| f.text_view(header))),
            &format!("no strategy for transaction {code:?}"),
        );
        let header = header.to_map();
        return Err(error_reply(
            runtime,
            layout,
            &header,
            ErrorAnswer::UnknownTransaction,
        ));
    };
    Ok(Exchange::from_view(strategy, request, received))
}

/// The reply to a frame that does not decode: an error answer when its header decodes (the body
/// is bad, or no message has its key), else a close.
fn bad_frame_reply(
    runtime: &Runtime,
    layout_name: &str,
    layout: &Layout,
    frame: &[u8],
    error: &protocol_mci::DecodeError,
) -> FrameReply {
    let kind = match error.kind {
        DecodeErrorKind::UnknownMessage(_) => ErrorAnswer::UnknownTransaction,
        _ => ErrorAnswer::BadRequest,
    };
    let outcome = kind.outcome();
    let header = layout.decode_header(frame).ok();
    let field = layout.correlation_field();
    let id = header
        .as_ref()
        .map(|h| correlation_id(field.and_then(|f| f.text(h))))
        .unwrap_or_default();
    events::bad_frame(layout_name, outcome, &id, error);
    match header {
        Some(header) => error_reply(runtime, layout, &header, kind),
        None => FrameReply::Close(outcome, error.to_string()),
    }
}

/// The gateway's own error answer, or a close when even that cannot be written.
fn error_reply(
    runtime: &Runtime,
    layout: &Layout,
    header: &Map<String, Value>,
    kind: ErrorAnswer,
) -> FrameReply {
    let code = kind.code(&runtime.config.response_codes);
    match layout.encode_error_answer(header, code, kind.text()) {
        Ok(frame) => FrameReply::Answer(Bytes::from(frame), kind.outcome()),
        Err(error) => {
            tracing::error!(%error, "cannot write an error answer; closing the connection");
            FrameReply::Close(
                kind.outcome(),
                format!("its error answer cannot be written: {error}"),
            )
        }
    }
}
