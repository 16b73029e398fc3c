//! A decoded message: `{"header": {...}, "body": {...}}` as JSON with exact decimal numbers.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Which body of a message a frame carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Core banking → decisioning.
    Request,
    /// Decisioning → core banking (the error body when the result code says so).
    Response,
}

/// A frame as JSON. Numbers are `serde_json::Number`s holding their exact decimal text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Message {
    /// Header fields by name.
    pub header: Map<String, Value>,
    /// Body fields by name.
    pub body: Map<String, Value>,
}

impl Message {
    /// The message as one JSON value.
    pub fn to_value(&self) -> Value {
        let mut object = Map::with_capacity(2);
        object.insert("header".into(), Value::Object(self.header.clone()));
        object.insert("body".into(), Value::Object(self.body.clone()));
        Value::Object(object)
    }

    /// A header field as text (text fields, trimmed of padding when decoded).
    pub fn header_text(&self, name: &str) -> Option<&str> {
        self.header.get(name).and_then(Value::as_str)
    }
}
