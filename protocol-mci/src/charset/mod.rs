//! Wire charsets: CP949 (Korean banks' default), strict EUC-KR, and UTF-8, without replacement
//! characters.
//!
//! `encoding_rs::EUC_KR` is the WHATWG "EUC-KR" encoding, which is CP949 (Unified Hangul Code).
//! A layout that says `euc-kr` means the older KS X 1001 set only (both bytes A1-FE): CP949's
//! extension syllables (e.g. "똠") would be bytes an EUC-KR host cannot read, so they are refused
//! rather than written in another charset.
//! Only the `*_without_replacement` APIs are used: the convenience `encode` writes HTML numeric
//! entities for unmappable characters, which would silently change lengths and shift every offset.
//!
//! Encoding copies ASCII as it is and takes Hangul syllables' bytes from a table that
//! `encoding_rs` itself fills (`syllables`); everything else goes through `encoding_rs`.
//!
//! # Layout
//! - `mod.rs`: [`Charset`], decoding, encoding and the KS X 1001 check.
//! - `syllables`: the CP949 bytes of the precomposed Hangul syllables.

mod syllables;

use std::borrow::Cow;

use self::syllables::Syllables;

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
        if self == Charset::Utf8 {
            return match std::str::from_utf8(bytes) {
                Ok(text) => Ok(Cow::Borrowed(text)),
                Err(e) => Err(InvalidText(e.valid_up_to())),
            };
        }
        if self == Charset::EucKr {
            if let Some(at) = first_outside_ks_x_1001(bytes) {
                return Err(InvalidText(at));
            }
        }
        // One pass: `encoding_rs` borrows an all-ASCII text (the same in both charsets) after
        // its ASCII scan, and decodes the rest after the ASCII prefix it copied.
        match EUC_KR.decode_without_bom_handling_and_without_replacement(bytes) {
            Some(text) => Ok(text),
            None => Err(InvalidText(first_malformed(bytes))),
        }
    }

    /// Builds now what encoding in this charset builds on first use (CP949's and EUC-KR's
    /// Hangul syllable table, a few milliseconds once per process), so that the first frame a
    /// loaded layout encodes does not pay for it on the live path.
    pub fn prepare(self) {
        if matches!(self, Charset::Cp949 | Charset::EucKr) {
            syllables::Syllables::get();
        }
    }

    /// Encodes text to wire bytes, appending to `out`; fails on the first unmappable character.
    /// For `euc-kr`, a character `encoding_rs` cannot map is named before one outside KS X 1001,
    /// and only the latter leaves `out` as it was.
    pub fn encode_into(self, text: &str, out: &mut Vec<u8>) -> Result<(), Unmappable> {
        if self == Charset::Utf8 || text.is_ascii() {
            out.extend_from_slice(text.as_bytes());
            return Ok(());
        }
        let start = out.len();
        cp949_into(text, out)?;
        if self == Charset::EucKr {
            ks_x_1001_only(text, start, out)?;
        }
        Ok(())
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

/// Where the first malformed sequence of CP949 `bytes` starts (text that does not decode).
fn first_malformed(bytes: &[u8]) -> usize {
    let mut decoder = EUC_KR.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len() * 3);
    let mut text = String::with_capacity(capacity);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut text, true);
    match result {
        // `read` points past the bad sequence and the bytes consumed after it.
        DecoderResult::Malformed(bad, after) => read - usize::from(bad) - usize::from(after),
        // The capacity above is the decoder's own worst case; the text decodes (not reached).
        DecoderResult::OutputFull | DecoderResult::InputEmpty => read,
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

/// Appends the CP949 bytes of `text`: ASCII as it is, Hangul syllables from the
/// table, each run of other characters through `encoding_rs` (whose EUC-KR encoder keeps no
/// state between characters, so runs encode as the whole text would). On an unmappable
/// character `out` holds the bytes of the characters before it, as `encoding_rs` leaves them.
fn cp949_into(text: &str, out: &mut Vec<u8>) -> Result<(), Unmappable> {
    let syllables = Syllables::get();
    // ASCII and syllables take no more bytes in CP949 than in UTF-8 (1 → 1, 3 → 2).
    out.reserve(text.len());
    // Where the run of characters for `encoding_rs` began, if one is open.
    let mut other_from = None;
    for (at, c) in text.char_indices() {
        let pair = match c.is_ascii() {
            true => None,
            false => match syllables.cp949(u32::from(c)) {
                Some(pair) => Some(pair),
                None => {
                    other_from.get_or_insert(at);
                    continue;
                }
            },
        };
        if let Some(from) = other_from.take() {
            encoder_into(&text[from..at], out)?;
        }
        match pair {
            Some(pair) => out.extend_from_slice(&pair),
            // ASCII: the char is its one byte.
            None => out.push(c as u8),
        }
    }
    match other_from {
        Some(from) => encoder_into(&text[from..], out),
        None => Ok(()),
    }
}

/// Appends the CP949 bytes of `text` as `encoding_rs` writes them.
fn encoder_into(text: &str, out: &mut Vec<u8>) -> Result<(), Unmappable> {
    let mut encoder = EUC_KR.new_encoder();
    // The `_to_vec` API writes into spare capacity only; reserve the encoder's worst case.
    let worst = encoder
        .max_buffer_length_from_utf8_without_replacement(text.len())
        .unwrap_or(text.len() * 2);
    out.reserve(worst);
    let (result, _read) = encoder.encode_from_utf8_to_vec_without_replacement(text, out, true);
    match result {
        EncoderResult::InputEmpty => Ok(()),
        EncoderResult::Unmappable(c) => Err(Unmappable(c)),
        // Cannot happen after the reservation above; report it rather than loop.
        EncoderResult::OutputFull => Err(Unmappable(text.chars().next().unwrap_or('\0'))),
    }
}

/// Checks `text`, just encoded as CP949 into `out[start..]`, against KS X 1001; on a character
/// outside it, removes the text from `out` and names that character.
fn ks_x_1001_only(text: &str, start: usize, out: &mut Vec<u8>) -> Result<(), Unmappable> {
    let Some(bad) = first_outside_ks_x_1001(&out[start..]) else {
        return Ok(());
    };
    // CP949 writes ASCII as one byte and every other character as two.
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
mod tests;
