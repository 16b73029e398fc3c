//! The check that an HTTP engine's answer is exactly one well-formed decision.
//!
//! serde_json alone is lenient where a verdict must not be: it keeps the last of two equal keys
//! silently, so `{"body": {..}, "body": {..}}` would be compared on a body the engine may not
//! have meant. Every answer that can be read in more than one way is an engine error here, for
//! the live and the shadow engine alike, with a reason saying what was ambiguous. The answer is
//! parsed once: `checked` builds its `Value` and notes a key held twice on the way (`unique`, the
//! earlier second walk over the bytes, stays as the tests' reference).

use std::fmt;

use serde::de::IgnoredAny;
use serde_json::Value;

use self::checked::Checked;
use super::error::EngineErrorKind;

mod checked;
#[cfg(test)]
mod unique;

/// Names in reasons are cut to this many characters: a reason is logged and stored.
const MAX_NAME_CHARS: usize = 64;

/// Why an answer is not exactly one well-formed decision `{"header"?: {..}, "body": {..}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AnswerDefect {
    /// Nothing but whitespace.
    Empty,
    /// A UTF-8 byte order mark before the JSON, which RFC 8259 forbids.
    ByteOrderMark,
    /// The top-level value is not an object.
    NotAnObject {
        /// The JSON type found instead.
        found: &'static str,
    },
    /// More JSON documents follow the first one.
    SeveralDocuments {
        /// How many documents the answer holds.
        count: usize,
    },
    /// Bytes that are not JSON follow the first document.
    TrailingData {
        /// The offset of the first such byte.
        at: usize,
    },
    /// An object holds the same key twice: which of the two values the engine meant is unknown.
    DuplicateKey {
        /// Where, e.g. `body.offers[1].rate`.
        path: String,
    },
    /// A top-level member other than `header` and `body`.
    UnknownMember {
        /// Its name, cut to a bounded length.
        name: String,
    },
    /// There is no `body`.
    BodyMissing,
    /// `body` is not an object.
    BodyNotObject {
        /// The JSON type found instead.
        found: &'static str,
    },
    /// `header` is present but not an object.
    HeaderNotObject {
        /// The JSON type found instead.
        found: &'static str,
    },
}

impl fmt::Display for AnswerDefect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("expected a json object, found an empty answer"),
            Self::ByteOrderMark => {
                f.write_str("expected a json object, found a byte order mark before it")
            }
            Self::NotAnObject { found } => write!(f, "expected a json object, found {found}"),
            Self::SeveralDocuments { count } => {
                write!(f, "expected one json document, found {count}")
            }
            Self::TrailingData { at } => write!(
                f,
                "expected the end of the answer after the json object, found more bytes at byte {at}"
            ),
            Self::DuplicateKey { path } => {
                write!(f, "expected each key once, found `{path}` twice")
            }
            Self::UnknownMember { name } => write!(
                f,
                "expected only `header` and `body` at the top level, found `{name}`"
            ),
            Self::BodyMissing => f.write_str("expected a `body` object, found no `body`"),
            Self::BodyNotObject { found } => {
                write!(f, "expected `body` to be an object, found {found}")
            }
            Self::HeaderNotObject { found } => {
                write!(f, "expected `header` to be an object, found {found}")
            }
        }
    }
}

/// Parses an answer body and checks that it is exactly one decision of the contract's shape.
pub fn decode_answer(bytes: &[u8]) -> Result<Value, EngineErrorKind> {
    let invalid = |reason| EngineErrorKind::InvalidAnswer { reason };
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return Err(invalid(AnswerDefect::ByteOrderMark));
    }
    if bytes.trim_ascii().is_empty() {
        return Err(invalid(AnswerDefect::Empty));
    }
    let mut documents = serde_json::Deserializer::from_slice(bytes).into_iter::<Checked>();
    let Checked {
        value: answer,
        duplicate,
    } = match documents.next() {
        Some(Ok(checked)) => checked,
        Some(Err(source)) => return Err(EngineErrorKind::InvalidJson { source }),
        None => return Err(invalid(AnswerDefect::Empty)),
    };
    let end = documents.byte_offset();
    if let Some(defect) = after_first(bytes, end) {
        return Err(invalid(defect));
    }
    if let Some(path) = duplicate {
        return Err(invalid(AnswerDefect::DuplicateKey { path }));
    }
    check_shape(&answer).map_err(invalid)?;
    Ok(answer)
}

/// What follows the first document, when anything but whitespace does.
fn after_first(bytes: &[u8], end: usize) -> Option<AnswerDefect> {
    let rest = &bytes[end..];
    let at = end + rest.iter().position(|b| !b.is_ascii_whitespace())?;
    let mut count = 1;
    for document in serde_json::Deserializer::from_slice(rest).into_iter::<IgnoredAny>() {
        match document {
            Ok(_) => count += 1,
            Err(_) => return Some(AnswerDefect::TrailingData { at }),
        }
    }
    Some(AnswerDefect::SeveralDocuments { count })
}

fn check_shape(answer: &Value) -> Result<(), AnswerDefect> {
    let Value::Object(object) = answer else {
        return Err(AnswerDefect::NotAnObject {
            found: type_name(answer),
        });
    };
    if let Some(name) = object
        .keys()
        .find(|k| !matches!(k.as_str(), "header" | "body"))
    {
        return Err(AnswerDefect::UnknownMember { name: cut(name) });
    }
    match object.get("body") {
        Some(Value::Object(_)) => {}
        Some(other) => {
            return Err(AnswerDefect::BodyNotObject {
                found: type_name(other),
            })
        }
        None => return Err(AnswerDefect::BodyMissing),
    }
    match object.get("header") {
        None | Some(Value::Object(_)) => Ok(()),
        Some(other) => Err(AnswerDefect::HeaderNotObject {
            found: type_name(other),
        }),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `name` cut to [`MAX_NAME_CHARS`] characters.
fn cut(name: &str) -> String {
    name.chars().take(MAX_NAME_CHARS).collect()
}

#[cfg(test)]
mod tests;
