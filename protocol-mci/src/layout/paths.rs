//! The paths an answer can have: every field of a message's response (and error) body and of its
//! header, as the comparator names them (`body.offers[*].rate`), so rules can be checked against
//! the layout before any answer arrives.

use super::field::{Field, Kind};
use super::Layout;

/// Appends one key to path text in the caller's path syntax: `.rate` after a parent, or quoted
/// when the key holds a character the syntax uses (the comparator's `Path::push_key`).
pub type PushKey = fn(&mut String, &str);

/// One path of an answer ([`Layout::answer_fields`]) with what a rule's pattern is checked
/// against beyond the path: how many elements each group on it may have, and, for a group's
/// element, the keys its fields have.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AnswerField {
    /// The path, indices as `[*]` (`body.offers[*].rate`).
    pub path: String,
    /// The `OCCURS` maximum (`max`) of the group of each `[*]` of `path`, in order.
    pub maxima: Vec<usize>,
    /// For a group's element (`body.offers[*]`): the keys of its fields (`product_code`),
    /// unquoted; empty for any other path.
    pub element_keys: Vec<String>,
}

impl Layout {
    /// Every path of an answer to message `code` (empty for an unknown code), groups and their
    /// elements included (`body.offers`, `body.offers[*]`, `body.offers[*].rate`), with indices
    /// as `[*]` and keys written by `push_key`; rooted as the decoded JSON is: `header.x` and
    /// `body.y`, or the named sections side by side (`sys.x`, `data.y`). Both the response and
    /// the error body are listed, since the result code picks one per answer. Sorted, without
    /// repeats.
    pub fn answer_paths(&self, code: &str, push_key: PushKey) -> Vec<String> {
        let mut paths: Vec<String> = self
            .answer_fields(code, push_key)
            .into_iter()
            .map(|field| field.path)
            .collect();
        paths.dedup();
        paths
    }

    /// [`Layout::answer_paths`] with each group's `OCCURS` maximum and each element's keys:
    /// sorted by path, without repeats.
    pub fn answer_fields(&self, code: &str, push_key: PushKey) -> Vec<AnswerField> {
        let Some(message) = self.message(code) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let key = |prefix: &str, name: &str| {
            let mut path = prefix.to_owned();
            push_key(&mut path, name);
            path
        };
        let root = |path: String| AnswerField {
            path,
            maxima: Vec::new(),
            element_keys: Vec::new(),
        };
        if let Some(header) = self.header_of(message) {
            // A legacy header's fields sit under `header`; named headers are only in layouts
            // with sections, which are side by side with the body at the root.
            for section in &header.sections {
                let prefix = root(key("", &section.name));
                field_paths(&section.fields, &prefix, push_key, &mut out);
                out.push(prefix);
            }
        }
        let body = root(key("", self.body_key()));
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

/// The paths of `fields` under `parent`, recursing into groups and views.
fn field_paths(
    fields: &[Field],
    parent: &AnswerField,
    push_key: PushKey,
    out: &mut Vec<AnswerField>,
) {
    let join = |name: &str| {
        let mut path = parent.path.clone();
        push_key(&mut path, name);
        AnswerField {
            path,
            maxima: parent.maxima.clone(),
            element_keys: Vec::new(),
        }
    };
    for field in fields {
        let path = join(&field.name);
        match &field.kind {
            Kind::Group(group) => {
                let mut maxima = path.maxima.clone();
                maxima.push(group.max);
                let element = AnswerField {
                    path: format!("{}[*]", path.path),
                    maxima,
                    element_keys: keys(&group.fields),
                };
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

/// The keys directly under an object of `fields`, as [`field_paths`] names them: each field's
/// name, and a redefined area's views' names beside it.
fn keys(fields: &[Field]) -> Vec<String> {
    let mut out = Vec::new();
    for field in fields {
        out.push(field.name.clone());
        if let Kind::Redefines(area) = &field.kind {
            out.extend(area.alternatives.iter().map(|view| view.name.clone()));
        }
    }
    out
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

    /// The example loan-screening layout.
    fn example() -> Layout {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../config/layouts/loan-screening.toml"
        );
        Layout::from_file(path).unwrap()
    }

    #[test]
    fn answer_paths_cover_header_bodies_and_groups() {
        let layout = example();
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
    fn answer_fields_carry_each_groups_maximum_and_element_keys() {
        let layout = example();
        let fields = layout.answer_fields("LNS0001", dotted);
        let find = |wanted: &str| fields.iter().find(|f| f.path == wanted).unwrap();
        let element = find("body.offers[*]");
        assert_eq!(element.maxima, [3]);
        assert_eq!(
            element.element_keys,
            ["product_code", "limit", "rate", "term"]
        );
        assert_eq!(find("body.offers[*].rate").maxima, [3]);
        assert!(find("body.offers[*].rate").element_keys.is_empty());
        assert_eq!(find("body.offers").maxima, Vec::<usize>::new());
        assert_eq!(find("body.rate").maxima, Vec::<usize>::new());
        // The same paths as `answer_paths`, in the same order.
        let paths: Vec<&str> = fields.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, layout.answer_paths("LNS0001", dotted));
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
