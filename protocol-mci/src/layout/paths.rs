//! The paths an answer can have: every field of a message's response (and error) body and of its
//! header, as the comparator names them (`body.offers[*].rate`), so rules can be checked against
//! the layout before any answer arrives.

use super::field::{Field, Kind};
use super::Layout;

/// Appends one key to path text in the caller's path syntax: `.rate` after a parent, or quoted
/// when the key holds a character the syntax uses (the comparator's `Path::push_key`).
pub type PushKey = fn(&mut String, &str);

impl Layout {
    /// Every path of an answer to message `code` (empty for an unknown code), groups and their
    /// elements included (`body.offers`, `body.offers[*]`, `body.offers[*].rate`), with indices
    /// as `[*]` and keys written by `push_key`; rooted as the decoded JSON is: `header.x` and
    /// `body.y`, or the named sections side by side (`sys.x`, `data.y`). Both the response and
    /// the error body are listed, since the result code picks one per answer. Sorted, without
    /// repeats.
    pub fn answer_paths(&self, code: &str, push_key: PushKey) -> Vec<String> {
        let Some(message) = self.message(code) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let key = |prefix: &str, name: &str| {
            let mut path = prefix.to_owned();
            push_key(&mut path, name);
            path
        };
        if let Some(header) = self.header_of(message) {
            // A legacy header's fields sit under `header`; named headers are only in layouts
            // with sections, which are side by side with the body at the root.
            for section in &header.sections {
                let prefix = key("", &section.name);
                field_paths(&section.fields, &prefix, push_key, &mut out);
                out.push(prefix);
            }
        }
        let body = key("", self.body_key());
        let bodies = [Some(&message.response), message.error.as_ref()];
        for fields in bodies.into_iter().flatten() {
            field_paths(fields, &body, push_key, &mut out);
        }
        out.push(body);
        out.sort();
        out.dedup();
        out
    }
}

/// The paths of `fields` under `prefix` (empty: the root), recursing into groups and views.
fn field_paths(fields: &[Field], prefix: &str, push_key: PushKey, out: &mut Vec<String>) {
    let join = |name: &str| {
        let mut path = prefix.to_owned();
        push_key(&mut path, name);
        path
    };
    for field in fields {
        let path = join(&field.name);
        match &field.kind {
            Kind::Group(group) => {
                let element = format!("{path}[*]");
                field_paths(&group.fields, &element, push_key, out);
                out.push(element);
            }
            // The views are objects beside the area's siblings, under their own names.
            Kind::Redefines(area) => {
                for view in &area.alternatives {
                    let view_path = join(&view.name);
                    field_paths(&view.fields, &view_path, push_key, out);
                    out.push(view_path);
                }
            }
            _ => {}
        }
        out.push(path);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use crate::Layout;

    fn dotted(path: &mut String, key: &str) {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    }

    #[test]
    fn answer_paths_cover_header_bodies_and_groups() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../config/layouts/loan-screening.toml"
        );
        let layout = Layout::from_file(path).unwrap();
        let paths = layout.answer_paths("LNS0001", dotted);
        for expected in [
            "header.sent_at",
            "body.rate",
            "body.offers",
            "body.offers[*]",
            "body.offers[*].rate",
            "body.error_message",
        ] {
            assert!(paths.iter().any(|p| p == expected), "{expected}: {paths:?}");
        }
        // The request's fields are not in an answer.
        assert!(!paths.iter().any(|p| p == "body.cust_no"), "{paths:?}");
        assert_eq!(layout.answer_paths("NOPE", dotted), Vec::<String>::new());
    }

    #[test]
    fn named_sections_sit_beside_the_body() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/layouts/bank-link.toml");
        let layout = Layout::from_file(path).unwrap();
        let paths = layout.answer_paths("LNS0001", dotted);
        for expected in [
            "sys",
            "sys.guid",
            "biz.branch",
            "data",
            "data.grade",
            "data.error_message",
        ] {
            assert!(paths.iter().any(|p| p == expected), "{expected}: {paths:?}");
        }
        assert!(!paths.iter().any(|p| p.starts_with("header")), "{paths:?}");
    }
}
