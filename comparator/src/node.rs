//! The read-only tree the walk goes over: any decision form, not only `serde_json::Value`.
//!
//! The gateway's hot path holds decisions as typed values decoded from the frame (text borrowed,
//! decimals as scaled integers, fields in layout order); building a `Value` tree for every
//! comparison (every key hashed into an `IndexMap`, every number a heap string) cost more than
//! the comparison. [`Node`] is what the walk needs of a tree: objects with their fields in order,
//! arrays by index, and typed scalar [`Leaf`]s. `&serde_json::Value` implements it (the HTTP
//! contract, the API, stored records); the gateway implements it for decoded frames. A tree
//! compares exactly as its JSON would: same differences, paths, signatures and rule behaviour.

use std::fmt;

use serde_json::Value;

use crate::text::same_text;

/// A handle on one node of a decision: cheap to copy (a reference or two).
///
/// The JSON a node stands for ([`Node::to_value`]) decides how it compares: a [`Leaf::Decimal`]
/// compares as the JSON number its text is, a [`Leaf::Spelled`] or [`Leaf::Keyed`] value as the
/// JSON string.
pub trait Node<'a>: Copy {
    /// The fields of an object, in order.
    type Fields: Iterator<Item = (&'a str, Self)>;

    /// Whether this is an object, an array or a scalar (and which).
    fn shape(self) -> Shape<'a>;

    /// The fields of an object in order; none for anything else.
    fn fields(self) -> Self::Fields;

    /// The field named `name` of an object; `None` when missing or not an object.
    fn field(self, name: &str) -> Option<Self>;

    /// The number of fields of an object or elements of an array; 0 for a scalar.
    fn len(self) -> usize;

    /// Whether [`Node::len`] is 0.
    fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The element at `index` of an array; `None` beyond its end or when not an array.
    fn element(self, index: usize) -> Option<Self>;

    /// The node as JSON, for a reported difference (rare: only values that differ are copied).
    fn to_value(self) -> Value;

    /// Whether both handles hold the very same node: one part of a tree that both decisions
    /// share. A node equals itself with nothing hidden under any rules (the property tests
    /// hold it), so the walk passes over such a pair. By default never: everything is walked.
    fn same(self, _other: Self) -> bool {
        false
    }
}

/// What kind of node a [`Node`] is.
#[derive(Clone, Copy)]
pub enum Shape<'a> {
    /// Named fields in order.
    Object,
    /// Elements by index.
    Array,
    /// A scalar.
    Leaf(Leaf<'a>),
}

/// A scalar, as typed as the tree holds it.
#[derive(Clone, Copy)]
pub enum Leaf<'a> {
    /// JSON `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A string.
    Text(&'a str),
    /// A string written on demand (a date held as its parts): compared as the text it writes.
    Spelled(&'a dyn fmt::Display),
    /// A string written on demand whose key decides equality without writing it: two keyed
    /// leaves are the same string exactly when their keys are equal (a date's parts, packed).
    Keyed(Keyed<'a>),
    /// A number as its exact JSON text (`5.250`, `1.5e3`).
    Number(&'a str),
    /// An exact decimal as a scaled integer.
    Decimal(Scaled<'a>),
}

/// An exact decimal `mantissa × 10^-scale`, with the JSON number text it stands for.
#[derive(Clone, Copy)]
pub struct Scaled<'a> {
    /// The integer.
    pub mantissa: i128,
    /// Implied decimal places (negative: the mantissa is multiplied by a power of ten).
    pub scale: i32,
    /// Writes the JSON number's text (`5.250`): what tolerance and value-map rules read.
    pub text: &'a dyn fmt::Display,
}

/// A string held as something cheaper to compare than its text (see [`Leaf::Keyed`]).
#[derive(Clone, Copy)]
pub struct Keyed<'a> {
    /// Equal for two leaves exactly when their texts are equal.
    pub key: u128,
    /// Writes the string: what rules and a leaf of another form read.
    pub text: &'a dyn fmt::Display,
}

impl fmt::Debug for Leaf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Leaf::Null => f.write_str("Null"),
            Leaf::Bool(b) => write!(f, "Bool({b})"),
            Leaf::Text(text) => write!(f, "Text({text:?})"),
            Leaf::Spelled(text) => write!(f, "Spelled({text})"),
            Leaf::Keyed(keyed) => write!(f, "Keyed({})", keyed.text),
            Leaf::Number(text) => write!(f, "Number({text})"),
            Leaf::Decimal(d) => write!(f, "Decimal({})", d.text),
        }
    }
}

/// The fields of a JSON object, or nothing for any other value.
#[derive(Debug, Clone)]
pub struct ValueFields<'a>(Option<serde_json::map::Iter<'a>>);

impl<'a> Iterator for ValueFields<'a> {
    type Item = (&'a str, &'a Value);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.0
            .as_mut()?
            .next()
            .map(|(key, value)| (key.as_str(), value))
    }
}

impl<'a> Node<'a> for &'a Value {
    type Fields = ValueFields<'a>;

    #[inline]
    fn shape(self) -> Shape<'a> {
        match self {
            Value::Object(_) => Shape::Object,
            Value::Array(_) => Shape::Array,
            Value::Null => Shape::Leaf(Leaf::Null),
            Value::Bool(b) => Shape::Leaf(Leaf::Bool(*b)),
            Value::Number(n) => Shape::Leaf(Leaf::Number(n.as_str())),
            Value::String(s) => Shape::Leaf(Leaf::Text(s)),
        }
    }

    #[inline]
    fn fields(self) -> ValueFields<'a> {
        ValueFields(self.as_object().map(|map| map.iter()))
    }

    fn field(self, name: &str) -> Option<&'a Value> {
        let map = self.as_object()?;
        // Elements are small records: a scan that compares lengths first is cheaper than hashing.
        if map.len() <= 16 {
            map.iter()
                .find(|(field, _)| same_text(field.as_bytes(), name.as_bytes()))
                .map(|(_, value)| value)
        } else {
            map.get(name)
        }
    }

    #[inline]
    fn len(self) -> usize {
        match self {
            Value::Object(map) => map.len(),
            Value::Array(elements) => elements.len(),
            _ => 0,
        }
    }

    #[inline]
    fn element(self, index: usize) -> Option<&'a Value> {
        self.as_array()?.get(index)
    }

    fn to_value(self) -> Value {
        self.clone()
    }
}
