//! The run mark: a store dropped without `close` (as after a SIGKILL) is found unclean by the next
//! open, with that run's start and pid; a closed one is found clean.

use super::*;

fn open(config: &StoreConfig) -> Store {
    Store::open(config, WriterOptions::default()).unwrap()
}

#[test]
fn a_new_store_knows_no_previous_run() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&config(&dir));
    assert_eq!(store.previous_run(), PreviousRun::Unknown);
    assert_eq!(store.stats().previous_run(), PreviousRun::Unknown);
    drop(store.close());
}

#[test]
fn a_store_dropped_without_close_is_found_unclean_by_the_next_open() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(&dir);
    let before = SystemClock.now_micros();
    let store = open(&config);
    store.recorder().record(matched("loan")).unwrap();
    // No close: the writer flushes on drop, but the run is not marked stopped.
    drop(store);
    let after = SystemClock.now_micros();

    let store = open(&config);
    let run = store
        .previous_run()
        .unclean()
        .expect("the previous run is unclean");
    assert_eq!(run.pid, std::process::id());
    assert!((before..=after).contains(&run.started_at), "{run:?}");
    assert_eq!(store.stats().previous_run(), store.previous_run());
    drop(store.close());

    // Closed this time: the next open finds it clean.
    let store = open(&config);
    assert_eq!(store.previous_run(), PreviousRun::Clean);
    drop(store.close());
}

#[test]
fn a_closed_store_is_found_clean_and_an_unclean_end_after_it_is_found_again() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(&dir);
    drop(open(&config).close());
    let store = open(&config);
    assert_eq!(store.previous_run(), PreviousRun::Clean);
    drop(store);
    assert!(open(&config).previous_run().unclean().is_some());
}

/// The warning names the store, that run's start and pid, and what it may have lost with the
/// bounds.
#[test]
fn the_announcement_says_what_may_be_lost_with_its_bounds() {
    let run = RunStart {
        started_at: 1_764_763_200_123_456,
        pid: 4242,
    };
    let bounds = LossBounds {
        comparisons_in_flight: 256,
        uncommitted_records: 10_256,
    };
    let store = "/var/lib/shadowgate/store";
    let ((), quiet) = crate::test_log::logged(tracing::Level::DEBUG, || {
        PreviousRun::Clean.announce(store, bounds);
        PreviousRun::Unknown.announce(store, bounds);
    });
    assert_eq!(quiet, "");
    let ((), text) = crate::test_log::logged(tracing::Level::DEBUG, || {
        PreviousRun::Unclean(run).announce(store, bounds);
    });
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.contains(
            " WARN shadowgate::store::run: the previous run on this store did not stop cleanly \
             (killed, crashed or lost power): up to 256 comparisons in flight and up to \
             10256 records not yet committed may be lost store=\"/var/lib/shadowgate/store\" \
             started_at=2025-12-03T12:00:00.123456Z pid=4242"
        ),
        "{text}"
    );
}

/// The warning names a sled store by its absolute path: a relative `[store] path` joined to the
/// working directory, whether or not it exists yet.
#[test]
fn a_relative_store_path_is_named_absolute() {
    let config = StoreConfig {
        path: "data/store".into(),
        ..StoreConfig::default()
    };
    let cwd = std::env::current_dir().unwrap();
    assert_eq!(
        super::super::open::place(&config),
        cwd.join("data/store").display().to_string()
    );
    assert!(!cwd.join("data/store").exists());
    if !cfg!(unix) {
        return;
    }
    let config = StoreConfig {
        path: "/var/lib/shadowgate/store".into(),
        ..StoreConfig::default()
    };
    assert_eq!(
        super::super::open::place(&config),
        "/var/lib/shadowgate/store"
    );
}

/// A fleet store started without its database learns how the previous run ended at the first
/// contact, after the gateway gave its bounds: it is said then, once, whichever comes last.
#[test]
fn a_previous_run_learnt_after_the_bounds_is_announced_once() {
    let stats = crate::store::stats::StoreStats::default();
    let bounds = LossBounds {
        comparisons_in_flight: 8,
        uncommitted_records: 16,
    };
    let run = RunStart {
        started_at: 1_764_763_200_123_456,
        pid: 4242,
    };
    let ((), text) = crate::test_log::logged(tracing::Level::WARN, || {
        stats.set_loss_bounds("postgres instance \"gw-b\"".into(), bounds);
        stats.set_previous_run(PreviousRun::Unclean(run));
        stats.set_previous_run(PreviousRun::Clean);
        stats.set_loss_bounds("postgres instance \"gw-b\"".into(), bounds);
    });
    assert_eq!(stats.previous_run(), PreviousRun::Unclean(run));
    let said: Vec<_> = text
        .lines()
        .filter(|l| l.contains("the previous run on this store did not stop cleanly"))
        .collect();
    assert_eq!(said.len(), 1, "{text}");
    assert!(said[0].contains("pid=4242"), "{text}");
}
