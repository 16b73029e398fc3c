//! The run mark of an instance in `shadowgate_runs`: a store dropped without `close` (as after a
//! SIGKILL) is found unclean by the next open of the same instance name, with that run's start
//! and pid, even from another directory; a closed one is found clean; another instance's runs are
//! its own. A stop while the store spools is kept in the local spool and marked by the next start
//! that reaches the database: that run is found clean.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use shadowgate::outcome::ShadowOutcome;
use shadowgate::store::postgres::{BackendKind, PostgresConfig, SslMode};
use shadowgate::store::{
    Clock, Event, PreviousRun, Store, StoreConfig, SystemClock, WriterOptions,
};
use shadowgate_tests::logs::LogBuffer;
use shadowgate_tests::postgres::TestPostgres;

fn config(url: &str, instance: &str, dir: &tempfile::TempDir) -> StoreConfig {
    StoreConfig {
        path: dir.path().join("spool"),
        backend: BackendKind::Postgres,
        postgres: PostgresConfig {
            url: url.to_owned(),
            instance: Some(instance.to_owned()),
            sslmode: SslMode::Disable,
            ..PostgresConfig::default()
        },
        ..StoreConfig::default()
    }
}

/// A new cluster, and the [`config`] of `instance` on it in a new directory, retrying every
/// 100 ms (a spool forwarded soon after the database is back).
fn outage_store(instance: &str) -> (TestPostgres, tempfile::TempDir, StoreConfig) {
    let postgres = TestPostgres::start_new();
    let dir = tempfile::tempdir().unwrap();
    let config = StoreConfig {
        retry_interval_ms: 100,
        ..config(&postgres.url(), instance, &dir)
    };
    (postgres, dir, config)
}

fn open(config: &StoreConfig) -> Store {
    Store::open(config, WriterOptions::default()).unwrap()
}

