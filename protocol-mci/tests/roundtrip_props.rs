//! Property tests of the codec and the framer: round trips both ways, no panic on any input, and
//! framing that survives any split of the stream, for every field type and framing variant.
//!
//! One test layout exercises every field type (TOML below, with the framing left open); it is
//! loaded under each framing variant that matters. Messages are generated field by field
//! with exact decimal text (never `f64`): numbers carry exactly `scale` fraction digits, as the
//! codec decodes them, and fit their field's capacity.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::LazyLock;

use bytes::BytesMut;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use protocol_mci::charset::{Charset, Unmappable};
use protocol_mci::layout::field::fields_fixed_len;
use protocol_mci::{BesideView, Direction, Layout, Message, MessageView};
use serde_json::{Map, Number, Value};
use tokio_util::codec::Decoder;

/// Header and messages; `{framing}` and `{messages}` are filled in per variant. The prefix sits
/// before `sys` (offset 0) or right after it (offset 4).
const LAYOUT: &str = r#"
name = "all-types"
charset = "cp949"

[framing]
{framing}

[header]
discriminator = "tx_code"
flag_field = "rr_flag"
request_flag = "S"
response_flag = "R"
result_field = "resp_code"
ok_results = ["0000"]
fields = [
  { name = "sys", type = "text", length = 4 },
  { name = "tx_code", type = "text", length = 8 },
  { name = "rr_flag", type = "text", length = 1 },
  { name = "resp_code", type = "text", length = 4, blank = "empty" },
  { name = "sent_at", type = "date", pattern = "yyyyMMddHHmmssSSS" },
  { name = "hdr_fill", type = "filler", length = 5 },
]

{messages}
"#;

/// Every fixed-size field type, including a padded group with nested groups (one with a count
/// field, one with `occurs`). Shared by every message that carries "all types".
const FIXED_FIELDS: &str = r##"
  { name = "name_l", type = "text", length = 12 },
  { name = "name_r", type = "text", length = 10, align = "right" },
  { name = "code_r", type = "text", length = 8, align = "right", pad = "0" },
  { name = "note", type = "text", length = 6, pad = "_", blank = "null" },
  { name = "utf8", type = "text", length = 9, charset = "utf-8" },
  { name = "memo", type = "text", length = 7, truncate = true },
  { name = "amount", type = "number", length = 15 },
  { name = "rate", type = "number", length = 6, scale = 3 },
  { name = "ratio", type = "number", length = 8, scale = 4, point = true },
  { name = "lead", type = "number", length = 10, scale = 2, sign = "leading" },
  { name = "trail", type = "number", length = 9, scale = 2, sign = "trailing", plus = " " },
  { name = "punch", type = "number", length = 7, scale = 2, sign = "overpunch" },
  { name = "punch_lead", type = "number", length = 7, sign = "overpunch_leading" },
  { name = "punch_mf", type = "number", length = 7, scale = 2, sign = "overpunch", punch = "ascii" },
  { name = "pt_lead", type = "number", length = 8, scale = 2, point = true, sign = "leading" },
  { name = "pt_punch", type = "number", length = 6, scale = 2, point = true, sign = "overpunch" },
  { name = "pt_plead", type = "number", length = 7, scale = 2, point = true, sign = "overpunch_leading" },
  { name = "frac_only", type = "number", length = 4, scale = 3, point = true },
  { name = "opt_num", type = "number", length = 5, blank = "null" },
  { name = "pk_s", type = "packed", length = 6, scale = 2 },
  { name = "pk_u", type = "packed", length = 4, signed = false },
  { name = "pk_1", type = "packed", length = 1, scale = 1 },
  { name = "pk_even", type = "packed", length = 6, digits = 10, scale = 2 },
  { name = "b2_pic4", type = "binary", length = 2, digits = 4, signed = true },
  { name = "b1", type = "binary", length = 1 },
  { name = "b1s", type = "binary", length = 1, signed = true },
  { name = "b2", type = "binary", length = 2, endian = "little" },
  { name = "b2s", type = "binary", length = 2, signed = true, scale = 1 },
  { name = "b4", type = "binary", length = 4, scale = 2 },
  { name = "b4s", type = "binary", length = 4, signed = true, endian = "little" },
  { name = "b8", type = "binary", length = 8 },
  { name = "b8s", type = "binary", length = 8, signed = true, endian = "little", scale = 4 },
  { name = "p_after", type = "number", length = 3, digits = 3, scale = -2, sign = "overpunch" },
  { name = "p_before", type = "number", length = 4, digits = 3, scale = 6, sign = "trailing" },
  { name = "pk_p", type = "packed", length = 3, digits = 5, scale = -3 },
  { name = "pk_pv", type = "packed", length = 2, digits = 2, scale = 4, signed = false },
  { name = "b2_p", type = "binary", length = 2, digits = 4, scale = -2, signed = true },
  { name = "pk_lenient", type = "packed", length = 3, scale = 1, sign_nibbles = "lenient" },
  { name = "nz_pos", type = "number", length = 4, scale = 1, sign = "overpunch", negative_zero = "positive" },
  { name = "pk_nz_pos", type = "packed", length = 2, negative_zero = "positive" },
  { name = "d", type = "date", pattern = "yyyyMMdd" },
  { name = "t", type = "date", pattern = "HHmmss" },
  { name = "t_z", type = "date", pattern = "HHmmss", null = "zeros" },
  { name = "t_never", type = "date", pattern = "HH:mm:ss", null = "never" },
  { name = "dt", type = "date", pattern = "yyyyMMddHHmmssSSS" },
  { name = "d_sep", type = "date", pattern = "yyyy-MM-dd HH:mm:ss", null_fill = "zero" },
  { name = "md_time", type = "date", pattern = "MMddHHmmss" },
  { name = "yymmdd", type = "date", pattern = "yyMMdd", pivot = 1950 },
  { name = "hhmm", type = "date", pattern = "HHmm" },
  { name = "yy_mm", type = "date", pattern = "yy/MM", pivot = 2000, null = "never" },
  { name = "fill", type = "filler", length = 3, pad = "#" },
  { name = "magic", type = "constant", value = "MCI" },
  { name = "loan_cnt", type = "number", length = 2 },
  { name = "loans", type = "group", count = "loan_cnt", max = 3, pad = "~", fields = [
    { name = "lender", type = "text", length = 10 },
    { name = "balance", type = "packed", length = 8 },
    { name = "rate", type = "number", length = 6, scale = 3 },
    { name = "sched", type = "group", occurs = 2, fields = [
      { name = "due", type = "date", pattern = "yyyyMMdd" },
      { name = "amt", type = "number", length = 9, sign = "trailing" },
    ] },
    { name = "tag_cnt", type = "binary", length = 1 },
    { name = "tags", type = "group", count = "tag_cnt", max = 2, fields = [
      { name = "tag", type = "text", length = 3 },
    ] },
  ] },
"##;

/// Messages of the variable-size variants: every type, a compact group, an error body.
const VARIABLE_MESSAGES: &str = r#"
[messages.ALLTYPE1]
request = [ {fixed}
  { name = "item_cnt", type = "packed", length = 2, signed = false },
  { name = "items", type = "group", count = "item_cnt", mode = "compact", max = 4, fields = [
    { name = "sku", type = "text", length = 6 },
    { name = "qty", type = "number", length = 3 },
    { name = "opt_cnt", type = "number", length = 1 },
    { name = "opts", type = "group", count = "opt_cnt", mode = "compact", max = 2, fields = [
      { name = "opt", type = "text", length = 4 },
    ] },
  ] },
  { name = "tail", type = "text", length = 4, align = "right" },
]
response = [ {fixed}
  { name = "item_cnt", type = "packed", length = 2, signed = false },
  { name = "items", type = "group", count = "item_cnt", mode = "compact", max = 4, fields = [
    { name = "sku", type = "text", length = 6 },
    { name = "qty", type = "number", length = 3 },
    { name = "opt_cnt", type = "number", length = 1 },
    { name = "opts", type = "group", count = "opt_cnt", mode = "compact", max = 2, fields = [
      { name = "opt", type = "text", length = 4 },
    ] },
  ] },
  { name = "tail", type = "text", length = 4, align = "right" },
]
error = [
  { name = "error_message", type = "text", length = 40 },
  { name = "error_at", type = "date", pattern = "yyyyMMdd", null_fill = "zero" },
]

