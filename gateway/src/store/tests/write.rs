//! The write path: counters across restarts, drops, degraded mode, retention, key order.

use std::sync::atomic::Ordering;
use std::sync::{mpsc, Arc, Mutex};

use super::*;
use crate::outcome::{ShadowOutcome, SkipReason};

#[test]
fn records_counters_and_groups_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let flushed = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&flushed);
    let options = WriterOptions {
        on_flush: Some(Arc::new(move |ids: &[RecordId]| {
            sink.lock().unwrap().extend_from_slice(ids)
        })),
        ..WriterOptions::default()
    };
    let store = Store::open(&config(&dir), options).unwrap();
    let recorder = store.recorder();
    for event in [
        matched("loan"),
        matched("loan"),
        Event::Counted {
            strategy: "loan".into(),
            outcome: ShadowOutcome::Skipped(SkipReason::BudgetFull),
        },
        mismatch("loan", RecordKind::Mismatch, "body.limit"),
        mismatch("loan", RecordKind::Mismatch, "body.limit"),
        mismatch("loan", RecordKind::ShadowError, "shadow_error"),
        mismatch("card", RecordKind::Unencodable, "body.name"),
    ] {
        recorder.record(event).unwrap();
    }
    // Reading works while the writer runs.
    wait_until("7 committed events", || {
        store.stats().events_committed.load(Ordering::SeqCst) == 7
    });
    assert_eq!(store.reader().summary().unwrap().len(), 2);
    let stats = Arc::clone(store.stats());
    let reader = store.close();
    assert_eq!(stats.written(RecordKind::Mismatch), 2);
    assert_eq!(stats.written(RecordKind::ShadowError), 1);
    assert_eq!(stats.written(RecordKind::Unencodable), 1);
    let flushed = flushed.lock().unwrap().clone();
    assert_eq!(flushed.len(), 4);
    for id in &flushed {
        let record = reader.get(*id).unwrap().unwrap();
        assert_eq!(record.id, *id);
        assert_eq!(record.time_micros, id.micros);
    }
    drop(reader);

    let store = Store::open(&config(&dir), WriterOptions::default()).unwrap();
    store.recorder().record(matched("loan")).unwrap();
    let reader = store.close();
    let summary = reader.summary().unwrap();
    let loan = summary.iter().find(|c| c.strategy == "loan").unwrap();
    assert_eq!(
        (
            loan.matches,
            loan.mismatches,
            loan.shadow_errors,
            loan.skipped
        ),
        (3, 2, 1, 1)
    );
    assert_eq!(loan.comparisons(), 6);
    assert!(loan.last_mismatch_micros >= loan.first_comparison_micros);
    let groups = reader.groups("loan").unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(
        (groups[0].signature.as_str(), groups[0].count),
        ("body.limit", 2)
    );
    assert_eq!(groups[0].example_ids.len(), 2);
    assert!(reader.groups("card").unwrap()[0]
        .example_ids
        .iter()
        .all(|id| flushed.contains(id)));
    assert!(reader.groups("nothing").unwrap().is_empty());
}

#[test]
fn a_full_channel_is_a_counted_drop_not_a_wait() {
    let (tx, _rx) = mpsc::sync_channel(1);
    let stats = Arc::new(StoreStats::default());
    let recorder = recorder::Recorder::new(tx, Arc::clone(&stats));
    assert_eq!(recorder.record(matched("loan")), Ok(()));
    assert_eq!(recorder.record(matched("loan")), Err(Dropped::ChannelFull));
    assert_eq!(stats.dropped(DropReason::ChannelFull), 1);
    drop(_rx);
    assert_eq!(recorder.record(matched("loan")), Err(Dropped::Closed));
    assert_eq!(stats.dropped(DropReason::WriteError), 1);
}

