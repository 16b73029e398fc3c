//! Exact decimals as scaled integers: what a number field decodes to on the typed path.
//!
//! A field holds at most 38 digits (layout validation), so its stored integer always fits an
//! `i128`; the scale is the field's, so two values of one field compare by their mantissas. The
//! text form ([`std::fmt::Display`], [`ScaledDecimal::to_value`]) is exactly the JSON number the
//! `serde_json::Value` path gives: no leading zeros, `scale` fraction digits, `-0` only where the
//! field keeps negative zeros.

use std::fmt;
use std::str::FromStr;

use serde_json::{Number, Value};

use crate::codec::decimal::{write_number, ByteText, Digits};

/// An exact decimal: `mantissa × 10^-scale` (a negative scale is COBOL `P` after the digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScaledDecimal {
    mantissa: i128,
    scale: i32,
    /// A zero read with a minus sign from a field that keeps negative zeros (`-0.00`).
    negative_zero: bool,
}

impl ScaledDecimal {
    /// The value `mantissa × 10^-scale`.
    pub fn new(mantissa: i128, scale: i32) -> ScaledDecimal {
        ScaledDecimal {
            mantissa,
            scale,
            negative_zero: false,
        }
    }

    /// The stored integer.
    pub fn mantissa(&self) -> i128 {
        self.mantissa
    }

    /// Implied decimal places (negative: the mantissa is multiplied by a power of ten).
    pub fn scale(&self) -> i32 {
        self.scale
    }

    /// Whether this is a zero kept with its minus sign (`negative_zero = "keep"`).
    pub fn is_negative_zero(&self) -> bool {
        self.negative_zero
    }

    /// A value from its ASCII digits (leading zeros allowed); a zero read with a sign stays
    /// negative only when `minus_zero` says the field keeps it. `None` beyond `i128` (more
    /// digits than layout validation allows).
    pub(crate) fn from_digits(
        negative: bool,
        digits: &[u8],
        scale: i32,
        minus_zero: bool,
    ) -> Option<ScaledDecimal> {
        // Most fields have at most 19 digits: fold them in a u64, which is cheaper.
        let magnitude = match digits.len() {
            0..=19 => u128::from(
                digits
                    .iter()
                    .fold(0u64, |acc, &d| acc * 10 + u64::from(d - b'0')),
            ),
            _ => digits.iter().try_fold(0u128, |acc, &d| {
                acc.checked_mul(10)?.checked_add(u128::from(d - b'0'))
            })?,
        };
        let magnitude = i128::try_from(magnitude).ok()?;
        Some(ScaledDecimal {
            mantissa: if negative { -magnitude } else { magnitude },
            scale,
            negative_zero: negative && minus_zero && magnitude == 0,
        })
    }

    /// The value as a JSON number holding its exact text.
    pub fn to_number(&self) -> Option<Number> {
        // Whole numbers skip the text round trip (same text: no leading zeros).
        if self.scale == 0 && !self.negative_zero {
            if let Ok(value) = u64::try_from(self.mantissa) {
                return Some(value.into());
            }
            if let Ok(value) = i64::try_from(self.mantissa) {
                return Some(value.into());
            }
        }
        Number::from_str(&self.text()).ok()
    }

    /// The exact decimal text, written without a formatter.
    fn text(&self) -> String {
        let digits = Digits::of(self.mantissa.unsigned_abs());
        let mut text = String::with_capacity(digits.as_slice().len() + 3);
        let negative = self.mantissa < 0 || self.negative_zero;
        // Writing to a String cannot fail.
        let _ = write_number(&mut text, negative, digits.as_slice(), self.scale, true);
        text
    }

