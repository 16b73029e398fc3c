//! Review arithmetic for the migration team: pure functions over the store's counters.
//!
//! No I/O here: the report CLI, the admin API and the HTML page call these with counters they
//! read, and show the same numbers and sentences.
//!
//! # Layout
//! - `beta`: the regularized incomplete beta function and its quantile (f64, bisection).
//! - `rate`: [`MismatchRate`] and its exact one-sided 95% upper bound (Clopper–Pearson).
//! - `readiness`: [`ReadinessConfig`] thresholds and the [`assess`] verdict.

pub mod beta;
mod rate;
mod readiness;

pub use rate::{percent_ceil, thousands, upper_bound, MismatchRate, CONFIDENCE};
pub use readiness::{assess, Blocker, Criterion, Readiness, ReadinessConfig};
