//! The shadow path: a tracked task the live path never awaits, in four stages: call the shadow
//! engine, canonicalise its answer through the response layout (what core banking would
//! receive), compare it with the live decision, and [`emit`] the one outcome. Nothing here can
//! reach the client.
//!
//! The call (and the wait for the live answer) is I/O and runs on the main runtime; the other
//! stages are CPU work and run on the shadow workers ([`super::workers`]), so a comparison never
//! sits between two live answers on a tokio worker. That includes an http engine's JSON answer:
//! the runtime only reads its bytes, its one parse (check and tree) is the worker's
//! ([`super::received`]).
//!
//! Both decisions are compared as typed views of their frames ([`super::decision`]): text
//! borrowed from the frame, decimals as scaled integers. A shadow answer whose bytes after the
//! header are the live answer's has only its header decoded, beside the live body. JSON is built
//! only for a record (a mismatch or a failure), never for a match, and no decision is
//! deep-copied on the way.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use protocol_mci::{BesideView, DecodeError, Message, MessageView};
use tokio::sync::oneshot;
use tokio::time::{timeout_at, Instant};
use tracing::instrument::WithSubscriber;
use tracing::Instrument;

use super::answer::{decode_response_view, decode_response_view_beside};
use super::breaker::Pass;
use super::confirm::confirm;
use super::decision::DecisionNode;
use super::echo::encode_answer;
use super::emit::{emit, Verdict};
use super::exchange::Exchange;
use super::live_view::LiveDecision;
use super::received::{self, Checked, ShadowAnswer};
use super::record::{failure_record, mismatch_record, Latencies, ShadowFailure};
use super::{events, InflightGuard, Shared};
use crate::engine::{Outcome, Role};
use crate::outcome::{ShadowErrorKind, ShadowOutcome, SkipReason};
use crate::runtime::budget::BudgetPermit;
use crate::runtime::{Engine, EngineAnswer};
use crate::store::RawPayload;

/// What the live path hands the shadow task once it has answered, or nothing when the live
/// engine failed.
pub type LiveResult = Option<LiveAnswer>;

/// The live answer as the live path hands it on: its frame, decoded already when the live path
/// needed its view (the HTTP ingress's JSON), and the live latency.
pub struct LiveAnswer {
    frame: Bytes,
    decoded: Option<Arc<LiveDecision>>,
    latency: Duration,
}

impl LiveAnswer {
    /// An answer frame the live path did not decode.
    pub(super) fn frame(frame: Bytes, latency: Duration) -> LiveAnswer {
        LiveAnswer {
            frame,
            decoded: None,
            latency,
        }
    }

    /// An answer the live path decoded: the shadow worker compares the same view.
    pub(super) fn decoded(decision: Arc<LiveDecision>, latency: Duration) -> LiveAnswer {
        LiveAnswer {
            frame: decision.frame().clone(),
            decoded: Some(decision),
            latency,
        }
    }
}

/// A shadow answer as the frame core banking would receive: the engine's own frame, or its JSON
/// answer encoded into the response layout. Cheap to clone (a shared buffer).
#[derive(Debug, Clone)]
pub(super) struct CanonicalAnswer {
    frame: Bytes,
    /// Encoded by the gateway from an http engine's JSON: a frame that does not decode again is
    /// then the gateway's encoding failing (unencodable), not the engine's frame.
    encoded: bool,
}

