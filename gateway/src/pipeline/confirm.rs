//! Noise confirmation (`confirm_mismatches = true`): a mismatch's request goes to the shadow
//! engine a second time and its two answers are compared. Fields that differ between them are
//! non-deterministic in the new engine: noise, not a defect. The live engine is never called
//! again; the second call takes a permit of the same in-flight budget, and a full budget skips
//! the check (counted), never waits.

use std::sync::Arc;

use tokio::time::Instant;

use super::breaker::Pass;
use super::decision::DecisionNode;
use super::exchange::Exchange;
use super::shadow::{call, canonical, CanonicalAnswer};
use super::{events, Shared};
use crate::runtime::Engine;
use crate::store::{ConfirmResult, Confirmation, Mismatch, NOISE_PREFIX};

/// Checks the mismatch `record` whose first shadow decision was `first` (canonicalised), within
/// `deadline`; marks the record and counts the result.
pub(super) async fn confirm(
    shared: &Shared,
    exchange: &Arc<Exchange>,
    engine: &Engine,
    deadline: Instant,
    first: CanonicalAnswer,
    record: &mut Mismatch,
) {
    let strategy = &exchange.strategy;
    let confirmation = match strategy.shadow_budget.try_acquire() {
        None => Confirmation::not_made(ConfirmResult::Skipped),
        Some(_permit) => match second(shared, exchange, engine, deadline).await {
            Some(second) => match (
                first.view(exchange, engine.name()),
                second.view(exchange, engine.name()),
            ) {
                (Ok(first), Ok(second)) => {
                    let layout = &strategy.layout;
                    let between = comparator::compare(
                        DecisionNode::root(layout, &first),
                        DecisionNode::root(layout, &second),
                        &strategy.spec.rules,
                    );
                    Confirmation::of(&record.differing_paths, &between.signature().fields)
                }
                _ => Confirmation::not_made(ConfirmResult::Failed),
            },
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

/// The second shadow answer, canonicalised; `None` when the call failed or its answer does not
/// fit the response layout (one that does not decode is found when it is compared).
async fn second(
    shared: &Shared,
    exchange: &Arc<Exchange>,
    engine: &Engine,
    deadline: Instant,
) -> Option<CanonicalAnswer> {
    // Not a probe: whether the breaker is open is for the calls of new requests to find out.
    let mut answer = call(shared, exchange, engine, Pass::Closed, deadline)
        .await?
        .ok()?;
    let checked = answer.check(engine.name()).ok()?;
    canonical(exchange, checked).ok()
}
