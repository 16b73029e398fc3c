//! Date/time fields: a pattern on the wire, ISO 8601 text in JSON (`2026-11-21`, `14:03:05`,
//! `2026-11-21T14:03:05.123`) with exactly the pattern's components: `2026-11` (`yyyyMM`),
//! `21:58` (`HHmm`), and without a year the ISO 8601:2000 month-day `--11-29` (`MMdd`,
//! `--11-29T21:58:00` for `MMddHHmmss`), which `java.time.MonthDay.parse` reads. A two-digit
//! year is written out in full through the field's pivot year (`yyMMdd` → `2026-11-29`). Which wire values are null is the field's `null` rule: blank,
//! all-zero digits, either, or never; anything else is a value (`000000` in `HHmmss` is midnight).

use super::decimal::{write_padded, ByteText};
use super::iso::{example, window, DateParts};
use crate::error::{DecodeErrorKind, EncodeErrorKind};
use crate::json::Scalar;
use crate::layout::field::{DateSpec, DateToken};

/// Decodes a date field into its parts (`None` for null); `start` is its offset in the frame.
pub(crate) fn decode(
    spec: &DateSpec,
    bytes: &[u8],
    start: usize,
) -> Result<Option<DateParts>, DecodeErrorKind> {
    if spec.null_blank && bytes.iter().all(|&b| b == b' ') {
        return Ok(None);
    }
    let mut parts = DateParts::new(spec);
    let mut at = 0;
    let mut all_zero = true;
    for token in &spec.tokens {
        let width = token.width();
        let field = &bytes[at..at + width];
        if let DateToken::Literal(c) = token {
            if field[0] != *c {
                let found = field[0];
                return Err(DecodeErrorKind::UnexpectedByte {
                    expected: "date separator",
                    found,
                    offset: start + at,
                });
            }
        } else {
            let mut value = 0u32;
            for (i, &b) in field.iter().enumerate() {
                if !b.is_ascii_digit() {
                    let offset = start + at + i;
                    return Err(DecodeErrorKind::UnexpectedByte {
                        expected: "digits",
                        found: b,
                        offset,
                    });
                }
                value = value * 10 + u32::from(b - b'0');
            }
            all_zero &= value == 0;
            let value = match (token, spec.pivot) {
                (DateToken::ShortYear, Some(pivot)) => window(pivot, value),
                _ => value,
            };
            parts.set(*token, value);
        }
        at += width;
    }
    if all_zero && spec.null_zeros {
        return Ok(None);
    }
    parts.check().map_err(DecodeErrorKind::OutOfRange)?;
    Ok(Some(parts))
}

/// Encodes a date field from ISO text; null writes spaces or zeros as configured. A value that
/// would be written as this field's null is refused rather than silently turned into null.
pub(crate) fn encode(
    spec: &DateSpec,
    value: Scalar<'_>,
    out: &mut Vec<u8>,
) -> Result<(), EncodeErrorKind> {
    let text = match value {
        Scalar::Null if !spec.null_blank && !spec.null_zeros => {
            return Err(EncodeErrorKind::WrongType {
                expected: "a date/time (this field has null = \"never\")",
                found: "null".to_owned(),
            })
        }
        Scalar::Null => {
            for token in &spec.tokens {
                match (token, spec.null_zero) {
                    (DateToken::Literal(c), true) => out.push(*c),
                    (_, true) => out.resize(out.len() + token.width(), b'0'),
                    (_, false) => out.resize(out.len() + token.width(), b' '),
                }
            }
            return Ok(());
        }
        Scalar::String(s) => s,
        other => {
            return Err(EncodeErrorKind::WrongType {
                expected: "an ISO date/time string",
                found: super::describe(other),
            })
        }
    };
    let parts = DateParts::parse_iso(text, spec).ok_or_else(|| {
        EncodeErrorKind::Invalid(format!("expected {}, found {text:?}", example(spec)))
    })?;
    parts.check().map_err(EncodeErrorKind::Invalid)?;
    if let Some(pivot) = spec.pivot.filter(|&p| !(p..p + 100).contains(&parts.year)) {
        return Err(EncodeErrorKind::Invalid(format!(
            "expected a year from {pivot} to {} (yy with pivot {pivot}), found {}",
            pivot + 99,
            parts.year
        )));
    }
    if spec.null_zeros && parts.is_zero() {
        return Err(EncodeErrorKind::Invalid(format!(
            "expected a value other than {text}: it is written as zeros, which this field reads \
             as null (null = \"zeros\")"
        )));
    }
    for token in &spec.tokens {
        match token {
            DateToken::Literal(c) => out.push(*c),
            other => {
                let width = other.width();
                let value = parts.get(*other) % 10u32.pow(width as u32);
                // Writing into a Vec cannot fail.
                let _ = write_padded(&mut ByteText(out), value, width);
            }
        }
    }
    Ok(())
}