impl CanonicalAnswer {
    /// The decision as typed values borrowed from the frame.
    pub(super) fn view<'f>(
        &'f self,
        exchange: &'f Exchange,
        engine: &str,
    ) -> Result<MessageView<'f>, ShadowFailure> {
        let layout = &exchange.strategy.layout;
        decode_response_view(layout, &exchange.tx_code, &self.frame)
            .map_err(|e| self.undecodable(engine, &e))
    }

    /// The decision beside the live one (`live`, decoded as `live_view`): only the header when
    /// the body reads as the live body ([`decode_response_view_beside`]).
    fn view_beside<'f>(
        &'f self,
        exchange: &'f Exchange,
        engine: &str,
        live: &[u8],
        live_view: &MessageView<'_>,
    ) -> Result<BesideView<'f>, ShadowFailure> {
        let layout = &exchange.strategy.layout;
        let (code, header) = (&exchange.tx_code, &live_view.header);
        decode_response_view_beside(layout, code, &self.frame, live, header)
            .map_err(|e| self.undecodable(engine, &e))
    }

    /// Why the frame does not decode: the gateway's encoding failing, or the engine's frame.
    fn undecodable(&self, engine: &str, error: &DecodeError) -> ShadowFailure {
        if self.encoded {
            ShadowFailure::unencodable(format!("encoded answer does not decode: {error}"), None)
        } else {
            ShadowFailure::error(
                ShadowErrorKind::InvalidAnswer,
                format!("engine {engine:?}: answer frame does not decode: {error}"),
            )
        }
    }
}

/// Starts the shadow comparison of an exchange if its strategy has a shadow, the request is in the
/// sample and the in-flight budget has room. Returns where to send the live result.
pub(super) fn start(
    shared: &Arc<Shared>,
    exchange: &Arc<Exchange>,
) -> Option<oneshot::Sender<LiveResult>> {
    let strategy = &exchange.strategy;
    let engine = strategy.shadow.clone()?;
    if !exchange.sampled() {
        return None;
    }
    let skip = |reason| emit(shared, exchange, Verdict::skipped(reason));
    // The budget first: a probe the breaker lets through is then always made.
    let Some(permit) = strategy.shadow_budget.try_acquire() else {
        skip(SkipReason::BudgetFull);
        return None;
    };
    let Some(pass) = strategy.shadow_breaker.pass() else {
        skip(SkipReason::ShadowDown);
        return None;
    };
    let (live_tx, live_rx) = oneshot::channel();
    let span = events::shadow_span(exchange);
    let task = run(
        shared.clone(),
        exchange.clone(),
        engine,
        (permit, pass),
        live_rx,
    );
    shared.tasks.spawn(task.instrument(span));
    Some(live_tx)
}

/// Counts a shadow comparison that would have run as skipped (`ttl_expired`): the request's TTL
/// ran out before the calls, so neither engine is called and there is nothing to compare.
pub(super) fn skip_expired(shared: &Shared, exchange: &Exchange) {
    if exchange.strategy.shadow.is_some() && exchange.sampled() {
        emit(shared, exchange, Verdict::skipped(SkipReason::TtlExpired));
    }
}

/// The whole shadow comparison, bounded by the strategy's shadow timeout: the engine call and
/// the wait for the live answer here, on the main runtime (I/O only); the CPU work on the shadow
/// workers ([`hand_off`]).
pub(super) async fn run(
    shared: Arc<Shared>,
    exchange: Arc<Exchange>,
    engine: Arc<Engine>,
    (permit, pass): (BudgetPermit, Pass),
    live_rx: oneshot::Receiver<LiveResult>,
) {
    let inflight = InflightGuard::new(&shared.shadow_inflight);
    let deadline = Instant::now() + exchange.strategy.spec.shadow_timeout;
    let started = Instant::now();
    let Some(answer) = call(&shared, &exchange, &engine, pass, deadline).await else {
        return emit(&shared, &exchange, Verdict::skipped(SkipReason::Shutdown));
    };
    let shadow = started.elapsed();
    // The live path sends its result right after answering; waiting here never delays it.
    let live = match timeout_at(deadline, live_rx).await {
        Ok(Ok(Some(live))) => live,
        // Nothing to compare: the shadow's call is counted (its answer checked) as it drops,
        // before the skip. A live path that ends without sending was dropped: its request was
        // abandoned (the client closed the connection), not failed by the live engine.
        waited => {
            drop(answer);
            let reason = match waited {
                Ok(Err(_)) => SkipReason::ClientClosed,
                _ => SkipReason::LiveFailed,
            };
            return emit(&shared, &exchange, Verdict::skipped(reason));
        }
    };
    drop(inflight);
    let latencies = Latencies {
        live: live.latency,
        shadow,
    };
    let answers = Answers {
        shadow: answer,
        live,
        latencies,
    };
    hand_off(shared, exchange, engine, answers, permit, deadline);
}

