//! Exact decimal comparison of JSON number text.
//!
//! With serde_json's `arbitrary_precision`, a [`serde_json::Number`] keeps the text it was
//! written with. Equality works on that text directly (any magnitude, no allocation), so
//! `5.250 == 5.25` and `1.5e3 == 1500`. Tolerances need subtraction, which goes through
//! [`rust_decimal::Decimal`]; a number it cannot hold exactly yields `None` and the caller
//! reports a difference instead of guessing.

use rust_decimal::Decimal;

use crate::text::same_text;

/// A JSON number's text split into its parts; digits are ASCII bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DecimalText<'a> {
    negative: bool,
    int: &'a [u8],
    frac: &'a [u8],
    exponent: i64,
}

impl<'a> DecimalText<'a> {
    /// Splits number text; `None` when it is not a plain decimal (serde_json never produces one).
    pub(crate) fn parse(text: &'a str) -> Option<Self> {
        Self::from_bytes(text.as_bytes())
    }

    fn from_bytes(bytes: &'a [u8]) -> Option<Self> {
        let (negative, rest) = match bytes.split_first() {
            Some((b'-', rest)) => (true, rest),
            Some((b'+', rest)) => (false, rest),
            _ => (false, bytes),
        };
        let (mantissa, exponent) = match rest.iter().position(|b| matches!(b, b'e' | b'E')) {
            Some(at) => (&rest[..at], parse_exponent(&rest[at + 1..])?),
            None => (rest, 0),
        };
        let (int, frac) = match mantissa.iter().position(|&b| b == b'.') {
            Some(at) => (&mantissa[..at], &mantissa[at + 1..]),
            None => (mantissa, &mantissa[mantissa.len()..]),
        };
        let digits = |part: &[u8]| part.iter().all(u8::is_ascii_digit);
        if int.is_empty() && frac.is_empty() || !digits(int) || !digits(frac) {
            return None;
        }
        Some(Self {
            negative,
            int,
            frac,
            exponent,
        })
    }

    fn digit(&self, at: usize) -> u8 {
        match at.checked_sub(self.int.len()) {
            None => self.int[at],
            Some(in_frac) => self.frac[in_frac],
        }
    }

    /// Significant digits as `(first, end)` into int ++ frac; `None` for zero.
    fn significant(&self) -> Option<(usize, usize)> {
        let nonzero = |b: &u8| *b != b'0';
        let first = match self.int.iter().position(nonzero) {
            Some(at) => at,
            None => self.int.len() + self.frac.iter().position(nonzero)?,
        };
        let last = match self.frac.iter().rposition(nonzero) {
            Some(at) => self.int.len() + at,
            None => self.int.iter().rposition(nonzero)?,
        };
        Some((first, last + 1))
    }

    /// Decimal exponent of the first significant digit, so that equal values have equal ones.
    fn point(&self, first: usize) -> i64 {
        (self.int.len() as i64 - first as i64).saturating_add(self.exponent)
    }

    /// Exact numeric equality: scale, leading zeros, exponent form and the sign of zero do not matter.
    pub(crate) fn same_value(&self, other: &Self) -> bool {
        match (self.significant(), other.significant()) {
            (None, None) => true,
            (Some((a_first, a_end)), Some((b_first, b_end))) => {
                self.negative == other.negative
                    && a_end - a_first == b_end - b_first
                    && self.point(a_first) == other.point(b_first)
                    && (0..a_end - a_first)
                        .all(|at| self.digit(a_first + at) == other.digit(b_first + at))
            }
            _ => false,
        }
    }

