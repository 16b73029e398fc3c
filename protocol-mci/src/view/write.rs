//! The view as compact JSON text, written straight from the typed values: byte for byte what
//! `serde_json::to_vec` gives for the `Value` form ([`super::json`]), without building it. This
//! is how the gateway writes the HTTP engine's request body on the live path, where a `Value`
//! tree (every key hashed into an ordered map, every number a heap string) costs more than the
//! decode itself.
//!
//! Keys come in wire order, as the `Value` form keeps them (`preserve_order`); a layout never
//! repeats a name at one level (layout validation), so no key is written twice. Numbers are the
//! decimal's exact text ([`ScaledDecimal`]'s `Display`, which is the text of its JSON number),
//! written as bytes without a formatter; strings with nothing to escape are copied between
//! quotes, and the others escaped by `serde_json` itself, so escaping cannot drift from the
//! `Value` path (a property test holds the copy to serde_json's output).

use super::{FieldValue, MessageView, Object};
use crate::codec::decimal::ByteText;

/// Whether fields the layout marks `mask` are written in clear (an engine's request) or masked
/// (a stored record, [`super::masked`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shown {
    /// Every value as decoded.
    Clear,
    /// Masked fields as [`crate::mask_text`] masks them.
    Masked,
}

impl MessageView<'_> {
    /// Appends `{"header": {..}, "body": {..}}`: the JSON of [`MessageView::to_value`].
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"header\":");
        self.header.write_json(out);
        out.extend_from_slice(b",\"body\":");
        self.body.write_json(out);
        out.push(b'}');
    }
}

impl Object<'_> {
    /// Appends the entries as a JSON object in wire order: the JSON of [`Object::to_map`].
    pub fn write_json(&self, out: &mut Vec<u8>) {
        self.write_entries(out, Shown::Clear);
    }

    /// Appends the entries as a JSON object, masked fields shown as `shown` says.
    pub(super) fn write_entries(&self, out: &mut Vec<u8>, shown: Shown) {
        out.push(b'{');
        for (index, entry) in self.entries.iter().enumerate() {
            if index > 0 {
                out.push(b',');
            }
            write_json_str(out, entry.name);
            out.push(b':');
            match (shown, entry.mask) {
                (Shown::Masked, Some(kind)) => entry.value.write_masked(kind, out),
                _ => entry.value.write_value(out, shown),
            }
        }
        out.push(b'}');
    }
}

impl FieldValue<'_> {
    /// Appends the value as JSON: the JSON of [`FieldValue::to_value`].
    pub fn write_json(&self, out: &mut Vec<u8>) {
        self.write_value(out, Shown::Clear);
    }

    /// Appends the value as JSON, masked fields inside it shown as `shown` says.
    pub(super) fn write_value(&self, out: &mut Vec<u8>, shown: Shown) {
        match self {
            FieldValue::Null => out.extend_from_slice(b"null"),
            FieldValue::Text(text) => write_json_str(out, text),
            // The decimal's text is always a JSON number (optional minus, digits without
            // leading zeros, optional fraction).
            FieldValue::Decimal(decimal) => decimal.write_text(out),
            // ISO dates and times hold digits, '-', ':', '.' and 'T': nothing to escape.
            FieldValue::Date(parts) => {
                out.push(b'"');
                // Writing into a Vec cannot fail.
                let _ = parts.write_iso(&mut ByteText(out));
                out.push(b'"');
            }
            FieldValue::Group(elements) => {
                out.push(b'[');
                for (index, element) in elements.iter().enumerate() {
                    if index > 0 {
                        out.push(b',');
                    }
                    element.write_entries(out, shown);
                }
                out.push(b']');
            }
            FieldValue::Object(object) => object.write_entries(out, shown),
        }
    }
}

/// Appends `text` as a JSON string, escaped exactly as `serde_json` escapes it.
pub fn write_json_str(out: &mut Vec<u8>, text: &str) {
    // Most field text (codes, names, amounts as text) has nothing to escape: copy it between
    // quotes instead of going through serde_json's serializer byte by byte.
    if !has_escape(text.as_bytes()) {
        out.reserve(text.len() + 2);
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
        return;
    }
    // Serialising a str into a Vec cannot fail (no I/O error, no non-string key).
    let _ = serde_json::to_writer(&mut *out, text);
}

