//! The shadow path: a tracked task the live path never awaits. It calls the shadow engine,
//! canonicalises both answers through the response layout (what core banking would receive),
//! compares them and records the outcome. Nothing here can reach the client.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use protocol_mci::{Direction, Message};
use serde_json::{Map, Value};
use tokio::sync::{oneshot, OwnedSemaphorePermit};
use tokio::time::{timeout_at, Instant};
use tracing::Instrument;

use super::answer::answer_message;
use super::exchange::Exchange;
use super::record::{mismatch, ShadowFailure};
use super::{events, InflightGuard, Shared};
use crate::engine::{Outcome, Role};
use crate::metrics::{ComparisonResult, SkipReason};
use crate::runtime::{Engine, EngineAnswer};
use crate::store::{Event, RecordKind};

/// What the live path hands the shadow task once it has answered: the answer frame and the live
/// latency, or nothing when the live engine failed.
pub type LiveResult = Option<(Bytes, Duration)>;

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
    if !strategy.shadow_breaker.allows() {
        events::shadow_skipped(exchange, SkipReason::ShadowDown);
        let strategy = strategy.name.clone();
        shared.record(exchange, Event::Skipped { strategy });
        return None;
    }
    let Ok(permit) = strategy.shadow_budget.clone().try_acquire_owned() else {
        events::shadow_skipped(exchange, SkipReason::BudgetFull);
        shared.record(
            exchange,
            Event::Skipped {
                strategy: strategy.name.clone(),
            },
        );
        return None;
    };
    let (live_tx, live_rx) = oneshot::channel();
    let span = events::shadow_span(exchange);
    let task = run(shared.clone(), exchange.clone(), engine, permit, live_rx);
    shared.tasks.spawn(task.instrument(span));
    Some(live_tx)
}

