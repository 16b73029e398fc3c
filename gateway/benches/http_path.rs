//! The HTTP ingress's per-request CPU steps that issue 19 cut, before and after in one run, on
//! the demo's traffic (loan screening): reading an engine's JSON answer (parse, then a second
//! walk over the bytes for a key held twice → one parse that notes it), and writing the live
//! answer back to the client as JSON (decode into a `Message`, copy it into a `Value`, print →
//! decode and print the message itself), and turning an answer into its frame (a checked
//! `Value`, the `Message` built from it, encoded → one parse that checks the answer and builds
//! its borrowed tree, encoded), and the request header echoed into it (decoded again into a
//! `Map`, edited, encoded → decoded again into a borrowed tree, edited, encoded). And the one
//! parse against the two it replaced (a shape-only check where the answer was received, then the
//! tree parsed again where it was encoded), and jiter's parse against serde_json's one parse it
//! replaced.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use bytes::Bytes;
use criterion::{criterion_group, Criterion};
use protocol_mci::json::JsonTree;
use protocol_mci::{Direction, Layout};
use serde_json::{Map, Value};
use shadowgate::demo::{modern, traffic::Traffic};
use shadowgate::engine::{decode_answer, JsonAnswer};
use shadowgate::pipeline::{answer_message, encode_answer, response_json};

/// The second walk the answer check made before (the gateway's own code, kept for its tests).
#[path = "../src/engine/answer/unique.rs"]
mod unique;

/// The `Map` echo before the tree (the gateway's own code, kept for its tests).
#[path = "../src/pipeline/echo/reference.rs"]
mod reference;

/// The answer parse (the gateway's own code), for the two passes the one parse replaced.
#[path = "../src/engine/answer/tree.rs"]
mod tree;

/// What `tree` shares with the answer parse.
#[path = "../src/engine/answer/seed.rs"]
mod seed;

/// What `unique` and `tree` call to bound a key in a path.
fn cut(name: &str) -> String {
    name.chars().take(64).collect()
}

const LAYOUT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../config/layouts/loan-screening.toml"
);

/// An answer's bytes, its frame, the request header it echoes and the request's frame.
type DemoAnswer = (Vec<u8>, Vec<u8>, Map<String, Value>, Vec<u8>);

/// The new engine's JSON answers to the first `count` demo requests, as the bytes it sends, the
/// answer frames they encode to, and the request headers they echo.
fn demo_answers(layout: &Layout, count: usize) -> Vec<DemoAnswer> {
    let mut traffic = Traffic::new(42, "bch");
    (0..count)
        .map(|_| {
            let request = traffic.next_request();
            let request_frame = layout.encode(Direction::Request, &request).unwrap();
            let json = serde_json::json!({
                "tx_code": "LNS0001", "header": request.header, "body": request.body,
            });
            let answer = modern::answer(&json).unwrap();
            let bytes = serde_json::to_vec(&answer).unwrap();
            let message = answer_message(layout, &request.header, answer);
            let frame = layout.encode(Direction::Response, &message).unwrap();
            (bytes, frame, request.header, request_frame)
        })
        .collect()
}

/// Before: `Value`'s own parse, then the walk for a key held twice.
fn parse_then_walk(bytes: &[u8]) -> Value {
    let value: Value = serde_json::from_slice(bytes).unwrap();
    assert!(unique::duplicate_key(bytes).is_none());
    value
}

/// Before jiter (the eleventh session): serde_json's one parse with a visitor, duplicates noted
/// (numbers through `arbitrary_precision`'s one-entry map).
fn serde_tree(bytes: &[u8]) -> protocol_mci::json::JsonTree<'_> {
    let mut full = serde_json::Deserializer::from_slice(bytes).into_iter::<tree::Checked<false>>();
    let checked = full.next().unwrap().unwrap();
    assert!(checked.duplicate.is_none() && full.next().is_none());
    checked.tree
}

/// Before the one parse: the top level's shape where the answer was received, then the whole
/// tree where it was encoded (the syntax, duplicates and shape checks of both passes).
fn shape_then_tree(bytes: &[u8]) -> protocol_mci::json::JsonTree<'_> {
    let mut shape = serde_json::Deserializer::from_slice(bytes).into_iter::<tree::Checked<true>>();
    let checked = shape.next().unwrap().unwrap();
    assert!(checked.duplicate.is_none() && checked.tree.get("body").is_some());
    let mut full = serde_json::Deserializer::from_slice(bytes).into_iter::<tree::Checked<false>>();
    let checked = full.next().unwrap().unwrap();
    assert!(checked.duplicate.is_none() && full.next().is_none());
    checked.tree
}

/// Before: the live answer frame decoded into a `Message`, copied into `{"header", "body"}`,
/// printed.
fn answer_via_value(layout: &Layout, frame: &[u8]) -> Vec<u8> {
    let message = layout.decode(Direction::Response, frame).unwrap();
    message.to_value().to_string().into_bytes()
}

