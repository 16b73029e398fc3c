//! Layout-driven codec for MCI fixed-length frames ("standard telegrams" of Korean banks).
//!
//! Every bank defines its own header, length prefix and trailer, and every interface its own body.
//! Nothing here is hard-coded: a layout file (TOML, documented in this crate's README) describes
//! the frame, and one codec serves every bank.
//!
//! - [`Layout::from_file`] loads and validates a layout, reporting every problem at once.
//! - [`Layout::decode`] / [`Layout::encode`] turn a whole frame into a [`Message`] (header and body
//!   maps; [`Layout::to_json`] gives `{"header", "body"}` or the named sections) and back; the
//!   message is selected by frame length, header key fields or a default. Numbers keep their
//!   exact decimal text (never `f64`); text lengths are bytes of the wire charset (CP949 by
//!   default); errors name the field path and byte range. [`Layout::decode_view`] gives the same
//!   frame as typed values borrowed from it ([`MessageView`]), without building JSON.
//! - [`FrameCodec`] is a `tokio_util` `Decoder`/`Encoder` that cuts a byte stream into frames.
//!   A broken stream is a [`FramingError`]; a frame whose fields do not decode is a
//!   [`DecodeError`], a bad record that can be answered while the connection stays up.
//!
//! # Layout
//! - `copybook/`: COBOL copybook import, writing layout files.
//! - `layout/`: the file format ([`layout::config`]), validated field specs ([`layout::field`]),
//!   headers made of sections and field paths ([`layout::header`]), message selection and roles,
//!   control frames answered without decoding ([`layout::control`]).
//! - `framing`: length prefix and trailer arithmetic shared by framer and codec.
//! - `framer`: the stream framer.
//! - `codec/`: decode and encode walkers and one module per wire type.
//! - `message`: the JSON form of a frame.
//! - `json`: what the encoder reads JSON through ([`json::JsonNode`]), and the borrowed
//!   [`json::JsonTree`] an engine's answer is encoded from without a `serde_json::Value`.
//! - `view`: the typed form of a frame ([`Layout::decode_view`]): fields in layout order, text
//!   borrowed from the frame, exact decimals as scaled integers; what the JSON form converts.
//! - `mask`: masking of sensitive fields for logs and storage.
//! - `charset`: CP949 and UTF-8 without replacement characters.
//! - `error`: every error type.

pub mod charset;
mod codec;
pub mod copybook;
pub mod error;
mod framer;
pub mod framing;
pub mod json;
pub mod layout;
mod mask;
mod message;
pub mod view;

pub use codec::{BesideView, Codec};
pub use error::{
    DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind, FramingError, LayoutError,
    LayoutProblem,
};
pub use framer::FrameCodec;
pub use framing::Framing;
pub use layout::config::MaskKind;
pub use layout::control::TransportRole;
pub use layout::header::{FieldPath, Header, Section};
pub use layout::{AnswerArea, AnswerField, AreaKind, Layout, MessageLayout, TtlValue};
pub use mask::mask_text;
pub use message::{Direction, Message};
pub use view::MessageView;
