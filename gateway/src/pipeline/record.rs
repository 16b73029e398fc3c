//! What is stored about a comparison that did not match: masked before it leaves the pipeline.

use std::collections::HashMap;
use std::time::Duration;

use comparator::Comparison;
use protocol_mci::{mask_text, Direction, MaskKind, Message};
use serde_json::Value;

use super::exchange::Exchange;
use crate::store::{Difference, Mismatch, RecordKind};

/// What went wrong on the shadow side, when there are no two decisions to compare.
pub struct ShadowFailure {
    /// Shadow error or unencodable answer.
    pub kind: RecordKind,
    /// What happened, for people (engine errors and encode errors name engine and field).
    pub reason: String,
    /// The shadow's answer as a message, when it had one (an unencodable answer).
    pub decision: Option<Message>,
}

/// Builds the masked record of a mismatch or a shadow failure.
pub fn mismatch(
    exchange: &Exchange,
    live: Option<&Message>,
    shadow: Result<(&Message, &Comparison), &ShadowFailure>,
    live_latency: Duration,
    shadow_latency: Duration,
) -> Mismatch {
    let strategy = &exchange.strategy;
    let layout = &strategy.layout;
    let masked = |message: &Message, direction| {
        let mut message = message.clone();
        layout.mask(direction, &mut message);
        message.to_value()
    };
    let masks: HashMap<String, MaskKind> =
        layout.masked_paths(&exchange.tx_code).into_iter().collect();
    let (kind, differences, signature, paths, reason, shadow_decision) = match shadow {
        Ok((decision, comparison)) => {
            let signature = comparison.signature();
            let differences = comparison
                .differences
                .iter()
                .map(|d| {
                    let mask = masks.get(&d.field()).copied();
                    Difference {
                        path: d.path.to_string(),
                        kind: serde_name(&d.kind),
                        live: d.live.as_ref().map(|v| mask_value(v, mask)),
                        shadow: d.shadow.as_ref().map(|v| mask_value(v, mask)),
                        severity: serde_name(&d.severity),
                    }
                })
                .collect();
            let decision = Some(masked(decision, Direction::Response));
            (
                RecordKind::Mismatch,
                differences,
                signature.id,
                signature.fields,
                None,
                decision,
            )
        }
        Err(failure) => {
            let decision = failure
                .decision
                .as_ref()
                .map(|d| masked(d, Direction::Response));
            let signature = failure_signature(failure.kind);
            let reason = Some(failure.reason.clone());
            (
                failure.kind,
                Vec::new(),
                signature,
                Vec::new(),
                reason,
                decision,
            )
        }
    };
    Mismatch {
        strategy: strategy.name.clone(),
        kind,
        tx_code: exchange.tx_code.clone(),
        correlation_id: exchange.correlation_id.clone(),
        live_engine: strategy.live.name().to_owned(),
        shadow_engine: strategy
            .shadow
            .as_ref()
            .map(|s| s.name().to_owned())
            .unwrap_or_default(),
        differences,
        signature,
        differing_paths: paths,
        reason,
        request: masked(&exchange.request, Direction::Request),
        live_decision: live.map(|m| masked(m, Direction::Response)),
        shadow_decision,
        live_latency_us: micros(live_latency),
        shadow_latency_us: micros(shadow_latency),
    }
}

/// Shadow failures group by kind: their reasons carry details that would split every group.
fn failure_signature(kind: RecordKind) -> String {
    kind.as_str().to_owned()
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