#[test]
fn write_errors_degrade_the_store_and_it_recovers() {
    let (backend, clock, options) = failing_on_a_manual_clock();
    let config = StoreConfig {
        retry_interval_ms: 1_000,
        ..StoreConfig::default()
    };
    let writer = Writer::spawn(Box::new(backend.clone()), &config, options).unwrap();
    let recorder = writer.recorder();
    let stats = Arc::clone(writer.stats());

    recorder
        .record(mismatch("loan", RecordKind::Mismatch, "a"))
        .unwrap();
    wait_until("the first failure", || stats.is_degraded());
    for _ in 0..3 {
        recorder
            .record(mismatch("loan", RecordKind::Mismatch, "a"))
            .unwrap();
        recorder.record(matched("loan")).unwrap();
    }
    wait_until("4 dropped records", || {
        stats.dropped(DropReason::WriteError) == 4
    });
    assert!(backend.values(Space::Counters).is_empty());

    backend.failing.store(false, Ordering::SeqCst);
    clock.advance(1_000_000);
    recorder
        .record(mismatch("loan", RecordKind::Mismatch, "a"))
        .unwrap();
    wait_until("recovery", || !stats.is_degraded());
    writer.close();

    assert!(backend.recoveries.load(Ordering::SeqCst) >= 1);
    assert_eq!(stats.written(RecordKind::Mismatch), 1);
    assert_eq!(stats.dropped(DropReason::WriteError), 4);
    let counters: StrategyCounters =
        codec::decode("counters", &backend.values(Space::Counters)[0].1).unwrap();
    assert_eq!(
        (counters.matches, counters.mismatches),
        (3, 5),
        "counting went on while degraded"
    );
    let group: Group = codec::decode("group", &backend.values(Space::Groups)[0].1).unwrap();
    assert_eq!(group.count, 5);
    assert_eq!(
        group.example_ids.len(),
        1,
        "only the stored record is an example"
    );
}

#[test]
fn retention_drops_whole_expired_days() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::at(T0));
    let options = WriterOptions {
        clock: clock.clone(),
        on_flush: None,
    };
    let config = StoreConfig {
        retention_days: 2,
        ..config(&dir)
    };
    let store = Store::open(&config, options).unwrap();
    let recorder = store.recorder();
    let stats = Arc::clone(store.stats());
    let mut sent = 0;
    for day in 0..4 {
        for _ in 0..3 {
            recorder
                .record(mismatch("loan", RecordKind::Mismatch, "a"))
                .unwrap();
            sent += 1;
        }
        wait_until("the day's records", || {
            stats.events_committed.load(Ordering::SeqCst) == sent
        });
        if day < 3 {
            clock.advance(DAY);
        }
    }
    let reader = store.close();
    // Now is day 3, 01:00; everything before day 1, 01:00 has expired: only day 0 is whole.
    assert_eq!(stats.retention_segments_removed.load(Ordering::SeqCst), 1);
    assert_eq!(stats.retention_records_removed.load(Ordering::SeqCst), 3);
    let left = reader.list(&ListQuery::default()).unwrap().records;
    assert_eq!(left.len(), 9);
    assert!(left.iter().all(|r| Day::of(r.time_micros) > Day::of(T0)));
    // Counters are kept forever.
    assert_eq!(reader.summary().unwrap()[0].mismatches, 12);
}

#[test]
fn keys_keep_increasing_when_the_clock_steps_back_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let open = |micros| {
        let options = WriterOptions {
            clock: Arc::new(ManualClock::at(micros)),
            on_flush: None,
        };
        Store::open(&config(&dir), options).unwrap()
    };
    let store = open(T0);
    store
        .recorder()
        .record(mismatch("loan", RecordKind::Mismatch, "a"))
        .unwrap();
    drop(store.close());
    let store = open(T0 - 1_000_000);
    store
        .recorder()
        .record(mismatch("loan", RecordKind::Mismatch, "b"))
        .unwrap();
    let records = store.close().list(&ListQuery::default()).unwrap().records;
    assert_eq!(
        records.len(),
        2,
        "the second record must not overwrite the first"
    );
    assert_eq!(records[1].mismatch.signature, "b");
    assert!(records[1].id > records[0].id);
}

