//! The one parse of an engine's answer and of an HTTP ingress request: jiter's JSON iterator
//! builds the borrowed [`JsonTree`] and notes the first key an object holds twice, which
//! serde_json alone resolves silently.
//!
//! Every answer of every shadowed request, and every request of the HTTP ingress, goes through
//! here (issue 19). serde_json with the workspace's `arbitrary_precision` hands each number with
//! a fraction or an exponent to a visitor as a one-entry map holding a heap string of its text,
//! and each key and value through a visitor; jiter hands a number over as its bytes in the
//! document and a string as a slice of it when it holds no escape, so neither feature is on this
//! path any more.
//!
//! The tree is the one the serde_json parse built (`tree`, now the tests' reference):
//! a repeated key keeps its first position and its last value, numbers keep their exact text,
//! members keep document order, and after a duplicate the parse goes on, so a syntax error later
//! in the answer is still reported as one. One difference, on purpose: an object whose first key
//! is serde_json's private number token (`{"$serde_json::private::Number": "12"}`) is an object
//! here, as RFC 8259 reads it, not the number 12.

use std::borrow::Cow;

use jiter::{Jiter, JiterError, Peek};
use protocol_mci::json::{JsonTree, NumberText};

pub(crate) use super::cut;
use super::seed::{render, ObjectMembers, PathStep};
use super::JsonSyntax;

/// Arrays and objects may nest this deep, the answer's own object counting as the first: what
/// serde_json allowed (its recursion limit), and what keeps the recursion's stack bounded.
pub(crate) const MAX_DEPTH: usize = 127;

/// The first JSON document of an answer.
pub(crate) struct First<'j> {
    /// Its tree.
    pub tree: JsonTree<'j>,
    /// The path of the first key an object of it holds twice (`body.offers[1].rate`).
    pub duplicate: Option<String>,
    /// The offset of the byte after it.
    pub end: usize,
}

/// Reads the first document of `bytes` (whitespace before it skipped; what follows it is left to
/// the caller): its tree, its first duplicate key, where it ends; or why it is not JSON.
pub(crate) fn first_document(bytes: &[u8]) -> Result<First<'_>, JsonSyntax> {
    let mut reader = Reader::new(bytes);
    let built = match reader.jiter.peek() {
        Ok(peek) => reader.value(peek, 0),
        Err(error) => Err(Stop::from(error)),
    };
    match built {
        Ok(tree) => Ok(First {
            tree,
            duplicate: reader.duplicate.take().map(render),
            end: reader.jiter.current_index(),
        }),
        Err(stop) => Err(stop.syntax(bytes)),
    }
}

/// The member `name` of the object `bytes` starts with, read where it is (the members before it
/// skipped, nothing after it read): what a document that stops being JSON further on held there.
pub(crate) fn member_before_error<'j>(bytes: &'j [u8], name: &str) -> Option<JsonTree<'j>> {
    let mut reader = Reader::new(bytes);
    let mut found = reader.jiter.next_object().ok()?.map(|key| key == name);
    while let Some(here) = found {
        if here {
            let peek = reader.jiter.peek().ok()?;
            return reader.value(peek, 1).ok();
        }
        reader.jiter.next_skip().ok()?;
        found = reader.jiter.next_key().ok()?.map(|key| key == name);
    }
    None
}

/// How many JSON documents `bytes` holds one after another (separated by JSON whitespace, or by
/// nothing where the first ends with a bracket, brace or quote), or `None` when anything in it is
/// not JSON.
pub(super) fn documents(bytes: &[u8]) -> Option<usize> {
    let mut count = 0;
    let mut from = 0;
    loop {
        from += bytes[from..]
            .iter()
            .take_while(|b| is_whitespace(**b))
            .count();
        if from == bytes.len() {
            return Some(count);
        }
        let mut jiter = Jiter::new(&bytes[from..]);
        jiter.next_skip().ok()?;
        count += 1;
        from += jiter.current_index();
    }
}

/// JSON's whitespace (RFC 8259 §2): space, tab, line feed, carriage return.
pub(crate) fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// The line and column (both from 1; a column counts characters, not bytes) of the byte at
/// offset `at` of `bytes` (its length: just after the last character).
pub(crate) fn position(bytes: &[u8], at: usize) -> (usize, usize) {
    let before = &bytes[..at.min(bytes.len())];
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let line = 1 + before.iter().filter(|b| **b == b'\n').count();
    // Bytes that start a UTF-8 character (or are not UTF-8 at all): not continuation bytes.
    let column = 1 + before[line_start..]
        .iter()
        .filter(|b| **b & 0xC0 != 0x80)
        .count();
    (line, column)
}

/// Why the parse stopped, and where in the document's tree: the path's steps innermost first,
/// each enclosing member or element adding its own as the error leaves it.
struct Stop {
    halt: Halt,
    path: Vec<PathStep>,
}

/// What stopped the parse.
enum Halt {
    /// Not JSON: jiter's reason and offset.
    Json(JiterError),
    /// An array or object nested deeper than [`MAX_DEPTH`], at its opening bracket.
    TooDeep(usize),
}

impl From<JiterError> for Stop {
    fn from(error: JiterError) -> Stop {
        Stop {
            halt: Halt::Json(error),
            path: Vec::new(),
        }
    }
}

impl Stop {
    /// The stop inside the member or element `step` of the object or array around it.
    fn within(mut self, step: PathStep) -> Stop {
        self.path.push(step);
        self
    }

