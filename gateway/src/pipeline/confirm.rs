//! Noise confirmation (`confirm_mismatches = true`): a mismatch's request goes to the shadow
//! engine a second time and its two answers are compared. Fields that differ between them are
//! non-deterministic in the new engine: noise, not a defect. The live engine is never called
//! again; the second call takes a permit of the same in-flight budget, and a full budget skips
//! the check (counted), never waits.

use serde_json::Value;
use tokio::time::Instant;

use super::exchange::Exchange;
use super::shadow::{call, canonicalise};
use super::{events, Shared};
use crate::runtime::Engine;
use crate::store::{ConfirmResult, Confirmation, Mismatch, NOISE_PREFIX};

/// Checks the mismatch `record` whose first shadow decision was `first` (the layout's JSON,
/// canonicalised), within `deadline`; marks the record and counts the result.
pub(super) async fn confirm(
    shared: &Shared,
    exchange: &Exchange,
    engine: &Engine,
    deadline: Instant,
    first: Value,
    record: &mut Mismatch,
) {
    let strategy = &exchange.strategy;
    let confirmation = match strategy.shadow_budget.clone().try_acquire_owned() {
        Err(_) => Confirmation::not_made(ConfirmResult::Skipped),
        Ok(_permit) => match second(shared, exchange, engine, deadline).await {
            Some(second) => {
                let between = comparator::compare(&first, &second, &strategy.spec.rules);
                Confirmation::of(&record.differing_paths, &between.signature().fields)
            }
            None => Confirmation::not_made(ConfirmResult::Failed),
        },
    };
    strategy.metrics.confirmation(confirmation.result);
    events::mismatch_confirmed(exchange, &confirmation);
    if confirmation.result == ConfirmResult::Noise {
        // Grouped apart: a noisy field must not make (or join) a defect group.
        record.signature = format!("{NOISE_PREFIX}{}", record.signature);
    }
    record.confirmation = Some(confirmation);
}

/// The second shadow decision as the layout's JSON; `None` when the call failed or its answer
/// is not comparable.
async fn second(
    shared: &Shared,
    exchange: &Exchange,
    engine: &Engine,
    deadline: Instant,
) -> Option<Value> {
    let answer = call(shared, exchange, engine, deadline).await?.ok()?;
    let decision = canonicalise(exchange, engine.name(), answer).ok()?;
    Some(exchange.strategy.layout.into_json(decision))
}
