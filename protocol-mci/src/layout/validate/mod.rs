//! Validation of field lists: config → [`Field`], collecting every problem with its key path.
//!
//! - `number`: zoned, packed and binary numbers (capacity, scale, sign, point).
//! - `date`: date/time patterns.
//! - `group`: repeated groups, their count fields and unused elements.
//! - `redefines`: areas with alternative views and their selectors.
//! - `keys`: keys that do not apply to a type, pad characters.

mod date;
mod group;
mod keys;
mod number;
mod redefines;
mod text;

use std::collections::HashSet;

use self::keys::{pad_byte, reject_foreign_keys};
use super::config::{FieldConfig, FieldType, PadEdge};
use super::field::{Field, GroupCount, Kind};
use crate::charset::Charset;
use crate::error::LayoutProblem;

/// Collects problems while a layout is validated.
pub(crate) struct Problems {
    /// Everything found so far.
    pub list: Vec<LayoutProblem>,
    /// What loads but may not do what was meant (a base view shorter than another).
    pub warnings: Vec<LayoutProblem>,
    /// Charset of text fields that do not override it.
    pub charset: Charset,
    /// `pad_edge` of text fields that do not override it.
    pub pad_edge: PadEdge,
}

impl Problems {
    /// Records one problem at `path`.
    pub fn add(&mut self, path: &str, message: impl Into<String>) {
        self.list.push(LayoutProblem {
            path: path.to_owned(),
            message: message.into(),
        });
    }

    /// Records one warning at `path`.
    pub fn warn(&mut self, path: &str, message: impl Into<String>) {
        self.warnings.push(LayoutProblem {
            path: path.to_owned(),
            message: message.into(),
        });
    }
}

/// Where the prefix sits, so header offsets can skip it. Bodies pass `None`.
#[derive(Clone, Copy)]
pub(crate) struct PrefixSlot {
    /// Offset of the prefix in the frame.
    pub at: usize,
    /// Its width.
    pub width: usize,
}

/// Validates a field list. `start` is the offset of its first byte (frame coordinates for header
/// and bodies, 0 inside group elements); returns the fields and the end offset if fixed.
pub(crate) fn fields(
    configs: &[FieldConfig],
    path: &str,
    start: usize,
    prefix: Option<PrefixSlot>,
    problems: &mut Problems,
) -> (Vec<Field>, Option<usize>) {
    fields_at(configs, path, Some(start), prefix, problems)
}

/// [`fields`] from a start that may be unknown (a redefines area after a compact group): declared
/// offsets are then not checked.
fn fields_at(
    configs: &[FieldConfig],
    path: &str,
    start: Option<usize>,
    prefix: Option<PrefixSlot>,
    problems: &mut Problems,
) -> (Vec<Field>, Option<usize>) {
    let mut out: Vec<Field> = Vec::with_capacity(configs.len());
    // JSON keys at this level: field names and the views of redefines areas.
    let mut seen = HashSet::new();
    let mut pos = start;
    for (index, config) in configs.iter().enumerate() {
        let here = format!("{path}.{}", config.name);
        if config.name.is_empty() {
            problems.add(path, "a field has an empty name");
        } else if !seen.insert(config.name.as_str()) {
            problems.add(&here, "duplicate field name");
        }
        // A view may share its area's name (the area itself has no key); two views of one area
        // with one name are the area's problem, reported there once.
        let mut views: Vec<&str> = config
            .alternatives
            .iter()
            .flatten()
            .map(|view| view.name.as_str())
            .collect();
        views.retain(|name| !name.is_empty() && *name != config.name);
        views.sort_unstable();
        views.dedup();
        for view in views {
            if !seen.insert(view) {
                problems.add(
                    &format!("{here}.{view}"),
                    "duplicate name: a field or view at this level already has it",
                );
            }
        }
        if let (Some(p), Some(slot)) = (pos, prefix) {
            if p == slot.at {
                pos = Some(p + slot.width);
            }
        }
        if let (Some(declared), Some(actual)) = (config.offset, pos) {
            if declared != actual {
                problems.add(
                    &here,
                    format!("declared offset {declared}, the fields before it end at {actual}"),
                );
            }
        }
        let scope = Scope {
            before: &out,
            after: &configs[index + 1..],
            at: pos,
        };
        let kind = kind(config, &here, &scope, problems);
        if let (Some(p), Some(slot), Some(len)) = (pos, prefix, kind.fixed_len()) {
            if p < slot.at && p + len > slot.at {
                problems.add(
                    &here,
                    format!("bytes {p}..{} overlap the length prefix", p + len),
                );
            }
        }
        pos = match (pos, kind.fixed_len()) {
            (Some(p), Some(len)) => Some(p + len),
            _ => None,
        };
        if let (Kind::Group(group), index) = (&kind, out.len()) {
            if let GroupCount::Field(source) = group.count {
                out[source].count_of = Some(index);
            }
        }
        out.push(Field {
            name: config.name.clone(),
            kind,
            mask: config.mask,
            count_of: None,
        });
    }
    (out, pos)
}

/// Where a field sits among its siblings.
pub(super) struct Scope<'a> {
    /// The fields before it, validated.
    pub before: &'a [Field],
    /// The fields after it, not yet validated.
    pub after: &'a [FieldConfig],
    /// Its offset, when the fields before it have a fixed size.
    pub at: Option<usize>,
}

/// Validates one field's type-specific keys.
fn kind(config: &FieldConfig, path: &str, scope: &Scope<'_>, problems: &mut Problems) -> Kind {
    let Some(kind) = config.kind else {
        problems.add(path, "missing key `type`");
        return Kind::Filler { len: 0, pad: b' ' };
    };
    reject_foreign_keys(config, kind, path, problems);
    let length = |problems: &mut Problems| match config.length {
        Some(0) | None => {
            problems.add(path, "needs a `length` of at least 1 byte");
            1
        }
        Some(len) => len,
    };
    // A text pad may be the full-width space; every other pad is one ASCII byte.
    let pad = match kind {
        FieldType::Text => None,
        _ => pad_byte(config.pad.as_deref(), path, problems),
    };
    match kind {
        FieldType::Text => Kind::Text(text::text(config, length(problems), path, problems)),
        FieldType::Number => number::number(config, length(problems), path, problems),
        FieldType::Packed => number::packed(config, length(problems), path, problems),
        FieldType::Binary => number::binary(config, length(problems), path, problems),
        FieldType::Date => date::date(config, path, problems),
        FieldType::Filler => Kind::Filler {
            len: length(problems),
            pad: pad.unwrap_or(b' '),
        },
        FieldType::Constant => {
            let Some(value) = config.value.as_deref().filter(|v| !v.is_empty()) else {
                problems.add(path, "a constant needs a non-empty `value`");
                return Kind::Constant(vec![b' ']);
            };
            let mut bytes = Vec::new();
            if problems.charset.encode_into(value, &mut bytes).is_err() {
                problems.add(path, "`value` cannot be written in the layout charset");
            }
            if config.length.is_some_and(|len| len != bytes.len()) {
                problems.add(
                    path,
                    format!("`length` differs from the {}-byte value", bytes.len()),
                );
            }
            Kind::Constant(bytes)
        }
        FieldType::Group => group::group(config, path, scope.before, pad, problems),
        FieldType::Redefines => redefines::redefines(config, path, scope, pad, problems),
    }
}
