//! Comparing under governed rules: judged on today's date in `[review] time_zone`, so a rule
//! whose `expires` has come hides nothing and its differences come back marked with it.

use comparator::{Comparison, Node};

use crate::config::governance::today;
use crate::runtime::Strategy;

/// Compares two decisions under the strategy's rules on today's date.
pub(super) fn judge<'a, N: Node<'a>>(live: N, shadow: N, strategy: &Strategy) -> Comparison {
    let rules = &strategy.spec.rules;
    // Reading the clock and the zone only when some rule can expire.
    match rules.earliest_expiry() {
        None => comparator::compare(live, shadow, rules),
        Some(_) => comparator::compare_on(live, shadow, rules, today(&strategy.days)),
    }
}
