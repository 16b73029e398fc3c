//! The cost of a raw payload at rest, beside the store's write path, in one run:
//! - `seal payload` / `open payload`: AES-256-GCM of one failing case's request and live answer
//!   (random nonce), alone;
//! - `store write path per record`: the whole writer (counters, groups, the record's JSON, zstd
//!   chunks, sled, group commits) storing mismatch records with their raw payloads, once without
//!   a key (the payload is dropped, as today) and once with a key file (sealed and written to the
//!   `payloads` tree). The difference between the two is what encryption adds per stored record;
//! - `encode record JSON`: the part of the write path every record pays anyway, for scale.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::{json, Value};
use shadowgate::store::{codec, Difference, Event, KeyRing, Mismatch, RawPayload, RecordId};
use shadowgate::store::{DropReason, RecordKind, Store, StoreConfig, WriterOptions};

const KEYS: &str = "k1 = AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// Events in the writer's channel at most while a batch is timed: below its capacity, so none is
/// dropped (a drop would make the store look faster than it is).
const IN_FLIGHT: u64 = 4_096;

/// The example layout's sizes: a 306-byte request frame, a 212-byte answer.
fn payload() -> RawPayload {
    RawPayload {
        request: Bytes::from(vec![b'7'; 306]),
        live_answer: Bytes::from(vec![b'3'; 212]),
    }
}

/// A masked request as the gateway stores it.
fn masked_request() -> Value {
    json!({"header": {"guid": "20261121CBS000000000000000000001", "tx_code": "LNS0001"},
        "body": {"cust_no": "000123456789", "cust_name": "홍**", "rrn": "900101-*******",
        "cust_type": "02", "annual_income": "58000000", "req_amount": "30000000"}})
}

fn decision(grade: &str) -> Value {
    json!({"body": {"decision": "A", "grade": grade, "limit_amount": "30000000", "rate": "5.250"}})
}

/// One stored mismatch of the demo's kind (a grade that differs), with its raw payload.
fn mismatch() -> Mismatch {
    Mismatch {
        strategy: "loan-screening".into(),
        kind: RecordKind::Mismatch,
        error_kind: None,
        tx_code: "LNS0001".into(),
        correlation_id: "20261121CBS000000000000000000001".into(),
        live_engine: "legacy".into(),
        shadow_engine: "new-engine".into(),
        differences: vec![Difference {
            path: "body.grade".into(),
            kind: "changed".into(),
            live: Some(json!("L1")),
            shadow: Some(json!("X9")),
            severity: "error".into(),
            expired_rule: None,
        }],
        signature: "3f2a9c0d1e4b5a67".into(),
        differing_paths: vec!["body.grade".into()],
        reason: None,
        request: masked_request().into(),
        live_decision: Some(decision("L1").into()),
        shadow_decision: Some(decision("X9").into()),
        live_latency_us: 1_200,
        shadow_latency_us: 1_900,
        payload: Some(payload()),
        confirmation: None,
    }
}

/// Stores `records` mismatches through a fresh store's writer (a key file when `keys` is given)
/// and returns the time until all are committed; opening and closing the store are not timed.
fn write_path(records: u64, keys: Option<&Path>) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let config = StoreConfig {
        path: dir.path().join("store"),
        encryption_key_file: keys.map(Path::to_owned),
        ..StoreConfig::default()
    };
    let store = Store::open(&config, WriterOptions::default()).unwrap();
    let recorder = store.recorder();
    let committed = || store.stats().events_committed.load(Ordering::SeqCst);
    let template = Box::new(mismatch());
    let start = Instant::now();
    for sent in 0..records {
        while sent - committed() >= IN_FLIGHT {
            std::thread::yield_now();
        }
        recorder.record(Event::Record(template.clone())).unwrap();
    }
    while committed() < records {
        std::thread::yield_now();
    }
    let elapsed = start.elapsed();
    let stats = store.stats();
    let dropped: u64 = DropReason::ALL.iter().map(|&r| stats.dropped(r)).sum();
    assert_eq!(
        dropped, 0,
        "records dropped: the timing would flatter the store"
    );
    assert_eq!(
        stats.written(RecordKind::Mismatch),
        records,
        "records not written"
    );
    drop(store.close());
    elapsed
}

fn payload_bench(c: &mut Criterion) {
    let keys = KeyRing::parse(KEYS).unwrap();
    let payload = payload();
    let id = RecordId {
        micros: 1_764_460_800_000_000,
        seq: 7,
    };
    c.bench_function("seal payload (306 + 212 bytes)", |b| {
        b.iter(|| black_box(payload.seal(&keys, id).unwrap()))
    });
    let sealed = payload.seal(&keys, id).unwrap();
    c.bench_function("open payload", |b| {
        b.iter(|| black_box(RawPayload::open(&sealed, &keys, id).unwrap()))
    });
    let record = serde_json::to_value(mismatch()).unwrap();
    c.bench_function("encode record JSON (for scale)", |b| {
        b.iter(|| black_box(codec::encode("record", &record).unwrap()))
    });

    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("keys");
    std::fs::write(&key_file, KEYS).unwrap();
    let mut group = c.benchmark_group("store write path per record");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("without a key (payload dropped)", |b| {
        b.iter_custom(|records| write_path(records, None))
    });
    group.bench_function("with a key (payload sealed and stored)", |b| {
        b.iter_custom(|records| write_path(records, Some(&key_file)))
    });
    group.finish();
}

criterion_group!(benches, payload_bench);
criterion_main!(benches);
