//! Wire charsets: CP949 (Korean banks' default), strict EUC-KR, and UTF-8, without replacement
//! characters.
//!
//! `encoding_rs::EUC_KR` is the WHATWG "EUC-KR" encoding, which is CP949 (Unified Hangul Code).
//! A layout that says `euc-kr` means the older KS X 1001 set only (both bytes A1-FE): CP949's
//! extension syllables (e.g. "똠") would be bytes an EUC-KR host cannot read, so they are refused
//! rather than written in another charset.
//! Only the `*_without_replacement` APIs are used: the convenience `encode` writes HTML numeric
//! entities for unmappable characters, which would silently change lengths and shift every offset.

use std::borrow::Cow;

use encoding_rs::{DecoderResult, EncoderResult, EUC_KR};
use serde::Deserialize;

/// A wire charset for text fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Charset {
    /// Korean CP949 (EUC-KR superset): ASCII is one byte, Hangul two.
    #[default]
    #[serde(alias = "ms949", alias = "windows-949")]
    Cp949,
    /// Strict EUC-KR (KS X 1001): CP949 without its extension area.
    #[serde(rename = "euc-kr")]
    EucKr,
    /// UTF-8.
    #[serde(rename = "utf-8", alias = "utf8")]
    Utf8,
}

/// Why bytes could not be decoded: the offset of the first bad byte within the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidText(pub usize);

/// Why text could not be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unmappable(pub char);

impl Charset {
    /// The name used in errors and docs.
    pub fn name(self) -> &'static str {
        match self {
            Charset::Cp949 => "cp949",
            Charset::EucKr => "euc-kr",
            Charset::Utf8 => "utf-8",
        }
    }

    /// Decodes wire bytes to text; fails on the first invalid byte.
    pub fn decode(self, bytes: &[u8]) -> Result<String, InvalidText> {
        self.decode_borrowed(bytes).map(Cow::into_owned)
    }

    /// Decodes wire bytes to text, borrowing them when they are already that text (ASCII, or
    /// UTF-8 in a UTF-8 field); fails on the first invalid byte.
    pub fn decode_borrowed(self, bytes: &[u8]) -> Result<Cow<'_, str>, InvalidText> {
        // Pure ASCII is the same in both charsets; skip the decoder on the common case.
        if self == Charset::EucKr {
            if let Some(at) = first_outside_ks_x_1001(bytes) {
                return Err(InvalidText(at));
            }
        }
        if bytes.is_ascii() || self == Charset::Utf8 {
            return match std::str::from_utf8(bytes) {
                Ok(text) => Ok(Cow::Borrowed(text)),
                Err(e) => Err(InvalidText(e.valid_up_to())),
            };
        }
        let mut decoder = EUC_KR.new_decoder_without_bom_handling();
        let capacity = decoder
            .max_utf8_buffer_length_without_replacement(bytes.len())
            .unwrap_or(bytes.len() * 3);
        let mut text = String::with_capacity(capacity);
        let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut text, true);
        match result {
            DecoderResult::InputEmpty => Ok(Cow::Owned(text)),
            // `read` points past the bad sequence and the bytes consumed after it.
            DecoderResult::Malformed(bad, after) => {
                Err(InvalidText(read - usize::from(bad) - usize::from(after)))
            }
            // The capacity above is the decoder's own worst case.
            DecoderResult::OutputFull => Err(InvalidText(read)),
        }
    }

    /// Encodes text to wire bytes, appending to `out`; fails on the first unmappable character.
    pub fn encode_into(self, text: &str, out: &mut Vec<u8>) -> Result<(), Unmappable> {
        if self == Charset::Utf8 || text.is_ascii() {
            out.extend_from_slice(text.as_bytes());
            return Ok(());
        }
        let mut encoder = EUC_KR.new_encoder();
        // The `_to_vec` API writes into spare capacity only; reserve the encoder's worst case.
        let worst = encoder
            .max_buffer_length_from_utf8_without_replacement(text.len())
            .unwrap_or(text.len() * 2);
        out.reserve(worst);
        let (result, _read) = encoder.encode_from_utf8_to_vec_without_replacement(text, out, true);
        match result {
            EncoderResult::InputEmpty if self == Charset::EucKr => ks_x_1001_only(text, out),
            EncoderResult::InputEmpty => Ok(()),
            EncoderResult::Unmappable(c) => Err(Unmappable(c)),
            // Cannot happen after the reservation above; report it rather than loop.
            EncoderResult::OutputFull => Err(Unmappable(text.chars().next().unwrap_or('\0'))),
        }
    }

    /// The largest length `<= max` at which `bytes` (valid in this charset) can be cut without
    /// splitting a multi-byte character.
    pub fn boundary_at_or_before(self, bytes: &[u8], max: usize) -> usize {
        if max >= bytes.len() {
            return bytes.len();
        }
        match self {
            Charset::Utf8 => (0..=max)
                .rev()
                .find(|&i| i == 0 || (bytes[i] & 0xC0) != 0x80)
                .unwrap_or(0),
            Charset::Cp949 | Charset::EucKr => {
                // Walk characters from the start: a lead byte >= 0x81 always starts a pair.
                let mut at = 0;
                while at < bytes.len() {
                    let width = if bytes[at] < 0x80 { 1 } else { 2 };
                    if at + width > max {
                        break;
                    }
                    at += width;
                }
                at
            }
        }
    }
}

