//! Zoned numbers and decimal places.

use super::keys::pad_byte;
use super::Problems;
use crate::layout::config::{Blank, FieldConfig, SignKind};
use crate::layout::field::{Kind, Zoned};

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
    let point = config.point.unwrap_or(false);
    let mut zoned = Zoned {
        len,
        scale: 0,
        point,
        sign,
        plus,
        blank_null: config.blank == Some(Blank::Null),
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
    if point && zoned.scale == 0 {
        problems.add(path, "`point = true` needs a `scale` of at least 1");
    }
    if point && sign == SignKind::OverpunchLeading && zoned.scale as usize == zoned.digits() {
        problems.add(
            path,
            "sign = \"overpunch_leading\" needs an integer digit before the point",
        );
    }
    if zoned.digits() > 38 {
        problems.add(path, "numbers are limited to 38 digits");
    }
    Kind::Number(zoned)
}

/// Decimal places, at most `digits`.
pub(super) fn scale(scale: Option<u32>, digits: usize, path: &str, problems: &mut Problems) -> u32 {
    let scale = scale.unwrap_or(0);
    if scale as usize > digits {
        problems.add(
            path,
            format!("scale {scale} exceeds the {digits} digits of the field"),
        );
        return 0;
    }
    scale
}