    /// The value as a `Decimal`, exactly, or `None` when it does not fit (28 digits of scale, 96 bits).
    pub(crate) fn to_decimal(self) -> Option<Decimal> {
        let Some((first, end)) = self.significant() else {
            return Some(Decimal::ZERO);
        };
        let mut mantissa: i128 = 0;
        let digits = self
            .int
            .iter()
            .chain(self.frac)
            .skip(first)
            .take(end - first);
        for &digit in digits {
            mantissa = mantissa
                .checked_mul(10)?
                .checked_add(i128::from(digit - b'0'))?;
        }
        if self.negative {
            mantissa = -mantissa;
        }
        // Digits after the decimal point once the significant digits are written out.
        // `point` saturates for absurd exponents: checked, so such a number is "not exact", never
        // a panic.
        let scale = i64::try_from(end - first)
            .ok()?
            .checked_sub(self.point(first))?;
        if scale < 0 {
            let shift = u32::try_from(scale.checked_neg()?).ok()?;
            mantissa = mantissa.checked_mul(10i128.checked_pow(shift)?)?;
            return Decimal::try_from_i128_with_scale(mantissa, 0).ok();
        }
        Decimal::try_from_i128_with_scale(mantissa, u32::try_from(scale).ok()?).ok()
    }
}

fn parse_exponent(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    if digits.is_empty() {
        return None;
    }
    let mut value: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        // Saturate: an exponent this large compares unequal to anything realistic anyway.
        value = value.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    Some(if negative { -value } else { value })
}

/// Exact equality of two JSON number texts; unparsable text falls back to byte equality.
pub(crate) fn numbers_equal(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if same_text(a, b) {
        return true;
    }
    let common = common_prefix(a, b);
    // The usual unequal text is a scale, `5.250` against `5.25`: the same digits, then only
    // zeros after the decimal point on one side.
    let (a_rest, b_rest) = (&a[common..], &b[common..]);
    if (a_rest.is_empty() || b_rest.is_empty())
        && a_rest.iter().chain(b_rest).all(|&b| b == b'0')
        && is_plain_fraction(&a[..common])
    {
        return true;
    }
    // Decisions rarely use exponents: one pass over each side settles the rest.
    if let (Some(a), Some(b)) = (Plain::parse(a), Plain::parse(b)) {
        return a == b;
    }
    match (DecimalText::from_bytes(a), DecimalText::from_bytes(b)) {
        (Some(a), Some(b)) => a.same_value(&b),
        _ => false,
    }
}

/// How many leading bytes `a` and `b` share; eight at a time, as number text is short.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let mut at = 0;
    while let (Some(x), Some(y)) = (a[at..].first_chunk::<8>(), b[at..].first_chunk::<8>()) {
        if x != y {
            break;
        }
        at += 8;
    }
    at + a[at..]
        .iter()
        .zip(&b[at..])
        .take_while(|(x, y)| x == y)
        .count()
}

/// Whether `text` is a decimal with a point and digits, no exponent: zeros appended to it
/// keep its value.
fn is_plain_fraction(text: &[u8]) -> bool {
    let digits = match text.split_first() {
        Some((b'-' | b'+', rest)) => rest,
        _ => text,
    };
    let mut points = 0;
    for &b in digits {
        match b {
            b'.' => points += 1,
            b'0'..=b'9' => {}
            _ => return false,
        }
    }
    points == 1 && digits.len() > 1
}

/// `|a - b| <= limit`, exactly, for numbers without exponent whose digits, aligned to one
/// scale, stay within 28: there `Decimal` is exact as well, so this is its answer without
/// building two. `None` otherwise, and the caller goes through `Decimal`.
pub(crate) fn plain_within(a: &str, b: &str, limit: Decimal) -> Option<bool> {
    let (a, b) = (Plain::parse(a.as_bytes())?, Plain::parse(b.as_bytes())?);
    let scale = a.frac.len().max(b.frac.len());
    if a.int.len().max(b.int.len()) + scale > 28 {
        return None;
    }
    // Both below 10^28, so neither these nor their difference can overflow an i128.
    let distance = (a.scaled(scale) - b.scaled(scale)).abs();
    let limit_scale = limit.scale() as usize;
    Some(if scale >= limit_scale {
        let shift = 10i128.checked_pow(u32::try_from(scale - limit_scale).ok()?)?;
        distance <= limit.mantissa().checked_mul(shift)?
    } else {
        let shift = 10i128.checked_pow(u32::try_from(limit_scale - scale).ok()?)?;
        distance.checked_mul(shift)? <= limit.mantissa()
    })
}

