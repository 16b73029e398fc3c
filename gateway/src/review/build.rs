//! The review model built from a store and the policies of a config: what the API answers, the
//! page shows and the CLI prints when it reads a store directory itself.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::model::{Detail, RuleCount, StoreHealth, StrategySummary, Summary};
use super::ReviewView;
use super::{assess, side_by_side, Blocker, Daily, MismatchRate, ReadinessConfig};
use crate::config::Config;
use crate::store::{
    format_micros, hour_of, Group, ListQuery, Page, Reader, RecordId, StoreError, StrategyCounters,
    SuppressionCounters,
};

/// How one strategy is judged and shown.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Cutover readiness thresholds.
    pub readiness: ReadinessConfig,
    /// Comparison rules: listed in suppression reports, elided in diffs.
    pub rules: Arc<comparator::Rules>,
}

/// Policies by strategy name.
pub type Policies = BTreeMap<String, Policy>;

/// The policies of every strategy in `config`.
pub fn policies(config: &Config) -> Policies {
    config
        .strategies
        .iter()
        .map(|(name, spec)| {
            let policy = Policy {
                readiness: spec.readiness.clone(),
                rules: spec.rules.clone(),
            };
            (name.clone(), policy)
        })
        .collect()
}

/// A store seen through a config's policies. Strategies without a policy (not configured, or no
/// config given) are judged with the default thresholds.
#[derive(Debug, Clone)]
pub struct Review {
    pub(super) reader: Reader,
    pub(super) policies: Policies,
    view: ReviewView,
}

impl Review {
    /// Reviews `reader` under `policies`.
    pub fn new(reader: Reader, policies: Policies) -> Self {
        Self {
            reader,
            policies,
            view: ReviewView::default(),
        }
    }

    /// Shows times and days as `view` says (zone, chart length).
    pub fn with_view(mut self, view: ReviewView) -> Self {
        self.view = view;
        self
    }

    /// How times and days are shown.
    pub fn view(&self) -> &ReviewView {
        &self.view
    }

    /// `Some` when `strategy` is neither counted by the store nor configured: a misspelt name,
    /// which must not read as a strategy without records.
    pub fn unknown_strategy(
        &self,
        strategy: &str,
    ) -> Result<Option<super::UnknownStrategy>, StoreError> {
        super::unknown_strategy(
            &self.reader,
            self.policies.keys().map(String::as_str),
            strategy,
        )
    }

    /// Every stored replay run of `strategy` (all when `None`), newest first.
    pub fn replays(
        &self,
        strategy: Option<&str>,
    ) -> Result<Vec<crate::store::ReplayRun>, StoreError> {
        self.reader.replays(strategy)
    }

    /// Per group, the latest replay run's "N of M cases fixed" ([`crate::store::replays`]).
    pub fn group_replays(
        &self,
        strategy: Option<&str>,
    ) -> Result<Vec<crate::store::GroupReplay>, StoreError> {
        self.reader.group_replays(strategy)
    }

    /// Daily comparisons and failures of every strategy and group over the chart window that
    /// ends on the local day of `now_micros`.
    pub fn daily(&self, now_micros: u64) -> Result<Daily, StoreError> {
        let (_, first_hour) = self.view.window(now_micros);
        let points = self
            .reader
            .series(first_hour, hour_of(now_micros).saturating_add(1))?;
        Ok(self.view.daily(&points, now_micros))
    }

    /// Every configured strategy and every strategy with counters, by name.
    pub fn summary(
        &self,
        store: Option<StoreHealth>,
        now_micros: u64,
    ) -> Result<Summary, StoreError> {
        let mut counters: BTreeMap<String, StrategyCounters> = self
            .reader
            .summary()?
            .into_iter()
            .map(|c| (c.strategy.clone(), c))
            .collect();
        for name in self.policies.keys() {
            counters
                .entry(name.clone())
                .or_insert_with(|| StrategyCounters::new(name));
        }
        let mut suppressed: BTreeMap<String, SuppressionCounters> = self
            .reader
            .suppressed()?
            .into_iter()
            .map(|s| (s.strategy.clone(), s))
            .collect();
        let strategies = counters
            .into_values()
            .map(|c| {
                let stored = suppressed.remove(&c.strategy);
                self.strategy(&c, stored.as_ref(), now_micros)
            })
            .collect::<Result<_, _>>()?;
        Ok(Summary {
            generated_at: format_micros(now_micros),
            store,
            strategies,
            engines: None,
            fleet: self.reader.fleet()?,
        })
    }

