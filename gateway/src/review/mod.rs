//! The review layer for the migration team: one read model for the report CLI, the admin API and
//! the HTML page, and the arithmetic of the cutover review.
//!
//! The read model ([`Review`] over a store [`crate::store::Reader`] and the running config's
//! [`Policies`]) is the only place that turns stored counters, groups and records into what
//! people read, so the CLI, the API and the page show the same numbers and sentences. The
//! arithmetic is pure functions over counters.
//!
//! # Layout
//! - `model`: [`Summary`], [`StrategySummary`], [`Detail`]: what the API answers and the CLI reads.
//! - `build`: [`Review`], the store and the policies turned into that model.
//! - `known`: [`UnknownStrategy`], a strategy name neither counted nor configured (a misspelt one).
//! - `daily`: [`ReviewView`] (zone, chart days) and the [`Daily`] series of strategies and groups.
//! - `zoned`: [`ReviewView::in_zone`], the UTC times inside shared sentences in the review's zone.
//! - `sides`: both decisions of a record field by field, for side-by-side views.
//! - `filter`: record kinds and times as people type them.
//! - `beta`: the regularized incomplete beta function and its quantile (f64, bisection).
//! - `rate`: [`MismatchRate`] and its exact one-sided 95% upper bound (Clopper–Pearson).
//! - `plural`: [`plural`], a count and its noun agreeing (`1 open group`, `2 open groups`).
//! - `readiness`: [`ReadinessConfig`] thresholds and the [`assess`] verdict.
//! - `critical`: [`open_critical`], open groups on a critical field, which block readiness and
//!   the cutover sign-off alike.
//! - `suppressed_daily`: [`SuppressedDaily`], what each rule hid per day, spikes marked.
//! - `batch`: batch reconciliation runs judged with the same arithmetic ([`assess_batch`]).
//! - `batch_sides`: one example of a batch group field by field, legacy left and new right.

mod batch;
mod batch_sides;
pub mod beta;
mod build;
mod critical;
mod daily;
mod filter;
mod known;
mod model;
mod plural;
mod rate;
mod readiness;
mod sides;
mod suppressed_daily;
mod zoned;

pub use batch::{assess_batch, BatchSummary};
pub use batch_sides::example_rows;
pub use build::{policies, Policies, Policy, Review};
pub use critical::{critical_blockers, cutover_ready, open_critical};
pub use daily::{Daily, DayCount, ReviewView};
pub use filter::{check_window, parse_kind, parse_time};
pub use known::{unknown_strategy, UnknownStrategy};
pub use model::{Detail, EngineStatus, RuleCount, StoreHealth, StrategySummary, Summary};
pub use sides::{request_rows, side_by_side, value_text, RowState, SideRow};
pub use suppressed_daily::{RuleDaily, SuppressedDaily, SPIKE_FACTOR};

pub use plural::{noun_for, plural};
pub use rate::{percent_bound, percent_ceil, thousands, upper_bound, MismatchRate, CONFIDENCE};
pub use readiness::{assess, Blocker, Criterion, Readiness, ReadinessConfig};
