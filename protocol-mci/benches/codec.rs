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
const REQUEST: &str = include_str!("messages/request.json");

/// The decision for it: approved with two offers and a Korean message.
const RESPONSE: &str = include_str!("messages/response.json");

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
