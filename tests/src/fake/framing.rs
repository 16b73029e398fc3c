//! The test framer: a 4-ASCII-digit length prefix counting the bytes that follow. Simple on
//! purpose; the real framers live in `protocol-mci`.

use bytes::{Bytes, BytesMut};
use tokio_util::codec::Decoder;

/// Decodes `0005hello` into the whole frame `0005hello` (prefix included: frames pass through
/// unchanged, framing and all).
#[derive(Debug, Default, Clone)]
pub struct AsciiLengthCodec;

const PREFIX: usize = 4;

impl Decoder for AsciiLengthCodec {
    type Item = BytesMut;
    type Error = std::io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, std::io::Error> {
        let Some(prefix) = src.get(..PREFIX) else {
            return Ok(None);
        };
        let length = std::str::from_utf8(prefix)
            .ok()
            .filter(|digits| digits.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|digits| digits.parse::<usize>().ok())
            .ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("length prefix {prefix:?} is not 4 ascii digits"),
                )
            })?;
        if src.len() < PREFIX + length {
            return Ok(None);
        }
        Ok(Some(src.split_to(PREFIX + length)))
    }
}

/// Frames `payload` with the 4-digit prefix. Panics above 9999 bytes (a test mistake).
pub fn frame(payload: &[u8]) -> Bytes {
    assert!(payload.len() <= 9999, "test frame too long");
    let mut framed = format!("{:04}", payload.len()).into_bytes();
    framed.extend_from_slice(payload);
    Bytes::from(framed)
}

/// The payload of a frame made by [`frame`].
pub fn payload(frame: &[u8]) -> &[u8] {
    frame.get(PREFIX..).unwrap_or_default()
}
