//! `decode` and `encode`: one frame between bytes and JSON, as the layout says.
//!
//! A control frame (a poll, a keep-alive) has no message to decode: `decode` names the entry and
//! shows the answer the gateway would give. A message that only the frame's length selects
//! cannot be picked from JSON, so `encode --message NAME` names it.

use std::io::{self, Read, Write};
use std::path::Path;

use anyhow::{anyhow, bail, Context};
use protocol_mci::{Direction, Layout, Message};

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
