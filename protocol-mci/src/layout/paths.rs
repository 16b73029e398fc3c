//! The paths an answer can have: every field of a message's response (and error) body and of its
//! header, as the comparator names them (`body.offers[*].rate`), so rules can be checked against
//! the layout before any answer arrives.

use super::field::{Field, Kind};
use super::header::Header;
use super::Layout;

impl Layout {
    /// Every path of an answer to message `code` (empty for an unknown code), groups and their
    /// elements included (`body.offers`, `body.offers[*]`, `body.offers[*].rate`), with indices
    /// as `[*]`; rooted as the decoded JSON is: `header.x` and `body.y`, or the named sections
    /// side by side (`sys.x`, `data.y`). Both the response and the error body are listed, since
    /// the result code picks one per answer. Sorted, without repeats.
    pub fn answer_paths(&self, code: &str) -> Vec<String> {
        let Some(message) = self.message(code) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if let Some(header) = self.header_of(message) {
            self.header_paths(header, &mut out);
        }
        let body = self.body_key();
        out.push(body.to_owned());
        let bodies = [Some(&message.response), message.error.as_ref()];
        for fields in bodies.into_iter().flatten() {
            field_paths(fields, body, &mut out);
        }
        out.sort();
        out.dedup();
        out
    }

    /// The header's paths: a legacy header's fields under `header`; named sections under their
    /// names, themselves under `header` unless the layout keeps sections side by side.
    fn header_paths(&self, header: &Header, out: &mut Vec<String>) {
        let sectioned = self.is_sectioned();
        if !sectioned {
            out.push("header".to_owned());
        }
        for section in &header.sections {
            let prefix = match (sectioned, header.flat) {
                (false, true) => "header".to_owned(),
                (false, false) => format!("header.{}", section.name),
                // A legacy header beside named sections: its fields sit at the root.
                (true, true) => String::new(),
                (true, false) => section.name.clone(),
            };
            if !prefix.is_empty() && prefix != "header" {
                out.push(prefix.clone());
            }
            field_paths(&section.fields, &prefix, out);
        }
    }
}

/// The paths of `fields` under `prefix` (empty: the root), recursing into groups and views.
fn field_paths(fields: &[Field], prefix: &str, out: &mut Vec<String>) {
    let join = |name: &str| match prefix {
        "" => name.to_owned(),
        _ => format!("{prefix}.{name}"),
    };
    for field in fields {
        let path = join(&field.name);
        match &field.kind {
            Kind::Group(group) => {
                let element = format!("{path}[*]");
                field_paths(&group.fields, &element, out);
                out.push(element);
            }
            // The views are objects beside the area's siblings, under their own names.
            Kind::Redefines(area) => {
                for view in &area.alternatives {
                    let view_path = join(&view.name);
                    field_paths(&view.fields, &view_path, out);
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

    #[test]
    fn answer_paths_cover_header_bodies_and_groups() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../config/layouts/loan-screening.toml"
        );
        let layout = Layout::from_file(path).unwrap();
        let paths = layout.answer_paths("LNS0001");
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
        assert_eq!(layout.answer_paths("NOPE"), Vec::<String>::new());
    }
}
