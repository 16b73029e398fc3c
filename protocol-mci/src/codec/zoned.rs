//! Zoned decimal numbers: ASCII digits, implied or explicit decimal point, separate or
//! overpunched sign.

use super::decimal::{scaled, text_of, Decimal, Digits};
use crate::error::{DecodeErrorKind, EncodeErrorKind};
use crate::json::Scalar;
use crate::layout::field::{NegativeZero, PunchKind, SignKind, Zoned};
use crate::view::FieldValue;

/// IBM overpunched digits: positive `{ABCDEFGHI`, negative `}JKLMNOPQR`. On decode a plain
/// digit in the sign position is positive too; encode writes the punched form.
const IBM_PUNCH: (&[u8; 10], &[u8; 10]) = (b"{ABCDEFGHI", b"}JKLMNOPQR");
/// Micro Focus ASCII sign: positive digits stay plain, negative ones are `pqrstuvwxy`.
const ASCII_PUNCH: (&[u8; 10], &[u8; 10]) = (b"0123456789", b"pqrstuvwxy");

/// The positive and negative sign-digit tables of a convention.
fn punch_tables(punch: PunchKind) -> (&'static [u8; 10], &'static [u8; 10]) {
    match punch {
        PunchKind::Ibm => IBM_PUNCH,
        PunchKind::Ascii => ASCII_PUNCH,
    }
}

/// Decodes a zoned field; `start` is its offset in the frame.
pub(crate) fn decode(
    spec: &Zoned,
    bytes: &[u8],
    start: usize,
) -> Result<FieldValue<'static>, DecodeErrorKind> {
    if bytes.iter().all(|&b| b == b' ') && spec.blank_null {
        return Ok(FieldValue::Null);
    }
    // The common case, plain digits, needs no copy.
    if spec.sign == SignKind::None && !spec.point && bytes.iter().all(u8::is_ascii_digit) {
        return scaled(false, bytes, spec.scale, false);
    }
    let unexpected = |expected, i: usize| DecodeErrorKind::UnexpectedByte {
        expected,
        found: bytes[i],
        offset: start + i,
    };
    // Layout validation keeps fields at 38 digits; never reached.
    let too_long = || DecodeErrorKind::OutOfRange("more than 40 digits".into());
    let mut negative = false;
    let mut digits = Digits::new();
    let point_at = spec.point.then(|| {
        let digits_end = if spec.sign == SignKind::Trailing {
            bytes.len() - 1
        } else {
            bytes.len()
        };
        // Validation keeps a point's scale within 1..=digits.
        digits_end - usize::try_from(spec.scale).unwrap_or(0) - 1
    });
    let last = bytes.len() - 1;
    let (positive_punch, negative_punch) = punch_tables(spec.punch);
    for (i, &b) in bytes.iter().enumerate() {
        let sign_here = match spec.sign {
            SignKind::Leading | SignKind::OverpunchLeading => i == 0,
            SignKind::Trailing | SignKind::Overpunch => i == last,
            SignKind::None => false,
        };
        if Some(i) == point_at {
            if b != b'.' {
                return Err(unexpected("decimal point", i));
            }
        } else if sign_here && matches!(spec.sign, SignKind::Leading | SignKind::Trailing) {
            match b {
                b'-' => negative = true,
                b if b == spec.plus => {}
                _ => return Err(unexpected("sign", i)),
            }
        } else if sign_here {
            let digit = if let Some(d) = positive_punch.iter().position(|&p| p == b) {
                b'0' + d as u8
            } else if let Some(d) = negative_punch.iter().position(|&p| p == b) {
                negative = true;
                b'0' + d as u8
            } else if b.is_ascii_digit() {
                // A plain digit carries the unsigned zone (a host MOVE from an unsigned item
                // leaves it); IBM COBOL and DFDL read it as positive.
                b
            } else {
                return Err(unexpected("overpunched digit", i));
            };
            if !digits.push(digit) {
                return Err(too_long());
            }
        } else if b.is_ascii_digit() {
            if !digits.push(b) {
                return Err(too_long());
            }
        } else {
            return Err(unexpected("digits", i));
        }
    }
    let keep = spec.negative_zero == NegativeZero::Keep;
    scaled(negative, digits.as_slice(), spec.scale, keep)
}

/// Encodes a zoned field from a JSON number or decimal string.
pub(crate) fn encode(
    spec: &Zoned,
    value: Scalar<'_>,
    out: &mut Vec<u8>,
) -> Result<(), EncodeErrorKind> {
    if value.is_null() {
        if !spec.blank_null {
            return Err(EncodeErrorKind::Missing);
        }
        out.resize(out.len() + spec.len, b' ');
        return Ok(());
    }
    let text = text_of(value).ok_or_else(|| EncodeErrorKind::WrongType {
        expected: "a number",
        found: super::describe(value),
    })?;
    let decimal = Decimal::parse(text).map_err(EncodeErrorKind::Invalid)?;
    if decimal.negative && spec.sign == SignKind::None {
        return Err(EncodeErrorKind::Invalid(format!(
            "expected a value of 0 or more (the field is unsigned), found {text}"
        )));
    }
    let digits = decimal
        .to_digits(spec.digits(), spec.scale)
        .map_err(|limit| EncodeErrorKind::Overflow {
            value: text.to_owned(),
            limit,
        })?;
    // A `-0` keeps its sign only where the field says so; an unsigned field has none to keep.
    let negative = decimal.negative
        || (decimal.minus_zero
            && spec.negative_zero == NegativeZero::Keep
            && spec.sign != SignKind::None);
    let sign = if negative { b'-' } else { spec.plus };
    let (positive_punch, negative_punch) = punch_tables(spec.punch);
    let punch = |d: u8| {
        let table = if negative {
            negative_punch
        } else {
            positive_punch
        };
        table[usize::from(d - b'0')]
    };
    let start = out.len();
    if spec.sign == SignKind::Leading {
        out.push(sign);
    }
    if spec.point {
        // Validation keeps a point's scale within 1..=digits.
        let int_len = digits.len() - usize::try_from(spec.scale).unwrap_or(0);
        out.extend_from_slice(&digits[..int_len]);
        out.push(b'.');
        out.extend_from_slice(&digits[int_len..]);
    } else {
        out.extend_from_slice(&digits);
    }
    match spec.sign {
        SignKind::Trailing => out.push(sign),
        SignKind::Overpunch => {
            if let Some(last) = out.last_mut() {
                *last = punch(*last);
            }
        }
        SignKind::OverpunchLeading => out[start] = punch(out[start]),
        SignKind::None | SignKind::Leading => {}
    }
    Ok(())
}
