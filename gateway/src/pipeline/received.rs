//! A shadow engine's answer as received, and its one check.
//!
//! The runtime only reads a shadow answer's bytes (bounded by `max_response_bytes`); an http
//! engine's JSON is checked where its tree is needed, on a shadow worker, in the one parse that
//! also builds the tree it is encoded from (issue 19). Whether the call ended `ok` or `invalid`
//! is known only then, so the call is counted ([`events::engine_called`]) then, with the
//! duration measured when the answer arrived: a frame's call at once, a JSON answer's when it
//! is checked, and one never checked (its comparison skipped: the live engine failed, the queue
//! was full, the gateway shut down) when it is dropped, checked then. Every call is counted
//! once, with the outcome the check before the move gave it. The shadow breaker does not wait:
//! any answer, valid or not, shows the engine reachable.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use protocol_mci::json::JsonTree;

use super::events;
use super::exchange::Exchange;
use super::record::ShadowFailure;
use crate::engine::{EngineError, EngineErrorKind, Outcome, Role};
use crate::outcome::ShadowErrorKind;
use crate::runtime::EngineAnswer;

/// A shadow engine's answer as received, its call counted once it is checked (or dropped).
pub(super) struct ShadowAnswer {
    answer: EngineAnswer,
    /// The call, while it waits to be counted: for which exchange, and how long it took.
    uncounted: Option<(Arc<Exchange>, Duration)>,
}

/// An engine's answer checked: an mci frame as it came, or an http engine's JSON as its tree.
pub(super) enum Checked<'a> {
    /// An mci engine's frame (it is decoded where it is compared).
    Frame(Bytes),
    /// An http engine's answer, one decision of the contract's shape.
    Json(JsonTree<'a>),
}

impl ShadowAnswer {
    /// The answer of a call that took `elapsed`: a frame's call is counted now, a JSON answer's
    /// when it is checked.
    pub(super) fn received(
        exchange: &Arc<Exchange>,
        answer: EngineAnswer,
        elapsed: Duration,
    ) -> ShadowAnswer {
        let uncounted = match answer {
            EngineAnswer::Json(_) => Some((exchange.clone(), elapsed)),
            EngineAnswer::Frame(_) => {
                events::engine_called(exchange, Role::Shadow, Outcome::Ok, elapsed);
                None
            }
        };
        ShadowAnswer { answer, uncounted }
    }

    /// The answer checked (an http engine's JSON: the one parse, giving its tree), its call
    /// counted if that waited for the check. An answer that is not one decision is the shadow
    /// error the engine call itself was before the move (same kind, same reason naming
    /// `engine`).
    pub(super) fn check(&mut self, engine: &str) -> Result<Checked<'_>, ShadowFailure> {
        self.check_and_count()
            .map_err(|kind| invalid_answer(engine, kind))
    }

    fn check_and_count(&mut self) -> Result<Checked<'_>, EngineErrorKind> {
        let ShadowAnswer { answer, uncounted } = self;
        let checked = check(answer);
        if let Some((exchange, elapsed)) = uncounted.take() {
            let outcome = checked
                .as_ref()
                .map_or_else(|k| k.outcome(), |_| Outcome::Ok);
            events::engine_called(&exchange, Role::Shadow, outcome, elapsed);
        }
        checked
    }
}

impl Drop for ShadowAnswer {
    fn drop(&mut self) {
        // Never checked (its comparison was skipped): checked now, so that the call is counted,
        // and counted with the outcome it had.
        if self.uncounted.is_some() {
            let _ = self.check_and_count();
        }
    }
}

/// An engine's answer checked: a frame as it is, JSON by its one parse (replay checks this way
/// too, and counts nothing).
pub(super) fn check(answer: &EngineAnswer) -> Result<Checked<'_>, EngineErrorKind> {
    match answer {
        EngineAnswer::Frame(frame) => Ok(Checked::Frame(frame.clone())),
        EngineAnswer::Json(json) => json.check().map(Checked::Json),
    }
}

/// The shadow error for an answer of `engine` that is not one decision, worded as the engine
/// error (`engine "new-engine": invalid answer: …`).
pub(super) fn invalid_answer(engine: &str, kind: EngineErrorKind) -> ShadowFailure {
    let error = EngineError::new(engine, kind);
    ShadowFailure::error(ShadowErrorKind::of(&error), error.to_string())
}
