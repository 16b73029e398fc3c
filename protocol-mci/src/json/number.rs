//! A number's exact text, as `arbitrary_precision` keeps it, without a heap string for the
//! short numbers answers are made of.
//!
//! serde_json hands a whole number that fits 64 bits to a visitor as `u64`/`i64` (its text is
//! then the integer's decimal form, since JSON forbids leading zeros and `-0` comes as text),
//! and any other number as its text in a `String`. Integers are written into an inline buffer;
//! other text up to the buffer's size is copied into it, longer text keeps its `String`.

use std::fmt;

/// Bytes of text kept inline: every `i64` and `u64` fits (20 characters).
const INLINE: usize = 22;

/// A JSON number's exact text.
#[derive(Clone, PartialEq, Eq)]
pub struct NumberText(Repr);

#[derive(Clone, PartialEq, Eq)]
enum Repr {
    /// ASCII text in the first `len` bytes.
    Inline { len: u8, bytes: [u8; INLINE] },
    /// Text longer than [`INLINE`].
    Heap(String),
}

impl NumberText {
    /// The text of a whole number.
    pub fn of_u64(value: u64) -> NumberText {
        NumberText::inline_digits(false, value)
    }

    /// The text of a whole number that may be negative.
    pub fn of_i64(value: i64) -> NumberText {
        NumberText::inline_digits(value < 0, value.unsigned_abs())
    }

    /// Number text as a number visitor got it (already checked to be a JSON number).
    pub fn of_text(text: String) -> NumberText {
        match text.len() <= INLINE && text.is_ascii() {
            true => {
                let mut bytes = [0; INLINE];
                bytes[..text.len()].copy_from_slice(text.as_bytes());
                // `len` ≤ INLINE (22) fits a u8.
                NumberText(Repr::Inline {
                    len: text.len() as u8,
                    bytes,
                })
            }
            false => NumberText(Repr::Heap(text)),
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Only ASCII is ever written inline, so the bytes are UTF-8; "" is never reached.
            Repr::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or("")
            }
            Repr::Heap(text) => text,
        }
    }

    fn inline_digits(negative: bool, mut magnitude: u64) -> NumberText {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        loop {
            at -= 1;
            digits[at] = b'0' + (magnitude % 10) as u8;
            magnitude /= 10;
            if magnitude == 0 {
                break;
            }
        }
        let mut bytes = [0; INLINE];
        let mut len = 0;
        if negative {
            bytes[0] = b'-';
            len = 1;
        }
        let count = digits.len() - at;
        bytes[len..len + count].copy_from_slice(&digits[at..]);
        len += count;
        // At most 21 bytes: fits a u8.
        NumberText(Repr::Inline {
            len: len as u8,
            bytes,
        })
    }
}

impl fmt::Debug for NumberText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for NumberText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_and_text_keep_their_exact_text() {
        assert_eq!(NumberText::of_u64(0).as_str(), "0");
        assert_eq!(
            NumberText::of_u64(u64::MAX).as_str(),
            "18446744073709551615"
        );
        assert_eq!(
            NumberText::of_i64(i64::MIN).as_str(),
            "-9223372036854775808"
        );
        assert_eq!(NumberText::of_i64(-7).as_str(), "-7");
        assert_eq!(NumberText::of_text("4.500".into()).as_str(), "4.500");
        let long = "1".repeat(60) + ".5";
        assert_eq!(NumberText::of_text(long.clone()).as_str(), long);
    }
}
