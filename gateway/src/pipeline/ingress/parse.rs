//! One parse of an HTTP ingress request body into borrowed trees, with the errors
//! `serde_json::from_slice::<Message>` gave and one it did not: a key held twice.
//!
//! The top level is read as serde's derive reads [`protocol_mci::Message`] (`deserialize_struct`
//! with `header` and `body`, unknown fields refused, a field given twice refused), and each part
//! as `Map<String, Value>` reads it (`deserialize_map`), so a bad request gets the same text at
//! the same line and column as before. Inside, values are [`JsonTree`]s: strings and keys borrow
//! the body's bytes when unescaped, numbers keep their exact text ([`NumberText`]), members keep
//! document order, no `IndexMap`, SipHash or heap string per number. A key an object holds twice
//! is noted with its path (`body.loans[1].rate`); serde_json alone kept the last value silently.

use std::borrow::Cow;
use std::fmt;

use protocol_mci::json::{JsonTree, NumberText};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Number;

use crate::engine::answer_seed::{
    render, Key, NumberTextSeed, ObjectMembers, PathStep, NUMBER_TOKEN,
};

/// The names serde's derive gives `Message`'s fields, for its error texts.
const FIELDS: &[&str] = &["header", "body"];

/// An object's members in document order.
pub(crate) type Members<'a> = Vec<(Cow<'a, str>, JsonTree<'a>)>;

/// The request's two parts and the path of the first key an object of them holds twice.
pub(crate) struct Parsed<'a> {
    pub header: Members<'a>,
    pub body: Members<'a>,
    pub duplicate: Option<String>,
}

/// Parses a whole body (trailing bytes refused, as `serde_json::from_slice` refuses them).
pub(crate) fn parse(bytes: &[u8]) -> Result<Parsed<'_>, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let parsed = deserializer.deserialize_struct("Message", FIELDS, Request)?;
    deserializer.end()?;
    Ok(parsed)
}

/// A value and the path of its first duplicate key, if any.
type Built<'de, T> = (T, Option<Vec<PathStep>>);

/// The top level, read as serde's derive reads `Message`.
struct Request;

impl<'de> Visitor<'de> for Request {
    type Value = Parsed<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("struct Message")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Parsed<'de>, A::Error> {
        // The derive accepts the fields as an array too: `[{header}, {body}]`.
        let expected = &"struct Message with 2 elements";
        let header = seq
            .next_element_seed(Object)?
            .ok_or_else(|| de::Error::invalid_length(0, expected))?;
        let body = seq
            .next_element_seed(Object)?
            .ok_or_else(|| de::Error::invalid_length(1, expected))?;
        Ok(parsed(header, body))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Parsed<'de>, A::Error> {
        let mut header = None;
        let mut body = None;
        while let Some(field) = map.next_key_seed(Field)? {
            let slot = match field {
                Part::Header => &mut header,
                Part::Body => &mut body,
            };
            if slot.is_some() {
                return Err(de::Error::duplicate_field(FIELDS[field as usize]));
            }
            *slot = Some(map.next_value_seed(Object)?);
        }
        let header = header.ok_or_else(|| de::Error::missing_field("header"))?;
        let body = body.ok_or_else(|| de::Error::missing_field("body"))?;
        Ok(parsed(header, body))
    }
}

/// The parts, with the first duplicate's path (the header's before the body's).
fn parsed<'de>(
    (header, in_header): Built<'de, Members<'de>>,
    (body, in_body): Built<'de, Members<'de>>,
) -> Parsed<'de> {
    let duplicate = match (in_header, in_body) {
        (Some(steps), _) => Some(("header", steps)),
        (None, Some(steps)) => Some(("body", steps)),
        (None, None) => None,
    };
    let duplicate = duplicate.map(|(part, mut steps)| {
        steps.push(PathStep::Key(part.to_owned()));
        render(steps)
    });
    Parsed {
        header,
        body,
        duplicate,
    }
}

/// `header` or `body`.
#[derive(Clone, Copy)]
enum Part {
    Header = 0,
    Body = 1,
}

/// A top-level key, read as the derive's field identifier.
struct Field;

impl<'de> DeserializeSeed<'de> for Field {
    type Value = Part;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Part, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for Field {
    type Value = Part;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field identifier")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Part, E> {
        match name {
            "header" => Ok(Part::Header),
            "body" => Ok(Part::Body),
            other => Err(de::Error::unknown_field(other, FIELDS)),
        }
    }
}

/// `header` or `body`, read as `Map<String, Value>` reads it.
struct Object;

impl<'de> DeserializeSeed<'de> for Object {
    type Value = Built<'de, Members<'de>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Object {
    type Value = Built<'de, Members<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let first = map.next_key_seed(Key)?;
        members(first, map)
    }
}

/// An object's members from its first key on, the first duplicate noted (the parse goes on
/// after it, so a syntax error later is still reported as one).
fn members<'de, A: MapAccess<'de>>(
    mut next: Option<Cow<'de, str>>,
    mut map: A,
) -> Result<Built<'de, Members<'de>>, A::Error> {
    let mut members = ObjectMembers::new();
    let mut first = None;
    while let Some(key) = next {
        let repeated = members.repeats(&key);
        let (value, inner) = map.next_value_seed(Node)?;
        // A key seen before is the duplicate, ahead of anything inside its value.
        let found = match repeated {
            true => first.is_none().then(Vec::new),
            false => inner,
        };
        if let (None, Some(mut steps)) = (&first, found) {
            steps.push(PathStep::Key(key.clone().into_owned()));
            first = Some(steps);
        }
        members.put(key, value, repeated);
        next = map.next_key_seed(Key)?;
    }
    Ok((members.into_vec(), first))
}

/// Any value, read as `Value` reads it.
struct Node;

impl<'de> DeserializeSeed<'de> for Node {
    type Value = Built<'de, JsonTree<'de>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node {
    type Value = Built<'de, JsonTree<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        Ok((JsonTree::Bool(value), None))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        Ok((JsonTree::Number(NumberText::of_i64(value)), None))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        Ok((JsonTree::Number(NumberText::of_u64(value)), None))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        // Not reached with `arbitrary_precision`; kept as `Value` reads it.
        let tree = Number::from_f64(value).map_or(JsonTree::Null, |n| {
            JsonTree::Number(NumberText::of_text(n.as_str().to_owned()))
        });
        Ok((tree, None))
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
        Ok((JsonTree::String(Cow::Borrowed(value)), None))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok((JsonTree::String(Cow::Owned(value.to_owned())), None))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
        Ok((JsonTree::String(Cow::Owned(value)), None))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok((JsonTree::Null, None))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok((JsonTree::Null, None))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut elements = Vec::new();
        let mut first = None;
        while let Some((element, found)) = seq.next_element_seed(Node)? {
            if let (None, Some(mut steps)) = (&first, found) {
                steps.push(PathStep::Index(elements.len()));
                first = Some(steps);
            }
            elements.push(element);
        }
        Ok((JsonTree::Array(elements), first))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let key = map.next_key_seed(Key)?;
        if key.as_deref() == Some(NUMBER_TOKEN) {
            let number = map.next_value_seed(NumberTextSeed)?;
            return Ok((JsonTree::Number(number), None));
        }
        let (members, first) = members(key, map)?;
        Ok((JsonTree::Object(members), first))
    }
}
