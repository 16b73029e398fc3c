//! A message as a record stores it: masked JSON text, kept as text.
//!
//! The gateway writes a record's request and decisions as JSON straight from their decoded views,
//! masked while written (`Layout::write_masked_json`); building `serde_json::Value` trees first
//! and serialising them again was most of the cost of a record. [`MaskedJson`] carries that text
//! through the writer into the stored record unchanged (serde_json writes a `RawValue` as it is),
//! so the stored bytes are the JSON the `Value` path gave. Reading a record keeps the text too;
//! the few readers that walk a decision (review, admin page) parse it with
//! [`MaskedJson::to_value`].

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

/// JSON text already masked; serialises as that JSON, not as a string holding it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MaskedJson(Box<RawValue>);

impl MaskedJson {
    /// The JSON text the masked writer wrote; `None` if it is not one JSON value (a writer bug,
    /// which the caller answers by taking the `Value` path).
    pub fn from_written(json: Vec<u8>) -> Option<MaskedJson> {
        let text = String::from_utf8(json).ok()?;
        RawValue::from_string(text).ok().map(MaskedJson)
    }

    /// A value the caller masked already (a message that had no view, tests).
    pub fn from_value(value: &Value) -> MaskedJson {
        // `to_raw_value` writes the value with serde_json's serializer, as storing it did.
        match serde_json::value::to_raw_value(value) {
            Ok(raw) => MaskedJson(raw),
            // A `Value` always serialises (its keys are strings); keep a valid null regardless.
            Err(_) => MaskedJson(Box::default()),
        }
    }

    /// The JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// The JSON as a value, for readers that walk it.
    pub fn to_value(&self) -> Value {
        // The text is one valid JSON value (checked when it was made or read).
        serde_json::from_str(self.0.get()).unwrap_or(Value::Null)
    }
}

impl From<Value> for MaskedJson {
    fn from(value: Value) -> MaskedJson {
        MaskedJson::from_value(&value)
    }
}

/// Equal texts: records written and read back compare equal, as with `Value`s.
impl PartialEq for MaskedJson {
    fn eq(&self, other: &MaskedJson) -> bool {
        self.get() == other.get()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    #[derive(Serialize, Deserialize)]
    struct Record {
        request: MaskedJson,
    }

    #[test]
    fn serialises_as_the_json_it_holds_and_reads_back_equal() {
        let text = r#"{"body":{"name":"홍**","amount":1.50,"none":null,"q":"\"\\"}}"#;
        let value: Value = serde_json::from_str(text).unwrap();
        let written = MaskedJson::from_written(serde_json::to_vec(&value).unwrap()).unwrap();
        assert_eq!(written, MaskedJson::from(value.clone()));
        let stored = serde_json::to_string(&Record { request: written }).unwrap();
        let expected = serde_json::to_string(&json!({"request": value.clone()})).unwrap();
        assert_eq!(stored, expected);
        let read: Record = serde_json::from_str(&stored).unwrap();
        let read = read.request;
        assert_eq!(read.to_value(), value);
        assert_eq!(read.get(), text);
    }

    #[test]
    fn text_that_is_not_one_json_value_is_refused() {
        assert!(MaskedJson::from_written(b"{\"a\":1".to_vec()).is_none());
        assert!(MaskedJson::from_written(b"1 2".to_vec()).is_none());
        assert!(MaskedJson::from_written(vec![b'"', 0xFF, b'"']).is_none());
    }
}
