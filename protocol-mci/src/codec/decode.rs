//! Frame → typed values ([`crate::view`]): walks the layout over the frame's bytes. The JSON form
//! is this walk's result converted, so both share every check and error.

use super::path::Path;
use super::{date, packed, text, zoned};
use crate::error::{DecodeError, DecodeErrorKind};
use crate::framing::Prefix;
use crate::layout::field::{Field, GroupCount, Kind};
use crate::layout::Layout;
use crate::view::{FieldValue, Object};

/// A cursor over one frame that steps over the length prefix.
pub(crate) struct Reader<'a> {
    frame: &'a [u8],
    pos: usize,
    /// Where the fields end (the trailer starts).
    end: usize,
    prefix_at: usize,
    prefix_width: usize,
    /// Fixed-size frames: bytes after the last field are the record's space padding.
    padded_record: bool,
    /// The path of the field being read.
    pub path: Path<'a>,
}

impl<'a> Reader<'a> {
    /// A reader over a whole frame (prefix and trailer included).
    pub fn new(layout: &Layout, frame: &'a [u8]) -> Reader<'a> {
        let trailer = &layout.framing.trailer;
        let end = if frame.ends_with(trailer) {
            frame.len() - trailer.len()
        } else {
            frame.len()
        };
        Reader {
            frame,
            pos: 0,
            end,
            prefix_at: layout.framing.offset,
            prefix_width: layout.framing.prefix_width(),
            padded_record: matches!(layout.framing.prefix, Prefix::Fixed { .. }),
            path: Path::default(),
        }
    }

    /// An error at the current path.
    pub fn error(&self, start: usize, len: usize, kind: DecodeErrorKind) -> DecodeError {
        DecodeError {
            path: self.path.render(),
            range: start..start + len,
            kind,
        }
    }

    /// The next `len` bytes and their offset.
    pub(super) fn take(&mut self, len: usize) -> Result<(&'a [u8], usize), DecodeError> {
        if self.pos == self.prefix_at {
            self.pos += self.prefix_width;
        }
        let start = self.pos;
        if self.end - start.min(self.end) < len {
            let available = self.end.saturating_sub(start);
            return Err(self.error(
                start,
                len,
                DecodeErrorKind::Truncated {
                    expected: len,
                    available,
                },
            ));
        }
        self.pos += len;
        Ok((&self.frame[start..start + len], start))
    }

    /// The offset of the next byte to read.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Fails unless every byte before the trailer was read, or, in a fixed-size record (whose
    /// body can be shorter than the record when it holds a compact group), is space padding.
    pub fn finish(&mut self) -> Result<(), DecodeError> {
        // A body-only frame that ends where its prefix starts has still to step over it.
        if self.pos == self.prefix_at {
            self.pos += self.prefix_width;
        }
        let rest = self.frame.get(self.pos..self.end).unwrap_or_default();
        if self.padded_record {
            return match rest.iter().position(|&b| b != b' ') {
                Some(at) => Err(DecodeError {
                    path: "frame.padding".into(),
                    range: self.pos + at..self.pos + at + 1,
                    kind: DecodeErrorKind::UnexpectedByte {
                        expected: "record padding (space)",
                        found: rest[at],
                        offset: self.pos + at,
                    },
                }),
                None => Ok(()),
            };
        }
        if self.pos < self.end {
            let extra = self.end - self.pos;
            return Err(DecodeError {
                path: "frame".into(),
                range: self.pos..self.end,
                kind: DecodeErrorKind::TrailingBytes(extra),
            });
        }
        Ok(())
    }

    /// Decodes `fields` into `out`.
    pub fn fields(&mut self, fields: &'a [Field], out: &mut Object<'a>) -> Result<(), DecodeError> {
        for field in fields {
            if let Kind::Redefines(area) = &field.kind {
                self.redefines(field, area, fields, out)?;
                continue;
            }
            self.path.key(&field.name);
            // Errors end up in logs and stored records: never quote a sensitive value.
            self.field(field, fields, out).map_err(|mut e| {
                if field.mask.is_some() {
                    if let DecodeErrorKind::OutOfRange(_) = e.kind {
                        e.kind = DecodeErrorKind::OutOfRange("value out of range".into());
                    }
                }
                e
            })?;
            self.path.pop();
        }
        Ok(())
    }

    /// Decodes one field and appends it to `out` (its earlier siblings) unless JSON does not
    /// show it. The value goes straight into `out`: handing it back through an
    /// `Option`/`Result` copied it once more per field.
    fn field(
        &mut self,
        field: &'a Field,
        siblings: &'a [Field],
        out: &mut Object<'a>,
    ) -> Result<(), DecodeError> {
        let group = match &field.kind {
            Kind::Group(group) => group,
            kind => {
                let len = kind.fixed_len().unwrap_or(0);
                let (bytes, start) = self.take(len)?;
                let value = match kind {
                    Kind::Text(spec) => text::decode(spec, bytes, start),
                    Kind::Number(spec) => zoned::decode(spec, bytes, start),
                    Kind::Packed(spec) => packed::decode_packed(spec, bytes, start),
                    Kind::Binary(spec) => packed::decode_binary(spec, bytes),
                    Kind::Date(spec) => date::decode(spec, bytes, start)
                        .map(|parts| parts.map_or(FieldValue::Null, FieldValue::Date)),
                    Kind::Constant(expected) if bytes != expected.as_slice() => {
                        Err(DecodeErrorKind::ConstantMismatch {
                            expected: String::from_utf8_lossy(expected).into_owned(),
                            found: String::from_utf8_lossy(bytes).into_owned(),
                        })
                    }
                    _ => return Ok(()),
                };
                let value = value.map_err(|kind| self.error(start, len, kind))?;
                if let Some(group) = field.count_of {
                    self.check_count(&value, &siblings[group].kind, start, len)?;
                }
                out.push(&field.name, field.mask, value);
                return Ok(());
            }
        };
        let count = match group.count {
            GroupCount::Fixed(n) => n,
            GroupCount::Field(i) => out.get(&siblings[i].name).and_then(count_of).unwrap_or(0),
        };
        let mut elements = Vec::with_capacity(count);
        for index in 0..count {
            self.path.index(index);
            let mut element = Object::with_capacity(group.fields.len());
            self.fields(&group.fields, &mut element)?;
            self.path.pop();
            elements.push(element);
        }
        if group.padded {
            let unused = (group.max - count) * group.element_len.unwrap_or(0);
            let (bytes, start) = self.take(unused)?;
            if group.check_unused {
                self.check_unused(group, count, bytes, start)?;
            }
        }
        out.push(&field.name, field.mask, FieldValue::Group(elements));
        Ok(())
    }

    /// Where the next field starts (after the length prefix, when it is next).
    pub(super) fn next_offset(&self) -> usize {
        match self.pos == self.prefix_at {
            true => self.pos + self.prefix_width,
            false => self.pos,
        }
    }

    /// A count above its group's maximum is an error at the count field.
    fn check_count(
        &self,
        value: &FieldValue<'_>,
        group: &Kind,
        start: usize,
        len: usize,
    ) -> Result<(), DecodeError> {
        let Kind::Group(group) = group else {
            return Ok(());
        };
        // A signed packed or binary count can decode below zero: that is a bad record here, not
        // an empty group whose bytes would then be read as the next fields.
        let Some(count) = count_of(value) else {
            let message = format!(
                "expected a number of elements, found count {}",
                value.to_value()
            );
            return Err(self.error(start, len, DecodeErrorKind::OutOfRange(message)));
        };
        if count > group.max {
            let message = format!("expected a count of at most {}, found {count}", group.max);
            return Err(self.error(start, len, DecodeErrorKind::OutOfRange(message)));
        }
        Ok(())
    }
}

/// A decoded count field as a number of elements (counts are unsigned integers; a signed
/// packed count may hold the negative zero `0D`, which is no elements).
fn count_of(value: &FieldValue<'_>) -> Option<usize> {
    match value {
        FieldValue::Decimal(decimal) => decimal.count(),
        _ => None,
    }
}
