//! One parse of an answer into a `serde_json::Value` that also notes the first key an object
//! holds twice, which serde_json alone would resolve silently by keeping the last value.
//!
//! The tree is the one `Value`'s own `Deserialize` builds (a repeated key keeps its first
//! position and its last value, numbers keep their exact text), so everything downstream sees
//! the same answer; what this adds is the duplicate's path, found while the tree is built instead
//! of by a second walk over the bytes. The parse goes on after a duplicate: a syntax error later
//! in the answer is still reported as one, as it was when the walk came after a full parse.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::map::Entry;
use serde_json::{Map, Number, Value};

use super::cut;

/// serde_json's `arbitrary_precision` hands a number to a visitor as a one-entry map under this
/// key, its value the number's text (serde_json's `number::TOKEN`, which `Value` itself keys on).
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// An answer's JSON and the path of the first key an object of it holds twice.
pub(super) struct Checked {
    /// The answer, as `Value`'s own `Deserialize` gives it.
    pub value: Value,
    /// Where a key is held twice first (in document order), e.g. `body.offers[1].rate`.
    pub duplicate: Option<String>,
}

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (value, steps) = Build.deserialize(deserializer)?;
        Ok(Checked {
            value,
            duplicate: steps.map(render),
        })
    }
}

/// One step of a duplicate's path, innermost first while the parse unwinds.
enum PathStep {
    Key(String),
    Index(usize),
}

/// The steps as `a.b[1].c`.
fn render(mut steps: Vec<PathStep>) -> String {
    steps.reverse();
    let mut path = String::new();
    for step in steps {
        match step {
            PathStep::Key(key) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&key);
            }
            PathStep::Index(index) => path.push_str(&format!("[{index}]")),
        }
    }
    path
}

/// Builds one value and answers the path of its first duplicate key, if any.
struct Build;

type Built = (Value, Option<Vec<PathStep>>);

impl<'de> DeserializeSeed<'de> for Build {
    type Value = Built;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Built, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Build {
    type Value = Built;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Built, E> {
        Ok((Value::Bool(value), None))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Built, E> {
        Ok((Value::Number(value.into()), None))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Built, E> {
        Ok((Value::Number(value.into()), None))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Built, E> {
        Ok((
            Number::from_f64(value).map_or(Value::Null, Value::Number),
            None,
        ))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Built, E> {
        Ok((Value::String(value.to_owned()), None))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Built, E> {
        Ok((Value::String(value), None))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Built, E> {
        Ok((Value::Null, None))
    }

    fn visit_none<E: de::Error>(self) -> Result<Built, E> {
        Ok((Value::Null, None))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Built, D::Error> {
        Build.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Built, A::Error> {
        let mut elements = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        let mut first = None;
        while let Some((element, found)) = seq.next_element_seed(Build)? {
            if let (None, Some(mut steps)) = (&first, found) {
                steps.push(PathStep::Index(elements.len()));
                first = Some(steps);
            }
            elements.push(element);
        }
        Ok((Value::Array(elements), first))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Built, A::Error> {
        let Some(key) = map.next_key::<String>()? else {
            return Ok((Value::Object(Map::new()), None));
        };
        if key == NUMBER_TOKEN {
            return Ok((Value::Number(map.next_value_seed(NumberText)?), None));
        }
        let mut object = Map::new();
        let mut first = None;
        let mut next = Some(key);
        while let Some(key) = next {
            // A key seen before is the duplicate, ahead of anything inside its value.
            let found = match object.entry(key) {
                Entry::Vacant(vacant) => {
                    let (value, inner) = map.next_value_seed(Build)?;
                    let found = inner.map(|steps| (steps, cut(vacant.key())));
                    vacant.insert(value);
                    found
                }
                Entry::Occupied(mut occupied) => {
                    let (value, _) = map.next_value_seed(Build)?;
                    let found = first.is_none().then(|| (Vec::new(), cut(occupied.key())));
                    // The last value in the first key's place, as `Value` keeps it.
                    occupied.insert(value);
                    found
                }
            };
            if let (None, Some((mut steps, key))) = (&first, found) {
                steps.push(PathStep::Key(key));
                first = Some(steps);
            }
            next = map.next_key::<String>()?;
        }
        Ok((Value::Object(object), first))
    }
}

/// A number's text under [`NUMBER_TOKEN`], read as `Value`'s own parse reads it (same
/// expectation in its errors, e.g. when an answer itself uses that key).
struct NumberText;

impl<'de> DeserializeSeed<'de> for NumberText {
    type Value = Number;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Number, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for NumberText {
    type Value = Number;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("string containing a number")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Number, E> {
        Number::from_str(text).map_err(de::Error::custom)
    }
}