[messages.SMALL001]
request = [ { name = "ref", type = "text", length = 10 } ]
response = [ { name = "ok", type = "text", length = 1 } ]

[messages.STRUCT01]
request = [ {struct} ]
response = [ {struct} ]
"#;

/// Redefines areas (with a selector, in groups, and the base view without one) and padded groups
/// whose unused elements are typed and checked, or pad and checked. Its own messages (`STRUCT01`,
/// `FIXSTRC1`) so that the other messages stay as they are.
const STRUCT_FIELDS: &str = r#"
  { name = "kind", type = "text", length = 1 },
  { name = "detail", type = "redefines", selector = "kind", length = 24, pad = "*", alternatives = [
    { name = "card", when = ["C"], fields = [
      { name = "card_no", type = "text", length = 16 },
      { name = "exp", type = "date", pattern = "yyyyMMdd" },
    ] },
    { name = "loan", when = ["L", "M"], fields = [
      { name = "amount", type = "packed", length = 6, digits = 10, scale = 2 },
      { name = "months", type = "number", length = 3 },
      { name = "rate", type = "number", length = 6, scale = 3, sign = "overpunch" },
      { name = "flags", type = "group", occurs = 2, fields = [ { name = "f", type = "text", length = 1 } ] },
    ] },
    { name = "none", when = [""], fields = [ { name = "note", type = "text", length = 5, pad = "_" } ] },
  ] },
  { name = "base", type = "redefines", alternatives = [
    { name = "raw", fields = [ { name = "text", type = "text", length = 12 } ] },
    { name = "split", fields = [
      { name = "head", type = "text", length = 4 },
      { name = "num", type = "number", length = 8 },
    ] },
  ] },
  { name = "slot_cnt", type = "binary", length = 1 },
  { name = "slots", type = "group", count = "slot_cnt", max = 3, unused = "typed", unused_check = "exact", fields = [
    { name = "code", type = "text", length = 3 },
    { name = "amt", type = "number", length = 7, scale = 2, sign = "overpunch" },
    { name = "fee", type = "number", length = 5, sign = "leading" },
    { name = "pk", type = "packed", length = 3 },
    { name = "bin", type = "binary", length = 2, signed = true },
    { name = "due", type = "date", pattern = "yyyyMMdd" },
    { name = "at", type = "date", pattern = "HHmmss" },
    { name = "gap", type = "filler", length = 2 },
    { name = "k", type = "text", length = 1 },
    { name = "alt", type = "redefines", selector = "k", alternatives = [
      { name = "x", when = ["X"], fields = [ { name = "xv", type = "number", length = 4 } ] },
      { name = "y", when = ["Y"], fields = [ { name = "yv", type = "text", length = 2 } ] },
    ] },
    { name = "sub_cnt", type = "number", length = 1 },
    { name = "subs", type = "group", count = "sub_cnt", max = 2, pad = "~", unused_check = "exact", fields = [
      { name = "s", type = "text", length = 2 },
    ] },
  ] },
  { name = "tag_cnt", type = "number", length = 1 },
  { name = "tags", type = "group", count = "tag_cnt", max = 2, pad = "~", unused_check = "exact", fields = [
    { name = "tag", type = "text", length = 3 },
  ] },
"#;

/// Compact groups (OCCURS DEPENDING ON) and a field after them: the variable part of a body.
const COMPACT_FIELDS: &str = r#"
  { name = "item_cnt", type = "packed", length = 2, signed = false },
  { name = "items", type = "group", count = "item_cnt", mode = "compact", max = 4, fields = [
    { name = "sku", type = "text", length = 6 },
    { name = "qty", type = "number", length = 3 },
    { name = "opt_cnt", type = "number", length = 1 },
    { name = "opts", type = "group", count = "opt_cnt", mode = "compact", max = 2, fields = [
      { name = "opt", type = "text", length = 4 },
    ] },
  ] },
  { name = "tail", type = "text", length = 4, align = "right" },
"#;

/// The messages of the fixed-size variant: `FIXTYPE1` fills the record; `FIXCOMP1` holds compact
/// groups (OCCURS DEPENDING ON) and is padded with spaces up to the record size.
const FIXED_MESSAGES: &str = r#"
[messages.FIXTYPE1]
request = [ {fixed} ]
response = [ {fixed} ]

[messages.FIXCOMP1]
request = [ {compact} ]
response = [ {compact} ]

[messages.FIXSTRC1]
request = [ {struct} {compact} ]
response = [ {struct} {compact} ]
"#;

/// Framing variants. `{size}` is the fixed frame size, computed from the fields.
const FRAMINGS: &[(&str, &str)] = &[
    (
        "ascii8-frame-trailer",
        r#"prefix = "ascii"
prefix_length = 8
counts = "frame"
trailer = "@@"
max_frame = 4096"#,
    ),
    (
        "ascii6-after-prefix",
        r#"prefix = "ascii"
prefix_length = 6
counts = "after_prefix"
max_frame = 4096"#,
    ),
    (
        "ascii4-after-prefix-adjusted-uncounted-trailer",
        r#"prefix = "ascii"
prefix_length = 4
counts = "after_prefix"
adjust = 10
trailer = "@@"
trailer_counted = false
max_frame = 4096"#,
    ),
    (
        "binary4-little-endian",
        r#"prefix = "binary"
prefix_length = 4
endian = "little"
counts = "after_prefix"
max_frame = 4096"#,
    ),
    (
        "binary2-big-endian-etx",
        r#"prefix = "binary"
prefix_length = 2
endian = "big"
counts = "frame"
trailer = "\u0003"
max_frame = 4096"#,
    ),
    (
        "ascii5-at-offset-4",
        r#"prefix = "ascii"
prefix_length = 5
prefix_offset = 4
counts = "frame"
trailer = "@@"
max_frame = 4096"#,
    ),
    (
        "fixed-size",
        r#"prefix = "none"
size = {size}
max_frame = 4096"#,
    ),
];

/// One layout under one framing.
struct Variant {
    name: &'static str,
    layout: Layout,
    /// Fixed-size frames: only `FIXTYPE1`, `FIXCOMP1` and `FIXSTRC1`.
    fixed: bool,
}

static VARIANTS: LazyLock<Vec<Variant>> = LazyLock::new(|| {
    let fixed_size = fixed_frame_size();
    FRAMINGS
        .iter()
        .map(|(name, framing)| {
            let fixed = framing.contains("\"none\"");
            let messages = if fixed {
                FIXED_MESSAGES
            } else {
                VARIABLE_MESSAGES
            };
            let framing = framing.replace("{size}", &fixed_size.to_string());
            Variant {
                name,
                layout: load(&framing, messages),
                fixed,
            }
        })
        .collect()
});

fn load(framing: &str, messages: &str) -> Layout {
    let text = layout_text(framing, messages);
    Layout::from_toml(&text, "all-types.toml", "all-types").unwrap_or_else(|e| panic!("{e}"))
}

fn layout_text(framing: &str, messages: &str) -> String {
    let messages = messages
        .replace("{fixed}", FIXED_FIELDS)
        .replace("{compact}", COMPACT_FIELDS)
        .replace("{struct}", STRUCT_FIELDS);
    LAYOUT
        .replace("{framing}", framing)
        .replace("{messages}", &messages)
}

