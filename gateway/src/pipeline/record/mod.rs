//! What is stored about a comparison that did not match: masked before it leaves the pipeline.
//! Built on the shadow workers; the request is decoded from its frame here, so the live path
//! never builds its JSON.
//!
//! The request and both decisions are written as JSON text straight from their decoded views,
//! masked while written ([`protocol_mci::Layout::write_masked_json`]): the same text as masking
//! their `Message` form and serialising it, which the store did for every record, without the
//! maps. The `Value` path ([`masked`]) remains for a shadow answer that has no view (an
//! unencodable one) and is the tests' reference.

use std::time::Duration;

use comparator::Comparison;
use protocol_mci::{mask_text, Direction, MaskKind, Message, MessageView};
use serde_json::Value;

use super::exchange::Exchange;
use crate::outcome::{ShadowErrorKind, ShadowOutcome};
use crate::store::{Difference, MaskedJson, Mismatch, RecordKind};

/// What went wrong on the shadow side, when there are no two decisions to compare.
#[derive(Debug)]
pub struct ShadowFailure {
    /// A shadow error of some kind, or an unencodable answer.
    pub outcome: ShadowOutcome,
    /// What happened, for people (engine errors and encode errors name engine and field).
    pub reason: String,
    /// The shadow's answer as a message, when it had one (an unencodable answer).
    pub decision: Option<Box<Message>>,
}

/// How long each engine took.
#[derive(Debug, Clone, Copy)]
pub struct Latencies {
    /// The live engine's call.
    pub live: Duration,
    /// The shadow engine's call, or the time until it failed.
    pub shadow: Duration,
}

impl ShadowFailure {
    /// The shadow engine failed.
    pub fn error(kind: ShadowErrorKind, reason: String) -> Self {
        ShadowFailure {
            outcome: ShadowOutcome::ShadowError(kind),
            reason,
            decision: None,
        }
    }

    /// The shadow answer does not fit the response layout.
    pub fn unencodable(reason: String, decision: Option<Box<Message>>) -> Self {
        ShadowFailure {
            outcome: ShadowOutcome::Unencodable,
            reason,
            decision,
        }
    }
}

/// The masked record of two decisions that differ, written from their views.
pub fn mismatch_record(
    exchange: &Exchange,
    live: &MessageView<'_>,
    shadow: &MessageView<'_>,
    comparison: &Comparison,
    latencies: Latencies,
) -> Mismatch {
    let masks = exchange.strategy.layout.masked_paths(&exchange.tx_code);
    let signature = comparison.signature();
    let mut record = base(exchange, live, RecordKind::Mismatch, latencies);
    record.differences = comparison
        .differences
        .iter()
        .map(|d| {
            let mask = mask_of(masks, &d.field());
            Difference {
                path: d.path.to_string(),
                kind: serde_name(&d.kind),
                live: d.live.as_ref().map(|v| mask_value(v, mask)),
                shadow: d.shadow.as_ref().map(|v| mask_value(v, mask)),
                severity: serde_name(&d.severity),
                expired_rule: d.expired_rule.as_ref().map(ToString::to_string),
            }
        })
        .collect();
    record.signature = signature.id;
    record.differing_paths = signature.fields;
    record.shadow_decision = Some(masked_view(exchange, shadow, Direction::Response));
    record
}

/// The masked record of a shadow error or an unencodable answer. Such records group by outcome
/// (`shadow_error/timeout`): their reasons carry details that would split every group.
pub fn failure_record(
    exchange: &Exchange,
    live: &MessageView<'_>,
    failure: ShadowFailure,
    latencies: Latencies,
) -> Mismatch {
    let outcome = failure.outcome;
    let kind = outcome.record_kind().unwrap_or(RecordKind::ShadowError);
    let mut record = base(exchange, live, kind, latencies);
    if let ShadowOutcome::ShadowError(error_kind) = outcome {
        record.error_kind = Some(error_kind);
    }
    record.signature = outcome.failure_signature();
    record.reason = Some(failure.reason);
    record.shadow_decision = failure
        .decision
        .map(|d| MaskedJson::from_value(&masked(exchange, *d, Direction::Response)));
    record
}

/// What every record holds: who, what was asked, what the live engine answered, how long.
fn base(
    exchange: &Exchange,
    live: &MessageView<'_>,
    kind: RecordKind,
    latencies: Latencies,
) -> Mismatch {
    let strategy = &exchange.strategy;
    Mismatch {
        strategy: strategy.name.clone(),
        kind,
        error_kind: None,
        tx_code: exchange.tx_code.clone(),
        correlation_id: exchange.correlation_id.clone(),
        live_engine: strategy.live.name().to_owned(),
        shadow_engine: strategy
            .shadow
            .as_ref()
            .map(|s| s.name().to_owned())
            .unwrap_or_default(),
        differences: Vec::new(),
        signature: String::new(),
        differing_paths: Vec::new(),
        reason: None,
        request: masked_request(exchange),
        live_decision: Some(masked_view(exchange, live, Direction::Response)),
        shadow_decision: None,
        live_latency_us: micros(latencies.live),
        shadow_latency_us: micros(latencies.shadow),
        payload: None,
        confirmation: None,
    }
}

/// A decoded view as the record's masked JSON, written from the view. The view was decoded as
/// the request's message ([`super::answer::decode_response_view`], [`Exchange::request_view`]),
/// so its entries carry the masks [`masked`] applies; without a message for the code (views
/// selected by the frame), or should the text not be one JSON value, the `Value` path writes it.
fn masked_view(exchange: &Exchange, view: &MessageView<'_>, direction: Direction) -> MaskedJson {
    let layout = &exchange.strategy.layout;
    if layout.message(&exchange.tx_code).is_some() {
        let mut json = Vec::with_capacity(1024);
        layout.write_masked_json(view, &mut json);
        if let Some(json) = MaskedJson::from_written(json) {
            return json;
        }
    }
    MaskedJson::from_value(&masked(exchange, view.to_message(), direction))
}

/// A message with its sensitive fields masked, as JSON: the `Value` path.
fn masked(exchange: &Exchange, mut message: Message, direction: Direction) -> Value {
    let layout = &exchange.strategy.layout;
    // Masked as the request's message: one selected by frame length has no key in its JSON.
    match layout.message(&exchange.tx_code) {
        Some(selected) => layout.mask_as(direction, selected, &mut message),
        None => layout.mask(direction, &mut message),
    }
    exchange.strategy.layout.into_json(message)
}

/// The request as the live path decoded it (it kept no JSON of it), masked.
fn masked_request(exchange: &Exchange) -> MaskedJson {
    masked_view(exchange, exchange.request_view(), Direction::Request)
}

/// The mask of the field at `path` (indices collapsed) in a layout's sorted masked paths: with
/// two masks for one path, the last (as collecting them into a map kept it).
fn mask_of(masks: &[(String, MaskKind)], path: &str) -> Option<MaskKind> {
    let after = masks.partition_point(|(p, _)| p.as_str() <= path);
    let (found, kind) = masks.get(after.checked_sub(1)?)?;
    (found == path).then_some(*kind)
}

/// A value of a masked field, masked; others unchanged.
fn mask_value(value: &Value, mask: Option<MaskKind>) -> Value {
    match (mask, value) {
        (None, _) | (_, Value::Null) => value.clone(),
        (Some(kind), Value::String(s)) => Value::String(mask_text(kind, s)),
        (Some(kind), other) => Value::String(mask_text(kind, &other.to_string())),
    }
}

/// The snake_case name serde gives an enum value (`value_changed`, `critical`).
fn serde_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(name)) => name,
        _ => String::new(),
    }
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests;