    fn strategy(
        &self,
        counters: &StrategyCounters,
        stored: Option<&SuppressionCounters>,
        now_micros: u64,
    ) -> Result<StrategySummary, StoreError> {
        let policy = self.policies.get(&counters.strategy);
        let default = ReadinessConfig::default();
        let thresholds = policy.map_or(&default, |p| &p.readiness);
        let rate = MismatchRate::of(counters);
        let critical = match policy {
            Some(policy) => self.open_critical(&counters.strategy, &policy.rules, now_micros)?,
            None => Vec::new(),
        };
        Ok(StrategySummary {
            strategy: counters.strategy.clone(),
            comparisons: counters.comparisons(),
            matches: counters.matches,
            mismatches: counters.mismatches,
            shadow_errors: counters.shadow_errors,
            unencodable: counters.unencodable,
            skipped: counters.skipped,
            shadow_errors_by_kind: counters.shadow_errors_by_kind.clone(),
            skipped_by_reason: counters.skipped_by_reason.clone(),
            first_comparison: counters.first_comparison_micros.map(format_micros),
            last_failure: counters.last_mismatch_micros.map(format_micros),
            records_dropped: counters.records_dropped,
            dropped_from: counters.first_drop_micros.map(format_micros),
            dropped_to: counters.last_drop_micros.map(format_micros),
            rate_sentence: rate.sentence(),
            rate,
            readiness: assess(counters, thresholds, now_micros).and(critical),
            suppressed: rule_counts(policy, stored),
            configured: policy.is_some(),
            suppressed_daily: super::SuppressedDaily::of(policy, stored, now_micros, &self.view),
        })
    }

    /// The blockers of `strategy`'s open groups on a field `rules` call critical
    /// ([`super::critical_blockers`]).
    fn open_critical(
        &self,
        strategy: &str,
        rules: &comparator::Rules,
        now_micros: u64,
    ) -> Result<Vec<Blocker>, StoreError> {
        super::critical_blockers(&self.reader, strategy, rules, now_micros)
    }

    /// The fleet's database and each gateway's share of its totals; `None` for a sled store.
    pub fn fleet(&self) -> Result<Option<crate::store::postgres::FleetView>, StoreError> {
        self.reader.fleet()
    }

    /// The groups of `strategy`, most frequent first.
    pub fn groups(&self, strategy: &str) -> Result<Vec<Group>, StoreError> {
        self.reader.groups(strategy)
    }

    /// One page of records.
    pub fn list(&self, query: &ListQuery) -> Result<Page, StoreError> {
        self.reader.list(query)
    }

    /// One record with its decisions side by side and their unified diff, both marking the
    /// differences stored with the record; the strategy's current rules only name what hid the
    /// others. `None` when unknown or expired.
    pub fn detail(&self, id: RecordId) -> Result<Option<Detail>, StoreError> {
        let Some(record) = self.reader.get(id)? else {
            return Ok(None);
        };
        let mismatch = &record.mismatch;
        let none = comparator::Rules::none();
        let rules = self
            .policies
            .get(&*mismatch.strategy)
            .map_or(&none, |p| &p.rules);
        // The differences stored with the record are marked, as in the side-by-side rows,
        // whatever the rules in force would report now.
        let reported = super::sides::reported_paths(&record, rules);
        let reported: Vec<&str> = reported.iter().map(String::as_str).collect();
        let unified_diff = match (&mismatch.live_decision, &mismatch.shadow_decision) {
            (Some(live), Some(shadow)) => comparator::render::unified_diff_reported(
                &live.to_value(),
                &shadow.to_value(),
                &reported,
                rules,
            ),
            _ => String::new(),
        };
        let rows = side_by_side(&record, rules);
        Ok(Some(Detail {
            record,
            unified_diff,
            rows,
        }))
    }
}

/// Configured rules in config order (zero counts included), then stored rules no longer
/// configured.
fn rule_counts(policy: Option<&Policy>, stored: Option<&SuppressionCounters>) -> Vec<RuleCount> {
    let stored_count = |rule: &comparator::RuleRef| {
        stored.map_or(0, |s| {
            s.rules
                .iter()
                .filter(|r| r.rule == *rule)
                .map(|r| r.count)
                .sum()
        })
    };
    let configured: Vec<&comparator::RuleRef> =
        policy.map_or_else(Vec::new, |p| p.rules.suppressing_rules().collect());
    let mut counts: Vec<RuleCount> = configured
        .iter()
        .map(|rule| RuleCount {
            rule: rule.to_string(),
            count: stored_count(rule),
            configured: true,
        })
        .collect();
    if let Some(stored) = stored {
        let gone = stored
            .rules
            .iter()
            .filter(|r| !configured.contains(&&r.rule));
        counts.extend(gone.map(|r| RuleCount {
            rule: r.rule.to_string(),
            count: r.count,
            configured: false,
        }));
    }
    counts
}
