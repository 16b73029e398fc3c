//! Exact decimal text: parsing what engines send and formatting what frames hold.
//! Money never passes through `f64`.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde_json::{Number, Value};

use crate::error::DecodeErrorKind;
use crate::json::Scalar;
use crate::view::{FieldValue, ScaledDecimal};

/// A decimal split into sign, integer digits (no leading zeros) and fraction digits.
/// Plain text is borrowed; only an exponent form is written out into owned digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decimal<'a> {
    /// Below zero (never set for zero).
    pub negative: bool,
    /// A zero written with a minus sign (`-0`, `-0.00`): kept apart from `negative` so that
    /// only fields that keep negative zeros see it.
    pub minus_zero: bool,
    /// Integer digits without leading zeros; empty for zero.
    pub int: Cow<'a, str>,
    /// Fraction digits without trailing zeros.
    pub frac: Cow<'a, str>,
}

impl<'a> Decimal<'a> {
    /// Parses `-12.340`, `+5`, `0.5` and exact exponent forms (`3E+7`, `0E-8`); rejects
    /// spaces and anything else.
    pub fn parse(text: &'a str) -> Result<Decimal<'a>, String> {
        // A byte scan: `find(['e', 'E'])` decoded every character against both (a third of
        // encoding a number). `b | 0x20` is `e` for `e` and `E` alone.
        match text.bytes().position(|b| b | 0x20 == b'e') {
            Some(at) => {
                let plain = Self::parse_plain(&text[..at], text)?;
                super::exponent::shift(plain, &text[at + 1..], text)
            }
            None => Self::parse_plain(text, text),
        }
    }

    /// Parses a decimal without exponent; `whole` is the full text, for messages.
    fn parse_plain(text: &'a str, whole: &str) -> Result<Decimal<'a>, String> {
        let (negative, unsigned) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty() || !digits(int) || !digits(frac) || (unsigned.ends_with('.')) {
            return Err(format!("expected a decimal number, found {whole:?}"));
        }
        let int = int.trim_start_matches('0');
        let frac = frac.trim_end_matches('0');
        let zero = int.is_empty() && frac.is_empty();
        Ok(Decimal {
            negative: negative && !zero,
            minus_zero: negative && zero,
            int: Cow::Borrowed(int),
            frac: Cow::Borrowed(frac),
        })
    }

    /// The stored integer of a field with `digits` digits whose value is the integer ×
    /// 10^-`scale`, as exactly `digits` ASCII digits. A negative scale (COBOL `P` after the
    /// digits) takes multiples of its power of ten; a scale above `digits` (`P` before them)
    /// takes only fractions below 10^(digits - scale). The error says what the field holds.
    pub fn to_digits(&self, digits: usize, scale: i32) -> Result<Digits, String> {
        let places = usize::try_from(scale).unwrap_or(0);
        let implied = scale.unsigned_abs() as usize * usize::from(scale < 0);
        let multiple = || format!("a multiple of 1{}", "0".repeat(implied));
        if self.frac.len() > places {
            return Err(match implied {
                0 => format!("at most {places} decimal places"),
                _ => multiple(),
            });
        }
        let int = self.int.as_bytes();
        let (int, dropped) = int.split_at(int.len().saturating_sub(implied));
        if dropped.iter().any(|&d| d != b'0') {
            return Err(multiple());
        }
        // The stored integer is `int`, `frac` and zeros up to `places` fraction digits; laid out
        // on the stack from its first significant digit, so encoding a number allocates nothing.
        let frac = self.frac.as_bytes();
        let zeros = places - frac.len();
        let (int, frac) = match int.iter().position(|&d| d != b'0') {
            Some(first) => (&int[first..], frac),
            None => (
                &[][..],
                &frac[frac.iter().position(|&d| d != b'0').unwrap_or(frac.len())..],
            ),
        };
        let significant = match int.is_empty() && frac.is_empty() {
            true => 0,
            false => int.len() + frac.len() + zeros,
        };
        if significant > digits {
            return Err(if scale >= 0 && places <= digits {
                format!("at most {} integer digits", digits - places)
            } else {
                let nines = vec![b'9'; digits];
                format!(
                    "a magnitude of at most {}",
                    number_value(false, &nines, scale, false)
                )
            });
        }
        // Layout validation keeps fields at 38 digits, which always fit; never reached.
        let mut out = Digits::zeros(digits).ok_or_else(|| format!("at most {digits} digits"))?;
        let value = &mut out.buf[digits - significant..digits];
        value[..int.len()].copy_from_slice(int);
        value[int.len()..int.len() + frac.len()].copy_from_slice(frac);
        Ok(out)
    }
}

/// The decimal text of a JSON number or of a string holding one.
pub(crate) fn text_of(value: Scalar<'_>) -> Option<&str> {
    match value {
        Scalar::Number(text) | Scalar::String(text) => Some(text),
        _ => None,
    }
}

/// The ASCII digits of one number, on the stack: a field holds at most 38 (layout validation),
/// a binary integer at most 20 and a scaled decimal's mantissa at most 39, so decoding a number
/// allocates nothing.
#[derive(Debug)]
pub(crate) struct Digits {
    buf: [u8; 40],
    len: usize,
}

impl Digits {
    /// No digits yet.
    pub fn new() -> Digits {
        Digits {
            buf: [0; 40],
            len: 0,
        }
    }

    /// `len` zeros; `None` beyond the buffer (more digits than a field holds).
    pub fn zeros(len: usize) -> Option<Digits> {
        let mut digits = Digits {
            buf: [b'0'; 40],
            len: 0,
        };
        (len <= digits.buf.len()).then(|| {
            digits.len = len;
            digits
        })
    }

    /// The decimal digits of an integer.
    pub fn of(value: u128) -> Digits {
        let mut digits = Digits::new();
        // u128 has at most 39 digits: they fit. Most values fit a u64, whose division is far
        // cheaper than u128's.
        match u64::try_from(value) {
            Ok(mut small) => loop {
                digits.push(b'0' + (small % 10) as u8);
                small /= 10;
                if small == 0 {
                    break;
                }
            },
            Err(_) => {
                let mut value = value;
                while value > 0 {
                    digits.push(b'0' + (value % 10) as u8);
                    value /= 10;
                }
            }
        }
        digits.buf[..digits.len].reverse();
        digits
    }

    /// Appends an ASCII digit; `false` when full.
    pub fn push(&mut self, digit: u8) -> bool {
        match self.buf.get_mut(self.len) {
            Some(slot) => {
                *slot = digit;
                self.len += 1;
                true
            }
            None => false,
        }
    }

    /// The digits so far.
    pub fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// The digits so far as text.
    pub fn as_str(&self) -> &str {
        ascii(self.as_slice())
    }
}

impl std::ops::Deref for Digits {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

/// The typed value of ASCII digits with `scale` implied decimal places (see
/// [`ScaledDecimal::from_digits`]).
pub(crate) fn scaled(
    negative: bool,
    digits: &[u8],
    scale: i32,
    minus_zero: bool,
) -> Result<FieldValue<'static>, DecodeErrorKind> {
    // Layout validation keeps fields at 38 digits, which always fit; never reached.
    ScaledDecimal::from_digits(negative, digits, scale, minus_zero)
        .map(FieldValue::Decimal)
        .ok_or_else(|| DecodeErrorKind::OutOfRange("more than 38 digits".into()))
}

/// A JSON number from ASCII digits with `scale` implied decimal places (a negative scale
/// appends zeros), leading zeros removed. A zero read with a sign is `-0` (`-0.00`) only when
/// `minus_zero` says the field keeps negative zeros.
pub(crate) fn number_value(negative: bool, digits: &[u8], scale: i32, minus_zero: bool) -> Value {
    let mut text = String::with_capacity(digits.len() + 3);
    // Writing to a String cannot fail.
    let _ = write_number(&mut text, negative, digits, scale, minus_zero);
    // Plain decimal text always parses as a JSON number.
    Number::from_str(&text)
        .map(Value::Number)
        .unwrap_or(Value::String(text))
}

/// Writes the exact decimal text of ASCII digits with `scale` implied decimal places: no leading
/// zeros, exactly `scale` fraction digits, zeros appended for a negative scale; `-` for a
/// negative value, and for a zero only when `minus_zero` keeps it.
pub(crate) fn write_number(
    out: &mut impl AsciiWrite,
    negative: bool,
    digits: &[u8],
    scale: i32,
    minus_zero: bool,
) -> fmt::Result {
    let places = usize::try_from(scale).unwrap_or(0);
    let split = digits.len().saturating_sub(places);
    let int = &digits[..split];
    let int = match int.iter().position(|&d| d != b'0') {
        Some(first) => &int[first..],
        None => &[][..],
    };
    let zero = int.is_empty() && digits[split..].iter().all(|&d| d == b'0');
    if negative && (!zero || minus_zero) {
        out.write_char('-')?;
    }
    if int.is_empty() {
        out.write_char('0')?;
    }
    out.write_ascii(int)?;
    if scale < 0 && !int.is_empty() {
        // COBOL `P` after the digits: the value is the digits times a power of ten.
        for _ in 0..scale.unsigned_abs() {
            out.write_char('0')?;
        }
    }
    if places > 0 {
        out.write_char('.')?;
        for _ in digits.len()..places {
            out.write_char('0')?;
        }
        out.write_ascii(&digits[split..])?;
    }
    Ok(())
}

/// ASCII digits as text (they are ASCII by construction; anything else would show as empty).
pub(crate) fn ascii(digits: &[u8]) -> &str {
    std::str::from_utf8(digits).unwrap_or_default()
}

/// A byte buffer as a [`fmt::Write`] target, so the text writers above append JSON and wire
/// bytes directly: `write!` into a `Vec<u8>` would go through `fmt::write` and a `Formatter`,
/// which on the hot path cost more than the digits themselves.
pub(crate) struct ByteText<'a>(pub &'a mut Vec<u8>);

impl fmt::Write for ByteText<'_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        self.0.extend_from_slice(text.as_bytes());
        Ok(())
    }
}