/// Both engines' answers, as they came, waiting to be judged.
struct Answers {
    shadow: Result<ShadowAnswer, ShadowFailure>,
    live: LiveAnswer,
    latencies: Latencies,
}

/// Queues the comparison for the shadow workers; a full queue skips it (`queue_full`). The job
/// keeps the budget's permit and a task-tracker token until it has emitted, so the in-flight
/// budget and the shutdown drain both cover it while it waits. A mismatch to confirm
/// (`confirm_mismatches`) goes back to the runtime for the second shadow call, then emits there.
fn hand_off(
    shared: Arc<Shared>,
    exchange: Arc<Exchange>,
    engine: Arc<Engine>,
    answers: Answers,
    permit: BudgetPermit,
    deadline: Instant,
) {
    let token = shared.tasks.token();
    let runtime = tokio::runtime::Handle::current();
    // The span and the subscriber it belongs to (the process's, or a test's thread-local one)
    // go with the job to the worker thread.
    let span = tracing::Span::current();
    let dispatch = tracing::dispatcher::get_default(Clone::clone);
    let (job_shared, job_exchange) = (shared.clone(), exchange.clone());
    let shared_tasks = shared.tasks.clone();
    let job = Box::new(move || {
        let held = (token, permit);
        let (verdict, first) = tracing::dispatcher::with_default(&dispatch, || {
            span.in_scope(|| match job_shared.cancel.is_cancelled() {
                true => {
                    // The shadow's call is counted as its answer drops, before the skip.
                    drop(answers);
                    (Verdict::skipped(SkipReason::Shutdown), None)
                }
                false => judge(&job_shared, &job_exchange, &engine, answers),
            })
        });
        let Some(first) = first.filter(|_| verdict.record.is_some()) else {
            tracing::dispatcher::with_default(&dispatch, || {
                span.in_scope(|| emit(&job_shared, &job_exchange, verdict));
            });
            return;
        };
        let confirmed = async move {
            let _held = held;
            let mut verdict = verdict;
            if let Some(record) = verdict.record.as_mut() {
                confirm(&job_shared, &job_exchange, &engine, deadline, first, record).await;
            }
            emit(&job_shared, &job_exchange, verdict);
        };
        shared_tasks.spawn_on(
            confirmed.instrument(span).with_subscriber(dispatch),
            &runtime,
        );
    });
    if shared.workers.submit(job).is_err() {
        emit(&shared, &exchange, Verdict::skipped(SkipReason::QueueFull));
    }
}

/// The CPU stages, on a shadow worker: check and canonicalise the shadow answer, decode the
/// live one, compare. A mismatch of a strategy that confirms mismatches also returns the
/// shadow's first decision, for the second call.
fn judge(
    shared: &Shared,
    exchange: &Exchange,
    engine: &Engine,
    answers: Answers,
) -> (Verdict, Option<CanonicalAnswer>) {
    let Answers {
        shadow,
        live,
        latencies,
    } = answers;
    let shadow = shadow.and_then(|mut answer| canonical(exchange, answer.check(engine.name())?));
    let (mut verdict, first) = {
        // Decoded by the live path already (HTTP ingress), or here.
        let decoded;
        let decision = match &live.decoded {
            Some(shared) => {
                // Always so: the live path decodes with this exchange's layout
                // (`exchange.strategy.layout`, an `Arc` the exchange holds for its whole life, a
                // reload notwithstanding) and sends the view on the channel `start` made for
                // this exchange alone.
                debug_assert!(
                    shared.decoded_with(&exchange.strategy.layout),
                    "a live view decoded with another layout than its exchange's"
                );
                shared.view()
            }
            None => match live_decision(exchange, &live.frame) {
                Some(view) => {
                    decoded = view;
                    &decoded
                }
                None => return (Verdict::skipped(SkipReason::LiveFailed), None),
            },
        };
        let sides = Sides {
            live: decision,
            live_frame: &live.frame,
            shadow,
        };
        compare(shared, exchange, engine.name(), sides, latencies)
    };
    // The raw pair replay resends; the store seals it, or drops it without a key (refcounts, no
    // copies on this path).
    if let Some(record) = verdict.record.as_mut() {
        record.payload = Some(RawPayload {
            request: exchange.frame.clone(),
            live_answer: live.frame,
        });
    }
    (verdict, first)
}

