//! The codec: frame bytes ↔ [`Message`], driven by a [`Layout`].
//!
//! Decoding checks the length prefix and trailer, decodes the header, selects the message by the
//! discriminator (and, for responses, the error body by the result code), decodes the body and
//! fails on leftover bytes. Encoding writes header and body, then the prefix and trailer.

mod date;
mod decimal;
mod decode;
mod encode;
mod exponent;
mod packed;
mod path;
mod text;
mod zoned;

use serde_json::{Map, Value};

use self::decode::Reader;
use self::encode::Writer;
use crate::error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
use crate::framing::Prefix;
use crate::layout::field::{Field, Kind};
use crate::layout::header::Header;
use crate::layout::{Layout, MessageLayout};
use crate::message::{Direction, Message};

/// A layout bound to one direction: `decode` and `encode` of request or response frames.
#[derive(Debug, Clone, Copy)]
pub struct Codec<'a> {
    layout: &'a Layout,
    direction: Direction,
}

impl Layout {
    /// The codec for one direction.
    pub fn codec(&self, direction: Direction) -> Codec<'_> {
        Codec {
            layout: self,
            direction,
        }
    }

    /// Decodes a whole frame of the given direction.
    pub fn decode(&self, direction: Direction, frame: &[u8]) -> Result<Message, DecodeError> {
        self.codec(direction)
            .decode(frame)
            .map(|(_, message)| message)
    }

    /// Decodes a whole frame and says which message it is (selected by length, key or default).
    pub fn decode_selected(
        &self,
        direction: Direction,
        frame: &[u8],
    ) -> Result<(&MessageLayout, Message), DecodeError> {
        self.codec(direction).decode(frame)
    }

    /// Encodes a message of the given direction into a whole frame.
    pub fn encode(&self, direction: Direction, message: &Message) -> Result<Vec<u8>, EncodeError> {
        self.codec(direction).encode(message)
    }

    /// Encodes a message as the given message layout (e.g. one selected by frame length, which
    /// JSON alone cannot select).
    pub fn encode_as(
        &self,
        direction: Direction,
        selected: &MessageLayout,
        message: &Message,
    ) -> Result<Vec<u8>, EncodeError> {
        let fields = self.body_fields(selected, direction, &message.header);
        let header = self.header_of(selected);
        self.write_frame(header, &message.header, fields, &message.body, false)
    }

    /// Decodes only the main header: enough to route a frame whose body is bad, and answer it.
    /// A layout without a main header gives an empty map.
    pub fn decode_header(&self, frame: &[u8]) -> Result<Map<String, Value>, DecodeError> {
        self.check_length(frame)?;
        let mut reader = Reader::new(self, frame);
        read_header(&mut reader, self.main_header())
    }

    /// The message a JSON message selects: by its key values, else the default.
    pub fn select(&self, message: &Message) -> Option<&MessageLayout> {
        self.select_by_header(&message.header)
    }

    /// The message a header selects: by its key values, else the default.
    fn select_by_header(&self, header: &Map<String, Value>) -> Option<&MessageLayout> {
        let values = self.key_values(header);
        let index = match values.is_empty() {
            true => self.select.default,
            false => self.select.by_values(&values),
        };
        index.map(|i| &self.messages[i])
    }

    /// The key values a header holds, in key order (absent or non-text values are empty).
    fn key_values(&self, header: &Map<String, Value>) -> Vec<String> {
        let text = |path: &crate::layout::header::FieldPath| path.text(header).unwrap_or("");
        self.select.key.iter().map(|p| text(p).to_owned()).collect()
    }

    /// An answer the gateway writes itself (bad request, live engine failure): the request's
    /// header with the flag set to response and the result field set to `code`; then the error
    /// body with its first text field holding `text`, or, without an error body, the response body
    /// left blank (numbers zero). When no message is selected the frame is header-only.
    pub fn encode_error_answer(
        &self,
        request_header: &Map<String, Value>,
        code: &str,
        text: &str,
    ) -> Result<Vec<u8>, EncodeError> {
        let mut header = request_header.clone();
        if let Some((flag, _, response)) = self.flag() {
            flag.set(&mut header, Value::String(response.to_owned()));
        }
        if let Some((field, _)) = self.result() {
            field.set(&mut header, Value::String(code.to_owned()));
        }
        let selected = self.select_by_header(&header);
        let mut body = Map::new();
        let fields: &[Field] = match selected {
            Some(message) => self.body_fields(message, Direction::Response, &header),
            None => &[],
        };
        let is_error_body = selected
            .and_then(|m| m.error.as_deref())
            .is_some_and(|e| std::ptr::eq(e.as_ptr(), fields.as_ptr()));
        if is_error_body {
            let first_text = fields.iter().find(|f| matches!(f.kind, Kind::Text(_)));
            if let Some(field) = first_text {
                body.insert(field.name.clone(), Value::String(text.to_owned()));
            }
        }
        let header_layout = match selected {
            Some(message) => self.header_of(message),
            None => self.main_header(),
        };
        self.write_frame(header_layout, &header, fields, &body, true)
    }

    /// Writes header and body, then the trailer and the length prefix. `lenient` writes missing
    /// numbers as zero (the gateway's own error answers).
    fn write_frame(
        &self,
        header_layout: Option<&Header>,
        header: &Map<String, Value>,
        fields: &[Field],
        body: &Map<String, Value>,
        lenient: bool,
    ) -> Result<Vec<u8>, EncodeError> {
        let mut writer = Writer::new(self, self.header_len + 256);
        writer.lenient = lenient;
        let empty = Map::new();
        for section in header_layout.map_or(&[][..], |h| h.sections.as_slice()) {
            let values = match header_layout.is_some_and(|h| h.flat) {
                true => header,
                false => header
                    .get(&section.name)
                    .and_then(Value::as_object)
                    .unwrap_or(&empty),
            };
            writer.path.key(&section.name);
            writer.fields(&section.fields, values)?;
            writer.path.pop();
        }
        writer.path.key(self.body_key());
        writer.fields(fields, body)?;
        let mut frame = writer.out;
        // A frame with no field after the prefix offset (an empty body-only frame) still has one.
        if frame.len() == self.framing.offset {
            frame.resize(frame.len() + self.framing.prefix_width(), b'0');
        }
        // A fixed-size record whose body holds a compact group is padded with spaces at the end.
        if let Prefix::Fixed { size } = self.framing.prefix {
            let short = size.saturating_sub(frame.len() + self.framing.trailer.len());
            frame.resize(frame.len() + short, b' ');
        }
        frame.extend_from_slice(&self.framing.trailer);
        let actual = frame.len();
        let too_large = |limit| EncodeError {
            path: "frame".into(),
            range: 0..actual,
            kind: EncodeErrorKind::FrameTooLarge { actual, limit },
        };
        let prefix = self.framing.prefix_bytes(frame.len()).map_err(too_large)?;
        let range = self.framing.prefix_range();
        match frame.get_mut(range) {
            Some(slot) => slot.copy_from_slice(&prefix),
            None => {
                let limit = format!(
                    "a frame reaching the length prefix at {}",
                    self.framing.offset
                );
                return Err(too_large(limit));
            }
        }
        Ok(frame)
    }

    /// The name of the message a JSON message selects (its transaction code), if any.
    pub fn code_of(&self, message: &Message) -> Option<&str> {
        self.select(message).map(|m| m.code.as_str())
    }

    /// The body fields a message uses in a direction (the error body when its result says so).
    pub fn body_fields<'a>(
        &'a self,
        message: &'a MessageLayout,
        direction: Direction,
        header: &Map<String, Value>,
    ) -> &'a [Field] {
        match (direction, &message.error, self.result()) {
            (Direction::Response, Some(error), Some((field, ok))) if !ok.is_empty() => {
                let code = field.text(header).unwrap_or("");
                if ok.iter().any(|o| o == code) {
                    &message.response
                } else {
                    error
                }
            }
            (Direction::Request, ..) => &message.request,
            _ => &message.response,
        }
    }

    /// Checks the frame's length prefix against its actual length.
    fn check_length(&self, frame: &[u8]) -> Result<(), DecodeError> {
        let head = self.framing.head_len();
        let prefix = self.framing.prefix_range();
        let error = |kind| DecodeError {
            path: "frame.length".into(),
            range: prefix.clone(),
            kind,
        };
        if frame.len() < head {
            let kind = DecodeErrorKind::Truncated {
                expected: head,
                available: frame.len(),
            };
            return Err(error(kind));
        }
        let declared = self
            .framing
            .frame_len(&frame[..head])
            .map_err(|e| error(DecodeErrorKind::OutOfRange(e.to_string())))?;
        if declared != frame.len() {
            return Err(error(DecodeErrorKind::LengthMismatch {
                declared,
                actual: frame.len(),
            }));
        }
        let trailer = &self.framing.trailer;
        if !frame.ends_with(trailer) {
            let start = frame.len().saturating_sub(trailer.len());
            return Err(DecodeError {
                path: "frame.trailer".into(),
                range: start..frame.len(),
                kind: DecodeErrorKind::ConstantMismatch {
                    expected: String::from_utf8_lossy(trailer).into_owned(),
                    found: String::from_utf8_lossy(&frame[start..]).into_owned(),
                },
            });
        }
        Ok(())
    }
}

