//! Store configuration, as read from the gateway's config file.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The largest `cache_mib`: more would only hide a leak, the store never rereads that much.
const MAX_CACHE_MIB: u64 = 4_096;

/// The `[store]` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
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
    /// How long a batch may wait for more events before it is flushed, in milliseconds.
    pub flush_interval_ms: u64,
    /// While degraded, how often the writer tries to recover (reopen the database), in
    /// milliseconds.
    pub retry_interval_ms: u64,
    /// sled's page cache, in MiB. The writer only appends and the gateway reads small trees
    /// (counters, groups), so a small cache holds all it rereads; sled's own default (1 GiB) made
    /// resident memory grow with every stored record.
    pub cache_mib: u64,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            path: PathBuf::from("data/store"),
            retention_days: 90,
            channel_capacity: 10_000,
            batch_max_records: 256,
            flush_interval_ms: 10,
            retry_interval_ms: 5_000,
            cache_mib: 16,
        }
    }
}

impl StoreConfig {
    /// Every problem with these values, each prefixed with its key under `store.`.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut require = |ok: bool, key: &str, rule: &str| {
            if !ok {
                problems.push(format!("store.{key}: {rule}"));
            }
        };
        require(
            self.retention_days >= 1,
            "retention_days",
            "must be at least 1",
        );
        require(
            self.channel_capacity >= 1,
            "channel_capacity",
            "must be at least 1",
        );
        require(
            self.batch_max_records >= 1,
            "batch_max_records",
            "must be at least 1",
        );
        require(
            (1..=1_000).contains(&self.flush_interval_ms),
            "flush_interval_ms",
            "must be between 1 and 1000",
        );
        require(
            self.retry_interval_ms >= 1,
            "retry_interval_ms",
            "must be at least 1",
        );
        require(
            (1..=MAX_CACHE_MIB).contains(&self.cache_mib),
            "cache_mib",
            "must be between 1 and 4096",
        );
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
        assert_eq!(
            bad.problems(),
            [
                "store.channel_capacity: must be at least 1",
                "store.flush_interval_ms: must be between 1 and 1000",
                "store.cache_mib: must be between 1 and 4096",
            ]
        );
        assert_eq!(StoreConfig::default().cache_bytes(), 16 * 1024 * 1024);
        let unknown = serde_json::from_str::<StoreConfig>(r#"{"retention": 3}"#);
        assert!(unknown.is_err());
    }
}
