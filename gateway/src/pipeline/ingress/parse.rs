//! One parse of an HTTP ingress request body into borrowed trees: the JSON read by jiter's
//! iterator as an engine's answer is (`engine::json_read`), then the request's shape checked on
//! the tree.
//!
//! Strings and keys borrow the body's bytes when unescaped, numbers keep their exact text
//! ([`protocol_mci::json::NumberText`]), members keep document order: no `serde_json::Value`,
//! `IndexMap`, SipHash or heap string per number, and not serde_json's `arbitrary_precision`
//! number path (a one-entry map and a heap string per number: issue 19 asks it off the hot
//! path). A key an object holds twice is noted with its path (`body.loans[1].rate`); serde_json
//! alone kept the last value silently.
//!
//! What is refused, with its reason after `expected {"header": {..}, "body": {..}}: `: text
//! that is not JSON (the parser's reason at its line, column and byte, e.g. `EOF while parsing an
//! object at line 1 column 40 (byte 40)`), bytes after the object, a top level other than an
//! object, a member other than `header` and `body`, a missing one, and either not an object.
//! Until the eleventh session these were serde_json's texts for `Message` (`missing field
//! `body` at line 1 column 14`), and an array of two objects was read as header and body.

use std::borrow::Cow;
use std::fmt;

use protocol_mci::json::JsonTree;

use crate::engine::json_read::{self, First};

/// Top-level member names are cut to this many characters in a refusal.
const MAX_NAME_CHARS: usize = 64;

/// An object's members in document order.
pub(crate) type Members<'a> = Vec<(Cow<'a, str>, JsonTree<'a>)>;

/// The request's two parts and the path of the first key an object of them holds twice.
pub(crate) struct Parsed<'a> {
    pub header: Members<'a>,
    pub body: Members<'a>,
    pub duplicate: Option<String>,
}

/// Why a body is not a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unparsed {
    /// Not JSON, or not `{"header": {..}, "body": {..}}`: what was found instead.
    Shape(String),
    /// A key given twice (where the request is not of its shape either): its path.
    Duplicate(String),
}

impl fmt::Display for Unparsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unparsed::Shape(found) => {
                write!(
                    f,
                    "expected {{\"header\": {{..}}, \"body\": {{..}}}}: {found}"
                )
            }
            Unparsed::Duplicate(path) => write!(f, "expected each key once, found `{path}` twice"),
        }
    }
}

/// Parses a whole body: one JSON object `{"header": {..}, "body": {..}}`, whitespace around it.
/// A key given twice where the request is otherwise of its shape comes back in
/// [`Parsed::duplicate`] (the header is there for the refusal's log line).
pub(crate) fn parse(bytes: &[u8]) -> Result<Parsed<'_>, Unparsed> {
    let First {
        tree,
        duplicate,
        end,
    } = json_read::first_document(bytes).map_err(|error| Unparsed::Shape(error.to_string()))?;
    let shape = |found: String| match &duplicate {
        Some(path) => Unparsed::Duplicate(path.clone()),
        None => Unparsed::Shape(found),
    };
    if let Some(at) = bytes[end..]
        .iter()
        .position(|b| !json_read::is_whitespace(*b))
    {
        let at = end + at;
        return Err(Unparsed::Shape(format!(
            "found more bytes after the object at byte {at}"
        )));
    }
    let JsonTree::Object(members) = tree else {
        return Err(shape(format!("found {}", tree.type_name())));
    };
    let (mut header, mut body) = (None, None);
    for (key, value) in members {
        let slot = match key.as_ref() {
            "header" => &mut header,
            "body" => &mut body,
            other => {
                let name: String = other.chars().take(MAX_NAME_CHARS).collect();
                return Err(shape(format!("found a top-level member `{name}`")));
            }
        };
        match value {
            JsonTree::Object(members) => *slot = Some(members),
            other => return Err(shape(format!("found `{key}` to be {}", other.type_name()))),
        }
    }
    match (header, body) {
        (Some(header), Some(body)) => Ok(Parsed {
            header,
            body,
            duplicate,
        }),
        (None, _) => Err(shape("found no `header`".to_owned())),
        (_, None) => Err(shape("found no `body`".to_owned())),
    }
}
