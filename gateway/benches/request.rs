//! The live path's work on one request frame before any engine is called, in one run: what the
//! gateway builds from a demo request frame (loan screening, 306 bytes, three loans, CP949
//! names) for its exchange: transaction code, correlation id, TTL and, with an http engine, the
//! contract's JSON body.
//!
//! - `before`: the frame decoded into a `serde_json::Value` `Message` (kept by the exchange until
//!   the request ended), correlation id and TTL read from its header, the JSON body serialised
//!   from it (`encode_request_body`): the live path up to this change.
//! - `after`: the frame decoded into a typed view borrowed from the frame, correlation id and TTL
//!   read from the view, the JSON body written from the view (`write_request_body`): today's.
//!
//! Each once with an http engine (JSON body) and once with mci engines only (no JSON body).

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion};
use protocol_mci::{Direction, Layout, TtlValue};
use shadowgate::demo::traffic::Traffic;
use shadowgate::engine::{encode_request_body, write_request_body};

const LAYOUT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../config/layouts/loan-screening.toml"
);

/// What the exchange holds for the live path (the parts both variants compute).
struct Built {
    code: String,
    correlation_id: String,
    ttl: TtlValue,
    json: Bytes,
}

/// A demo request frame with three loans (the group and its decimals are part of the cost).
fn demo_frame(layout: &Layout) -> Vec<u8> {
    let mut traffic = Traffic::new(42, "bch");
    for _ in 0..1000 {
        let request = traffic.next_request();
        let loans = request.body.get("loans").and_then(|l| l.as_array());
        if loans.is_some_and(|l| l.len() == 3) {
            return layout.encode(Direction::Request, &request).unwrap();
        }
    }
    panic!("no demo request with three loans");
}

/// Before: a `Value` decode, kept whole (the exchange held it), the JSON body serialised from it.
fn before(layout: &Layout, frame: &[u8], json: bool) -> (Built, protocol_mci::Message) {
    let (selected, request) = layout.decode_selected(Direction::Request, frame).unwrap();
    let field = layout.correlation_field().unwrap();
    let built = Built {
        code: selected.code.clone(),
        correlation_id: field.text(&request.header).unwrap_or("").to_owned(),
        ttl: layout.ttl(&request.header),
        json: match json {
            true => encode_request_body(&selected.code, &request.header, &request.body).unwrap(),
            false => Bytes::new(),
        },
    };
    (built, request)
}

/// After: a typed view, the JSON body written from it.
fn after(layout: &Layout, frame: &[u8], json: bool) -> Built {
    let (selected, view) = layout
        .decode_view_selected(Direction::Request, frame)
        .unwrap();
    let field = layout.correlation_field().unwrap();
    Built {
        code: selected.code.clone(),
        correlation_id: field.text_view(&view.header).unwrap_or("").to_owned(),
        ttl: layout.ttl_view(&view.header),
        json: match json {
            true => write_request_body(&selected.code, &view),
            false => Bytes::new(),
        },
    }
}

fn request_bench(c: &mut Criterion) {
    let layout = Layout::from_file(LAYOUT).unwrap();
    let frame = demo_frame(&layout);
    // Both variants build the same thing.
    let (old, _) = before(&layout, &frame, true);
    let new = after(&layout, &frame, true);
    assert_eq!(
        (&old.code, &old.correlation_id, old.ttl, &old.json),
        (&new.code, &new.correlation_id, new.ttl, &new.json)
    );
    for (name, json) in [
        ("http engine (JSON body)", true),
        ("mci engines only", false),
    ] {
        let mut group = c.benchmark_group(format!("request frame → exchange, {name}"));
        group.bench_function("before: Value decode", |b| {
            b.iter(|| before(&layout, black_box(&frame), json))
        });
        group.bench_function("after: typed view", |b| {
            b.iter(|| after(&layout, black_box(&frame), json))
        });
        group.finish();
    }
}

criterion_group!(benches, request_bench);
criterion_main!(benches);