#[test]
fn an_instance_dropped_without_close_is_found_unclean_and_a_closed_one_clean() {
    let postgres = TestPostgres::start_new();
    let url = postgres.url();
    let (dir_1, dir_2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let gw_1 = config(&url, "gw-1", &dir_1);

    let store = open(&gw_1);
    assert_eq!(store.previous_run(), PreviousRun::Unknown);
    drop(store.close());
    let store = open(&gw_1);
    assert_eq!(store.previous_run(), PreviousRun::Clean);
    drop(store.close());

    // Dropped without close: the writer's session ends, but the run stays marked started.
    let before = SystemClock.now_micros();
    let store = open(&gw_1);
    let after = SystemClock.now_micros();
    drop(store);
    // Another instance on the same database knows nothing of gw-1's runs.
    let other = open(&config(&url, "gw-2", &dir_2));
    assert_eq!(other.previous_run(), PreviousRun::Unknown);
    drop(other.close());

    // The same instance name from another directory: the mark lives in the database.
    let moved = tempfile::tempdir().unwrap();
    let store = open(&config(&url, "gw-1", &moved));
    let run = store
        .previous_run()
        .unclean()
        .expect("the previous run is unclean");
    assert_eq!(run.pid, std::process::id());
    assert!((before..=after).contains(&run.started_at), "{run:?}");
    let started: bool = postgres.blocking_query_one(
        "SELECT stopped_at IS NULL FROM shadowgate_runs WHERE instance = 'gw-1'",
        &[],
    );
    assert!(started, "this run is marked started");
    drop(store.close());
    let stopped: bool = postgres.blocking_query_one(
        "SELECT stopped_at IS NOT NULL FROM shadowgate_runs WHERE instance = 'gw-1'",
        &[],
    );
    assert!(stopped, "a closed run is marked stopped");
    assert_eq!(open(&gw_1).previous_run(), PreviousRun::Clean);
}

/// A stop while the store spools (the database gone) cannot mark the run stopped in PostgreSQL:
/// without waiting for a connect timeout, it keeps the stop in the local spool and says so, and
/// the next start marks it there before it reads the previous run's mark: that run is found
/// clean, and the start says its stop was recorded late. A trial's gateway said "did not stop
/// cleanly" after every stop made during an outage.
#[test]
fn a_stop_while_spooling_is_kept_locally_and_found_clean_at_the_next_start() {
    let (mut postgres, _dir, config) = outage_store("gw-3");
    let store = open(&config);
    assert_eq!(store.previous_run(), PreviousRun::Unknown);
    stop_under(&mut postgres, &store);
    shadowgate::test_log::anchor();
    let logs = LogBuffer::default();
    let closing = Instant::now();
    let stopped_from = SystemClock.now_micros();
    tracing::subscriber::with_default(logs.subscriber(), || drop(store.close()));
    let stopped_until = SystemClock.now_micros();
    // Not a connect attempt (5 s by default) to learn what the spooling says already.
    assert!(
        closing.elapsed() < Duration::from_secs(4),
        "{:?}",
        closing.elapsed()
    );
    let text = logs.text();
    assert!(
        text.contains(
            "INFO shadowgate::store::open: store: postgres cannot be written; this run's clean \
             stop is kept in the local store and marked by the next start that reaches postgres \
             store=\"postgres instance \\\"gw-3\\\"\" reason=store backend failed to mark the run \
             stopped: postgres cannot be written (the store spools)"
        ),
        "{text}"
    );
    assert!(!text.contains("could not be marked"), "{text}");

    // The stop is in the local store only: the database still has the run started.
    postgres.start();
    let (run, pid): (i64, i64) = postgres.blocking_query_one(
        "SELECT run, pid FROM shadowgate_runs WHERE instance = 'gw-3' AND stopped_at IS NULL",
        &[],
    );
    assert_eq!(pid, i64::from(std::process::id()));

    let logs = LogBuffer::default();
    let store = tracing::subscriber::with_default(logs.subscriber(), || open(&config));
    assert_eq!(store.previous_run(), PreviousRun::Clean);
    let text = logs.text();
    let said: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("its stop is recorded now"))
        .collect();
    assert_eq!(said.len(), 1, "{text}");
    let started_at = shadowgate::store::format_micros(u64::try_from(run).unwrap());
    for part in [
        "INFO shadowgate::store::postgres::runs: store: a run stopped cleanly while postgres \
         could not be reached; its stop is recorded now, and it is not reported unclean \
         instance=\"gw-3\"",
        &format!("started_at={started_at} pid={pid} stopped_at=20"),
    ] {
        assert!(said[0].contains(part), "{part:?} in {}", said[0]);
    }
    let stopped_at = said[0].rsplit("stopped_at=").next().unwrap();
    let stopped_at = shadowgate::store::parse_rfc3339(stopped_at).unwrap();
    assert!(
        (stopped_from..=stopped_until).contains(&stopped_at),
        "{stopped_at} not in {stopped_from}..={stopped_until}"
    );
    assert!(!text.contains("did not stop cleanly"), "{text}");
    drop(store.close());

    // Marked once: the start after that finds its own previous run, stopped with the database.
    let logs = LogBuffer::default();
    let store = tracing::subscriber::with_default(logs.subscriber(), || open(&config));
    assert_eq!(store.previous_run(), PreviousRun::Clean);
    assert!(!logs.text().contains("recorded now"), "{}", logs.text());
    drop(store.close());
}

/// Stops `postgres` and waits until `store` spools.
fn stop_under(postgres: &mut TestPostgres, store: &Store) {
    postgres.stop();
    wait_spooling(store, true);
}

/// Starts `postgres` again and waits until `store` has forwarded its spool.
fn start_under(postgres: &mut TestPostgres, store: &Store) {
    postgres.start();
    wait_spooling(store, false);
}

