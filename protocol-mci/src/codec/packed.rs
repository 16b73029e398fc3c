//! Packed decimal (COMP-3) and binary integers.

use super::decimal::{scaled, text_of, Decimal, Digits};
use crate::error::{DecodeErrorKind, EncodeErrorKind};
use crate::json::Scalar;
use crate::layout::field::{Binary, Endian, NegativeZero, Packed, SignNibbles};
use crate::view::{FieldValue, ScaledDecimal};

/// Decodes COMP-3: two digits a byte, the last nibble is the sign (C/D signed, F unsigned, or
/// with `sign_nibbles = "lenient"` A-F); with an even digit count the first nibble is a pad
/// that must be 0.
pub(crate) fn decode_packed(
    spec: &Packed,
    bytes: &[u8],
    start: usize,
) -> Result<FieldValue<'static>, DecodeErrorKind> {
    // At most 16 bytes (layout validation): 31 digits fit.
    let mut digits = Digits::new();
    let last = bytes.len() - 1;
    let pad = spec.digits % 2 == 0;
    let mut negative = false;
    for (i, &b) in bytes.iter().enumerate() {
        let (hi, lo) = (b >> 4, b & 0x0F);
        let bad = |expected| DecodeErrorKind::UnexpectedByte {
            expected,
            found: b,
            offset: start + i,
        };
        if i == 0 && pad && hi != 0 {
            return Err(bad("packed pad nibble 0 (an even digit count)"));
        }
        if hi > 9 || (i < last && lo > 9) {
            return Err(bad("packed digits"));
        }
        let skip_hi = i == 0 && pad;
        if (!skip_hi && !digits.push(b'0' + hi)) || (i < last && !digits.push(b'0' + lo)) {
            return Err(DecodeErrorKind::OutOfRange("more than 40 digits".into()));
        }
        if i == last {
            negative = sign_of(spec, lo).map_err(|expected| DecodeErrorKind::SignNibble {
                expected,
                nibble: lo,
                byte: b,
                offset: start + i,
            })?;
        }
    }
    let keep = spec.negative_zero == NegativeZero::Keep;
    scaled(negative, digits.as_slice(), spec.scale, keep)
}

/// Whether a sign nibble is negative, or what the field accepts instead. IBM's decimal
/// instructions read A, C, E, F as plus and B, D as minus; C/D/F are what they write.
fn sign_of(spec: &Packed, nibble: u8) -> Result<bool, &'static str> {
    match (spec.sign_nibbles, spec.signed, nibble) {
        (SignNibbles::Strict, true, 0xC) | (SignNibbles::Strict, false, 0xF) => Ok(false),
        (SignNibbles::Strict, true, 0xD) => Ok(true),
        (SignNibbles::Strict, true, _) => {
            Err("C or D (A, B, E, F need sign_nibbles = \"lenient\")")
        }
        (SignNibbles::Strict, false, _) => Err("F (A, C, E need sign_nibbles = \"lenient\")"),
        (SignNibbles::Lenient, _, 0xA | 0xC | 0xE | 0xF) => Ok(false),
        (SignNibbles::Lenient, true, 0xB | 0xD) => Ok(true),
        (SignNibbles::Lenient, true, _) => Err("A to F"),
        (SignNibbles::Lenient, false, _) => Err("A, C, E or F (the field is unsigned)"),
    }
}

/// Encodes COMP-3.
pub(crate) fn encode_packed(
    spec: &Packed,
    value: Scalar<'_>,
    out: &mut Vec<u8>,
) -> Result<(), EncodeErrorKind> {
    let (decimal, text) = parse(value)?;
    if decimal.negative && !spec.signed {
        return Err(EncodeErrorKind::Invalid(format!(
            "expected a value of 0 or more (the field is unsigned), found {text}"
        )));
    }
    let digits = decimal
        .to_digits(spec.digits, spec.scale)
        .map_err(|limit| EncodeErrorKind::Overflow {
            value: text.to_owned(),
            limit,
        })?;
    // A `-0` keeps its sign only where the field says so: 0D then survives decode → encode.
    let negative = decimal.negative
        || (decimal.minus_zero && spec.signed && spec.negative_zero == NegativeZero::Keep);
    let sign = match (spec.signed, negative) {
        (false, _) => 0xF,
        (true, false) => 0xC,
        (true, true) => 0xD,
    };
    // An even digit count leaves the first nibble as a 0 pad.
    let pad = (spec.digits % 2 == 0).then_some(0);
    let mut nibbles = pad
        .into_iter()
        .chain(digits.iter().map(|d| d - b'0'))
        .chain(std::iter::once(sign));
    // Pad, digits and sign are an even count: every byte gets both nibbles.
    while let (Some(high), Some(low)) = (nibbles.next(), nibbles.next()) {
        out.push((high << 4) | low);
    }
    Ok(())
}

