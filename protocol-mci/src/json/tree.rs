//! A borrowed, order-keeping JSON tree: what an engine's answer is parsed into.
//!
//! Strings and keys borrow the answer's bytes where they hold no escape; numbers keep their
//! exact text ([`NumberText`]); objects are member lists in document order. Answers are small
//! objects with short keys, so a linear scan finds a member faster than hashing its key would.

use std::borrow::Cow;
use std::str::FromStr;

use serde_json::{Map, Number, Value};

use super::{JsonNode, JsonObject, NumberText, Shape};

/// An object's members in document order.
pub type Members<'a> = [(Cow<'a, str>, JsonTree<'a>)];

/// An object's members, owned: what an object is built and edited as (e.g. a request header
/// echoed into an answer, [`crate::view::Object::into_tree`]).
pub type MemberList<'a> = Vec<(Cow<'a, str>, JsonTree<'a>)>;

/// One JSON value, borrowing its text from the bytes it was parsed from where it can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonTree<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number's exact text.
    Number(NumberText),
    /// A string, unescaped.
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<JsonTree<'a>>),
    /// An object's members in document order.
    Object(Vec<(Cow<'a, str>, JsonTree<'a>)>),
}

impl<'a> JsonTree<'a> {
    /// The member named `key` of an object (`None` for anything else).
    pub fn get(&self, key: &str) -> Option<&JsonTree<'a>> {
        match self {
            JsonTree::Object(members) => JsonObject::get(members.as_slice(), key),
            _ => None,
        }
    }

    /// The JSON type, for messages: `null`, `a boolean`, `a number`, `a string`, `an array`,
    /// `an object`.
    pub fn type_name(&self) -> &'static str {
        match self {
            JsonTree::Null => "null",
            JsonTree::Bool(_) => "a boolean",
            JsonTree::Number(_) => "a number",
            JsonTree::String(_) => "a string",
            JsonTree::Array(_) => "an array",
            JsonTree::Object(_) => "an object",
        }
    }

    /// The same value as a `serde_json::Value` (for records and the rare paths that need one).
    pub fn to_value(&self) -> Value {
        match self {
            JsonTree::Null => Value::Null,
            JsonTree::Bool(b) => Value::Bool(*b),
            // The text came from a JSON number, so it parses as one again.
            JsonTree::Number(text) => {
                Number::from_str(text.as_str()).map_or(Value::Null, Value::Number)
            }
            JsonTree::String(text) => Value::String(text.as_ref().to_owned()),
            JsonTree::Array(elements) => {
                Value::Array(elements.iter().map(Self::to_value).collect())
            }
            JsonTree::Object(members) => Value::Object(members_to_map(members)),
        }
    }

    /// A tree borrowing a `Value`'s strings and keys (a later key of the same name is not there
    /// to repeat: a `Map` holds each key once).
    pub fn from_value(value: &'a Value) -> JsonTree<'a> {
        match value {
            Value::Null => JsonTree::Null,
            Value::Bool(b) => JsonTree::Bool(*b),
            Value::Number(n) => JsonTree::Number(NumberText::of_text(n.as_str().to_owned())),
            Value::String(s) => JsonTree::String(Cow::Borrowed(s)),
            Value::Array(elements) => {
                JsonTree::Array(elements.iter().map(Self::from_value).collect())
            }
            Value::Object(members) => JsonTree::Object(
                members
                    .iter()
                    .map(|(k, v)| (Cow::Borrowed(k.as_str()), Self::from_value(v)))
                    .collect(),
            ),
        }
    }
}

/// Sets the member named `key` as `serde_json::Map::insert` does: a member of that name keeps
/// its place and takes `value`, else `value` is appended. A list kept this way holds each name
/// once, so [`members_to_map`] gives the `Map` the same inserts give.
pub fn insert_member<'a>(members: &mut MemberList<'a>, key: Cow<'a, str>, value: JsonTree<'a>) {
    match members.iter_mut().find(|(k, _)| *k == key) {
        Some((_, slot)) => *slot = value,
        None => members.push((key, value)),
    }
}

/// Members as a `serde_json::Map`, in their order.
pub fn members_to_map(members: &Members<'_>) -> Map<String, Value> {
    members
        .iter()
        .map(|(k, v)| (k.as_ref().to_owned(), v.to_value()))
        .collect()
}

impl<'a> JsonNode for JsonTree<'a> {
    type Object = Members<'a>;

    fn shape(&self) -> Shape<'_, JsonTree<'a>> {
        match self {
            JsonTree::Null => Shape::Null,
            JsonTree::Bool(b) => Shape::Bool(*b),
            JsonTree::Number(text) => Shape::Number(text.as_str()),
            JsonTree::String(text) => Shape::String(text),
            JsonTree::Array(elements) => Shape::Array(elements),
            JsonTree::Object(members) => Shape::Object(members.as_slice()),
        }
    }
}

impl<'a> JsonObject for Members<'a> {
    type Node = JsonTree<'a>;
    type Entries<'o>
        = MemberEntries<'o, 'a>
    where
        Self: 'o;
    const UNIQUE_KEYS: bool = false;

    fn get(&self, key: &str) -> Option<&JsonTree<'a>> {
        self.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn entries(&self) -> MemberEntries<'_, 'a> {
        MemberEntries(self.iter())
    }
}

/// A member list's members in order, keys as `&str`.
#[derive(Clone)]
pub struct MemberEntries<'o, 'a>(std::slice::Iter<'o, (Cow<'a, str>, JsonTree<'a>)>);

impl<'o, 'a> Iterator for MemberEntries<'o, 'a> {
    type Item = (&'o str, &'o JsonTree<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k.as_ref(), v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_and_its_value_agree_on_text_order_and_numbers() {
        let value: Value = serde_json::from_str(
            r#"{"z": 1, "a": [true, null, "x\"y"], "rate": 4.500, "big": 123456789012345678901234567890}"#,
        )
        .unwrap();
        let tree = JsonTree::from_value(&value);
        assert_eq!(tree.to_value().to_string(), value.to_string());
        assert_eq!(
            tree.get("rate").map(|r| r.scalar()),
            Some(crate::json::Scalar::Number("4.500"))
        );
        assert_eq!(tree.get("a").map(JsonTree::type_name), Some("an array"));
        assert!(tree.get("missing").is_none());
        assert!(JsonTree::Null.get("z").is_none());
    }

    #[test]
    fn inserting_a_member_replaces_in_place_or_appends_as_a_map_does() {
        let mut members: MemberList<'_> = Vec::new();
        let mut map = Map::new();
        for (key, n) in [("b", 1), ("a", 2), ("b", 3), ("c", 4), ("a", 5)] {
            let value = JsonTree::Number(NumberText::of_u64(n));
            map.insert(key.to_owned(), value.to_value());
            insert_member(&mut members, Cow::Borrowed(key), value);
        }
        assert_eq!(members.len(), 3);
        assert_eq!(Value::Object(members_to_map(&members)), Value::Object(map));
        assert_eq!(
            members_to_map(&members).keys().collect::<Vec<_>>(),
            ["b", "a", "c"]
        );
    }
}
