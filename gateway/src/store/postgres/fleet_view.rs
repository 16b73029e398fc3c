//! The fleet's per-instance breakdown: each gateway's share of the totals, its records, when it
//! last wrote its totals and last forwarded a local spool, in one statement over the tables;
//! and the records it could not store, from its counters' encoded values.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::fleet::{FleetReader, Session};
use crate::store::codec;
use crate::store::counters::StrategyCounters;
use crate::store::error::StoreError;
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
    /// Records it counted but could not store (its store unavailable: degraded, or its spool
    /// full; or behind: its writer's queue full), all strategies: its records are fewer than its
    /// failures by as many.
    #[serde(default)]
    pub records_dropped: u64,
    /// When the first and the last of them were compared, RFC 3339 UTC.
    #[serde(default)]
    pub dropped_from: Option<String>,
    /// See `dropped_from`.
    #[serde(default)]
    pub dropped_to: Option<String>,
}

/// An instance's dropped records: how many, first and last compared (microseconds).
type Drops = (u64, Option<u64>, Option<u64>);

/// What the fleet view says is not in it.
pub(crate) const LOCAL_ONLY: &str = "records and totals a gateway has spooled while it cannot \
     reach the database appear once it forwards them";

impl FleetReader {
    /// Each instance's share of the totals, by name.
    pub(crate) fn view(&self) -> Result<FleetView, StoreError> {
        let database = self.url().to_owned();
        self.call("read the fleet's instances", move |session| {
            let operation = "read the instances";
            let rows = session.query(operation, INSTANCES, &[])?;
            let mut drops = drops(session)?;
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
                let instance: String = row.try_get(0).map_err(|e| session.error(operation, e))?;
                let (records_dropped, from, to) = drops.remove(&instance).unwrap_or_default();
                instances.push(InstanceTotals {
                    instance,
                    comparisons: count(1)?,
                    failures: count(2)?,
                    skipped: count(3)?,
                    records: count(4)?,
                    last_write: time(5)?,
                    spool_forwarded_at: time(6)?,
                    records_dropped,
                    dropped_from: from.map(format_micros),
                    dropped_to: to.map(format_micros),
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

/// Each instance's dropped records over its strategies, from its counters' encoded values (the
/// typed columns do not hold them).
fn drops(session: &mut Session) -> Result<HashMap<String, Drops>, StoreError> {
    let operation = "read the instances' dropped records";
    let rows = session.query(
        operation,
        "SELECT instance, key, value FROM shadowgate_counters",
        &[],
    )?;
    let mut drops: HashMap<String, Drops> = HashMap::new();
    for row in rows {
        let (instance, key, value): (String, Vec<u8>, Vec<u8>) = (
            row.try_get(0).map_err(|e| session.error(operation, e))?,
            row.try_get(1).map_err(|e| session.error(operation, e))?,
            row.try_get(2).map_err(|e| session.error(operation, e))?,
        );
        let counters: StrategyCounters =
            codec::decode("counters", &value).map_err(|source| StoreError::Decode {
                tree: format!("shadowgate_counters of instance {instance}"),
                key: String::from_utf8_lossy(&key).into_owned(),
                source,
            })?;
        if counters.records_dropped == 0 {
            continue;
        }
        let (count, from, to) = drops.entry(instance).or_default();
        *count += counters.records_dropped;
        *from = match (*from, counters.first_drop_micros) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        *to = (*to).max(counters.last_drop_micros);
    }
    Ok(drops)
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
