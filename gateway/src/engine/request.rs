//! The JSON side of the engine HTTP contract: the request body and the request metadata. The
//! check that an answer is one decision of the contract's shape is `answer`'s, re-exported here.

use bytes::Bytes;
use protocol_mci::view::write_json_str;
use protocol_mci::MessageView;
use serde::Serialize;
use serde_json::{Map, Value};

pub(crate) use super::answer::{check_answer, decode_answer, JsonAnswer};
use super::Role;

/// One call to an HTTP engine.
///
/// The body is serialised once with [`write_request_body`] from the request frame's typed view
/// (an MCI listener's frame, or the one the HTTP ingress encoded its JSON into) and shared (a
/// cheap `Bytes` clone) between the live and the shadow call, which differ only in `role`.
#[derive(Debug, Clone)]
pub struct EngineRequest<'a> {
    /// The strategy name, sent as `x-shadowgate-strategy`.
    pub strategy: &'a str,
    /// The strategy's path, appended to the engine's base URL (e.g. `/v1/loan-screening`).
    pub path: &'a str,
    /// The frame's correlation id, sent as `x-request-id`.
    pub correlation_id: &'a str,
    /// Live or shadow, sent as `x-shadowgate-role`.
    pub role: Role,
    /// `{"tx_code", "header", "body"}` as JSON: the decoded frame ([`write_request_body`]).
    pub body: Bytes,
}

#[derive(Serialize)]
struct RequestBody<'a> {
    tx_code: &'a str,
    header: &'a Map<String, Value>,
    body: &'a Map<String, Value>,
}

/// Serialises the contract's request body `{"tx_code": .., "header": {..}, "body": {..}}`.
///
/// Numbers keep their exact text (`arbitrary_precision`). Serialising maps of JSON values with
/// string keys does not fail in practice; the error is passed on rather than assumed away.
pub fn encode_request_body(
    tx_code: &str,
    header: &Map<String, Value>,
    body: &Map<String, Value>,
) -> Result<Bytes, serde_json::Error> {
    serde_json::to_vec(&RequestBody {
        tx_code,
        header,
        body,
    })
    .map(Bytes::from)
}

/// [`encode_request_body`] written straight from a decoded frame's typed view: the same bytes
/// (a property test holds them equal), without a `serde_json::Value` tree on the live path.
pub fn write_request_body(tx_code: &str, request: &MessageView<'_>) -> Bytes {
    // The demo's loan-screening bodies are 390..520 bytes: 512 grew (a second allocation and a
    // copy) for about half of them.
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(b"{\"tx_code\":");
    write_json_str(&mut out, tx_code);
    out.extend_from_slice(b",\"header\":");
    request.header.write_json(&mut out);
    out.extend_from_slice(b",\"body\":");
    request.body.write_json(&mut out);
    out.push(b'}');
    Bytes::from(out)
}
