//! A decoded frame as typed values, borrowed from the frame where possible: the hot path's form
//! of a message ([`crate::Layout::decode_view`]).
//!
//! Fields come in layout order, each with its name (borrowed from the layout) and its value:
//! text as `Cow<str>` (borrowed when the wire bytes are already valid UTF-8, e.g. ASCII; CP949
//! Hangul is converted), exact decimals as scaled integers ([`ScaledDecimal`]), dates and times as
//! their parsed parts ([`DateParts`]), groups as lists of objects. Nothing is hashed and no number
//! is formatted until a caller asks for JSON: [`MessageView::into_message`] and
//! [`FieldValue::to_value`] give exactly what [`crate::Layout::decode`] gives, which is itself
//! this view converted.
//!
//! # Layout
//! - `decimal`: [`ScaledDecimal`].
//! - `json`: conversion to `serde_json::Value` and [`crate::Message`], for the edges.
//! - `masked`: the view as a stored record's masked JSON ([`crate::Layout::write_masked_json`]).
//! - `tree`: the view as a borrowed [`crate::json::JsonTree`] ([`Object::into_tree`]).
//! - `write`: the view as JSON text without building a `Value` ([`Object::write_json`]).

mod decimal;
mod json;
mod masked;
mod tree;
mod write;

use std::borrow::Cow;

pub use self::decimal::ScaledDecimal;
pub use self::write::write_json_str;
pub use crate::codec::DateParts;
use crate::layout::config::MaskKind;

/// A decoded frame: its header part and its body, as typed values.
///
/// With the legacy `[header]` the header object holds the header fields; with named sections it
/// holds one [`FieldValue::Object`] per section, as [`crate::Message::header`] does.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MessageView<'a> {
    /// Header fields (or header sections) in wire order.
    pub header: Object<'a>,
    /// Body fields in wire order.
    pub body: Object<'a>,
}

/// Named values in wire order: a body, a header section, a group element or a redefines view.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Object<'a> {
    /// The fields shown in JSON (not fillers, constants or redefines areas, whose views are
    /// entries of their own).
    pub entries: Vec<Entry<'a>>,
}

/// One named value.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry<'a> {
    /// JSON key: the field's, section's or redefines view's name.
    pub name: &'a str,
    /// How the layout masks the field when it is shown or stored, if it is sensitive.
    pub mask: Option<MaskKind>,
    /// The decoded value.
    pub value: FieldValue<'a>,
}

/// A decoded value.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue<'a> {
    /// A blank (or, as the field declares, all-zero) value.
    Null,
    /// Text without its padding; borrowed from the frame when no conversion was needed.
    Text(Cow<'a, str>),
    /// An exact decimal with the field's scale.
    Decimal(ScaledDecimal),
    /// A date and/or time with the components of the field's pattern.
    Date(DateParts),
    /// A repeating group's elements.
    Group(Vec<Object<'a>>),
    /// A header section or the view a redefines area was read through.
    Object(Object<'a>),
}

impl<'a> Object<'a> {
    /// An empty object with room for `capacity` entries.
    pub fn with_capacity(capacity: usize) -> Object<'a> {
        Object {
            entries: Vec::with_capacity(capacity),
        }
    }

    /// The value named `name`.
    pub fn get(&self, name: &str) -> Option<&FieldValue<'a>> {
        self.entries
            .iter()
            .find(|entry| entry.name == name)
            .map(|entry| &entry.value)
    }

    /// The entries in wire order.
    pub fn iter(&self) -> std::slice::Iter<'_, Entry<'a>> {
        self.entries.iter()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Appends an entry.
    pub(crate) fn push(&mut self, name: &'a str, mask: Option<MaskKind>, value: FieldValue<'a>) {
        self.entries.push(Entry { name, mask, value });
    }
}

impl<'o, 'a> IntoIterator for &'o Object<'a> {
    type Item = &'o Entry<'a>;
    type IntoIter = std::slice::Iter<'o, Entry<'a>>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

impl FieldValue<'_> {
    /// The text of a text field.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            FieldValue::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The text a redefines selector compares with its `when` values: text as it is, a number
    /// as its decimal text, anything else as "".
    pub(crate) fn selector_text(&self) -> Cow<'_, str> {
        match self {
            FieldValue::Text(text) => Cow::Borrowed(text),
            FieldValue::Decimal(decimal) => Cow::Owned(decimal.to_string()),
            _ => Cow::Borrowed(""),
        }
    }
}
