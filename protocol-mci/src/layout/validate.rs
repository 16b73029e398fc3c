//! Validation of field lists: config → [`Field`], collecting every problem with its key path.

use std::collections::HashSet;

use super::config::{Align, Blank, FieldConfig, FieldType, GroupMode, NullFill, SignKind};
use super::field::{
    fields_fixed_len, Binary, DateSpec, DateToken, Field, Group, GroupCount, Kind, Packed, Text,
    Zoned,
};
use crate::charset::Charset;
use crate::error::LayoutProblem;

/// Collects problems while a layout is validated.
pub(crate) struct Problems {
    /// Everything found so far.
    pub list: Vec<LayoutProblem>,
    /// Charset of text fields that do not override it.
    pub charset: Charset,
}

impl Problems {
    /// Records one problem at `path`.
    pub fn add(&mut self, path: &str, message: impl Into<String>) {
        self.list.push(LayoutProblem {
            path: path.to_owned(),
            message: message.into(),
        });
    }
}

/// Where the prefix sits, so header offsets can skip it. Bodies pass `None`.
#[derive(Clone, Copy)]
pub(crate) struct PrefixSlot {
    /// Offset of the prefix in the frame.
    pub at: usize,
    /// Its width.
    pub width: usize,
}

/// Validates a field list. `start` is the offset of its first byte (frame coordinates for header
/// and bodies, 0 inside group elements); returns the fields and the end offset if fixed.
pub(crate) fn fields(
    configs: &[FieldConfig],
    path: &str,
    start: usize,
    prefix: Option<PrefixSlot>,
    problems: &mut Problems,
) -> (Vec<Field>, Option<usize>) {
    let mut out: Vec<Field> = Vec::with_capacity(configs.len());
    let mut seen = HashSet::new();
    let mut pos = Some(start);
    for config in configs {
        let here = format!("{path}.{}", config.name);
        if config.name.is_empty() {
            problems.add(path, "a field has an empty name");
        } else if !seen.insert(config.name.as_str()) {
            problems.add(&here, "duplicate field name");
        }
        if let (Some(p), Some(slot)) = (pos, prefix) {
            if p == slot.at {
                pos = Some(p + slot.width);
            }
        }
        if let (Some(declared), Some(actual)) = (config.offset, pos) {
            if declared != actual {
                problems.add(
                    &here,
                    format!("declared offset {declared}, the fields before it end at {actual}"),
                );
            }
        }
        let kind = kind(config, &here, &out, problems);
        if let (Some(p), Some(slot), Some(len)) = (pos, prefix, kind.fixed_len()) {
            if p < slot.at && p + len > slot.at {
                problems.add(
                    &here,
                    format!("bytes {p}..{} overlap the length prefix", p + len),
                );
            }
        }
        pos = match (pos, kind.fixed_len()) {
            (Some(p), Some(len)) => Some(p + len),
            _ => None,
        };
        if let (Kind::Group(group), index) = (&kind, out.len()) {
            if let GroupCount::Field(source) = group.count {
                out[source].count_of = Some(index);
            }
        }
        out.push(Field {
            name: config.name.clone(),
            kind,
            mask: config.mask,
            count_of: None,
        });
    }
    (out, pos)
}

