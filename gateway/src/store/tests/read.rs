//! The read path: pages, filters, clear errors, and records of every format version.

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
fn records_written_before_compression_still_read_through_the_review() {
    // A store as a build before compression left it: one record as version 1 (plain JSON).
    let dir = tempfile::tempdir().unwrap();
    let old_id = RecordId { micros: T0, seq: 0 };
    let Event::Record(old) = mismatch("loan", RecordKind::Mismatch, "old") else {
        unreachable!("mismatch() builds a record")
    };
    let old = MismatchRecord {
        id: old_id,
        time_micros: T0,
        mismatch: *old,
    };
    let plain = codec::encode("record", &old).unwrap();
    assert_eq!(plain[0], codec::FORMAT_JSON);
    {
        let db = sled::open(&config(&dir).path).unwrap();
        let tree = db
            .open_tree(format!("records/{}", old_id.day().compact()))
            .unwrap();
        tree.insert(old_id.to_key(), plain).unwrap();
        db.flush().unwrap();
    }

    // This build opens it and adds a compressed record after it.
    let options = WriterOptions {
        clock: Arc::new(ManualClock::at(T0)),
        on_flush: None,
    };
    let compressing = StoreConfig {
        compress_records: true,
        ..config(&dir)
    };
    let store = Store::open(&compressing, options).unwrap();
    store
        .recorder()
        .record(mismatch("loan", RecordKind::Mismatch, "new"))
        .unwrap();
    let stats = Arc::clone(store.stats());
    let review = crate::review::Review::new(store.close(), crate::review::Policies::new());
    assert!(stats.record_bytes(ByteForm::Stored) < stats.record_bytes(ByteForm::Raw));

    let detail = review.detail(old_id).unwrap().expect("the old record");
    assert_eq!(detail.record, old);
    assert!(
        !detail.rows.is_empty(),
        "its decisions are shown side by side"
    );
    let page = review
        .list(&ListQuery {
            strategy: Some("loan".into()),
            ..ListQuery::default()
        })
        .unwrap();
    let seen: Vec<(RecordId, &str)> = page
        .records
        .iter()
        .map(|r| (r.id, r.mismatch.signature.as_str()))
        .collect();
    let new_id = RecordId { micros: T0, seq: 1 };
    assert_eq!(seen, [(old_id, "old"), (new_id, "new")]);
    let new = review.detail(new_id).unwrap().expect("the new record");
    assert_eq!(new.record.mismatch.signature, "new");
}
