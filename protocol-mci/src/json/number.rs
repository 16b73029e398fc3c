//! A number's exact text, as `arbitrary_precision` keeps it, without a heap string for the
//! short numbers answers are made of.
//!
//! serde_json hands a whole number that fits 64 bits to a visitor as `u64`/`i64` (its text is
//! then the integer's decimal form, since JSON forbids leading zeros and `-0` comes as text),
//! and any other number as its text in a `String`. Integers are written into an inline buffer;
//! other text up to the buffer's size is copied into it, longer text keeps its `String`. The
//! inline buffer is checked UTF-8 ([`ArrayString`]) from the start: the text is read every time
//! a tree is walked, encoded or compared, and a check per read was 1 % of an HTTP request.

use std::fmt;

use arrayvec::ArrayString;

/// Bytes of text kept inline: every `i64` and `u64` fits (20 characters).
const INLINE: usize = 22;

/// A JSON number's exact text.
#[derive(Clone, PartialEq, Eq)]
pub struct NumberText(Repr);

/// Text of up to [`INLINE`] bytes is always inline and longer text always on the heap, so two
/// equal texts have equal representations (the derived `PartialEq` compares them).
#[derive(Clone, PartialEq, Eq)]
enum Repr {
    /// Text of at most [`INLINE`] bytes.
    Inline(ArrayString<INLINE>),
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
        match ArrayString::from(&text) {
            Ok(inline) => NumberText(Repr::Inline(inline)),
            Err(_) => NumberText(Repr::Heap(text)),
        }
    }

    /// Number text as a parser scanned it in a document (already checked to be a JSON number,
    /// so ASCII; checked here once as UTF-8 regardless): kept inline when short, copied to the
    /// heap otherwise.
    pub fn of_bytes(text: &[u8]) -> NumberText {
        match std::str::from_utf8(text) {
            Ok(text) => match ArrayString::from(text) {
                Ok(inline) => NumberText(Repr::Inline(inline)),
                Err(_) => NumberText(Repr::Heap(text.to_owned())),
            },
            Err(_) => NumberText::of_text(String::from_utf8_lossy(text).into_owned()),
        }
    }

    /// The text a number's `Display` writes (already known to be a JSON number), inline when
    /// it fits.
    pub fn of_display(value: &impl fmt::Display) -> NumberText {
        let mut text = Spill(Repr::Inline(ArrayString::new()));
        // Writing into `Spill` cannot fail; a failing `Display` leaves what it wrote.
        let _ = fmt::write(&mut text, format_args!("{value}"));
        NumberText(text.0)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Inline(text) => text,
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
        let mut text = ArrayString::new();
        if negative {
            text.push('-');
        }
        // At most 21 ASCII digits and sign: within INLINE, so `push` never overflows.
        for &digit in &digits[at..] {
            text.push(char::from(digit));
        }
        NumberText(Repr::Inline(text))
    }
}

/// Text being written: inline while it fits, then a `String`.
struct Spill(Repr);

impl fmt::Write for Spill {
    fn write_str(&mut self, piece: &str) -> fmt::Result {
        match &mut self.0 {
            Repr::Inline(text) => {
                if text.try_push_str(piece).is_err() {
                    let mut spilt = String::with_capacity(text.len() + piece.len());
                    spilt.push_str(text);
                    spilt.push_str(piece);
                    self.0 = Repr::Heap(spilt);
                }
            }
            Repr::Heap(text) => text.push_str(piece),
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
        // Inline up to INLINE bytes and on the heap past it, however the text was made.
        for text in ["9".repeat(INLINE), "9".repeat(INLINE + 1)] {
            let shown = NumberText::of_display(&text);
            assert_eq!(shown.as_str(), text);
            assert_eq!(shown, NumberText::of_text(text.clone()));
        }
        // Bytes as a parser scanned them: inline up to INLINE, the heap past it, equal either way.
        for text in ["4.500", "-0", "1e400", exact, &"9".repeat(INLINE), &long] {
            let number = NumberText::of_bytes(text.as_bytes());
            assert_eq!(number.as_str(), text);
            assert_eq!(number, NumberText::of_text(text.to_owned()));
        }
    }
}
