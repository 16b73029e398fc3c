//! Finding a key that an object holds twice, which serde_json would resolve silently by
//! keeping the last value.

use std::collections::BTreeSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::cut;

/// The path of the first key that an object of `document` (one valid JSON value) holds twice.
pub(super) fn duplicate_key(document: &[u8]) -> Option<String> {
    let mut deserializer = serde_json::Deserializer::from_slice(document);
    // The document parsed once already, so an error here cannot happen; it would mean no
    // duplicate was found before it, which is what `None` says.
    let mut steps = Unique.deserialize(&mut deserializer).ok()??;
    steps.reverse();
    let mut path = String::new();
    for step in steps {
        match step {
            PathStep::Key(key) if path.is_empty() => path.push_str(&key),
            PathStep::Key(key) => {
                path.push('.');
                path.push_str(&key);
            }
            PathStep::Index(index) => path.push_str(&format!("[{index}]")),
        }
    }
    Some(path)
}

/// One step of a duplicate's path, innermost first while the walk unwinds.
enum PathStep {
    Key(String),
    Index(usize),
}

/// Walks one value without building it, answering the path of the first duplicate key.
///
/// With `arbitrary_precision` a number arrives as a one-entry map, which holds no duplicate.
struct Unique;

impl<'de> DeserializeSeed<'de> for Unique {
    type Value = Option<Vec<PathStep>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Unique {
    type Value = Option<Vec<PathStep>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any json value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut index = 0;
        while let Some(found) = seq.next_element_seed(Unique)? {
            if let Some(mut steps) = found {
                steps.push(PathStep::Index(index));
                // The rest must still be read for the parser to accept the array's end.
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                return Ok(Some(steps));
            }
            index += 1;
        }
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut keys = BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let found = if keys.contains(&key) {
                map.next_value::<IgnoredAny>()?;
                Some(Vec::new())
            } else {
                map.next_value_seed(Unique)?
            };
            if let Some(mut steps) = found {
                steps.push(PathStep::Key(cut(&key)));
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                return Ok(Some(steps));
            }
            keys.insert(key);
        }
        Ok(None)
    }
}