#[test]
fn records_are_stored_compressed_by_default_and_their_bytes_counted() {
    let backend = FailingBackend::default();
    let options = WriterOptions {
        clock: Arc::new(ManualClock::at(T0)),
        on_flush: None,
    };
    let config = StoreConfig::default();
    let writer = Writer::spawn(Box::new(backend.clone()), &config, options).unwrap();
    let stats = Arc::clone(writer.stats());
    for signature in ["a", "b", "c"] {
        writer
            .recorder()
            .record(mismatch("loan", RecordKind::Mismatch, signature))
            .unwrap();
    }
    writer.close();

    let day = RecordId { micros: T0, seq: 0 }.day();
    let values = backend.values(Space::Records(day));
    assert_eq!(values.len(), 1, "one commit's three records share one key");
    let (key, value) = &values[0];
    assert_eq!(
        value[0],
        chunk::FORMAT_CHUNK,
        "written as a compressed chunk"
    );
    assert_eq!(
        RecordId::from_key(key),
        Some(RecordId { micros: T0, seq: 0 })
    );
    assert_eq!(chunk::span("record", key, value).unwrap().count, 3);
    let records: Vec<MismatchRecord> = chunk::decode_all("record", value).unwrap();
    let signatures: Vec<&str> = records
        .iter()
        .map(|r| r.mismatch.signature.as_str())
        .collect();
    assert_eq!(signatures, ["a", "b", "c"]);
    let raw: u64 = records
        .iter()
        .map(|record| codec::encode("record", record).unwrap().len() as u64)
        .sum();
    let stored = value.len() as u64;
    assert_eq!(stats.record_bytes(ByteForm::Raw), raw);
    assert_eq!(stats.record_bytes(ByteForm::Stored), stored);
    assert!(stored < raw, "{stored} stored bytes for {raw} raw");
}

#[test]
fn records_are_stored_as_json_when_compression_is_turned_off() {
    let backend = FailingBackend::default();
    let options = WriterOptions {
        clock: Arc::new(ManualClock::at(T0)),
        on_flush: None,
    };
    let config = StoreConfig {
        compress_records: false,
        ..StoreConfig::default()
    };
    let writer = Writer::spawn(Box::new(backend.clone()), &config, options).unwrap();
    let stats = Arc::clone(writer.stats());
    writer
        .recorder()
        .record(mismatch("loan", RecordKind::Mismatch, "a"))
        .unwrap();
    writer.close();
    let day = RecordId { micros: T0, seq: 0 }.day();
    let values = backend.values(Space::Records(day));
    assert_eq!(values[0].1[0], codec::FORMAT_JSON);
    assert_eq!(
        stats.record_bytes(ByteForm::Raw),
        stats.record_bytes(ByteForm::Stored)
    );
}

#[test]
fn a_restarted_writer_continues_after_the_last_record_of_the_last_chunk() {
    let backend = FailingBackend::default();
    // One commit of 20 records: chunks of 16 and 4, keyed by their first ids.
    let config = StoreConfig {
        flush_interval_ms: 1_000,
        batch_max_records: 20,
        compress_records: true,
        ..StoreConfig::default()
    };
    let spawn = |micros| {
        let options = WriterOptions {
            clock: Arc::new(ManualClock::at(micros)),
            on_flush: None,
        };
        Writer::spawn(Box::new(backend.clone()), &config, options).unwrap()
    };
    let writer = spawn(T0);
    for _ in 0..20 {
        writer
            .recorder()
            .record(mismatch("loan", RecordKind::Mismatch, "a"))
            .unwrap();
    }
    writer.close();
    let day = RecordId { micros: T0, seq: 0 }.day();
    let keys: Vec<Option<RecordId>> = backend
        .values(Space::Records(day))
        .iter()
        .map(|(key, _)| RecordId::from_key(key))
        .collect();
    let at = |seq| Some(RecordId { micros: T0, seq });
    assert_eq!(keys, [at(0), at(16)]);

    // The clock stepped back: the next id still follows the last record, not the last key.
    let writer = spawn(T0 - 1_000_000);
    writer
        .recorder()
        .record(mismatch("loan", RecordKind::Mismatch, "b"))
        .unwrap();
    writer.close();
    let values = backend.values(Space::Records(day));
    assert_eq!(values.len(), 3, "nothing overwritten");
    assert_eq!(RecordId::from_key(&values[2].0), at(20));
    let mut retention = backend.clone();
    assert_eq!(
        retention.drop_segment(day).unwrap(),
        21,
        "records, not keys"
    );
}

