//! The check that an HTTP engine's answer is exactly one well-formed decision.
//!
//! serde_json alone is lenient where a verdict must not be: it keeps the last of two equal keys
//! silently, so `{"body": {..}, "body": {..}}` would be compared on a body the engine may not
//! have meant. Every answer that can be read in more than one way is an engine error here, for
//! the live and the shadow engine alike, with a reason saying what was ambiguous.
//!
//! An answer is parsed once: [`JsonAnswer::check`] (or [`decode_answer`]) checks it and builds
//! the borrowed tree it is encoded from in the same pass ([`read`], jiter's iterator), never a
//! `serde_json::Value`. Where that happens is the caller's choice: a live answer where it is
//! received, before its connection goes back to the pool; a shadow answer on a shadow worker,
//! the runtime only reading its bytes. The parses it replaced stay as the tests' references:
//! serde_json's with a visitor (`tree`, issue 19), `Value`'s with a second walk for duplicates
//! (`unique`), and the top-level-only check the runtime made before the tree was parsed again.

use std::fmt;

use bytes::Bytes;
use protocol_mci::json::JsonTree;
use serde_json::Value;

use self::read::First;
use super::error::EngineErrorKind;

pub(crate) mod read;
mod seed;
#[cfg(test)]
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
    let invalid = |reason| EngineErrorKind::InvalidAnswer { reason };
    before_first(bytes).map_err(invalid)?;
    let First {
        tree,
        duplicate,
        end,
    } = read::first_document(bytes).map_err(|source| EngineErrorKind::InvalidJson { source })?;
    after_document(bytes, end, duplicate, &tree).map_err(invalid)?;
    Ok(tree)
}

/// Why and where a document is not JSON (RFC 8259): the parser's reason, e.g. `expected value`
/// or `invalid number`, in which member (`body.offers[1].rate`; none at the top level), at a line
/// and column (from 1; a column counts characters) and a byte offset (from 0):
/// `body.rate: invalid number at line 1 column 40 (byte 39)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonSyntax {
    reason: String,
    path: String,
    line: usize,
    column: usize,
    at: usize,
}

impl JsonSyntax {
    /// The offset of the byte where the document stops being JSON (its length when it ends
    /// early).
    pub fn offset(&self) -> usize {
        self.at
    }

    /// The member or element the parse was in (`body.offers[1].rate`), empty at the top level.
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl fmt::Display for JsonSyntax {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        write!(
            f,
            "{} at line {} column {} (byte {})",
            self.reason, self.line, self.column, self.at
        )
    }
}

impl std::error::Error for JsonSyntax {}

/// What is wrong before an answer's first document: nothing but whitespace, or a byte order mark.
fn before_first(bytes: &[u8]) -> Result<(), AnswerDefect> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return Err(AnswerDefect::ByteOrderMark);
    }
    if bytes.iter().all(|b| read::is_whitespace(*b)) {
        return Err(AnswerDefect::Empty);
    }
    Ok(())
}

/// What is wrong once the first document (`tree`, ending at `end`) is read: anything after it,
/// a key held twice, the contract's shape; in that order.
fn after_document(
    bytes: &[u8],
    end: usize,
    duplicate: Option<String>,
    tree: &JsonTree<'_>,
) -> Result<(), AnswerDefect> {
    if let Some(defect) = after_first(bytes, end) {
        return Err(defect);
    }
    if let Some(path) = duplicate {
        return Err(AnswerDefect::DuplicateKey { path });
    }
    check_shape(tree)
}

/// What follows the first document, when anything but whitespace does.
fn after_first(bytes: &[u8], end: usize) -> Option<AnswerDefect> {
    let rest = &bytes[end..];
    let at = end + rest.iter().position(|b| !read::is_whitespace(*b))?;
    match read::documents(rest) {
        Some(count) => Some(AnswerDefect::SeveralDocuments { count: count + 1 }),
        None => Some(AnswerDefect::TrailingData { at }),
    }
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

/// `name` cut to [`MAX_NAME_CHARS`] characters (a name in a reason or refusal).
pub(crate) fn cut(name: &str) -> String {
    name.chars().take(MAX_NAME_CHARS).collect()
}

#[cfg(test)]
mod tests;
