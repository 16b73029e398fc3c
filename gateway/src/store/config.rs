//! Store configuration, as read from the gateway's config file.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::postgres::{BackendKind, PostgresConfig};
use crate::config::ranges::{Range, AT_LEAST_ONE, STORE_CACHE_MIB, STORE_FLUSH_INTERVAL_MS};
use crate::config::{Found, Problem};

/// The `[store]` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
// Unknown keys are reported by the config loader (all of them, with their paths), not here.
#[serde(default)]
pub struct StoreConfig {
    /// Directory of the sled database.
    pub path: PathBuf,
    /// Days of records to keep; whole UTC days older than this are removed. Counters and groups
    /// are kept forever.
    pub retention_days: u32,
    /// Events the writer's channel holds; when full, events are dropped and counted, never waited
    /// for.
    pub channel_capacity: usize,
    /// Records per group commit at most; a full batch is flushed at once.
    pub batch_max_records: usize,
    /// How long a batch may wait for more events before it is flushed, in milliseconds. Each
    /// flush wakes sled's whole I/O thread pool (seven threads): at 10 ms that is more than a
    /// context switch per comparison at 1,000 frames/s, but larger batches are longer bursts of
    /// writer CPU that live answers on the same core wait behind (100 ms: live p50 of seconds at
    /// 3,000 frames/s on a saturated VM). A crash loses at most this much of the outcomes.
    pub flush_interval_ms: u64,
    /// While degraded, how often the writer tries to recover (reopen the database), in
    /// milliseconds.
    pub retry_interval_ms: u64,
    /// sled's page cache, in MiB. The writer only appends and the gateway reads small trees
    /// (counters, groups), so a small cache holds all it rereads; sled's own default (1 GiB) made
    /// resident memory grow with every stored record. 4 (not 16): at 3,000 frames/s with ≈10 %
    /// mismatches the gateway's anonymous memory was 6–10 MiB lower at the same records stored,
    /// nothing dropped (sled rereads through the OS's page cache, outside the gateway's RSS).
    pub cache_mib: u64,
    /// Store records zstd-compressed, up to 16 per key (≈9.7× less disk, ≈16× fewer sled keys,
    /// which keeps resident memory flat). On by default; `false` stores one JSON record per key
    /// (readable by hand, but sled's memory then grows with every record). It was off while a
    /// store restarted on a full disk did not reopen ("Read corrupt"): that was sled's
    /// half-written snapshot, whatever the records' format (the store's `snapshot_debris` module).
    pub compress_records: bool,
    /// Where the writer stores: `sled` (the directory at `path`) or `postgres` (a database a
    /// fleet of gateways shares, `[store.postgres]`).
    pub backend: BackendKind,
    /// The shared database, when `backend = "postgres"`.
    pub postgres: PostgresConfig,
    /// File of AES-256 keys (`KEY_ID = BASE64`, first one current, see [`super::KeyRing`]).
    /// With it, the raw request and live answer of every failing case are stored encrypted for
    /// replay; without it, nothing raw is stored.
    pub encryption_key_file: Option<PathBuf>,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            path: PathBuf::from("data/store"),
            retention_days: 90,
            channel_capacity: 10_000,
            batch_max_records: 256,
            flush_interval_ms: 100,
            retry_interval_ms: 5_000,
            cache_mib: 4,
            compress_records: true,
            backend: BackendKind::Sled,
            postgres: PostgresConfig::default(),
            encryption_key_file: None,
        }
    }
}

impl StoreConfig {
    /// Every problem with these values, each at its key under `store.`.
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        // The ranges are the config's (`crate::config::ranges`), which a value of the wrong type
        // states too.
        let mut require = |key: &str, range: Range, found: u64| {
            if !range.holds(found) {
                let expected = match range.high {
                    i64::MAX => range.says(),
                    _ => format!("from {}", range.says()),
                };
                problems.push(Problem::error(
                    format!("store.{key}"),
                    expected,
                    Found::value(found),
                ));
            }
        };
        require("retention_days", AT_LEAST_ONE, self.retention_days.into());
        require(
            "channel_capacity",
            AT_LEAST_ONE,
            self.channel_capacity as u64,
        );
        require(
            "batch_max_records",
            AT_LEAST_ONE,
            self.batch_max_records as u64,
        );
        require(
            "flush_interval_ms",
            STORE_FLUSH_INTERVAL_MS,
            self.flush_interval_ms,
        );
        require("retry_interval_ms", AT_LEAST_ONE, self.retry_interval_ms);
        // More cache would only hide a leak: the store never rereads that much.
        require("cache_mib", STORE_CACHE_MIB, self.cache_mib);
        if self.backend == BackendKind::Postgres {
            problems.extend(self.postgres.problems());
        }
        problems
    }

    /// sled's cache in bytes.
    pub fn cache_bytes(&self) -> u64 {
        self.cache_mib.saturating_mul(1024 * 1024)
    }

    /// The batch wait as a duration.
    pub fn flush_interval(&self) -> Duration {
        Duration::from_millis(self.flush_interval_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_are_all_reported() {
        assert!(StoreConfig::default().problems().is_empty());
        let bad = StoreConfig {
            channel_capacity: 0,
            flush_interval_ms: 0,
            cache_mib: 0,
            ..StoreConfig::default()
        };
        let shown: Vec<String> = bad.problems().iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "store.channel_capacity: expected at least 1, found 0",
                "store.flush_interval_ms: expected from 1 to 1000, found 0",
                "store.cache_mib: expected from 1 to 4096, found 0",
            ]
        );
        assert_eq!(StoreConfig::default().cache_bytes(), 4 * 1024 * 1024);
    }
}
