//! Encodes the demo's loan-screening frames in a loop, for instruction counts under callgrind
//! (deterministic, unlike timings on a shared machine): the request and the answer, each from
//! the decoded `serde_json` message (what the MCI path encodes) and from a borrowed `JsonTree`
//! (an engine's parsed answer). Run it twice with different counts and subtract, so set-up and
//! one-time tables drop out:
//!
//! ```text
//! cargo build --release -p protocol-mci --example encode_loop
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/encode_loop 1000
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/encode_loop 11000
//! ```
//!
//! `encode_loop COUNT text` encodes only the frames' Korean texts to CP949, the same way;
//! `encode_loop COUNT map` (or `tree`) encodes the frames from one form only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use protocol_mci::charset::Charset;
use protocol_mci::json::JsonTree;
use protocol_mci::{Direction, Layout, Message};

/// The codec benchmark's application: Korean name, three existing loans.
const REQUEST: &str = include_str!("../benches/messages/request.json");

/// The decision for it: approved with two offers and a Korean message.
const RESPONSE: &str = include_str!("../benches/messages/response.json");

fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .map_or(1000, |n| n.parse().expect("a count of iterations"));
    let mode = std::env::args().nth(2).unwrap_or_default();
    if mode == "text" {
        return texts(count);
    }
    let (from_maps, from_trees) = (mode != "tree", mode != "map");
    let layout = Layout::from_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../config/layouts/loan-screening.toml"
    ))
    .unwrap();
    let frames = [
        (Direction::Request, REQUEST),
        (Direction::Response, RESPONSE),
    ]
    .map(|(direction, json)| {
        let message: Message = serde_json::from_str(json).unwrap();
        let frame = layout.encode(direction, &message).unwrap();
        // Decoded: members in layout order, as the gateway holds them.
        (direction, layout.decode(direction, &frame).unwrap(), frame)
    });
    let bodies: Vec<serde_json::Value> = frames
        .iter()
        .map(|(_, message, _)| serde_json::Value::Object(message.body.clone()))
        .collect();
    let trees: Vec<JsonTree<'_>> = bodies.iter().map(JsonTree::from_value).collect();
    let mut bytes = 0;
    for _ in 0..count {
        for ((direction, message, frame), tree) in frames.iter().zip(&trees) {
            if from_maps {
                let from_map = layout.encode(*direction, black_box(message)).unwrap();
                assert!(from_map == *frame);
                bytes += from_map.len();
            }
            if from_trees {
                let JsonTree::Object(members) = tree else {
                    unreachable!("a body is an object")
                };
                let codec = layout.codec(*direction);
                let from_tree = codec
                    .encode_body(&message.header, black_box(members.as_slice()))
                    .unwrap();
                assert!(from_tree == *frame);
                bytes += from_tree.len();
            }
        }
    }
    println!("{count} rounds, {bytes} bytes");
}

/// The Korean texts of both frames, encoded `count` times.
fn texts(count: usize) {
    let texts = [
        "홍길동",
        "국민은행",
        "신한카드",
        "우리은행 마이너스",
        "신청하신 대출이 승인되었습니다. 한도와 금리를 확인해 주세요.",
    ];
    let mut out = Vec::with_capacity(256);
    let mut bytes = 0;
    for _ in 0..count {
        for text in texts {
            out.clear();
            Charset::Cp949
                .encode_into(black_box(text), &mut out)
                .unwrap();
            bytes += out.len();
        }
    }
    println!("{count} rounds, {bytes} bytes");
}
