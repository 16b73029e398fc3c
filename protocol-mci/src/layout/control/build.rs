//! Validation of `[[control]]` entries into [`Control`]s, every problem with its key path.

use super::{is_zero_prefix, Control, ControlConfig, Part, Reply, TransportRole};
use crate::framing::{Framing, Prefix};
use crate::layout::validate::Problems;

/// Validates the `[[control]]` entries.
pub(in crate::layout) fn controls(
    configs: &[ControlConfig],
    framing: &Framing,
    problems: &mut Problems,
) -> Vec<Control> {
    let mut out: Vec<Control> = Vec::with_capacity(configs.len());
    for (i, config) in configs.iter().enumerate() {
        let path = format!("control[{i}]");
        if config.name.is_empty() {
            problems.add(&path, "needs a `name`");
        } else if out.iter().any(|c| c.name == config.name) {
            problems.add(&path, format!("duplicate control name {:?}", config.name));
        }
        out.push(control(config, &path, framing, problems));
    }
    if out.iter().filter(|c| c.poll).count() > 1 {
        problems.add("control", "at most one entry is the `poll`");
    }
    for role in TransportRole::ALL {
        if out.iter().filter(|c| c.role == Some(role)).count() > 1 {
            problems.add(
                "control",
                format!("at most one entry has role = {:?}", role.as_str()),
            );
        }
    }
    out
}

/// Validates one entry.
fn control(
    config: &ControlConfig,
    path: &str,
    framing: &Framing,
    problems: &mut Problems,
) -> Control {
    let mut bytes = |key: &str, text: &Option<String>| {
        let text = text.as_deref()?;
        Some(literal(text, &format!("{path}.{key}"), problems))
    };
    let exact = bytes("exact", &config.exact);
    let starts = bytes("starts_with", &config.starts_with).map(|b| (config.at.unwrap_or(0), b));
    if config.at.is_some() && starts.is_none() {
        problems.add(&format!("{path}.at"), "applies only with `starts_with`");
    }
    if exact.is_none() && starts.is_none() && config.length.is_none() && !config.empty {
        problems.add(
            path,
            "say how it is recognised: `exact`, `starts_with`, `length` or `empty`",
        );
    }
    if exact.is_some() && (starts.is_some() || config.length.is_some() || config.empty) {
        problems.add(
            path,
            "`exact` says everything: drop `starts_with`, `length` and `empty`",
        );
    }
    if config.empty && matches!(framing.prefix, Prefix::Fixed { .. }) {
        problems.add(&format!("{path}.empty"), "needs a length prefix");
    }
    // The longest frame every match guarantees, so copied ranges can be checked now.
    let known_len = exact
        .as_ref()
        .map(Vec::len)
        .or(config.length)
        .or(config.empty.then(|| framing.head_len()));
    for (key, len) in [
        ("exact", exact.as_ref().map(Vec::len)),
        ("length", config.length),
    ] {
        if let Some(len) = len {
            check_frame_len(len, &format!("{path}.{key}"), framing, problems);
        }
    }
    let reply = match (config.echo, &config.reply) {
        (true, None) if config.role.is_some() => {
            problems.add(
                &format!("{path}.echo"),
                "an acknowledgement is built from its `reply` template, not echoed",
            );
            Reply::Echo
        }
        (true, None) => Reply::Echo,
        (false, Some(text)) => template(text, config, known_len, path, problems),
        _ => {
            problems.add(path, "give exactly one of `echo = true` and `reply`");
            Reply::Echo
        }
    };
    if config.echo && !config.copy.is_empty() {
        problems.add(
            &format!("{path}.copy"),
            "applies only to a `reply` template",
        );
    }
    if config.poll && config.role.is_some() {
        problems.add(
            &format!("{path}.poll"),
            "an acknowledgement (`role`) is never the poll",
        );
    }
    if config.poll && exact.is_none() {
        problems.add(
            &format!("{path}.poll"),
            "a poll the gateway sends needs `exact` bytes",
        );
    }
    let control = Control {
        name: config.name.clone(),
        exact,
        starts_with: starts,
        length: config.length,
        empty: config.empty,
        reply,
        poll: config.poll,
        role: config.role,
    };
    let known_answer = match &control.reply {
        Reply::Template(parts) if parts.iter().all(|p| matches!(p, Part::Bytes(_))) => {
            control.answer(&[])
        }
        _ => control.exchange().map(|(_, answer)| answer),
    };
    if let Some(answer) = known_answer {
        check_frame_len(answer.len(), &format!("{path}.reply"), framing, problems);
        let framable = framing.head_len() <= answer.len() && !is_zero_prefix(&answer, framing);
        if framable {
            match framing.frame_len(&answer) {
                Ok(n) if n == answer.len() => {}
                _ => problems.add(
                    &format!("{path}.reply"),
                    format!(
                        "the length prefix does not frame the {}-byte reply",
                        answer.len()
                    ),
                ),
            }
        }
    }
    control
}

