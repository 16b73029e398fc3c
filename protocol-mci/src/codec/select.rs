//! Which message a frame or a JSON message is: by frame length, by the key fields of the main
//! header, else the default (see the layout's `select` module for the rules).

use super::decode::Reader;
use super::Codec;
use crate::error::{DecodeError, DecodeErrorKind};
use crate::json::{JsonNode, JsonObject};
use crate::layout::header::{FieldPath, Header};
use crate::layout::{Layout, MessageLayout};
use crate::message::Message;
use crate::view::{FieldValue, Object};

impl Layout {
    /// The message a JSON message selects: by its key values, else the default.
    pub fn select(&self, message: &Message) -> Option<&MessageLayout> {
        self.select_by_header(&message.header)
    }

    /// The message a header selects: by its key values, else the default.
    pub(super) fn select_by_header<H>(&self, header: &H) -> Option<&MessageLayout>
    where
        H: JsonObject + ?Sized,
        H::Node: JsonNode<Object = H>,
    {
        let values = self.key_values(header);
        let index = match values.is_empty() {
            true => self.select.default,
            false => self.select.by_values(&values),
        };
        index.map(|i| &self.messages[i])
    }

    /// The key values a header holds, in key order (absent or non-text values are empty).
    pub fn key_values<H>(&self, header: &H) -> Vec<String>
    where
        H: JsonObject + ?Sized,
        H::Node: JsonNode<Object = H>,
    {
        let text = |path: &FieldPath| path.text_in(header).unwrap_or("");
        self.select.key.iter().map(|p| text(p).to_owned()).collect()
    }

    /// [`Layout::key_values`] of a decoded header view.
    pub fn key_values_view(&self, header: &Object<'_>) -> Vec<String> {
        let text = |path: &FieldPath| path.text_view(header).unwrap_or("");
        self.select.key.iter().map(|p| text(p).to_owned()).collect()
    }

    /// The name of the message a JSON message selects (its transaction code), if any.
    pub fn code_of(&self, message: &Message) -> Option<&str> {
        self.select(message).map(|m| m.code.as_str())
    }

    /// [`Layout::code_of`] for a header alone, in any JSON form (a `Map`, or members borrowed
    /// from a request's bytes).
    pub fn code_of_header<H>(&self, header: &H) -> Option<&str>
    where
        H: JsonObject + ?Sized,
        H::Node: JsonNode<Object = H>,
    {
        self.select_by_header(header).map(|m| m.code.as_str())
    }

    /// Every message a header can select, by name, with the key values that select it (in key
    /// order), sorted by name. A message only the frame's length selects is not among them.
    pub fn keyed_messages(&self) -> Vec<(&str, &[String])> {
        let mut keyed: Vec<(&str, &[String])> = (self.select.by_key.iter())
            .map(|(values, &index)| (self.messages[index].code.as_str(), values.as_slice()))
            .collect();
        keyed.sort_unstable();
        keyed
    }

    /// Every message only the frame's length selects (no key values do), by name, with that
    /// length, sorted by name: JSON cannot select them, so an encoder has to be told which.
    pub fn length_messages(&self) -> Vec<(&str, usize)> {
        let mut by_length: Vec<(&str, usize)> = (self.select.by_length.iter())
            .filter(|(_, index)| !self.select.by_key.values().any(|keyed| keyed == *index))
            .map(|(&length, &index)| (self.messages[index].code.as_str(), length))
            .collect();
        by_length.sort_unstable();
        by_length
    }
}

/// Decodes a header's sections: the legacy header's fields directly into the map, named
/// sections as one object each.
pub(super) fn read_header<'a>(
    reader: &mut Reader<'a>,
    header: Option<&'a Header>,
) -> Result<Object<'a>, DecodeError> {
    let Some(header) = header else {
        return Ok(Object::default());
    };
    let first = header.sections.first().map_or(0, |s| s.fields.len());
    let mut out = Object::with_capacity(if header.flat {
        first
    } else {
        header.sections.len()
    });
    for section in &header.sections {
        reader.path.key(&section.name);
        if header.flat {
            reader.fields(&section.fields, &mut out)?;
        } else {
            let mut values = Object::with_capacity(section.fields.len());
            reader.fields(&section.fields, &mut values)?;
            out.push(&section.name, None, FieldValue::Object(values));
        }
        reader.path.pop();
    }
    Ok(out)
}

/// A decoded main header and the reader positioned after it.
pub(super) type HeaderRead<'f> = (Reader<'f>, Object<'f>);

impl<'a> Codec<'a> {
    /// Selects the message of a frame: by length; else by the key, reading the main header
    /// (returned with its reader so the body is read on from there); else the default.
    pub(super) fn select_frame<'f>(
        &self,
        frame: &'f [u8],
    ) -> Result<(usize, Option<HeaderRead<'f>>), DecodeError>
    where
        'a: 'f,
    {
        let layout = self.layout;
        if let Some(&index) = layout.select.by_length.get(&frame.len()) {
            return Ok((index, None));
        }
        if layout.select.key.is_empty() {
            return match layout.select.default {
                Some(index) => Ok((index, None)),
                None => Err(DecodeError {
                    path: "frame".into(),
                    range: 0..frame.len(),
                    kind: DecodeErrorKind::UnknownMessage(format!(
                        "frame of {} bytes",
                        frame.len()
                    )),
                }),
            };
        }
        let mut reader = Reader::new(layout, frame);
        let header = read_header(&mut reader, layout.main_header())?;
        let values = layout.key_values_view(&header);
        match layout.select.by_values(&values) {
            Some(index) => Ok((index, Some((reader, header)))),
            None => {
                let (path, range) = self.key_site();
                Err(DecodeError {
                    path,
                    range,
                    kind: DecodeErrorKind::UnknownMessage(values.join(", ")),
                })
            }
        }
    }

    /// Path and byte range of the first key field, for unknown-message errors.
    pub(super) fn key_site(&self) -> (String, std::ops::Range<usize>) {
        let layout = self.layout;
        match (layout.select.key.first(), layout.main_header()) {
            (Some(path), Some(header)) => (path.to_string(), header.range(path, &layout.framing)),
            _ => ("frame".into(), 0..0),
        }
    }
}
