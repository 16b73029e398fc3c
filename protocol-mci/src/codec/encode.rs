//! JSON → frame: walks the layout over the message's values, read through [`JsonObject`] so a
//! `serde_json::Map` and a borrowed [`crate::json::JsonTree`] encode alike. A level's values are
//! looked up with a [`Cursor`]: in place first, as objects hold them in layout order.

use std::ops::Range;

use super::decimal::Digits;
use super::path::Path;
use super::{date, packed, text, zoned};
use crate::error::{EncodeError, EncodeErrorKind};
use crate::json::{Cursor, JsonNode, JsonObject, Scalar, Shape};
use crate::layout::field::{fields_max_len, Field, Kind};
use crate::layout::Layout;

/// A frame being written; reserves the length prefix when it reaches its offset.
pub(crate) struct Writer<'a> {
    /// The frame so far.
    pub out: Vec<u8>,
    prefix_at: usize,
    prefix_width: usize,
    /// The path of the field being written.
    pub path: Path<'a>,
    /// Byte range of the field (or group element) being written, for errors.
    pub(super) at: Range<usize>,
    /// Missing numbers are written as zero instead of failing (the gateway's own error frames).
    pub lenient: bool,
}

impl<'a> Writer<'a> {
    /// A writer for a frame of about `capacity` bytes.
    pub fn new(layout: &Layout, capacity: usize) -> Writer<'a> {
        Writer {
            out: Vec::with_capacity(capacity),
            prefix_at: layout.framing.offset,
            prefix_width: layout.framing.prefix_width(),
            path: Path::default(),
            at: 0..0,
            lenient: false,
        }
    }

    /// An error at the current path.
    pub fn error(&self, kind: EncodeErrorKind) -> EncodeError {
        EncodeError {
            path: self.path.render(),
            range: self.at.clone(),
            kind,
        }
    }

    /// Writes `fields` from `values`; absent keys are null, unknown keys are ignored.
    pub fn fields<O: JsonObject + ?Sized>(
        &mut self,
        fields: &'a [Field],
        values: &O,
    ) -> Result<(), EncodeError> {
        let mut cursor = Cursor::new(values);
        for field in fields {
            if self.out.len() == self.prefix_at && self.prefix_width > 0 {
                self.out.resize(self.out.len() + self.prefix_width, b'0');
            }
            if let Kind::Redefines(area) = &field.kind {
                self.redefines(field, area, fields, &mut cursor)?;
                continue;
            }
            self.path.key(&field.name);
            // Set before anything can fail: every error below is about this field until a
            // group element or a nested field narrows it.
            let start = self.out.len();
            let len = field
                .kind
                .fixed_len()
                .unwrap_or_else(|| field.kind.max_len());
            self.at = start..start + len;
            let value = match field.kind {
                // Written without a value: no lookup by name for a key that is never there.
                Kind::Filler { .. } | Kind::Constant(_) if field.count_of.is_none() => {
                    cursor.pass(&field.name);
                    None
                }
                _ => cursor.get(&field.name),
            };
            let written = match field.count_of {
                Some(group) => {
                    let given = value.map_or(Scalar::Null, JsonNode::scalar);
                    let len = self.count(given, &fields[group].name, &cursor)?;
                    // A signed packed count decoded from `0D` goes back as it came.
                    let len_digits;
                    let count = match len {
                        Some(len) => {
                            len_digits = Digits::of(len as u128);
                            Scalar::Number(len_digits.as_str())
                        }
                        None => given,
                    };
                    self.scalar(&field.kind, count)
                }
                None => match value {
                    Some(value) => self.field(field, value),
                    None => self.scalar_or_group(field, Shape::<O::Node>::Null),
                },
            };
            // Errors end up in logs and stored records: never quote a sensitive value.
            written.map_err(|e| {
                if field.mask.is_some() {
                    e.redacted()
                } else {
                    e
                }
            })?;
            self.path.pop();
        }
        Ok(())
    }

    /// The count to write: the group's length (`Some`), which a given count must agree with,
    /// or `None` to write the given `-0` as it is.
    fn count<O: JsonObject + ?Sized>(
        &self,
        given: Scalar<'_>,
        group: &str,
        values: &Cursor<'_, O>,
    ) -> Result<Option<usize>, EncodeError> {
        let len = match values.peek(group).map(JsonNode::shape) {
            Some(Shape::Array(elements)) => elements.len(),
            _ => 0,
        };
        let text = super::decimal::text_of(given);
        let given_count = text.map(|t| match t {
            "-0" => Ok(0),
            t => t.parse::<usize>(),
        });
        match given_count {
            Some(Ok(n)) if n != len => Err(self.error(EncodeErrorKind::Invalid(format!(
                "expected {len} (the elements of group {group:?}), found {n}"
            )))),
            Some(Err(_)) => Err(self.error(EncodeErrorKind::Invalid(format!(
                "expected a whole number, found {}",
                given.json_text()
            )))),
            Some(Ok(_)) if text == Some("-0") => Ok(None),
            _ => Ok(Some(len)),
        }
    }

    fn field<N: JsonNode>(&mut self, field: &'a Field, value: &N) -> Result<(), EncodeError> {
        self.scalar_or_group(field, value.shape())
    }

    fn scalar_or_group<N: JsonNode>(
        &mut self,
        field: &'a Field,
        value: Shape<'_, N>,
    ) -> Result<(), EncodeError> {
        let Kind::Group(group) = &field.kind else {
            return self.scalar(&field.kind, value.scalar());
        };
        let elements: &[N] = match value {
            Shape::Null => &[],
            Shape::Array(elements) => elements,
            other => {
                let found = super::describe(other.scalar());
                return Err(self.error(EncodeErrorKind::WrongType {
                    expected: "an array",
                    found,
                }));
            }
        };
        if elements.len() > group.max {
            let value = elements.len().to_string();
            let limit = format!("at most {} elements", group.max);
            return Err(self.error(EncodeErrorKind::Overflow { value, limit }));
        }
        for (index, element) in elements.iter().enumerate() {
            self.path.index(index);
            let start = self.out.len();
            let len = group
                .element_len
                .unwrap_or_else(|| fields_max_len(&group.fields));
            self.at = start..start + len;
            let Shape::Object(element) = element.shape() else {
                let found = super::describe(element.scalar());
                return Err(self.error(EncodeErrorKind::WrongType {
                    expected: "an object",
                    found,
                }));
            };
            self.fields(&group.fields, element)?;
            self.path.pop();
        }
        if group.padded {
            for _ in elements.len()..group.max {
                self.out.extend_from_slice(&group.fill);
            }
        }
        Ok(())
    }

    fn scalar(&mut self, kind: &Kind, value: Scalar<'_>) -> Result<(), EncodeError> {
        let numeric = matches!(kind, Kind::Number(_) | Kind::Packed(_) | Kind::Binary(_));
        let value = if self.lenient && numeric && value.is_null() {
            Scalar::Number("0")
        } else {
            value
        };
        let out = &mut self.out;
        let result = match kind {
            Kind::Text(spec) => text::encode(spec, value, out),
            Kind::Number(spec) => zoned::encode(spec, value, out),
            Kind::Packed(spec) => packed::encode_packed(spec, value, out),
            Kind::Binary(spec) => packed::encode_binary(spec, value, out),
            Kind::Date(spec) => date::encode(spec, value, out),
            Kind::Filler { len, pad } => {
                out.resize(out.len() + len, *pad);
                Ok(())
            }
            Kind::Constant(bytes) => {
                out.extend_from_slice(bytes);
                Ok(())
            }
            Kind::Group(_) | Kind::Redefines(_) => Ok(()),
        };
        result.map_err(|kind| self.error(kind))
    }
}
