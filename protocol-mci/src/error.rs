//! Errors of the codec, the framer and the layout loader.
//!
//! Every error says where: the field path and the byte range in the frame for the codec, the file
//! and the key path for layouts. Display is lowercase and says what was expected and what was found.

use std::fmt;
use std::ops::Range;

/// A frame whose fields do not decode: a *bad record*, answered with an error frame while the
/// connection stays up (framing is intact).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path} at bytes {}..{}: {kind}", range.start, range.end)]
pub struct DecodeError {
    /// Field path, e.g. `body.loans[2].balance`; `frame` for frame-level problems.
    pub path: String,
    /// Byte range of the field in the whole frame (prefix and trailer included).
    pub range: Range<usize>,
    /// What went wrong.
    pub kind: DecodeErrorKind,
}

/// What went wrong while decoding one field or the frame as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeErrorKind {
    /// The frame ended inside this field.
    #[error("expected {expected} bytes, frame ends after {available}")]
    Truncated {
        /// Bytes the field needs.
        expected: usize,
        /// Bytes that were left.
        available: usize,
    },
    /// A byte that is not valid here.
    #[error("expected {expected}, found {}", Found(*found))]
    UnexpectedByte {
        /// What the position may hold, e.g. `digits`.
        expected: &'static str,
        /// The byte that was there.
        found: u8,
        /// Offset of that byte in the frame.
        offset: usize,
    },
    /// A packed field's sign nibble that its `sign_nibbles` rule does not accept.
    #[error("expected packed sign nibble {expected}, found nibble {nibble:X} in byte {} at offset {offset}", Found(*byte))]
    SignNibble {
        /// The nibbles the field accepts, in words.
        expected: &'static str,
        /// The sign nibble found.
        nibble: u8,
        /// The whole byte holding it.
        byte: u8,
        /// Offset of that byte in the frame.
        offset: usize,
    },
    /// An unused element of a padded group (`unused_check = "exact"`) holds a byte its fill
    /// does not.
    #[error("expected fill byte {} of an unused element, found {}", Found(*expected), Found(*found))]
    UnusedElement {
        /// The fill's byte at this position.
        expected: u8,
        /// The byte that was there.
        found: u8,
        /// Offset of that byte in the frame.
        offset: usize,
    },
    /// Text that is not valid in the field's charset.
    #[error("expected {charset} text, found an invalid byte at {offset}")]
    InvalidText {
        /// The field's charset.
        charset: &'static str,
        /// Offset of the first invalid byte in the frame.
        offset: usize,
    },
    /// A value that parses but is out of range (month 13, count above the maximum).
    #[error("{0}")]
    OutOfRange(String),
    /// A constant field or the trailer does not hold the expected bytes.
    #[error("expected {expected:?}, found {found:?}")]
    ConstantMismatch {
        /// The configured constant.
        expected: String,
        /// What the frame holds (lossy, for display only).
        found: String,
    },
    /// The discriminator selects no message of the layout.
    #[error("unknown message {0:?}")]
    UnknownMessage(String),
    /// The length prefix does not match the frame's length.
    #[error("expected a frame of {declared} bytes (length prefix), found {actual}")]
    LengthMismatch {
        /// Frame length computed from the prefix.
        declared: usize,
        /// Actual frame length.
        actual: usize,
    },
    /// Bytes left over after the last field.
    #[error("expected the frame to end after the last field, found {0} more bytes")]
    TrailingBytes(usize),
}

/// A message that cannot be written into its layout: the value does not fit the wire format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path} at bytes {}..{}: {kind}", range.start, range.end)]
pub struct EncodeError {
    /// Field path, e.g. `body.offers[1].rate`; `frame` for frame-level problems.
    pub path: String,
    /// Byte range the field takes (or would take) in the whole frame, prefix included; for a
    /// group whose size varies, up to its largest size.
    pub range: Range<usize>,
    /// What went wrong.
    pub kind: EncodeErrorKind,
}

/// What went wrong while encoding one field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeErrorKind {
    /// The JSON value has the wrong type for the field.
    #[error("expected {expected}, found {found}")]
    WrongType {
        /// What the field accepts.
        expected: &'static str,
        /// The JSON value that was given (shortened).
        found: String,
    },
    /// Text longer than the field, and the field does not allow truncation.
    #[error("expected text of at most {max} bytes, found {actual} bytes in {charset}")]
    TooLong {
        /// Encoded length.
        actual: usize,
        /// Field length.
        max: usize,
        /// Wire charset.
        charset: &'static str,
    },
    /// A character the wire charset cannot represent.
    #[error("character {character:?} (U+{code:04X}) cannot be written in {charset}", code = u32::from(*character))]
    Unmappable {
        /// The character.
        character: char,
        /// Wire charset.
        charset: &'static str,
    },
    /// Text whose edge is the pad character on the side decode trims: it would not round-trip.
    #[error("text {edge} with the pad character {pad:?}, which decode trims; expected text without it there")]
    PadAtEdge {
        /// The pad character.
        pad: char,
        /// "begins" (right aligned) or "ends" (left aligned).
        edge: &'static str,
    },
    /// Padding that is not a whole number of (multi-byte) pad characters.
    #[error("{left} byte(s) left to pad, expected a multiple of the {width}-byte pad {pad:?}")]
    PartialPad {
        /// Bytes between the value and the field's end.
        left: usize,
        /// Width of the pad character in the wire charset.
        width: usize,
        /// The pad character.
        pad: char,
    },
    /// A number (or an element count) that does not fit the field.
    #[error("expected {limit}, found {value}")]
    Overflow {
        /// The number as given.
        value: String,
        /// What the field holds, in words (`at most 4 integer digits`).
        limit: String,
    },
    /// A value that is not valid for the field (bad decimal text, impossible date).
    #[error("{0}")]
    Invalid(String),
    /// A required field is missing or null.
    #[error("expected a value (the field is not nullable), found none")]
    Missing,
    /// The discriminator selects no message of the layout.
    #[error("unknown message {0:?}")]
    UnknownMessage(String),
    /// The whole frame would exceed the framing's limits.
    #[error("expected {limit}, found a frame of {actual} bytes")]
    FrameTooLarge {
        /// Encoded size.
        actual: usize,
        /// The limit, in words.
        limit: String,
    },
}

