//! The task that polls idle `mci` engine connections (`poll_interval_ms`) of the current runtime.
//!
//! One task for every engine: it wakes at half the shortest poll interval, and each engine runs a
//! round only when its own interval has passed. After a reload it polls the new runtime's engines
//! (an engine the reload kept is the same client, polled on); connections of a client the reload
//! replaced are no longer polled and age out by their idle timeout.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use tokio_util::sync::CancellationToken;

use super::{Engine, Runtime};
use crate::pipeline::Gateway;

/// How often the task looks when no engine polls: a reload may add one.
const IDLE_TICK: Duration = Duration::from_secs(1);

/// Shortest wake-up, whatever the intervals.
const MIN_TICK: Duration = Duration::from_millis(10);

/// Runs poll rounds until `shutdown`. Every round is bounded by the engines' request and connect
/// timeouts; shutdown interrupts a round (the connection being polled is then closed).
pub async fn poll_loop(gateway: Arc<Gateway>, shutdown: CancellationToken) {
    loop {
        let engines = polled_engines(&gateway.runtime());
        let tick = engines
            .iter()
            .filter_map(|e| e.poll_interval())
            .min()
            .map_or(IDLE_TICK, |interval| (interval / 2).max(MIN_TICK));
        tokio::select! {
            () = tokio::time::sleep(tick) => {}
            () = shutdown.cancelled() => return,
        }
        let rounds = join_all(engines.iter().map(|e| e.poll_idle()));
        tokio::select! {
            _ = rounds => {}
            () = shutdown.cancelled() => return,
        }
    }
}

/// The runtime's engines that poll, each once (an engine may serve several strategies).
fn polled_engines(runtime: &Runtime) -> Vec<Arc<Engine>> {
    let mut engines = BTreeMap::new();
    for strategy in runtime.strategies() {
        for engine in std::iter::once(&strategy.live).chain(strategy.shadow.as_ref()) {
            if engine.poll_interval().is_some() {
                engines.insert(engine.name().to_owned(), engine.clone());
            }
        }
    }
    engines.into_values().collect()
}
