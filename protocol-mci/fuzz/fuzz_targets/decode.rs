//! Fuzz target: arbitrary bytes through the codec (header, both directions) and the stream
//! framer of two layouts: the example layout, and `layouts/cobol-fields.toml` with the number and
//! date kinds COBOL and bank headers declare. Nothing may panic; a frame that decodes must encode
//! again and decode to the same message.

#![no_main]

use std::sync::LazyLock;

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use protocol_mci::{Direction, Layout};
use tokio_util::codec::Decoder;

static LAYOUT: LazyLock<Layout> = LazyLock::new(|| {
    let text = include_str!("../../../config/layouts/loan-screening.toml");
    Layout::from_toml(text, "loan-screening.toml", "loan-screening")
        .unwrap_or_else(|e| panic!("the example layout must load: {e}"))
});

static COBOL: LazyLock<Layout> = LazyLock::new(|| {
    let text = include_str!("../layouts/cobol-fields.toml");
    Layout::from_toml(text, "cobol-fields.toml", "cobol-fields")
        .unwrap_or_else(|e| panic!("the fuzz layout must load: {e}"))
});

fuzz_target!(|data: &[u8]| {
    // The first byte picks the layout, so that the corpus grows for both.
    let Some((&pick, data)) = data.split_first() else {
        return;
    };
    let layout = if pick % 2 == 0 { &*LAYOUT } else { &*COBOL };
    decode(layout, data);
    // Random bytes rarely carry the right 8-digit length; also try them with prefix and trailer
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
});

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
