//! Both decisions of a record field by field, for side-by-side views (the page and the CLI),
//! each field equal, differing, or hidden by a rule of the strategy.
//!
//! Which rule hid a field is not stored: the record keeps the differences the comparator
//! reported and only a count per rule. It is found again by [`comparator::explain`] over the
//! stored (masked) decisions under the strategy's current rules, so a field is never
//! highlighted like a difference when a rule the team wrote made it equal.

mod leaves;
mod reported;
mod rows;
#[cfg(test)]
mod tests;
mod verdict;

pub use self::leaves::request_rows;
pub(super) use self::leaves::{flatten, union_paths, value_at};
pub(super) use self::reported::reported_paths;
pub use self::rows::{side_by_side, value_text, RowState, SideRow};
pub(super) use self::verdict::marks;