/// Decodes a binary integer with implied decimals; a value beyond the declared digits is
/// refused (the host would not have written it).
pub(crate) fn decode_binary(
    spec: &Binary,
    bytes: &[u8],
) -> Result<FieldValue<'static>, DecodeErrorKind> {
    let fold = |acc: u64, b: &u8| (acc << 8) | u64::from(*b);
    let raw = match spec.endian {
        Endian::Big => bytes.iter().fold(0, fold),
        Endian::Little => bytes.iter().rev().fold(0, fold),
    };
    let bits = 8 * spec.len as u32;
    let value: i128 = if spec.signed && bits < 128 && (raw >> (bits - 1)) & 1 == 1 {
        i128::from(raw) - (1i128 << bits)
    } else {
        i128::from(raw)
    };
    if let Some(declared) = spec.digits {
        let found = value
            .unsigned_abs()
            .checked_ilog10()
            .map_or(1, |log| log + 1) as usize;
        if found > declared {
            return Err(DecodeErrorKind::OutOfRange(format!(
                "expected at most {declared} digits, found {found}"
            )));
        }
    }
    // Two's complement has no negative zero.
    Ok(FieldValue::Decimal(ScaledDecimal::new(value, spec.scale)))
}

/// Encodes a binary integer.
pub(crate) fn encode_binary(
    spec: &Binary,
    value: Scalar<'_>,
    out: &mut Vec<u8>,
) -> Result<(), EncodeErrorKind> {
    let (decimal, text) = parse(value)?;
    // 38 digits fit i128; the range check below rejects what does not fit the width.
    let digits = decimal
        .to_digits(spec.digits.unwrap_or(38), spec.scale)
        .map_err(|limit| EncodeErrorKind::Overflow {
            value: text.to_owned(),
            limit,
        })?;
    let magnitude = digits
        .iter()
        .fold(0i128, |acc, d| acc * 10 + i128::from(d - b'0'));
    let scaled = if decimal.negative {
        -magnitude
    } else {
        magnitude
    };
    let bits = 8 * spec.len as u32;
    let (min, max) = if spec.signed {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    } else {
        (0, (1i128 << bits) - 1)
    };
    if scaled < min || scaled > max {
        let kind = if spec.signed {
            "a signed"
        } else {
            "an unsigned"
        };
        let limit = format!("{kind} {}-byte integer", spec.len);
        return Err(EncodeErrorKind::Overflow {
            value: text.to_owned(),
            limit,
        });
    }
    // Two's complement of the low `bits` bits.
    let raw = (scaled as u128 & ((1u128 << bits) - 1)) as u64;
    let be = &raw.to_be_bytes()[8 - spec.len..];
    match spec.endian {
        Endian::Big => out.extend_from_slice(be),
        Endian::Little => out.extend(be.iter().rev()),
    }
    Ok(())
}

/// The decimal in a JSON number or string; null is missing.
fn parse(value: Scalar<'_>) -> Result<(Decimal<'_>, &str), EncodeErrorKind> {
    if value.is_null() {
        return Err(EncodeErrorKind::Missing);
    }
    let text = text_of(value).ok_or_else(|| EncodeErrorKind::WrongType {
        expected: "a number",
        found: super::describe(value),
    })?;
    Ok((
        Decimal::parse(text).map_err(EncodeErrorKind::Invalid)?,
        text,
    ))
}
