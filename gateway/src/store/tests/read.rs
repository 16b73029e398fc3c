//! The read path: pages, filters, clear errors, and records of every format version.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::*;

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
    drop((tree, db));
    let reader = Reader::open(&config(&dir).path).unwrap();
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

#[test]
fn records_of_every_older_format_still_read_through_the_review() {
    // A store as the builds before chunks left it: one record per key, version 1 (plain JSON)
    // and version 2 (zstd).
    let dir = tempfile::tempdir().unwrap();
    let old = |seq, signature: &str| {
        let Event::Record(mismatch) = mismatch("loan", RecordKind::Mismatch, signature) else {
            unreachable!("mismatch() builds a record")
        };
        let id = RecordId { micros: T0, seq };
        MismatchRecord {
            id,
            time_micros: T0,
            mismatch: *mismatch,
        }
    };
    let (plain, compressed) = (old(0, "plain"), old(1, "compressed"));
    let plain_bytes = codec::encode("record", &plain).unwrap();
    assert_eq!(plain_bytes[0], codec::FORMAT_JSON);
    let compressed_bytes = codec::RecordEncoder::new()
        .unwrap()
        .encode("record", &compressed)
        .unwrap()
        .bytes;
    assert_eq!(compressed_bytes[0], codec::FORMAT_ZSTD);
    let tree_name = format!("records/{}", plain.id.day().compact());
    {
        let db = sled::open(&config(&dir).path).unwrap();
        let tree = db.open_tree(&tree_name).unwrap();
        tree.insert(plain.id.to_key(), plain_bytes).unwrap();
        tree.insert(compressed.id.to_key(), compressed_bytes)
            .unwrap();
        db.flush().unwrap();
    }

    // This build opens it and adds a chunk of two records after them.
    let options = WriterOptions {
        clock: Arc::new(ManualClock::at(T0)),
        on_flush: None,
    };
    let config = StoreConfig {
        flush_interval_ms: 1_000,
        batch_max_records: 2,
        compress_records: true,
        ..config(&dir)
    };
    let store = Store::open(&config, options).unwrap();
    for signature in ["new-1", "new-2"] {
        store
            .recorder()
            .record(mismatch("loan", RecordKind::Mismatch, signature))
            .unwrap();
    }
    let stats = Arc::clone(store.stats());
    let review = crate::review::Review::new(store.close(), crate::review::Policies::new());
    assert!(stats.record_bytes(ByteForm::Stored) < stats.record_bytes(ByteForm::Raw));

    for record in [&plain, &compressed] {
        let detail = review.detail(record.id).unwrap().expect("the old record");
        assert_eq!(detail.record, *record);
        assert!(
            !detail.rows.is_empty(),
            "its decisions are shown side by side"
        );
    }
    let at = |seq| RecordId { micros: T0, seq };
    for newest_first in [false, true] {
        let page = review
            .list(&ListQuery {
                strategy: Some("loan".into()),
                newest_first,
                ..ListQuery::default()
            })
            .unwrap();
        let mut seen: Vec<(RecordId, &str)> = page
            .records
            .iter()
            .map(|r| (r.id, r.mismatch.signature.as_str()))
            .collect();
        if newest_first {
            seen.reverse();
        }
        let expected = [
            (at(0), "plain"),
            (at(1), "compressed"),
            (at(2), "new-1"),
            (at(3), "new-2"),
        ];
        assert_eq!(seen, expected, "newest first: {newest_first}");
    }
    let new = review
        .detail(at(3))
        .unwrap()
        .expect("a record inside a chunk");
    assert_eq!(new.record.mismatch.signature, "new-2");
    assert!(review.detail(at(4)).unwrap().is_none());
    drop(review);

    // Two single-record keys, then one chunk holding both new records.
    let db = sled::open(&config.path).unwrap();
    let formats: Vec<u8> = db
        .open_tree(&tree_name)
        .unwrap()
        .iter()
        .map(|entry| entry.unwrap().1[0])
        .collect();
    assert_eq!(formats, [1, 2, chunk::FORMAT_CHUNK]);
}

