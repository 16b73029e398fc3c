//! Repeated groups and their count fields.

use super::{fields, Problems};
use crate::layout::config::{FieldConfig, GroupMode, SignKind, UnusedCheck, UnusedFill};
use crate::layout::field::{fields_fixed_len, Field, Group, GroupCount, Kind};

/// Groups: count source, maximum, mode, element.
pub(super) fn group(
    config: &FieldConfig,
    path: &str,
    siblings: &[Field],
    pad: Option<u8>,
    problems: &mut Problems,
) -> Kind {
    let configs = config.fields.as_deref().unwrap_or(&[]);
    if configs.is_empty() {
        problems.add(path, "a group needs `fields`");
    }
    let (fields, element_len) = fields(configs, path, 0, None, problems);
    let (count, max) = match (&config.count, config.occurs) {
        (Some(name), None) => (count_source(name, siblings, path, problems), config.max),
        (None, Some(occurs)) => {
            if config.max.is_some_and(|max| max != occurs) {
                problems.add(path, "`max` differs from `occurs`");
            }
            (GroupCount::Fixed(occurs), Some(occurs))
        }
        _ => {
            problems.add(
                path,
                "a group needs exactly one of `count` (a field) or `occurs`",
            );
            (GroupCount::Fixed(0), Some(0))
        }
    };
    let max = max.unwrap_or_else(|| {
        problems.add(path, "a group with `count` needs `max`");
        0
    });
    let padded = config.mode != Some(GroupMode::Compact);
    if padded && element_len.is_none() {
        problems.add(
            path,
            "a padded group needs fixed-size elements (no compact groups inside)",
        );
    }
    if !padded && matches!(count, GroupCount::Fixed(_)) {
        problems.add(path, "a compact group needs a `count` field");
    }
    let element_len = fields_fixed_len(&fields).or(element_len);
    let configured = config.unused.unwrap_or_default();
    let occurs = matches!(count, GroupCount::Fixed(_));
    let has_unused = padded && !occurs;
    if !has_unused && (config.unused.is_some() || config.unused_check.is_some()) {
        problems.add(
            path,
            "`unused` and `unused_check` apply only to a padded group with a `count` field \
             (other groups have no unused elements)",
        );
    }
    if occurs && pad.is_some() {
        problems.add(
            path,
            "`pad` applies only to a padded group with a `count` field (an `occurs` group's \
             elements the JSON leaves out are written empty, each field in its own type)",
        );
    } else if configured == UnusedFill::Typed && pad.is_some() {
        problems.add(
            path,
            "`pad` is the fill of unused = \"pad\"; with unused = \"typed\" each field writes its own",
        );
    }
    // COBOL's OCCURS without DEPENDING ON: every element is in the record, and one the program
    // did not set holds what INITIALIZE left there (zero numbers, blank text). An element the JSON
    // leaves out is written so, and the frame decodes again; spaces in a number would not.
    let unused = match occurs {
        true => UnusedFill::Typed,
        false => configured,
    };
    let fill = unused_fill(unused, pad, &fields, element_len, path, problems);
    Kind::Group(Group {
        count,
        max,
        padded,
        unused,
        fill,
        check_unused: config.unused_check == Some(UnusedCheck::Exact),
        fields,
        element_len,
    })
}

/// The bytes of one unused element: the pad, or each field's own empty value.
fn unused_fill(
    unused: UnusedFill,
    pad: Option<u8>,
    fields: &[Field],
    element_len: Option<usize>,
    path: &str,
    problems: &mut Problems,
) -> Vec<u8> {
    let Some(len) = element_len else {
        return Vec::new();
    };
    match unused {
        UnusedFill::Pad => vec![pad.unwrap_or(b' '); len],
        UnusedFill::Typed => match crate::codec::fill::typed(fields) {
            // Zero fits every number field, so this holds unless a field kind is added
            // without its fill.
            Ok(fill) if fill.len() == len => fill,
            Ok(fill) => {
                let found = fill.len();
                problems.add(
                    path,
                    format!("expected a typed fill of {len} bytes, found {found}"),
                );
                vec![b' '; len]
            }
            Err(e) => {
                problems.add(path, format!("cannot write a typed fill: {e}"));
                vec![b' '; len]
            }
        },
    }
}

/// The sibling holding a group's count: earlier, numeric, integral.
fn count_source(name: &str, siblings: &[Field], path: &str, problems: &mut Problems) -> GroupCount {
    let Some(index) = siblings.iter().position(|f| f.name == name) else {
        problems.add(
            path,
            format!("count field {name:?} is not an earlier field at this level"),
        );
        return GroupCount::Fixed(0);
    };
    let integral = match &siblings[index].kind {
        Kind::Number(n) => n.scale == 0 && n.sign == SignKind::None,
        Kind::Packed(p) => p.scale == 0,
        Kind::Binary(b) => b.scale == 0,
        _ => false,
    };
    if !integral {
        problems.add(
            path,
            format!("count field {name:?} must be an unsigned integer field"),
        );
    }
    if siblings[index].count_of.is_some() {
        problems.add(
            path,
            format!("count field {name:?} already counts another group"),
        );
    }
    GroupCount::Field(index)
}
