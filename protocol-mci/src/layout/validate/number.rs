//! Numbers: zoned, packed and binary capacity, declared digit counts and decimal places.

use super::keys::pad_byte;
use super::Problems;
use crate::layout::config::{Blank, FieldConfig, NegativeZero, SignKind};
use crate::layout::field::{Binary, Kind, Packed, Zoned};

/// Zoned numbers: capacity, sign and point.
pub(super) fn number(
    config: &FieldConfig,
    len: usize,
    path: &str,
    problems: &mut Problems,
) -> Kind {
    let sign = config.sign.unwrap_or(SignKind::None);
    let plus = match (sign, pad_byte(config.plus.as_deref(), path, problems)) {
        (SignKind::Leading | SignKind::Trailing, Some(b'-')) => {
            problems.add(path, "`plus` cannot be '-'");
            b'+'
        }
        (SignKind::Leading | SignKind::Trailing, plus) => plus.unwrap_or(b'+'),
        (_, Some(_)) => {
            problems.add(
                path,
                "`plus` applies only to sign = \"leading\" or \"trailing\"",
            );
            b'+'
        }
        (_, None) => b'+',
    };
    let overpunch = matches!(sign, SignKind::Overpunch | SignKind::OverpunchLeading);
    if config.punch.is_some() && !overpunch {
        problems.add(
            path,
            "`punch` applies only to sign = \"overpunch\" or \"overpunch_leading\"",
        );
    }
    let point = config.point.unwrap_or(false);
    let mut zoned = Zoned {
        len,
        scale: 0,
        point,
        sign,
        punch: config.punch.unwrap_or_default(),
        plus,
        blank_null: config.blank == Some(Blank::Null),
        negative_zero: negative_zero(config, sign != SignKind::None, path, problems),
    };
    if config.blank == Some(Blank::Empty) {
        problems.add(
            path,
            "a number cannot be blank = \"empty\"; use \"null\" or \"error\"",
        );
    }
    let separate = matches!(sign, SignKind::Leading | SignKind::Trailing);
    if len <= usize::from(separate) + usize::from(point) {
        problems.add(path, format!("{len} bytes leave no room for digits"));
        return Kind::Number(zoned);
    }
    zoned.scale = scale(config.scale, zoned.digits(), path, problems);
    if point && (zoned.scale < 1 || zoned.scale as usize > zoned.digits()) {
        problems.add(
            path,
            format!(
                "`point = true` needs a `scale` from 1 to the {} digits, found {}",
                zoned.digits(),
                zoned.scale
            ),
        );
    }
    if point && sign == SignKind::OverpunchLeading && zoned.scale as usize == zoned.digits() {
        problems.add(
            path,
            "sign = \"overpunch_leading\" needs an integer digit before the point",
        );
    }
    // More than 38 digits: `scale` above has said so.
    // A zoned field's digits are its digit positions; a declared count only confirms them.
    if let Some(digits) = config.digits.filter(|&d| d != zoned.digits()) {
        problems.add(
            path,
            format!(
                "expected `digits` {} (the digit positions of {len} bytes), found {digits}",
                zoned.digits()
            ),
        );
    }
    Kind::Number(zoned)
}

/// Packed decimals: `len` bytes hold `2 * len - 1` digits, or one fewer declared with
/// `digits` (an even COBOL count: the first nibble is a pad that must be 0).
pub(super) fn packed(
    config: &FieldConfig,
    len: usize,
    path: &str,
    problems: &mut Problems,
) -> Kind {
    if len > 16 {
        problems.add(
            path,
            format!("expected a packed decimal of at most 16 bytes (31 digits), found {len} bytes"),
        );
    }
    let capacity = 2 * len - 1;
    let digits = match config.digits {
        None => capacity,
        Some(d) if d == capacity || (d + 1 == capacity && d > 0) => d,
        Some(d) => {
            let bytes = d / 2 + 1;
            problems.add(
                path,
                format!(
                    "expected `digits` {} or {capacity} for {len} bytes, found {d} \
                     ({d} digits take {bytes} bytes)",
                    capacity - 1
                ),
            );
            capacity
        }
    };
    let signed = config.signed.unwrap_or(true);
    Kind::Packed(Packed {
        len,
        digits,
        // Too long already said: a scale problem of its digits would only repeat it.
        scale: match len {
            0..=16 => scale(config.scale, digits, path, problems),
            _ => config.scale.unwrap_or(0),
        },
        signed,
        sign_nibbles: config.sign_nibbles.unwrap_or_default(),
        negative_zero: negative_zero(config, signed, path, problems),
    })
}

/// Binary integers: 1, 2, 4 or 8 bytes; a declared `digits` (COBOL `COMP PIC S9(4)`) bounds
/// the value below what the width holds.
pub(super) fn binary(
    config: &FieldConfig,
    len: usize,
    path: &str,
    problems: &mut Problems,
) -> Kind {
    if ![1, 2, 4, 8].contains(&len) {
        problems.add(
            path,
            format!("binary length must be 1, 2, 4 or 8, found {len}"),
        );
    }
    let signed = config.signed.unwrap_or(false);
    // Every value of this many digits fits the width.
    let fits = match (len, signed) {
        (1, _) => 2,
        (2, _) => 4,
        (4, _) => 9,
        (_, true) => 18,
        (_, false) => 19,
    };
    let digits = match config.digits {
        Some(d) if d == 0 || d > fits => {
            problems.add(
                path,
                format!("expected `digits` from 1 to {fits} for {len} bytes, found {d}"),
            );
            None
        }
        declared => declared,
    };
    Kind::Binary(Binary {
        len,
        digits,
        // Undeclared, the stored integer has up to 20 digits (u64).
        scale: scale(config.scale, digits.unwrap_or(20), path, problems),
        signed,
        endian: config.endian.unwrap_or_default(),
    })
}

/// Decimal places: the value is the stored digits × 10^-scale. A negative scale is COBOL `P`
/// after the digits (`PIC S999PP`: -2), one above the digit count `P` before them (`PIC
/// SVPPP999`: 6). Written out, a value keeps within 38 digits.
pub(super) fn scale(scale: Option<i32>, digits: usize, path: &str, problems: &mut Problems) -> i32 {
    let scale = scale.unwrap_or(0);
    let written = match scale {
        s if s < 0 => digits + s.unsigned_abs() as usize,
        s => digits.max(s.unsigned_abs() as usize),
    };
    if digits > 38 {
        // No scale helps: the digits alone are too many.
        problems.add(path, format!("expected at most 38 digits, found {digits}"));
        return 0;
    }
    if written > 38 {
        let low = match 38 - digits {
            0 => "0".to_owned(),
            low => format!("-{low}"),
        };
        problems.add(
            path,
            format!("expected a `scale` from {low} to 38 for {digits} digits, found {scale}"),
        );
        return 0;
    }
    scale
}

/// The negative-zero rule; it applies only to numbers that carry a sign.
fn negative_zero(
    config: &FieldConfig,
    signed: bool,
    path: &str,
    problems: &mut Problems,
) -> NegativeZero {
    if config.negative_zero.is_some() && !signed {
        problems.add(
            path,
            "`negative_zero` applies only to signed numbers (a sign, or signed = true)",
        );
    }
    config.negative_zero.unwrap_or_default()
}
