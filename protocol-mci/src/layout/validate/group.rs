//! Repeated groups and their count fields.

use super::{fields, Problems};
use crate::layout::config::{FieldConfig, GroupMode, SignKind};
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
    Kind::Group(Group {
        count,
        max,
        padded,
        pad: pad.unwrap_or(b' '),
        fields,
        element_len,
    })
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
