//! serde_json's one parse of an answer into a borrowed [`JsonTree`] that also notes the first key
//! an object holds twice, which serde_json alone would resolve silently by keeping the last
//! value: the parse before jiter's (`read`, eleventh session), kept as the reference the tests and
//! `benches/http_path.rs` hold that one to.
//!
//! The tree holds what `Value`'s own `Deserialize` would (a repeated key keeps its first
//! position and its last value, numbers keep their exact text, members keep document order),
//! without an `IndexMap`, a SipHash per key or a heap string per string and number: strings and
//! keys borrow the answer's bytes when unescaped, numbers are [`NumberText`]. The parse goes on
//! after a duplicate: a syntax error later in the answer is still reported as one.
//!
//! [`Depth::Shape`] parses the same way but keeps only the top level's members, each value
//! hollow (its type, nothing inside): the check the runtime made where an answer was received
//! before the one parse (issue 19), kept as the tests' reference.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use protocol_mci::json::{JsonTree, NumberText};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Number;

use super::cut;
use super::seed::{render, ObjectMembers, PathStep};

/// How much of the tree a parse keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Depth {
    /// Everything.
    Full,
    /// The top level's members with hollow values: the earlier receiving check (tests only).
    Shape,
    /// Nothing inside (a member of a [`Depth::Shape`] parse).
    Hollow,
}

impl Depth {
    fn inner(self) -> Depth {
        match self {
            Depth::Full => Depth::Full,
            Depth::Shape | Depth::Hollow => Depth::Hollow,
        }
    }
}

/// An answer's tree and the path of the first key an object of it holds twice, in document
/// order (e.g. `body.offers[1].rate`). `SHAPE` keeps only the top level's members, hollow
/// ([`Depth::Shape`]); otherwise the whole tree is kept.
pub(super) struct Checked<'de, const SHAPE: bool> {
    pub tree: JsonTree<'de>,
    pub duplicate: Option<String>,
}

impl<'de, const SHAPE: bool> Deserialize<'de> for Checked<'de, SHAPE> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let depth = if SHAPE { Depth::Shape } else { Depth::Full };
        let (tree, steps) = Node(depth).deserialize(deserializer)?;
        Ok(Checked {
            tree,
            duplicate: steps.map(render),
        })
    }
}

/// Builds one value and answers the path of its first duplicate key, if any.
struct Node(Depth);

type Built<'de> = (JsonTree<'de>, Option<Vec<PathStep>>);

impl<'de> DeserializeSeed<'de> for Node {
    type Value = Built<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Built<'de>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node {
    type Value = Built<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Built<'de>, E> {
        Ok((JsonTree::Bool(value), None))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Built<'de>, E> {
        Ok((JsonTree::Number(NumberText::of_i64(value)), None))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Built<'de>, E> {
        Ok((JsonTree::Number(NumberText::of_u64(value)), None))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Built<'de>, E> {
        // Not reached with `arbitrary_precision`; kept as `Value` reads it.
        let tree = Number::from_f64(value).map_or(JsonTree::Null, |n| {
            JsonTree::Number(NumberText::of_text(n.as_str().to_owned()))
        });
        Ok((tree, None))
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Built<'de>, E> {
        Ok((self.string(Cow::Borrowed(value)), None))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Built<'de>, E> {
        let text = match self.0 {
            Depth::Hollow => Cow::Borrowed(""),
            _ => Cow::Owned(value.to_owned()),
        };
        Ok((JsonTree::String(text), None))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Built<'de>, E> {
        Ok((self.string(Cow::Owned(value)), None))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Built<'de>, E> {
        Ok((JsonTree::Null, None))
    }

    fn visit_none<E: de::Error>(self) -> Result<Built<'de>, E> {
        Ok((JsonTree::Null, None))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Built<'de>, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Built<'de>, A::Error> {
        let keep = self.0 == Depth::Full;
        let mut elements = Vec::new();
        let mut first = None;
        let mut index = 0;
        while let Some((element, found)) = seq.next_element_seed(Node(self.0.inner()))? {
            if let (None, Some(mut steps)) = (&first, found) {
                steps.push(PathStep::Index(index));
                first = Some(steps);
            }
            if keep {
                elements.push(element);
            }
            index += 1;
        }
        Ok((JsonTree::Array(elements), first))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Built<'de>, A::Error> {
        let Some(key) = map.next_key_seed(Key)? else {
            return Ok((JsonTree::Object(Vec::new()), None));
        };
        if key == NUMBER_TOKEN {
            let number = map.next_value_seed(NumberTextSeed)?;
            return Ok((JsonTree::Number(number), None));
        }
        let mut members = ObjectMembers::new();
        let mut first = None;
        let mut next = Some(key);
        while let Some(key) = next {
            let repeated = members.repeats(&key);
            let (value, inner) = map.next_value_seed(Node(self.0.inner()))?;
            // A key seen before is the duplicate, ahead of anything inside its value.
            let found = match repeated {
                true => first.is_none().then(|| (Vec::new(), cut(&key))),
                false => inner.map(|steps| (steps, cut(&key))),
            };
            if let (None, Some((mut steps, key))) = (&first, found) {
                steps.push(PathStep::Key(key));
                first = Some(steps);
            }
            members.put(key, value, repeated);
            next = map.next_key_seed(Key)?;
        }
        let mut members = members.into_vec();
        if self.0 == Depth::Hollow {
            members = Vec::new();
        }
        Ok((JsonTree::Object(members), first))
    }
}

impl Node {
    fn string<'de>(&self, text: Cow<'de, str>) -> JsonTree<'de> {
        match self.0 {
            Depth::Hollow => JsonTree::String(Cow::Borrowed("")),
            _ => JsonTree::String(text),
        }
    }
}

/// serde_json's `arbitrary_precision` hands a number that does not fit 64 bits (or has a
/// fraction or exponent) to a visitor as a one-entry map under this key, its value the number's
/// text (serde_json's `number::TOKEN`, which `Value` itself keys on). A whole number that fits
/// comes as `u64`/`i64`.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// A key, borrowed from the bytes when it holds no escape.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(key))
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(key.to_owned()))
    }

    fn visit_string<E: de::Error>(self, key: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(key))
    }
}

/// A number's text under [`NUMBER_TOKEN`], read as `Value`'s own parse reads it (same
/// expectation in its errors, e.g. when a document itself uses that key).
struct NumberTextSeed;

impl<'de> DeserializeSeed<'de> for NumberTextSeed {
    type Value = NumberText;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<NumberText, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for NumberTextSeed {
    type Value = NumberText;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("string containing a number")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<NumberText, E> {
        let number = Number::from_str(text).map_err(de::Error::custom)?;
        Ok(NumberText::of_text(number.as_str().to_owned()))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<NumberText, E> {
        // Only serde_json's own number text comes as a `String` (a string in the document comes
        // borrowed or as `&str`): scanned as a JSON number, it is kept as it is, which is what
        // `Number::from_str` would keep.
        Ok(NumberText::of_text(text))
    }
}
