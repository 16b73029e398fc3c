//! Frames reframed in chunks, mutated, with their framing fixed; values beyond a field.

use bytes::BytesMut;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use serde_json::Value;
use tokio_util::codec::Decoder;

use super::generate::{number, scaled};
use super::layouts::*;
use protocol_mci::Layout;

/// Frames produced by the framer from `stream`, fed in chunks of the given sizes (cycled), and
/// the error that stopped it, if any.
pub(crate) fn reframe(
    variant: &Variant,
    stream: &[u8],
    chunks: &[usize],
) -> (Vec<Vec<u8>>, Option<String>) {
    let mut framer = variant.layout.framer();
    let mut buffer = BytesMut::new();
    let mut frames = Vec::new();
    let mut rest = stream;
    let mut sizes = chunks.iter().cycle();
    while !rest.is_empty() {
        let size = (*sizes.next().unwrap_or(&1)).clamp(1, rest.len());
        let (chunk, tail) = rest.split_at(size);
        rest = tail;
        buffer.extend_from_slice(chunk);
        loop {
            match framer.decode(&mut buffer) {
                Ok(Some(frame)) => frames.push(frame.to_vec()),
                Ok(None) => break,
                Err(e) => return (frames, Some(e.to_string())),
            }
        }
    }
    match framer.decode_eof(&mut buffer) {
        Ok(Some(frame)) => frames.push(frame.to_vec()),
        Ok(None) => {}
        Err(e) => return (frames, Some(e.to_string())),
    }
    (frames, None)
}

/// Byte flips (position, new byte) and a truncation applied to a frame.
pub(crate) fn mutate(frame: &[u8], flips: &[(Index, u8)], cut: Option<Index>) -> Vec<u8> {
    let mut bytes = frame.to_vec();
    for (at, byte) in flips {
        let at = at.index(bytes.len());
        bytes[at] = *byte;
    }
    if let Some(cut) = cut {
        bytes.truncate(cut.index(bytes.len() + 1));
    }
    bytes
}

/// Rewrites the prefix and trailer of arbitrary bytes so that framing holds and the fields get
/// decoded; leaves them alone when no prefix can say their length.
pub(crate) fn fix_framing(layout: &Layout, bytes: &mut [u8]) {
    let framing = &layout.framing;
    let Ok(prefix) = framing.prefix_bytes(bytes.len()) else {
        return;
    };
    if bytes.len() < framing.head_len() + framing.trailer.len() {
        return;
    }
    bytes[framing.prefix_range()].copy_from_slice(&prefix);
    let start = bytes.len() - framing.trailer.len();
    bytes[start..].copy_from_slice(&framing.trailer);
}

/// A field of the fixed body and a value beyond what it holds: more than its declared digits,
/// not a multiple of its `P` scaling, or a year outside its pivot window.
pub(crate) fn out_of_range() -> impl Strategy<Value = (&'static str, Value)> {
    let sign = || select(&["", "-"][..]);
    let with = |sign: &str, text: String| number(&format!("{sign}{text}"));
    prop_oneof![
        (1_000i128..10_000_000, sign())
            .prop_map(move |(m, s)| ("p_after", with(s, format!("{m}00")))),
        (0i128..1_000, 1i128..100, sign())
            .prop_map(move |(m, r, s)| ("p_after", with(s, (m * 100 + r).to_string()))),
        (1_000i128..1_000_000_000, sign())
            .prop_map(move |(m, s)| ("p_before", with(s, scaled(m, 6).to_string()))),
        (100_000i128..10_000_000, sign())
            .prop_map(move |(m, s)| ("pk_p", with(s, format!("{m}000")))),
        (100i128..100_000).prop_map(|m| ("pk_pv", scaled(m, 4))),
        (10_000i128..1_000_000, sign()).prop_map(move |(m, s)| ("b2_p", with(s, format!("{m}00")))),
        (0u32..10_000)
            .prop_filter("outside the window", |y| !(1950..2050).contains(y))
            .prop_map(|y| ("yymmdd", Value::String(format!("{y:04}-06-15")))),
    ]
}
