//! Recovery: a store that cannot open starts degraded and opens later, a reopen that readers
//! follow, and a degraded close that says what it could not persist.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use super::super::shared::{SharedDb, SledSettings};
use super::*;

#[test]
fn a_store_that_cannot_open_starts_degraded_and_opens_once_the_disk_is_back() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the store's parent directory should be: creating the store fails with an I/O
    // error, as on a read-only or full disk.
    let blocker = dir.path().join("disk");
    std::fs::write(&blocker, b"not a directory").unwrap();
    let config = StoreConfig {
        path: blocker.join("store"),
        retry_interval_ms: 20,
        ..StoreConfig::default()
    };
    let store = Store::open(&config, WriterOptions::default()).unwrap();
    let stats = Arc::clone(store.stats());
    wait_until("degraded from the start", || stats.is_degraded());
    assert!(matches!(
        store.reader().summary(),
        Err(StoreError::Unavailable { .. })
    ));
    let recorder = store.recorder();
    recorder.record(matched("loan")).unwrap();
    recorder
        .record(mismatch("loan", RecordKind::Mismatch, "a"))
        .unwrap();
    wait_until("the record dropped", || {
        stats.dropped(DropReason::WriteError) == 1
    });

    std::fs::remove_file(&blocker).unwrap();
    wait_until("the store open", || !stats.is_degraded());
    let summary = store.reader().summary().unwrap();
    assert_eq!(
        (summary[0].matches, summary[0].mismatches),
        (1, 1),
        "the degraded period's counters are persisted"
    );
    assert_eq!(
        summary[0].records_dropped, 1,
        "with the records they count but the store did not take"
    );
    assert!(summary[0].first_drop_micros.is_some());
    assert!(stats.reopens.load(Ordering::SeqCst) >= 1);
    drop(store.close());
    assert_eq!(stats.unpersisted_events.load(Ordering::SeqCst), 0);
}

#[test]
fn a_store_held_by_another_handle_still_refuses_to_open() {
    let dir = tempfile::tempdir().unwrap();
    let first = Store::open(&config(&dir), WriterOptions::default()).unwrap();
    let second = Store::open(&config(&dir), WriterOptions::default()).unwrap_err();
    assert!(second.is_locked(), "{second}");
    drop(first.close());
}

#[test]
fn readers_follow_a_reopen_and_never_block_it_for_long() {
    let dir = tempfile::tempdir().unwrap();
    let shared = Arc::new(SharedDb::empty(
        &dir.path().join("store"),
        SledSettings::default(),
    ));
    shared.reopen().unwrap();
    let reader = Reader::new(Arc::clone(&shared));
    let mut backend = SledBackend::new(Arc::clone(&shared));
    let counters = StrategyCounters::new("loan");
    let write = Write {
        space: Space::Counters,
        key: b"loan".to_vec(),
        value: codec::encode("counters", &counters).unwrap(),
    };
    backend.commit(vec![write.clone()]).unwrap();

    // A query in flight holds the old database for a moment: the reopen waits it out.
    let held = shared.current().unwrap();
    let query = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        drop(held);
    });
    backend.recover().unwrap();
    query.join().unwrap();
    assert_eq!(reader.summary().unwrap(), std::slice::from_ref(&counters));
    backend.commit(vec![write]).unwrap();
    assert_eq!(reader.summary().unwrap(), [counters]);
}

#[test]
fn closing_degraded_retries_once_then_counts_what_was_not_persisted() {
    for disk_back_before_close in [false, true] {
        let (backend, _, options) = failing_on_a_manual_clock();
        let writer =
            Writer::spawn(Box::new(backend.clone()), &StoreConfig::default(), options).unwrap();
        let stats = Arc::clone(writer.stats());
        for _ in 0..3 {
            writer.recorder().record(matched("loan")).unwrap();
        }
        wait_until("degraded", || stats.is_degraded());
        // The retry is not due (the clock stands still): only the close tries again.
        backend
            .failing
            .store(!disk_back_before_close, Ordering::SeqCst);
        writer.close();

        let persisted = backend.values(Space::Counters);
        if disk_back_before_close {
            assert_eq!(stats.unpersisted_events.load(Ordering::SeqCst), 0);
            let counters: StrategyCounters = codec::decode("counters", &persisted[0].1).unwrap();
            assert_eq!(counters.matches, 3);
        } else {
            assert_eq!(stats.unpersisted_events.load(Ordering::SeqCst), 3);
            assert!(persisted.is_empty());
        }
    }
}

