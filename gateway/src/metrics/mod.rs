//! Prometheus metrics: one registry per gateway, every name prefixed `shadowgate_` (but the
//! standard `process_*` families of the process collector), label values from closed sets only.
//!
//! Handles are made once (at startup, or on reload for new listeners, strategies and engines) and
//! hold their series: counting is an array index or a map lookup by a layout path, then an atomic
//! add, never a label lookup. Label values are the enums in [`labels`], names from the config, or
//! collapsed layout paths; never anything from a request (ids, customer numbers, error texts).
//! Every family is documented in `dashboards/README.md`.
//!
//! # Layout
//! - [`labels`]: the closed sets of label values (frame outcomes, reload results); comparison
//!   outcomes, skip reasons and shadow error kinds are in [`crate::outcome`].
//! - `registry`: [`Metrics`], the registry with every family, and the handle factories.
//! - `listener`: [`ListenerMetrics`], frames by outcome and open connections.
//! - `strategy`: [`StrategyMetrics`], client-visible latency, comparisons, differing fields,
//!   skipped shadow calls, shadow errors by kind, readiness and the last mismatch time.
//! - `engine`: [`EngineMetrics`], engine calls by role and outcome, and their durations.
//! - `link`: [`LinkMetrics`], the link layer of a listener or engine: acknowledgements,
//!   unmatched dual-socket answers, answers a dual-socket listener dropped.
//! - `store`: the collector that reads [`crate::store::StoreStats`] at scrape time.

mod engine;
pub mod labels;
mod link;
mod listener;
mod registry;
mod store;
mod strategy;

pub use engine::{EngineMetrics, EngineShape, StaleConnectionMetrics};
pub use labels::{CloseReason, FrameOutcome, ListenerKind, ReloadResult, OTHER_FIELD};
pub use link::{AnswerDrop, Direction as LinkDirection, LinkMetrics, LinkShape, LinkSide};
pub use listener::{ConnectionGuard, ListenerMetrics};
pub use registry::{Metrics, LATENCY_BUCKETS, NAMESPACE};
pub use strategy::StrategyMetrics;

#[cfg(test)]
mod tests;
