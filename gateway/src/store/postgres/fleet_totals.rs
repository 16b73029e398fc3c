//! The fleet's totals: every instance's rows decoded with the same codec as sled's trees, then
//! merged (counters, suppression counts and hourly series summed; groups merged by signature).

use std::collections::BTreeMap;

use super::backend::KeyValue;
use super::fleet::{FleetReader, Session};
use crate::store::codec;
use crate::store::counters::StrategyCounters;
use crate::store::error::StoreError;
use crate::store::group::{Group, GROUP_EXAMPLES};
use crate::store::series::{parse_key, HourCounts, SeriesPoint};
use crate::store::suppressed::SuppressionCounters;

/// Every instance's values of `table` (optionally only rows of `strategy`), decoded as `what`.
fn decoded<T: serde::de::DeserializeOwned>(
    session: &mut Session,
    table: &'static str,
    what: &'static str,
    strategy: Option<&str>,
) -> Result<Vec<T>, StoreError> {
    let operation = format!("read {table}");
    let rows = match strategy {
        None => session.query(
            &operation,
            &format!("SELECT instance, key, value FROM {table} ORDER BY instance, key"),
            &[],
        )?,
        Some(strategy) => session.query(
            &operation,
            &format!(
                "SELECT instance, key, value FROM {table} WHERE strategy = $1 \
                 ORDER BY instance, key"
            ),
            &[&strategy],
        )?,
    };
    rows.iter()
        .map(|row| {
            let (instance, key, value): (String, Vec<u8>, Vec<u8>) = (
                row.try_get(0).map_err(|e| session.error(&operation, e))?,
                row.try_get(1).map_err(|e| session.error(&operation, e))?,
                row.try_get(2).map_err(|e| session.error(&operation, e))?,
            );
            codec::decode(what, &value).map_err(|source| StoreError::Decode {
                tree: format!("{table} of instance {instance}"),
                key: String::from_utf8_lossy(&key).replace('\0', " / "),
                source,
            })
        })
        .collect()
}

impl FleetReader {
    /// Every strategy's counters summed over the fleet, by name.
    pub(crate) fn summary(&self) -> Result<Vec<StrategyCounters>, StoreError> {
        self.call("read the fleet's counters", |session| {
            let rows: Vec<StrategyCounters> =
                decoded(session, "shadowgate_counters", "counters", None)?;
            Ok(merge_counters(rows))
        })
    }

    /// What each rule hid, summed over the fleet, by strategy (totals and per day).
    pub(crate) fn suppressed(&self) -> Result<Vec<SuppressionCounters>, StoreError> {
        self.call("read the fleet's suppression counts", |session| {
            let rows: Vec<SuppressionCounters> =
                decoded(session, "shadowgate_suppressed", "suppressed", None)?;
            let mut merged: BTreeMap<String, SuppressionCounters> = BTreeMap::new();
            for row in rows {
                merged
                    .entry(row.strategy.clone())
                    .or_insert_with(|| SuppressionCounters::new(&row.strategy))
                    .absorb(&row);
            }
            Ok(merged.into_values().collect())
        })
    }

    /// The groups of `strategy` merged over the fleet, most frequent first.
    pub(crate) fn groups(&self, strategy: &str) -> Result<Vec<Group>, StoreError> {
        let strategy = strategy.to_owned();
        self.call("read the fleet's groups", move |session| {
            let rows: Vec<Group> = decoded(session, "shadowgate_groups", "group", Some(&strategy))?;
            Ok(merge_groups(rows))
        })
    }

    /// Hourly points from hour `from` (inclusive) to `until` (exclusive), summed over the fleet,
    /// in key order (oldest hour first) as sled returns them.
    pub(crate) fn series(&self, from: u32, until: u32) -> Result<Vec<SeriesPoint>, StoreError> {
        let hour = |h: u32| i32::try_from(h).unwrap_or(i32::MAX);
        let (from, until) = (hour(from), hour(until));
        self.call("read the fleet's series", move |session| {
            let operation = "read shadowgate_series";
            let rows = session.query(
                operation,
                "SELECT key, value FROM shadowgate_series WHERE hour >= $1 AND hour < $2",
                &[&from, &until],
            )?;
            let mut merged: BTreeMap<Vec<u8>, HourCounts> = BTreeMap::new();
            for row in rows {
                let key: Vec<u8> = row.try_get(0).map_err(|e| session.error(operation, e))?;
                let value: Vec<u8> = row.try_get(1).map_err(|e| session.error(operation, e))?;
                let counts: HourCounts =
                    codec::decode("series", &value).map_err(|source| StoreError::Decode {
                        tree: "shadowgate_series".into(),
                        key: String::from_utf8_lossy(&key).replace('\0', " / "),
                        source,
                    })?;
                merged.entry(key).or_default().add(&counts);
            }
            Ok(merged
                .into_iter()
                .filter_map(|(key, counts)| {
                    let (hour, strategy, signature) = parse_key(&key)?;
                    Some(SeriesPoint {
                        hour,
                        strategy,
                        signature,
                        counts,
                    })
                })
                .collect())
        })
    }

