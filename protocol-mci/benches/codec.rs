//! Codec benchmark: decode (typed view, and JSON message) and encode of the example loan-screening
//! frames, and, in the same run, `serde_json` parsing the same content as a JSON document (the
//! decoded message serialised). Goal: decoding a frame is at least 1.5× faster than parsing the
//! JSON. Also the gateway's other per-frame codec work: the header decoded again (as a view and
//! as a JSON map, what answers echo) and the view written as JSON text (an HTTP engine's request
//! body), and a mismatch record's masked JSON of the frame (`record_*`).
//!
//! `cargo bench -p protocol-mci --bench codec`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use protocol_mci::{Direction, Layout, Message};

/// A realistic application: Korean name, three existing loans. JSON text, so numbers stay exact.
const REQUEST: &str = r#"{
    "header": {
        "guid": "20261121CBS000000000000000000001", "sys_code": "CBS", "tx_code": "LNS0001",
        "rr_flag": "S", "resp_code": "", "sent_at": "2026-11-21T09:30:15.123",
        "channel": "01", "branch": "0012"
    },
    "body": {
        "cust_no": "000123456789", "cust_name": "홍길동", "rrn": "9001011234567",
        "cust_type": "01", "annual_income": 58000000, "existing_debt": 16500000,
        "credit_score": 812, "req_amount": 30000000, "req_term": 36, "loan_cnt": 3,
        "loans": [
            {"lender": "국민은행", "balance": 8000000, "rate": 4.250},
            {"lender": "신한카드", "balance": 4000000, "rate": 12.900},
            {"lender": "우리은행 마이너스", "balance": 4500000, "rate": 6.125}
        ]
    }
}"#;

/// The decision for it: approved with two offers and a Korean message.
const RESPONSE: &str = r#"{
    "header": {
        "guid": "20261121CBS000000000000000000001", "sys_code": "CBS", "tx_code": "LNS0001",
        "rr_flag": "R", "resp_code": "0000", "sent_at": "2026-11-21T09:30:15.187",
        "channel": "01", "branch": "0012"
    },
    "body": {
        "decision": "A", "reason_code": "A000", "grade": "B2", "limit_amount": 30000000,
        "rate": 5.450, "offer_cnt": 2,
        "offers": [
            {"product_code": "LN-CR-0001", "limit": 30000000, "rate": 5.450, "term": 36},
            {"product_code": "LN-CR-0002", "limit": 20000000, "rate": 4.980, "term": 24}
        ],
        "message": "신청하신 대출이 승인되었습니다. 한도와 금리를 확인해 주세요."
    }
}"#;

fn layout() -> Layout {
    Layout::from_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../config/layouts/loan-screening.toml"
    ))
    .unwrap()
}

/// One frame kind: decode, encode, and JSON parsing of the same content.
fn frame_benches(c: &mut Criterion, layout: &Layout, name: &str, direction: Direction, json: &str) {
    let message: Message = serde_json::from_str(json).unwrap();
    let frame = layout.encode(direction, &message).unwrap();
    let decoded = layout.decode(direction, &frame).unwrap();
    assert_eq!(decoded, message);
    assert_eq!(
        layout
            .decode_view(direction, &frame)
            .unwrap()
            .into_message(),
        message
    );
    // The equivalent document: what the frame decodes to, as compact JSON.
    let document = serde_json::to_vec(&decoded.to_value()).unwrap();

    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(frame.len() as u64));
    group.bench_function("decode_view", |b| {
        b.iter(|| layout.decode_view(direction, black_box(&frame)).unwrap())
    });
    group.bench_function("decode", |b| {
        b.iter(|| layout.decode(direction, black_box(&frame)).unwrap())
    });
    group.bench_function("encode", |b| {
        b.iter(|| layout.encode(direction, black_box(&decoded)).unwrap())
    });
    let selected = layout.decode_view_selected(direction, &frame).unwrap().0;
    group.bench_function("decode_header_view", |b| {
        b.iter(|| {
            layout
                .decode_header_view_as(selected, black_box(&frame))
                .unwrap()
        })
    });
    group.bench_function("decode_header", |b| {
        b.iter(|| layout.decode_header(black_box(&frame)).unwrap())
    });
    group.throughput(Throughput::Bytes(document.len() as u64));
    let view = layout.decode_view(direction, &frame).unwrap();
    let mut check = Vec::new();
    view.write_json(&mut check);
    assert_eq!(check, document);
    let mut out = Vec::with_capacity(2 * document.len());
    group.bench_function("write_json", |b| {
        b.iter(|| {
            out.clear();
            black_box(&view).write_json(&mut out);
            out.len()
        })
    });
    group.bench_function("json_parse", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&document)).unwrap())
    });
    record_benches(&mut group, layout, direction, &frame);
    group.finish();
}

/// A mismatch record's message from the frame: masked as a `Message` and serialised (the
/// gateway's path before issue 19's record work), against written masked from the view and
/// checked as one JSON value (`RawValue`, what the gateway stores). Both decode the view first.
fn record_benches(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    layout: &Layout,
    direction: Direction,
    frame: &[u8],
) {
    let selected = layout.decode_view_selected(direction, frame).unwrap().0;
    let by_value = || {
        let mut message = layout.decode_view(direction, frame).unwrap().into_message();
        layout.mask_as(direction, selected, &mut message);
        serde_json::to_string(&layout.into_json(message)).unwrap()
    };
    let written = || {
        let view = layout.decode_view(direction, frame).unwrap();
        let mut out = Vec::with_capacity(1024);
        layout.write_masked_json(&view, &mut out);
        serde_json::value::RawValue::from_string(String::from_utf8(out).unwrap()).unwrap()
    };
    assert_eq!(written().get(), by_value());
    group.bench_function("record_by_value", |b| b.iter(|| black_box(by_value())));
    group.bench_function("record_written", |b| b.iter(|| black_box(written())));
}

fn codec(c: &mut Criterion) {
    let layout = layout();
    frame_benches(c, &layout, "request", Direction::Request, REQUEST);
    frame_benches(c, &layout, "response", Direction::Response, RESPONSE);
}

criterion_group!(benches, codec);
criterion_main!(benches);