/// The whole shadow comparison, bounded by the strategy's shadow timeout.
async fn run(
    shared: Arc<Shared>,
    exchange: Arc<Exchange>,
    engine: Arc<Engine>,
    _permit: OwnedSemaphorePermit,
    live_rx: oneshot::Receiver<LiveResult>,
) {
    let strategy = &exchange.strategy;
    let layout = &strategy.layout;
    let timeout = strategy.spec.shadow_timeout;
    let started = Instant::now();
    let deadline = started + timeout;
    let _inflight = InflightGuard::new(&shared.shadow_inflight);
    let request = exchange.engine_request(Role::Shadow);
    let called = tokio::select! {
        called = timeout_at(deadline, engine.call(&exchange.frame, &request)) => called,
        () = shared.cancel.cancelled() => {
            events::shadow_skipped(&exchange, SkipReason::Shutdown);
            shared.record(&exchange, Event::Skipped { strategy: strategy.name.clone() });
            return;
        }
    };
    let shadow_latency = started.elapsed();
    let outcome = match &called {
        Err(_) => Outcome::Timeout,
        Ok(Err(error)) => error.outcome(),
        Ok(Ok(_)) => Outcome::Ok,
    };
    events::engine_called(&exchange, Role::Shadow, outcome, shadow_latency);
    match &called {
        Ok(Err(error)) if error.is_connect() => {
            if strategy.shadow_breaker.connect_failed() {
                events::shadow_breaker_opened(&exchange, engine.name());
            }
        }
        Ok(_) => strategy.shadow_breaker.reached(),
        Err(_) => {}
    }
    let shadow: Result<Message, ShadowFailure> = match called {
        Err(_) => Err(failure(
            RecordKind::ShadowError,
            format!(
                "engine {:?}: no answer within the shadow timeout of {}ms",
                engine.name(),
                timeout.as_millis()
            ),
        )),
        Ok(Err(error)) => {
            events::engine_error(&exchange, Role::Shadow, &error);
            Err(failure(RecordKind::ShadowError, error.to_string()))
        }
        Ok(Ok(EngineAnswer::Frame(bytes))) => {
            layout.decode(Direction::Response, &bytes).map_err(|e| {
                failure(
                    RecordKind::ShadowError,
                    format!(
                        "engine {:?}: answer frame does not decode: {e}",
                        engine.name()
                    ),
                )
            })
        }
        Ok(Ok(EngineAnswer::Json(value))) => {
            let message = answer_message(layout, &exchange.request.header, &value);
            match layout.encode(Direction::Response, &message) {
                Ok(frame) => layout.decode(Direction::Response, &frame).map_err(|e| {
                    failure(
                        RecordKind::Unencodable,
                        format!("encoded answer does not decode: {e}"),
                    )
                }),
                Err(e) => Err(ShadowFailure {
                    kind: RecordKind::Unencodable,
                    reason: format!("answer does not fit the response layout: {e}"),
                    decision: Some(message),
                }),
            }
        }
    };
    // The live path sends its result right after answering; waiting here never delays it.
    let live = match timeout_at(deadline, live_rx).await {
        Ok(Ok(Some(live))) => live,
        _ => {
            events::shadow_skipped(&exchange, SkipReason::LiveFailed);
            shared.record(
                &exchange,
                Event::Skipped {
                    strategy: strategy.name.clone(),
                },
            );
            return;
        }
    };
    let live_decision = match layout.decode(Direction::Response, &live.0) {
        Ok(decision) => decision,
        Err(e) => {
            events::shadow_skipped(&exchange, SkipReason::LiveFailed);
            tracing::warn!(strategy = %strategy.name, correlation_id = %exchange.correlation_id, error = %e, "live answer does not decode; nothing to compare");
            shared.record(
                &exchange,
                Event::Skipped {
                    strategy: strategy.name.clone(),
                },
            );
            return;
        }
    };
    let event = match shadow {
        Ok(decision) => {
            // The comparator takes `{"header", "body"}` values. `Message::to_value` would deep-copy
            // both decisions for every comparison; moving the maps in (and back out for the rare
            // mismatch record) copies nothing.
            let (live_value, shadow_value) = (into_value(live_decision), into_value(decision));
            let comparison = comparator::compare(&live_value, &shadow_value, &strategy.spec.rules);
            if let Some(tally) = strategy
                .suppressed
                .count(&strategy.name, &comparison.suppressed)
            {
                shared.record(&exchange, tally);
            }
            if comparison.is_match() {
                events::compared(&exchange, ComparisonResult::Match, &[], None);
                Event::Match {
                    strategy: strategy.name.clone(),
                }
            } else {
                let (live_decision, decision) =
                    (into_message(live_value), into_message(shadow_value));
                let record = mismatch(
                    &exchange,
                    Some(&live_decision),
                    Ok((&decision, &comparison)),
                    live.1,
                    shadow_latency,
                );
                let signature = Some(record.signature.as_str());
                events::compared(
                    &exchange,
                    ComparisonResult::Mismatch,
                    &comparison.differences,
                    signature,
                );
                Event::Record(Box::new(record))
            }
        }
        Err(failure) => {
            let record = mismatch(
                &exchange,
                Some(&live_decision),
                Err(&failure),
                live.1,
                shadow_latency,
            );
            let result = match record.kind {
                RecordKind::Unencodable => ComparisonResult::Unencodable,
                _ => ComparisonResult::ShadowError,
            };
            events::compared(&exchange, result, &[], Some(&record.signature));
            Event::Record(Box::new(record))
        }
    };
    shared.record(&exchange, event);
}

/// A decision as the comparator reads it: what `Message::to_value` gives, without the copy.
fn into_value(message: Message) -> Value {
    let mut object = Map::with_capacity(2);
    object.insert("header".to_owned(), Value::Object(message.header));
    object.insert("body".to_owned(), Value::Object(message.body));
    Value::Object(object)
}

/// The decision back from [`into_value`]; both members are always there.
fn into_message(value: Value) -> Message {
    let mut message = Message::default();
    if let Value::Object(object) = value {
        for (key, member) in object {
            match (key.as_str(), member) {
                ("header", Value::Object(header)) => message.header = header,
                ("body", Value::Object(body)) => message.body = body,
                _ => {}
            }
        }
    }
    message
}

fn failure(kind: RecordKind, reason: String) -> ShadowFailure {
    ShadowFailure {
        kind,
        reason,
        decision: None,
    }
}
