//! One group commit as rows: the writer's writes sorted by table, with the typed columns decoded
//! from their values, each table sent as one multi-row `INSERT … SELECT FROM unnest(arrays)`.
//!
//! Every statement is an upsert on `(instance, key)`: the writer sends absolute totals and
//! records keyed by id, so writing a batch twice leaves the same rows as writing it once.

use std::collections::HashMap;

use postgres::types::ToSql;
use postgres::Transaction;

use crate::store::backend::{BackendError, Space, Write};
use crate::store::chunk;
use crate::store::codec;
use crate::store::counters::StrategyCounters;
use crate::store::group::Group;
use crate::store::series::{parse_key, HourCounts};
use crate::store::suppressed::SuppressionCounters;

const RECORDS: &str = "INSERT INTO shadowgate_records (instance, day, key, record_count, value)
    SELECT $1, d::date, k, c, v FROM unnest($2::text[], $3::bytea[], $4::int4[], $5::bytea[])
        AS t(d, k, c, v)
    ON CONFLICT (instance, key) DO UPDATE SET day = EXCLUDED.day,
        record_count = EXCLUDED.record_count, value = EXCLUDED.value";

const COUNTERS: &str = "INSERT INTO shadowgate_counters
        (instance, key, strategy, matches, mismatches, shadow_errors, unencodable, skipped, value)
    SELECT $1, * FROM unnest($2::bytea[], $3::text[], $4::int8[], $5::int8[], $6::int8[],
        $7::int8[], $8::int8[], $9::bytea[])
    ON CONFLICT (instance, key) DO UPDATE SET strategy = EXCLUDED.strategy,
        matches = EXCLUDED.matches, mismatches = EXCLUDED.mismatches,
        shadow_errors = EXCLUDED.shadow_errors, unencodable = EXCLUDED.unencodable,
        skipped = EXCLUDED.skipped, value = EXCLUDED.value, written_at = now()";

const GROUPS: &str =
    "INSERT INTO shadowgate_groups (instance, key, strategy, signature, count, value)
    SELECT $1, * FROM unnest($2::bytea[], $3::text[], $4::text[], $5::int8[], $6::bytea[])
    ON CONFLICT (instance, key) DO UPDATE SET strategy = EXCLUDED.strategy,
        signature = EXCLUDED.signature, count = EXCLUDED.count, value = EXCLUDED.value";

const SUPPRESSED: &str = "INSERT INTO shadowgate_suppressed (instance, key, strategy, value)
    SELECT $1, * FROM unnest($2::bytea[], $3::text[], $4::bytea[])
    ON CONFLICT (instance, key) DO UPDATE SET strategy = EXCLUDED.strategy,
        value = EXCLUDED.value";

const SERIES: &str = "INSERT INTO shadowgate_series
        (instance, key, hour, strategy, signature, comparisons, failures, value)
    SELECT $1, * FROM unnest($2::bytea[], $3::int4[], $4::text[], $5::text[], $6::int8[],
        $7::int8[], $8::bytea[])
    ON CONFLICT (instance, key) DO UPDATE SET hour = EXCLUDED.hour, strategy = EXCLUDED.strategy,
        signature = EXCLUDED.signature, comparisons = EXCLUDED.comparisons,
        failures = EXCLUDED.failures, value = EXCLUDED.value";

const PAYLOADS: &str = "INSERT INTO shadowgate_payloads (instance, key, value)
    SELECT $1, * FROM unnest($2::bytea[], $3::bytea[])
    ON CONFLICT (instance, key) DO UPDATE SET value = EXCLUDED.value";

const RECONCILES: &str = "INSERT INTO shadowgate_reconciles (instance, key, value)
    SELECT $1, * FROM unnest($2::bytea[], $3::bytea[])
    ON CONFLICT (instance, key) DO UPDATE SET value = EXCLUDED.value";

/// The columns of one table, one array per column (keys and values last and first).
#[derive(Default)]
struct Table {
    keys: Vec<Vec<u8>>,
    values: Vec<Vec<u8>>,
    texts: [Vec<Option<String>>; 2],
    numbers: [Vec<i64>; 5],
    smalls: Vec<i32>,
}

/// The writes of one commit, by table.
#[derive(Default)]
pub(crate) struct Rows {
    records: Table,
    counters: Table,
    groups: Table,
    suppressed: Table,
    series: Table,
    payloads: Table,
    reconciles: Table,
}

impl Rows {
    /// Sorts `writes` into tables, the last write of a key winning as in a key-value store (an
    /// upsert may not touch one row twice in one statement).
    pub(crate) fn of(writes: Vec<Write>) -> Result<Self, BackendError> {
        let mut latest: HashMap<(Space, Vec<u8>), Vec<u8>> = HashMap::with_capacity(writes.len());
        for write in writes {
            latest.insert((write.space, write.key), write.value);
        }
        let mut rows = Rows::default();
        for ((space, key), value) in latest {
            rows.add(space, key, value)?;
        }
        Ok(rows)
    }

