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
//! object at line 1 column 41 (byte 40)`; inside `header` or `body` the member's path instead of
//! the expected shape: `body.req_term: invalid number at line 1 column 375 (byte 380)`), bytes
//! after the object, a top level other than an object, a member other than `header` and `body`,
//! a missing one, and either not an object.
//! Until the eleventh session these were serde_json's texts for `Message` (`missing field
//! `body` at line 1 column 14`), and an array of two objects was read as header and body.

use std::borrow::Cow;
use std::fmt;

use protocol_mci::json::JsonTree;

use crate::engine::json_read::{self, First};
use crate::engine::JsonSyntax;

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
    /// Not JSON: where (in which member, at which line, column and byte) and why.
    Syntax(JsonSyntax),
    /// Not `{"header": {..}, "body": {..}}`: what was found instead.
    Shape(String),
    /// A key given twice (where the request is not of its shape either): its path.
    Duplicate(String),
}

impl Unparsed {
    /// How a refusal of the request's shape begins.
    const EXPECTED: &'static str = "expected {\"header\": {..}, \"body\": {..}}: ";
}

impl fmt::Display for Unparsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Inside `header` or `body` the member's path says where; the request's shape
            // would say nothing more.
            Unparsed::Syntax(syntax) if !syntax.path().is_empty() => write!(f, "{syntax}"),
            Unparsed::Syntax(syntax) => write!(f, "{}{syntax}", Unparsed::EXPECTED),
            Unparsed::Shape(found) => write!(f, "{}{found}", Unparsed::EXPECTED),
            Unparsed::Duplicate(path) => write!(f, "expected each key once, found `{path}` twice"),
        }
    }
}

/// Parses a whole body: one JSON object `{"header": {..}, "body": {..}}`, whitespace around it.
/// A key given twice where the request is otherwise of its shape comes back in
/// [`Parsed::duplicate`] (the header is there for the refusal's log line). A refused body comes
/// with its `header` object when it has one (for JSON that breaks, one read before the break),
/// for the same line's correlation id.
pub(crate) fn parse(bytes: &[u8]) -> Result<Parsed<'_>, (Unparsed, Option<Members<'_>>)> {
    let First {
        tree,
        duplicate,
        end,
    } = json_read::first_document(bytes).map_err(|error| {
        // JSON that breaks in the body may still have had its header first: for the log line.
        let header = match json_read::member_before_error(bytes, "header") {
            Some(JsonTree::Object(members)) => Some(members),
            _ => None,
        };
        (Unparsed::Syntax(error), header)
    })?;
    let shape = |found: String| match &duplicate {
        Some(path) => Unparsed::Duplicate(path.clone()),
        None => Unparsed::Shape(found),
    };
    let JsonTree::Object(members) = tree else {
        return Err((shape(format!("found {}", tree.type_name())), None));
    };
    let (mut header, mut body, mut wrong) = (None, None, None);
    for (key, value) in members {
        match (key.as_ref(), value) {
            ("header", JsonTree::Object(members)) => header = Some(members),
            ("body", JsonTree::Object(members)) => body = Some(members),
            ("header" | "body", other) => {
                wrong.get_or_insert_with(|| format!("found `{key}` to be {}", other.type_name()));
            }
            (other, _) => {
                let name = json_read::cut(other);
                wrong.get_or_insert_with(|| format!("found a top-level member `{name}`"));
            }
        }
    }
    if let Some(at) = bytes[end..]
        .iter()
        .position(|b| !json_read::is_whitespace(*b))
    {
        let at = end + at;
        let (line, column) = json_read::position(bytes, at);
        let found =
            format!("found more bytes after the object at line {line} column {column} (byte {at})");
        return Err((Unparsed::Shape(found), header));
    }
    let missing = |part: &str| format!("found no `{part}`");
    match (wrong, header, body) {
        (None, Some(header), Some(body)) => Ok(Parsed {
            header,
            body,
            duplicate,
        }),
        (Some(found), header, _) => Err((shape(found), header)),
        (None, None, _) => Err((shape(missing("header")), None)),
        (None, header, None) => Err((shape(missing("body")), header)),
    }
}
