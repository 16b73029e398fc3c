//! Redefines areas (COBOL `REDEFINES`): one area of bytes, several views of it, and the earlier
//! sibling whose value picks the view.

use std::collections::{HashMap, HashSet};

use super::{fields_at, Problems, Scope};
use crate::layout::config::{AlternativeConfig, FieldConfig};
use crate::layout::field::{fields_fixed_len, fields_max_len, Alternative, Field, Kind, Redefines};

/// Validates an area: its views, its width, its selector and the values that pick each view.
pub(super) fn redefines(
    config: &FieldConfig,
    path: &str,
    scope: &Scope<'_>,
    pad: Option<u8>,
    problems: &mut Problems,
) -> Kind {
    let configs = config.alternatives.as_deref().unwrap_or(&[]);
    if configs.is_empty() {
        problems.add(path, "a redefines area needs `alternatives`");
    }
    let selector = config
        .selector
        .as_deref()
        .and_then(|name| selector(name, path, scope, problems));
    let selected = config.selector.is_some();
    let mut picks: HashMap<&str, &str> = HashMap::new();
    let mut names = HashSet::new();
    let mut alternatives = Vec::with_capacity(configs.len());
    for view in configs {
        let here = format!("{path}.{}", view.name);
        if view.name.is_empty() {
            problems.add(path, "an alternative has an empty name");
        } else if !names.insert(view.name.as_str()) {
            problems.add(path, format!("duplicate alternative name {:?}", view.name));
        }
        let when = when(view, &here, selected, &mut picks, problems);
        if let (Some(index), Some(values)) = (selector, &when) {
            check_values(&scope.before[index], values, &here, problems);
        }
        alternatives.push(alternative(view, &here, scope.at, problems));
    }
    if !selected {
        base_view_is_longest(&alternatives, path, problems);
    }
    let longest = alternatives.iter().map(|a| a.len).max().unwrap_or(0);
    let len = match config.length {
        Some(0) => {
            problems.add(path, "needs a `length` of at least 1 byte");
            longest
        }
        Some(declared) => {
            for view in alternatives.iter().filter(|a| a.len > declared) {
                problems.add(
                    &format!("{path}.{}", view.name),
                    format!(
                        "expected at most the area's `length` of {declared} bytes, \
                         the alternative is {} bytes",
                        view.len
                    ),
                );
            }
            declared
        }
        None => longest,
    };
    Kind::Redefines(Redefines {
        len,
        pad: pad.unwrap_or(b' '),
        selector,
        alternatives,
    })
}

/// Without a selector every record decodes as the base view (the first), so a longer view's
/// bytes past it are read by nothing: a warning, not a problem, as COBOL allows it and a record
/// that holds the base view decodes whole. The longest other view is named.
fn base_view_is_longest(alternatives: &[Alternative], path: &str, problems: &mut Problems) {
    let Some((base, others)) = alternatives.split_first() else {
        return;
    };
    let longer = others.iter().filter(|a| a.len > base.len);
    let Some(longest) = longer.reduce(|a, b| if b.len > a.len { b } else { a }) else {
        return;
    };
    problems.warn(
        path,
        format!(
            "expected the base view (the first, which decoding reads without a `selector`) to be \
             the longest, found base view {:?} of {} bytes and view {:?} of {} bytes, whose last \
             {} bytes would be read by nothing: add a `selector` and `when` values, or make the \
             longest view the first",
            base.name,
            base.len,
            longest.name,
            longest.len,
            longest.len - base.len
        ),
    );
}

/// One view: fields of fixed size, from the area's first byte.
fn alternative(
    config: &AlternativeConfig,
    path: &str,
    at: Option<usize>,
    problems: &mut Problems,
) -> Alternative {
    if config.fields.is_empty() {
        problems.add(path, "an alternative needs `fields`");
    }
    let (fields, _) = fields_at(&config.fields, path, at, None, problems);
    let len = fields_fixed_len(&fields).unwrap_or_else(|| {
        problems.add(
            path,
            "an alternative needs fixed-size fields (no compact groups inside)",
        );
        fields_max_len(&fields)
    });
    Alternative {
        name: config.name.clone(),
        when: config.when.clone().unwrap_or_default(),
        fields,
        len,
    }
}

/// The `when` values of a view: required with a selector, refused without, unique in the area.
fn when<'c>(
    config: &'c AlternativeConfig,
    path: &str,
    selected: bool,
    picks: &mut HashMap<&'c str, &'c str>,
    problems: &mut Problems,
) -> Option<&'c [String]> {
    let values = match (config.when.as_deref(), selected) {
        (Some(_), false) => {
            problems.add(
                path,
                "`when` needs the area's `selector` (without one, decoding reads the first alternative)",
            );
            return None;
        }
        (None | Some([]), true) => {
            problems.add(
                path,
                "with a `selector`, every alternative needs `when` values",
            );
            return None;
        }
        (values, _) => values?,
    };
    for value in values {
        if let Some(other) = picks.insert(value, &config.name) {
            problems.add(
                path,
                format!("`when` value {value:?} already picks alternative {other:?}"),
            );
        }
    }
    Some(values)
}

/// The selector: an earlier sibling at the same level, text or a whole number.
fn selector(name: &str, path: &str, scope: &Scope<'_>, problems: &mut Problems) -> Option<usize> {
    let Some(index) = scope.before.iter().position(|f| f.name == name) else {
        let message = if scope.after.iter().any(|c| c.name == name) {
            format!(
                "selector {name:?} comes after the area: it must be an earlier field at this level"
            )
        } else {
            format!("selector {name:?} is not a field at this level")
        };
        problems.add(path, message);
        return None;
    };
    let usable = match &scope.before[index].kind {
        Kind::Text(_) => true,
        Kind::Number(n) => n.scale == 0,
        Kind::Packed(p) => p.scale == 0,
        Kind::Binary(b) => b.scale == 0,
        _ => false,
    };
    if !usable {
        problems.add(
            path,
            format!("selector {name:?} must be a text field or a whole-number field"),
        );
        return None;
    }
    Some(index)
}

/// `when` values the selector can decode to: text that fits and keeps no pad on its trimmed side,
/// or a number's canonical decimal text (`01` decodes as 1, so `"01"` would never match).
fn check_values(selector: &Field, values: &[String], path: &str, problems: &mut Problems) {
    for value in values {
        let problem = match &selector.kind {
            Kind::Text(text) => {
                let mut bytes = Vec::new();
                let pad = text.pad;
                let trimmed = match text.right {
                    true => value.starts_with(pad),
                    false => value.ends_with(pad),
                };
                if trimmed {
                    Some("never matches: decoding strips the selector's pad".to_owned())
                } else if text.charset.encode_into(value, &mut bytes).is_err() {
                    Some(format!("cannot be written in {}", text.charset.name()))
                } else if bytes.len() > text.len {
                    Some(format!(
                        "is {} bytes, the selector holds {}",
                        bytes.len(),
                        text.len
                    ))
                } else {
                    None
                }
            }
            _ => {
                let canonical = value.parse::<i128>().is_ok_and(|n| n.to_string() == *value);
                (!canonical).then(|| {
                    "never matches: a number selector is compared by its decimal text, e.g. \"7\""
                        .to_owned()
                })
            }
        };
        if let Some(problem) = problem {
            problems.add(path, format!("`when` value {value:?} {problem}"));
        }
    }
}
