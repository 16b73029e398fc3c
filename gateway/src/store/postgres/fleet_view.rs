//! The fleet's per-instance breakdown: each gateway's share of the totals, its records, when it
//! last wrote its totals and last forwarded a local spool, in one statement over the tables.

use serde::{Deserialize, Serialize};

use super::fleet::FleetReader;
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
}

/// What the fleet view says is not in it.
pub(crate) const LOCAL_ONLY: &str = "triage states and replay runs are kept by each gateway in \
     its own store directory (read them from that gateway's admin API); records and totals a \
     gateway has spooled while it cannot reach the database appear once it forwards them";

impl FleetReader {
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
