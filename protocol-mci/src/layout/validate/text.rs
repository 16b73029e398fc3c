//! Text fields: the pad character, checked against the field's charset and alignment.

use super::Problems;
use crate::charset::Charset;
use crate::layout::config::{Align, Blank, FieldConfig, PadEdge};
use crate::layout::field::Text;

/// The full-width space, CP949 `A1 A1`: the pad of full-width (`PIC N`) fields.
const FULL_WIDTH_SPACE: char = '\u{3000}';

/// Builds a text field of `len` bytes.
pub(super) fn text(config: &FieldConfig, len: usize, path: &str, problems: &mut Problems) -> Text {
    let charset = config.charset.unwrap_or(problems.charset);
    let right = config.align == Some(Align::Right);
    let pad = pad_char(config.pad.as_deref(), path, problems);
    let mut pad_bytes = Vec::new();
    if charset
        .encode_into(&pad.to_string(), &mut pad_bytes)
        .is_err()
    {
        problems.add(
            path,
            format!("pad {pad:?} cannot be written in {}", charset.name()),
        );
        pad_bytes = vec![b' '];
    }
    // Stripping a trailing letter pad could cut the trail byte of a double-byte character.
    if charset == Charset::Cp949 && !right && pad.is_ascii_alphabetic() {
        problems.add(
            path,
            "a left-aligned cp949 text cannot be padded with a letter: \
             cp949 trail bytes include A-Z and a-z",
        );
    }
    if len % pad_bytes.len() != 0 {
        problems.add(
            path,
            format!(
                "`length` {len} is not a whole number of {}-byte pads {pad:?}",
                pad_bytes.len()
            ),
        );
    }
    Text {
        len,
        right,
        pad,
        pad_bytes,
        blank_null: config.blank == Some(Blank::Null),
        truncate: config.truncate.unwrap_or(false),
        merge_edge: config.pad_edge.unwrap_or(problems.pad_edge) == PadEdge::Merge,
        charset,
    }
}

/// A text pad: one ASCII character, or the full-width space U+3000; a space when not given.
fn pad_char(value: Option<&str>, path: &str, problems: &mut Problems) -> char {
    let Some(value) = value else { return ' ' };
    let mut chars = value.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii() || c == FULL_WIDTH_SPACE => c,
        _ => {
            problems.add(
                path,
                format!(
                    "text pad {value:?}: expected one ASCII character or \"\\u3000\" \
                     (the full-width space)"
                ),
            );
            ' '
        }
    }
}
