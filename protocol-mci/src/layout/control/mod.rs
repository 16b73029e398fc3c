//! Control frames: polls and keep-alives a link carries between business frames.
//!
//! They are not messages: they have no header to decode (a 16-byte poll on a link whose header is
//! 94 bytes), so they are recognised from their raw bytes before any decoding and answered by the
//! gateway itself. Each `[[control]]` entry says how a frame is recognised (exact bytes, bytes at an
//! offset, frame length, or a length prefix of zero) and what the answer is (the frame itself, or
//! a reply template that may copy named byte ranges of the request, e.g. a poll's send time).
//!
//! An entry with a `role` (`ack`, `nak`, a [`TransportRole`]) is a transport acknowledgement of
//! a dual-socket link instead: never answered, built by the gateway from the frame it
//! acknowledges.
//!
//! `build` validates the entries; `transport` holds the acknowledgement roles.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::Layout;
use crate::framing::{Framing, Prefix};

mod build;
mod transport;

pub(super) use self::build::controls;
pub use self::transport::TransportRole;

/// One `[[control]]` entry as written in the layout file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlConfig {
    /// Name, for logs and errors.
    pub name: String,
    /// The whole frame is exactly these bytes (prefix included).
    #[serde(default)]
    pub exact: Option<String>,
    /// The frame holds these bytes at offset `at`.
    #[serde(default)]
    pub starts_with: Option<String>,
    /// Frame offset of `starts_with` (default 0).
    #[serde(default)]
    pub at: Option<usize>,
    /// The frame is this many bytes long (prefix and trailer included).
    #[serde(default)]
    pub length: Option<usize>,
    /// The length prefix is zero: the frame is the prefix alone (a zero-length keep-alive).
    #[serde(default)]
    pub empty: bool,
    /// Answer with the frame itself.
    #[serde(default)]
    pub echo: bool,
    /// Answer with these bytes; `{name}` inserts the request bytes of `copy.name`.
    #[serde(default)]
    pub reply: Option<String>,
    /// Named byte ranges of the request that the reply copies.
    #[serde(default)]
    pub copy: BTreeMap<String, RangeConfig>,
    /// The frame the gateway sends to keep `mci` engine connections alive (needs `exact`).
    #[serde(default)]
    pub poll: bool,
    /// A transport acknowledgement (`ack`, `nak`) of a dual-socket link: recognised as usual,
    /// never answered; its `reply` template, applied to the acknowledged frame, is the frame the
    /// gateway sends.
    #[serde(default)]
    pub role: Option<TransportRole>,
}

/// A byte range of the request frame.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeConfig {
    /// Frame offset of the first byte.
    pub offset: usize,
    /// Bytes.
    pub length: usize,
}

/// A validated control frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Control {
    /// Name, for logs.
    pub name: String,
    exact: Option<Vec<u8>>,
    starts_with: Option<(usize, Vec<u8>)>,
    length: Option<usize>,
    empty: bool,
    reply: Reply,
    /// Sent by the gateway on idle `mci` engine connections.
    pub poll: bool,
    /// Set for a transport acknowledgement: recognised, never answered.
    pub role: Option<TransportRole>,
}

/// How a control frame is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reply {
    /// The frame itself.
    Echo,
    /// Literal bytes and copied request ranges, in order.
    Template(Vec<Part>),
}

/// One piece of a reply template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Bytes(Vec<u8>),
    Copy(std::ops::Range<usize>),
}

impl Control {
    /// Whether `frame` is this control frame. `framing` says where the length prefix is.
    pub fn matches(&self, frame: &[u8], framing: &Framing) -> bool {
        if self.exact.as_ref().is_some_and(|e| e != frame) {
            return false;
        }
        if self.length.is_some_and(|l| l != frame.len()) {
            return false;
        }
        if let Some((at, bytes)) = &self.starts_with {
            if frame.get(*at..at + bytes.len()) != Some(bytes.as_slice()) {
                return false;
            }
        }
        !self.empty || (frame.len() == framing.head_len() && is_zero_prefix(frame, framing))
    }

    /// The answer to `frame` (which [`Self::matches`]); `None` if a copied range lies outside it.
    pub fn answer(&self, frame: &[u8]) -> Option<Vec<u8>> {
        match &self.reply {
            Reply::Echo => Some(frame.to_vec()),
            Reply::Template(parts) => {
                let mut out = Vec::new();
                for part in parts {
                    match part {
                        Part::Bytes(bytes) => out.extend_from_slice(bytes),
                        Part::Copy(range) => out.extend_from_slice(frame.get(range.clone())?),
                    }
                }
                Some(out)
            }
        }
    }

    /// For a poll: the frame to send and the answer expected back.
    pub fn exchange(&self) -> Option<(Vec<u8>, Vec<u8>)> {
        let request = self.exact.clone()?;
        let answer = self.answer(&request)?;
        Some((request, answer))
    }
}

/// Whether the length prefix of `frame` holds zero (ascii zeros or binary zero bytes).
pub(crate) fn is_zero_prefix(frame: &[u8], framing: &Framing) -> bool {
    let zero = match framing.prefix {
        Prefix::Ascii { .. } => b'0',
        Prefix::Binary { .. } => 0,
        Prefix::Fixed { .. } => return false,
    };
    frame
        .get(framing.prefix_range())
        .is_some_and(|p| p.iter().all(|b| *b == zero))
}

impl Layout {
    /// The control frame `frame` is, if any, and its answer. Checked before any decoding, in the
    /// order the entries are declared.
    pub fn control_answer(&self, frame: &[u8]) -> Option<(&Control, Vec<u8>)> {
        let control = self
            .controls
            .iter()
            .find(|c| c.role.is_none() && c.matches(frame, &self.framing))?;
        Some((control, control.answer(frame)?))
    }

    /// The poll the gateway sends on idle engine connections: the frame and its expected answer.
    pub fn poll(&self) -> Option<(Vec<u8>, Vec<u8>)> {
        self.controls
            .iter()
            .find(|c| c.poll && c.role.is_none())?
            .exchange()
    }

    /// Whether a zero length prefix is a frame of its own (a declared `empty` control frame).
    pub(crate) fn has_empty_control(&self) -> bool {
        self.controls.iter().any(|c| c.empty)
    }
}
