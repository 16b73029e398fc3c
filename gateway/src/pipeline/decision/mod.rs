//! A decoded frame as the comparator's tree: the shadow path compares typed views of both
//! answers ([`protocol_mci::MessageView`]) without building `serde_json::Value` trees.
//!
//! [`DecisionNode`] presents a view as the layout's JSON would look (`{"header", "body"}`, or the
//! named header sections and the body side by side), so a comparison of views gives exactly the
//! differences, paths and signature of a comparison of their JSON (the property tests in
//! `tests.rs` check it). Text is borrowed from the frame, decimals compare as scaled integers,
//! dates compare by their parts (written, without allocating, only when a rule reads them); JSON
//! is built only for a reported difference.

use std::slice;

use comparator::{Keyed, Leaf, Node, Scaled, Shape};
use protocol_mci::view::{Entry, FieldValue, Object};
use protocol_mci::{Layout, MessageView};
use serde_json::{Map, Value};

/// One node of a decoded decision, as the comparator walks it.
#[derive(Debug, Clone, Copy)]
pub enum DecisionNode<'a> {
    /// The whole decision as the layout's JSON.
    Root {
        /// The decoded header (fields or named sections).
        header: &'a Object<'a>,
        /// The decoded body.
        body: &'a Object<'a>,
        /// The body's key beside the named header sections; `None`: `{"header", "body"}`.
        sections: Option<&'a str>,
    },
    /// A body, a header section or a group element.
    Object(&'a Object<'a>),
    /// A field's value.
    Value(&'a FieldValue<'a>),
}

impl<'a> DecisionNode<'a> {
    /// The root of `view`, decoded with `layout`, shaped as `layout`'s JSON.
    pub fn root(layout: &'a Layout, view: &'a MessageView<'a>) -> DecisionNode<'a> {
        DecisionNode::root_of(layout, &view.header, &view.body)
    }

    /// The root of a decision whose header and body were decoded apart: a shadow answer whose
    /// body is the live one's ([`protocol_mci::BesideView::Header`]).
    pub fn root_of(
        layout: &'a Layout,
        header: &'a Object<'a>,
        body: &'a Object<'a>,
    ) -> DecisionNode<'a> {
        DecisionNode::Root {
            header,
            body,
            sections: layout.is_sectioned().then(|| layout.body_key()),
        }
    }

    /// The object this node holds, if it is one other than the root.
    fn object(self) -> Option<&'a Object<'a>> {
        match self {
            DecisionNode::Object(object) | DecisionNode::Value(FieldValue::Object(object)) => {
                Some(object)
            }
            _ => None,
        }
    }
}

/// The fields of a [`DecisionNode`]: an object's entries, then the root's members that are not
/// entries of one object (the header and body of `{"header", "body"}`, or the body after the
/// named sections).
#[derive(Debug, Clone)]
pub struct DecisionFields<'a> {
    entries: slice::Iter<'a, Entry<'a>>,
    tail: [Option<(&'a str, DecisionNode<'a>)>; 2],
    at: usize,
}

impl<'a> Iterator for DecisionFields<'a> {
    type Item = (&'a str, DecisionNode<'a>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if let Some(entry) = self.entries.next() {
            return Some((entry.name, DecisionNode::Value(&entry.value)));
        }
        let member = self.tail.get_mut(self.at)?.take();
        self.at += 1;
        member
    }
}

impl<'a> Node<'a> for DecisionNode<'a> {
    type Fields = DecisionFields<'a>;

    #[inline]
    fn shape(self) -> Shape<'a> {
        let value = match self {
            DecisionNode::Root { .. } | DecisionNode::Object(_) => return Shape::Object,
            DecisionNode::Value(value) => value,
        };
        match value {
            FieldValue::Null => Shape::Leaf(Leaf::Null),
            FieldValue::Text(text) => Shape::Leaf(Leaf::Text(text)),
            FieldValue::Decimal(decimal) => Shape::Leaf(Leaf::Decimal(Scaled {
                mantissa: decimal.mantissa(),
                scale: decimal.scale(),
                text: decimal,
            })),
            // Two dates compare by their parts; the text is written only for a rule or a report.
            FieldValue::Date(parts) => Shape::Leaf(match parts.iso_key() {
                Some(key) => Leaf::Keyed(Keyed { key, text: parts }),
                None => Leaf::Spelled(parts),
            }),
            FieldValue::Group(_) => Shape::Array,
            FieldValue::Object(_) => Shape::Object,
        }
    }

    #[inline]
    fn fields(self) -> DecisionFields<'a> {
        let no_entries: &'a [Entry<'a>] = &[];
        let (entries, tail) = match self {
            DecisionNode::Root {
                header,
                body,
                sections: None,
            } => (
                no_entries,
                [
                    Some(("header", DecisionNode::Object(header))),
                    Some(("body", DecisionNode::Object(body))),
                ],
            ),
            DecisionNode::Root {
                header,
                body,
                sections: Some(key),
            } => (
                header.entries.as_slice(),
                [Some((key, DecisionNode::Object(body))), None],
            ),
            other => (
                other.object().map_or(no_entries, |o| o.entries.as_slice()),
                [None, None],
            ),
        };
        DecisionFields {
            entries: entries.iter(),
            tail,
            at: 0,
        }
    }

    fn field(self, name: &str) -> Option<DecisionNode<'a>> {
        // Layout objects are short and hold no index: a scan, as the walk's own lookups.
        self.fields()
            .find(|(key, _)| *key == name)
            .map(|(_, node)| node)
    }

    #[inline]
    fn len(self) -> usize {
        match self {
            DecisionNode::Root { sections: None, .. } => 2,
            DecisionNode::Root { header, .. } => header.len() + 1,
            DecisionNode::Value(FieldValue::Group(elements)) => elements.len(),
            other => other.object().map_or(0, Object::len),
        }
    }

    #[inline]
    fn element(self, index: usize) -> Option<DecisionNode<'a>> {
        match self {
            DecisionNode::Value(FieldValue::Group(elements)) => {
                elements.get(index).map(DecisionNode::Object)
            }
            _ => None,
        }
    }

    fn to_value(self) -> Value {
        match self {
            DecisionNode::Root {
                header,
                body,
                sections,
            } => {
                let mut object = match sections {
                    None => {
                        let mut object = Map::with_capacity(2);
                        object.insert("header".into(), Value::Object(header.to_map()));
                        object
                    }
                    Some(_) => header.to_map(),
                };
                let key = sections.unwrap_or("body");
                object.insert(key.to_owned(), Value::Object(body.to_map()));
                Value::Object(object)
            }
            DecisionNode::Object(object) => Value::Object(object.to_map()),
            DecisionNode::Value(value) => value.to_value(),
        }
    }

    /// One object held once for both sides: a shadow body that is the live one's.
    #[inline]
    fn same(self, other: DecisionNode<'a>) -> bool {
        match (self, other) {
            (DecisionNode::Object(a), DecisionNode::Object(b)) => std::ptr::eq(a, b),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests;
