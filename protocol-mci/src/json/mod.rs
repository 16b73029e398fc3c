//! JSON as the encoder reads it: one small abstraction over two trees.
//!
//! The encoder walks the layout and looks values up by field name; it never needs more of a
//! JSON tree than "what is this value" ([`Shape`]) and "the member named `k`"
//! ([`JsonObject::get`]), which it first tries in place, walking the members in order
//! ([`JsonObject::entries`]): objects almost always hold them in layout order. Both `serde_json::Value` (what [`crate::Message`] holds) and the
//! borrowed [`JsonTree`] (an engine's answer parsed without `IndexMap`s, SipHash or a heap
//! string per number) implement it, so one walker encodes either, with the same bytes and the
//! same errors.
//!
//! # Layout
//! - `mod.rs`: [`JsonNode`], [`JsonObject`], [`Shape`], [`Scalar`] and their `Value` impls.
//! - `tree`: [`JsonTree`], the borrowed, order-keeping tree, and [`MemberList`] edited with
//!   `Map::insert`'s semantics ([`insert_member`]): a request header echoed into an answer.
//! - `number`: [`NumberText`], a number's exact text without a heap string for short ones.
//! - `cursor`: `Cursor`, the encoder's positional-first member lookup.

mod cursor;
mod number;
mod tree;

pub(crate) use self::cursor::Cursor;

pub use self::number::NumberText;
pub use self::tree::{insert_member, members_to_map, JsonTree, MemberEntries, MemberList, Members};

use serde_json::{Map, Value};

/// A JSON value the encoder can read: `serde_json::Value` or [`JsonTree`].
pub trait JsonNode: Sized {
    /// The object type of this tree.
    type Object: JsonObject<Node = Self> + ?Sized;

    /// What the value is, with its text or members borrowed.
    fn shape(&self) -> Shape<'_, Self>;

    /// Whether the value is null.
    fn is_null(&self) -> bool {
        matches!(self.shape(), Shape::Null)
    }

    /// The value as a scalar (arrays and objects named only).
    fn scalar(&self) -> Scalar<'_> {
        self.shape().scalar()
    }
}

/// A JSON object the encoder can read: members looked up by name, or walked in order.
pub trait JsonObject {
    /// The value type of this tree.
    type Node: JsonNode;

    /// The members in the object's order, as (key, value).
    type Entries<'o>: Iterator<Item = (&'o str, &'o Self::Node)> + Clone
    where
        Self: 'o;

    /// Whether a key is held at most once (a map), or may repeat (a member list, where
    /// [`JsonObject::get`] gives the first).
    const UNIQUE_KEYS: bool;

    /// The member named `key` (the first of that name where keys may repeat).
    fn get(&self, key: &str) -> Option<&Self::Node>;

    /// The members in order: what the encoder tries before [`JsonObject::get`].
    fn entries(&self) -> Self::Entries<'_>;
}

/// One JSON value, its text and children borrowed from the tree.
#[derive(Debug)]
pub enum Shape<'v, N: JsonNode> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number's exact text.
    Number(&'v str),
    /// A string's unescaped text.
    String(&'v str),
    /// An array's elements.
    Array(&'v [N]),
    /// An object's members.
    Object(&'v N::Object),
}

impl<'v, N: JsonNode> Shape<'v, N> {
    /// The value as a scalar.
    pub fn scalar(&self) -> Scalar<'v> {
        match *self {
            Shape::Null => Scalar::Null,
            Shape::Bool(b) => Scalar::Bool(b),
            Shape::Number(text) => Scalar::Number(text),
            Shape::String(text) => Scalar::String(text),
            Shape::Array(_) => Scalar::Array,
            Shape::Object(_) => Scalar::Object,
        }
    }
}

/// A value as a scalar field's encoder reads it: arrays and objects are only named (a scalar
/// field refuses them), never walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar<'v> {
    /// `null` or absent.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number's exact text.
    Number(&'v str),
    /// A string's unescaped text.
    String(&'v str),
    /// Some array.
    Array,
    /// Some object.
    Object,
}

impl<'v> Scalar<'v> {
    /// Whether the value is null.
    pub fn is_null(self) -> bool {
        self == Scalar::Null
    }

    /// The value as JSON text, as `Value`'s `Display` writes a scalar (arrays and objects as
    /// `[…]`/`{…}`: their members are not at hand, and messages never quote them).
    pub fn json_text(self) -> String {
        match self {
            Scalar::Null => "null".to_owned(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Number(text) => text.to_owned(),
            // Serialising a str cannot fail; the fallback is never taken.
            Scalar::String(text) => {
                serde_json::to_string(text).unwrap_or_else(|_| format!("{text:?}"))
            }
            Scalar::Array => "[…]".to_owned(),
            Scalar::Object => "{…}".to_owned(),
        }
    }
}

impl JsonNode for Value {
    type Object = Map<String, Value>;

    fn shape(&self) -> Shape<'_, Value> {
        match self {
            Value::Null => Shape::Null,
            Value::Bool(b) => Shape::Bool(*b),
            Value::Number(n) => Shape::Number(n.as_str()),
            Value::String(s) => Shape::String(s),
            Value::Array(elements) => Shape::Array(elements),
            Value::Object(members) => Shape::Object(members),
        }
    }
}

impl JsonObject for Map<String, Value> {
    type Node = Value;
    type Entries<'o> = MapEntries<'o>;
    const UNIQUE_KEYS: bool = true;

    fn get(&self, key: &str) -> Option<&Value> {
        Map::get(self, key)
    }

    fn entries(&self) -> MapEntries<'_> {
        MapEntries(self.iter())
    }
}

/// A `serde_json::Map`'s members in order (insertion order: the workspace builds serde_json
/// with `preserve_order`), keys as `&str`.
#[derive(Clone)]
pub struct MapEntries<'o>(serde_json::map::Iter<'o>);

impl<'o> Iterator for MapEntries<'o> {
    type Item = (&'o str, &'o Value);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k.as_str(), v))
    }
}