/// Calls the shadow engine within the deadline, and within the request's TTL when that is
/// earlier (the live call gets the same TTL); `None` when the gateway is shutting down. A failed
/// call is counted here; an answer's call when it is checked ([`ShadowAnswer`]).
///
/// A shadow call cut by the TTL is a shadow error of kind timeout, like one cut by the shadow
/// timeout: the shadow engine was asked and did not answer while the caller still waited.
pub(super) async fn call(
    shared: &Shared,
    exchange: &Arc<Exchange>,
    engine: &Engine,
    pass: Pass,
    deadline: Instant,
) -> Option<Result<ShadowAnswer, ShadowFailure>> {
    let started = Instant::now();
    let request = exchange.engine_request(Role::Shadow);
    let ttl = exchange.ttl.filter(|ttl| ttl.deadline < deadline);
    let deadline = ttl.map_or(deadline, |ttl| ttl.deadline);
    let engine_call = engine.call(&exchange.frame, &request, exchange.deadline());
    let called = tokio::select! {
        called = timeout_at(deadline, engine_call) => called,
        () = shared.cancel.cancelled() => return None,
    };
    let elapsed = started.elapsed();
    let outcome = match &called {
        Err(_) => Some(Outcome::Timeout),
        Ok(Err(error)) => Some(error.outcome()),
        Ok(Ok(_)) => None,
    };
    if let Some(outcome) = outcome {
        events::engine_called(exchange, Role::Shadow, outcome, elapsed);
    }
    let breaker = &exchange.strategy.shadow_breaker;
    Some(match called {
        Ok(Ok(answer)) => {
            // Any answer, one decision or not, shows the engine reachable.
            if breaker.reached(pass) {
                events::shadow_breaker_closed(exchange, engine.name());
            }
            Ok(ShadowAnswer::received(exchange, answer, elapsed))
        }
        Ok(Err(error)) => {
            // As for the engine's health: an answer (an error status, one not of the
            // contract) reaches it, a refused connect counts against it, and a timeout, a
            // broken connection or our own in-flight bound say nothing either way.
            match error.outcome() {
                Outcome::Status | Outcome::Invalid | Outcome::Ok => {
                    if breaker.reached(pass) {
                        events::shadow_breaker_closed(exchange, engine.name());
                    }
                }
                Outcome::Connect => {
                    if breaker.connect_failed(pass) {
                        events::shadow_breaker_opened(exchange, engine.name());
                    }
                }
                Outcome::Timeout | Outcome::Io | Outcome::Overloaded => {}
            }
            let kind = ShadowErrorKind::of(&error);
            let within = match ttl {
                Some(ttl) if error.is_timeout() => {
                    format!(" (cut at the request's TTL of {}s)", ttl.within.as_secs())
                }
                _ => String::new(),
            };
            Err(ShadowFailure::error(kind, format!("{error}{within}")))
        }
        Err(_elapsed) => Err(ShadowFailure::error(
            ShadowErrorKind::Timeout,
            match ttl {
                Some(ttl) => format!(
                    "engine {:?}: no answer within the request's TTL of {}s",
                    engine.name(),
                    ttl.within.as_secs()
                ),
                None => format!(
                    "engine {:?}: no answer within the shadow timeout of {}ms",
                    engine.name(),
                    exchange.strategy.spec.shadow_timeout.as_millis()
                ),
            },
        )),
    })
}

/// The shadow answer as core banking would receive it: an mci frame decoded, a JSON answer
/// checked, encoded into the response layout and decoded again (for replay, which stores JSON).
pub(super) fn canonicalise(
    exchange: &Exchange,
    engine: &str,
    answer: EngineAnswer,
) -> Result<Message, ShadowFailure> {
    let checked = received::check(&answer).map_err(|k| received::invalid_answer(engine, k))?;
    let answer = canonical(exchange, checked)?;
    answer.view(exchange, engine).map(MessageView::into_message)
}

