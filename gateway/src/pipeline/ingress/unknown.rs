//! Body keys the layout does not have. The encoder reads the fields a message's layout names
//! and never looks at other keys: a client's misspelt `annual_incme` would reach an MCI engine
//! as a blank or zero field, silently. The HTTP ingress refuses such a request with the key's
//! path and the names the layout has at that level (a typo is then seen at once).
//!
//! Only the body of a message the layout selects by name is checked (its request fields are
//! known); the header is read by the layout's header walk, sections and roles included, and
//! stays as lenient as the frames core banking sends.

use std::borrow::Cow;

use protocol_mci::json::JsonTree;
use protocol_mci::layout::field::{Field, Kind};

/// How many field names an error lists at most.
const NAMES_SHOWN: usize = 12;

/// The 400 text for the first member of `body` (recursively, through groups and `REDEFINES`
/// views) that no field of `fields` names, or `None` when every key is a field.
pub(super) fn unknown_key(
    fields: &[Field],
    body: &[(Cow<'_, str>, JsonTree<'_>)],
) -> Option<String> {
    let mut path = String::from("body");
    walk(fields, body, &mut path)
}

fn walk(
    fields: &[Field],
    members: &[(Cow<'_, str>, JsonTree<'_>)],
    path: &mut String,
) -> Option<String> {
    for (key, value) in members {
        let at = path.len();
        path.push('.');
        path.push_str(key);
        let Some(inner) = named(fields, key) else {
            return Some(format!(
                "{path}: expected a field of the layout here ({}), found a key it does not have",
                names(fields)
            ));
        };
        if let Some(inner) = inner {
            if let Some(found) = walk_value(inner, value, path) {
                return Some(found);
            }
        }
        path.truncate(at);
    }
    None
}

/// Into a group's elements or a view's object; other shapes are the encoder's to refuse.
fn walk_value(fields: &[Field], value: &JsonTree<'_>, path: &mut String) -> Option<String> {
    match value {
        JsonTree::Object(members) => walk(fields, members, path),
        JsonTree::Array(elements) => {
            for (i, element) in elements.iter().enumerate() {
                if let JsonTree::Object(members) = element {
                    let at = path.len();
                    path.push_str(&format!("[{i}]"));
                    if let Some(found) = walk(fields, members, path) {
                        return Some(found);
                    }
                    path.truncate(at);
                }
            }
            None
        }
        _ => None,
    }
}

/// The fields under `key` when one of `fields` is called so: `Some(None)` for a scalar,
/// `Some(Some(fields))` for a group's element or a `REDEFINES` view, `None` for no such field.
fn named<'f>(fields: &'f [Field], key: &str) -> Option<Option<&'f [Field]>> {
    for field in fields {
        match &field.kind {
            Kind::Redefines(area) => {
                if let Some(view) = area.alternatives.iter().find(|v| v.name == key) {
                    return Some(Some(&view.fields));
                }
                if field.name == key {
                    return Some(None);
                }
            }
            Kind::Group(group) if field.name == key => return Some(Some(&group.fields)),
            _ if field.name == key => return Some(None),
            _ => {}
        }
    }
    None
}

/// The JSON keys a level has, for people: fields and `REDEFINES` views, fillers left out.
fn names(fields: &[Field]) -> String {
    let mut all = Vec::new();
    for field in fields {
        match &field.kind {
            Kind::Redefines(area) => all.extend(area.alternatives.iter().map(|v| v.name.as_str())),
            Kind::Filler { .. } | Kind::Constant(_) => {}
            _ => all.push(field.name.as_str()),
        }
    }
    let more = all.len().saturating_sub(NAMES_SHOWN);
    let mut shown = all[..all.len().min(NAMES_SHOWN)].join(", ");
    if more > 0 {
        shown.push_str(&format!(" and {more} more"));
    }
    shown
}