/// Fields marked `mask` in [`MASKED_VARIANTS`]: every kind on text (ASCII, Hangul, padded,
/// nullable), numbers (nullable, negative, packed), dates, header fields, fields in groups and
/// redefines views, and the error body.
const MASKS: &[(&str, &str)] = &[
    ("sys", "full"),
    ("name_l", "name"),
    ("name_r", "account"),
    ("note", "name"),
    ("utf8", "name"),
    ("amount", "account"),
    ("opt_num", "full"),
    ("lead", "rrn"),
    ("pk_s", "account"),
    ("d", "rrn"),
    ("dt", "account"),
    ("lender", "name"),
    ("card_no", "account"),
    ("amt", "account"),
    ("tail", "name"),
    ("error_message", "name"),
    ("ref", "rrn"),
];

/// [`VARIANTS`]' layouts with [`MASKS`]: the same frames, sensitive fields marked.
static MASKED_VARIANTS: LazyLock<Vec<Layout>> = LazyLock::new(|| {
    VARIANTS
        .iter()
        .zip(FRAMINGS)
        .map(|(variant, (_, framing))| {
            let messages = match variant.fixed {
                true => FIXED_MESSAGES,
                false => VARIABLE_MESSAGES,
            };
            let framing = framing.replace("{size}", &fixed_frame_size().to_string());
            let mut text = layout_text(&framing, messages);
            for (name, kind) in MASKS {
                let field = format!("{{ name = \"{name}\", ");
                // The variable messages hold every field; the fixed ones only some.
                assert!(variant.fixed || text.contains(&field), "{name}");
                text = text.replace(&field, &format!("{field}mask = \"{kind}\", "));
            }
            Layout::from_toml(&text, "all-types.toml", "masked").unwrap_or_else(|e| panic!("{e}"))
        })
        .collect()
});

/// Header (without prefix) plus the fixed body, measured under a throw-away ascii framing.
fn fixed_frame_size() -> usize {
    let probe = load(FRAMINGS[1].1, FIXED_MESSAGES);
    let body = fields_fixed_len(&probe.message("FIXTYPE1").unwrap().request).unwrap();
    probe.header_len - probe.framing.prefix_width() + body
}

// ---------------------------------------------------------------------------------------------
// Generators of canonical values: exactly what decoding yields.

type Gen = BoxedStrategy<Value>;

/// Hangul syllables: KS X 1001 ones and CP949 extension ones (trail bytes 0x41..0x7A).
const HANGUL: &[char] = &[
    '가', '나', '다', '홍', '길', '동', '국', '민', '은', '행', '한', '도', '힣', '똠', '갂', '뷁',
];
/// ASCII including every pad byte the layout uses, so pads also occur inside values.
const ASCII: &[char] = &[
    'A', 'Z', 'a', 'z', '0', '1', '9', ' ', '-', '_', '.', '*', '/', '@',
];

/// Text that fits `len` bytes and survives the pad stripping of its alignment.
fn text(len: usize, pad: char, right: bool, blank_null: bool, utf8: bool) -> Gen {
    let ch = prop_oneof![select(HANGUL), select(ASCII)];
    proptest::collection::vec(ch, 0..=len)
        .prop_map(move |chars| {
            let mut used = 0;
            let mut out = String::new();
            for c in chars {
                let width = match (c.is_ascii(), utf8) {
                    (true, _) => 1,
                    (false, true) => c.len_utf8(),
                    (false, false) => 2,
                };
                if used + width > len {
                    break;
                }
                used += width;
                out.push(c);
            }
            let out = if right {
                out.trim_start_matches(pad)
            } else {
                out.trim_end_matches(pad)
            };
            match (out.is_empty(), blank_null) {
                (true, true) => Value::Null,
                _ => Value::String(out.to_owned()),
            }
        })
        .boxed()
}

/// A left-aligned, space-padded CP949 text field.
fn plain(len: usize) -> Gen {
    text(len, ' ', false, false, false)
}

/// A JSON number from exact decimal text.
fn number(text: &str) -> Value {
    Value::Number(text.parse::<Number>().unwrap())
}

/// Decimal text with up to `int_digits` integer digits and exactly `scale` fraction digits; a
/// signed one may be a negative zero (`-0.00`), which signed zoned and packed fields keep.
fn decimal(int_digits: usize, scale: usize, signed: bool) -> Gen {
    let int = proptest::collection::vec(0..10u8, 0..=int_digits);
    let frac = proptest::collection::vec(0..10u8, scale);
    (int, frac, any::<bool>())
        .prop_map(move |(int, frac, negative)| {
            let digit = |d: &u8| char::from(b'0' + d);
            let int: String = int.iter().map(digit).collect();
            let int = int.trim_start_matches('0');
            let mut out = String::new();
            if signed && negative {
                out.push('-');
            }
            out.push_str(if int.is_empty() { "0" } else { int });
            if scale > 0 {
                out.push('.');
                out.extend(frac.iter().map(digit));
            }
            number(&out)
        })
        .boxed()
}

/// An integer with `scale` implied decimals, as the decimal text the codec writes.
fn scaled(value: i128, scale: usize) -> Value {
    let digits = format!("{:0>width$}", value.unsigned_abs(), width = scale + 1);
    let (int, frac) = digits.split_at(digits.len() - scale);
    let sign = if value < 0 { "-" } else { "" };
    match scale {
        0 => number(&format!("{sign}{int}")),
        _ => number(&format!("{sign}{int}.{frac}")),
    }
}

/// A number declared as COBOL does: a stored integer of up to `digits` digits times
/// 10^-`scale` (a negative scale is `P` after the digits), as the text the codec decodes it
/// to; `minus_zero` also draws the `-0` a field that keeps negative zeros decodes.
fn pic(digits: u32, scale: i32, signed: bool, minus_zero: bool) -> Gen {
    let max = 10i128.pow(digits) - 1;
    (0..=max, any::<bool>())
        .prop_map(move |(magnitude, negative)| {
            let negative = signed && negative;
            let text = match scale {
                s if s >= 0 => scaled(magnitude, s as usize).to_string(),
                _ if magnitude == 0 => "0".to_owned(),
                s => format!("{magnitude}{}", "0".repeat(s.unsigned_abs() as usize)),
            };
            match (negative, magnitude == 0 && !minus_zero) {
                (true, false) => number(&format!("-{text}")),
                _ => number(&text),
            }
        })
        .boxed()
}

/// A binary integer of `len` bytes.
fn binary(len: usize, signed: bool, scale: usize) -> Gen {
    let bits = 8 * len as u32;
    let range = if signed {
        -(1i128 << (bits - 1))..=(1i128 << (bits - 1)) - 1
    } else {
        0..=(1i128 << bits) - 1
    };
    range.prop_map(move |v| scaled(v, scale)).boxed()
}

/// Which parts a date pattern has.
#[derive(Clone, Copy)]
enum DateShape {
    Date,
    Time,
    /// A time whose `null = "zeros"`: midnight is its null, so it is not generated.
    TimeNotMidnight,
    /// A time with `null = "never"`: always a value.
    TimeNeverNull,
    DateTime,
    DateTimeMillis,
    /// `MMddHHmmss`: `--MM-ddTHH:mm:ss`.
    MonthDayTime,
    /// `yyMMdd` with pivot 1950.
    ShortYearDate,
    /// `HHmm`.
    HourMinute,
    /// `yy/MM` with pivot 2000 and `null = "never"`.
    ShortYearMonthNeverNull,
}