/// A text target for ASCII digits laid out as bytes: a byte buffer appends them as they are, a
/// `String` as chars; a `Formatter` takes them as text ([`ascii`]: a UTF-8 check per call, which
/// was most of the cost of writing a date's two-digit parts into JSON and frames).
pub(crate) trait AsciiWrite: fmt::Write {
    /// Appends `digits`, ASCII by construction.
    fn write_ascii(&mut self, digits: &[u8]) -> fmt::Result {
        self.write_str(ascii(digits))
    }
}

impl AsciiWrite for ByteText<'_> {
    fn write_ascii(&mut self, digits: &[u8]) -> fmt::Result {
        self.0.extend_from_slice(digits);
        Ok(())
    }
}

/// Bytes taken as chars (an ASCII byte is the char of the same code): no UTF-8 check.
impl AsciiWrite for String {
    fn write_ascii(&mut self, digits: &[u8]) -> fmt::Result {
        self.extend(digits.iter().copied().map(char::from));
        Ok(())
    }
}

impl AsciiWrite for fmt::Formatter<'_> {}

/// Writes `value` in decimal with at least `width` digits (zeros in front; `width` at most 10):
/// `{value:0width$}` without a formatter.
pub(crate) fn write_padded(out: &mut impl AsciiWrite, value: u32, width: usize) -> fmt::Result {
    // A u32 has at most 10 digits; the buffer starts as zeros, which are the padding.
    let mut buf = [b'0'; 10];
    let mut at = buf.len();
    let mut rest = value;
    loop {
        at -= 1;
        buf[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let start = at.min(buf.len().saturating_sub(width));
    out.write_ascii(&buf[start..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_exponent_by_byte_in_either_case_and_never_inside_other_text() {
        assert_eq!(Decimal::parse("15E-1"), Decimal::parse("1.5"));
        assert_eq!(Decimal::parse("15e-1"), Decimal::parse("1.5"));
        // No letter but `e`/`E` starts an exponent; non-ASCII text never does (its bytes are
        // 0x80 and up, never `e` with the 0x20 bit set).
        for text in ["1f5", "1\u{e9}5", "1\u{c9}5", "1\u{1d452}5", "ㄷ"] {
            assert!(Decimal::parse(text)
                .unwrap_err()
                .contains("expected a decimal"));
        }
    }

    proptest::proptest! {
        /// Digits written as bytes into a buffer are the formatter's `{value:0width$}`, in a
        /// `String` too.
        #[test]
        fn padded_digits_are_the_formatters(value: u32, width in 0usize..=10) {
            let mut bytes = Vec::new();
            write_padded(&mut ByteText(&mut bytes), value, width).unwrap();
            let mut text = String::new();
            write_padded(&mut text, value, width).unwrap();
            let expected = format!("{value:0width$}");
            proptest::prop_assert_eq!(bytes, expected.as_bytes());
            proptest::prop_assert_eq!(text, expected);
        }
    }

    #[test]
    fn parses_plain_decimals_exactly() {
        let d = Decimal::parse("-0012.3400").unwrap();
        assert_eq!(
            d,
            Decimal {
                negative: true,
                minus_zero: false,
                int: Cow::Borrowed("12"),
                frac: Cow::Borrowed("34")
            }
        );
        let minus_zero = Decimal::parse("-0.000").unwrap();
        assert!(!minus_zero.negative && minus_zero.minus_zero);
        assert!(!Decimal::parse("0.0").unwrap().minus_zero);
        assert!(Decimal::parse("1e5.").is_err());
        assert!(Decimal::parse("1.").is_err());
        assert!(Decimal::parse(" 1").is_err());
        assert!(Decimal::parse("").is_err());
    }

    /// `to_digits` as it was written before it laid digits out on the stack: the stored integer
    /// built in a Vec, then cut to its significant digits.
    fn to_digits_in_a_vec(d: &Decimal<'_>, digits: usize, scale: i32) -> Option<Vec<u8>> {
        let places = usize::try_from(scale).unwrap_or(0);
        let implied = scale.unsigned_abs() as usize * usize::from(scale < 0);
        let int = d.int.as_bytes();
        let (int, dropped) = int.split_at(int.len().saturating_sub(implied));
        if d.frac.len() > places || dropped.iter().any(|&d| d != b'0') {
            return None;
        }
        let mut stored = int.to_vec();
        stored.extend_from_slice(d.frac.as_bytes());
        stored.resize(int.len() + places, b'0');
        let first = stored
            .iter()
            .position(|&d| d != b'0')
            .unwrap_or(stored.len());
        if stored.len() - first > digits {
            return None;
        }
        let mut out = vec![b'0'; digits];
        out[digits - (stored.len() - first)..].copy_from_slice(&stored[first..]);
        Some(out)
    }

    proptest::proptest! {
        /// The stack layout gives the digits the Vec layout gave, and fails where it failed.
        #[test]
        fn digits_on_the_stack_are_the_digits_of_the_vec_layout(
            text in "-?0{0,3}[0-9]{0,12}(\\.[0-9]{0,8}0{0,3})?([eE][-+]?[0-9])?",
            digits in 1usize..=38,
            scale in -4i32..=42,
        ) {
            let Ok(decimal) = Decimal::parse(&text) else {
                return Ok(());
            };
            let stacked = decimal.to_digits(digits, scale).ok();
            let expected = to_digits_in_a_vec(&decimal, digits, scale);
            proptest::prop_assert_eq!(stacked.as_deref(), expected.as_deref());
        }
    }

    #[test]
    fn lays_out_digits_with_implied_decimals() {
        let d = Decimal::parse("4.25").unwrap();
        assert_eq!(d.to_digits(6, 3).unwrap().as_slice(), b"004250");
        assert!(d.to_digits(6, 1).unwrap_err().contains("decimal places"));
        assert!(Decimal::parse("12345").unwrap().to_digits(6, 3).is_err());
    }

    #[test]
    fn lays_out_digits_of_cobol_p_scaling() {
        // PIC S999PP: three digits, value = digits × 100.
        let d = |t| Decimal::parse(t).unwrap();
        assert_eq!(d("12300").to_digits(3, -2).unwrap().as_slice(), b"123");
        assert_eq!(d("99900").to_digits(3, -2).unwrap().as_slice(), b"999");
        assert_eq!(d("0").to_digits(3, -2).unwrap().as_slice(), b"000");
        assert_eq!(
            d("12345").to_digits(3, -2).unwrap_err(),
            "a multiple of 100"
        );
        assert_eq!(d("1.5").to_digits(3, -2).unwrap_err(), "a multiple of 100");
        let over = d("100000").to_digits(3, -2).unwrap_err();
        assert_eq!(over, "a magnitude of at most 99900");
        // PIC SVPPP999: three digits, value = digits × 10^-6.
        assert_eq!(d("0.000999").to_digits(3, 6).unwrap().as_slice(), b"999");
        assert_eq!(d("0.00001").to_digits(3, 6).unwrap().as_slice(), b"010");
        assert_eq!(
            d("0.001").to_digits(3, 6).unwrap_err(),
            "a magnitude of at most 0.000999"
        );
        assert_eq!(
            d("0.0000001").to_digits(3, 6).unwrap_err(),
            "at most 6 decimal places"
        );
    }

    #[test]
    fn formats_digits_as_exact_json_numbers() {
        assert_eq!(
            number_value(false, b"0012345", 3, true).to_string(),
            "12.345"
        );
        assert_eq!(number_value(true, b"000", 0, false).to_string(), "0");
        assert_eq!(number_value(true, b"000", 0, true).to_string(), "-0");
        assert_eq!(number_value(true, b"0000", 2, true).to_string(), "-0.00");
        assert_eq!(number_value(true, b"0050", 2, true).to_string(), "-0.50");
        assert_eq!(number_value(false, b"5", 3, true).to_string(), "0.005");
        assert_eq!(number_value(true, b"0042", 0, true).to_string(), "-42");
        assert_eq!(number_value(true, b"123", -2, true).to_string(), "-12300");
        assert_eq!(number_value(false, b"000", -2, true).to_string(), "0");
        assert_eq!(number_value(false, b"999", 6, true).to_string(), "0.000999");
        let max = b"18446744073709551615";
        assert_eq!(
            number_value(false, max, 0, true).to_string(),
            "18446744073709551615"
        );
        assert_eq!(
            number_value(true, max, 0, true).to_string(),
            "-18446744073709551615"
        );
        let min = b"9223372036854775808";
        assert_eq!(
            number_value(true, min, 0, true).to_string(),
            "-9223372036854775808"
        );
        assert_eq!(Digits::of(0).as_slice(), b"0");
        assert_eq!(Digits::of(u64::MAX.into()).as_slice(), max);
        let max = u128::MAX.to_string();
        assert_eq!(Digits::of(u128::MAX).as_slice(), max.as_bytes());
    }
}
