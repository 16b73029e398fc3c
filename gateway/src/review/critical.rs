//! Open groups on a critical field: whatever its counts say, a strategy with a group that differs
//! on a field its `severity` rules call critical, and that nobody has resolved, is not ready. The
//! readiness the review shows and the cutover sign-off's refusal both come from [`open_critical`],
//! so the report never says "ready" where a sign-off would be refused.

use super::plural::noun_for;
use super::readiness::{Blocker, Criterion};
use crate::store::Group;
use crate::triage::GroupTriage;

/// A [`Criterion::CriticalGroup`] blocker for each open group of `groups` (`new`,
/// `investigating`, `fix_deployed`, reopened ones included) that differs on a field `rules` call
/// critical: a cutover must not put a known defect of the customer's outcome (decision, limit,
/// rate) live, however ready the counts are.
pub fn open_critical(groups: &[GroupTriage], rules: &comparator::Rules) -> Vec<Blocker> {
    groups
        .iter()
        .filter(|g| g.triage.state.is_open())
        .filter_map(|g| {
            let critical = critical_fields(&g.group, rules);
            if critical.is_empty() {
                return None;
            }
            let reopened = if g.triage.reopened { " (reopened)" } else { "" };
            let detail = format!(
                "group {} differs on critical {} {} and is {}{reopened}; verified, \
                 accepted_difference or not_a_defect is required",
                g.group.signature,
                noun_for(critical.len() as u64, "field"),
                critical.join(", "),
                g.triage.state,
            );
            Some(Blocker {
                criterion: Criterion::CriticalGroup,
                detail,
            })
        })
        .collect()
}

/// Whether any of `groups` differs on a field `rules` call critical: only then does readiness
/// need their triage.
pub fn any_critical(groups: &[Group], rules: &comparator::Rules) -> bool {
    groups.iter().any(|g| !critical_fields(g, rules).is_empty())
}

/// The fields `group` differs on that `rules` call critical, in its order.
fn critical_fields<'a>(group: &'a Group, rules: &comparator::Rules) -> Vec<&'a str> {
    group
        .differing_paths
        .iter()
        .map(String::as_str)
        .filter(|path| rules.severity_of(path) == comparator::Severity::Critical)
        .collect()
}
