//! CP949 bytes of the 11,172 precomposed Hangul syllables (U+AC00..U+D7A3), for the encoder's
//! fast path: `encoding_rs`'s EUC-KR encoder searches its tables for every syllable, which made
//! Hangul text about a fifth of a request's encode.
//!
//! `encoding_rs` stays the source of truth: the table is built once, on first use, by decoding
//! every CP949 double-byte code with it (no hand-typed data). Codes are decoded in pointer
//! order and the first code of a syllable is kept, as the WHATWG encoder's "index pointer" does.

use std::sync::OnceLock;

use encoding_rs::{DecoderResult, EUC_KR};

/// The first precomposed Hangul syllable, 가.
const FIRST: u32 = 0xAC00;
/// How many there are (U+AC00..=U+D7A3).
const COUNT: usize = 11_172;

/// The CP949 bytes of each syllable, by `c - U+AC00`; `[0, 0]` where none decodes to it (never
/// with encoding_rs' CP949, where every syllable has a code; such a syllable takes the encoder).
static TABLE: OnceLock<Syllables> = OnceLock::new();

/// The syllables' CP949 bytes (built on first use).
pub(super) struct Syllables(Box<[[u8; 2]]>);

impl Syllables {
    /// The table, built the first time it is asked for.
    pub fn get() -> &'static Syllables {
        TABLE.get_or_init(build)
    }

    /// The CP949 bytes of the code point `c` if it is a precomposed Hangul syllable.
    pub fn cp949(&self, c: u32) -> Option<[u8; 2]> {
        let pair = *self.0.get(c.wrapping_sub(FIRST) as usize)?;
        (pair[0] != 0).then_some(pair)
    }
}

/// Decodes every CP949 double-byte code (lead 81-FE, trail 41-FE) and keeps the syllables.
fn build() -> Syllables {
    let mut table = vec![[0u8; 2]; COUNT].into_boxed_slice();
    // One buffer for every code: a code decodes to one character at most (or fails).
    let mut text = String::with_capacity(32);
    for lead in 0x81..=0xFE_u8 {
        for trail in 0x41..=0xFE_u8 {
            text.clear();
            let mut decoder = EUC_KR.new_decoder_without_bom_handling();
            let (result, _read) =
                decoder.decode_to_string_without_replacement(&[lead, trail], &mut text, true);
            let mut chars = text.chars();
            let (DecoderResult::InputEmpty, Some(c), None) = (result, chars.next(), chars.next())
            else {
                continue;
            };
            let index = (c as u32).wrapping_sub(FIRST) as usize;
            if let Some(slot) = table.get_mut(index).filter(|slot| slot[0] == 0) {
                *slot = [lead, trail];
            }
        }
    }
    Syllables(table)
}