#[test]
fn a_commit_writes_the_counters_after_its_records_and_groups() {
    // Readers poll the counters, then read groups and records; sled shows a commit's inserts one
    // by one. Counters written last are never seen ahead of what they count.
    let backend = FailingBackend::default();
    let options = WriterOptions {
        clock: Arc::new(ManualClock::at(T0)),
        on_flush: None,
    };
    let writer =
        Writer::spawn(Box::new(backend.clone()), &StoreConfig::default(), options).unwrap();
    writer
        .recorder()
        .record(mismatch("loan", RecordKind::Mismatch, "a"))
        .unwrap();
    writer.recorder().record(matched("loan")).unwrap();
    writer.close();
    let commits = backend.commits();
    // The two may land in one commit or two: every commit ends with its counters, and the
    // mismatch's commit has its record and group before them.
    for spaces in &commits {
        if let Some(first_counter) = spaces.iter().position(|s| *s == Space::Counters) {
            assert!(
                spaces[first_counter..]
                    .iter()
                    .all(|s| *s == Space::Counters),
                "counters before other writes: {spaces:?}"
            );
        }
    }
    assert!(
        commits.iter().any(|spaces| {
            spaces.contains(&Space::Groups)
                && spaces.iter().any(|s| matches!(s, Space::Records(_)))
                && spaces.last() == Some(&Space::Counters)
        }),
        "{commits:?}"
    );
}

/// Events the writer's full channel refused are in their strategy's totals as drops inside the
/// writer are (the comparison, and for a record the drop with when), and so in the report: a
/// writer held at its start lets its channel fill; released, it takes the tallies into its next
/// commit without waiting for a close.
#[test]
fn events_the_full_channel_refused_are_in_the_strategy_totals_and_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let config = StoreConfig {
        channel_capacity: 2,
        ..config(&dir)
    };
    let clock = Arc::new(ManualClock::at(T0));
    let options = WriterOptions {
        clock: clock.clone(),
        on_flush: None,
    };
    let (release, held) = mpsc::channel::<()>();
    let hold = Box::new(move || {
        let _ = held.recv();
    });
    let store = Store::open_with(&config, options, hold).unwrap();
    let recorder = store.recorder();
    recorder.record(matched("loan")).unwrap();
    recorder
        .record(mismatch("loan", RecordKind::Mismatch, "body.limit"))
        .unwrap();
    let refused = Err(Dropped::ChannelFull);
    let record = mismatch("loan", RecordKind::Mismatch, "body.limit");
    assert_eq!(recorder.record(record), refused);
    clock.advance(60_000_000);
    let record = mismatch("loan", RecordKind::ShadowError, "shadow_error");
    assert_eq!(recorder.record(record), refused);
    assert_eq!(recorder.record(matched("loan")), refused);
    assert_eq!(store.stats().dropped(DropReason::ChannelFull), 3);

    release.send(()).unwrap();
    let loan = || {
        let summary = store.reader().summary().unwrap();
        summary.into_iter().find(|c| c.strategy == "loan")
    };
    wait_until("the refused events counted", || {
        loan().is_some_and(|c| c.records_dropped == 2)
    });
    let loan = loan().unwrap();
    assert_eq!(
        (loan.matches, loan.mismatches, loan.shadow_errors),
        (2, 2, 1),
        "the refused comparisons are counted"
    );
    assert_eq!(
        (loan.first_drop_micros, loan.last_drop_micros),
        (Some(T0), Some(T0 + 60_000_000))
    );
    // Written once: a later commit does not add them again.
    store.recorder().record(matched("loan")).unwrap();
    let reader = store.close();
    let review = crate::review::Review::new(reader, crate::review::Policies::default());
    let summary = review.summary(None, T0 + 120_000_000).unwrap();
    let loan = &summary.strategies[0];
    assert_eq!((loan.matches, loan.records_dropped), (3, 2));
    assert_eq!(loan.dropped_from, Some(format_micros(T0)));
    assert_eq!(loan.dropped_to, Some(format_micros(T0 + 60_000_000)));
}
