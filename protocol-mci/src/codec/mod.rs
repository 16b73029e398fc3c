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
mod iso;
mod packed;
mod path;
mod text;
mod zoned;

use serde_json::{Map, Value};

use self::decode::Reader;
use self::encode::Writer;
use crate::error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
use crate::framing::Prefix;
use crate::layout::field::Field;
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
        self.codec(direction).decode(frame)
    }

    /// Encodes a message of the given direction into a whole frame.
    pub fn encode(&self, direction: Direction, message: &Message) -> Result<Vec<u8>, EncodeError> {
        self.codec(direction).encode(message)
    }

    /// Decodes only the header: enough to route a frame whose body is bad, and answer it.
    pub fn decode_header(&self, frame: &[u8]) -> Result<Map<String, Value>, DecodeError> {
        self.check_length(frame)?;
        let mut reader = Reader::new(self, frame);
        let mut header = Map::with_capacity(self.header.len());
        reader.path.key("header");
        reader.fields(&self.header, &mut header)?;
        Ok(header)
    }

    /// An answer the gateway writes itself (bad request, live engine failure): the request's
    /// header with the flag set to response and the result field set to `code`; then the error
    /// body with its first text field holding `text`, or, without an error body, the response body
    /// left blank (numbers zero). When the transaction code is unknown the frame is header-only.
    pub fn encode_error_answer(
        &self,
        request_header: &Map<String, Value>,
        code: &str,
        text: &str,
    ) -> Result<Vec<u8>, EncodeError> {
        let mut header = request_header.clone();
        if let Some((flag, _, response)) = self.flag() {
            header.insert(flag.to_owned(), Value::String(response.to_owned()));
        }
        if let Some((field, _)) = self.result() {
            header.insert(field.to_owned(), Value::String(code.to_owned()));
        }
        let code_value = header
            .get(self.discriminator_field())
            .and_then(Value::as_str);
        let selected = code_value.and_then(|c| self.message(c));
        let mut body = Map::new();
        let fields: &[Field] = match selected {
            Some(message) => self.body_fields(message, Direction::Response, &header),
            None => &[],
        };
        let is_error_body = selected
            .and_then(|m| m.error.as_deref())
            .is_some_and(|e| std::ptr::eq(e.as_ptr(), fields.as_ptr()));
        if is_error_body {
            let first_text = fields
                .iter()
                .find(|f| matches!(f.kind, crate::layout::field::Kind::Text(_)));
            if let Some(field) = first_text {
                body.insert(field.name.clone(), Value::String(text.to_owned()));
            }
        }
        self.write_frame(&header, fields, &body, true)
    }

    /// Writes header and body, then the trailer and the length prefix. `lenient` writes missing
    /// numbers as zero (the gateway's own error answers).
    fn write_frame(
        &self,
        header: &Map<String, Value>,
        fields: &[Field],
        body: &Map<String, Value>,
        lenient: bool,
    ) -> Result<Vec<u8>, EncodeError> {
        let mut writer = Writer::new(self, self.header_len + 256);
        writer.lenient = lenient;
        writer.path.key("header");
        writer.fields(&self.header, header)?;
        writer.path.pop();
        writer.path.key("body");
        writer.fields(fields, body)?;
        let mut frame = writer.out;
        // A fixed-size record whose body holds a compact group is padded with spaces at the end.
        if let Prefix::Fixed { size } = self.framing.prefix {
            let short = size.saturating_sub(frame.len() + self.framing.trailer.len());
            frame.resize(frame.len() + short, b' ');
        }
        frame.extend_from_slice(&self.framing.trailer);
        let prefix = self
            .framing
            .prefix_bytes(frame.len())
            .map_err(|limit| EncodeError {
                path: "frame".into(),
                range: 0..frame.len(),
                kind: EncodeErrorKind::FrameTooLarge {
                    actual: frame.len(),
                    limit,
                },
            })?;
        frame[self.framing.prefix_range()].copy_from_slice(&prefix);
        Ok(frame)
    }

    /// The discriminator value of a message, if it has one.
    pub fn code_of<'m>(&self, message: &'m Message) -> Option<&'m str> {
        message.header_text(self.discriminator_field())
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
                let code = header.get(field).and_then(Value::as_str).unwrap_or("");
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

impl Codec<'_> {
    /// Decodes a whole frame into `{header, body}`.
    pub fn decode(&self, frame: &[u8]) -> Result<Message, DecodeError> {
        let layout = self.layout;
        layout.check_length(frame)?;
        let mut reader = Reader::new(layout, frame);
        let mut header = Map::with_capacity(layout.header.len());
        reader.path.key("header");
        reader.fields(&layout.header, &mut header)?;
        reader.path.pop();
        let message = self
            .message_of(&header)
            .map_err(|(code, range)| DecodeError {
                path: format!("header.{}", layout.discriminator_field()),
                range,
                kind: DecodeErrorKind::UnknownMessage(code),
            })?;
        let fields = layout.body_fields(message, self.direction, &header);
        let mut body = Map::with_capacity(fields.len());
        reader.path.key("body");
        reader.fields(fields, &mut body)?;
        reader.finish()?;
        Ok(Message { header, body })
    }

    /// Encodes `{header, body}` into a whole frame with its prefix and trailer.
    pub fn encode(&self, message: &Message) -> Result<Vec<u8>, EncodeError> {
        let layout = self.layout;
        let code = layout.code_of(message).unwrap_or("");
        let selected = layout.message(code).ok_or_else(|| EncodeError {
            path: format!("header.{}", layout.discriminator_field()),
            range: layout.discriminator_range(),
            kind: EncodeErrorKind::UnknownMessage(code.to_owned()),
        })?;
        let fields = layout.body_fields(selected, self.direction, &message.header);
        layout.write_frame(&message.header, fields, &message.body, false)
    }

    /// The message selected by the header's discriminator, or the unknown code and its bytes.
    fn message_of(
        &self,
        header: &Map<String, Value>,
    ) -> Result<&MessageLayout, (String, std::ops::Range<usize>)> {
        let layout = self.layout;
        let code = header
            .get(layout.discriminator_field())
            .and_then(Value::as_str)
            .unwrap_or("");
        layout
            .message(code)
            .ok_or_else(|| (code.to_owned(), layout.discriminator_range()))
    }
}

impl Layout {
    /// Byte range of the discriminator in the frame.
    fn discriminator_range(&self) -> std::ops::Range<usize> {
        let mut pos = 0;
        for (i, field) in self.header.iter().enumerate() {
            if pos == self.framing.offset {
                pos += self.framing.prefix_width();
            }
            let len = field.kind.fixed_len().unwrap_or(0);
            if i == self.discriminator {
                return pos..pos + len;
            }
            pos += len;
        }
        0..0
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