    /// The reason, path and position of a stop in `bytes`, as the error gives them.
    fn syntax(self, bytes: &[u8]) -> JsonSyntax {
        let (reason, at) = match self.halt {
            Halt::Json(error) => (error.error_type.to_string(), error.index),
            Halt::TooDeep(at) => ("recursion limit exceeded".to_owned(), at),
        };
        let (line, column) = position(bytes, at);
        JsonSyntax {
            reason,
            path: render(self.path),
            line,
            column,
            at,
        }
    }
}

struct Reader<'j> {
    jiter: Jiter<'j>,
    /// The answer's bytes.
    data: &'j [u8],
    /// The same bytes as text when they are UTF-8: unescaped strings are borrowed from it.
    text: Option<&'j str>,
    /// The path of the first key an object holds twice, innermost step first: started where
    /// the repeated key is met, each enclosing member or element adds its step as the parse
    /// leaves it.
    duplicate: Option<Vec<PathStep>>,
}

impl<'j> Reader<'j> {
    fn new(bytes: &'j [u8]) -> Reader<'j> {
        Reader {
            jiter: Jiter::new(bytes),
            data: bytes,
            // One check of the whole document (JSON text is UTF-8, RFC 8259 §8.1), so that each
            // unescaped string is a slice of it without a check of its own. A document that is
            // not UTF-8 is parsed all the same, its strings copied, and jiter says where it breaks.
            text: std::str::from_utf8(bytes).ok(),
            duplicate: None,
        }
    }

    /// The value that `peek` starts, inside `depth` arrays and objects.
    fn value(&mut self, peek: Peek, depth: usize) -> Result<JsonTree<'j>, Stop> {
        Ok(match peek {
            Peek::Null => {
                self.jiter.known_null()?;
                JsonTree::Null
            }
            Peek::True | Peek::False => JsonTree::Bool(self.jiter.known_bool(peek)?),
            Peek::String => {
                let text = self.jiter.known_str()?;
                JsonTree::String(borrow(self.data, self.text, text))
            }
            Peek::Array => self.array(depth + 1)?,
            Peek::Object => self.object(depth + 1)?,
            // A number, or not a value (jiter says which, with its offset).
            _ => JsonTree::Number(NumberText::of_bytes(self.jiter.known_number_bytes(peek)?)),
        })
    }

    /// Refuses an array or object at `depth` deeper than [`MAX_DEPTH`].
    fn enter(&self, depth: usize) -> Result<(), Stop> {
        match depth > MAX_DEPTH {
            true => Err(Stop {
                halt: Halt::TooDeep(self.jiter.current_index()),
                path: Vec::new(),
            }),
            false => Ok(()),
        }
    }

    /// Adds `step` to the duplicate's path when the duplicate was met inside the member or
    /// element just read (`before`: whether one had been met before it).
    fn leave(&mut self, before: bool, step: impl FnOnce() -> PathStep) {
        if let (false, Some(steps)) = (before, &mut self.duplicate) {
            steps.push(step());
        }
    }

    fn array(&mut self, depth: usize) -> Result<JsonTree<'j>, Stop> {
        self.enter(depth)?;
        let mut elements = Vec::new();
        let mut next = self.jiter.known_array()?;
        while let Some(peek) = next {
            let before = self.duplicate.is_some();
            let element = self
                .value(peek, depth)
                .map_err(|stop| stop.within(PathStep::Index(elements.len())))?;
            elements.push(element);
            self.leave(before, || PathStep::Index(elements.len() - 1));
            next = self.jiter.array_step()?;
        }
        Ok(JsonTree::Array(elements))
    }

    fn object(&mut self, depth: usize) -> Result<JsonTree<'j>, Stop> {
        self.enter(depth)?;
        let Some(key) = self.jiter.known_object()? else {
            return Ok(JsonTree::Object(Vec::new()));
        };
        let mut key = borrow(self.data, self.text, key);
        let mut members = ObjectMembers::new();
        loop {
            let repeated = members.repeats(&key);
            // A key seen before is the duplicate, ahead of anything inside its value.
            let before = self.duplicate.is_some() || repeated;
            if repeated && self.duplicate.is_none() {
                self.duplicate = Some(vec![PathStep::Key(cut(&key))]);
            }
            let value = match self.jiter.peek() {
                Ok(peek) => self.value(peek, depth),
                Err(error) => Err(Stop::from(error)),
            }
            .map_err(|stop| stop.within(PathStep::Key(cut(&key))))?;
            self.leave(before, || PathStep::Key(cut(&key)));
            members.put(key, value, repeated);
            key = match self.jiter.next_key()? {
                Some(next) => borrow(self.data, self.text, next),
                None => break,
            };
        }
        Ok(JsonTree::Object(members.into_vec()))
    }
}

/// `string` borrowed from `whole` (the answer's `data` as text) when it is a slice of it (a
/// string without escapes, which jiter hands over in place), a copy otherwise (an escaped string,
/// decoded into jiter's buffer, or any string of an answer that is not UTF-8).
fn borrow<'j>(data: &'j [u8], whole: Option<&'j str>, string: &str) -> Cow<'j, str> {
    let start = (string.as_ptr() as usize).wrapping_sub(data.as_ptr() as usize);
    let inside = start
        .checked_add(string.len())
        .and_then(|end| whole?.get(start..end));
    match inside {
        Some(string) => Cow::Borrowed(string),
        None => Cow::Owned(string.to_owned()),
    }
}
