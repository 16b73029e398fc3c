//! Serde input of a layout file, as written by people. Validated into [`super::Layout`].
//!
//! Fields are one flat struct for every type, so that a key that does not apply to a type can be
//! reported by name ("`scale` does not apply to a text field") instead of as a generic parse error.

use std::collections::BTreeMap;

use serde::Deserialize;

pub use super::ttl::TtlConfig;
use crate::charset::Charset;

/// A whole layout file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayoutConfig {
    /// Human name of the interface, shown in errors and summaries.
    #[serde(default)]
    pub name: Option<String>,
    /// How frames are delimited on the stream.
    pub framing: FramingConfig,
    /// Default charset of text fields.
    #[serde(default)]
    pub charset: Charset,
    /// Default `pad_edge` of text fields: what encode does with pad characters at the edge
    /// decode trims.
    #[serde(default)]
    pub pad_edge: PadEdge,
    /// The system header shared by every message.
    pub header: HeaderConfig,
    /// Messages by discriminator value (e.g. transaction code).
    pub messages: BTreeMap<String, MessageConfig>,
    /// Control frames (polls, keep-alives) answered without decoding.
    #[serde(default)]
    pub control: Vec<super::control::ControlConfig>,
}

/// Framing: length prefix, trailer, limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FramingConfig {
    /// `ascii` digits, `binary` integer, or `none` (fixed size frames).
    pub prefix: PrefixKind,
    /// Digits of an ascii prefix, or bytes (2 or 4) of a binary one.
    #[serde(default)]
    pub prefix_length: Option<usize>,
    /// Byte order of a binary prefix.
    #[serde(default)]
    pub endian: Option<Endian>,
    /// Where the prefix starts in the frame (bytes before it belong to the header).
    #[serde(default)]
    pub prefix_offset: usize,
    /// What the length counts: the whole `frame` or what follows the prefix.
    #[serde(default)]
    pub counts: Option<LengthCounts>,
    /// Added to the counted bytes to give the prefix value (may be negative).
    #[serde(default)]
    pub adjust: i64,
    /// Bytes closing every frame, e.g. `"@@"`.
    #[serde(default)]
    pub trailer: Option<String>,
    /// Whether the length counts the trailer.
    #[serde(default = "yes")]
    pub trailer_counted: bool,
    /// Largest accepted frame in bytes; mandatory, so no peer can make us allocate at will.
    pub max_frame: usize,
    /// Frame size for `prefix = "none"`.
    #[serde(default)]
    pub size: Option<usize>,
}

fn yes() -> bool {
    true
}

/// Kind of length prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrefixKind {
    /// ASCII decimal digits, zero-padded.
    Ascii,
    /// Unsigned binary integer.
    Binary,
    /// No prefix: every frame has the same size.
    None,
}

/// Byte order of binary integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endian {
    /// Most significant byte first (network order, mainframes).
    #[default]
    Big,
    /// Least significant byte first.
    Little,
}

/// What the length prefix counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LengthCounts {
    /// The whole frame, prefix included.
    Frame,
    /// The bytes after the prefix.
    AfterPrefix,
}

/// The system header.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderConfig {
    /// Header field whose value selects the message (e.g. `tx_code`).
    pub discriminator: String,
    /// Declared header length in bytes (prefix included), checked against the fields.
    #[serde(default)]
    pub length: Option<usize>,
    /// Header field holding the request/response flag.
    #[serde(default)]
    pub flag_field: Option<String>,
    /// Flag value of a request.
    #[serde(default)]
    pub request_flag: Option<String>,
    /// Flag value of a response.
    #[serde(default)]
    pub response_flag: Option<String>,
    /// Header field holding the result code of a response.
    #[serde(default)]
    pub result_field: Option<String>,
    /// Header field that identifies one exchange end to end (e.g. the GUID); used as the
    /// correlation id in logs, engine calls and stored records.
    #[serde(default)]
    pub correlation_field: Option<String>,
    /// Result codes of a successful response; any other selects the message's error body.
    #[serde(default)]
    pub ok_results: Vec<String>,
    /// The request's time to live (`[header.ttl]`), if the header carries one.
    #[serde(default)]
    pub ttl: Option<TtlConfig>,
    /// The header's fields, in wire order.
    pub fields: Vec<FieldConfig>,
}

