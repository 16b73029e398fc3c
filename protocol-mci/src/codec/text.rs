//! Text fields: charset, alignment, padding, blank handling, truncation.
//!
//! Encode refuses what decode could not give back: a value that begins (right aligned) or ends
//! (left aligned) with the pad character would lose it to trimming, so it is an error, never a
//! silent change. The pad is trimmed in whole pad characters, so a two-byte U+3000 pad never
//! leaves half a character behind.

use std::borrow::Cow;

use crate::error::{DecodeErrorKind, EncodeErrorKind};
use crate::json::Scalar;
use crate::layout::field::Text;
use crate::view::FieldValue;

/// Decodes a text field, borrowing the frame's bytes when they need no conversion; `start` is
/// its offset in the frame.
pub(crate) fn decode<'f>(
    spec: &Text,
    bytes: &'f [u8],
    start: usize,
) -> Result<FieldValue<'f>, DecodeErrorKind> {
    // Layout validation allows only pads that cannot be the tail of another character here
    // (no letters after CP949 lead bytes, U+3000 as a whole), so trimming never cuts one.
    let (skip, kept) = trim(spec.pad_bytes.as_slice(), spec.right, bytes);
    if kept.is_empty() {
        return Ok(if spec.blank_null {
            FieldValue::Null
        } else {
            FieldValue::Text(Cow::Borrowed(""))
        });
    }
    match spec.charset.decode_borrowed(kept) {
        Ok(text) => Ok(FieldValue::Text(text)),
        Err(bad) => Err(DecodeErrorKind::InvalidText {
            charset: spec.charset.name(),
            offset: start + skip + bad.0,
        }),
    }
}

/// The bytes without their padding (leading when `right`, else trailing) and how many were
/// skipped at the start.
fn trim<'f>(pad: &[u8], right: bool, bytes: &'f [u8]) -> (usize, &'f [u8]) {
    // The usual one-byte pad (a space) is a byte scan: no slice comparison per pad.
    if let &[pad] = pad {
        return match right {
            true => {
                let first = bytes.iter().position(|&b| b != pad).unwrap_or(bytes.len());
                (first, &bytes[first..])
            }
            false => {
                let end = bytes
                    .iter()
                    .rposition(|&b| b != pad)
                    .map_or(0, |last| last + 1);
                (0, &bytes[..end])
            }
        };
    }
    if right {
        let mut first = 0;
        while !pad.is_empty() && bytes[first..].starts_with(pad) {
            first += pad.len();
        }
        (first, &bytes[first..])
    } else {
        let mut end = bytes.len();
        while !pad.is_empty() && bytes[..end].ends_with(pad) {
            end -= pad.len();
        }
        (0, &bytes[..end])
    }
}

/// Encodes a text field; null and "" are all pad.
pub(crate) fn encode(
    spec: &Text,
    value: Scalar<'_>,
    out: &mut Vec<u8>,
) -> Result<(), EncodeErrorKind> {
    let text = match value {
        Scalar::Null => "",
        Scalar::String(s) => s,
        other => {
            return Err(EncodeErrorKind::WrongType {
                expected: "a string",
                found: super::describe(other),
            })
        }
    };
    let start = out.len();
    spec.charset
        .encode_into(text, out)
        .map_err(|bad| EncodeErrorKind::Unmappable {
            character: bad.0,
            charset: spec.charset.name(),
        })?;
    let mut written = out.len() - start;
    let truncated = written > spec.len;
    if truncated {
        if !spec.truncate {
            out.truncate(start);
            return Err(EncodeErrorKind::TooLong {
                actual: written,
                max: spec.len,
                charset: spec.charset.name(),
            });
        }
        written = spec.charset.boundary_at_or_before(&out[start..], spec.len);
        out.truncate(start + written);
    }
    // A declared `truncate` or `pad_edge = "merge"` accepts a changed value.
    if !truncated && !spec.merge_edge && !survives_trim(spec, text) {
        out.truncate(start);
        return Err(EncodeErrorKind::PadAtEdge {
            pad: spec.pad,
            edge: if spec.right { "begins" } else { "ends" },
        });
    }
    let padding = spec.len - written;
    let width = spec.pad_bytes.len().max(1);
    if padding % width != 0 {
        out.truncate(start);
        return Err(EncodeErrorKind::PartialPad {
            left: padding,
            width,
            pad: spec.pad,
        });
    }
    pad(out, start, padding, &spec.pad_bytes, spec.right);
    Ok(())
}