/// The checked shadow answer as the frame core banking would receive: an mci frame as it is, a
/// JSON answer encoded into the response layout (an answer that does not fit is unencodable).
pub(super) fn canonical(
    exchange: &Exchange,
    answer: Checked<'_>,
) -> Result<CanonicalAnswer, ShadowFailure> {
    let layout = &exchange.strategy.layout;
    match answer {
        Checked::Frame(frame) => Ok(CanonicalAnswer {
            frame,
            encoded: false,
        }),
        Checked::Json(tree) => {
            // The echo copies the request header the live path decoded.
            let header = exchange.request_header_tree();
            // The tree the answer's one check built (on the shadow worker): the body is encoded
            // from it without a `Value`.
            match encode_answer(layout, &exchange.tx_code, header, &tree) {
                Ok(frame) => Ok(CanonicalAnswer {
                    frame: Bytes::from(frame),
                    encoded: true,
                }),
                Err((e, message)) => Err(ShadowFailure::unencodable(
                    format!("answer does not fit the response layout: {e}"),
                    Some(message),
                )),
            }
        }
    }
}

/// The live decision as core banking received it, as typed values borrowed from the frame;
/// `None` when it does not decode (nothing to compare with).
fn live_decision<'f>(exchange: &'f Exchange, frame: &'f [u8]) -> Option<MessageView<'f>> {
    let layout = &exchange.strategy.layout;
    match decode_response_view(layout, &exchange.tx_code, frame) {
        Ok(decision) => Some(decision),
        Err(error) => {
            events::live_undecodable(exchange, &error);
            None
        }
    }
}

/// What [`compare`] compares: the live decision (decoded, and its frame) and the shadow's.
struct Sides<'f> {
    live: &'f MessageView<'f>,
    live_frame: &'f [u8],
    shadow: Result<CanonicalAnswer, ShadowFailure>,
}

/// Compares both decisions under the strategy's rules; a shadow failure is its own verdict.
/// A mismatch of a strategy that confirms mismatches also gives the shadow's answer back, for
/// the second call.
fn compare(
    shared: &Shared,
    exchange: &Exchange,
    engine: &str,
    sides: Sides<'_>,
    latencies: Latencies,
) -> (Verdict, Option<CanonicalAnswer>) {
    let Sides {
        live,
        live_frame,
        shadow,
    } = sides;
    let failed = |live: &MessageView<'_>, failure: ShadowFailure| {
        let outcome = failure.outcome;
        let record = failure_record(exchange, live, failure, latencies);
        (Verdict::recorded(outcome, record), None)
    };
    let answer = match shadow {
        Ok(answer) => answer,
        Err(failure) => return failed(live, failure),
    };
    // When the answers differ in their headers only (a clock), only the shadow's header is
    // decoded: its body is the live one's, held once, and the walk passes over it.
    let beside = match answer.view_beside(exchange, engine, live_frame, live) {
        Ok(beside) => beside,
        Err(failure) => return failed(live, failure),
    };
    let strategy = &exchange.strategy;
    let layout = &strategy.layout;
    let shadow_root = match &beside {
        BesideView::Whole(decision) => DecisionNode::root(layout, decision),
        BesideView::Header(header) => DecisionNode::root_of(layout, header, &live.body),
    };
    let comparison = super::judge::judge(DecisionNode::root(layout, live), shadow_root, strategy);
    if let Some(tally) = strategy
        .suppressed
        .count(&strategy.name, &comparison.suppressed)
    {
        shared.record(exchange, tally);
    }
    if comparison.is_match() {
        return (Verdict::matched(), None);
    }
    // A mismatch (the rare case) is recorded from the whole decision, as its own view.
    let decision = match beside {
        BesideView::Whole(decision) => decision,
        BesideView::Header(_) => match answer.view(exchange, engine) {
            Ok(decision) => decision,
            Err(failure) => return failed(live, failure),
        },
    };
    // JSON for the record only, written from the views.
    let record = mismatch_record(exchange, live, &decision, &comparison, latencies);
    let first = strategy.spec.confirm_mismatches.then_some(answer.clone());
    (Verdict::recorded(ShadowOutcome::Mismatch, record), first)
}