/// Offset of the first byte pair outside KS X 1001 (a non-ASCII byte not in a pair A1-FE A1-FE).
fn first_outside_ks_x_1001(bytes: &[u8]) -> Option<usize> {
    let in_set = |b: u8| (0xA1..=0xFE).contains(&b);
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] < 0x80 {
            at += 1;
            continue;
        }
        match bytes.get(at + 1) {
            Some(&trail) if in_set(bytes[at]) && in_set(trail) => at += 2,
            _ => return Some(at),
        }
    }
    None
}

/// Checks text just encoded as CP949 at the end of `out` against KS X 1001; on a character
/// outside it, removes the text from `out` and names that character.
fn ks_x_1001_only(text: &str, out: &mut Vec<u8>) -> Result<(), Unmappable> {
    // CP949 writes ASCII as one byte and every other character as two.
    let encoded: usize = text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    let start = out.len().saturating_sub(encoded);
    let Some(bad) = first_outside_ks_x_1001(&out[start..]) else {
        return Ok(());
    };
    let mut at = 0;
    let character = text
        .chars()
        .find(|c| {
            let here = at;
            at += if c.is_ascii() { 1 } else { 2 };
            here >= bad
        })
        .unwrap_or('\0');
    out.truncate(start);
    Err(Unmappable(character))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp949_hangul_is_two_bytes_per_syllable() {
        let mut out = Vec::new();
        Charset::Cp949.encode_into("홍길동", &mut out).unwrap();
        assert_eq!(out, [0xC8, 0xAB, 0xB1, 0xE6, 0xB5, 0xBF]);
        assert_eq!(Charset::Cp949.decode(&out).unwrap(), "홍길동");
    }

    #[test]
    fn cp949_extension_syllables_outside_euc_kr_are_mapped() {
        // "똠" is not in KS X 1001 but is in CP949's extension area.
        let mut out = Vec::new();
        Charset::Cp949.encode_into("똠", &mut out).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(Charset::Cp949.decode(&out).unwrap(), "똠");
    }

    #[test]
    fn euc_kr_refuses_cp949_extension_syllables() {
        let mut out = b"x".to_vec();
        assert_eq!(
            Charset::EucKr.encode_into("가똠", &mut out),
            Err(Unmappable('똠'))
        );
        assert_eq!(out, b"x");
        Charset::EucKr.encode_into("a홍길동", &mut out).unwrap();
        assert_eq!(out, [b'x', b'a', 0xC8, 0xAB, 0xB1, 0xE6, 0xB5, 0xBF]);
        // 똠 in CP949 is 8C 63: not an EUC-KR pair, so decoding refuses it too.
        assert_eq!(Charset::EucKr.decode(b"a\x8C\x63"), Err(InvalidText(1)));
        assert_eq!(Charset::EucKr.decode(&out[1..]).unwrap(), "a홍길동");
    }

    #[test]
    fn unmappable_character_fails_instead_of_writing_an_entity() {
        let mut out = Vec::new();
        let err = Charset::Cp949.encode_into("a😀b", &mut out).unwrap_err();
        assert_eq!(err, Unmappable('😀'));
    }

    #[test]
    fn invalid_cp949_reports_the_offset_of_the_bad_byte() {
        assert_eq!(Charset::Cp949.decode(b"ab\xC8\x20cd"), Err(InvalidText(2)));
        assert_eq!(Charset::Cp949.decode(b"ab\xFF"), Err(InvalidText(2)));
        assert_eq!(Charset::Utf8.decode(b"abc\xFF"), Err(InvalidText(3)));
    }

    #[test]
    fn truncation_never_splits_a_double_byte_character() {
        let bytes = [0xB0, 0xA1, 0xB3, 0xAA, 0xB4, 0xD9]; // 가나다
        assert_eq!(Charset::Cp949.boundary_at_or_before(&bytes, 5), 4);
        assert_eq!(Charset::Cp949.boundary_at_or_before(&bytes, 1), 0);
        assert_eq!(Charset::Cp949.boundary_at_or_before(b"ab\xB0\xA1", 3), 2);
        assert_eq!(Charset::Utf8.boundary_at_or_before("가나".as_bytes(), 4), 3);
    }
}
