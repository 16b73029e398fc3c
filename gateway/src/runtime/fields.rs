//! The closed set of `field` label values of a strategy: every path the comparator can report
//! for a decision of its messages, with indices collapsed.
//!
//! The comparator reports a leaf (`body.rate`), a field inside a group element
//! (`body.offers[*].rate`), a whole element added or removed (`body.offers[*]`) and an array
//! length or a whole group (`body.offers`). Each of these is a declared label, so that
//! `field="other"` only counts a path outside the layout.

use protocol_mci::layout::field::{Field, Kind};
use protocol_mci::Layout;

/// Every field a decision of these messages can differ in, as comparison paths with indices
/// collapsed (`body.offers[*].rate`): the closed set of `field` label values.
pub(super) fn decision_fields(layout: &Layout, codes: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let body = layout.body_key();
    for message in codes.iter().filter_map(|code| layout.message(code)) {
        // The legacy header is one section called `header`; named sections keep their names.
        for section in layout.header_of(message).map_or(&[][..], |h| &h.sections) {
            walk(&section.fields, &section.name, &mut out);
        }
        walk(&message.response, body, &mut out);
        walk(message.error.as_deref().unwrap_or_default(), body, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

fn walk(fields: &[Field], prefix: &str, out: &mut Vec<String>) {
    for field in fields {
        // A redefines area has no key: each view is an object beside its siblings.
        if let Kind::Redefines(area) = &field.kind {
            for view in &area.alternatives {
                let path = format!("{prefix}.{}", view.name);
                walk(&view.fields, &path, out);
                out.push(path);
            }
        }
    }
    for field in fields.iter().filter(|f| f.kind.is_visible()) {
        let path = format!("{prefix}.{}", field.name);
        if let Kind::Group(group) = &field.kind {
            let element = format!("{path}[*]");
            walk(&group.fields, &element, out);
            // An element added or removed is reported at the element itself.
            out.push(element);
        }
        out.push(path);
    }
}

#[cfg(test)]
mod tests;