/// Pads the field written from `start` to the end of `out` with `padding` bytes of whole pads
/// (`padding` is a multiple of the pad's width): before the text when `right`, else after it.
/// A fill of the grown buffer, not a push per byte (the usual pad is one space, and most of a
/// fixed-length field is often padding).
fn pad(out: &mut Vec<u8>, start: usize, padding: usize, pad_bytes: &[u8], right: bool) {
    if padding == 0 || pad_bytes.is_empty() {
        return;
    }
    let end = out.len();
    out.resize(end + padding, 0);
    let fill = if right {
        out.copy_within(start..end, start + padding);
        start..start + padding
    } else {
        end..end + padding
    };
    match pad_bytes {
        [byte] => out[fill].fill(*byte),
        _ => {
            for chunk in out[fill].chunks_exact_mut(pad_bytes.len()) {
                chunk.copy_from_slice(pad_bytes);
            }
        }
    }
}

/// Whether `text` keeps its pad-side edge through decode's trimming.
fn survives_trim(spec: &Text, text: &str) -> bool {
    let edge = if spec.right {
        text.chars().next()
    } else {
        text.chars().next_back()
    };
    edge != Some(spec.pad)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use proptest::prelude::*;

    use super::*;

    /// The trimming every pad goes through without the one-byte scan: whole pads compared as
    /// slices from the edge.
    fn trim_by_slices<'f>(pad: &[u8], right: bool, bytes: &'f [u8]) -> (usize, &'f [u8]) {
        let mut first = 0;
        let mut end = bytes.len();
        match right {
            true => {
                while bytes[first..].starts_with(pad) {
                    first += pad.len();
                }
            }
            false => {
                while bytes[..end].ends_with(pad) {
                    end -= pad.len();
                }
            }
        }
        (first, &bytes[first..end])
    }

    /// Wire bytes of CP949 text: ASCII, KS X 1001 Hangul, an extension syllable (똠), and pads.
    fn wire(pad: u8) -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            Just(vec![pad]),
            Just(vec![pad, pad]),
            Just(b"a".to_vec()),
            Just(b"0".to_vec()),
            Just(b" ".to_vec()),
            Just(vec![0xC8, 0xAB]), // 홍
            Just(vec![0x8C, 0x63]), // 똠
            Just(vec![0xA1, 0xA1]), // U+3000
        ];
        prop::collection::vec(piece, 0..8).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        /// The one-byte scan keeps and skips exactly what whole-pad trimming does.
        #[test]
        fn one_byte_pads_trim_as_whole_pads_do(
            (pad, bytes) in prop_oneof![Just(b' '), Just(b'0'), Just(b'_')]
                .prop_flat_map(|pad| (Just(pad), wire(pad))),
            right in any::<bool>(),
        ) {
            prop_assert_eq!(trim(&[pad], right, &bytes), trim_by_slices(&[pad], right, &bytes));
        }

        /// Padding by filling the grown buffer writes what a pad pushed at a time does, before
        /// or after the text, for one- and two-byte pads, after whatever the frame held before.
        #[test]
        fn padding_fills_as_whole_pads_pushed_one_by_one(
            before in prop::collection::vec(any::<u8>(), 0..8),
            text in prop::collection::vec(any::<u8>(), 0..12),
            pad_bytes in prop_oneof![Just(b" ".to_vec()), Just(vec![0xA1, 0xA1])],
            pads in 0usize..20,
            right in any::<bool>(),
        ) {
            let mut filled = [before.as_slice(), text.as_slice()].concat();
            pad(&mut filled, before.len(), pads * pad_bytes.len(), &pad_bytes, right);
            let padding = pad_bytes.repeat(pads);
            let expected = match right {
                true => [before, padding, text].concat(),
                false => [before, text, padding].concat(),
            };
            prop_assert_eq!(filled, expected);
        }
    }

    #[test]
    fn multi_byte_pads_trim_whole_characters() {
        let full_width = [0xA1, 0xA1];
        let bytes = [0xA1, 0xA1, b'a', 0xA1, 0xA1, 0xA1, 0xA1];
        assert_eq!(trim(&full_width, false, &bytes), (0, &bytes[..3]));
        assert_eq!(trim(&full_width, true, &bytes), (2, &bytes[2..]));
        assert_eq!(trim(&[], false, &bytes), (0, &bytes[..]));
    }
}
