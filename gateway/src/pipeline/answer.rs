//! Answers: the frame core banking receives, built from an engine's JSON answer (the echo of
//! the request header: `echo`) or by the gateway itself when something failed.

use protocol_mci::json::{JsonNode, JsonObject};
use protocol_mci::view::Object;
use protocol_mci::{BesideView, DecodeError, Direction, EncodeError, Layout, Message, MessageView};
use serde_json::{Map, Value};

use crate::metrics::FrameOutcome;

/// The message an http engine's answer stands for: the request header echoed with the flag set
/// to response and the result set to the first successful code, the answer's header fields
/// applied over it (with named sections, field by field within each section), and the answer's
/// body. The answer is taken by value: its body and header fields move into the message, so a
/// decision is never deep-copied here.
pub fn answer_message(
    layout: &Layout,
    request_header: &Map<String, Value>,
    answer: Value,
) -> Message {
    answer_message_over(layout, request_header.clone(), answer)
}

/// [`answer_message`] over a request header the caller owns (decoded again from the request
/// frame for this answer): the header becomes the answer's, nothing is cloned.
pub(crate) fn answer_message_over(
    layout: &Layout,
    mut header: Map<String, Value>,
    answer: Value,
) -> Message {
    respond(layout, &mut header);
    let Value::Object(mut answer) = answer else {
        return Message {
            header,
            body: Map::new(),
        };
    };
    if let Some(Value::Object(overrides)) = answer.remove("header") {
        for (key, value) in overrides {
            // With named sections an override names fields within a section: the section's
            // other fields stay echoed.
            match (header.get_mut(&key), value) {
                (Some(Value::Object(section)), Value::Object(fields)) if layout.is_sectioned() => {
                    section.extend(fields);
                }
                (_, value) => {
                    header.insert(key, value);
                }
            }
        }
    }
    let body = match answer.remove("body") {
        Some(Value::Object(body)) => body,
        _ => Map::new(),
    };
    Message { header, body }
}

/// The request header turned into a response's: the flag set to response and the result to
/// the first successful code.
fn respond(layout: &Layout, header: &mut Map<String, Value>) {
    if let Some((flag, _, response)) = layout.flag() {
        flag.set(header, Value::String(response.to_owned()));
    }
    // A 200 answer that gives no result code is a success. The request's (blank) result would
    // select the error body and silently drop the decision.
    if let Some((field, [ok, ..])) = layout.result() {
        field.set(header, Value::String(ok.clone()));
    }
}

/// Encodes a response as the request's message (`tx_code`), its body read from any JSON tree: a
/// message selected by frame length has no key its JSON could be selected by again.
pub(super) fn encode_response_body<H, B>(
    layout: &Layout,
    tx_code: &str,
    header: &H,
    body: &B,
) -> Result<Vec<u8>, EncodeError>
where
    H: JsonObject + ?Sized,
    H::Node: JsonNode<Object = H>,
    B: JsonObject + ?Sized,
{
    match layout.message(tx_code) {
        Some(selected) => layout.encode_body_as(Direction::Response, selected, header, body),
        None => layout.codec(Direction::Response).encode_body(header, body),
    }
}

/// Decodes an answer frame as the request's message (`tx_code`): its key may differ from the
/// request's (message type 0200 answered as 0210), and a length-selected message has no key.
pub fn decode_response(
    layout: &Layout,
    tx_code: &str,
    frame: &[u8],
) -> Result<Message, DecodeError> {
    match layout.message(tx_code) {
        Some(selected) => layout.decode_as(Direction::Response, selected, frame),
        None => layout.decode(Direction::Response, frame),
    }
}

/// [`decode_response`] into typed values borrowed from the frame, without building JSON: the
/// form the shadow path compares.
pub fn decode_response_view<'v>(
    layout: &'v Layout,
    tx_code: &str,
    frame: &'v [u8],
) -> Result<MessageView<'v>, DecodeError> {
    match layout.message(tx_code) {
        Some(selected) => layout.decode_view_as(Direction::Response, selected, frame),
        None => layout.decode_view(Direction::Response, frame),
    }
}

/// [`decode_response_view`] of a shadow's answer beside the live one (`live`, decoded with
/// header `live_header`): only its header when its body reads as the live body
/// ([`Layout::decode_view_beside`]). A transaction code no message has selects by the frame,
/// which may select another message than the live one's: then the whole frame is decoded.
pub fn decode_response_view_beside<'v>(
    layout: &'v Layout,
    tx_code: &str,
    frame: &'v [u8],
    live: &[u8],
    live_header: &Object<'_>,
) -> Result<BesideView<'v>, DecodeError> {
    match layout.message(tx_code) {
        Some(selected) => {
            layout.decode_view_beside(Direction::Response, selected, frame, live, live_header)
        }
        None => layout
            .decode_view(Direction::Response, frame)
            .map(BesideView::Whole),
    }
}

/// An answer frame as the JSON the HTTP ingress answers with, `{"header": {..}, "body": {..}}`:
/// the message `decode_response` decodes, written into the text rather than copied into a
/// `Value` tree first.
pub fn response_json(layout: &Layout, tx_code: &str, frame: &[u8]) -> Result<Vec<u8>, DecodeError> {
    // Written straight from the typed view: `{"header", "body"}` in that order, byte for byte
    // what serialising its `Message` wrote (protocol-mci's view tests hold `write_json` to
    // serde_json's output), without building the `Value` tree in between.
    let view = decode_response_view(layout, tx_code, frame)?;
    Ok(view_json(&view, frame.len()))
}

