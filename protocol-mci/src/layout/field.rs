//! Validated field specifications: what the codec walks. They cannot be invalid.

use crate::charset::Charset;

pub use super::config::{Endian, MaskKind, NegativeZero, PunchKind, SignKind, SignNibbles};

/// One field of a header, body or group element.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// JSON key.
    pub name: String,
    /// Wire format.
    pub kind: Kind,
    /// How to mask the value when it is shown or stored, if sensitive.
    pub mask: Option<MaskKind>,
    /// When this field holds the element count of a later sibling group: that group's index.
    pub count_of: Option<usize>,
}

/// Wire formats.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// Text in a charset.
    Text(Text),
    /// Zoned decimal digits.
    Number(Zoned),
    /// Packed decimal (COMP-3).
    Packed(Packed),
    /// Binary integer with optional implied decimals.
    Binary(Binary),
    /// Date and/or time.
    Date(DateSpec),
    /// Bytes without meaning, written as `pad`.
    Filler {
        /// Width in bytes.
        len: usize,
        /// Byte written on encode.
        pad: u8,
    },
    /// Fixed bytes, checked on decode.
    Constant(Vec<u8>),
    /// Repeated group.
    Group(Group),
}

/// A text field.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    /// Width in bytes of the wire charset.
    pub len: usize,
    /// Right aligned: pad on the left.
    pub right: bool,
    /// Pad character: ASCII, or U+3000 (the full-width space), written and trimmed whole.
    pub pad: char,
    /// `pad` in the wire charset (one byte, or two/three for U+3000 in CP949/UTF-8).
    pub pad_bytes: Vec<u8>,
    /// All-pad decodes to null (else to "").
    pub blank_null: bool,
    /// Cut too long values at a character boundary instead of failing.
    pub truncate: bool,
    /// Pad characters at the trimmed edge of a value join the padding instead of failing.
    pub merge_edge: bool,
    /// Wire charset.
    pub charset: Charset,
}

/// A zoned decimal field.
#[derive(Debug, Clone, PartialEq)]
pub struct Zoned {
    /// Width in bytes, sign and point included.
    pub len: usize,
    /// Decimal places: the value is the digits × 10^-scale (negative for COBOL `P`).
    pub scale: i32,
    /// An explicit `.` is on the wire.
    pub point: bool,
    /// Sign convention.
    pub sign: SignKind,
    /// Characters of an overpunched sign digit.
    pub punch: PunchKind,
    /// Character written for a positive separate sign.
    pub plus: u8,
    /// All spaces decodes to null (else it is an error).
    pub blank_null: bool,
    /// What a negative zero decodes to and how it is written.
    pub negative_zero: NegativeZero,
}

impl Zoned {
    /// Number of digit positions.
    pub fn digits(&self) -> usize {
        let separate = matches!(self.sign, SignKind::Leading | SignKind::Trailing);
        self.len - usize::from(separate) - usize::from(self.point)
    }
}

/// A packed decimal field: two digits a byte, sign in the last nibble.
#[derive(Debug, Clone, PartialEq)]
pub struct Packed {
    /// Width in bytes.
    pub len: usize,
    /// Digit count: `2 * len - 1`, or one fewer (the first nibble is then a 0 pad).
    pub digits: usize,
    /// Implied decimal places (negative for COBOL `P`).
    pub scale: i32,
    /// Sign nibble C/D (signed) or F (unsigned).
    pub signed: bool,
    /// Which sign nibbles decode.
    pub sign_nibbles: SignNibbles,
    /// What a negative zero decodes to and how it is written.
    pub negative_zero: NegativeZero,
}

/// A binary integer field.
#[derive(Debug, Clone, PartialEq)]
pub struct Binary {
    /// Width: 1, 2, 4 or 8 bytes.
    pub len: usize,
    /// Declared digit count bounding the value (decimal places included), if any.
    pub digits: Option<usize>,
    /// Implied decimal places (negative for COBOL `P`).
    pub scale: i32,
    /// Two's complement or unsigned.
    pub signed: bool,
    /// Byte order.
    pub endian: Endian,
}

/// A date/time field described by a pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct DateSpec {
    /// Width in bytes.
    pub len: usize,
    /// The pattern, tokenised.
    pub tokens: Vec<DateToken>,
    /// All spaces decode to null.
    pub null_blank: bool,
    /// All digits zero decode to null.
    pub null_zeros: bool,
    /// Null is written as zeros (else spaces).
    pub null_zero: bool,
    /// With `yy`: the first year of the century window the two digits select.
    pub pivot: Option<u32>,
}

/// One piece of a date/time pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateToken {
    /// `yyyy`
    Year,
    /// `yy`, read through the field's pivot year.
    ShortYear,
    /// `MM`
    Month,
    /// `dd`
    Day,
    /// `HH`
    Hour,
    /// `mm`
    Minute,
    /// `ss`
    Second,
    /// `SSS`
    Millis,
    /// A literal byte.
    Literal(u8),
}

impl DateToken {
    /// Bytes on the wire.
    pub fn width(self) -> usize {
        match self {
            DateToken::Year => 4,
            DateToken::Millis => 3,
            DateToken::Literal(_) => 1,
            _ => 2,
        }
    }
}

/// A repeated group.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Where the element count comes from.
    pub count: GroupCount,
    /// Maximum element count.
    pub max: usize,
    /// Always `max` elements on the wire.
    pub padded: bool,
    /// Byte that fills unused elements of a padded group.
    pub pad: u8,
    /// The element's fields.
    pub fields: Vec<Field>,
    /// Width of one element when it is fixed.
    pub element_len: Option<usize>,
}

/// Source of a group's element count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupCount {
    /// An earlier sibling field, by index.
    Field(usize),
    /// Always this many.
    Fixed(usize),
}

impl Kind {
    /// Width in bytes when it does not depend on the data.
    pub fn fixed_len(&self) -> Option<usize> {
        match self {
            Kind::Text(t) => Some(t.len),
            Kind::Number(n) => Some(n.len),
            Kind::Packed(p) => Some(p.len),
            Kind::Binary(b) => Some(b.len),
            Kind::Date(d) => Some(d.len),
            Kind::Filler { len, .. } => Some(*len),
            Kind::Constant(bytes) => Some(bytes.len()),
            Kind::Group(g) => match (g.padded, g.element_len) {
                (true, Some(len)) => Some(len * g.max),
                _ => None,
            },
        }
    }

    /// Largest width in bytes.
    pub fn max_len(&self) -> usize {
        match self {
            Kind::Group(g) => g.max * fields_max_len(&g.fields),
            other => other.fixed_len().unwrap_or(0),
        }
    }

    /// Whether the field appears in JSON.
    pub fn is_visible(&self) -> bool {
        !matches!(self, Kind::Filler { .. } | Kind::Constant(_))
    }
}

/// Sum of fixed widths, or `None` when any field varies.
pub fn fields_fixed_len(fields: &[Field]) -> Option<usize> {
    fields.iter().map(|f| f.kind.fixed_len()).sum()
}

/// Sum of maximum widths.
pub fn fields_max_len(fields: &[Field]) -> usize {
    fields.iter().map(|f| f.kind.max_len()).sum()
}
