//! `[response_codes]` against the layouts that carry them: the gateway writes its own error
//! answers (bad request, unknown transaction, live error, live timeout) into the result field of
//! the layout a frame came in with, and the error text into the first text field of the
//! message's error body (`protocol_mci::Layout::encode_error_answer`). A code that does not fit
//! would leave the gateway unable to answer at all, so it is refused here.

use std::collections::BTreeMap;

use protocol_mci::layout::field::{Field, Kind, Text};
use protocol_mci::Layout;

use super::build::Layouts;
use super::problem::{Found, Problems};
use super::raw::ConfigFile;
use crate::pipeline::ErrorAnswer;

/// The four answers and their keys under `[response_codes]`.
const ANSWERS: [(&str, ErrorAnswer); 4] = [
    ("bad_request", ErrorAnswer::BadRequest),
    ("unknown_transaction", ErrorAnswer::UnknownTransaction),
    ("live_error", ErrorAnswer::LiveError),
    ("live_timeout", ErrorAnswer::LiveTimeout),
];

/// Checks every response code against every layout that can carry it.
pub(super) fn check(file: &ConfigFile, layouts: &Layouts, problems: &mut Problems) {
    // Layout name → the first key that uses it: a layout used in three places is one check.
    let mut users: BTreeMap<&str, String> = BTreeMap::new();
    for (i, l) in file.listeners.mci.iter().enumerate() {
        users
            .entry(&l.layout)
            .or_insert_with(|| format!("listeners.mci[{i}].layout"));
    }
    if let Some(layout) = file
        .listeners
        .http
        .as_ref()
        .and_then(|h| h.frames_layout.as_ref())
    {
        users
            .entry(layout)
            .or_insert_with(|| "listeners.http.frames_layout".to_owned());
    }
    for (name, s) in &file.strategies {
        users
            .entry(&s.layout)
            .or_insert_with(|| format!("strategies.{name}.layout"));
    }
    for (key, answer) in ANSWERS {
        let code = answer.code(&file.response_codes);
        let key = format!("response_codes.{key}");
        if code.trim().is_empty() {
            problems.error(&key, "a result code", Found::text(code));
            continue;
        }
        for (name, used_at) in &users {
            if let Some(layout) = layouts.loaded.get(*name) {
                fits_result(layout, name, &key, code, used_at, problems);
            }
        }
    }
    for (name, used_at) in &users {
        if let Some(layout) = layouts.loaded.get(*name) {
            fits_error_body(layout, name, used_at, problems);
        }
    }
}

/// The code fits the layout's result field: its width in bytes once encoded in its charset.
fn fits_result(
    layout: &Layout,
    name: &str,
    key: &str,
    code: &str,
    used_at: &str,
    problems: &mut Problems,
) {
    let Some((field, _)) = layout.result() else {
        return; // No result field: the layout carries no code.
    };
    let Some(spec) = layout.header_field(field) else {
        return;
    };
    let Kind::Text(text) = &spec.kind else {
        problems.error(
            key,
            format!("a code for result field {field} of layout {:?} ({used_at}), which is not a text field", name),
            Found::text(code),
        );
        return;
    };
    let mut bytes = Vec::new();
    if text.charset.encode_into(code, &mut bytes).is_err() {
        problems.error(
            key,
            format!(
                "text {} can write, for result field {field} of layout {:?} ({used_at})",
                text.charset.name(),
                name
            ),
            Found::text(code),
        );
    } else if bytes.len() > text.len {
        problems.error(
            key,
            format!(
                "at most {} bytes in {}, the width of result field {field} of layout {:?} ({used_at})",
                text.len,
                text.charset.name(),
                name
            ),
            Found::value(format!("{code:?} ({} bytes)", bytes.len())),
        );
    }
}

/// Every error body can hold the gateway's error texts in its first text field, or cuts them.
fn fits_error_body(layout: &Layout, name: &str, used_at: &str, problems: &mut Problems) {
    let longest = ANSWERS
        .iter()
        .map(|(_, answer)| answer.text())
        .max_by_key(|text| text.len())
        .unwrap_or_default();
    for code in layout.message_codes() {
        let Some(error) = layout.message(code).and_then(|m| m.error.as_deref()) else {
            continue;
        };
        let Some((field, text)) = first_text(error) else {
            continue;
        };
        if !text.truncate && longest.len() > text.len {
            problems.error(
                format!("layouts.{}", name),
                format!(
                    "an error body whose first text field holds {} bytes or sets truncate = true, \
                     for the gateway's own error texts ({used_at})",
                    longest.len()
                ),
                Found::value(format!(
                    "messages.{code}.error.{} of {} bytes",
                    field.name, text.len
                )),
            );
        }
    }
}

fn first_text(fields: &[Field]) -> Option<(&Field, &Text)> {
    fields.iter().find_map(|f| match &f.kind {
        Kind::Text(text) => Some((f, text)),
        _ => None,
    })
}
