//! A decoded message: its header part and its body, as JSON with exact decimal numbers.
//!
//! With the legacy `[header]` the header map holds the header fields and the JSON is
//! `{"header": {...}, "body": {...}}`. With named sections (`[headers.NAME]`) the header map holds
//! one object per header section and the JSON puts each section and the body (`body_section`)
//! side by side: `{"sys": {...}, "biz": {...}, "data": {...}}` ([`crate::Layout::to_json`]).

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
    /// Header fields by name; with named sections, one object of fields per section.
    pub header: Map<String, Value>,
    /// Body fields by name.
    pub body: Map<String, Value>,
}

impl Message {
    /// The message as `{"header", "body"}` (a legacy layout's JSON; [`crate::Layout::to_json`]
    /// gives any layout's).
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

impl crate::Layout {
    /// The message as this layout's JSON: `{"header", "body"}` for the legacy header, or each
    /// header section and the body under their own keys (`{"sys", "biz", "data"}`).
    pub fn to_json(&self, message: &Message) -> Value {
        self.into_json(message.clone())
    }

    /// [`crate::Layout::to_json`] without copying the message.
    pub fn into_json(&self, message: Message) -> Value {
        if !self.is_sectioned() {
            let mut object = Map::with_capacity(2);
            object.insert("header".into(), Value::Object(message.header));
            object.insert("body".into(), Value::Object(message.body));
            return Value::Object(object);
        }
        let mut object = message.header;
        object.insert(self.body_key().to_owned(), Value::Object(message.body));
        Value::Object(object)
    }

    /// A message from this layout's JSON ([`crate::Layout::to_json`]); members that are not
    /// objects are left out, so an encode reports the fields they should have held.
    pub fn from_json(&self, value: Value) -> Message {
        let mut message = Message::default();
        let Value::Object(object) = value else {
            return message;
        };
        let body_key = self.body_key();
        for (key, member) in object {
            let Value::Object(member) = member else {
                continue;
            };
            if key == body_key {
                message.body = member;
            } else if self.is_sectioned() {
                message.header.insert(key, Value::Object(member));
            } else if key == "header" {
                message.header = member;
            }
        }
        message
    }
}