/// One message: its bodies.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageConfig {
    /// What the message is, for people.
    #[serde(default)]
    pub description: Option<String>,
    /// Body of the request.
    pub request: Vec<FieldConfig>,
    /// Body of a successful response.
    pub response: Vec<FieldConfig>,
    /// Body of a response whose result code is not in `ok_results`.
    #[serde(default)]
    pub error: Option<Vec<FieldConfig>>,
    /// Declared request body length, checked against the fields.
    #[serde(default)]
    pub request_length: Option<usize>,
    /// Declared response body length, checked against the fields.
    #[serde(default)]
    pub response_length: Option<usize>,
}

/// One field, any type. Keys that do not apply to `type` are reported.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldConfig {
    /// JSON key of the field.
    pub name: String,
    /// Field type.
    #[serde(rename = "type")]
    pub kind: Option<FieldType>,
    /// Width in bytes.
    pub length: Option<usize>,
    /// Declared offset (frame coordinates; within a group, from the element start), checked.
    pub offset: Option<usize>,
    /// For people.
    pub description: Option<String>,
    /// Sensitive field: how to mask it in logs and storage.
    pub mask: Option<MaskKind>,
    /// Text: `left` (default) or `right` aligned.
    pub align: Option<Align>,
    /// Text, filler, group padding: the pad byte as a one-character string.
    pub pad: Option<String>,
    /// Text, number, date: what an all-blank field decodes to.
    pub blank: Option<Blank>,
    /// Text: cut too long values at a character boundary instead of failing.
    pub truncate: Option<bool>,
    /// Text: charset override.
    pub charset: Option<Charset>,
    /// Text: what encode does with pad characters at the edge decode trims (layout default).
    pub pad_edge: Option<PadEdge>,
    /// Numbers: implied (or, with `point`, explicit) decimal places; negative for COBOL `P`
    /// after the digits (`PIC S999PP`: -2), above the digit count for `P` before them.
    pub scale: Option<i32>,
    /// Numbers: the declared digit count (COBOL `PIC S9(8)V99` = 10), decimal places included.
    pub digits: Option<usize>,
    /// Number: an explicit decimal point occupies one byte.
    pub point: Option<bool>,
    /// Number: sign convention.
    pub sign: Option<SignKind>,
    /// Number with an overpunched sign: the characters of the sign digit.
    pub punch: Option<PunchKind>,
    /// Number with a separate sign: the character written for positive values.
    pub plus: Option<String>,
    /// Packed and binary numbers: signed or not.
    pub signed: Option<bool>,
    /// Packed numbers: which sign nibbles decode (`strict` C/D/F, `lenient` A-F).
    pub sign_nibbles: Option<SignNibbles>,
    /// Signed zoned and packed numbers: what a negative zero decodes to and how it is written.
    pub negative_zero: Option<NegativeZero>,
    /// Binary numbers: byte order.
    pub endian: Option<Endian>,
    /// Date/time: pattern with `yyyy MM dd HH mm ss SSS`.
    pub pattern: Option<String>,
    /// Date/time with `yy`: the first year of the century window (`1950`: 50-99 → 19yy).
    pub pivot: Option<u32>,
    /// Date/time: which wire values are null (`blank`, `zeros`, `blank_or_zeros`, `never`).
    pub null: Option<DateNull>,
    /// Date/time: how null is written, `space` (default) or `zero`.
    pub null_fill: Option<NullFill>,
    /// Constant: the bytes, as text.
    pub value: Option<String>,
    /// Group: name of an earlier sibling field holding the element count.
    pub count: Option<String>,
    /// Group: fixed element count (no count field).
    pub occurs: Option<usize>,
    /// Group: maximum element count.
    pub max: Option<usize>,
    /// Group: `padded` to the maximum (default) or `compact`.
    pub mode: Option<GroupMode>,
    /// Group: the element's fields.
    pub fields: Option<Vec<FieldConfig>>,
}