/// A control frame must still be cut by the framer: at least the prefix, at most `max_frame`.
fn check_frame_len(len: usize, path: &str, framing: &Framing, problems: &mut Problems) {
    if len < framing.head_len() || len > framing.max_frame {
        problems.add(
            path,
            format!(
                // Not "a {len}-byte frame": 8, 11 and 18 take "an".
                "a frame of {len} bytes, expected {}..={} bytes",
                framing.head_len(),
                framing.max_frame
            ),
        );
    }
}

/// Parses a reply template: literal bytes with `{name}` copies of `copy` ranges.
fn template(
    text: &str,
    config: &ControlConfig,
    known_len: Option<usize>,
    path: &str,
    problems: &mut Problems,
) -> Reply {
    let key = format!("{path}.reply");
    for (name, range) in &config.copy {
        let end = range.offset + range.length;
        // An acknowledgement copies from the business frame it acknowledges, whose length the
        // entry does not know: a range beyond that frame is found when it is built.
        if config.role.is_none() && known_len.is_none_or(|len| end > len) {
            problems.add(
                &format!("{path}.copy.{name}"),
                format!(
                    "bytes {}..{end} must lie in a frame of known length (`exact` or `length`)",
                    range.offset
                ),
            );
        }
    }
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            parts.push(Part::Bytes(literal(&rest[..open], &key, problems)));
        }
        let Some(close) = rest[open..].find('}') else {
            problems.add(&key, "a `{` is not closed by `}`");
            return Reply::Template(parts);
        };
        let inner = &rest[open + 1..open + close];
        if let Some(hex) = inner.strip_prefix("x:") {
            parts.push(Part::Bytes(hex_bytes(hex, &key, problems)));
        } else {
            match config.copy.get(inner) {
                Some(r) => parts.push(Part::Copy(r.offset..r.offset + r.length)),
                None => problems.add(&key, format!("{{{inner}}} is not a `copy` range")),
            }
        }
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Bytes(literal(rest, &key, problems)));
    }
    Reply::Template(parts)
}

/// Bytes written as ASCII text with `{x:HEX}` escapes for any other byte (`{x:00 10}`,
/// `{x:8F}`): binary prefixes and non-ASCII control bytes can be declared exactly.
fn literal(text: &str, key: &str, problems: &mut Problems) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{x:") {
        ascii(&rest[..open], key, problems, &mut out);
        let Some(close) = rest[open..].find('}') else {
            problems.add(key, "a `{x:` byte escape is not closed by `}`");
            return out;
        };
        out.extend(hex_bytes(&rest[open + 3..open + close], key, problems));
        rest = &rest[open + close + 1..];
    }
    ascii(rest, key, problems, &mut out);
    out
}

fn ascii(text: &str, key: &str, problems: &mut Problems, out: &mut Vec<u8>) {
    if !text.is_ascii() {
        problems.add(
            key,
            "expected ASCII text with `{x:HEX}` escapes for other bytes (e.g. `{x:8F 00}`)",
        );
    }
    out.extend_from_slice(text.as_bytes());
}

/// `8F 00 1a` → the bytes; spaces between bytes are allowed.
fn hex_bytes(hex: &str, key: &str, problems: &mut Problems) -> Vec<u8> {
    let digits: Vec<u8> = hex.bytes().filter(|b| *b != b' ').collect();
    let parsed: Option<Vec<u8>> = (digits.len() % 2 == 0 && !digits.is_empty())
        .then(|| {
            digits
                .chunks(2)
                .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
                .collect()
        })
        .flatten();
    parsed.unwrap_or_else(|| {
        problems.add(
            key,
            format!("expected pairs of hex digits in `{{x:{hex}}}`, e.g. `{{x:8F 00}}`"),
        );
        Vec::new()
    })
}