/// A decoded answer (of a frame of `frame_len` bytes) as the HTTP ingress's JSON answer: what
/// [`response_json`] gives for its frame.
pub(super) fn view_json(view: &MessageView<'_>, frame_len: usize) -> Vec<u8> {
    let mut json = Vec::with_capacity(frame_len * 2);
    view.write_json(&mut json);
    json
}

/// Why the gateway answers with an error frame itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorAnswer {
    /// The body does not decode.
    BadRequest,
    /// No strategy serves the transaction code.
    UnknownTransaction,
    /// The live engine failed or its answer does not fit the layout.
    LiveError,
    /// The live engine did not answer in time.
    LiveTimeout,
}

impl ErrorAnswer {
    /// The text placed in the error body: what went wrong, never a value from the request.
    pub fn text(self) -> &'static str {
        match self {
            ErrorAnswer::BadRequest => "request frame does not match the layout",
            ErrorAnswer::UnknownTransaction => "no strategy serves this transaction code",
            ErrorAnswer::LiveError => "decision engine failed",
            ErrorAnswer::LiveTimeout => "decision engine timed out",
        }
    }

    /// The HTTP status the HTTP ingress answers with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorAnswer::BadRequest => 400,
            ErrorAnswer::UnknownTransaction => 404,
            ErrorAnswer::LiveError => 502,
            ErrorAnswer::LiveTimeout => 504,
        }
    }

    /// The `frames_total` outcome of a request answered this way.
    pub fn outcome(self) -> FrameOutcome {
        match self {
            ErrorAnswer::BadRequest => FrameOutcome::BadRequest,
            ErrorAnswer::UnknownTransaction => FrameOutcome::UnknownTransaction,
            ErrorAnswer::LiveError => FrameOutcome::LiveError,
            ErrorAnswer::LiveTimeout => FrameOutcome::LiveTimeout,
        }
    }

    /// The configured result code.
    pub fn code(self, codes: &crate::config::ResponseCodesConfig) -> &str {
        match self {
            ErrorAnswer::BadRequest => &codes.bad_request,
            ErrorAnswer::UnknownTransaction => &codes.unknown_transaction,
            ErrorAnswer::LiveError => &codes.live_error,
            ErrorAnswer::LiveTimeout => &codes.live_timeout,
        }
    }
}

#[cfg(test)]
mod tests {
    use protocol_mci::json::JsonTree;
    use serde_json::json;

    use super::*;
    use crate::pipeline::encode_answer;

    fn layout(path: &str) -> Layout {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        Layout::from_file(path).unwrap()
    }

    /// The frame from the tree, and the one from `answer_message_over`'s `Value` message.
    fn both(layout: &Layout, code: &str, header: Value, answer: Value) -> (String, String) {
        let Value::Object(header) = header else {
            unreachable!()
        };
        let text = answer.to_string();
        let tree = crate::engine::decode_answer(text.as_bytes()).unwrap();
        let request = Value::Object(header.clone());
        let JsonTree::Object(echoed) = JsonTree::from_value(&request) else {
            unreachable!()
        };
        let from_tree = encode_answer(layout, code, echoed, &tree).map_err(|(e, m)| {
            // The record's message is the one the `Value` path builds.
            assert_eq!(
                *m,
                answer_message_over(layout, header.clone(), answer.clone())
            );
            e
        });
        let message = answer_message_over(layout, header, answer);
        let from_value =
            layout.encode_as(Direction::Response, layout.message(code).unwrap(), &message);
        (format!("{from_tree:?}"), format!("{from_value:?}"))
    }

    #[test]
    fn the_tree_answers_as_the_value_message_with_flat_and_sectioned_headers() {
        let flat = layout("../config/layouts/loan-screening.toml");
        let request = json!({"guid": "G1", "sys_code": "CBS", "tx_code": "LNS0001",
            "rr_flag": "S", "resp_code": "", "sent_at": "2026-11-30T09:00:00.000",
            "channel": "IB", "branch": "0420"});
        for answer in [
            json!({"body": {"decision": "A", "grade": "A1", "rate": 4.500,
                   "offers": [{"product_code": "P1", "limit": 100, "rate": 1.250, "term": 12}]}}),
            json!({"header": {"resp_code": "0000", "branch": "0001"}, "body": {"decision": "R"}}),
            json!({"header": {"resp_code": "E001"}, "body": {"error_message": "no"}}),
            json!({"body": {"decision": "AB"}}),
            json!({"body": {"rate": "x"}}),
        ] {
            let (tree, value) = both(&flat, "LNS0001", request.clone(), answer);
            assert_eq!(tree, value);
        }
        let sectioned = layout("../protocol-mci/tests/layouts/bank-link.toml");
        let request = json!({
            "sys": {"guid": "G2", "rr_flag": "S", "resp_code": "", "keep_flag": "0",
                    "keep_secs": 0, "branch": "0001"},
            "biz": {"msg_type": "0200", "svc_code": "LNS0001", "branch": "0420"}});
        for answer in [
            json!({"body": {"grade": "A1", "limit_amount": 30000000}}),
            // A section's override names fields within it: the others stay echoed.
            json!({"header": {"biz": {"msg_type": "0210"}}, "body": {"grade": "B2"}}),
            json!({"header": {"sys": {"resp_code": "E999"}}, "body": {"error_message": "x"}}),
            json!({"header": {"biz": "0210"}, "body": {"grade": "B2"}}),
            json!({"body": {"limit_amount": -1}}),
        ] {
            let (tree, value) = both(&sectioned, "LNS0001", request.clone(), answer);
            assert_eq!(tree, value);
        }
    }
}