/// Validates one field's type-specific keys.
fn kind(config: &FieldConfig, path: &str, siblings: &[Field], problems: &mut Problems) -> Kind {
    let Some(kind) = config.kind else {
        problems.add(path, "missing key `type`");
        return Kind::Filler { len: 0, pad: b' ' };
    };
    reject_foreign_keys(config, kind, path, problems);
    let length = |problems: &mut Problems| match config.length {
        Some(0) | None => {
            problems.add(path, "needs a `length` of at least 1 byte");
            1
        }
        Some(len) => len,
    };
    let pad = pad_byte(config.pad.as_deref(), path, problems);
    match kind {
        FieldType::Text => {
            let text = Text {
                len: length(problems),
                right: config.align == Some(Align::Right),
                pad: pad.unwrap_or(b' '),
                blank_null: config.blank == Some(Blank::Null),
                truncate: config.truncate.unwrap_or(false),
                charset: config.charset.unwrap_or(problems.charset),
            };
            // Stripping a trailing letter pad could cut the trail byte of a double-byte character.
            if text.charset == Charset::Cp949 && !text.right && text.pad.is_ascii_alphabetic() {
                problems.add(
                    path,
                    "a left-aligned cp949 text cannot be padded with a letter: \
                     cp949 trail bytes include A-Z and a-z",
                );
            }
            Kind::Text(text)
        }
        FieldType::Number => number(config, length(problems), path, problems),
        FieldType::Packed => {
            let len = length(problems);
            let scale = scale(config.scale, 2 * len - 1, path, problems);
            if len > 16 {
                problems.add(path, "packed decimals are limited to 16 bytes (31 digits)");
            }
            Kind::Packed(Packed {
                len,
                scale,
                signed: config.signed.unwrap_or(true),
            })
        }
        FieldType::Binary => {
            let len = length(problems);
            if ![1, 2, 4, 8].contains(&len) {
                problems.add(
                    path,
                    format!("binary length must be 1, 2, 4 or 8, found {len}"),
                );
            }
            Kind::Binary(Binary {
                len,
                scale: scale(config.scale, 18, path, problems),
                signed: config.signed.unwrap_or(false),
                endian: config.endian.unwrap_or_default(),
            })
        }
        FieldType::Date => date(config, path, problems),
        FieldType::Filler => Kind::Filler {
            len: length(problems),
            pad: pad.unwrap_or(b' '),
        },
        FieldType::Constant => {
            let Some(value) = config.value.as_deref().filter(|v| !v.is_empty()) else {
                problems.add(path, "a constant needs a non-empty `value`");
                return Kind::Constant(vec![b' ']);
            };
            let mut bytes = Vec::new();
            if problems.charset.encode_into(value, &mut bytes).is_err() {
                problems.add(path, "`value` cannot be written in the layout charset");
            }
            if config.length.is_some_and(|len| len != bytes.len()) {
                problems.add(
                    path,
                    format!("`length` differs from the {}-byte value", bytes.len()),
                );
            }
            Kind::Constant(bytes)
        }
        FieldType::Group => group(config, path, siblings, pad, problems),
    }
}

