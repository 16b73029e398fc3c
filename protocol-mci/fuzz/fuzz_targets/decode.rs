//! Fuzz target: arbitrary bytes through the codec (header, both directions) and the stream framer
//! of each fuzz layout: the example layout, `layouts/structure.toml` (redefines areas, typed
//! and checked group fills) and `layouts/cobol-fields.toml` (the number and date kinds COBOL and
//! bank headers declare). Nothing may panic; a frame that decodes must encode again and decode
//! to the same message.

#![no_main]

use std::sync::LazyLock;

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use protocol_mci::{Direction, Layout};
use tokio_util::codec::Decoder;

static LAYOUTS: LazyLock<Vec<Layout>> = LazyLock::new(|| {
    let texts = [
        (
            "loan-screening",
            include_str!("../../../config/layouts/loan-screening.toml"),
        ),
        ("structure", include_str!("../layouts/structure.toml")),
        ("cobol-fields", include_str!("../layouts/cobol-fields.toml")),
    ];
    texts
        .iter()
        .map(|(name, text)| {
            Layout::from_toml(text, name, name)
                .unwrap_or_else(|e| panic!("fuzz layout {name} must load: {e}"))
        })
        .collect()
});

fuzz_target!(|data: &[u8]| {
    for layout in LAYOUTS.iter() {
        one_layout(layout, data);
    }
});

/// Everything the target does, with one layout.
fn one_layout(layout: &Layout, data: &[u8]) {
    decode(layout, data);
    // Random bytes rarely carry the right length prefix; also try them with prefix and trailer
    // rewritten, so that the fields themselves get decoded.
    let framing = &layout.framing;
    if let Ok(prefix) = framing.prefix_bytes(data.len()) {
        if data.len() >= framing.head_len() + framing.trailer.len() {
            let mut framed = data.to_vec();
            framed[framing.prefix_range()].copy_from_slice(&prefix);
            let start = framed.len() - framing.trailer.len();
            framed[start..].copy_from_slice(&framing.trailer);
            decode(layout, &framed);
        }
    }
    frame(layout, data);
}

/// Decodes in both directions; whatever decodes must round-trip.
fn decode(layout: &Layout, data: &[u8]) {
    let _ = layout.decode_header(data);
    for direction in [Direction::Request, Direction::Response] {
        if let Ok(message) = layout.decode(direction, data) {
            let again = layout
                .encode(direction, &message)
                .unwrap_or_else(|e| panic!("a decoded frame must encode: {e}"));
            let twice = layout
                .decode(direction, &again)
                .unwrap_or_else(|e| panic!("a re-encoded frame must decode: {e}"));
            assert_eq!(twice, message);
        }
    }
}

/// Feeds the framer in chunks whose size comes from the first byte, until it stops or fails.
fn frame(layout: &Layout, data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(first % 16) + 1;
    let mut framer = layout.framer();
    let mut buffer = BytesMut::new();
    for piece in rest.chunks(chunk) {
        buffer.extend_from_slice(piece);
        loop {
            match framer.decode(&mut buffer) {
                Ok(Some(frame)) => assert!(frame.len() <= layout.framing.max_frame),
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
    let _ = framer.decode_eof(&mut buffer);
}
