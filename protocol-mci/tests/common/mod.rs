//! Helpers for the codec tests: a layout around one field, and body-level encode/decode.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use protocol_mci::{DecodeError, Direction, EncodeError, Layout, Message};
use serde_json::Value;

/// Bytes before the body in [`one_field`] layouts: 4-digit prefix + 4-byte transaction code.
pub const BODY_AT: usize = 8;

/// A layout whose request body is the given fields (TOML inline tables, comma separated),
/// framed by a 4-digit prefix counting what follows it, header = transaction code `T001`.
pub fn with_body(fields: &str) -> Layout {
    let toml = format!(
        r#"
        [framing]
        prefix = "ascii"
        prefix_length = 4
        counts = "after_prefix"
        max_frame = 9999
        [header]
        discriminator = "tx"
        fields = [{{ name = "tx", type = "text", length = 4 }}]
        [messages.T001]
        request = [{fields}]
        response = [{fields}]
        "#
    );
    Layout::from_toml(&toml, "test", "test").unwrap_or_else(|e| panic!("{e}"))
}

/// A layout whose body is one field `v` with the given keys, e.g. `type = "text", length = 5`.
pub fn one_field(keys: &str) -> Layout {
    with_body(&format!("{{ name = \"v\", {keys} }}"))
}

/// The layout problems of a [`one_field`]-style layout whose request body is field `v` with
/// `keys`, as text; panics if the layout loads.
pub fn layout_error(keys: &str) -> String {
    let toml = format!(
        r#"
        [framing]
        prefix = "ascii"
        prefix_length = 4
        max_frame = 9999
        [header]
        discriminator = "tx"
        fields = [{{ name = "tx", type = "text", length = 4 }}]
        [messages.T001]
        request = [{{ name = "v", {keys} }}]
        response = [{{ name = "ok", type = "text", length = 1 }}]
        "#
    );
    match Layout::from_toml(&toml, "t", "t") {
        Ok(_) => panic!("a layout with {keys} was accepted"),
        Err(e) => e.to_string(),
    }
}

/// Encodes a body given as JSON text; returns the body bytes.
pub fn encode_body(layout: &Layout, body_json: &str) -> Result<Vec<u8>, EncodeError> {
    let message: Message = serde_json::from_str(&format!(
        r#"{{"header": {{"tx": "T001"}}, "body": {body_json}}}"#
    ))
    .unwrap();
    let frame = layout.encode(Direction::Request, &message)?;
    Ok(frame[BODY_AT..].to_vec())
}

/// Encodes `{"v": <value_json>}` and returns the body bytes.
pub fn encode_value(layout: &Layout, value_json: &str) -> Result<Vec<u8>, EncodeError> {
    encode_body(layout, &format!(r#"{{"v": {value_json}}}"#))
}

/// Decodes body bytes (framing added here) into the body object.
pub fn decode_body(layout: &Layout, body: &[u8]) -> Result<Value, DecodeError> {
    let mut frame = format!("{:04}T001", body.len() + 4).into_bytes();
    frame.extend_from_slice(body);
    let message = layout.decode(Direction::Request, &frame)?;
    Ok(Value::Object(message.body))
}

/// Decodes body bytes and returns field `v`.
pub fn decode_value(layout: &Layout, body: &[u8]) -> Result<Value, DecodeError> {
    Ok(decode_body(layout, body)?["v"].clone())
}

/// JSON text of a decoded value (numbers keep their exact text).
pub fn text(value: &Value) -> String {
    value.to_string()
}
