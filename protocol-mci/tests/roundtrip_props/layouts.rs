//! The test layout of every field type under each framing variant, and its masked twin.

use std::sync::LazyLock;

use protocol_mci::layout::field::fields_fixed_len;
use protocol_mci::Layout;

/// Header and messages; `{framing}` and `{messages}` are filled in per variant. The prefix sits
/// before `sys` (offset 0) or right after it (offset 4).
pub(crate) const LAYOUT: &str = r#"
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
pub(crate) const FIXED_FIELDS: &str = r##"
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
pub(crate) const VARIABLE_MESSAGES: &str = r#"
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
pub(crate) const STRUCT_FIELDS: &str = r#"
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
pub(crate) const COMPACT_FIELDS: &str = r#"
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
pub(crate) const FIXED_MESSAGES: &str = r#"
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
pub(crate) const FRAMINGS: &[(&str, &str)] = &[
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
pub(crate) struct Variant {
    pub(crate) name: &'static str,
    pub(crate) layout: Layout,
    /// Fixed-size frames: only `FIXTYPE1`, `FIXCOMP1` and `FIXSTRC1`.
    pub(crate) fixed: bool,
}

pub(crate) static VARIANTS: LazyLock<Vec<Variant>> = LazyLock::new(|| {
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

pub(crate) fn load(framing: &str, messages: &str) -> Layout {
    let text = layout_text(framing, messages);
    Layout::from_toml(&text, "all-types.toml", "all-types").unwrap_or_else(|e| panic!("{e}"))
}

pub(crate) fn layout_text(framing: &str, messages: &str) -> String {
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
pub(crate) const MASKS: &[(&str, &str)] = &[
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
pub(crate) static MASKED_VARIANTS: LazyLock<Vec<Layout>> = LazyLock::new(|| {
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
pub(crate) fn fixed_frame_size() -> usize {
    let probe = load(FRAMINGS[1].1, FIXED_MESSAGES);
    let body = fields_fixed_len(&probe.message("FIXTYPE1").unwrap().request).unwrap();
    probe.header_len - probe.framing.prefix_width() + body
}
