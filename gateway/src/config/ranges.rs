//! The values a number key takes where they are fewer than its type's: one table that the checks
//! after reading ([`super::build`], the store's and the readiness thresholds' own) and the message
//! for a value of the wrong type ([`super::wrong_type`]) both read, so `shadow.workers = "four"`
//! and `shadow.workers = 65` state the same range (0 to 64), never `0 or more` for one of them.
//!
//! A check of a key with a range takes its bounds from the constant the table names for that key;
//! a key added to a check belongs in [`GATEWAY`] (or [`RECONCILE`]) too.

/// The values a number key takes, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Range {
    /// The least value.
    pub(crate) low: i64,
    /// The greatest value; `i64::MAX` for none (TOML's integers stop there).
    pub(crate) high: i64,
}

impl Range {
    /// `low` to `high`.
    pub(crate) const fn new(low: i64, high: i64) -> Range {
        Range { low, high }
    }

    /// `low` or more.
    pub(crate) const fn at_least(low: i64) -> Range {
        Range::new(low, i64::MAX)
    }

    /// Whether the whole number `value` is in range (one past `i64` is only in an open range).
    pub(crate) fn holds<T: TryInto<i64>>(self, value: T) -> bool {
        let value = value.try_into().unwrap_or(i64::MAX);
        (self.low..=self.high).contains(&value)
    }

    /// Whether `value` is a number in range (`NaN` and the infinities are not).
    pub(crate) fn holds_number(self, value: f64) -> bool {
        // Bounds of a few digits: exact as f64.
        value.is_finite() && (self.low as f64..=self.high as f64).contains(&value)
    }

    /// The range as a message says it: `0 to 64`, `at least 1`.
    pub(crate) fn says(self) -> String {
        match self.high {
            i64::MAX => format!("at least {}", self.low),
            high => format!("{} to {high}", self.low),
        }
    }
}

/// A count or duration that must be at least 1.
pub(crate) const AT_LEAST_ONE: Range = Range::at_least(1);
/// A percentage.
pub(crate) const PERCENT: Range = Range::new(0, 100);
/// `[shadow] workers`: 0 (the comparisons run as a task on the runtime) to 64 threads.
pub(crate) const SHADOW_WORKERS: Range = Range::new(0, 64);
/// `[shadow] nice`: what the kernel lets a thread lower itself to without privileges.
pub(crate) const SHADOW_NICE: Range = Range::new(0, 19);
/// `[shadow] gather_ms`.
pub(crate) const SHADOW_GATHER_MS: Range = Range::new(0, 100);
/// `[runtime] worker_threads`: 0 is one per core.
pub(crate) const RUNTIME_WORKER_THREADS: Range = Range::new(0, 256);
/// `[review] chart_days`.
pub(crate) const REVIEW_CHART_DAYS: Range = Range::new(1, 366);
/// `[store] flush_interval_ms`.
pub(crate) const STORE_FLUSH_INTERVAL_MS: Range = Range::new(1, 1_000);
/// `[store] cache_mib`: more would only hide a leak, the store never rereads that much.
pub(crate) const STORE_CACHE_MIB: Range = Range::new(1, 4_096);
/// A reconcile file's `examples_per_group`.
pub(crate) const RECONCILE_EXAMPLES_PER_GROUP: Range = Range::new(0, 100);

