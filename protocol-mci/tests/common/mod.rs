//! Helpers for the codec tests: a layout around one field, and body-level encode/decode.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::borrow::Cow;

use protocol_mci::view::{DateParts, FieldValue, Object, ScaledDecimal};
use protocol_mci::{DecodeError, Direction, EncodeError, Layout, Message};
use serde_json::{Map, Value};

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

/// Where typed values ([`Object`], from `decode_view`) differ from the JSON values they were
/// encoded from, checked without the view's own conversion: keys in the same order, decimals as
/// the digits and scale of the JSON number's text, text equal and borrowed from the frame when
/// it is ASCII, dates whose ISO text and parts match, groups element by element. `None` when
/// they agree.
pub fn typed_mismatch(view: &Object<'_>, json: &Map<String, Value>, path: &str) -> Option<String> {
    let names: Vec<&str> = view.iter().map(|e| e.name).collect();
    let keys: Vec<&str> = json.keys().map(String::as_str).collect();
    if names != keys {
        return Some(format!("{path}: keys {names:?}, expected {keys:?}"));
    }
    view.iter().find_map(|entry| {
        let at = format!("{path}.{}", entry.name);
        let expected = &json[entry.name];
        match (&entry.value, expected) {
            (FieldValue::Null, Value::Null) => None,
            (FieldValue::Text(text), Value::String(s)) if text == s => match text {
                Cow::Owned(_) if s.is_ascii() => Some(format!("{at}: ASCII text {s:?} copied")),
                _ => None,
            },
            (FieldValue::Decimal(d), Value::Number(n)) => {
                decimal_mismatch(d, n.as_str()).map(|m| format!("{at}: {m}"))
            }
            (FieldValue::Date(parts), Value::String(s)) => (parts.iso() != *s
                || date_parts(s) != date_of(parts))
            .then(|| format!("{at}: {parts:?} for {s:?}")),
            (FieldValue::Group(elements), Value::Array(items)) if elements.len() == items.len() => {
                elements
                    .iter()
                    .zip(items)
                    .enumerate()
                    .find_map(|(i, (element, item))| {
                        let map = item.as_object()?;
                        typed_mismatch(element, map, &format!("{at}[{i}]"))
                    })
            }
            (FieldValue::Object(object), Value::Object(map)) => typed_mismatch(object, map, &at),
            (value, expected) => Some(format!("{at}: {value:?}, expected {expected}")),
        }
    })
}

/// A scaled decimal against exact JSON number text: `-12.340` is mantissa -12340, scale 3;
/// with a negative scale (COBOL `P`) `12300` is mantissa 123 at scale -2.
fn decimal_mismatch(d: &ScaledDecimal, text: &str) -> Option<String> {
    let negative = text.starts_with('-');
    let unsigned = text.trim_start_matches('-');
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits: i128 = format!("{int}{frac}").parse().unwrap();
    let (mantissa, scale) = match d.scale() {
        s if s < 0 => {
            let power = 10i128.pow(s.unsigned_abs());
            (digits / power, if digits % power == 0 { s } else { 0 })
        }
        _ => (digits, frac.len() as i32),
    };
    let mantissa = if negative { -mantissa } else { mantissa };
    let negative_zero = negative && mantissa == 0;
    let found = (d.mantissa(), d.scale(), d.is_negative_zero());
    (found != (mantissa, scale, negative_zero)).then(|| {
        format!(
            "{found:?}, expected {:?} for {text}",
            (mantissa, scale, negative_zero)
        )
    })
}

/// Year, month, day, hour, minute, second, millis of ISO text (0 where absent), read here
/// independently of the codec: `2026-11-21T09:30:15.123`, `--11-29`, `21:58`.
fn date_parts(s: &str) -> [u32; 7] {
    let n = |range: std::ops::Range<usize>| s.get(range).and_then(|t| t.parse().ok()).unwrap_or(0);
    let mut parts = [0; 7];
    let time_at = match (s.starts_with("--"), s.as_bytes().get(4)) {
        (true, _) => {
            parts[1] = n(2..4);
            parts[2] = n(5..7);
            s.find('T').map(|t| t + 1)
        }
        (false, Some(b'-')) => {
            parts[0] = n(0..4);
            parts[1] = n(5..7);
            parts[2] = n(8..10);
            s.find('T').map(|t| t + 1)
        }
        _ => Some(0),
    };
    if let Some(t) = time_at {
        parts[3] = n(t..t + 2);
        parts[4] = n(t + 3..t + 5);
        parts[5] = n(t + 6..t + 8);
        parts[6] = n(t + 9..t + 12);
    }
    parts
}

/// The components of decoded date parts in [`date_parts`] order.
fn date_of(parts: &DateParts) -> [u32; 7] {
    let (hour, minute, second, millis) = parts.time();
    [
        parts.year(),
        parts.month(),
        parts.day(),
        hour,
        minute,
        second,
        millis,
    ]
}

/// A frame's masked JSON two ways: written from its view while masking
/// (`Layout::write_masked_json`), and its decoded message masked by the layout (`mask_as`) and
/// serialised; with whether the mask changed the message at all.
pub fn masked_json_both(
    layout: &Layout,
    direction: Direction,
    frame: &[u8],
) -> (String, String, bool) {
    let (selected, view) = layout.decode_view_selected(direction, frame).unwrap();
    let mut written = Vec::new();
    layout.write_masked_json(&view, &mut written);
    let unmasked = view.to_message();
    let mut masked = unmasked.clone();
    layout.mask_as(direction, selected, &mut masked);
    let changed = masked != unmasked;
    let expected = serde_json::to_string(&layout.into_json(masked)).unwrap();
    (String::from_utf8(written).unwrap(), expected, changed)
}
