//! The header echo as it was built before the tree (issue 19): the request header decoded into
//! a `serde_json::Map`, edited, and encoded. Kept as the reference the tree echo is held to
//! (`echo::tests`) and measured against (`benches/http_path.rs`, which includes this file), so
//! it uses nothing but `protocol_mci` and `serde_json`.

use protocol_mci::json::{members_to_map, JsonObject, JsonTree, Members};
use protocol_mci::{Direction, EncodeError, Layout, Message};
use serde_json::{Map, Value};

/// `encode_answer` over the request header as a `Map` (`Exchange::request_header`).
pub fn encode_answer_map(
    layout: &Layout,
    tx_code: &str,
    request_header: Map<String, Value>,
    answer: &JsonTree<'_>,
) -> Result<Vec<u8>, (EncodeError, Box<Message>)> {
    let (header, body) = answer_parts(layout, request_header, answer);
    encode_response_body(layout, tx_code, &header, body).map_err(|error| {
        let body = members_to_map(body);
        (error, Box::new(Message { header, body }))
    })
}

/// The answer's header (the request's echoed, the answer's overrides applied) and its body's
/// members, borrowed from the tree.
fn answer_parts<'t, 'a>(
    layout: &Layout,
    mut header: Map<String, Value>,
    answer: &'t JsonTree<'a>,
) -> (Map<String, Value>, &'t Members<'a>) {
    if let Some((flag, _, response)) = layout.flag() {
        flag.set(&mut header, Value::String(response.to_owned()));
    }
    if let Some((field, [ok, ..])) = layout.result() {
        field.set(&mut header, Value::String(ok.clone()));
    }
    if let Some(JsonTree::Object(overrides)) = answer.get("header") {
        for (key, value) in overrides {
            match (header.get_mut(key.as_ref()), value) {
                (Some(Value::Object(section)), JsonTree::Object(fields))
                    if layout.is_sectioned() =>
                {
                    section.extend(members_to_map(fields));
                }
                (_, value) => {
                    header.insert(key.as_ref().to_owned(), value.to_value());
                }
            }
        }
    }
    let body: &'t Members<'a> = match answer.get("body") {
        Some(JsonTree::Object(body)) => body,
        _ => &[],
    };
    (header, body)
}

/// Encodes a response as the request's message, its body read from any JSON tree.
fn encode_response_body<B: JsonObject + ?Sized>(
    layout: &Layout,
    tx_code: &str,
    header: &Map<String, Value>,
    body: &B,
) -> Result<Vec<u8>, EncodeError> {
    match layout.message(tx_code) {
        Some(selected) => layout.encode_body_as(Direction::Response, selected, header, body),
        None => layout.codec(Direction::Response).encode_body(header, body),
    }
}
