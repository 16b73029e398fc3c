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
    let pad = spec.pad_bytes.as_slice();
    let (skip, kept) = if spec.right {
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
    };
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
    let pads = std::iter::repeat_n(spec.pad_bytes.as_slice(), padding / width).flatten();
    if spec.right {
        out.splice(start..start, pads.copied());
    } else {
        out.extend(pads);
    }
    Ok(())
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
