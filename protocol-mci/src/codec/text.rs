//! Text fields: charset, alignment, padding, blank handling, truncation.

use serde_json::Value;

use crate::error::{DecodeErrorKind, EncodeErrorKind};
use crate::layout::field::Text;

/// Decodes a text field; `start` is its offset in the frame.
pub(crate) fn decode(spec: &Text, bytes: &[u8], start: usize) -> Result<Value, DecodeErrorKind> {
    // Pad bytes are ASCII and CP949 trail bytes are >= 0x41, so stripping never cuts a character.
    let (skip, kept) = if spec.right {
        let first = bytes
            .iter()
            .position(|&b| b != spec.pad)
            .unwrap_or(bytes.len());
        (first, &bytes[first..])
    } else {
        let end = bytes
            .iter()
            .rposition(|&b| b != spec.pad)
            .map_or(0, |i| i + 1);
        (0, &bytes[..end])
    };
    if kept.is_empty() {
        return Ok(if spec.blank_null {
            Value::Null
        } else {
            Value::String(String::new())
        });
    }
    match spec.charset.decode(kept) {
        Ok(text) => Ok(Value::String(text)),
        Err(bad) => Err(DecodeErrorKind::InvalidText {
            charset: spec.charset.name(),
            offset: start + skip + bad.0,
        }),
    }
}

/// Encodes a text field; null and "" are all pad.
pub(crate) fn encode(spec: &Text, value: &Value, out: &mut Vec<u8>) -> Result<(), EncodeErrorKind> {
    let text = match value {
        Value::Null => "",
        Value::String(s) => s.as_str(),
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
    if written > spec.len {
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
    let padding = spec.len - written;
    if spec.right {
        out.splice(start..start, std::iter::repeat_n(spec.pad, padding));
    } else {
        out.resize(out.len() + padding, spec.pad);
    }
    Ok(())
}