    /// Every instance's values of an opaque table (`shadowgate_reconciles`), with their keys.
    pub(crate) fn values(&self, table: &'static str) -> Result<Vec<KeyValue>, StoreError> {
        self.call("read the fleet's runs", move |session| {
            let operation = format!("read {table}");
            let rows = session.query(
                &operation,
                &format!("SELECT key, value FROM {table} ORDER BY key, instance"),
                &[],
            )?;
            rows.iter()
                .map(|row| {
                    Ok((
                        row.try_get(0).map_err(|e| session.error(&operation, e))?,
                        row.try_get(1).map_err(|e| session.error(&operation, e))?,
                    ))
                })
                .collect()
        })
    }
}

/// Counters of the same strategy summed, by name.
fn merge_counters(rows: Vec<StrategyCounters>) -> Vec<StrategyCounters> {
    let mut merged: BTreeMap<String, StrategyCounters> = BTreeMap::new();
    for row in rows {
        merged
            .entry(row.strategy.clone())
            .or_insert_with(|| StrategyCounters::new(&row.strategy))
            .absorb(&row);
    }
    merged.into_values().collect()
}

/// Groups of the same signature merged: counts summed, first and last seen widened, the newest
/// examples of all instances kept; most frequent first.
fn merge_groups(rows: Vec<Group>) -> Vec<Group> {
    let mut merged: BTreeMap<String, Group> = BTreeMap::new();
    for row in rows {
        let group = merged.entry(row.signature.clone()).or_default();
        let mut examples = std::mem::take(&mut group.example_ids);
        examples.extend_from_slice(&row.example_ids);
        group.absorb(&row);
        // By time across instances, not by the order instances were read.
        examples.sort_unstable();
        examples.dedup();
        let excess = examples.len().saturating_sub(GROUP_EXAMPLES);
        examples.drain(..excess);
        group.example_ids = examples;
    }
    let mut groups: Vec<Group> = merged.into_values().collect();
    groups.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.signature.cmp(&b.signature))
    });
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::RecordId;

    fn id(micros: u64) -> RecordId {
        RecordId { micros, seq: 0 }
    }

    #[test]
    fn groups_of_two_instances_merge_by_signature_with_the_newest_examples() {
        let group = |count, first, last, examples: &[u64]| Group {
            strategy: "loan".into(),
            signature: "mismatch/body.grade".into(),
            count,
            first_seen_micros: first,
            last_seen_micros: last,
            example_ids: examples.iter().map(|m| id(*m)).collect(),
            differing_paths: vec!["body.grade".into()],
        };
        let other = Group {
            signature: "shadow_error/timeout".into(),
            ..group(1, 5, 5, &[5])
        };
        let merged = merge_groups(vec![
            group(4, 10, 40, &[10, 20, 30, 40]),
            other,
            group(3, 15, 35, &[15, 25, 35]),
        ]);
        assert_eq!(merged.len(), 2);
        let first = &merged[0];
        assert_eq!(
            (first.count, first.first_seen_micros, first.last_seen_micros),
            (7, 10, 40)
        );
        let examples: Vec<u64> = first.example_ids.iter().map(|i| i.micros).collect();
        assert_eq!(examples, [20, 25, 30, 35, 40]);
        assert_eq!(merged[1].count, 1);
    }

    #[test]
    fn counters_of_two_instances_sum_by_strategy() {
        let counters = |strategy: &str, matches, mismatches, first| StrategyCounters {
            matches,
            mismatches,
            first_comparison_micros: Some(first),
            ..StrategyCounters::new(strategy)
        };
        let merged = merge_counters(vec![
            counters("loan", 5, 1, 30),
            counters("card", 2, 0, 10),
            counters("loan", 7, 2, 20),
        ]);
        let loan = merged.iter().find(|c| c.strategy == "loan").unwrap();
        assert_eq!(
            (loan.matches, loan.mismatches, loan.first_comparison_micros),
            (12, 3, Some(20))
        );
        assert_eq!(merged.len(), 2);
    }
}
