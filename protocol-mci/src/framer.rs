//! The stream framer: a `tokio_util` [`Decoder`]/[`Encoder`] that cuts bytes into whole frames.
//!
//! `Ok(None)` means "need more bytes". The length is checked against the maximum before any
//! buffer of that size is reserved, so a peer cannot make us allocate at will. Any error here means
//! framing is lost and the connection must be closed; decoding the frame's fields is a separate
//! step whose errors are bad records ([`crate::DecodeError`]).

use bytes::{Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::error::FramingError;
use crate::framing::{Framing, Prefix};
use crate::layout::control::is_zero_prefix;
use crate::layout::Layout;

/// Frames a byte stream with a layout's framing.
#[derive(Debug, Clone)]
pub struct FrameCodec {
    framing: Framing,
    /// A zero length prefix is a frame of its own: the prefix alone (a zero-length keep-alive
    /// declared as an `empty` control frame), whatever the prefix normally counts.
    empty_frames: bool,
}

impl FrameCodec {
    /// A framer for this framing.
    pub fn new(framing: Framing) -> FrameCodec {
        FrameCodec {
            framing,
            empty_frames: false,
        }
    }

    /// Accepts a zero length prefix as a frame of its own (the prefix alone).
    pub fn with_empty_frames(mut self, accept: bool) -> FrameCodec {
        self.empty_frames = accept;
        self
    }

    /// The framing in use.
    pub fn framing(&self) -> &Framing {
        &self.framing
    }

    /// Fails early on a prefix that already cannot be digits (e.g. an HTTP request sent to the
    /// MCI port), instead of waiting for bytes that will never make sense.
    fn check_partial_prefix(&self, src: &[u8]) -> Result<(), FramingError> {
        if let Prefix::Ascii { .. } = self.framing.prefix {
            let range = self.framing.prefix_range();
            let seen = &src[range.start.min(src.len())..range.end.min(src.len())];
            if !seen.iter().all(u8::is_ascii_digit) {
                return Err(FramingError::InvalidPrefix {
                    range,
                    expected: "ascii digits",
                    found: seen.to_vec(),
                });
            }
        }
        Ok(())
    }
}

impl Layout {
    /// A stream framer for this layout.
    pub fn framer(&self) -> FrameCodec {
        FrameCodec::new(self.framing.clone()).with_empty_frames(self.has_empty_control())
    }
}

impl Decoder for FrameCodec {
    type Item = BytesMut;
    type Error = FramingError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, FramingError> {
        if src.is_empty() {
            return Ok(None);
        }
        let head = self.framing.head_len();
        if src.len() < head {
            self.check_partial_prefix(src)?;
            return Ok(None);
        }
        if self.empty_frames && is_zero_prefix(&src[..head], &self.framing) {
            return Ok(Some(src.split_to(head)));
        }
        let total = self.framing.frame_len(&src[..head])?;
        if src.len() < total {
            src.reserve(total - src.len());
            return Ok(None);
        }
        let trailer = &self.framing.trailer;
        let found = &src[total - trailer.len()..total];
        if found != trailer.as_slice() {
            return Err(FramingError::BadTrailer {
                range: total - trailer.len()..total,
                expected: trailer.clone(),
                found: found.to_vec(),
            });
        }
        Ok(Some(src.split_to(total)))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, FramingError> {
        match self.decode(src)? {
            Some(frame) => Ok(Some(frame)),
            None if src.is_empty() => Ok(None),
            None => Err(FramingError::EofInFrame(src.len())),
        }
    }
}

impl Encoder<Bytes> for FrameCodec {
    type Error = FramingError;

    fn encode(&mut self, frame: Bytes, dst: &mut BytesMut) -> Result<(), FramingError> {
        self.encode(frame.as_ref(), dst)
    }
}

impl Encoder<&[u8]> for FrameCodec {
    type Error = FramingError;

    fn encode(&mut self, frame: &[u8], dst: &mut BytesMut) -> Result<(), FramingError> {
        if frame.len() > self.framing.max_frame {
            let max = self.framing.max_frame;
            return Err(FramingError::OutgoingTooLarge {
                actual: frame.len(),
                max,
            });
        }
        dst.extend_from_slice(frame);
        Ok(())
    }
}
