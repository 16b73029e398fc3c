//! Keys that do not apply to a field's type, and one-character pad values.

use super::Problems;
use crate::layout::config::{FieldConfig, FieldType};

/// A one-byte ASCII pad or sign character.
pub(super) fn pad_byte(value: Option<&str>, path: &str, problems: &mut Problems) -> Option<u8> {
    let value = value?;
    match value.as_bytes() {
        [b] if b.is_ascii() => Some(*b),
        _ => {
            problems.add(
                path,
                format!("{value:?} must be exactly one ASCII character"),
            );
            None
        }
    }
}

/// Reports keys that are set but mean nothing for this type.
pub(super) fn reject_foreign_keys(
    config: &FieldConfig,
    kind: FieldType,
    path: &str,
    problems: &mut Problems,
) {
    let set = [
        ("align", config.align.is_some()),
        ("pad", config.pad.is_some()),
        ("blank", config.blank.is_some()),
        ("truncate", config.truncate.is_some()),
        ("charset", config.charset.is_some()),
        ("pad_edge", config.pad_edge.is_some()),
        ("scale", config.scale.is_some()),
        ("digits", config.digits.is_some()),
        ("point", config.point.is_some()),
        ("sign", config.sign.is_some()),
        ("punch", config.punch.is_some()),
        ("plus", config.plus.is_some()),
        ("signed", config.signed.is_some()),
        ("sign_nibbles", config.sign_nibbles.is_some()),
        ("negative_zero", config.negative_zero.is_some()),
        ("pivot", config.pivot.is_some()),
        ("endian", config.endian.is_some()),
        ("pattern", config.pattern.is_some()),
        ("null", config.null.is_some()),
        ("null_fill", config.null_fill.is_some()),
        ("value", config.value.is_some()),
        ("count", config.count.is_some()),
        ("occurs", config.occurs.is_some()),
        ("max", config.max.is_some()),
        ("mode", config.mode.is_some()),
        ("fields", config.fields.is_some()),
        ("mask", config.mask.is_some()),
        ("length", config.length.is_some()),
    ];
    let allowed: &[&str] = match kind {
        FieldType::Text => &[
            "align", "pad", "pad_edge", "blank", "truncate", "charset", "mask", "length",
        ],
        FieldType::Number => &[
            "scale",
            "digits",
            "point",
            "sign",
            "punch",
            "plus",
            "negative_zero",
            "blank",
            "mask",
            "length",
        ],
        FieldType::Packed => &[
            "scale",
            "digits",
            "signed",
            "sign_nibbles",
            "negative_zero",
            "mask",
            "length",
        ],
        FieldType::Binary => &["scale", "digits", "signed", "endian", "mask", "length"],
        FieldType::Date => &["pattern", "pivot", "null", "null_fill", "mask", "length"],
        FieldType::Filler => &["pad", "length"],
        FieldType::Constant => &["value", "length"],
        FieldType::Group => &["count", "occurs", "max", "mode", "fields", "pad"],
    };
    for (key, _) in set
        .iter()
        .filter(|(key, is_set)| *is_set && !allowed.contains(key))
    {
        let kind = format!("{kind:?}").to_lowercase();
        problems.add(
            path,
            format!("key `{key}` does not apply to a {kind} field"),
        );
    }
}
