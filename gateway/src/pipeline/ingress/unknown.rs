//! Keys the layout does not have. The encoder reads the fields a message's layout names and
//! never looks at other keys: a client's misspelt `annual_incme` (or header `chanel`) would
//! reach an MCI engine as a blank or zero field, silently. The HTTP ingress refuses such a
//! request with the key's path and the names the layout has at that level (a typo is then seen
//! at once).
//!
//! Checked for a message the layout selects by name (its fields are known): the body, through
//! groups and `REDEFINES` views, and the header: the legacy header's fields, or with named
//! sections the section names and each section's fields (a header field's own inner keys, were
//! it a group, are left to the encoder).

use std::borrow::Cow;

use protocol_mci::json::JsonTree;
use protocol_mci::layout::field::{Field, Kind};
use protocol_mci::layout::header::Header;
use serde_json::{Map, Value};

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

/// The 400 text for the first key of a request's `header` that the message's header does not
/// have, or `None`. The legacy header's fields are the header's keys; with named sections the
/// keys are the sections, each an object of its fields.
pub(super) fn unknown_header_key(header: &Header, keys: &Map<String, Value>) -> Option<String> {
    if let (true, [section]) = (header.is_flat(), header.sections.as_slice()) {
        let key = keys.keys().find(|k| named(&section.fields, k).is_none())?;
        return Some(format!(
            "header.{key}: expected a field of the header here ({}), found a key it does not have",
            names(&section.fields)
        ));
    }
    for (key, value) in keys {
        let Some(section) = header.sections.iter().find(|s| s.name == *key) else {
            let sections: Vec<&str> = header.sections.iter().map(|s| s.name.as_str()).collect();
            return Some(format!(
                "header.{key}: expected a section of the header here ({}), found a key it does \
                 not have",
                sections.join(", ")
            ));
        };
        let Value::Object(fields) = value else {
            continue;
        };
        if let Some(field) = fields.keys().find(|k| named(&section.fields, k).is_none()) {
            return Some(format!(
                "header.{key}.{field}: expected a field of the section here ({}), found a key it \
                 does not have",
                names(&section.fields)
            ));
        }
    }
    None
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
/// `Some(Some(fields))` for a group's element or a `REDEFINES` view, `None` for no such field
/// (a filler's or a constant's name included: they have no JSON key).
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
            // Fillers and constants are bytes of the frame, never JSON: decoding shows none,
            // and a value sent under their name would be dropped.
            Kind::Filler { .. } | Kind::Constant(_) => {}
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
