//! Replaying one stored case: its raw request goes to an engine again (role `replay`), the answer
//! is canonicalised through the response layout as a shadow answer would be, and compared with
//! the **stored** live answer under the strategy's current rules.
//!
//! The live engine is not called: the stored answer is what core banking received, and asking
//! the live engine again could differ for reasons that have nothing to do with the fix.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::answer::decode_response;
use super::exchange::Exchange;
use super::live_view::DecodedRequest;
use super::shadow::canonicalise;
use crate::engine::Role;
use crate::outcome::ShadowOutcome;
use crate::runtime::{Engine, Strategy};
use crate::store::{MismatchRecord, RawPayload};

/// How one replayed case ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum CaseResult {
    /// The engine's answer now equals the stored live answer.
    Fixed,
    /// It still differs, on the same fields (same signature).
    StillDiffering,
    /// It differs on other fields: a new signature.
    DifferingDifferently {
        /// The new signature.
        signature: String,
        /// Its differing fields.
        fields: Vec<String>,
    },
    /// The engine failed on the case: no connection, no answer in time, an error status, an
    /// answer that is not one decision.
    Error {
        /// What happened (engine names and field paths, never a value).
        reason: String,
    },
    /// No readable case: no payload stored (no key then), its key removed, or its stored
    /// request or live answer no longer decodes with the layout. Not sent: no engine is at fault.
    Unreadable {
        /// Why.
        reason: String,
    },
}

impl CaseResult {
    /// The snake_case name shown in tables and counted in run totals.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Fixed => "fixed",
            Self::StillDiffering => "still_differing",
            Self::DifferingDifferently { .. } => "new_signature",
            Self::Error { .. } => "error",
            Self::Unreadable { .. } => "unreadable",
        }
    }

    /// Every label, in display order.
    pub const LABELS: [&'static str; 5] = [
        "fixed",
        "still_differing",
        "new_signature",
        "error",
        "unreadable",
    ];
}

/// Sends `payload` (the stored case `record`) to `engine` and judges its answer against the
/// stored live answer. `timeout` bounds the call (the strategy's shadow timeout).
pub async fn replay_case(
    strategy: &Arc<Strategy>,
    engine: &Engine,
    record: &MismatchRecord,
    payload: &RawPayload,
    timeout: Duration,
) -> CaseResult {
    let error = |reason: String| CaseResult::Error { reason };
    // A case the layout no longer reads is unreadable, not an engine's failure, and is not sent:
    // its answer could not be judged against the stored one anyway.
    let unreadable = |reason: String| CaseResult::Unreadable { reason };
    let exchange = match exchange(strategy, engine, payload) {
        Ok(exchange) => exchange,
        Err(reason) => return unreadable(reason),
    };
    let layout = &strategy.layout;
    let live = match decode_response(layout, &exchange.tx_code, &payload.live_answer) {
        Ok(live) => live,
        Err(e) => {
            return unreadable(format!(
                "unreadable: the stored live answer no longer decodes with the layout: {e}"
            ))
        }
    };
    let request = exchange.engine_request(Role::Replay);
    let call = engine.call(&exchange.frame, &request, None);
    let answer = match tokio::time::timeout(timeout, call).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(e)) => return error(e.to_string()),
        Err(_) => {
            let ms = timeout.as_millis();
            return error(format!(
                "engine {:?}: no answer within {ms}ms",
                engine.name()
            ));
        }
    };
    let stored = &record.mismatch.signature;
    let decision = match canonicalise(&exchange, engine.name(), answer) {
        Ok(decision) => decision,
        Err(failure) => match failure.outcome {
            ShadowOutcome::Unencodable => {
                return judge(stored, failure.outcome.failure_signature(), Vec::new())
            }
            _ => return error(failure.reason),
        },
    };
    let (live, shadow) = (layout.into_json(live), layout.into_json(decision));
    let comparison = comparator::compare(&live, &shadow, &strategy.spec.rules);
    if comparison.is_match() {
        return CaseResult::Fixed;
    }
    let signature = comparison.signature();
    judge(stored, signature.id, signature.fields)
}

/// Still differing when the signature is the stored one, differing differently otherwise.
fn judge(stored: &str, signature: String, fields: Vec<String>) -> CaseResult {
    if signature == stored {
        CaseResult::StillDiffering
    } else {
        CaseResult::DifferingDifferently { signature, fields }
    }
}

/// The stored request as the pipeline's exchange: decoded with the layout, with the JSON an http
/// engine needs (the replay target may be http where both configured engines speak frames).
fn exchange(
    strategy: &Arc<Strategy>,
    engine: &Engine,
    payload: &RawPayload,
) -> Result<Exchange, String> {
    let request = DecodedRequest::decode(strategy.layout.clone(), payload.request.clone())
        .map_err(|e| {
            format!("unreadable: the stored request no longer decodes with the layout: {e}")
        })?;
    let exchange = Exchange::from_view(strategy.clone(), request, Instant::now());
    // The replay target may be http where both configured engines speak frames.
    Ok(match engine.is_mci() {
        true => exchange,
        false => exchange.with_json(),
    })
}