/// Field types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Text in the field's charset.
    Text,
    /// Zoned decimal digits.
    Number,
    /// Packed decimal (COMP-3).
    Packed,
    /// Binary integer.
    Binary,
    /// Date and/or time with a pattern.
    Date,
    /// Bytes with no meaning; not shown in JSON.
    Filler,
    /// Fixed bytes; checked on decode, not shown in JSON.
    Constant,
    /// Repeated group of fields.
    Group,
}

/// Text alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    /// Value first, pad after.
    Left,
    /// Pad first, value after.
    Right,
}

/// What encode does with a text value that begins (right aligned) or ends (left aligned) with
/// the pad character, which decode trims.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PadEdge {
    /// An encode error: the value would not come back from decode as it was given.
    #[default]
    Refuse,
    /// The edge's pad characters join the padding: the bytes are those of the value without
    /// them, which is what decode gives back.
    Merge,
}

/// What an all-blank field decodes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Blank {
    /// JSON `null`.
    Null,
    /// The empty string (text only).
    Empty,
    /// A decode error (numbers' default).
    Error,
}

/// Sign conventions of zoned numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignKind {
    /// Unsigned.
    None,
    /// A sign character in the field's first byte.
    Leading,
    /// A sign character in the field's last byte.
    Trailing,
    /// COBOL overpunch on the last digit (`{ABCDEFGHI` positive, `}JKLMNOPQR` negative).
    Overpunch,
    /// COBOL overpunch on the first digit.
    OverpunchLeading,
}

/// Which characters an overpunched sign digit is written with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PunchKind {
    /// IBM zones read in ASCII: `{ABCDEFGHI` positive, `}JKLMNOPQR` negative.
    #[default]
    Ibm,
    /// Micro Focus ASCII sign: plain digits positive, `pqrstuvwxy` negative.
    Ascii,
}

/// Which packed sign nibbles decode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignNibbles {
    /// Only the preferred nibbles: C/D when signed, F when unsigned.
    #[default]
    Strict,
    /// Every sign nibble IBM hardware accepts: A, C, E, F positive, B, D negative. Encoding
    /// writes the preferred nibble, so such a field is normalised, not kept byte-exact.
    Lenient,
}

/// What a negative zero (`-0`, overpunch `}`, packed `0D`) decodes to and how it is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NegativeZero {
    /// Decoded as the JSON number `-0` (`-0.00` at scale 2) and written back negative: decode →
    /// encode stays byte-exact.
    #[default]
    Keep,
    /// Decoded as `0` and written as a positive zero, whatever sign the engine sent.
    Positive,
}

/// How null dates are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NullFill {
    /// Spaces.
    Space,
    /// ASCII zeros.
    Zero,
}

/// Which wire values of a date/time field decode to null.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateNull {
    /// All spaces (the default of time-only patterns: `000000` is midnight).
    Blank,
    /// All digits zero, separators as in the pattern.
    Zeros,
    /// Either (the default of patterns with a date: an all-zero date is no date).
    BlankOrZeros,
    /// No null: blank is an error and null cannot be encoded.
    Never,
}

/// Group layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupMode {
    /// Always `max` elements on the wire; unused ones are pad.
    Padded,
    /// Only `count` elements on the wire.
    Compact,
}

/// How a sensitive value is masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaskKind {
    /// Resident registration number: `YYMMDD-*******`.
    Rrn,
    /// Account number: only the last 4 characters.
    Account,
    /// Personal name: first character, then `*`.
    Name,
    /// Everything: `****`.
    Full,
}
