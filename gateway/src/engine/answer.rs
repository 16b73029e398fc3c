//! The check that an HTTP engine's answer is exactly one well-formed decision.
//!
//! serde_json alone is lenient where a verdict must not be: it keeps the last of two equal keys
//! silently, so `{"body": {..}, "body": {..}}` would be compared on a body the engine may not
//! have meant. Every answer that can be read in more than one way is an engine error here, for
//! the live and the shadow engine alike, with a reason saying what was ambiguous.
//!
//! An answer is parsed once: [`JsonAnswer::check`] (or [`decode_answer`]) checks it and builds
//! the borrowed tree it is encoded from in the same pass, never a `serde_json::Value`. Where
//! that happens is the caller's choice: a live answer where it is received, before its
//! connection goes back to the pool; a shadow answer on a shadow worker, the runtime only
//! reading its bytes. `unique`, an earlier second walk over the bytes, and the top-level-only
//! check the runtime made before the tree was parsed again (issue 19) stay as the tests'
//! references.

use std::fmt;

use bytes::Bytes;
use protocol_mci::json::JsonTree;
use serde::de::IgnoredAny;
use serde_json::Value;

use self::tree::{Checked, Depth};
use super::error::EngineErrorKind;

pub(crate) mod seed;
mod tree;
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

/// An http engine's answer body as received (a 2xx answer within `max_response_bytes`), not yet
/// known to be one decision: [`JsonAnswer::check`] says, once, where its tree is needed.
/// Cheap to clone (a shared buffer).
#[derive(Debug, Clone)]
pub struct JsonAnswer {
    body: Bytes,
}

impl JsonAnswer {
    /// The body as the engine sent it, unchecked.
    pub fn received(body: Bytes) -> JsonAnswer {
        JsonAnswer { body }
    }

    /// The one parse: checks that the answer is exactly one decision of the contract's shape
    /// and gives its borrowed tree (strings borrow the answer's bytes where unescaped). An
    /// answer that is not is an error of kind invalid json or invalid answer, saying why.
    pub fn check(&self) -> Result<JsonTree<'_>, EngineErrorKind> {
        decode_answer(&self.body)
    }

    /// The answer as a `serde_json::Value`, checked (for tools and tests; the pipeline uses the
    /// tree).
    pub fn to_value(&self) -> Result<Value, EngineErrorKind> {
        self.check().map(|tree| tree.to_value())
    }

    /// The answer's bytes, as the engine sent them.
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }
}

/// Checks an answer body now (one parse, its tree dropped): for callers that want a bad answer
/// as an error at once and need no tree (tools, tests).
pub fn check_answer(body: Bytes) -> Result<JsonAnswer, EngineErrorKind> {
    decode_answer(&body)?;
    Ok(JsonAnswer { body })
}

/// Parses an answer body into its tree and checks that it is exactly one decision of the
/// contract's shape, in one pass.
pub fn decode_answer(bytes: &[u8]) -> Result<JsonTree<'_>, EngineErrorKind> {
    parse(bytes, Depth::Full)
}

/// The check the runtime made where an answer was received before the one parse: the top
/// level's shape only, the tree parsed again later. The tests' reference for [`decode_answer`].
#[cfg(test)]
fn check_shape_only(bytes: &[u8]) -> Result<(), EngineErrorKind> {
    parse(bytes, Depth::Shape).map(|_| ())
}

/// The parse and every check, keeping the tree as deep as `depth` says.
fn parse(bytes: &[u8], depth: Depth) -> Result<JsonTree<'_>, EngineErrorKind> {
    let invalid = |reason| EngineErrorKind::InvalidAnswer { reason };
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return Err(invalid(AnswerDefect::ByteOrderMark));
    }
    if bytes.trim_ascii().is_empty() {
        return Err(invalid(AnswerDefect::Empty));
    }
    let (answer, duplicate, end) = match depth {
        Depth::Full => first_document::<false>(bytes)?,
        Depth::Shape | Depth::Hollow => first_document::<true>(bytes)?,
    };
    if let Some(defect) = after_first(bytes, end) {
        return Err(invalid(defect));
    }
    if let Some(path) = duplicate {
        return Err(invalid(AnswerDefect::DuplicateKey { path }));
    }
    check_shape(&answer).map_err(invalid)?;
    Ok(answer)
}

/// The first document's tree, its first duplicate key's path and the offset after it.
fn first_document<const SHAPE: bool>(
    bytes: &[u8],
) -> Result<(JsonTree<'_>, Option<String>, usize), EngineErrorKind> {
    let mut documents = serde_json::Deserializer::from_slice(bytes).into_iter::<Checked<SHAPE>>();
    match documents.next() {
        Some(Ok(Checked { tree, duplicate })) => Ok((tree, duplicate, documents.byte_offset())),
        Some(Err(source)) => Err(EngineErrorKind::InvalidJson { source }),
        None => Err(EngineErrorKind::InvalidAnswer {
            reason: AnswerDefect::Empty,
        }),
    }
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

fn check_shape(answer: &JsonTree<'_>) -> Result<(), AnswerDefect> {
    let JsonTree::Object(members) = answer else {
        return Err(AnswerDefect::NotAnObject {
            found: answer.type_name(),
        });
    };
    if let Some((name, _)) = members
        .iter()
        .find(|(k, _)| !matches!(k.as_ref(), "header" | "body"))
    {
        return Err(AnswerDefect::UnknownMember { name: cut(name) });
    }
    match answer.get("body") {
        Some(JsonTree::Object(_)) => {}
        Some(other) => {
            return Err(AnswerDefect::BodyNotObject {
                found: other.type_name(),
            })
        }
        None => return Err(AnswerDefect::BodyMissing),
    }
    match answer.get("header") {
        None | Some(JsonTree::Object(_)) => Ok(()),
        Some(other) => Err(AnswerDefect::HeaderNotObject {
            found: other.type_name(),
        }),
    }
}

/// `name` cut to [`MAX_NAME_CHARS`] characters.
fn cut(name: &str) -> String {
    name.chars().take(MAX_NAME_CHARS).collect()
}

#[cfg(test)]
mod tests;
