//! Chunk sizes: a commit's records are split so no chunk passes [`chunk::CHUNK_MAX_BYTES`]
//! (sled keeps record leaves inline), except a record that alone is larger.

use std::sync::Arc;

use serde_json::json;

use super::*;

/// A mismatch record carrying `len` bytes of text zstd cannot shrink much.
fn noisy(seed: u64, len: usize) -> Event {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    let noise: String = (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            char::from(b'a' + (state >> 59) as u8 % 26)
        })
        .collect();
    let Event::Record(mut record) = mismatch("loan", RecordKind::Mismatch, "a") else {
        unreachable!("mismatch builds a record")
    };
    record.request = json!({ "noise": noise }).into();
    Event::Record(record)
}

/// Writes `events` in one commit; returns the day tree's (key, value) pairs.
fn commit(events: Vec<Event>) -> Vec<(Vec<u8>, Vec<u8>)> {
    let backend = FailingBackend::default();
    let options = WriterOptions {
        clock: Arc::new(ManualClock::at(T0)),
        on_flush: None,
    };
    let config = StoreConfig {
        flush_interval_ms: 1_000,
        batch_max_records: events.len(),
        ..StoreConfig::default()
    };
    let writer = Writer::spawn(Box::new(backend.clone()), &config, options).unwrap();
    for event in events {
        writer.recorder().record(event).unwrap();
    }
    writer.close();
    backend.values(Space::Records(RecordId { micros: T0, seq: 0 }.day()))
}

#[test]
fn large_records_are_split_into_chunks_under_the_limit_in_order() {
    // 16 records of ≈2 KB compressed: one chunk would be ≈32 KB.
    let values = commit((0..16).map(|i| noisy(i, 3_000)).collect());
    assert!(values.len() > 2, "split into {} chunks", values.len());
    let mut seqs = Vec::new();
    for (key, value) in &values {
        assert!(
            value.len() <= chunk::CHUNK_MAX_BYTES,
            "a chunk of {} bytes",
            value.len()
        );
        let span = chunk::span("record", key, value).unwrap();
        let records: Vec<MismatchRecord> = chunk::decode_all("record", value).unwrap();
        assert_eq!(span.count, records.len() as u64);
        assert_eq!(
            RecordId::from_key(key),
            Some(records[0].id),
            "keyed by its first"
        );
        assert_eq!(span.last_key, records[records.len() - 1].id.to_key());
        seqs.extend(records.iter().map(|record| record.id.seq));
    }
    assert_eq!(
        seqs,
        (0..16).collect::<Vec<_>>(),
        "every record once, in order"
    );
}

#[test]
fn a_record_larger_than_the_limit_is_a_chunk_of_one() {
    let values = commit(vec![
        noisy(1, 200),
        noisy(2, 3 * chunk::CHUNK_MAX_BYTES),
        noisy(3, 200),
    ]);
    let counts: Vec<u64> = values
        .iter()
        .map(|(key, value)| chunk::span("record", key, value).unwrap().count)
        .collect();
    assert_eq!(counts.iter().sum::<u64>(), 3);
    let big = values
        .iter()
        .find(|(_, value)| value.len() > chunk::CHUNK_MAX_BYTES)
        .expect("the large record is stored");
    assert_eq!(chunk::span("record", &big.0, &big.1).unwrap().count, 1);
}
