//! A group commit that reached PostgreSQL but whose acknowledgement was lost: the writer goes
//! degraded, reconnects and writes its absolute totals again. Nothing is counted twice and every
//! record id is stored once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use shadowgate::outcome::ShadowOutcome;
use shadowgate::store::postgres::{PostgresBackend, PostgresConfig, SslMode};
use shadowgate::store::{
    Backend, BackendError, Day, Difference, Event, Mismatch, RecordKind, Space, StoreConfig,
    StoreStats, Write, Writer, WriterOptions,
};
use shadowgate_tests::postgres::TestPostgres;

const STRATEGY: &str = "loan-screening";

/// Delegates to PostgreSQL; while `lose_ack` is on, a commit is applied and then reported as
/// failed (the connection dropped before the COMMIT's answer arrived).
struct LostAck {
    inner: PostgresBackend,
    lose_ack: Arc<AtomicBool>,
}

impl Backend for LostAck {
    fn load(&mut self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        self.inner.load(space, key)
    }

    fn commit(&mut self, writes: Vec<Write>) -> Result<(), BackendError> {
        self.inner.commit(writes)?;
        if self.lose_ack.swap(false, Ordering::SeqCst) {
            return Err(BackendError::new(
                "commit",
                "connection reset before the answer",
            ));
        }
        Ok(())
    }

    fn segments(&mut self) -> Result<Vec<Day>, BackendError> {
        self.inner.segments()
    }

    fn last_record_key(&mut self) -> Result<Option<Vec<u8>>, BackendError> {
        self.inner.last_record_key()
    }

    fn drop_segment(&mut self, day: Day) -> Result<u64, BackendError> {
        self.inner.drop_segment(day)
    }

    fn prune(&mut self, space: Space, before: &[u8]) -> Result<u64, BackendError> {
        self.inner.prune(space, before)
    }

    fn recover(&mut self) -> Result<(), BackendError> {
        self.inner.recover()
    }
}

fn mismatch(n: u64) -> Event {
    Event::Record(Box::new(Mismatch {
        strategy: STRATEGY.into(),
        kind: RecordKind::Mismatch,
        error_kind: None,
        tx_code: "LNS0001".into(),
        correlation_id: format!("c-{n}"),
        live_engine: "legacy".into(),
        shadow_engine: "next".into(),
        differences: vec![Difference {
            path: "body.grade".into(),
            kind: "changed".into(),
            live: Some(json!("L1")),
            shadow: Some(json!("N9")),
            severity: "error".into(),
            expired_rule: None,
        }],
        signature: "mismatch/body.grade".into(),
        differing_paths: vec!["body.grade".into()],
        reason: None,
        request: json!({"body": {"cust_no": "****1234"}}).into(),
        live_decision: Some(json!({"body": {"grade": "L1"}}).into()),
        shadow_decision: Some(json!({"body": {"grade": "N9"}}).into()),
        live_latency_us: 1_000,
        shadow_latency_us: 2_000,
        payload: None,
        confirmation: None,
    }))
}

fn matched() -> Event {
    Event::Counted {
        strategy: STRATEGY.into(),
        outcome: ShadowOutcome::Match,
    }
}

fn backend(db: &TestPostgres, instance: &str) -> PostgresBackend {
    PostgresBackend::new(&PostgresConfig {
        url: db.url(),
        instance: Some(instance.into()),
        sslmode: SslMode::Disable,
        ..PostgresConfig::default()
    })
    .unwrap()
}

/// Sends `events`; returns how many.
fn send(writer: &Writer, events: impl IntoIterator<Item = Event>) -> u64 {
    let recorder = writer.recorder();
    let mut sent = 0;
    for event in events {
        recorder.record(event).unwrap();
        sent += 1;
    }
    sent
}

/// Waits (bounded) until `until` holds for the writer's statistics.
fn wait(writer: &Writer, what: &str, until: impl Fn(&StoreStats) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !until(writer.stats()) {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_batch_written_twice_after_a_lost_acknowledgement_is_counted_once() {
    let db = TestPostgres::start_new();
    let lose_ack = Arc::new(AtomicBool::new(false));
    let store = StoreConfig {
        retry_interval_ms: 1,
        ..StoreConfig::default()
    };
    let backend = LostAck {
        inner: backend(&db, "gw-a"),
        lose_ack: Arc::clone(&lose_ack),
    };
    let writer = Writer::spawn(Box::new(backend), &store, WriterOptions::default()).unwrap();
    let first = send(
        &writer,
        (0..10).map(|_| matched()).chain((0..5).map(mismatch)),
    );
    let committed = |n: u64| move |s: &StoreStats| s.events_committed.load(Ordering::SeqCst) == n;
    wait(&writer, "the first batch is committed", committed(first));

    // This batch reaches the tables, but the writer is told it failed: it degrades, reconnects
    // and writes the same absolute totals again, with the next batch or on its own.
    lose_ack.store(true, Ordering::SeqCst);
    let second = send(
        &writer,
        (0..7).map(|_| matched()).chain((5..8).map(mismatch)),
    );
    wait(&writer, "the lost acknowledgement is seen", |s| {
        s.reopens.load(Ordering::SeqCst) > 0 || s.is_degraded()
    });
    assert!(!lose_ack.load(Ordering::SeqCst), "the fault was used");
    let third = send(
        &writer,
        (0..4).map(|_| matched()).chain((8..10).map(mismatch)),
    );
    wait(
        &writer,
        "everything is committed",
        committed(first + second + third),
    );
    assert!(!writer.stats().is_degraded());
    assert!(
        writer.stats().reopens.load(Ordering::SeqCst) >= 1,
        "reconnected"
    );
    writer.close();

    let (matches, mismatches): (i64, i64) = db.blocking_query_one(
        "SELECT matches, mismatches FROM shadowgate_counters WHERE instance = 'gw-a' \
         AND strategy = $1",
        &[&STRATEGY],
    );
    assert_eq!((matches, mismatches), (21, 10), "each comparison once");
    let (group, records): (i64, i64) = db.blocking_query_one(
        "SELECT count, (SELECT sum(record_count) FROM shadowgate_records) FROM \
         shadowgate_groups WHERE instance = 'gw-a'",
        &[],
    );
    assert_eq!(group, 10);
    assert_eq!(
        records, 10,
        "every record stored once, the retried batch's included"
    );
    let (comparisons, failures): (i64, i64) = db.blocking_query_one(
        "SELECT sum(comparisons)::int8, sum(failures)::int8 FROM shadowgate_series \
         WHERE signature IS NULL",
        &[],
    );
    assert_eq!((comparisons, failures), (31, 10));
}

#[test]
fn a_second_writer_with_the_same_instance_name_is_refused() {
    let db = TestPostgres::start_new();
    let mut first = backend(&db, "gw-a");
    first.recover().unwrap();
    let error = backend(&db, "gw-a").recover().unwrap_err().to_string();
    assert!(error.contains("\"gw-a\" in use"), "{error}");
    backend(&db, "gw-b").recover().unwrap();
    drop(first);
    // The lock goes with the session: the name is free again once the first one is gone.
    let deadline = Instant::now() + Duration::from_secs(10);
    while backend(&db, "gw-a").recover().is_err() {
        assert!(Instant::now() < deadline, "the lock outlived its session");
        std::thread::sleep(Duration::from_millis(20));
    }
}