/// Every key of the gateway's config with a range of its own, by key pattern: `*` is any one
/// name (`engines.*`), `[]` any index (`listeners.mci[]`).
pub(crate) const GATEWAY: &[(&str, Range)] = &[
    ("listeners.mci[].max_connections", AT_LEAST_ONE),
    ("listeners.mci[].max_pipelined", AT_LEAST_ONE),
    ("listeners.mci[].idle_timeout_ms", AT_LEAST_ONE),
    ("listeners.http.max_body_bytes", AT_LEAST_ONE),
    ("listeners.http.max_connections", AT_LEAST_ONE),
    ("listeners.http.header_read_timeout_ms", AT_LEAST_ONE),
    ("listeners.http.idle_timeout_ms", AT_LEAST_ONE),
    ("listeners.admin.max_connections", AT_LEAST_ONE),
    ("listeners.admin.header_read_timeout_ms", AT_LEAST_ONE),
    ("listeners.admin.idle_timeout_ms", AT_LEAST_ONE),
    ("engines.*.connect_timeout_ms", AT_LEAST_ONE),
    ("engines.*.request_timeout_ms", AT_LEAST_ONE),
    ("engines.*.max_in_flight", AT_LEAST_ONE),
    ("engines.*.idle_timeout_ms", AT_LEAST_ONE),
    ("strategies.*.shadow_sample_percent", PERCENT),
    ("strategies.*.shadow_max_in_flight", AT_LEAST_ONE),
    ("strategies.*.shadow_timeout_ms", AT_LEAST_ONE),
    ("strategies.*.readiness.max_upper_bound_percent", PERCENT),
    ("strategies.*.readiness.max_skipped_percent", PERCENT),
    ("logging.summary_interval_ms", AT_LEAST_ONE),
    ("health.probe_interval_ms", AT_LEAST_ONE),
    ("review.chart_days", REVIEW_CHART_DAYS),
    ("shadow.workers", SHADOW_WORKERS),
    ("shadow.queue_capacity", AT_LEAST_ONE),
    ("shadow.nice", SHADOW_NICE),
    ("shadow.gather_ms", SHADOW_GATHER_MS),
    ("runtime.worker_threads", RUNTIME_WORKER_THREADS),
    ("store.retention_days", AT_LEAST_ONE),
    ("store.channel_capacity", AT_LEAST_ONE),
    ("store.batch_max_records", AT_LEAST_ONE),
    ("store.flush_interval_ms", STORE_FLUSH_INTERVAL_MS),
    ("store.retry_interval_ms", AT_LEAST_ONE),
    ("store.cache_mib", STORE_CACHE_MIB),
    ("store.postgres.connect_timeout_ms", AT_LEAST_ONE),
    ("store.postgres.statement_timeout_ms", AT_LEAST_ONE),
    ("store.postgres.spool_max_records", AT_LEAST_ONE),
];

/// Every key of a reconcile file with a range of its own, as [`GATEWAY`].
pub(crate) const RECONCILE: &[(&str, Range)] =
    &[("examples_per_group", RECONCILE_EXAMPLES_PER_GROUP)];

/// The range of `key` (a key path as problems name it: `listeners.mci[0].max_connections`) in
/// `table`, if it has one of its own.
pub(crate) fn of(table: &[(&str, Range)], key: &str) -> Option<Range> {
    let key = without_indexes(key);
    table
        .iter()
        .find(|(pattern, _)| matches(pattern, &key))
        .map(|(_, range)| *range)
}

/// `listeners.mci[0].max_connections` as `listeners.mci[].max_connections`.
fn without_indexes(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut in_index = false;
    for c in key.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push(c);
            }
            ']' => {
                in_index = false;
                out.push(c);
            }
            _ if in_index => {}
            _ => out.push(c),
        }
    }
    out
}

/// Whether `key` (its indexes removed) is one `pattern` names, `*` standing for one name.
fn matches(pattern: &str, key: &str) -> bool {
    let (mut pattern, mut key) = (pattern.split('.'), key.split('.'));
    loop {
        match (pattern.next(), key.next()) {
            (None, None) => return true,
            (Some("*"), Some(_)) => {}
            (Some(p), Some(k)) if p == k => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_by_pattern_whatever_their_names_and_indexes() {
        let gateway = |key| of(GATEWAY, key);
        assert_eq!(gateway("shadow.workers"), Some(SHADOW_WORKERS));
        assert_eq!(
            gateway("listeners.mci[12].max_connections"),
            Some(AT_LEAST_ONE)
        );
        assert_eq!(
            gateway("engines.legacy.request_timeout_ms"),
            Some(AT_LEAST_ONE)
        );
        assert_eq!(
            gateway("strategies.loan-screening.readiness.max_skipped_percent"),
            Some(PERCENT)
        );
        // A key of another section, a key below one, a key without a range of its own.
        assert_eq!(gateway("engines.legacy.tls.request_timeout_ms"), None);
        assert_eq!(gateway("shadow.workers.x"), None);
        assert_eq!(gateway("engines.legacy.max_connection_age_ms"), None);
        assert_eq!(gateway("examples_per_group"), None);
        assert_eq!(
            of(RECONCILE, "examples_per_group"),
            Some(RECONCILE_EXAMPLES_PER_GROUP)
        );
    }

    #[test]
    fn a_range_holds_its_ends_and_says_them() {
        assert!(SHADOW_WORKERS.holds(0usize) && SHADOW_WORKERS.holds(64usize));
        assert!(!SHADOW_WORKERS.holds(65usize));
        assert!(AT_LEAST_ONE.holds(u64::MAX) && !AT_LEAST_ONE.holds(0u64));
        assert!(!SHADOW_NICE.holds(-1i32));
        assert!(PERCENT.holds_number(12.5) && !PERCENT.holds_number(100.5));
        assert!(!PERCENT.holds_number(f64::NAN));
        assert_eq!(SHADOW_WORKERS.says(), "0 to 64");
        assert_eq!(AT_LEAST_ONE.says(), "at least 1");
    }
}
