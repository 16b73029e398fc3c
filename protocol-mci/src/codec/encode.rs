//! JSON → frame: walks the layout over the message's values.

use std::ops::Range;

use serde_json::{Map, Number, Value};

use super::path::Path;
use super::{date, packed, text, zoned};
use crate::error::{EncodeError, EncodeErrorKind};
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
    at: Range<usize>,
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
    pub fn fields(
        &mut self,
        fields: &'a [Field],
        values: &Map<String, Value>,
    ) -> Result<(), EncodeError> {
        for field in fields {
            if self.out.len() == self.prefix_at && self.prefix_width > 0 {
                self.out.resize(self.out.len() + self.prefix_width, b'0');
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
            let value = values.get(&field.name).unwrap_or(&Value::Null);
            let written = match field.count_of {
                Some(group) => {
                    let count = self.count(value, &fields[group].name, values)?;
                    self.scalar(&field.kind, &count)
                }
                None => self.field(field, value),
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

    /// The count to write: the group's length, which a given count must agree with.
    fn count(
        &self,
        given: &Value,
        group: &str,
        values: &Map<String, Value>,
    ) -> Result<Value, EncodeError> {
        let len = values
            .get(group)
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
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
                "expected a whole number, found {given}"
            )))),
            // A signed packed count decoded from `0D` goes back as it came.
            Some(Ok(_)) if text == Some("-0") => Ok(given.clone()),
            _ => Ok(Value::Number(Number::from(len))),
        }
    }

    fn field(&mut self, field: &'a Field, value: &Value) -> Result<(), EncodeError> {
        let Kind::Group(group) = &field.kind else {
            return self.scalar(&field.kind, value);
        };
        let empty = Vec::new();
        let elements = match value {
            Value::Null => &empty,
            Value::Array(elements) => elements,
            other => {
                let found = super::describe(other);
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
            let Value::Object(element) = element else {
                let found = super::describe(element);
                return Err(self.error(EncodeErrorKind::WrongType {
                    expected: "an object",
                    found,
                }));
            };
            self.fields(&group.fields, element)?;
            self.path.pop();
        }
        let unused = match group.padded {
            true => (group.max - elements.len()) * group.element_len.unwrap_or(0),
            false => 0,
        };
        self.out.resize(self.out.len() + unused, group.pad);
        Ok(())
    }

    fn scalar(&mut self, kind: &Kind, value: &Value) -> Result<(), EncodeError> {
        let zero = Value::Number(Number::from(0));
        let numeric = matches!(kind, Kind::Number(_) | Kind::Packed(_) | Kind::Binary(_));
        let value = if self.lenient && numeric && value.is_null() {
            &zero
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
            Kind::Group(_) => Ok(()),
        };
        result.map_err(|kind| self.error(kind))
    }
}
