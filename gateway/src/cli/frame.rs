//! `decode` and `encode`: one frame between bytes and JSON, as the layout says.
//!
//! A control frame (a poll, a keep-alive) has no message to decode: `decode` names the entry and
//! shows the answer the gateway would give. A message that only the frame's length selects
//! cannot be picked from JSON, so `encode --message NAME` names it.

use std::io::{self, Read, Write};
use std::path::Path;

use anyhow::{anyhow, bail, Context};
use protocol_mci::json::{JsonNode, JsonObject};
use protocol_mci::{Direction, Layout, Message};

use crate::pipeline::ingress::JsonRequest;

/// Decodes the frame on stdin into JSON on `out`.
pub fn decode(layout: &Path, direction: Direction, out: &mut dyn Write) -> anyhow::Result<()> {
    let layout = super::layout::load(layout)?;
    let mut frame = Vec::new();
    io::stdin().read_to_end(&mut frame)?;
    if let Some((control, answer)) = layout.control_answer(&frame) {
        let value = serde_json::json!({
            "control": control.name,
            "answer": String::from_utf8_lossy(&answer),
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(());
    }
    let message = match layout.decode(direction, &frame) {
        Ok(message) => message,
        Err(error) => {
            // A request frame decoded as a response (or the reverse) fails with a confusing
            // byte count: say which direction does fit.
            let (other, flag) = match direction {
                Direction::Request => (Direction::Response, "response"),
                Direction::Response => (Direction::Request, "request"),
            };
            if layout.decode(other, &frame).is_ok() {
                bail!("{error}; the frame decodes as a {flag}: try --direction {flag}");
            }
            return Err(error.into());
        }
    };
    writeln!(
        out,
        "{}",
        serde_json::to_string_pretty(&layout.into_json(message))?
    )?;
    Ok(())
}

/// The HTTP ingress's refusal of a key the message's layout does not have (`header.chanel:
/// expected a field of the header here (…), found a key it does not have`), by the ingress's own
/// check: the encoder passes such keys over, and a frame with a blank field is not what was
/// asked for. When the JSON's key values select no message, its header is checked against the
/// main header first, then the refusal names the key fields and what they hold (`header.tx_code:
/// expected the key of a message of the layout (…), found nothing`): the JSON has no bytes for the
/// encoder's own error to point at. `None` when every key is a field, or when only the frame's
/// length would select the message (the encoder then says why).
fn refusal(
    layout: &Layout,
    direction: Direction,
    message_name: Option<&str>,
    message: &Message,
) -> anyhow::Result<Option<String>> {
    // The ingress's parse reads `{"header", "body"}` (named sections as header objects), which
    // is what `Message` writes for any layout.
    let text = serde_json::to_vec(&message.to_value())?;
    let request = JsonRequest::parse(&text).map_err(|refusal| anyhow!(refusal.message))?;
    let selected = match message_name {
        Some(name) => layout.message(name),
        None => layout
            .code_of_header(request.header())
            .and_then(|code| layout.message(code)),
    };
    if let Some(selected) = selected {
        return Ok(request.unknown_key(layout, selected, direction));
    }
    if message_name.is_some() {
        // `--message` naming no message: the caller says so.
        return Ok(None);
    }
    Ok(request
        .unknown_main_header_key(layout)
        .or_else(|| no_message(layout, request.header())))
}

/// How many message names a refusal lists at most.
const CODES_SHOWN: usize = 12;

/// The refusal of a header whose key values select no message of `layout`, naming the key
/// fields, the messages a header can select (with their key values when those are not the
/// message's name), the ones only a frame's length selects apart (`--message` names them), and
/// what the header holds; `None` for a layout without key fields (its messages are selected by
/// frame length: `--message` names one).
fn no_message<H>(layout: &Layout, header: &H) -> Option<String>
where
    H: JsonObject + ?Sized,
    H::Node: JsonNode<Object = H>,
{
    let fields: Vec<String> = layout.key_fields().iter().map(|f| f.to_string()).collect();
    if fields.is_empty() {
        return None;
    }
    let values = layout.key_values(header);
    let found = match values.as_slice() {
        all if all.iter().all(String::is_empty) => "nothing".to_owned(),
        [one] => format!("{one:?}"),
        several => format!("{several:?}"),
    };
    let keyed: Vec<String> = (layout.keyed_messages().into_iter())
        .map(|(name, key)| match key {
            // The legacy discriminator: the name is the key.
            [one] if one == name => name.to_owned(),
            key => format!("{name} = {key:?}"),
        })
        .collect();
    let mut listed = match keyed.is_empty() {
        true => "none".to_owned(),
        false => shown(&keyed),
    };
    let by_length: Vec<String> = (layout.length_messages().into_iter())
        .map(|(name, _)| name.to_owned())
        .collect();
    if !by_length.is_empty() {
        listed.push_str(&format!(
            "; selected by frame length, with --message: {}",
            shown(&by_length)
        ));
    }
    Some(format!(
        "{}: expected the key of a message of the layout ({listed}), found {found}",
        fields.join(", ")
    ))
}

/// The refusal of `--message NAME` naming no message of `layout`, listing the names it takes
/// (any message's, whatever selects it).
fn unknown_message(layout: &Layout, name: &str) -> String {
    let names: Vec<String> = (layout.message_codes().into_iter())
        .map(str::to_owned)
        .collect();
    format!(
        "--message: expected a message of the layout ({}), found {name:?}",
        shown(&names)
    )
}

/// At most [`CODES_SHOWN`] of `names`, then how many more there are.
fn shown(names: &[String]) -> String {
    let mut listed = names[..names.len().min(CODES_SHOWN)].join(", ");
    if names.len() > CODES_SHOWN {
        listed.push_str(&format!(" and {} more", names.len() - CODES_SHOWN));
    }
    listed
}

/// Encodes the JSON on stdin into a frame on `out`; `message` names the message when its key
/// values cannot (a message selected by frame length only).
pub fn encode(
    layout: &Path,
    direction: Direction,
    message_name: Option<&str>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let layout = super::layout::load(layout)?;
    let mut text = String::new();
    io::stdin().read_to_string(&mut text)?;
    let message: Message = if layout.is_sectioned() {
        let value = serde_json::from_str(&text).context("expected a JSON object of sections")?;
        layout.from_json(value)
    } else {
        serde_json::from_str(&text).context("expected {\"header\": {..}, \"body\": {..}}")?
    };
    if let Some(text) = refusal(&layout, direction, message_name, &message)? {
        bail!(text);
    }
    let frame = match message_name {
        None => layout.encode(direction, &message)?,
        Some(name) => {
            let selected = layout
                .message(name)
                .ok_or_else(|| anyhow!(unknown_message(&layout, name)))?;
            layout.encode_as(direction, selected, &message)?
        }
    };
    out.write_all(&frame)?;
    if frame.is_empty() {
        bail!("empty frame");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::json;

    use super::*;

    /// The bank link of protocol-mci's tests: two messages selected by a two-field key, one
    /// (`ADMIN`) by frame length only.
    fn bank_link() -> Layout {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../protocol-mci/tests/layouts/bank-link.toml");
        Layout::from_file(path).unwrap()
    }

    /// What `encode` says of a request whose `biz` section holds `msg_type` and `svc_code`.
    fn refused(layout: &Layout, msg_type: &str, svc_code: &str) -> Option<String> {
        let header = json!({
            "sys": {"guid": "G-1", "rr_flag": "S", "resp_code": "", "keep_flag": "0",
                    "keep_secs": null, "branch": "1030"},
            "biz": {"msg_type": msg_type, "svc_code": svc_code, "branch": "1030"},
        });
        let message = Message {
            header: header.as_object().unwrap().clone(),
            body: json!({"cust_no": "C1"}).as_object().unwrap().clone(),
        };
        refusal(layout, Direction::Request, None, &message).unwrap()
    }

    #[test]
    fn a_header_that_selects_nothing_lists_the_keys_apart_from_the_frame_lengths() {
        let layout = bank_link();
        assert_eq!(
            refused(&layout, "0200", "LNS0009").unwrap(),
            "biz.msg_type, biz.svc_code: expected the key of a message of the layout \
             (LNS0001 = [\"0200\", \"LNS0001\"], LNS0002 = [\"0200\", \"LNS0002\"]; selected \
             by frame length, with --message: ADMIN), found [\"0200\", \"LNS0009\"]"
        );
        let nothing = refused(&layout, "", "").unwrap();
        assert!(nothing.ends_with("found nothing"), "{nothing}");
        // The admin frame's key values are no key: no header selects it.
        let admin = refused(&layout, "0800", "SIGNON").unwrap();
        assert!(admin.ends_with(r#"found ["0800", "SIGNON"]"#), "{admin}");
        assert_eq!(refused(&layout, "0200", "LNS0002"), None);
    }

    #[test]
    fn a_message_option_that_names_no_message_lists_every_message() {
        assert_eq!(
            unknown_message(&bank_link(), "NOPE"),
            "--message: expected a message of the layout (ADMIN, LNS0001, LNS0002), found \"NOPE\""
        );
        // A long list is cut like the key refusal's.
        let names: Vec<String> = (0..15).map(|i| format!("M{i:02}")).collect();
        assert_eq!(
            shown(&names),
            "M00, M01, M02, M03, M04, M05, M06, M07, M08, M09, M10, M11 and 3 more"
        );
    }
}