    /// Appends the exact decimal text (its `Display`) as bytes, without a formatter: what the
    /// JSON writer writes for every number.
    pub(crate) fn write_text(&self, out: &mut Vec<u8>) {
        let digits = Digits::of(self.mantissa.unsigned_abs());
        let negative = self.mantissa < 0 || self.negative_zero;
        // Writing to a Vec cannot fail.
        let _ = write_number(
            &mut ByteText(out),
            negative,
            digits.as_slice(),
            self.scale,
            true,
        );
    }

    /// The value as JSON: a number holding its exact text.
    pub fn to_value(&self) -> Value {
        match self.to_number() {
            Some(number) => Value::Number(number),
            // Plain decimal text always parses as a JSON number; keep the text regardless.
            None => Value::String(self.text()),
        }
    }

    /// The value as a count of group elements: a whole number of at least 0 written without a
    /// decimal point (`-0` counts as none), as the text form would parse.
    pub(crate) fn count(&self) -> Option<usize> {
        if self.scale > 0 {
            return None;
        }
        let power = 10u128.checked_pow(self.scale.unsigned_abs())?;
        let magnitude = u128::try_from(self.mantissa).ok()?.checked_mul(power)?;
        usize::try_from(magnitude).ok()
    }
}

impl fmt::Display for ScaledDecimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = Digits::of(self.mantissa.unsigned_abs());
        let negative = self.mantissa < 0 || self.negative_zero;
        write_number(f, negative, digits.as_slice(), self.scale, true)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::codec::decimal::number_value;

    fn from(negative: bool, digits: &[u8], scale: i32, minus_zero: bool) -> ScaledDecimal {
        ScaledDecimal::from_digits(negative, digits, scale, minus_zero).unwrap()
    }

    #[test]
    fn digits_become_a_scaled_integer() {
        let d = from(true, b"0012345", 3, false);
        assert_eq!((d.mantissa(), d.scale()), (-12345, 3));
        assert!(!d.is_negative_zero());
        assert!(from(true, b"000", 2, true).is_negative_zero());
        assert!(!from(true, b"000", 2, false).is_negative_zero());
        assert!(!from(false, b"000", 2, true).is_negative_zero());
        let max = [b'9'; 38];
        assert_eq!(from(false, &max, 0, false).mantissa(), 10i128.pow(38) - 1);
        assert!(ScaledDecimal::from_digits(false, &[b'9'; 40], 0, false).is_none());
    }

    #[test]
    fn text_is_the_json_number_of_the_value_path() {
        let cases: &[(bool, &[u8], i32, bool)] = &[
            (false, b"0012345", 3, true),
            (true, b"000", 0, false),
            (true, b"000", 0, true),
            (true, b"0000", 2, true),
            (true, b"0050", 2, true),
            (false, b"5", 3, true),
            (true, b"0042", 0, true),
            (true, b"123", -2, true),
            (false, b"000", -2, true),
            (true, b"000", -2, true),
            (false, b"999", 6, true),
            (false, b"18446744073709551615", 0, true),
            (true, b"18446744073709551615", 0, true),
            (true, b"9223372036854775808", 0, true),
            (false, b"99999999999999999999999999999999999999", 4, false),
        ];
        for &(negative, digits, scale, keep) in cases {
            let decimal = from(negative, digits, scale, keep);
            let expected = number_value(negative, digits, scale, keep);
            assert_eq!(decimal.to_value(), expected, "{digits:?} scale {scale}");
            assert_eq!(decimal.to_string(), expected.to_string());
            let mut bytes = Vec::new();
            decimal.write_text(&mut bytes);
            assert_eq!(bytes, expected.to_string().as_bytes());
        }
    }

    #[test]
    fn counts_are_whole_numbers_of_zero_or_more() {
        assert_eq!(from(false, b"03", 0, false).count(), Some(3));
        assert_eq!(from(true, b"0", 0, true).count(), Some(0));
        assert_eq!(from(false, b"3", -2, false).count(), Some(300));
        assert_eq!(from(true, b"3", 0, false).count(), None);
        assert_eq!(from(false, b"30", 1, false).count(), None);
    }
}
