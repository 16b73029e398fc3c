//! The codec: frame bytes ↔ [`Message`], driven by a [`Layout`].
//!
//! Decoding checks the length prefix and trailer, selects the message (`select`: by frame length,
//! key fields or default), decodes its header section by section and its body (for responses, the
//! error body when the result code says so), and fails on leftover bytes. Encoding writes header
//! and body, then the prefix and trailer.

mod date;
pub(crate) mod decimal;
mod decode;
mod encode;
mod exponent;
pub(crate) mod fill;
mod iso;
mod packed;
mod path;
mod redefines;
mod select;
mod text;
mod view;
mod zoned;

pub use self::iso::DateParts;
pub use self::view::BesideView;

use serde_json::{Map, Value};

use self::encode::Writer;
use crate::error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
use crate::framing::Prefix;
use crate::json::{Cursor, JsonNode, JsonObject, Scalar, Shape};
use crate::layout::field::{Field, Kind};
use crate::layout::header::{FieldPath, Header};
use crate::layout::{Layout, MessageLayout};
use crate::message::{Direction, Message};
use crate::view::{MessageView, Object};

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

    /// Decodes a whole frame of the given direction ([`Layout::decode_view`] converted to JSON;
    /// the view is the cheaper form where JSON is not needed).
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

    /// Decodes a whole frame as the given message layout, whatever its length or key says.
    pub fn decode_as(
        &self,
        direction: Direction,
        selected: &MessageLayout,
        frame: &[u8],
    ) -> Result<Message, DecodeError> {
        self.codec(direction).decode_as(selected, frame)
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
        self.encode_body_as(direction, selected, &message.header, &message.body)
    }

    /// [`Layout::encode_as`] with header and body read from any JSON tree, e.g. a borrowed
    /// [`crate::json::JsonTree`] parsed from an engine's answer: the same bytes and the same
    /// errors as encoding the equal `serde_json` maps, without building them.
    pub fn encode_body_as<H, B>(
        &self,
        direction: Direction,
        selected: &MessageLayout,
        header: &H,
        body: &B,
    ) -> Result<Vec<u8>, EncodeError>
    where
        H: JsonObject + ?Sized,
        H::Node: JsonNode<Object = H>,
        B: JsonObject + ?Sized,
    {
        let fields = self.body_fields(selected, direction, header);
        let header_layout = self.header_of(selected);
        self.write_frame(header_layout, header, fields, body, false)
    }

    /// Decodes only the main header: enough to route a frame whose body is bad, and answer it.
    /// A layout without a main header gives an empty map.
    pub fn decode_header(&self, frame: &[u8]) -> Result<Map<String, Value>, DecodeError> {
        self.decode_header_view(frame).map(Object::into_map)
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
    fn write_frame<H, B>(
        &self,
        header_layout: Option<&Header>,
        header: &H,
        fields: &[Field],
        body: &B,
        lenient: bool,
    ) -> Result<Vec<u8>, EncodeError>
    where
        H: JsonObject + ?Sized,
        H::Node: JsonNode<Object = H>,
        B: JsonObject + ?Sized,
    {
        let mut writer = Writer::new(self, self.header_len + 256);
        writer.lenient = lenient;
        // A section that is missing or not an object reads as one without members.
        let empty = Map::new();
        let mut sections = Cursor::new(header);
        for section in header_layout.map_or(&[][..], |h| h.sections.as_slice()) {
            writer.path.key(&section.name);
            match header_layout.is_some_and(|h| h.flat) {
                true => writer.fields(&section.fields, header)?,
                false => match sections.get(&section.name).map(JsonNode::shape) {
                    Some(Shape::Object(values)) => writer.fields(&section.fields, values)?,
                    _ => writer.fields(&section.fields, &empty)?,
                },
            }
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

    /// The body fields a message uses in a direction (the error body when its result says so).
    pub fn body_fields<'a, H>(
        &'a self,
        message: &'a MessageLayout,
        direction: Direction,
        header: &H,
    ) -> &'a [Field]
    where
        H: JsonObject + ?Sized,
        H::Node: JsonNode<Object = H>,
    {
        self.body_fields_by(message, direction, |result| result.text_in(header))
    }

    /// [`Layout::body_fields`] for a decoded header view.
    pub fn body_fields_view<'a>(
        &'a self,
        message: &'a MessageLayout,
        direction: Direction,
        header: &Object<'_>,
    ) -> &'a [Field] {
        self.body_fields_by(message, direction, |result| result.text_view(header))
    }

    /// The body fields, reading the header's result code through `code`.
    fn body_fields_by<'a, 'h>(
        &'a self,
        message: &'a MessageLayout,
        direction: Direction,
        code: impl FnOnce(&FieldPath) -> Option<&'h str>,
    ) -> &'a [Field] {
        match (direction, &message.error, self.result()) {
            (Direction::Response, Some(error), Some((field, ok))) if !ok.is_empty() => {
                let code = code(field).unwrap_or("");
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
            .map_err(|e| error(DecodeErrorKind::OutOfRange(e.detail())))?;
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

impl<'a> Codec<'a> {
    /// Decodes a whole frame into its message and `{header, body}` (the typed view, converted).
    pub fn decode<'f>(&self, frame: &'f [u8]) -> Result<(&'a MessageLayout, Message), DecodeError>
    where
        'a: 'f,
    {
        let (message, view) = self.decode_view(frame)?;
        Ok((message, view.into_message()))
    }

    /// Decodes a whole frame as `selected`, whatever its length or key says (an answer is the
    /// request's message even when its message type differs, e.g. 0200 → 0210).
    pub fn decode_as<'f>(
        &self,
        selected: &'a MessageLayout,
        frame: &'f [u8],
    ) -> Result<Message, DecodeError>
    where
        'a: 'f,
    {
        self.decode_view_as(selected, frame)
            .map(MessageView::into_message)
    }

    /// Encodes `{header, body}` into a whole frame with its prefix and trailer; the message is
    /// selected by the header's key values, else the default.
    pub fn encode(&self, message: &Message) -> Result<Vec<u8>, EncodeError> {
        self.encode_body(&message.header, &message.body)
    }

    /// [`Codec::encode`] with header and body read from any JSON tree
    /// ([`Layout::encode_body_as`]).
    pub fn encode_body<H, B>(&self, header: &H, body: &B) -> Result<Vec<u8>, EncodeError>
    where
        H: JsonObject + ?Sized,
        H::Node: JsonNode<Object = H>,
        B: JsonObject + ?Sized,
    {
        let layout = self.layout;
        let selected = layout.select_by_header(header).ok_or_else(|| {
            let (path, range) = self.key_site();
            EncodeError {
                path,
                range,
                kind: EncodeErrorKind::UnknownMessage(layout.key_values(header).join(", ")),
            }
        })?;
        layout.encode_body_as(self.direction, selected, header, body)
    }
}

/// A short description of a JSON value for type errors.
pub(crate) fn describe(value: Scalar<'_>) -> String {
    let kind = match value {
        Scalar::Null => return "null".into(),
        Scalar::Bool(_) => "boolean",
        Scalar::Number(_) => "number",
        Scalar::String(_) => "string",
        // Arrays and objects are named, not serialised: they can be large.
        Scalar::Array => return "an array".into(),
        Scalar::Object => return "an object".into(),
    };
    let short: String = value.json_text().chars().take(40).collect();
    format!("{kind} {short}")
}
