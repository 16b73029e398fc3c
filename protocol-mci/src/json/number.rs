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
        NumberText::inline(text.as_bytes()).unwrap_or(NumberText(Repr::Heap(text)))
    }

    /// Number text as a parser scanned it in a document (already checked to be a JSON number,
    /// so ASCII): kept inline when short, copied to the heap otherwise.
    pub fn of_bytes(text: &[u8]) -> NumberText {
        NumberText::inline(text)
            .unwrap_or_else(|| NumberText(Repr::Heap(String::from_utf8_lossy(text).into_owned())))
    }

    /// `text` inline, when it is short ASCII.
    fn inline(text: &[u8]) -> Option<NumberText> {
        if text.len() > INLINE || !text.is_ascii() {
            return None;
        }
        let mut bytes = [0; INLINE];
        bytes[..text.len()].copy_from_slice(text);
        // `len` ≤ INLINE (22) fits a u8.
        Some(NumberText(Repr::Inline {
            len: text.len() as u8,
            bytes,
        }))
    }

    /// The text a number's `Display` writes (already known to be a JSON number), inline when
    /// it fits.
    pub fn of_display(value: &impl fmt::Display) -> NumberText {
        let mut text = Spill::Inline {
            len: 0,
            bytes: [0; INLINE],
        };
        // Writing into `Spill` cannot fail; a failing `Display` leaves what it wrote.
        let _ = fmt::write(&mut text, format_args!("{value}"));
        match text {
            Spill::Inline { len, bytes } => NumberText(Repr::Inline {
                // `len` ≤ INLINE (22) fits a u8.
                len: len as u8,
                bytes,
            }),
            Spill::Heap(text) => NumberText(Repr::Heap(text)),
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

/// Text being written: inline while it is short ASCII, then a `String`.
enum Spill {
    Inline { len: usize, bytes: [u8; INLINE] },
    Heap(String),
}

impl fmt::Write for Spill {
    fn write_str(&mut self, piece: &str) -> fmt::Result {
        match self {
            Spill::Inline { len, bytes } if *len + piece.len() <= INLINE && piece.is_ascii() => {
                bytes[*len..*len + piece.len()].copy_from_slice(piece.as_bytes());
                *len += piece.len();
            }
            Spill::Inline { len, bytes } => {
                // Only ASCII was written inline, so the bytes so far are UTF-8.
                let mut text = String::from_utf8_lossy(&bytes[..*len]).into_owned();
                text.push_str(piece);
                *self = Spill::Heap(text);
            }
            Spill::Heap(text) => text.push_str(piece),
        }
        Ok(())
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
        assert_eq!(NumberText::of_display(&"-0.00").as_str(), "-0.00");
        let exact = "12345678901234567890.12";
        assert_eq!(NumberText::of_display(&exact).as_str(), exact);
        assert_eq!(NumberText::of_display(&long).as_str(), long);
        assert_eq!(
            NumberText::of_display(&long),
            NumberText::of_text(long.clone())
        );
        // Bytes as a parser scanned them: inline up to INLINE, the heap past it, equal either way.
        for text in ["4.500", "-0", "1e400", exact, &"9".repeat(INLINE), &long] {
            let number = NumberText::of_bytes(text.as_bytes());
            assert_eq!(number.as_str(), text);
            assert_eq!(number, NumberText::of_text(text.to_owned()));
        }
    }
}
