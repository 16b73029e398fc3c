//! The cost of a raw payload at rest, beside the store's write path: sealing one failing case's
//! request and live answer (AES-256-GCM, random nonce) next to encoding its record as JSON,
//! which the writer thread does for every record anyway.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion};
use shadowgate::store::{codec, KeyRing, RawPayload, RecordId};

const KEYS: &str = "k1 = AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// The example layout's sizes: a 306-byte request frame, a 212-byte answer.
fn payload() -> RawPayload {
    RawPayload {
        request: Bytes::from(vec![b'7'; 306]),
        live_answer: Bytes::from(vec![b'3'; 212]),
    }
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
    let record = serde_json::json!({
        "strategy": "loan-screening", "kind": "mismatch", "tx_code": "LNS0001",
        "correlation_id": "20261121CBS000000000000000000001",
        "differences": [{"path": "body.grade", "kind": "changed", "live": "L1", "shadow": "X9"}],
        "request": {"header": {"guid": "20261121CBS000000000000000000001"},
            "body": {"cust_no": "000123456789", "cust_name": "홍**", "rrn": "900101-*******",
            "annual_income": 58000000, "req_amount": 30000000}},
        "live_decision": {"body": {"decision": "A", "grade": "L1", "limit_amount": 30000000}},
        "shadow_decision": {"body": {"decision": "A", "grade": "X9", "limit_amount": 30000000}}
    });
    c.bench_function("encode record JSON (for scale)", |b| {
        b.iter(|| black_box(codec::encode("record", &record).unwrap()))
    });
}

criterion_group!(benches, payload_bench);
criterion_main!(benches);