/// Zoned numbers: capacity, sign and point.
fn number(config: &FieldConfig, len: usize, path: &str, problems: &mut Problems) -> Kind {
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
fn scale(scale: Option<u32>, digits: usize, path: &str, problems: &mut Problems) -> u32 {
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

/// Date/time patterns with `yyyy MM dd HH mm ss SSS` and literal ASCII separators.
fn date(config: &FieldConfig, path: &str, problems: &mut Problems) -> Kind {
    let pattern = config.pattern.as_deref().unwrap_or("");
    let mut tokens = Vec::new();
    let mut rest = pattern;
    while !rest.is_empty() {
        let token = [
            ("yyyy", DateToken::Year),
            ("MM", DateToken::Month),
            ("dd", DateToken::Day),
            ("HH", DateToken::Hour),
            ("mm", DateToken::Minute),
            ("ss", DateToken::Second),
            ("SSS", DateToken::Millis),
        ]
        .into_iter()
        .find(|(text, _)| rest.starts_with(text));
        match token {
            Some((text, token)) => {
                tokens.push(token);
                rest = &rest[text.len()..];
            }
            None => {
                let c = rest.as_bytes()[0];
                if !c.is_ascii() || c.is_ascii_alphanumeric() {
                    problems.add(
                        path,
                        format!("pattern {pattern:?}: unknown token at {rest:?}"),
                    );
                    break;
                }
                tokens.push(DateToken::Literal(c));
                rest = &rest[1..];
            }
        }
    }
    let has = |t: DateToken| tokens.contains(&t);
    let date = [DateToken::Year, DateToken::Month, DateToken::Day].map(has);
    let time = [DateToken::Hour, DateToken::Minute, DateToken::Second].map(has);
    let complete = |parts: [bool; 3]| parts.iter().all(|p| *p) || !parts.iter().any(|p| *p);
    if !complete(date) || !complete(time) || (!date[0] && !time[0]) {
        problems.add(
            path,
            format!("pattern {pattern:?} needs yyyy+MM+dd, HH+mm+ss, or both (SSS optional)"),
        );
    }
    if has(DateToken::Millis) && !time[0] {
        problems.add(
            path,
            format!("pattern {pattern:?}: SSS needs HH, mm and ss"),
        );
    }
    let len = tokens.iter().map(|t| t.width()).sum();
    if config.length.is_some_and(|declared| declared != len) {
        problems.add(
            path,
            format!("`length` differs from the {len}-byte pattern"),
        );
    }
    let null_zero = config.null_fill == Some(NullFill::Zero);
    Kind::Date(DateSpec {
        len,
        tokens,
        null_zero,
    })
}

/// Groups: count source, maximum, mode, element.
fn group(
    config: &FieldConfig,
    path: &str,
    siblings: &[Field],
    pad: Option<u8>,
    problems: &mut Problems,
) -> Kind {
    let configs = config.fields.as_deref().unwrap_or(&[]);
    if configs.is_empty() {
        problems.add(path, "a group needs `fields`");
    }
    let (fields, element_len) = fields(configs, path, 0, None, problems);
    let (count, max) = match (&config.count, config.occurs) {
        (Some(name), None) => (count_source(name, siblings, path, problems), config.max),
        (None, Some(occurs)) => {
            if config.max.is_some_and(|max| max != occurs) {
                problems.add(path, "`max` differs from `occurs`");
            }
            (GroupCount::Fixed(occurs), Some(occurs))
        }
        _ => {
            problems.add(
                path,
                "a group needs exactly one of `count` (a field) or `occurs`",
            );
            (GroupCount::Fixed(0), Some(0))
        }
    };
    let max = max.unwrap_or_else(|| {
        problems.add(path, "a group with `count` needs `max`");
        0
    });
    let padded = config.mode != Some(GroupMode::Compact);
    if padded && element_len.is_none() {
        problems.add(
            path,
            "a padded group needs fixed-size elements (no compact groups inside)",
        );
    }
    if !padded && matches!(count, GroupCount::Fixed(_)) {
        problems.add(path, "a compact group needs a `count` field");
    }
    let element_len = fields_fixed_len(&fields).or(element_len);
    Kind::Group(Group {
        count,
        max,
        padded,
        pad: pad.unwrap_or(b' '),
        fields,
        element_len,
    })
}

/// The sibling holding a group's count: earlier, numeric, integral.
fn count_source(name: &str, siblings: &[Field], path: &str, problems: &mut Problems) -> GroupCount {
    let Some(index) = siblings.iter().position(|f| f.name == name) else {
        problems.add(
            path,
            format!("count field {name:?} is not an earlier field at this level"),
        );
        return GroupCount::Fixed(0);
    };
    let integral = match &siblings[index].kind {
        Kind::Number(n) => n.scale == 0 && n.sign == SignKind::None,
        Kind::Packed(p) => p.scale == 0,
        Kind::Binary(b) => b.scale == 0,
        _ => false,
    };
    if !integral {
        problems.add(
            path,
            format!("count field {name:?} must be an unsigned integer field"),
        );
    }
    if siblings[index].count_of.is_some() {
        problems.add(
            path,
            format!("count field {name:?} already counts another group"),
        );
    }
    GroupCount::Field(index)
}

/// A one-byte ASCII pad or sign character.
fn pad_byte(value: Option<&str>, path: &str, problems: &mut Problems) -> Option<u8> {
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
fn reject_foreign_keys(config: &FieldConfig, kind: FieldType, path: &str, problems: &mut Problems) {
    let set = [
        ("align", config.align.is_some()),
        ("pad", config.pad.is_some()),
        ("blank", config.blank.is_some()),
        ("truncate", config.truncate.is_some()),
        ("charset", config.charset.is_some()),
        ("scale", config.scale.is_some()),
        ("point", config.point.is_some()),
        ("sign", config.sign.is_some()),
        ("plus", config.plus.is_some()),
        ("signed", config.signed.is_some()),
        ("endian", config.endian.is_some()),
        ("pattern", config.pattern.is_some()),
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
            "align", "pad", "blank", "truncate", "charset", "mask", "length",
        ],
        FieldType::Number => &["scale", "point", "sign", "plus", "blank", "mask", "length"],
        FieldType::Packed => &["scale", "signed", "mask", "length"],
        FieldType::Binary => &["scale", "signed", "endian", "mask", "length"],
        FieldType::Date => &["pattern", "null_fill", "mask", "length"],
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
