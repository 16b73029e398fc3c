//! Open groups on a critical field: whatever its counts say, a strategy with a group that differs
//! on a field its `severity` rules call critical, and that nobody has resolved, is not ready. The
//! readiness the review shows and the cutover sign-off's refusal both come from [`open_critical`],
//! so the report never says "ready" where a sign-off would be refused.

use super::plural::noun_for;
use super::readiness::{assess, Blocker, Criterion};
use crate::config::StrategySpec;
use crate::store::{Group, Reader, StoreError, StrategyCounters};
use crate::triage::{GroupTriage, TriageBook};

/// Whether `spec`'s strategy is ready for cutover, as `shadowgate_cutover_ready` says: by its
/// `counters` (`None`: nothing stored yet, not ready) and with no open group on a critical field,
/// so the metric agrees with the report and the sign-off. Triage that cannot be read is not ready.
pub fn cutover_ready(
    reader: &Reader,
    counters: Option<&StrategyCounters>,
    spec: &StrategySpec,
    now_micros: u64,
) -> bool {
    counters.is_some_and(|c| assess(c, &spec.readiness, now_micros).is_ready())
        && critical_blockers(reader, &spec.name, &spec.rules, now_micros)
            .is_ok_and(|blockers| blockers.is_empty())
}

/// The blockers of `strategy`'s open groups on a field `rules` call critical, as the cutover
/// sign-off refuses them ([`open_critical`]). Their triage is read only when a group differs on
/// a critical field; when it cannot be read (a fleet's database away, a directory a running
/// gateway holds), that is the blocker: nothing says they are resolved.
pub fn critical_blockers(
    reader: &Reader,
    strategy: &str,
    rules: &comparator::Rules,
    now_micros: u64,
) -> Result<Vec<Blocker>, StoreError> {
    if !any_critical(&reader.groups(strategy)?, rules) {
        return Ok(Vec::new());
    }
    match TriageBook::new(reader.clone()).list(strategy, now_micros) {
        Ok(groups) => Ok(open_critical(&groups, rules)),
        Err(error) => Ok(vec![Blocker {
            criterion: Criterion::CriticalGroup,
            detail: format!(
                "a group differs on a critical field, and whether it is resolved cannot be \
                 read: {}",
                error.list_text()
            ),
        }]),
    }
}

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
fn any_critical(groups: &[Group], rules: &comparator::Rules) -> bool {
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
