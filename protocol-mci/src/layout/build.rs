//! Validation of the parts around the messages: which headers a layout has and which is the
//! main one, the roles, the selection key, the body's JSON key and each message's header.

use super::config::{self, HeaderConfig, LayoutConfig};
use super::field::{self, fields_fixed_len};
use super::header::{self, FieldPath, Header};
use super::roles::{Resolver, Roles};
use super::select::Selection;
use super::validate::{PrefixSlot, Problems};
use super::MessageLayout;
use crate::framing::Framing;

/// Validates the legacy `[header]` or the `[headers.NAME]` entries, and picks the main header.
pub(super) fn headers(
    config: &LayoutConfig,
    slot: PrefixSlot,
    problems: &mut Problems,
) -> (Vec<Header>, Option<usize>) {
    if let Some(legacy) = &config.header {
        if !config.headers.is_empty() {
            problems.add(
                "headers",
                "expected either the legacy [header] or [headers.NAME], found both",
            );
        }
        let header = header::legacy(&legacy.fields, legacy.length, slot, problems);
        return (vec![header], Some(0));
    }
    let headers: Vec<Header> = config
        .headers
        .iter()
        .map(|(name, h)| header::named(name, h, slot, problems))
        .collect();
    let chosen = config.select.as_ref().and_then(|s| s.header.as_deref());
    let main = match (chosen, headers.len()) {
        (Some(name), _) => {
            let found = headers.iter().position(|h| h.name == name);
            if found.is_none() {
                problems.add(
                    "select.header",
                    format!("expected a [headers.NAME] name, found {name:?}"),
                );
            }
            found
        }
        (None, 0) => None,
        (None, 1) => Some(0),
        (None, _) => {
            problems.add(
                "select.header",
                "expected the main header (several [headers.NAME] are declared), found none",
            );
            None
        }
    };
    (headers, main)
}

/// Roles from `[roles]` or from the legacy `[header]` keys, not both.
pub(super) fn roles(
    config: &LayoutConfig,
    resolver: &Resolver<'_>,
    problems: &mut Problems,
) -> Roles {
    let legacy = config.header.as_ref().filter(|h| Roles::any_legacy(h));
    match (&config.roles, legacy) {
        (Some(_), Some(_)) => {
            problems.add(
                "roles",
                "expected roles in [roles] or in the legacy [header] keys, found both",
            );
            Roles::default()
        }
        (Some(roles), None) => Roles::build(roles, resolver, problems),
        (None, Some(legacy)) => Roles::legacy(legacy, resolver, problems),
        (None, None) => Roles::default(),
    }
}

/// The key field paths: the legacy discriminator or `[select] key`, read from the main header.
pub(super) fn key(
    config: &LayoutConfig,
    main: Option<&Header>,
    problems: &mut Problems,
) -> Vec<FieldPath> {
    let select_key = config.select.as_ref().map_or(&[][..], |s| s.key.as_slice());
    let discriminator = config
        .header
        .as_ref()
        .and_then(|h: &HeaderConfig| h.discriminator.as_deref());
    if let Some(name) = discriminator {
        if !select_key.is_empty() {
            problems.add(
                "select.key",
                "expected the key in [select] or in header.discriminator, found both",
            );
        }
        let path = main.and_then(|h| h.path(&format!("header.{name}")));
        let text = path
            .as_ref()
            .and_then(|p| main.and_then(|h| h.field(p)))
            .is_some_and(|f| matches!(f.kind, field::Kind::Text(_)));
        if !text {
            problems.add(
                "header.discriminator",
                format!("{name:?} is not a text field of the header"),
            );
        }
        return path.into_iter().collect();
    }
    let mut key = Vec::with_capacity(select_key.len());
    for (i, text) in select_key.iter().enumerate() {
        let at = format!("select.key[{i}]");
        let found = main.and_then(|h| Some((h.path(text)?, h)));
        match found {
            Some((path, h))
                if matches!(h.field(&path).map(|f| &f.kind), Some(field::Kind::Text(_))) =>
            {
                key.push(path)
            }
            _ => {
                // Kept in place so that messages are not also reported for a key too short.
                key.push(FieldPath::unresolved(text));
                let header = main.map_or("none".to_owned(), |h| format!("{:?}", h.name));
                problems.add(
                    &at,
                    format!(
                        "expected a text field of the main header ({header}) as section.field, \
                         found {text:?}"
                    ),
                );
            }
        }
    }
    key
}

/// The body's JSON key: only layouts with named sections choose it.
pub(super) fn body_section(
    config: &LayoutConfig,
    headers: &[Header],
    problems: &mut Problems,
) -> Option<String> {
    if config.header.is_some() {
        if config.body_section.is_some() {
            problems.add(
                "body_section",
                "applies only to a layout with [headers.NAME] (the legacy JSON is {header, body})",
            );
        }
        return None;
    }
    let name = config
        .body_section
        .clone()
        .unwrap_or_else(|| "body".to_owned());
    let clash = headers
        .iter()
        .any(|h| h.sections.iter().any(|s| s.name == name));
    if clash {
        problems.add(
            "body_section",
            format!("expected a name no header section has, found {name:?}"),
        );
    }
    Some(name)
}

/// The header a message declares: a `[headers.NAME]`, `"none"`, or by default the main one.
pub(super) fn message_header(
    code: &str,
    config: &config::MessageConfig,
    headers: &[Header],
    main: Option<usize>,
    problems: &mut Problems,
) -> Option<usize> {
    match config.header.as_deref() {
        None => main,
        Some("none") => None,
        Some(name) => {
            let found = headers.iter().position(|h| h.name == name);
            if found.is_none() {
                let names: Vec<&str> = headers.iter().map(|h| h.name.as_str()).collect();
                problems.add(
                    &format!("messages.{code}.header"),
                    format!(
                        "expected \"none\" or a header name ({}), found {name:?}",
                        names.join(", ")
                    ),
                );
            }
            found
        }
    }
}

/// A message selected by key or as the default whose frames all have the length that selects
/// another message would never be decoded: length comes first.
pub(super) fn unreachable(
    messages: &[MessageLayout],
    select: &Selection,
    headers: &[Header],
    framing: &Framing,
    problems: &mut Problems,
) {
    let by_length: Vec<usize> = select.by_length.values().copied().collect();
    for (index, message) in messages.iter().enumerate() {
        if by_length.contains(&index) {
            continue;
        }
        let header_len = message.header.map_or(0, |i| headers[i].len);
        let prefix_in_body = match header_len < framing.head_len() {
            true => framing.prefix_width(),
            false => 0,
        };
        let size = |fields: &[field::Field]| {
            fields_fixed_len(fields)
                .map(|len| header_len + prefix_in_body + len + framing.trailer.len())
        };
        for (body, fields) in [
            ("request", &message.request),
            ("response", &message.response),
        ] {
            let Some(length) = size(fields) else {
                continue;
            };
            if let Some(&other) = select.by_length.get(&length) {
                problems.add(
                    &format!("messages.{}.{body}", message.code),
                    format!(
                        "expected frames of a length no selector claims, found {length} bytes, \
                         the frame_length of messages.{}: they would be read as that message",
                        messages[other].code
                    ),
                );
            }
        }
    }
}
