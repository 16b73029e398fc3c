//! Control frames: polls and keep-alives a link carries between business frames.
//!
//! They are not messages: they have no header to decode (a 16-byte poll on a link whose header is
//! 94 bytes), so they are recognised from their raw bytes before any decoding and answered by the
//! gateway itself. Each `[[control]]` entry says how a frame is recognised (exact bytes, bytes at an
//! offset, frame length, or a length prefix of zero) and what the answer is (the frame itself, or
//! a reply template that may copy named byte ranges of the request, e.g. a poll's send time).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::validate::Problems;
use super::Layout;
use crate::framing::{Framing, Prefix};

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
            .find(|c| c.matches(frame, &self.framing))?;
        Some((control, control.answer(frame)?))
    }

    /// The poll the gateway sends on idle engine connections: the frame and its expected answer.
    pub fn poll(&self) -> Option<(Vec<u8>, Vec<u8>)> {
        self.controls.iter().find(|c| c.poll)?.exchange()
    }

    /// Whether a zero length prefix is a frame of its own (a declared `empty` control frame).
    pub(crate) fn has_empty_control(&self) -> bool {
        self.controls.iter().any(|c| c.empty)
    }
}

/// Validates the `[[control]]` entries.
pub(super) fn controls(
    configs: &[ControlConfig],
    framing: &Framing,
    problems: &mut Problems,
) -> Vec<Control> {
    let mut out: Vec<Control> = Vec::with_capacity(configs.len());
    for (i, config) in configs.iter().enumerate() {
        let path = format!("control[{i}]");
        if config.name.is_empty() {
            problems.add(&path, "needs a `name`");
        } else if out.iter().any(|c| c.name == config.name) {
            problems.add(&path, format!("duplicate control name {:?}", config.name));
        }
        out.push(control(config, &path, framing, problems));
    }
    if out.iter().filter(|c| c.poll).count() > 1 {
        problems.add("control", "at most one entry is the `poll`");
    }
    out
}

/// Validates one entry.
fn control(
    config: &ControlConfig,
    path: &str,
    framing: &Framing,
    problems: &mut Problems,
) -> Control {
    let mut bytes = |key: &str, text: &Option<String>| {
        let text = text.as_deref()?;
        if !text.is_ascii() {
            problems.add(
                &format!("{path}.{key}"),
                "must be ASCII (\\u0000 escapes for control bytes)",
            );
        }
        Some(text.as_bytes().to_vec())
    };
    let exact = bytes("exact", &config.exact);
    let starts = bytes("starts_with", &config.starts_with).map(|b| (config.at.unwrap_or(0), b));
    if config.at.is_some() && starts.is_none() {
        problems.add(&format!("{path}.at"), "applies only with `starts_with`");
    }
    if exact.is_none() && starts.is_none() && config.length.is_none() && !config.empty {
        problems.add(
            path,
            "say how it is recognised: `exact`, `starts_with`, `length` or `empty`",
        );
    }
    if exact.is_some() && (starts.is_some() || config.length.is_some() || config.empty) {
        problems.add(
            path,
            "`exact` says everything: drop `starts_with`, `length` and `empty`",
        );
    }
    if config.empty && matches!(framing.prefix, Prefix::Fixed { .. }) {
        problems.add(&format!("{path}.empty"), "needs a length prefix");
    }
    // The longest frame every match guarantees, so copied ranges can be checked now.
    let known_len = exact
        .as_ref()
        .map(Vec::len)
        .or(config.length)
        .or(config.empty.then(|| framing.head_len()));
    for (key, len) in [
        ("exact", exact.as_ref().map(Vec::len)),
        ("length", config.length),
    ] {
        if let Some(len) = len {
            check_frame_len(len, &format!("{path}.{key}"), framing, problems);
        }
    }
    let reply = match (config.echo, &config.reply) {
        (true, None) => Reply::Echo,
        (false, Some(text)) => template(text, config, known_len, path, problems),
        _ => {
            problems.add(path, "give exactly one of `echo = true` and `reply`");
            Reply::Echo
        }
    };
    if config.echo && !config.copy.is_empty() {
        problems.add(
            &format!("{path}.copy"),
            "applies only to a `reply` template",
        );
    }
    if config.poll && exact.is_none() {
        problems.add(
            &format!("{path}.poll"),
            "a poll the gateway sends needs `exact` bytes",
        );
    }
    let control = Control {
        name: config.name.clone(),
        exact,
        starts_with: starts,
        length: config.length,
        empty: config.empty,
        reply,
        poll: config.poll,
    };
    let known_answer = match &control.reply {
        Reply::Template(parts) if parts.iter().all(|p| matches!(p, Part::Bytes(_))) => {
            control.answer(&[])
        }
        _ => control.exchange().map(|(_, answer)| answer),
    };
    if let Some(answer) = known_answer {
        check_frame_len(answer.len(), &format!("{path}.reply"), framing, problems);
        let framable = framing.head_len() <= answer.len() && !is_zero_prefix(&answer, framing);
        if framable {
            match framing.frame_len(&answer) {
                Ok(n) if n == answer.len() => {}
                _ => problems.add(
                    &format!("{path}.reply"),
                    format!(
                        "the length prefix does not frame the {}-byte reply",
                        answer.len()
                    ),
                ),
            }
        }
    }
    control
}

/// A control frame must still be cut by the framer: at least the prefix, at most `max_frame`.
fn check_frame_len(len: usize, path: &str, framing: &Framing, problems: &mut Problems) {
    if len < framing.head_len() || len > framing.max_frame {
        problems.add(
            path,
            format!(
                "a {len}-byte frame, expected {}..={} bytes",
                framing.head_len(),
                framing.max_frame
            ),
        );
    }
}

/// Parses a reply template: literal bytes with `{name}` copies of `copy` ranges.
fn template(
    text: &str,
    config: &ControlConfig,
    known_len: Option<usize>,
    path: &str,
    problems: &mut Problems,
) -> Reply {
    let key = format!("{path}.reply");
    if !text.is_ascii() {
        problems.add(&key, "must be ASCII (\\u0000 escapes for control bytes)");
    }
    for (name, range) in &config.copy {
        let end = range.offset + range.length;
        if known_len.is_none_or(|len| end > len) {
            problems.add(
                &format!("{path}.copy.{name}"),
                format!(
                    "bytes {}..{end} must lie in a frame of known length (`exact` or `length`)",
                    range.offset
                ),
            );
        }
    }
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            parts.push(Part::Bytes(rest.as_bytes()[..open].to_vec()));
        }
        let Some(close) = rest[open..].find('}') else {
            problems.add(&key, "a `{` is not closed by `}`");
            return Reply::Template(parts);
        };
        let name = &rest[open + 1..open + close];
        match config.copy.get(name) {
            Some(r) => parts.push(Part::Copy(r.offset..r.offset + r.length)),
            None => problems.add(&key, format!("{{{name}}} is not a `copy` range")),
        }
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Bytes(rest.as_bytes().to_vec()));
    }
    Reply::Template(parts)
}