    fn add(&mut self, space: Space, key: Vec<u8>, value: Vec<u8>) -> Result<(), BackendError> {
        let bad = |what: &str, e: &dyn std::fmt::Display| {
            let key = String::from_utf8_lossy(&key);
            BackendError::new(format!("decode {what} {key:?} for postgres"), e.to_string())
        };
        let table = match space {
            Space::Records(day) => {
                // A chunk whose header does not read still holds at least one record.
                let count = chunk::span("record", &key, &value).map_or(1, |span| span.count);
                self.records.texts[0].push(Some(day.compact()));
                self.records
                    .smalls
                    .push(i32::try_from(count).unwrap_or(i32::MAX));
                &mut self.records
            }
            Space::Counters => {
                let c: StrategyCounters =
                    codec::decode("counters", &value).map_err(|e| bad("counters", &e))?;
                self.counters.texts[0].push(Some(c.strategy));
                let numbers = [
                    c.matches,
                    c.mismatches,
                    c.shadow_errors,
                    c.unencodable,
                    c.skipped,
                ];
                for (column, n) in self.counters.numbers.iter_mut().zip(numbers) {
                    column.push(int8(n));
                }
                &mut self.counters
            }
            Space::Groups => {
                let g: Group = codec::decode("group", &value).map_err(|e| bad("group", &e))?;
                self.groups.texts[0].push(Some(g.strategy));
                self.groups.texts[1].push(Some(g.signature));
                self.groups.numbers[0].push(int8(g.count));
                &mut self.groups
            }
            Space::Suppressed => {
                let s: SuppressionCounters =
                    codec::decode("suppressed", &value).map_err(|e| bad("suppressed", &e))?;
                self.suppressed.texts[0].push(Some(s.strategy));
                &mut self.suppressed
            }
            Space::Series => {
                let (hour, strategy, signature) =
                    parse_key(&key).ok_or_else(|| bad("series key", &"malformed"))?;
                let c: HourCounts =
                    codec::decode("series", &value).map_err(|e| bad("series", &e))?;
                self.series
                    .smalls
                    .push(i32::try_from(hour).unwrap_or(i32::MAX));
                self.series.texts[0].push(Some(strategy));
                self.series.texts[1].push(signature);
                self.series.numbers[0].push(int8(c.comparisons));
                self.series.numbers[1].push(int8(c.failures));
                &mut self.series
            }
            // Opaque to SQL: sealed payloads and reconcile runs are read back whole.
            Space::Payloads => &mut self.payloads,
            Space::Reconciles => &mut self.reconciles,
        };
        table.keys.push(key);
        table.values.push(value);
        Ok(())
    }

    /// Upserts every table's rows for `instance` in `tx`, one statement per table that has any.
    pub(crate) fn upsert(
        &self,
        tx: &mut Transaction<'_>,
        instance: &str,
    ) -> Result<(), BackendError> {
        let Rows {
            records: r,
            counters: c,
            groups: g,
            suppressed: s,
            series: h,
            payloads: p,
            reconciles: b,
        } = self;
        let [n0, n1, n2, n3, n4] = &c.numbers;
        let statements: [(&str, &str, Vec<&(dyn ToSql + Sync)>, usize); 7] = [
            (
                "records",
                RECORDS,
                vec![&r.texts[0], &r.keys, &r.smalls, &r.values],
                r.keys.len(),
            ),
            (
                "counters",
                COUNTERS,
                vec![&c.keys, &c.texts[0], n0, n1, n2, n3, n4, &c.values],
                c.keys.len(),
            ),
            (
                "groups",
                GROUPS,
                vec![&g.keys, &g.texts[0], &g.texts[1], &g.numbers[0], &g.values],
                g.keys.len(),
            ),
            (
                "suppressed",
                SUPPRESSED,
                vec![&s.keys, &s.texts[0], &s.values],
                s.keys.len(),
            ),
            (
                "series",
                SERIES,
                vec![
                    &h.keys,
                    &h.smalls,
                    &h.texts[0],
                    &h.texts[1],
                    &h.numbers[0],
                    &h.numbers[1],
                    &h.values,
                ],
                h.keys.len(),
            ),
            ("payloads", PAYLOADS, vec![&p.keys, &p.values], p.keys.len()),
            (
                "reconciles",
                RECONCILES,
                vec![&b.keys, &b.values],
                b.keys.len(),
            ),
        ];
        for (table, sql, columns, count) in statements {
            if count == 0 {
                continue;
            }
            let mut params: Vec<&(dyn ToSql + Sync)> = vec![&instance];
            params.extend(columns);
            tx.execute(sql, &params)
                .map_err(|e| BackendError::new(format!("write {count} {table} rows"), e))?;
        }
        Ok(())
    }
}

/// A count as PostgreSQL's `bigint`; counts never come near `i64::MAX`, clamp rather than wrap.
fn int8(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