/// Decodes a header's sections: the legacy header's fields directly into the map, named
/// sections as one object each.
fn read_header<'a>(
    reader: &mut Reader<'a>,
    header: Option<&'a Header>,
) -> Result<Map<String, Value>, DecodeError> {
    let mut out = Map::new();
    let Some(header) = header else {
        return Ok(out);
    };
    for section in &header.sections {
        reader.path.key(&section.name);
        if header.flat {
            reader.fields(&section.fields, &mut out)?;
        } else {
            let mut values = Map::with_capacity(section.fields.len());
            reader.fields(&section.fields, &mut values)?;
            out.insert(section.name.clone(), Value::Object(values));
        }
        reader.path.pop();
    }
    Ok(out)
}

impl<'a> Codec<'a> {
    /// Decodes a whole frame into its message and `{header, body}`.
    pub fn decode<'f>(&self, frame: &'f [u8]) -> Result<(&'a MessageLayout, Message), DecodeError>
    where
        'a: 'f,
    {
        let layout = self.layout;
        layout.check_length(frame)?;
        let (index, read) = self.select_frame(frame)?;
        let message = &layout.messages[index];
        let (mut reader, header) = match read {
            Some(read) if message.header == layout.main => read,
            _ => {
                let mut reader = Reader::new(layout, frame);
                let header = read_header(&mut reader, layout.header_of(message))?;
                (reader, header)
            }
        };
        let fields = layout.body_fields(message, self.direction, &header);
        let mut body = Map::with_capacity(fields.len());
        reader.path.key(layout.body_key());
        reader.fields(fields, &mut body)?;
        reader.finish()?;
        Ok((message, Message { header, body }))
    }

    /// Encodes `{header, body}` into a whole frame with its prefix and trailer; the message is
    /// selected by the header's key values, else the default.
    pub fn encode(&self, message: &Message) -> Result<Vec<u8>, EncodeError> {
        let layout = self.layout;
        let selected = layout.select(message).ok_or_else(|| {
            let (path, range) = self.key_site();
            EncodeError {
                path,
                range,
                kind: EncodeErrorKind::UnknownMessage(
                    layout.key_values(&message.header).join(", "),
                ),
            }
        })?;
        layout.encode_as(self.direction, selected, message)
    }

    /// Selects the message of a frame: by length; else by the key, reading the main header
    /// (returned with its reader so the body is read on from there); else the default.
    #[allow(clippy::type_complexity)]
    fn select_frame<'f>(
        &self,
        frame: &'f [u8],
    ) -> Result<(usize, Option<(Reader<'f>, Map<String, Value>)>), DecodeError>
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
        let values = layout.key_values(&header);
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
    fn key_site(&self) -> (String, std::ops::Range<usize>) {
        let layout = self.layout;
        match (layout.select.key.first(), layout.main_header()) {
            (Some(path), Some(header)) => (path.to_string(), header.range(path, &layout.framing)),
            _ => ("frame".into(), 0..0),
        }
    }
}

/// A short description of a JSON value for type errors.
pub(crate) fn describe(value: &Value) -> String {
    let kind = match value {
        Value::Null => return "null".into(),
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        // Arrays and objects are named, not serialised: they can be large.
        Value::Array(_) => return "an array".into(),
        Value::Object(_) => return "an object".into(),
    };
    let short: String = value.to_string().chars().take(40).collect();
    format!("{kind} {short}")
}