/// Whether any byte needs escaping, eight bytes at a time: the byte-by-byte scan was a fifth of
/// writing a frame's JSON.
fn has_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // Exact per-word tests (no false positives): some byte below 0x20, or some byte equal to a
    // given one (a zero byte after XOR); bytes from 0x80 up never match.
    let below_space = |w: u64| w.wrapping_sub(ONES * 0x20) & !w & HIGH != 0;
    let zero_byte = |w: u64| w.wrapping_sub(ONES) & !w & HIGH != 0;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut eight = [0; 8];
        eight.copy_from_slice(word);
        let w = u64::from_ne_bytes(eight);
        let quote = zero_byte(w ^ (ONES * u64::from(b'"')));
        let backslash = zero_byte(w ^ (ONES * u64::from(b'\\')));
        if below_space(w) || quote || backslash {
            return true;
        }
    }
    words.remainder().iter().any(|&b| needs_escape(b))
}

/// Whether serde_json escapes this byte in a string: `"`, `\\` and the control characters below
/// 0x20 (its `ESCAPE` table; DEL and non-ASCII bytes are written as they are).
fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::borrow::Cow;

    use super::*;
    use crate::view::ScaledDecimal;

    fn json(object: &Object<'_>) -> String {
        let mut out = Vec::new();
        object.write_json(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn writes_what_serde_json_writes_for_the_value_form() {
        let mut inner = Object::default();
        inner.push("n", None, FieldValue::Decimal(ScaledDecimal::new(-5, 3)));
        let mut object = Object::default();
        let text = "quote \" backslash \\ tab \t nul \u{0} 홍길동 /";
        object.push("t", None, FieldValue::Text(Cow::Borrowed(text)));
        object.push("z", None, FieldValue::Null);
        object.push(
            "big",
            None,
            FieldValue::Decimal(ScaledDecimal::new(i128::MAX, 0)),
        );
        object.push("zero", None, FieldValue::Decimal(ScaledDecimal::new(0, 2)));
        object.push(
            "g",
            None,
            FieldValue::Group(vec![inner.clone(), inner.clone()]),
        );
        object.push("e", None, FieldValue::Group(Vec::new()));
        object.push("o", None, FieldValue::Object(inner));
        let expected = serde_json::to_string(&object.to_map()).unwrap();
        assert_eq!(json(&object), expected);
        assert!(expected.contains(r#""n":-0.005"#), "{expected}");
    }

    proptest::proptest! {
        /// The unescaped copy is serde_json's output for any text: ASCII, Hangul, quotes,
        /// backslashes, control characters and DEL.
        #[test]
        fn strings_are_written_as_serde_json_writes_them(
            text in "[a-z0-9 \"\\\\/\u{0}-\u{1f}\u{7f}가-힣\u{3000}😀]{0,40}",
            ascii in "[a-z \"\\\\\u{0}-\u{1f}\u{7f}]{0,40}",
            any in proptest::prelude::any::<String>(),
        ) {
            for text in [&text, &ascii, &any] {
                let mut out = b"x".to_vec();
                write_json_str(&mut out, text);
                let expected = format!("x{}", serde_json::to_string(text).unwrap());
                proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), expected);
            }
        }
    }

    #[test]
    fn every_lane_of_a_word_is_checked_for_escapes() {
        for len in 0..20 {
            for at in 0..len {
                for byte in 0u8..=0x7F {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = byte;
                    assert_eq!(
                        has_escape(&bytes),
                        needs_escape(byte),
                        "{byte:#x} at {at} of {len}"
                    );
                }
                let mut hangul = vec![0xEA; len];
                hangul[at] = 0xFF;
                assert!(!has_escape(&hangul));
            }
        }
    }

    #[test]
    fn an_empty_object_is_braces() {
        assert_eq!(json(&Object::default()), "{}");
    }
}
