//! Store tests: the write path, reading, degraded mode and retention.

use std::sync::atomic::Ordering;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use super::*;

const DAY: u64 = MICROS_PER_DAY;
const T0: u64 = 20_778 * DAY + 3_600_000_000;

fn mismatch(strategy: &str, kind: RecordKind, signature: &str) -> Event {
    Event::Record(Box::new(Mismatch {
        strategy: strategy.into(),
        kind,
        tx_code: "LNS0001".into(),
        correlation_id: "c-1".into(),
        live_engine: "legacy".into(),
        shadow_engine: "next".into(),
        differences: vec![Difference {
            path: "body.limit".into(),
            kind: "changed".into(),
            live: Some(json!("100.00")),
            shadow: None,
            severity: "error".into(),
        }],
        signature: signature.into(),
        differing_paths: vec!["body.limit".into()],
        reason: (kind != RecordKind::Mismatch).then(|| "timeout after 200 ms".into()),
        request: json!({"body": {"cust_no": "****1234"}}),
        live_decision: Some(json!({"body": {"limit": "100.00"}})),
        shadow_decision: None,
        live_latency_us: 1_200,
        shadow_latency_us: 200_000,
    }))
}

fn matched(strategy: &str) -> Event {
    Event::Match {
        strategy: strategy.into(),
    }
}

fn config(dir: &tempfile::TempDir) -> StoreConfig {
    StoreConfig {
        path: dir.path().join("store"),
        ..StoreConfig::default()
    }
}

/// Waits (bounded) for the writer thread; the assertions come after.
fn wait_until(what: &str, condition: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

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
        Event::Skipped {
            strategy: "loan".into(),
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
fn pages_follow_the_cursor_and_filters_apply() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&config(&dir), WriterOptions::default()).unwrap();
    let recorder = store.recorder();
    for i in 0..25 {
        let signature = if i % 5 == 0 { "rare" } else { "common" };
        recorder
            .record(mismatch("loan", RecordKind::Mismatch, signature))
            .unwrap();
    }
    recorder
        .record(mismatch("card", RecordKind::ShadowError, "x"))
        .unwrap();
    let reader = store.close();

    let mut query = ListQuery {
        strategy: Some("loan".into()),
        limit: 10,
        newest_first: true,
        ..ListQuery::default()
    };
    let mut seen = Vec::new();
    loop {
        let page = reader.list(&query).unwrap();
        seen.extend(page.records.iter().map(|r| r.id));
        match page.next {
            Some(next) => query.cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 25);
    assert!(
        seen.windows(2).all(|w| w[0] > w[1]),
        "newest first, no repeats"
    );

    let oldest_first = reader
        .list(&ListQuery {
            limit: 100,
            ..ListQuery::default()
        })
        .unwrap();
    assert_eq!(oldest_first.records.len(), 26);
    assert!(oldest_first.next.is_none());
    let ids: Vec<RecordId> = oldest_first.records.iter().map(|r| r.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));

    let rare = ListQuery {
        signature: Some("rare".into()),
        ..ListQuery::default()
    };
    assert_eq!(reader.list(&rare).unwrap().records.len(), 5);
    let errors = ListQuery {
        kind: Some(RecordKind::ShadowError),
        ..ListQuery::default()
    };
    assert_eq!(
        reader.list(&errors).unwrap().records[0]
            .mismatch
            .strategy
            .as_ref(),
        "card"
    );
    // A batch shares one microsecond, so windows are checked against the ids' own times.
    let first = ids[0].micros;
    let window = |from, until| ListQuery {
        from_micros: from,
        until_micros: until,
        ..ListQuery::default()
    };
    let same_time = ids.iter().filter(|id| id.micros == first).count();
    assert_eq!(
        reader
            .list(&window(Some(first), Some(first + 1)))
            .unwrap()
            .records
            .len(),
        same_time
    );
    assert!(reader
        .list(&window(None, Some(first)))
        .unwrap()
        .records
        .is_empty());
    let later = reader.list(&window(Some(first + 1), None)).unwrap().records;
    assert_eq!(later.len(), 26 - same_time);
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
    let backend = FailingBackend::default();
    backend.failing.store(true, Ordering::SeqCst);
    let clock = Arc::new(ManualClock::at(T0));
    let options = WriterOptions {
        clock: clock.clone(),
        on_flush: None,
    };
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
fn readers_say_clearly_why_they_cannot_open_or_decode() {
    let dir = tempfile::tempdir().unwrap();
    let missing = Reader::open(&dir.path().join("nope")).unwrap_err();
    assert!(missing.to_string().starts_with("no store at "), "{missing}");

    let store = Store::open(&config(&dir), WriterOptions::default()).unwrap();
    let locked = Reader::open(&config(&dir).path).unwrap_err();
    assert!(locked.to_string().contains("another process"), "{locked}");
    store
        .recorder()
        .record(mismatch("loan", RecordKind::Mismatch, "a"))
        .unwrap();
    let reader = store.close();
    let id = reader.list(&ListQuery::default()).unwrap().records[0].id;
    drop(reader);

    let db = sled::open(&config(&dir).path).unwrap();
    let tree = db
        .open_tree(format!("records/{}", id.day().compact()))
        .unwrap();
    tree.insert(id.to_key(), &[9, b'{', b'}'][..]).unwrap();
    let reader = Reader::new(db);
    let error = reader.get(id).unwrap_err();
    assert!(
        error.to_string().contains("unknown format version 9"),
        "{error}"
    );
    assert!(reader
        .get(RecordId { micros: 1, seq: 0 })
        .unwrap()
        .is_none());
}
