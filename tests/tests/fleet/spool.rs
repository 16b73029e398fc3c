//! The spool without a gateway around it: a group first seen while PostgreSQL is down is spooled
//! like any other (the writer knows its instance's totals from the start, so it needs no read
//! to know the group is new), and lands with exact counts when the database is back.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use shadowgate::store::postgres::{BackendKind, PostgresConfig, SslMode};
use shadowgate::store::{Event, Store, StoreConfig, StoreStats, WriterOptions};
use shadowgate_tests::postgres::TestPostgres;

use super::crash::record;

fn wait(stats: &StoreStats, what: &str, until: impl Fn(&StoreStats) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !until(stats) {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_group_first_seen_during_an_outage_is_spooled_and_forwarded() {
    let mut db = TestPostgres::start_new();
    let local = tempfile::tempdir().unwrap();
    let config = StoreConfig {
        path: local.path().join("store"),
        retry_interval_ms: 50,
        backend: BackendKind::Postgres,
        postgres: PostgresConfig {
            url: db.url(),
            instance: Some("gw-a".into()),
            sslmode: SslMode::Disable,
            connect_timeout_ms: 500,
            ..PostgresConfig::default()
        },
        ..StoreConfig::default()
    };
    let store = Store::open(&config, WriterOptions::default()).unwrap();
    let (recorder, stats) = (store.recorder(), Arc::clone(store.stats()));
    let strategy: Arc<str> = "loan".into();
    let mismatch = |n| Event::Record(Box::new(record(&strategy, n)));
    let committed = |n| move |s: &StoreStats| s.events_committed.load(Ordering::SeqCst) == n;
    recorder.record(mismatch(0)).unwrap();
    wait(&stats, "the first record is committed", committed(1));

    db.stop();
    // Groups sig-0 (known) and sig-1 (new).
    recorder.record(mismatch(7)).unwrap();
    recorder.record(mismatch(1)).unwrap();
    wait(&stats, "the outage's records are spooled", committed(3));
    assert!(stats.spooling.load(Ordering::SeqCst));
    assert!(
        !stats.is_degraded(),
        "a new group needs no read from the database"
    );

    db.start();
    recorder.record(mismatch(8)).unwrap();
    wait(&stats, "the spool is forwarded", |s| {
        !s.spooling.load(Ordering::SeqCst) && committed(4)(s)
    });
    drop(store.close());

    let groups: Vec<(String, i64)> = db.blocking_query(
        "SELECT signature, count FROM shadowgate_groups WHERE instance = 'gw-a' \
         ORDER BY signature",
        &[],
    );
    assert_eq!(groups, [("sig-0".into(), 2), ("sig-1".into(), 2)]);
}
