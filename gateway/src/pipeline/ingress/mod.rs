//! The HTTP ingress's JSON request (`POST /v1/strategies/{name}`), without a `serde_json::Value`
//! tree: the body parsed once into borrowed trees (`parse`), routed by its header and encoded
//! into the request frame from the trees. The frame is then decoded as an MCI listener's
//! (`super::decode_json`): the http engines' JSON body is written from that view, never from
//! the client's JSON, so that it is the decoded frame the engine contract promises.
//!
//! The header and the body stay member lists borrowed from the request's bytes: routing, TTL,
//! correlation id and the codec read them as they are (a handful of header fields: a scan finds
//! one faster than hashing its key would). Frames and error texts past the parse are the ones
//! the `Message` route gave (a property test in `tests` holds them equal, and a body the route
//! refused as not a request is refused here too), except that a key given twice is now refused
//! with its path instead of silently keeping the last value, and a header or body key the
//! layout does not have is refused (`unknown`) instead of being passed over. The parse's own
//! refusals say what is wrong in their own words (`parse`).

mod parse;
#[cfg(test)]
mod tests;
mod unknown;

use protocol_mci::json::{JsonNode, JsonObject};
use protocol_mci::{Direction, Layout, MessageLayout};

pub(crate) use self::parse::Members;

/// A JSON request of the HTTP ingress: its header's and its body's members borrowed from the
/// request's bytes.
pub(crate) struct JsonRequest<'a> {
    /// The header's members (with named sections, one object of fields per section).
    header: Members<'a>,
    /// Body members in document order.
    body: Members<'a>,
}

/// A body refused by [`JsonRequest::parse`]: the 400 text, and the header's members when the
/// body parsed as JSON (a key given twice), so that the refusal's log line can carry the
/// request's correlation id.
pub(crate) struct Refusal<'a> {
    /// The text the HTTP ingress answers 400 with.
    pub message: String,
    /// The header as parsed, if the body was JSON of the request's shape.
    pub header: Option<Members<'a>>,
}

impl<'a> JsonRequest<'a> {
    /// Parses a request body `{"header": {..}, "body": {..}}`. A body that is not one gets the
    /// text the HTTP ingress answers 400 with (what is wrong; not JSON: the parser's reason, line,
    /// column and byte).
    pub fn parse(bytes: &'a [u8]) -> Result<JsonRequest<'a>, Refusal<'a>> {
        let parsed = parse::parse(bytes).map_err(|(unparsed, header)| Refusal {
            message: unparsed.to_string(),
            header,
        })?;
        if let Some(path) = parsed.duplicate {
            // Which of two values the client meant is unknown: a bank's request is refused.
            return Err(Refusal {
                message: format!("expected each key once, found `{path}` twice"),
                header: Some(parsed.header),
            });
        }
        Ok(JsonRequest {
            header: parsed.header,
            body: parsed.body,
        })
    }

    /// Header fields by name; with named sections, one object of fields per section. Keys are
    /// unique (a request holding one twice is refused).
    pub fn header(&self) -> &protocol_mci::json::Members<'a> {
        &self.header
    }

    /// Routes the request in `layout` to one of `tx_codes` and encodes it into its request frame:
    /// the frame and the transaction code, or the 400 text naming the key or field at fault.
    pub fn encode(
        &self,
        layout: &Layout,
        tx_codes: &[String],
    ) -> Result<(Vec<u8>, String), String> {
        let code = layout
            .code_of_header(self.header())
            .unwrap_or_default()
            .to_owned();
        if !tx_codes.contains(&code) {
            return Err(unknown_transaction(layout, tx_codes, &code, self.header()));
        }
        let body = self.body.as_slice();
        // Encoding checks the request against the layout and gives mci engines their frame.
        let frame = match layout.message(&code) {
            Some(selected) => {
                // Keys the encoder would pass over, refused first: a misspelt key also leaves
                // its field missing, and the misspelling is the error to show.
                if let Some(text) = self.unknown_key(layout, selected, Direction::Request) {
                    return Err(text);
                }
                layout.encode_body_as(Direction::Request, selected, self.header(), body)
            }
            None => layout
                .codec(Direction::Request)
                .encode_body(self.header(), body),
        };
        frame
            .map(|frame| (frame, code))
            .map_err(|e| ingress_text(&e))
    }

    /// The 400 text for the first header or body key that `selected`'s header and `direction`'s
    /// body do not have, or `None` ([`unknown`]): the encoder passes such keys over, so a
    /// misspelt one would leave its field blank. `shadowgate encode` refuses them with the same
    /// text.
    pub fn unknown_key(
        &self,
        layout: &Layout,
        selected: &MessageLayout,
        direction: Direction,
    ) -> Option<String> {
        let fields = match direction {
            Direction::Request => &selected.request,
            Direction::Response => &selected.response,
        };
        layout
            .header_of(selected)
            .and_then(|h| unknown::unknown_header_key(h, self.header()))
            .or_else(|| unknown::unknown_key(fields, &self.body))
    }

    /// [`Self::unknown_key`] of the header alone, against `layout`'s main header: what can be
    /// checked before a message is selected (a message selected by key is read with the main
    /// header), so that a misspelt key field is named rather than the message it fails to select.
    pub fn unknown_main_header_key(&self, layout: &Layout) -> Option<String> {
        layout
            .main_header()
            .and_then(|h| unknown::unknown_header_key(h, self.header()))
    }
}

/// The 400 text of a field that does not encode: its JSON path and what is wrong, without the
/// byte range it would take in the frame (the client posted JSON and never sees the frame; the
/// range is for frames, in logs and stored records).
fn ingress_text(error: &protocol_mci::EncodeError) -> String {
    format!("{}: {}", error.path, error.kind)
}

/// The 400 text of a request that names no transaction of the strategy: the key fields, the
/// strategy's transaction codes, and what the client sent (its key values as written, when no
/// message of the layout is selected by them).
fn unknown_transaction<H>(layout: &Layout, tx_codes: &[String], code: &str, header: &H) -> String
where
    H: JsonObject + ?Sized,
    H::Node: JsonNode<Object = H>,
{
    let fields: Vec<String> = layout.key_fields().iter().map(|f| f.to_string()).collect();
    let found = match code.is_empty() {
        false => format!("{code:?}"),
        true => {
            let values = layout.key_values(header);
            match values.iter().all(|v| v.is_empty()) {
                true => "nothing".to_owned(),
                false => format!("{:?}", values.join(", ")),
            }
        }
    };
    format!(
        "{}: expected a transaction of this strategy ({}), found {found}",
        fields.join(", "),
        tx_codes.join(", ")
    )
}