/// A number without exponent in canonical form: equal values have equal parts.
#[derive(PartialEq, Eq)]
struct Plain<'a> {
    /// Never set for zero, so `-0` equals `0`.
    negative: bool,
    /// Integer digits without leading zeros.
    int: &'a [u8],
    /// Fraction digits without trailing zeros.
    frac: &'a [u8],
}

impl<'a> Plain<'a> {
    /// `None` for text with an exponent and for anything [`DecimalText::parse`] refuses.
    fn parse(bytes: &'a [u8]) -> Option<Self> {
        let (negative, rest) = match bytes.split_first() {
            Some((b'-', rest)) => (true, rest),
            Some((b'+', rest)) => (false, rest),
            _ => (false, bytes),
        };
        let mut point = None;
        for (at, &b) in rest.iter().enumerate() {
            match b {
                b'0'..=b'9' => {}
                b'.' if point.is_none() => point = Some(at),
                _ => return None,
            }
        }
        let (int, frac) = match point {
            Some(at) => (&rest[..at], &rest[at + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        let int = &int[int.iter().position(|&b| b != b'0').unwrap_or(int.len())..];
        let frac = &frac[..frac.iter().rposition(|&b| b != b'0').map_or(0, |at| at + 1)];
        Some(Self {
            negative: negative && !(int.is_empty() && frac.is_empty()),
            int,
            frac,
        })
    }

    /// The value times `10^scale`; the caller keeps the digits within 28, `scale` at least
    /// the fraction's length.
    fn scaled(&self, scale: usize) -> i128 {
        let mut value: i128 = 0;
        for &digit in self.int.iter().chain(self.frac) {
            value = value * 10 + i128::from(digit - b'0');
        }
        for _ in self.frac.len()..scale {
            value *= 10;
        }
        if self.negative {
            -value
        } else {
            value
        }
    }
}

/// Parses decimal text (a tolerance from the config) exactly.
pub(crate) fn parse_decimal(text: &str) -> Option<Decimal> {
    DecimalText::parse(text.trim())?.to_decimal()
}

#[cfg(test)]
mod tests {

    #[test]
    fn absurd_exponents_are_not_exact_instead_of_overflowing() {
        assert!(parse_decimal("0.01e-99999999999999999999").is_none());
        assert!(parse_decimal("1e99999999999999999999").is_none());
    }

    use super::*;

    #[test]
    fn equal_across_scales_and_forms() {
        for (a, b) in [
            ("5.250", "5.25"),
            ("1500", "1.5e3"),
            ("0.0015", "15E-4"),
            ("-0", "0.000"),
            ("007", "7"),
            ("+7.0", "7"),
            ("-0.0", "0"),
            ("7.", "7"),
            (".5", "0.50"),
            ("5.25", "525e-2"),
            (
                "123456789012345678901234567890.10",
                "123456789012345678901234567890.1",
            ),
        ] {
            assert!(numbers_equal(a, b), "{a} == {b}");
        }
    }

    #[test]
    fn unequal_values() {
        for (a, b) in [
            ("5.25", "5.26"),
            ("-1", "1"),
            ("10", "1"),
            ("0.1", "0.01"),
            ("1e400", "1"),
            ("5.25", "-5.25"),
            ("05.25", "5.025"),
            (".", "0"),
            ("1.2.3", "1.2.3x"),
            ("-", "-0"),
        ] {
            assert!(!numbers_equal(a, b), "{a} != {b}");
        }
    }

    #[test]
    fn converts_exactly_or_not_at_all() {
        assert_eq!(
            parse_decimal("5.250").map(|d| d.to_string()),
            Some("5.25".into())
        );
        assert_eq!(
            parse_decimal("1.5e3").map(|d| d.normalize().to_string()),
            Some("1500".into())
        );
        assert_eq!(parse_decimal("1e40"), None);
        assert_eq!(parse_decimal("0.1e-40"), None);
        assert_eq!(parse_decimal("abc"), None);
    }
}