#[test]
fn a_snapshot_a_full_disk_left_half_written_does_not_keep_the_store_closed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    {
        let db = super::super::shared::open_db(&path, SledSettings::default()).unwrap();
        db.insert(b"kept", b"value").unwrap();
        db.flush().unwrap();
    }
    // What sled leaves when it opens on a full disk: its newest snapshot, created, never written.
    std::fs::write(path.join("snap.7FFFFFFFFFFFFFFF.generating"), b"").unwrap();
    let raw = sled::Config::new().path(&path).open().map(|_| ());
    assert!(
        matches!(raw, Err(sled::Error::Corruption { .. })),
        "sled itself reads it as corruption: {raw:?}"
    );

    let db = super::super::shared::open_db(&path, SledSettings::default()).unwrap();
    assert_eq!(db.get(b"kept").unwrap().as_deref(), Some(&b"value"[..]));
    let leftover = std::fs::read_dir(&path)
        .unwrap()
        .filter_map(|entry| entry.unwrap().file_name().into_string().ok())
        .filter(|name| name.ends_with(".generating"))
        .count();
    assert_eq!(leftover, 0);
}

/// A committer on a backend that fails until told not to, on a manual clock, retrying every
/// 10 ms: the backend, the clock, the store's statistics and the committer.
fn failing_committer() -> (
    FailingBackend,
    Arc<ManualClock>,
    Arc<StoreStats>,
    super::super::commit::Committer,
) {
    let (backend, clock, options) = failing_on_a_manual_clock();
    let config = StoreConfig {
        retry_interval_ms: 10,
        ..StoreConfig::default()
    };
    let stats = Arc::new(StoreStats::default());
    let committer = super::super::commit::Committer::new(
        Box::new(backend.clone()),
        &config,
        options,
        Arc::clone(&stats),
        None,
    );
    (backend, clock, stats, committer)
}

/// A store that stays degraded retries every `retry_interval_ms` but says so once a minute, with
/// the attempts since its last line (a fleet trial saw the line every 5 s); a reopen that works
/// starts the count again, so the next outage is said at once.
#[test]
fn failing_reopens_are_said_once_a_minute_and_again_after_a_recovery() {
    let (backend, clock, stats, mut committer) = failing_committer();
    let reopen_lines = |log: &str| {
        log.lines()
            .filter(|l| l.contains("WARN") && l.contains("reopening failed"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let ((), log) = crate::test_log::logged(tracing::Level::WARN, || {
        committer.commit(vec![matched("loan")]);
        assert!(stats.is_degraded());
        for _ in 0..5 {
            clock.advance(10_000);
            committer.commit(vec![matched("loan")]);
        }
    });
    assert!(backend.recoveries.load(Ordering::SeqCst) >= 5, "{log}");
    let said = reopen_lines(&log);
    assert_eq!(said.len(), 1, "{log}");
    assert!(said[0].contains("attempts=1"), "{log}");

    // Back, then away again: the new outage's first failed reopen is said at once.
    let ((), log) = crate::test_log::logged(tracing::Level::WARN, || {
        backend.failing.store(false, Ordering::SeqCst);
        clock.advance(10_000);
        committer.commit(vec![matched("loan")]);
        assert!(!stats.is_degraded());
        backend.failing.store(true, Ordering::SeqCst);
        committer.commit(vec![matched("loan")]);
        assert!(stats.is_degraded());
        clock.advance(10_000);
        committer.commit(vec![matched("loan")]);
    });
    assert_eq!(reopen_lines(&log).len(), 1, "{log}");
}

/// A record the store does not take, in the failed flush or while degraded, is counted in its
/// strategy's totals with when it was compared; they are written once the store takes them, so
/// a review can say its records are fewer than its failures, and between when.
#[test]
fn dropped_records_are_written_with_the_totals_once_the_store_is_back() {
    let (backend, clock, stats, mut committer) = failing_committer();
    // The failed flush drops the first; degraded, the second is dropped before any write.
    committer.commit(vec![mismatch("loan", RecordKind::Mismatch, "a")]);
    clock.advance(5_000);
    committer.commit(vec![mismatch("loan", RecordKind::Mismatch, "b")]);
    assert_eq!(stats.dropped(DropReason::WriteError), 2);

    backend.failing.store(false, Ordering::SeqCst);
    clock.advance(10_000);
    committer.commit(vec![matched("loan")]);
    assert!(!stats.is_degraded());
    let counters: Vec<StrategyCounters> = backend
        .values(Space::Counters)
        .iter()
        .map(|(_, value)| codec::decode("counters", value).unwrap())
        .collect();
    assert_eq!(counters.len(), 1);
    let loan = &counters[0];
    assert_eq!((loan.mismatches, loan.matches), (2, 1));
    assert_eq!(
        (
            loan.records_dropped,
            loan.first_drop_micros,
            loan.last_drop_micros
        ),
        (2, Some(T0), Some(T0 + 5_000))
    );
}