#[test]
fn pages_that_start_and_end_inside_chunks_list_what_one_record_per_key_would() {
    // One commit of 40 records: chunks of 16, 16 and 8. Two commits a day apart add a second day.
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::at(T0));
    let options = WriterOptions {
        clock: clock.clone(),
        on_flush: None,
    };
    let config = StoreConfig {
        flush_interval_ms: 1_000,
        batch_max_records: 40,
        compress_records: true,
        ..config(&dir)
    };
    let store = Store::open(&config, options).unwrap();
    let stats = Arc::clone(store.stats());
    let send = |count| {
        for i in 0..count {
            let signature = if i % 3 == 0 { "third" } else { "other" };
            store
                .recorder()
                .record(mismatch("loan", RecordKind::Mismatch, signature))
                .unwrap();
        }
    };
    // A full batch is committed at once; the next day's five go with the close.
    send(40);
    wait_until("the first day's records", || {
        stats.events_committed.load(Ordering::SeqCst) == 40
    });
    clock.advance(DAY);
    send(5);
    let reader = store.close();

    let all = |newest_first| {
        let query = ListQuery {
            limit: MAX_LIMIT,
            newest_first,
            ..ListQuery::default()
        };
        reader.list(&query).unwrap().records
    };
    let oldest = all(false);
    assert_eq!(oldest.len(), 45);
    assert!(oldest.windows(2).all(|w| w[0].id < w[1].id));
    let mut newest = all(true);
    newest.reverse();
    assert_eq!(newest, oldest);

    for newest_first in [false, true] {
        for (limit, signature) in [(5, None), (7, None), (3, Some("third"))] {
            let mut query = ListQuery {
                limit,
                newest_first,
                signature: signature.map(str::to_owned),
                ..ListQuery::default()
            };
            let mut seen = Vec::new();
            let mut pages = 0;
            loop {
                let page = reader.list(&query).unwrap();
                assert!(page.records.len() <= limit);
                pages += 1;
                assert!(pages <= 50, "pages end");
                seen.extend(page.records.iter().map(|r| r.id));
                match page.next {
                    Some(next) => query.cursor = Some(next),
                    None => break,
                }
            }
            let mut expected: Vec<RecordId> = oldest
                .iter()
                .filter(|r| signature.is_none_or(|s| r.mismatch.signature == s))
                .map(|r| r.id)
                .collect();
            if newest_first {
                expected.reverse();
            }
            assert_eq!(
                seen, expected,
                "limit {limit}, {signature:?}, newest first: {newest_first}"
            );
        }
    }

    // A time window inside the first chunk's microsecond and one that starts on day two.
    let window = |from: Option<u64>, until: Option<u64>| ListQuery {
        from_micros: from,
        until_micros: until,
        limit: MAX_LIMIT,
        ..ListQuery::default()
    };
    assert_eq!(
        reader
            .list(&window(Some(T0), Some(T0 + 1)))
            .unwrap()
            .records
            .len(),
        40
    );
    let second = reader.list(&window(Some(T0 + 1), None)).unwrap().records;
    assert_eq!(second.len(), 5);
    assert!(second.iter().all(|r| r.time_micros == T0 + DAY));
    // Cursors inside a chunk, both directions.
    let cursor = |cursor, newest_first| ListQuery {
        cursor: Some(cursor),
        newest_first,
        limit: 4,
        ..ListQuery::default()
    };
    let ids = |page: Page| page.records.iter().map(|r| r.id.seq).collect::<Vec<_>>();
    let at = |seq| RecordId { micros: T0, seq };
    assert_eq!(
        ids(reader.list(&cursor(at(13), false)).unwrap()),
        [14, 15, 16, 17]
    );
    assert_eq!(
        ids(reader.list(&cursor(at(18), true)).unwrap()),
        [17, 16, 15, 14]
    );

    for record in &oldest {
        assert_eq!(reader.get(record.id).unwrap().as_ref(), Some(record));
    }
    assert!(
        reader.get(at(40)).unwrap().is_none(),
        "after the last chunk's end"
    );
    let before = RecordId {
        micros: T0 - 1,
        seq: 0,
    };
    assert!(
        reader.get(before).unwrap().is_none(),
        "before the first chunk"
    );
    drop(reader);

    let db = sled::open(&config.path).unwrap();
    let keys = db
        .open_tree(format!("records/{}", Day::of(T0).compact()))
        .unwrap()
        .len();
    assert_eq!(keys, 3, "40 records in chunks of 16, 16 and 8");
}
