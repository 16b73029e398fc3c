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
use std::fmt;

use protocol_mci::json::{JsonNode, JsonObject, JsonTree, Shape};
use protocol_mci::layout::field::{Field, Kind};
use protocol_mci::layout::header::Header;

/// How many field names an error lists at most.
const NAMES_SHOWN: usize = 12;

/// The 400 text for the first member of `body` (recursively, through groups and `REDEFINES`
/// views) that no field of `fields` names, or `None` when every key is a field.
pub(super) fn unknown_key(
    fields: &[Field],
    body: &[(Cow<'_, str>, JsonTree<'_>)],
) -> Option<String> {
    walk(fields, body, &Path::Body)
}

/// The 400 text for the first key of a request's `header` that the message's header does not
/// have, or `None`. The legacy header's fields are the header's keys; with named sections the
/// keys are the sections, each an object of its fields.
pub(super) fn unknown_header_key<H>(header: &Header, keys: &H) -> Option<String>
where
    H: JsonObject + ?Sized,
    H::Node: JsonNode<Object = H>,
{
    if let (true, [section]) = (header.is_flat(), header.sections.as_slice()) {
        let mut next = 0;
        let (key, _) = keys
            .entries()
            .find(|(k, _)| named_after(&section.fields, k, &mut next).is_none())?;
        return Some(format!(
            "header.{key}: expected a field of the header here ({}), found a key it does not have",
            names(&section.fields)
        ));
    }
    for (key, value) in keys.entries() {
        let Some(section) = header.sections.iter().find(|s| s.name == key) else {
            let sections: Vec<&str> = header.sections.iter().map(|s| s.name.as_str()).collect();
            return Some(format!(
                "header.{key}: expected a section of the header here ({}), found a key it does \
                 not have",
                sections.join(", ")
            ));
        };
        let Shape::Object(fields) = value.shape() else {
            continue;
        };
        let mut next = 0;
        let unknown = |(k, _): &(&str, _)| named_after(&section.fields, k, &mut next).is_none();
        if let Some((field, _)) = fields.entries().find(unknown) {
            return Some(format!(
                "header.{key}.{field}: expected a field of the section here ({}), found a key it \
                 does not have",
                names(&section.fields)
            ));
        }
    }
    None
}

/// Where a walk is, from `body` down: links on the stack, written out only for an error (this
/// check runs on every request, and building the text of each element's path cost more than
/// the walk itself).
#[derive(Clone, Copy)]
enum Path<'p> {
    Body,
    Member(&'p Path<'p>, &'p str),
    Element(&'p Path<'p>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Body => f.write_str("body"),
            Path::Member(parent, key) => write!(f, "{parent}.{key}"),
            Path::Element(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

fn walk(
    fields: &[Field],
    members: &[(Cow<'_, str>, JsonTree<'_>)],
    path: &Path<'_>,
) -> Option<String> {
    let mut next = 0;
    for (key, value) in members {
        let Some(inner) = named_after(fields, key, &mut next) else {
            return Some(format!(
                "{path}.{key}: expected a field of the layout here ({}), found a key it does not \
                 have",
                names(fields)
            ));
        };
        if let Some(inner) = inner {
            if let Some(found) = walk_value(inner, value, &Path::Member(path, key)) {
                return Some(found);
            }
        }
    }
    None
}

/// Into a group's elements or a view's object; other shapes are the encoder's to refuse.
fn walk_value(fields: &[Field], value: &JsonTree<'_>, path: &Path<'_>) -> Option<String> {
    match value {
        JsonTree::Object(members) => walk(fields, members, path),
        JsonTree::Array(elements) => elements.iter().enumerate().find_map(|(i, element)| {
            let JsonTree::Object(members) = element else {
                return None;
            };
            walk(fields, members, &Path::Element(path, i))
        }),
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

/// [`named`], looking first at the fields after the one the previous key named (`next`, moved
/// past a field found there): keys usually come in the layout's order, so each is found at the
/// next field instead of by a scan from the first (this check runs on every request). Names are
/// unique at a level (layout validation), so the field found is the one `named` finds; views,
/// fillers and constants go by `named`.
fn named_after<'f>(
    fields: &'f [Field],
    key: &str,
    next: &mut usize,
) -> Option<Option<&'f [Field]>> {
    let ahead = fields.get(*next..).unwrap_or_default();
    if let Some(at) = ahead.iter().position(|f| f.name == key) {
        let found = match &ahead[at].kind {
            Kind::Group(group) => Some(Some(group.fields.as_slice())),
            Kind::Filler { .. } | Kind::Constant(_) | Kind::Redefines(_) => None,
            _ => Some(None),
        };
        if found.is_some() {
            *next += at + 1;
            return found;
        }
    }
    named(fields, key)
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use protocol_mci::Layout;

    use super::*;

    fn loan() -> Layout {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../config/layouts/loan-screening.toml");
        Layout::from_file(path).unwrap()
    }

    /// What a lookup found, comparable: nothing, a scalar, or the inner fields' address.
    fn seen(found: Option<Option<&[Field]>>) -> Option<Option<*const Field>> {
        found.map(|inner| inner.map(<[Field]>::as_ptr))
    }

    proptest! {
        /// Looking ahead of the last key finds what a scan from the first field finds, for keys
        /// in any order: fields, a group, the filler, names no field has.
        #[test]
        fn looking_ahead_finds_what_the_scan_finds(
            picks in prop::collection::vec(0usize..32, 0..24),
        ) {
            let layout = loan();
            let header = &layout.main_header().unwrap().sections[0].fields;
            let request = &layout.message("LNS0001").unwrap().request;
            for fields in [header, request] {
                let mut keys: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                keys.extend(["nope", "", "loans_x"]);
                let mut next = 0;
                for pick in &picks {
                    let key = keys[pick % keys.len()];
                    let ahead = seen(named_after(fields, key, &mut next));
                    prop_assert_eq!(ahead, seen(named(fields, key)), "{}", key);
                }
            }
        }
    }
}
