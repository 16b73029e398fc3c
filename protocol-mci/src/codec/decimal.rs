//! Exact decimal text: parsing what engines send and formatting what frames hold.
//! Money never passes through `f64`.

use std::borrow::Cow;
use std::str::FromStr;

use serde_json::{Number, Value};

/// A decimal split into sign, integer digits (no leading zeros) and fraction digits.
/// Plain text is borrowed; only an exponent form is written out into owned digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decimal<'a> {
    /// Below zero (never set for zero).
    pub negative: bool,
    /// Integer digits without leading zeros; empty for zero.
    pub int: Cow<'a, str>,
    /// Fraction digits without trailing zeros.
    pub frac: Cow<'a, str>,
}

impl<'a> Decimal<'a> {
    /// Parses `-12.340`, `+5`, `0.5` and exact exponent forms (`3E+7`, `0E-8`); rejects
    /// spaces and anything else.
    pub fn parse(text: &'a str) -> Result<Decimal<'a>, String> {
        match text.find(['e', 'E']) {
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
        let negative = negative && !(int.is_empty() && frac.is_empty());
        Ok(Decimal {
            negative,
            int: Cow::Borrowed(int),
            frac: Cow::Borrowed(frac),
        })
    }

    /// The decimal as exactly `digits` digits with `scale` of them after the implied point.
    pub fn to_digits(&self, digits: usize, scale: u32) -> Result<Vec<u8>, String> {
        let scale = scale as usize;
        if self.frac.len() > scale {
            return Err(format!("at most {scale} decimal places"));
        }
        if self.int.len() > digits - scale {
            return Err(format!("at most {} integer digits", digits - scale));
        }
        let mut out = vec![b'0'; digits];
        let int_end = digits - scale;
        out[int_end - self.int.len()..int_end].copy_from_slice(self.int.as_bytes());
        out[int_end..int_end + self.frac.len()].copy_from_slice(self.frac.as_bytes());
        Ok(out)
    }
}

/// The decimal text of a JSON number or of a string holding one.
pub(crate) fn text_of(value: &Value) -> Option<&str> {
    match value {
        Value::Number(n) => Some(n.as_str()),
        Value::String(s) => Some(s.as_str()),
        _ => None,
    }
}

/// The ASCII digits of one number, on the stack: a field holds at most 38 (layout validation)
/// and a binary integer at most 20, so decoding a number allocates only its JSON text.
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

    /// The decimal digits of an integer.
    pub fn of(mut value: u64) -> Digits {
        let mut digits = Digits::new();
        // u64 has at most 20 digits: they fit.
        loop {
            digits.push(b'0' + (value % 10) as u8);
            value /= 10;
            if value == 0 {
                break;
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
}

/// A JSON number from ASCII digits with `scale` implied decimal places, leading zeros removed.
pub(crate) fn number_value(negative: bool, digits: &[u8], scale: u32) -> Value {
    let scale = scale as usize;
    let split = digits.len().saturating_sub(scale);
    let int = &digits[..split];
    let int = match int.iter().position(|&d| d != b'0') {
        Some(first) => &int[first..],
        None => &[][..],
    };
    let zero = int.is_empty() && digits[split..].iter().all(|&d| d == b'0');
    let negative = negative && !zero;
    // Whole numbers of up to 19 digits skip the text round trip (same text: no leading zeros).
    if scale == 0 && int.len() <= 19 {
        let magnitude = int
            .iter()
            .fold(0u64, |acc, &d| acc * 10 + u64::from(d - b'0'));
        if !negative {
            return Value::Number(magnitude.into());
        }
        if let Ok(magnitude) = i64::try_from(magnitude) {
            return Value::Number((-magnitude).into());
        }
    }
    let mut text = String::with_capacity(digits.len() + 3);
    if negative {
        text.push('-');
    }
    if int.is_empty() {
        text.push('0');
    }
    // Digits are ASCII by construction.
    text.extend(int.iter().map(|&d| d as char));
    if scale > 0 {
        text.push('.');
        for _ in digits.len()..scale {
            text.push('0');
        }
        text.extend(digits[split..].iter().map(|&d| d as char));
    }
    // Plain decimal text always parses as a JSON number.
    Number::from_str(&text)
        .map(Value::Number)
        .unwrap_or(Value::String(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_decimals_exactly() {
        let d = Decimal::parse("-0012.3400").unwrap();
        assert_eq!(
            d,
            Decimal {
                negative: true,
                int: Cow::Borrowed("12"),
                frac: Cow::Borrowed("34")
            }
        );
        assert!(!Decimal::parse("-0.000").unwrap().negative);
        assert!(Decimal::parse("1e5.").is_err());
        assert!(Decimal::parse("1.").is_err());
        assert!(Decimal::parse(" 1").is_err());
        assert!(Decimal::parse("").is_err());
    }

    #[test]
    fn lays_out_digits_with_implied_decimals() {
        let d = Decimal::parse("4.25").unwrap();
        assert_eq!(d.to_digits(6, 3).unwrap(), b"004250");
        assert!(d.to_digits(6, 1).unwrap_err().contains("decimal places"));
        assert!(Decimal::parse("12345").unwrap().to_digits(6, 3).is_err());
    }

    #[test]
    fn formats_digits_as_exact_json_numbers() {
        assert_eq!(number_value(false, b"0012345", 3).to_string(), "12.345");
        assert_eq!(number_value(true, b"000", 0).to_string(), "0");
        assert_eq!(number_value(true, b"0050", 2).to_string(), "-0.50");
        assert_eq!(number_value(false, b"5", 3).to_string(), "0.005");
        assert_eq!(number_value(true, b"0042", 0).to_string(), "-42");
        let max = b"18446744073709551615";
        assert_eq!(
            number_value(false, max, 0).to_string(),
            "18446744073709551615"
        );
        assert_eq!(
            number_value(true, max, 0).to_string(),
            "-18446744073709551615"
        );
        let min = b"9223372036854775808";
        assert_eq!(
            number_value(true, min, 0).to_string(),
            "-9223372036854775808"
        );
        assert_eq!(Digits::of(0).as_slice(), b"0");
        assert_eq!(Digits::of(u64::MAX).as_slice(), max);
    }
}
