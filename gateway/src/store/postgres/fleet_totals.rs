//! The fleet's totals: every instance's rows decoded with the same codec as sled's trees, then
//! merged (counters, suppression counts and hourly series summed; groups merged by signature),
//! and the per-instance breakdown the review shows beside them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::backend::KeyValue;
use super::fleet::{FleetReader, Session};
use crate::store::codec;
use crate::store::counters::StrategyCounters;
use crate::store::error::StoreError;
use crate::store::group::{Group, GROUP_EXAMPLES};
use crate::store::series::{parse_key, HourCounts, SeriesPoint};
use crate::store::suppressed::SuppressionCounters;
use crate::store::time::format_micros;

/// The fleet as the review shows it: the database read and each gateway's share of the totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetView {
    /// The database read (`store.postgres.url`, never with a password).
    pub database: String,
    /// Every gateway with rows in it, by name.
    pub instances: Vec<InstanceTotals>,
    /// What the fleet's totals leave out: data each gateway keeps in its own directory.
    pub local_only: String,
}

/// One gateway's share of the fleet's totals, from its rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceTotals {
    /// `store.postgres.instance` of the gateway.
    pub instance: String,
    /// Comparisons made (matches and failures), all strategies.
    pub comparisons: u64,
    /// Mismatches, shadow errors and unencodable answers.
    pub failures: u64,
    /// Shadow calls skipped.
    pub skipped: u64,
    /// Records stored (retention removes old days).
    pub records: u64,
    /// When it last wrote its totals, RFC 3339 UTC; an old time means it is down, idle, or
    /// spooling locally because it cannot reach the database.
    pub last_write: Option<String>,
    /// When it last forwarded a local spool (an outage of the database ended), RFC 3339 UTC.
    pub spool_forwarded_at: Option<String>,
}

/// What the fleet view says is not in it.
pub(crate) const LOCAL_ONLY: &str = "triage states and replay runs are kept by each gateway in \
     its own store directory (read them from that gateway's admin API); records and totals a \
     gateway has spooled while it cannot reach the database appear once it forwards them";

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

    /// What each rule hid, summed over the fleet, by strategy.
    pub(crate) fn suppressed(&self) -> Result<Vec<SuppressionCounters>, StoreError> {
        self.call("read the fleet's suppression counts", |session| {
            let rows: Vec<SuppressionCounters> =
                decoded(session, "shadowgate_suppressed", "suppressed", None)?;
            let mut merged: BTreeMap<String, SuppressionCounters> = BTreeMap::new();
            for row in rows {
                merged
                    .entry(row.strategy.clone())
                    .or_insert_with(|| SuppressionCounters::new(&row.strategy))
                    .add(&row.rules);
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

    /// Each instance's share of the totals, by name.
    pub(crate) fn view(&self) -> Result<FleetView, StoreError> {
        let database = self.url().to_owned();
        self.call("read the fleet's instances", move |session| {
            let operation = "read the instances";
            let rows = session.query(operation, INSTANCES, &[])?;
            let mut instances = Vec::with_capacity(rows.len());
            for row in rows {
                let get = |i: usize| -> Result<i64, StoreError> {
                    row.try_get(i).map_err(|e| session.error(operation, e))
                };
                let time = |i: usize| -> Result<Option<String>, StoreError> {
                    let micros: Option<i64> =
                        row.try_get(i).map_err(|e| session.error(operation, e))?;
                    Ok(micros.map(|m| format_micros(u64::try_from(m).unwrap_or(0))))
                };
                let count = |i: usize| get(i).map(|n| u64::try_from(n).unwrap_or(0));
                instances.push(InstanceTotals {
                    instance: row.try_get(0).map_err(|e| session.error(operation, e))?,
                    comparisons: count(1)?,
                    failures: count(2)?,
                    skipped: count(3)?,
                    records: count(4)?,
                    last_write: time(5)?,
                    spool_forwarded_at: time(6)?,
                });
            }
            Ok(FleetView {
                database,
                instances,
                local_only: LOCAL_ONLY.to_owned(),
            })
        })
    }
}

/// Per instance: totals over its strategies, its records, when it last wrote and forwarded.
const INSTANCES: &str = "
    WITH names AS (
        SELECT instance FROM shadowgate_counters
        UNION SELECT instance FROM shadowgate_spool_forwarded),
    totals AS (
        SELECT instance,
            sum(matches + mismatches + shadow_errors + unencodable)::int8 AS comparisons,
            sum(mismatches + shadow_errors + unencodable)::int8 AS failures,
            sum(skipped)::int8 AS skipped,
            (extract(epoch FROM max(written_at)) * 1000000)::int8 AS written
        FROM shadowgate_counters GROUP BY instance),
    records AS (
        SELECT instance, sum(record_count)::int8 AS records
        FROM shadowgate_records GROUP BY instance)
    SELECT n.instance, coalesce(t.comparisons, 0), coalesce(t.failures, 0),
        coalesce(t.skipped, 0), coalesce(r.records, 0), t.written,
        (extract(epoch FROM f.forwarded_at) * 1000000)::int8
    FROM names n
    LEFT JOIN totals t USING (instance)
    LEFT JOIN records r USING (instance)
    LEFT JOIN shadowgate_spool_forwarded f USING (instance)
    ORDER BY n.instance";

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