impl EncodeError {
    /// The same error without the value that caused it, for a field marked `mask`: the path and
    /// what was wrong stay, the clear value (or a character of it) does not.
    pub fn redacted(self) -> EncodeError {
        let kind = match self.kind {
            EncodeErrorKind::WrongType { expected, found } => {
                // `describe` writes "string \"...\"", "number 12", or "an object" / "null" (no
                // value): keep the type with its article, drop the value.
                let type_only = match found.split_once(' ') {
                    Some((kind, _)) if !found.starts_with("an ") => format!("a {kind}"),
                    _ => found,
                };
                EncodeErrorKind::WrongType {
                    expected,
                    found: type_only,
                }
            }
            EncodeErrorKind::Unmappable { charset, .. } => EncodeErrorKind::Invalid(format!(
                "expected characters {charset} can write, found a masked value with one it cannot"
            )),
            // The limit never quotes the value: it says what the field holds.
            EncodeErrorKind::Overflow { limit, .. } => EncodeErrorKind::Overflow {
                value: "a masked value".into(),
                limit,
            },
            EncodeErrorKind::Invalid(_) => EncodeErrorKind::Invalid(
                "expected a valid value for the field, found a masked value that is not".into(),
            ),
            kind => kind,
        };
        EncodeError {
            path: self.path,
            range: self.range,
            kind,
        }
    }
}

/// A broken byte stream: framing is lost, the connection must be closed.
#[derive(Debug, thiserror::Error)]
pub enum FramingError {
    /// The length prefix is not a valid number.
    #[error("length prefix at bytes {}..{}: expected {expected}, found {}", range.start, range.end, Hex(found))]
    InvalidPrefix {
        /// Where the prefix is.
        range: Range<usize>,
        /// What it should hold.
        expected: &'static str,
        /// What it holds.
        found: Vec<u8>,
    },
    /// The declared length is above the maximum frame size.
    #[error("frame of {declared} bytes exceeds the maximum of {max}")]
    Oversize {
        /// Frame length from the prefix.
        declared: usize,
        /// Configured maximum.
        max: usize,
    },
    /// The declared length is below what the framing itself needs.
    #[error("frame of {declared} bytes is shorter than the framing minimum of {min}")]
    Undersize {
        /// Frame length from the prefix.
        declared: usize,
        /// Prefix plus trailer.
        min: usize,
    },
    /// The trailer is not where the length says it is.
    #[error("trailer at bytes {}..{}: expected {}, found {}", range.start, range.end, Hex(expected), Hex(found))]
    BadTrailer {
        /// Where the trailer should be.
        range: Range<usize>,
        /// Configured trailer.
        expected: Vec<u8>,
        /// What is there.
        found: Vec<u8>,
    },
    /// The peer closed the stream inside a frame.
    #[error("stream ended inside a frame after {0} bytes")]
    EofInFrame(usize),
    /// A frame to send does not fit the framing.
    #[error("frame of {actual} bytes exceeds the maximum of {max}")]
    OutgoingTooLarge {
        /// Its size.
        actual: usize,
        /// Configured maximum.
        max: usize,
    },
    /// The transport failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

impl FramingError {
    /// What is wrong, without the prefix's location: for an error placed at `frame.length`,
    /// which names those bytes already.
    pub fn detail(&self) -> String {
        match self {
            FramingError::InvalidPrefix {
                expected, found, ..
            } => format!("expected {expected}, found {}", Hex(found)),
            other => other.to_string(),
        }
    }
}

/// A layout file that cannot be used, with every problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("layout {origin}: {}", Problems(problems))]
pub struct LayoutError {
    /// The file (or name) the layout came from.
    pub origin: String,
    /// Every problem, each with its key path.
    pub problems: Vec<LayoutProblem>,
}

/// One problem in a layout, at a key path such as `messages.LNS0001.request.loans.count`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutProblem {
    /// Where in the file.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for LayoutProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Formats a problem list: one inline, several as an indented list.
struct Problems<'a>(&'a [LayoutProblem]);

impl fmt::Display for Problems<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [one] => write!(f, "{one}"),
            many => {
                write!(f, "{} problems", many.len())?;
                many.iter().try_for_each(|p| write!(f, "\n  - {p}"))
            }
        }
    }
}

/// Shows one byte in hex (`0x41`), as a hex dump would.
struct Found(u8);

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:02X}", self.0)
    }
}

/// Shows bytes as hex pairs.
struct Hex<'a>(&'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for b in self.0 {
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            write!(f, "{b:02X}")?;
        }
        if first {
            f.write_str("nothing")?;
        }
        Ok(())
    }
}