/// A valid date/time as the ISO text the codec decodes to, or null (midnight included).
fn date(shape: DateShape) -> Gen {
    let parts = (
        0..=9999u32,
        1..=12u32,
        1..=31u32,
        0..24u32,
        0..60u32,
        0..60u32,
        0..1000u32,
    );
    let value = parts
        .prop_filter("midnight is the null of a null = zeros time", move |p| {
            !matches!(shape, DateShape::TimeNotMidnight) || (p.3, p.4, p.5) != (0, 0, 0)
        })
        .prop_map(move |(y, mo, d, h, mi, s, ms)| {
            let y = match shape {
                DateShape::ShortYearDate => 1950 + y % 100,
                DateShape::ShortYearMonthNeverNull => 2000 + y % 100,
                _ => y,
            };
            let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
            let days = match mo {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            let d = d.min(days);
            let date = format!("{y:04}-{mo:02}-{d:02}");
            let time = format!("{h:02}:{mi:02}:{s:02}");
            Value::String(match shape {
                DateShape::Date => date,
                DateShape::Time | DateShape::TimeNotMidnight | DateShape::TimeNeverNull => time,
                DateShape::DateTime => format!("{date}T{time}"),
                DateShape::DateTimeMillis => format!("{date}T{time}.{ms:03}"),
                DateShape::MonthDayTime => format!("-{}T{time}", &date[4..]),
                DateShape::ShortYearDate => date,
                DateShape::HourMinute => time[..5].to_owned(),
                DateShape::ShortYearMonthNeverNull => date[..7].to_owned(),
            })
        });
    match shape {
        DateShape::TimeNeverNull | DateShape::ShortYearMonthNeverNull => value.boxed(),
        _ => prop_oneof![1 => Just(Value::Null), 6 => value].boxed(),
    }
}

/// A JSON object from named generators. A name `count+group` takes a `[count, elements]` pair
/// from [`group`], so that the count field and its group come from one draw; a name starting
/// with `*` spreads an object's keys (a selector and the view it picks).
fn object(fields: Vec<(&'static str, Gen)>) -> BoxedStrategy<Map<String, Value>> {
    let (names, gens): (Vec<&str>, Vec<Gen>) = fields.into_iter().unzip();
    gens.prop_map(move |values| {
        let mut map = Map::new();
        for (name, value) in names.iter().zip(values) {
            match (name.split_once('+'), value) {
                (_, Value::Object(spread)) if name.starts_with('*') => map.extend(spread),
                (Some((count, group)), Value::Array(mut pair)) => {
                    let elements = pair.pop().unwrap();
                    map.insert(count.to_owned(), pair.pop().unwrap());
                    map.insert(group.to_owned(), elements);
                }
                (_, value) => {
                    map.insert((*name).to_owned(), value);
                }
            }
        }
        map
    })
    .boxed()
}

/// A repeat group of up to `max` elements with its count, named `count+group` for [`object`].
fn group(
    name: &'static str,
    element: BoxedStrategy<Map<String, Value>>,
    max: usize,
) -> (&'static str, Gen) {
    let gen = proptest::collection::vec(element, 0..=max)
        .prop_map(|elements| {
            let count = Value::Number(elements.len().into());
            let array = elements.into_iter().map(Value::Object).collect();
            Value::Array(vec![count, Value::Array(array)])
        })
        .boxed();
    (name, gen)
}

/// Generators of [`FIXED_FIELDS`], in the same order.
fn fixed_body() -> Vec<(&'static str, Gen)> {
    let due = object(vec![
        ("due", date(DateShape::Date)),
        ("amt", decimal(8, 0, true)),
    ]);
    let tags = object(vec![("tag", plain(3))]);
    let mut loan = vec![
        ("lender", plain(10)),
        ("balance", decimal(15, 0, true)),
        ("rate", decimal(3, 3, false)),
        (
            "sched",
            proptest::collection::vec(due, 2)
                .prop_map(|e| Value::Array(e.into_iter().map(Value::Object).collect()))
                .boxed(),
        ),
    ];
    loan.push(group("tag_cnt+tags", tags, 2));
    let mut fields = vec![
        ("name_l", text(12, ' ', false, false, false)),
        ("name_r", text(10, ' ', true, false, false)),
        ("code_r", text(8, '0', true, false, false)),
        ("note", text(6, '_', false, true, false)),
        ("utf8", text(9, ' ', false, false, true)),
        ("memo", text(7, ' ', false, false, false)),
        ("amount", decimal(15, 0, false)),
        ("rate", decimal(3, 3, false)),
        ("ratio", decimal(3, 4, false)),
        ("lead", decimal(7, 2, true)),
        ("trail", decimal(6, 2, true)),
        ("punch", decimal(5, 2, true)),
        ("punch_lead", decimal(7, 0, true)),
        ("punch_mf", decimal(5, 2, true)),
        ("pt_lead", decimal(4, 2, true)),
        ("pt_punch", decimal(3, 2, true)),
        ("pt_plead", decimal(4, 2, true)),
        ("frac_only", decimal(0, 3, false)),
        (
            "opt_num",
            prop_oneof![Just(Value::Null), decimal(5, 0, false)].boxed(),
        ),
        ("pk_s", decimal(9, 2, true)),
        ("pk_u", decimal(7, 0, false)),
        ("pk_1", decimal(0, 1, true)),
        ("pk_even", decimal(8, 2, true)),
        // Two's complement has no negative zero.
        ("b2_pic4", pic(4, 0, true, false)),
        ("b1", binary(1, false, 0)),
        ("b1s", binary(1, true, 0)),
        ("b2", binary(2, false, 0)),
        ("b2s", binary(2, true, 1)),
        ("b4", binary(4, false, 2)),
        ("b4s", binary(4, true, 0)),
        ("b8", binary(8, false, 0)),
        ("b8s", binary(8, true, 4)),
        ("p_after", pic(3, -2, true, true)),
        ("p_before", pic(3, 6, true, true)),
        ("pk_p", pic(5, -3, true, true)),
        ("pk_pv", pic(2, 4, false, false)),
        ("b2_p", pic(4, -2, true, false)),
        ("pk_lenient", pic(5, 1, true, true)),
        ("nz_pos", pic(3, 1, true, false)),
        ("pk_nz_pos", pic(3, 0, true, false)),
        ("d", date(DateShape::Date)),
        ("t", date(DateShape::Time)),
        ("t_z", date(DateShape::TimeNotMidnight)),
        ("t_never", date(DateShape::TimeNeverNull)),
        ("dt", date(DateShape::DateTimeMillis)),
        ("d_sep", date(DateShape::DateTime)),
        ("md_time", date(DateShape::MonthDayTime)),
        ("yymmdd", date(DateShape::ShortYearDate)),
        ("hhmm", date(DateShape::HourMinute)),
        ("yy_mm", date(DateShape::ShortYearMonthNeverNull)),
    ];
    fields.push(group("loan_cnt+loans", object(loan), 3));
    fields
}

/// Generators of [`STRUCT_FIELDS`]: the selector with the view it picks, the base view of the
/// area without a selector, groups with typed and pad fills.
fn struct_body() -> Vec<(&'static str, Gen)> {
    let flags = proptest::collection::vec(object(vec![("f", plain(1))]), 2)
        .prop_map(|e| Value::Array(e.into_iter().map(Value::Object).collect()))
        .boxed();
    let card = object(vec![("card_no", plain(16)), ("exp", date(DateShape::Date))]);
    let loan = object(vec![
        ("amount", decimal(8, 2, true)),
        ("months", decimal(3, 0, false)),
        ("rate", decimal(3, 3, true)),
        ("flags", flags),
    ]);
    let none = object(vec![("note", text(5, '_', false, false, false))]);
    let detail = prop_oneof![
        card.prop_map(|c| view("kind", "C", "card", c)),
        (select(&["L", "M"][..]), loan).prop_map(|(k, l)| view("kind", k, "loan", l)),
        none.prop_map(|n| view("kind", "", "none", n)),
    ]
    .boxed();
    let raw = object(vec![("text", plain(12))]);
    let base = raw.prop_map(|r| view("", "", "raw", r)).boxed();
    let alt = prop_oneof![
        object(vec![("xv", decimal(4, 0, false))]).prop_map(|x| view("k", "X", "x", x)),
        object(vec![("yv", plain(2))]).prop_map(|y| view("k", "Y", "y", y)),
    ]
    .boxed();
    let mut slot = vec![
        ("code", plain(3)),
        ("amt", decimal(5, 2, true)),
        ("fee", decimal(4, 0, true)),
        ("pk", decimal(5, 0, true)),
        ("bin", binary(2, true, 0)),
        ("due", date(DateShape::Date)),
        ("at", date(DateShape::Time)),
        ("*alt", alt),
    ];
    slot.push(group("sub_cnt+subs", object(vec![("s", plain(2))]), 2));
    let tags = object(vec![("tag", plain(3))]);
    vec![
        ("*detail", detail),
        ("*base", base),
        group("slot_cnt+slots", object(slot), 3),
        group("tag_cnt+tags", tags, 2),
    ]
}

/// `{selector: value, name: fields}`, or `{name: fields}` without a selector.
fn view(selector: &str, value: &str, name: &str, fields: Map<String, Value>) -> Value {
    let mut map = Map::new();
    if !selector.is_empty() {
        map.insert(selector.to_owned(), Value::from(value));
    }
    map.insert(name.to_owned(), Value::Object(fields));
    Value::Object(map)
}

/// Generators of the compact tail of `ALLTYPE1`.
fn compact_tail() -> Vec<(&'static str, Gen)> {
    let opts = object(vec![("opt", plain(4))]);
    let mut item = vec![("sku", plain(6)), ("qty", decimal(3, 0, false))];
    item.push(group("opt_cnt+opts", opts, 2));
    let mut fields = vec![group("item_cnt+items", object(item), 4)];
    fields.push(("tail", text(4, ' ', true, false, false)));
    fields
}

/// A whole message of a variant and direction: header, body selected by code and result.
fn message(variant: usize, direction: Direction) -> BoxedStrategy<Message> {
    let fixed = VARIANTS[variant].fixed;
    let codes: &[&str] = if fixed {
        &["FIXTYPE1", "FIXTYPE1", "FIXCOMP1", "FIXSTRC1"]
    } else {
        &["ALLTYPE1", "ALLTYPE1", "ALLTYPE1", "SMALL001", "STRUCT01"]
    };
    let results: &[&str] = match direction {
        Direction::Request => &["", "0000"],
        Direction::Response => &["0000", "0000", "E101"],
    };
    (select(codes), select(results))
        .prop_flat_map(move |(code, result)| {
            let flag = match direction {
                Direction::Request => "S",
                Direction::Response => "R",
            };
            let header = object(vec![
                ("sys", plain(4)),
                ("tx_code", Just(Value::from(code)).boxed()),
                ("rr_flag", Just(Value::from(flag)).boxed()),
                ("resp_code", Just(Value::from(result)).boxed()),
                ("sent_at", date(DateShape::DateTimeMillis)),
            ]);
            let error = direction == Direction::Response && result != "0000";
            let body = match (code, error) {
                ("ALLTYPE1", true) => vec![
                    ("error_message", plain(40)),
                    ("error_at", date(DateShape::Date)),
                ],
                ("ALLTYPE1", false) => {
                    let mut fields = fixed_body();
                    fields.extend(compact_tail());
                    fields
                }
                ("FIXCOMP1", _) => compact_tail(),
                ("STRUCT01", _) => struct_body(),
                ("FIXSTRC1", _) => {
                    let mut fields = struct_body();
                    fields.extend(compact_tail());
                    fields
                }
                ("SMALL001", _) => match direction {
                    Direction::Request => vec![("ref", plain(10))],
                    Direction::Response => vec![("ok", plain(1))],
                },
                _ => fixed_body(),
            };
            (header, object(body)).prop_map(|(header, body)| Message { header, body })
        })
        .boxed()
}

/// A variant, a direction and a message of them.
fn any_message() -> impl Strategy<Value = (usize, Direction, Message)> {
    let directions = select(&[Direction::Request, Direction::Response][..]);
    (0..FRAMINGS.len(), directions).prop_flat_map(|(variant, direction)| {
        (Just(variant), Just(direction), message(variant, direction))
    })
}

/// A variant, a direction, two messages of them and another clock for the first one's header.
#[allow(clippy::type_complexity)]
fn any_pair() -> impl Strategy<Value = (usize, Direction, Message, Message, Value)> {
    let directions = select(&[Direction::Request, Direction::Response][..]);
    (0..FRAMINGS.len(), directions).prop_flat_map(|(variant, direction)| {
        (
            Just(variant),
            Just(direction),
            message(variant, direction),
            message(variant, direction),
            date(DateShape::DateTimeMillis),
        )
    })
}

/// Several messages of one variant and direction: a stream.
fn any_stream() -> impl Strategy<Value = (usize, Direction, Vec<Message>)> {
    let directions = select(&[Direction::Request, Direction::Response][..]);
    (0..FRAMINGS.len(), directions).prop_flat_map(|(variant, direction)| {
        let messages = proptest::collection::vec(message(variant, direction), 1..5);
        (Just(variant), Just(direction), messages)
    })
}

/// The same number written loosely, as engines do: fewer fraction digits (a JSON number), or a
/// string with leading zeros or `+` (not valid JSON number syntax), or a plain string. Each
/// number's form is picked by the next bits of `seed`.
fn loosen(value: &mut Value, seed: &mut u64) {
    match value {
        Value::Number(n) => {
            let text = n.as_str().to_owned();
            *seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            *value = match (*seed >> 33) % 5 {
                0 if text.contains('.') => number(text.trim_end_matches('0').trim_end_matches('.')),
                1 if !text.starts_with('-') => Value::String(format!("+00{text}")),
                2 => Value::String(match text.strip_prefix('-') {
                    Some(rest) => format!("-0{rest}"),
                    None => format!("0{text}"),
                }),
                3 => Value::String(text),
                _ => return,
            };
        }
        Value::Array(items) => items.iter_mut().for_each(|v| loosen(v, seed)),
        Value::Object(map) => map.values_mut().for_each(|v| loosen(v, seed)),
        _ => {}
    }
}

/// Frames produced by the framer from `stream`, fed in chunks of the given sizes (cycled), and
/// the error that stopped it, if any.
fn reframe(variant: &Variant, stream: &[u8], chunks: &[usize]) -> (Vec<Vec<u8>>, Option<String>) {
    let mut framer = variant.layout.framer();
    let mut buffer = BytesMut::new();
    let mut frames = Vec::new();
    let mut rest = stream;
    let mut sizes = chunks.iter().cycle();
    while !rest.is_empty() {
        let size = (*sizes.next().unwrap_or(&1)).clamp(1, rest.len());
        let (chunk, tail) = rest.split_at(size);
        rest = tail;
        buffer.extend_from_slice(chunk);
        loop {
            match framer.decode(&mut buffer) {
                Ok(Some(frame)) => frames.push(frame.to_vec()),
                Ok(None) => break,
                Err(e) => return (frames, Some(e.to_string())),
            }
        }
    }
    match framer.decode_eof(&mut buffer) {
        Ok(Some(frame)) => frames.push(frame.to_vec()),
        Ok(None) => {}
        Err(e) => return (frames, Some(e.to_string())),
    }
    (frames, None)
}

/// Byte flips (position, new byte) and a truncation applied to a frame.
fn mutate(frame: &[u8], flips: &[(Index, u8)], cut: Option<Index>) -> Vec<u8> {
    let mut bytes = frame.to_vec();
    for (at, byte) in flips {
        let at = at.index(bytes.len());
        bytes[at] = *byte;
    }
    if let Some(cut) = cut {
        bytes.truncate(cut.index(bytes.len() + 1));
    }
    bytes
}

/// Rewrites the prefix and trailer of arbitrary bytes so that framing holds and the fields get
/// decoded; leaves them alone when no prefix can say their length.
fn fix_framing(layout: &Layout, bytes: &mut [u8]) {
    let framing = &layout.framing;
    let Ok(prefix) = framing.prefix_bytes(bytes.len()) else {
        return;
    };
    if bytes.len() < framing.head_len() + framing.trailer.len() {
        return;
    }
    bytes[framing.prefix_range()].copy_from_slice(&prefix);
    let start = bytes.len() - framing.trailer.len();
    bytes[start..].copy_from_slice(&framing.trailer);
}

/// A field of the fixed body and a value beyond what it holds: more than its declared digits,
/// not a multiple of its `P` scaling, or a year outside its pivot window.
fn out_of_range() -> impl Strategy<Value = (&'static str, Value)> {
    let sign = || select(&["", "-"][..]);
    let with = |sign: &str, text: String| number(&format!("{sign}{text}"));
    prop_oneof![
        (1_000i128..10_000_000, sign())
            .prop_map(move |(m, s)| ("p_after", with(s, format!("{m}00")))),
        (0i128..1_000, 1i128..100, sign())
            .prop_map(move |(m, r, s)| ("p_after", with(s, (m * 100 + r).to_string()))),
        (1_000i128..1_000_000_000, sign())
            .prop_map(move |(m, s)| ("p_before", with(s, scaled(m, 6).to_string()))),
        (100_000i128..10_000_000, sign())
            .prop_map(move |(m, s)| ("pk_p", with(s, format!("{m}000")))),
        (100i128..100_000).prop_map(|m| ("pk_pv", scaled(m, 4))),
        (10_000i128..1_000_000, sign()).prop_map(move |(m, s)| ("b2_p", with(s, format!("{m}00")))),
        (0u32..10_000)
            .prop_filter("outside the window", |y| !(1950..2050).contains(y))
            .prop_map(|y| ("yymmdd", Value::String(format!("{y:04}-06-15")))),
    ]
}

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(256)
}

proptest! {
    #![proptest_config(config())]

    /// decode(encode(m)) == m for every field type and framing, both directions.
    #[test]
    fn decode_inverts_encode((variant, direction, message) in any_message()) {
        let v = &VARIANTS[variant];
        let frame = v.layout.encode(direction, &message)
            .unwrap_or_else(|e| panic!("{}: encode: {e}", v.name));
        let decoded = v.layout.decode(direction, &frame)
            .unwrap_or_else(|e| panic!("{}: decode: {e}", v.name));
        prop_assert_eq!(decoded, message, "variant {}", v.name);
    }

    /// The typed view of a frame holds the values it was encoded from (decimals as their digits
    /// and scale, ASCII text borrowed, dates by parts, groups and redefines views in order),
    /// converts to exactly the message and writes exactly its JSON.
    #[test]
    fn view_holds_the_encoded_values_typed((variant, direction, message) in any_message()) {
        let v = &VARIANTS[variant];
        let frame = v.layout.encode(direction, &message).unwrap();
        let view = v.layout.decode_view(direction, &frame).unwrap();
        let header = common::typed_mismatch(&view.header, &message.header, "header");
        prop_assert_eq!(header, None, "variant {}", v.name);
        let body = common::typed_mismatch(&view.body, &message.body, "body");
        prop_assert_eq!(body, None, "variant {}", v.name);
        // Its JSON text, written without a Value, is what serde_json writes for the Value form.
        let mut written = Vec::new();
        view.write_json(&mut written);
        prop_assert_eq!(written, serde_json::to_vec(&view.to_value()).unwrap());
        prop_assert_eq!(view.into_message(), message);
    }

    /// A frame decoded beside another that decoded as the same message gives what decoding it
    /// whole gives: its header beside the other's body when it reads the same bytes after the
    /// header (here: a frame that differs in its header's clock only), else the whole frame or
    /// the same error (an unrelated frame of the variant).
    #[test]
    fn a_frame_decoded_beside_another_is_the_frame_decoded_whole(
        (variant, direction, message, unrelated, sent_at) in any_pair(),
    ) {
        let layout = &VARIANTS[variant].layout;
        let frame = layout.encode(direction, &message).unwrap();
        let view = layout.decode_view(direction, &frame).unwrap();
        let selected = layout.message(message.header["tx_code"].as_str().unwrap()).unwrap();
        let mut later = message.clone();
        later.header.insert("sent_at".into(), sent_at);
        for (other, same_body) in [
            (layout.encode(direction, &later).unwrap(), true),
            (layout.encode(direction, &unrelated).unwrap(), false),
        ] {
            let whole = layout.decode_view_as(direction, selected, &other);
            let beside =
                layout.decode_view_beside(direction, selected, &other, &frame, &view.header);
            match (beside, whole) {
                (Ok(BesideView::Header(header)), Ok(whole)) => {
                    prop_assert_eq!(&header, &whole.header);
                    prop_assert_eq!(&view.body, &whole.body);
                }
                (Ok(BesideView::Whole(beside)), Ok(whole)) => {
                    prop_assert!(!same_body, "the same body was decoded again");
                    prop_assert_eq!(beside, whole);
                }
                (Err(beside), Err(whole)) => prop_assert_eq!(beside, whole),
                (beside, whole) => {
                    prop_assert!(false, "beside {beside:?}, whole {whole:?}");
                }
            }
        }
    }

    /// A frame's view written as a stored record shows it, masked while written, is byte for
    /// byte the JSON of its message masked by the layout (`mask_as`), for every field kind.
    #[test]
    fn masked_json_is_the_json_of_the_masked_message(
        (variant, direction, message) in any_message(),
    ) {
        let layout = &MASKED_VARIANTS[variant];
        let frame = layout.encode(direction, &message).unwrap();
        let (written, expected, _) = common::masked_json_both(layout, direction, &frame);
        prop_assert_eq!(written, expected);
    }

    /// encode(decode(f)) == f byte for byte, for frames encoded from loosely written numbers
    /// (fewer decimals, leading zeros, `+`, strings), which also encode exactly like the
    /// canonical message.
    #[test]
    fn encode_inverts_decode(
        (variant, direction, message) in any_message(),
        mut seed in any::<u64>(),
    ) {
        let v = &VARIANTS[variant];
        let canonical = v.layout.encode(direction, &message).unwrap();
        let mut loose = message.clone();
        loose.body.values_mut().for_each(|value| loosen(value, &mut seed));
        let frame = v.layout.encode(direction, &loose)
            .unwrap_or_else(|e| panic!("{}: encode loose: {e}", v.name));
        prop_assert_eq!(&frame, &canonical, "variant {}", v.name);
        let decoded = v.layout.decode(direction, &frame).unwrap();
        prop_assert_eq!(&decoded, &message);
        prop_assert_eq!(v.layout.encode(direction, &decoded).unwrap(), frame);
    }

    /// A valid frame with flipped bytes or cut short decodes or fails, never panics; when it
    /// still decodes, its meaning re-encodes and survives another round trip.
    #[test]
    fn damaged_frames_never_panic(
        (variant, direction, message) in any_message(),
        flips in proptest::collection::vec((any::<Index>(), any::<u8>()), 0..4),
        cut in proptest::option::weighted(0.3, any::<Index>()),
        refix in any::<bool>(),
    ) {
        let v = &VARIANTS[variant];
        let frame = v.layout.encode(direction, &message).unwrap();
        let mut damaged = mutate(&frame, &flips, cut);
        if refix {
            fix_framing(&v.layout, &mut damaged);
        }
        let _ = v.layout.decode_header(&damaged);
        for any_direction in [Direction::Request, Direction::Response] {
            // The typed view accepts and refuses exactly what the JSON form does.
            let view = v.layout.decode_view(any_direction, &damaged);
            prop_assert_eq!(
                view.map(MessageView::into_message),
                v.layout.decode(any_direction, &damaged)
            );
            if let Ok(decoded) = v.layout.decode(any_direction, &damaged) {
                let again = v.layout.encode(any_direction, &decoded)
                    .unwrap_or_else(|e| panic!("{}: a decoded frame must encode: {e}", v.name));
                prop_assert_eq!(v.layout.decode(any_direction, &again).unwrap(), decoded);
            }
        }
        let (frames, _) = reframe(v, &damaged, &[7, 1, 300]);
        prop_assert!(frames.iter().all(|f| f.len() <= v.layout.framing.max_frame));
    }

    /// Arbitrary bytes, with and without a valid length prefix and trailer, never panic the
    /// codec or the framer.
    #[test]
    fn arbitrary_bytes_never_panic(
        variant in 0..FRAMINGS.len(),
        mut bytes in proptest::collection::vec(any::<u8>(), 0..700),
        chunks in proptest::collection::vec(1..64usize, 1..8),
        refix in any::<bool>(),
    ) {
        let v = &VARIANTS[variant];
        if refix {
            fix_framing(&v.layout, &mut bytes);
        }
        let _ = v.layout.decode_header(&bytes);
        let _ = v.layout.decode(Direction::Request, &bytes);
        let _ = v.layout.decode(Direction::Response, &bytes);
        let (frames, _) = reframe(v, &bytes, &chunks);
        let framed: usize = frames.iter().map(Vec::len).sum();
        prop_assert!(framed <= bytes.len());
    }

    /// Valid frames fed in any chunks, one byte at a time, or all at once come out as the same
    /// frames, and each decodes to its message.
    #[test]
    fn framer_recovers_frames_from_any_split(
        (variant, direction, messages) in any_stream(),
        chunks in proptest::collection::vec(1..200usize, 1..16),
    ) {
        let v = &VARIANTS[variant];
        let frames: Vec<Vec<u8>> = messages
            .iter()
            .map(|m| v.layout.encode(direction, m).unwrap())
            .collect();
        let stream = frames.concat();
        for sizes in [&chunks[..], &[1], &[stream.len()]] {
            let (got, error) = reframe(v, &stream, sizes);
            prop_assert_eq!(error, None, "variant {}", v.name);
            prop_assert_eq!(&got, &frames, "variant {} chunks {:?}", v.name, sizes);
        }
        for (frame, message) in frames.iter().zip(&messages) {
            prop_assert_eq!(&v.layout.decode(direction, frame).unwrap(), message);
        }
    }

    /// Too-long text in a truncatable field is cut at a character boundary: what decodes is a
    /// prefix of what was sent, and never half a double-byte character.
    #[test]
    fn truncation_keeps_a_prefix(
        (variant, direction, mut message) in any_message(),
        long in proptest::collection::vec(prop_oneof![select(HANGUL), select(ASCII)], 0..20),
    ) {
        let v = &VARIANTS[variant];
        if !message.body.contains_key("memo") {
            return Ok(());
        }
        let long: String = long.into_iter().collect();
        message.body.insert("memo".into(), Value::String(long.clone()));
        // A value that fits is not truncated, so a trailing pad would be lost: refused instead.
        let cp949_len: usize = long.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
        if cp949_len <= 7 && long.ends_with(' ') {
            let err = v.layout.encode(direction, &message).unwrap_err().to_string();
            prop_assert!(err.contains("ends with the pad character"), "{}", err);
            return Ok(());
        }
        let frame = v.layout.encode(direction, &message).unwrap();
        let decoded = v.layout.decode(direction, &frame).unwrap();
        let memo = decoded.body["memo"].as_str().unwrap();
        prop_assert!(long.starts_with(memo), "{memo:?} is not a prefix of {long:?}");
        prop_assert_eq!(v.layout.encode(direction, &decoded).unwrap(), frame);
    }
}

proptest! {
    /// Any text either decodes to exactly what was sent or is refused at encode, naming the
    /// field: a value with the pad on the trimmed edge, or too long, is never silently changed.
    #[test]
    fn text_round_trips_or_is_refused(
        (variant, direction, mut message) in any_message(),
        field in select(&["name_l", "name_r", "code_r"][..]),
        chars in proptest::collection::vec(prop_oneof![select(HANGUL), select(ASCII)], 0..6),
    ) {
        let v = &VARIANTS[variant];
        if !message.body.contains_key(field) {
            return Ok(());
        }
        let value: String = chars.into_iter().collect();
        message.body.insert(field.into(), Value::String(value.clone()));
        match v.layout.encode(direction, &message) {
            Ok(frame) => {
                let decoded = v.layout.decode(direction, &frame).unwrap();
                prop_assert_eq!(&decoded.body[field], &Value::String(value));
            }
            Err(err) => {
                let err = err.to_string();
                prop_assert!(err.contains(field), "{}", err);
                let pad_edge = err.contains("with the pad character");
                prop_assert!(pad_edge || err.contains("expected text of at most"), "{}", err);
            }
        }
    }
}

proptest! {
    /// A charset name means exactly that charset: text is written in it and decodes back, or
    /// is refused naming a character the charset lacks; euc-kr never carries CP949-only bytes.
    #[test]
    fn text_is_written_in_exactly_the_declared_charset(
        chars in proptest::collection::vec(prop_oneof![select(HANGUL), select(ASCII)], 0..8),
        charset in select(&[Charset::Cp949, Charset::EucKr, Charset::Utf8][..]),
    ) {
        let text: String = chars.into_iter().collect();
        let mut out = Vec::new();
        match charset.encode_into(&text, &mut out) {
            Ok(()) => {
                prop_assert_eq!(charset.decode(&out).unwrap(), text);
                if charset == Charset::EucKr {
                    let ks = |b: &u8| b.is_ascii() || (0xA1..=0xFE).contains(b);
                    prop_assert!(out.iter().all(ks), "{:02X?}", out);
                }
            }
            Err(Unmappable(c)) => {
                prop_assert_eq!(charset, Charset::EucKr);
                prop_assert!(text.contains(c));
                prop_assert!(out.is_empty(), "{:02X?}", out);
            }
        }
    }
}

proptest! {
    #![proptest_config(config())]

    /// A value beyond what a COBOL-declared number or a pivot-year date holds is refused at
    /// encode with the field's path, never written as some other value.
    #[test]
    fn out_of_range_values_are_refused_with_the_path(
        (variant, direction, mut message) in any_message(),
        (name, bad) in out_of_range(),
    ) {
        let v = &VARIANTS[variant];
        if !message.body.contains_key(name) {
            return Ok(());
        }
        message.body.insert(name.to_owned(), bad.clone());
        let err = v.layout.encode(direction, &message).unwrap_err();
        prop_assert_eq!(&err.path, &format!("body.{name}"), "{} = {}: {}", name, bad, err);
    }
}

/// The fuzz target's layout of COBOL number and date kinds (`fuzz/layouts/cobol-fields.toml`),
/// checked here because CI does not run the fuzzer.
static FUZZ_LAYOUT: LazyLock<Layout> = LazyLock::new(|| {
    let text = include_str!("../fuzz/layouts/cobol-fields.toml");
    Layout::from_toml(text, "cobol-fields.toml", "cobol-fields").unwrap_or_else(|e| panic!("{e}"))
});

/// A request of the fuzz layout with one value of each number kind.
fn fuzz_request() -> Vec<u8> {
    let mut frame = b"0042N11129215800261129".to_vec();
    frame.extend_from_slice(b"12C-99900p");
    frame.extend_from_slice(&[0x01, 0x2D, 0x00, 0x09, 0x9F, 0x12, 0x3A, 0x12, 0x3C]);
    frame.extend_from_slice(&[0x00, 0x0D, 0xD8, 0xF1, 0x63]);
    frame
}

/// A response of the fuzz layout with one value of each partial date pattern.
fn fuzz_response() -> Vec<u8> {
    b"0053N11129215800261129215821:5811-2928112026112921580123-".to_vec()
}

proptest! {
    #![proptest_config(config())]

    /// What the fuzz target does with its COBOL layout, on stable: sample frames with bytes
    /// and digits flipped decode or fail without panicking, and what decodes survives
    /// encode → decode.
    #[test]
    fn fuzz_layout_round_trips_what_it_decodes(
        response in any::<bool>(),
        flips in proptest::collection::vec((any::<Index>(), any::<u8>()), 0..3),
        digits in proptest::collection::vec((any::<Index>(), b'0'..=b'9'), 0..4),
    ) {
        let layout = &*FUZZ_LAYOUT;
        let (direction, frame) = match response {
            true => (Direction::Response, fuzz_response()),
            false => (Direction::Request, fuzz_request()),
        };
        let mut bytes = mutate(&mutate(&frame, &flips, None), &digits, None);
        fix_framing(layout, &mut bytes);
        if let Ok(message) = layout.decode(direction, &bytes) {
            let view = layout.decode_view(direction, &bytes).unwrap();
            let body = common::typed_mismatch(&view.body, &message.body, "body");
            prop_assert_eq!(body, None);
            let again = layout.encode(direction, &message).unwrap();
            prop_assert_eq!(layout.decode(direction, &again).unwrap(), message);
        }
    }
}

/// The fuzz layout's samples decode to every kind, and its normalising fields write back
/// what they declare.
#[test]
fn fuzz_layout_decodes_every_kind_and_normalises_as_declared() {
    let layout = &*FUZZ_LAYOUT;
    let frame = fuzz_request();
    let message = layout.decode(Direction::Request, &frame).unwrap();
    assert_eq!(
        serde_json::to_string(&message).unwrap(),
        r#"{"header":{"tx":"N1","sent":"--11-29T21:58:00","biz_day":"2026-11-29"},"body":{"p_after":12300,"p_before":-0.000999,"nz_pos":0.0,"pk_p":-12000,"pk_even":0.000099,"pk_lenient":12.3,"pk_lenient_u":123,"pk_nz_pos":0,"b_p":-999900,"b_pv":0.00099}}"#
    );
    // negative_zero = "positive" and sign_nibbles = "lenient" write the preferred forms: a plain
    // zero, C for a positive signed field, F for an unsigned one.
    let mut normalised = frame.clone();
    normalised[31] = b'0';
    normalised[38] = 0x3C;
    normalised[40] = 0x3F;
    normalised[42] = 0x0C;
    assert_eq!(
        layout.encode(Direction::Request, &message).unwrap(),
        normalised
    );
    let frame = fuzz_response();
    let message = layout.decode(Direction::Response, &frame).unwrap();
    assert_eq!(
        serde_json::to_string(&message.body).unwrap(),
        r#"{"hhmm":"21:58","hhmm_z":"21:58","month_day":"--11-29","expiry":"2028-11","stamp":"2026-11-29T21:58","amount":-1.23}"#
    );
    assert_eq!(layout.encode(Direction::Response, &message).unwrap(), frame);
}

#[test]
fn every_framing_variant_loads() {
    assert_eq!(VARIANTS.len(), FRAMINGS.len());
    assert!(VARIANTS.iter().any(|v| v.layout.framing.offset > 0));
    assert!(VARIANTS.iter().any(|v| v.fixed));
}

/// Layouts the properties above found to break the codec are rejected when loaded.
#[test]
fn layouts_that_would_break_the_codec_are_rejected() {
    let load = |framing: &str, field: &str| {
        let text = format!(
            "[framing]\n{framing}\n[header]\ndiscriminator = \"tx\"\n\
             fields = [ {{ name = \"tx\", type = \"text\", length = 4 }} ]\n\
             [messages.AAAA]\nrequest = [ {field} ]\nresponse = [ {field} ]\n"
        );
        Layout::from_toml(&text, "t.toml", "t").map_err(|e| e.to_string())
    };
    let ascii = "prefix = \"ascii\"\nprefix_length = 4\ncounts = \"frame\"\nmax_frame = 99";
    let text = r#"{ name = "v", type = "text", length = 2 }"#;
    assert!(load(ascii, text).is_ok());
    // Encoding punched the decimal point itself (subtract overflow).
    let point_first = r#"{ name = "v", type = "number", length = 3, scale = 2, point = true,
        sign = "overpunch_leading" }"#;
    let err = load(ascii, &point_first.replace('\n', " ")).unwrap_err();
    assert!(err.contains("integer digit before the point"), "{err}");
    // Decoding and framing sliced a prefix that does not exist.
    let offset = "prefix = \"none\"\nprefix_offset = 4\nsize = 6\nmax_frame = 99";
    let err = load(offset, text).unwrap_err();
    assert!(err.contains("framing.prefix_offset"), "{err}");
    // "갂" is 81 41 in cp949: a pad of "A" stripped its trail byte.
    let letter = r#"{ name = "v", type = "text", length = 2, pad = "A" }"#;
    let err = load(ascii, letter).unwrap_err();
    assert!(err.contains("padded with a letter"), "{err}");
    let right = r#"{ name = "v", type = "text", length = 2, pad = "A", align = "right" }"#;
    assert!(load(ascii, right).is_ok());
}

