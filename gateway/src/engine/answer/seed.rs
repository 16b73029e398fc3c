//! What the borrowed-tree parses share (an engine's answer in [`super::read`] and, as the tests'
//! reference, `tree`; the HTTP ingress request in `pipeline::ingress`): an object's
//! members with `Value`'s handling of a repeated key, keys borrowed from the bytes, a number's
//! exact text as serde_json hands it over, when a duplicate key is looked for by a scan, and how
//! its path is written.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use protocol_mci::json::{JsonTree, NumberText};
use serde::de::{self, DeserializeSeed, Deserializer, Visitor};
use serde_json::Number;

/// serde_json's `arbitrary_precision` hands a number that does not fit 64 bits (or has a
/// fraction or exponent) to a visitor as a one-entry map under this key, its value the number's
/// text (serde_json's `number::TOKEN`, which `Value` itself keys on). A whole number that fits
/// comes as `u64`/`i64`.
pub(crate) const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Members up to which a duplicate is looked for by a scan; larger objects use a set.
const SCAN_MEMBERS: usize = 16;

/// Members an object's list has room for before its first key: a decision's header or body
/// (8–12 members in the demo's and the tests' layouts) grows once at most.
const MEMBERS_ROOM: usize = 8;

/// An object's members as a parse meets them, with what `Value`'s own parse does with a key
/// given twice: the last value, in the first key's place.
pub(crate) struct ObjectMembers<'a> {
    members: Vec<(Cow<'a, str>, JsonTree<'a>)>,
    /// Past [`SCAN_MEMBERS`], the keys so far, for a duplicate check that stays linear.
    seen: Option<HashSet<Cow<'a, str>>>,
}

impl<'a> ObjectMembers<'a> {
    pub(crate) fn new() -> ObjectMembers<'a> {
        ObjectMembers {
            // Room for a usual header or body: growing from empty reallocated three times.
            members: Vec::with_capacity(MEMBERS_ROOM),
            seen: None,
        }
    }

    /// Whether `key` was met before in this object (noted as met when it was not).
    // A `Cow`, not a `&str`: past SCAN_MEMBERS the key is cloned into the set as it is, so a
    // key borrowed from the bytes stays borrowed there.
    #[allow(clippy::ptr_arg)]
    pub(crate) fn repeats(&mut self, key: &Cow<'a, str>) -> bool {
        match &mut self.seen {
            Some(seen) => !seen.insert(key.clone()),
            None => self.members.iter().any(|(k, _)| k == key),
        }
    }

    /// Adds a member; a `repeated` key (as [`Self::repeats`] said) replaces its first value.
    pub(crate) fn put(&mut self, key: Cow<'a, str>, value: JsonTree<'a>, repeated: bool) {
        if repeated {
            if let Some(slot) = self.members.iter_mut().find(|(k, _)| *k == key) {
                slot.1 = value;
            }
            return;
        }
        self.members.push((key, value));
        if self.seen.is_none() && self.members.len() == SCAN_MEMBERS {
            self.seen = Some(self.members.iter().map(|(k, _)| k.clone()).collect());
        }
    }

    /// The members in document order.
    pub(crate) fn into_vec(self) -> Vec<(Cow<'a, str>, JsonTree<'a>)> {
        self.members
    }
}

/// One step of a duplicate's path, innermost first while the parse unwinds.
pub(crate) enum PathStep {
    /// A member's key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// The steps as `a.b[1].c`.
pub(crate) fn render(mut steps: Vec<PathStep>) -> String {
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

/// A key, borrowed from the bytes when it holds no escape.
pub(crate) struct Key;

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
pub(crate) struct NumberTextSeed;

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