fn http_path_bench(c: &mut Criterion) {
    let layout = Layout::from_file(LAYOUT).unwrap();
    let answers = demo_answers(&layout, 64);
    for (bytes, frame, _, request) in &answers {
        assert_eq!(
            decode_answer(bytes).unwrap().to_value(),
            parse_then_walk(bytes)
        );
        let after = response_json(&layout, "LNS0001", frame).unwrap();
        assert_eq!(after, answer_via_value(&layout, frame));
        assert_eq!(&answer_via_tree(&layout, bytes, request), frame);
        assert_eq!(
            shape_then_tree(bytes).to_value(),
            decode_answer(bytes).unwrap().to_value()
        );
        assert_eq!(
            serde_tree(bytes).to_value(),
            decode_answer(bytes).unwrap().to_value()
        );
        let tree = decode_answer(bytes).unwrap();
        assert_eq!(&echo_via_map(&layout, request, &tree), frame);
        assert_eq!(&echo_via_tree(&layout, request, &tree), frame);
    }
    let mut group = c.benchmark_group("engine answer, 64 demo answers");
    group.bench_function("before: parse, then walk for duplicates", |b| {
        b.iter(|| {
            for (bytes, ..) in &answers {
                black_box(parse_then_walk(black_box(bytes)));
            }
        })
    });
    group.bench_function("after: one checked parse", |b| {
        b.iter(|| {
            for (bytes, ..) in &answers {
                black_box(decode_answer(black_box(bytes)).unwrap());
            }
        })
    });
    group.bench_function("before jiter: serde_json's one parse", |b| {
        b.iter(|| {
            for (bytes, ..) in &answers {
                black_box(serde_tree(black_box(bytes)));
            }
        })
    });
    group.bench_function("before one parse: shape check, then the tree", |b| {
        b.iter(|| {
            for (bytes, ..) in &answers {
                black_box(shape_then_tree(black_box(bytes)));
            }
        })
    });
    group.finish();
    let mut group = c.benchmark_group("ingress answer JSON, 64 demo answers");
    group.bench_function("before: decode, copy into a Value, print", |b| {
        b.iter(|| {
            for (_, frame, ..) in &answers {
                black_box(answer_via_value(&layout, black_box(frame)));
            }
        })
    });
    group.bench_function("after: decode, print the message", |b| {
        b.iter(|| {
            for (_, frame, ..) in &answers {
                black_box(response_json(&layout, "LNS0001", black_box(frame)).unwrap());
            }
        })
    });
    group.finish();
    let mut group = c.benchmark_group("engine answer to frame, 64 demo answers");
    group.bench_function("before: checked Value, Message, encode", |b| {
        b.iter(|| {
            for (bytes, _, header, _) in &answers {
                let answer = parse_then_walk(black_box(bytes));
                let message = answer_message(&layout, header, answer);
                black_box(layout.encode(Direction::Response, &message).unwrap());
            }
        })
    });
    group.bench_function("after: one parse (check and tree), encode", |b| {
        b.iter(|| {
            for (bytes, _, _, request) in &answers {
                black_box(answer_via_tree(&layout, black_box(bytes), request));
            }
        })
    });
    group.finish();
    let trees: Vec<_> = answers
        .iter()
        .map(|(bytes, ..)| decode_answer(bytes).unwrap())
        .collect();
    let mut group = c.benchmark_group("request header echo, 64 demo answers");
    group.bench_function("before: header into a Map, edited, encoded", |b| {
        b.iter(|| {
            for ((.., request), tree) in answers.iter().zip(&trees) {
                black_box(echo_via_map(&layout, black_box(request), tree));
            }
        })
    });
    group.bench_function("after: header into a tree, edited, encoded", |b| {
        b.iter(|| {
            for ((.., request), tree) in answers.iter().zip(&trees) {
                black_box(echo_via_tree(&layout, black_box(request), tree));
            }
        })
    });
    group.finish();
}

/// Before: the request header decoded again into a `Map`, the answer encoded over it.
fn echo_via_map(layout: &Layout, request: &[u8], tree: &JsonTree<'_>) -> Vec<u8> {
    let selected = layout.message("LNS0001").unwrap();
    let header = layout.decode_header_view_as(selected, request).unwrap();
    reference::encode_answer_map(layout, "LNS0001", header.into_map(), tree).unwrap()
}

/// After: the request header decoded again into a borrowed tree, the answer encoded over it.
fn echo_via_tree(layout: &Layout, request: &[u8], tree: &JsonTree<'_>) -> Vec<u8> {
    let selected = layout.message("LNS0001").unwrap();
    let header = layout.decode_header_view_as(selected, request).unwrap();
    encode_answer(layout, "LNS0001", header.into_tree(), tree).unwrap()
}

/// After: the answer's one parse (check and tree), the body encoded from the tree over the
/// request header (decoded again from the request frame into a borrowed tree, as the gateway
/// does).
fn answer_via_tree(layout: &Layout, bytes: &[u8], request: &[u8]) -> Vec<u8> {
    let answer = JsonAnswer::received(Bytes::copy_from_slice(bytes));
    let tree = answer.check().unwrap();
    let selected = layout.message("LNS0001").unwrap();
    let header = layout.decode_header_view_as(selected, request).unwrap();
    encode_answer(layout, "LNS0001", header.into_tree(), &tree).unwrap()
}

criterion_group!(benches, http_path_bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
