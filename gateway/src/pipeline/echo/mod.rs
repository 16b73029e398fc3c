//! The request header echoed into an http engine's answer, built as a borrowed tree.
//!
//! An http engine answers `{"header": {..overrides..}, "body": {..}}`; the frame core banking
//! gets holds the request's header with the flag set to response, the result to the first
//! successful code and the answer's overrides applied. The request header is decoded again from
//! the frame into a [`JsonTree`] (keys borrowed from the layout, text from the frame, numbers
//! as [`protocol_mci::json::NumberText`]), edited in place with `serde_json::Map`'s insert
//! semantics, and encoded with the answer's body, itself borrowed from the answer's tree. No
//! `Map` (an `IndexMap` with a SipHash per key and a heap string per value) is built unless
//! the answer does not fit the layout and a record needs its message.
//!
//! The result is exactly today's `Map` echo (`reference`, kept for the tests and
//! `benches/http_path.rs`): the same frames and the same errors, held there by a property test.
//!
//! # Layout
//! - `mod.rs`: [`encode_answer`] and the edits (respond, overrides).
//! - `reference`: the `Map` echo the tree is held to (tests and benches only).
//! - `tests`: the property test, tree against map.

use std::borrow::Cow;

use protocol_mci::json::{insert_member, members_to_map, JsonTree, MemberList, Members};
use protocol_mci::{EncodeError, Layout, Message};

use super::answer::encode_response_body;

/// Encodes an http engine's answer (parsed into a tree) into the frame core banking expects,
/// echoing `request_header` (the request's, as the pipeline's `Exchange::request_header_tree`
/// gives it; taken by value, it becomes the answer's header). On failure the error comes with
/// the answer's message, for a record.
///
/// The answer's tree has no key twice (the answer check refuses them), so a member found by
/// name is the one a `Map` of the answer holds.
pub fn encode_answer<'h>(
    layout: &'h Layout,
    tx_code: &str,
    request_header: MemberList<'h>,
    answer: &'h JsonTree<'h>,
) -> Result<Vec<u8>, (EncodeError, Box<Message>)> {
    let (header, body) = answer_parts(layout, request_header, answer);
    encode_response_body(layout, tx_code, header.as_slice(), body).map_err(|error| {
        let message = Message {
            header: members_to_map(&header),
            body: members_to_map(body),
        };
        (error, Box::new(message))
    })
}

/// The answer's header (the request's, responded, the answer's overrides applied; with named
/// sections an override names fields within a section, whose other fields stay echoed) and its
/// body's members, both borrowed where they can be.
fn answer_parts<'h>(
    layout: &'h Layout,
    mut header: MemberList<'h>,
    answer: &'h JsonTree<'h>,
) -> (MemberList<'h>, &'h Members<'h>) {
    respond(layout, &mut header);
    if let Some(JsonTree::Object(overrides)) = answer.get("header") {
        for (key, value) in overrides {
            let key = Cow::Borrowed(key.as_ref());
            let echoed = header.iter_mut().find(|(k, _)| *k == key);
            match (echoed, value) {
                (Some((_, JsonTree::Object(section))), JsonTree::Object(fields))
                    if layout.is_sectioned() =>
                {
                    for (name, value) in fields {
                        insert_member(section, Cow::Borrowed(name.as_ref()), value.clone());
                    }
                }
                (_, value) => insert_member(&mut header, key, value.clone()),
            }
        }
    }
    let body: &'h Members<'h> = match answer.get("body") {
        Some(JsonTree::Object(body)) => body,
        _ => &[],
    };
    (header, body)
}

/// The request header turned into a response's: the flag set to response and the result to
/// the first successful code (a 200 answer that gives no result code is a success: the
/// request's blank result would select the error body and silently drop the decision).
fn respond<'h>(layout: &'h Layout, header: &mut MemberList<'h>) {
    if let Some((flag, _, response)) = layout.flag() {
        flag.set_member(header, JsonTree::String(Cow::Borrowed(response)));
    }
    if let Some((field, [ok, ..])) = layout.result() {
        field.set_member(header, JsonTree::String(Cow::Borrowed(ok)));
    }
}

#[cfg(test)]
pub(crate) mod reference;
#[cfg(test)]
mod tests;