/// A frame whose result code chooses the error body is decoded whole beside an ok answer, even
/// when the bytes after their headers are the same: the same bytes are other fields there.
#[test]
fn a_result_code_choosing_the_error_body_decodes_the_body_again() {
    let layout = load(
        FRAMINGS[0].1,
        r#"
[messages.RESULT01]
request = [ { name = "ref", type = "text", length = 4 } ]
response = [ { name = "ok", type = "text", length = 4 } ]
error = [ { name = "why", type = "text", length = 4 } ]
"#,
    );
    let answer = |result: &str, body: Value| Message {
        header: serde_json::from_value(serde_json::json!({
            "sys": "CBS", "tx_code": "RESULT01", "rr_flag": "R", "resp_code": result,
            "sent_at": null,
        }))
        .unwrap(),
        body: serde_json::from_value(body).unwrap(),
    };
    let ok = answer("0000", serde_json::json!({"ok": "ABCD"}));
    let failed = answer("E101", serde_json::json!({"why": "ABCD"}));
    let ok = layout.encode(Direction::Response, &ok).unwrap();
    let failed = layout.encode(Direction::Response, &failed).unwrap();
    let at = layout.header_len;
    assert_eq!(ok[at..], failed[at..], "the bodies' bytes are the same");
    let selected = layout.message("RESULT01").unwrap();
    let view = layout.decode_view(Direction::Response, &ok).unwrap();
    let beside = |frame| {
        let beside =
            layout.decode_view_beside(Direction::Response, selected, frame, &ok, &view.header);
        match beside.unwrap() {
            BesideView::Whole(whole) => Some(whole.body.to_map()),
            BesideView::Header(_) => None,
        }
    };
    let body = beside(&failed).expect("the error body was read as the ok body");
    assert_eq!(body["why"], "ABCD");
    assert_eq!(beside(&ok), None, "the ok body was decoded again");
}
