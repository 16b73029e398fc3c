//! The view as JSON, for the edges (the HTTP engine contract, the API, stored records): exactly
//! the `serde_json::Value` tree [`crate::Layout::decode`] gives.

use serde_json::{Map, Value};

use super::{FieldValue, MessageView, Object};
use crate::message::Message;

impl MessageView<'_> {
    /// The message with JSON values ([`crate::Layout::to_json`] gives the layout's JSON).
    pub fn to_message(&self) -> Message {
        Message {
            header: self.header.to_map(),
            body: self.body.to_map(),
        }
    }

    /// [`MessageView::to_message`] without copying converted text again.
    pub fn into_message(self) -> Message {
        Message {
            header: self.header.into_map(),
            body: self.body.into_map(),
        }
    }

    /// The message as `{"header", "body"}`, like [`Message::to_value`].
    pub fn to_value(&self) -> Value {
        let mut object = Map::with_capacity(2);
        object.insert("header".into(), Value::Object(self.header.to_map()));
        object.insert("body".into(), Value::Object(self.body.to_map()));
        Value::Object(object)
    }
}

impl Object<'_> {
    /// The entries as a JSON object, in wire order.
    pub fn to_map(&self) -> Map<String, Value> {
        let mut map = Map::with_capacity(self.entries.len());
        for entry in &self.entries {
            map.insert(entry.name.to_owned(), entry.value.to_value());
        }
        map
    }

    /// [`Object::to_map`], moving converted text instead of copying it.
    pub fn into_map(self) -> Map<String, Value> {
        let mut map = Map::with_capacity(self.entries.len());
        for entry in self.entries {
            map.insert(entry.name.to_owned(), entry.value.into_value());
        }
        map
    }
}

impl FieldValue<'_> {
    /// The value as JSON: text as a string, decimals as exact numbers, dates as ISO text.
    pub fn to_value(&self) -> Value {
        match self {
            FieldValue::Null => Value::Null,
            FieldValue::Text(text) => Value::String(text.as_ref().to_owned()),
            FieldValue::Decimal(decimal) => decimal.to_value(),
            FieldValue::Date(parts) => Value::String(parts.iso()),
            FieldValue::Group(elements) => {
                Value::Array(elements.iter().map(|e| Value::Object(e.to_map())).collect())
            }
            FieldValue::Object(object) => Value::Object(object.to_map()),
        }
    }

    /// [`FieldValue::to_value`], moving converted text instead of copying it.
    pub fn into_value(self) -> Value {
        match self {
            FieldValue::Text(text) => Value::String(text.into_owned()),
            FieldValue::Group(elements) => Value::Array(
                elements
                    .into_iter()
                    .map(|e| Value::Object(e.into_map()))
                    .collect(),
            ),
            FieldValue::Object(object) => Value::Object(object.into_map()),
            other => other.to_value(),
        }
    }
}
