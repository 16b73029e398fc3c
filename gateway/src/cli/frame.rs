//! `decode` and `encode`: one frame between bytes and JSON, as the layout says.
//!
//! A control frame (a poll, a keep-alive) has no message to decode: `decode` names the entry and
//! shows the answer the gateway would give. A message that only the frame's length selects
//! cannot be picked from JSON, so `encode --message NAME` names it.

use std::io::{self, Read, Write};
use std::path::Path;

use anyhow::{anyhow, bail, Context};
use protocol_mci::{Direction, Layout, Message};

use crate::pipeline::ingress::JsonRequest;

/// Decodes the frame on stdin into JSON on `out`.
pub fn decode(layout: &Path, direction: Direction, out: &mut dyn Write) -> anyhow::Result<()> {
    let layout = Layout::from_file(layout)?;
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
/// asked for. `None` when every key is a field, or when no message of the layout is selected
/// (the encoder then says why).
fn unknown_key(
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
    Ok(selected.and_then(|selected| request.unknown_key(layout, selected, direction)))
}

/// Encodes the JSON on stdin into a frame on `out`; `message` names the message when its key
/// values cannot (a message selected by frame length only).
pub fn encode(
    layout: &Path,
    direction: Direction,
    message_name: Option<&str>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let layout = Layout::from_file(layout)?;
    let mut text = String::new();
    io::stdin().read_to_string(&mut text)?;
    let message: Message = if layout.is_sectioned() {
        let value = serde_json::from_str(&text).context("expected a JSON object of sections")?;
        layout.from_json(value)
    } else {
        serde_json::from_str(&text).context("expected {\"header\": {..}, \"body\": {..}}")?
    };
    if let Some(text) = unknown_key(&layout, direction, message_name, &message)? {
        bail!(text);
    }
    let frame = match message_name {
        None => layout.encode(direction, &message)?,
        Some(name) => {
            let selected = layout
                .message(name)
                .ok_or_else(|| anyhow!("--message {name:?}: no such message in the layout"))?;
            layout.encode_as(direction, selected, &message)?
        }
    };
    out.write_all(&frame)?;
    if frame.is_empty() {
        bail!("empty frame");
    }
    Ok(())
}