/// Waits (bounded) until `store` spools (`true`: a comparison recorded meanwhile, for the writer
/// to find the database gone) or has forwarded its spool (`false`).
fn wait_spooling(store: &Store, spooling: bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while store.stats().spooling.load(Ordering::SeqCst) != spooling {
        assert!(
            Instant::now() < deadline,
            "spooling never became {spooling}"
        );
        if spooling {
            let _ = store.recorder().record(Event::Counted {
                strategy: "loan".into(),
                outcome: ShadowOutcome::Match,
            });
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A run started while the database is down is marked when it first answers, so its clean stop
/// is marked against it: the next start finds it clean, not the run before it (which ended
/// without a stop, as a crash during the outage, and is said unclean once, at that first
/// contact). A trial's gateway named the older run unclean at every start after such a run.
#[test]
fn a_run_started_without_the_database_is_marked_when_it_answers() {
    let (mut postgres, _dir, config) = outage_store("gw-5");

    // Dropped without close while spooling, as after a SIGKILL: no stop, kept or marked.
    let before = SystemClock.now_micros();
    let store = open(&config);
    let after = SystemClock.now_micros();
    stop_under(&mut postgres, &store);
    drop(store);

    // Started while the database is down: how the previous run ended is not known yet.
    let store = open(&config);
    assert_eq!(store.previous_run(), PreviousRun::Unknown);
    start_under(&mut postgres, &store);
    // Learnt at the first contact: the older run, which did not mark its stop.
    let unclean = store
        .previous_run()
        .unclean()
        .expect("the older run is unclean");
    assert_eq!(unclean.pid, std::process::id());
    assert!(
        (before..=after).contains(&unclean.started_at),
        "{unclean:?}"
    );
    let marked: (bool, bool) = postgres.blocking_query_one(
        "SELECT stopped_at IS NULL, run > $1 FROM shadowgate_runs WHERE instance = 'gw-5'",
        &[&i64::try_from(after).unwrap()],
    );
    assert_eq!(marked, (true, true), "this run is marked started");
    drop(store.close());

    // Stopped cleanly with the database: the next start finds it so.
    let store = open(&config);
    assert_eq!(store.previous_run(), PreviousRun::Clean);
    drop(store.close());
}

/// A stop kept locally during an outage is marked by the next run even when that one also starts
/// without the database: at its first contact, before it reads the previous run's mark.
#[test]
fn a_stop_kept_locally_is_marked_at_the_first_contact_of_a_run_started_without_the_database() {
    let (mut postgres, _dir, config) = outage_store("gw-6");

    let store = open(&config);
    stop_under(&mut postgres, &store);
    drop(store.close());

    let store = open(&config);
    assert_eq!(store.previous_run(), PreviousRun::Unknown);
    start_under(&mut postgres, &store);
    assert_eq!(store.previous_run(), PreviousRun::Clean);
    drop(store.close());
    assert_eq!(open(&config).previous_run(), PreviousRun::Clean);
}

/// A run started without the database and dropped without close before it answered (as after a
/// SIGKILL during the outage) is the previous run the next start reports unclean, though the
/// database never heard of it; one closed before it answered leaves nothing to report. The
/// clean stop kept by the run before them is marked all the same.
#[test]
fn a_run_that_never_reached_the_database_is_found_unclean_if_it_did_not_stop_cleanly() {
    let (mut postgres, _dir, config) = outage_store("gw-7");

    // Stopped cleanly while spooling: the stop is kept.
    let store = open(&config);
    stop_under(&mut postgres, &store);
    drop(store.close());
    // Started and stopped cleanly without the database: nothing to report.
    drop(open(&config).close());
    // Started without the database and dropped without close.
    let before = SystemClock.now_micros();
    let store = open(&config);
    let after = SystemClock.now_micros();
    drop(store);

    postgres.start();
    let logs = LogBuffer::default();
    let store = tracing::subscriber::with_default(logs.subscriber(), || open(&config));
    let lost = store
        .previous_run()
        .unclean()
        .expect("the dropped run is unclean");
    assert!((before..=after).contains(&lost.started_at), "{lost:?}");
    assert!(
        logs.text().contains("its stop is recorded now"),
        "{}",
        logs.text()
    );
    drop(store.close());
    assert_eq!(open(&config).previous_run(), PreviousRun::Clean);
}
