//! A writer started while it cannot log in to PostgreSQL finds, when it can, its instance name
//! held by another session (another running gateway): it says so, keeps spooling and writes
//! nothing; once the name is free it forwards the spool once, with exact totals.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use shadowgate::store::postgres::{BackendKind, PostgresConfig, SslMode};
use shadowgate::store::{Event, Store, StoreConfig, StoreStats, WriterOptions};
use shadowgate_tests::postgres::TestPostgres;

use super::crash::record;

const DEADLINE: Duration = Duration::from_secs(20);

fn wait(what: &str, until: impl Fn() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !until() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_held_instance_name_at_the_first_contact_keeps_the_writer_spooling() {
    let db = TestPostgres::start_new();
    let admin = || db.client();
    // Connections of the writer's role are logged: the test sees when it has tried.
    let mut setup = admin();
    setup
        .batch_execute("ALTER SYSTEM SET log_connections = on")
        .unwrap();
    setup.batch_execute("SELECT pg_reload_conf()").unwrap();
    drop(setup);
    let local = tempfile::tempdir().unwrap();
    // The role does not exist yet: the database refuses the writer at the start.
    let url = format!("postgres://late@127.0.0.1:{}/postgres", db.port());
    let config = StoreConfig {
        path: local.path().join("store"),
        retry_interval_ms: 50,
        backend: BackendKind::Postgres,
        postgres: PostgresConfig {
            url,
            instance: Some("gw-held".into()),
            sslmode: SslMode::Disable,
            connect_timeout_ms: 500,
            ..PostgresConfig::default()
        },
        ..StoreConfig::default()
    };
    let store = Store::open(&config, WriterOptions::default()).unwrap();
    let (recorder, stats) = (store.recorder(), Arc::clone(store.stats()));
    let strategy: Arc<str> = "loan".into();
    let committed = |s: &StoreStats, n| s.events_committed.load(Ordering::SeqCst) == n;
    for n in 0..3 {
        recorder
            .record(Event::Record(Box::new(record(&strategy, n))))
            .unwrap();
    }
    wait("three records are spooled", || committed(&stats, 3));
    assert!(stats.spooling.load(Ordering::SeqCst));
    assert!(!stats.is_degraded());

    // Another session holds the instance's lock, then the role may log in.
    let mut holder = admin();
    holder
        .execute(
            "SELECT pg_advisory_lock(hashtextextended('shadowgate instance ' || $1, 0))",
            &[&"gw-held"],
        )
        .unwrap();
    holder
        .batch_execute("CREATE ROLE late LOGIN SUPERUSER")
        .unwrap();
    let logins = || db.log().matches("connection authorized: user=late").count();
    wait("the writer has tried twice", || logins() >= 2);
    recorder
        .record(Event::Record(Box::new(record(&strategy, 3))))
        .unwrap();
    wait("the fourth record is spooled", || committed(&stats, 4));
    assert!(stats.spooling.load(Ordering::SeqCst), "still spooling");
    assert!(!stats.is_degraded());
    let schema: Option<String> =
        db.blocking_query_one("SELECT to_regclass('shadowgate_counters')::text", &[]);
    assert_eq!(schema, None, "nothing written while the name is held");

    // The other gateway goes away: the spool is forwarded once.
    drop(holder);
    wait("the spool is forwarded", || {
        !stats.spooling.load(Ordering::SeqCst)
    });
    drop(store.close());
    let totals: (i64, i64, i64) = db.blocking_query_one(
        "SELECT mismatches, (SELECT sum(count)::int8 FROM shadowgate_groups),
             (SELECT sum(record_count)::int8 FROM shadowgate_records)
         FROM shadowgate_counters WHERE instance = 'gw-held'",
        &[],
    );
    assert_eq!(totals, (4, 4, 4));
}
