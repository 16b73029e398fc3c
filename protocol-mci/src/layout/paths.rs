//! The paths an answer can have: every field of a message's response (and error) body and of its
//! header, as the comparator names them (`body.offers[*].rate`), so rules can be checked against
//! the layout before any answer arrives. A REDEFINES area is no such path (the decoded JSON has
//! its views under their own names, never the area's), nor is a filler or a constant (bytes of
//! the frame, never in the JSON): their places are told apart ([`Layout::answer_areas`]), so a
//! rule that names one can be told why it hides nothing (and for an area, which views to name).

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

/// A named field of an answer that is no key of the decoded JSON ([`Layout::answer_areas`]): a
/// REDEFINES area, where the view it was read through stands under its own name instead, or a
/// filler or a constant, which are bytes of the frame only.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AnswerArea {
    /// Where the field's name would place it (`body.detail`), indices as `[*]`.
    pub path: String,
    /// The `OCCURS` maximum (`max`) of the group of each `[*]` of `path`, in order.
    pub maxima: Vec<usize>,
    /// What it is.
    pub kind: AreaKind,
    /// The paths of a REDEFINES area's views (`body.loan`, `body.card`), in layout order; empty
    /// for a filler or a constant.
    pub views: Vec<String>,
}

/// What kind of field an [`AnswerArea`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AreaKind {
    /// A REDEFINES area (`type = "redefines"`): its views are the keys.
    Redefines,
    /// A filler (`type = "filler"`): padding bytes.
    Filler,
    /// A constant (`type = "constant"`): bytes the layout fixes.
    Constant,
}

impl AreaKind {
    /// How the layout calls it: `REDEFINES area`, `filler`, `constant`.
    pub fn as_str(self) -> &'static str {
        match self {
            AreaKind::Redefines => "REDEFINES area",
            AreaKind::Filler => "filler",
            AreaKind::Constant => "constant",
        }
    }
}

/// What [`field_paths`] gathers from an answer's fields: their paths, and the REDEFINES areas,
/// fillers and constants, which have none.
#[derive(Default)]
struct Gathered {
    /// Every path, areas' views and their fields included.
    fields: Vec<AnswerField>,
    /// Every REDEFINES area, filler and constant, nested ones included.
    areas: Vec<AnswerArea>,
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
        let mut fields = self.gather(code, push_key).fields;
        fields.sort();
        fields.dedup();
        fields
    }

    /// The REDEFINES areas, fillers and constants of an answer to message `code` (empty for an
    /// unknown code), named as [`Layout::answer_paths`] would name them had they a key, each
    /// area with its views' paths: sorted by path, without repeats. None of them is an answer
    /// path.
    pub fn answer_areas(&self, code: &str, push_key: PushKey) -> Vec<AnswerArea> {
        let mut areas = self.gather(code, push_key).areas;
        areas.sort();
        areas.dedup();
        areas
    }

    /// The paths and areas of the header and both bodies of an answer to `code`, unsorted.
    fn gather(&self, code: &str, push_key: PushKey) -> Gathered {
        let mut out = Gathered::default();
        let Some(message) = self.message(code) else {
            return out;
        };
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
                out.fields.push(prefix);
            }
        }
        let body = root(key("", self.body_key()));
        let bodies = [Some(&message.response), message.error.as_ref()];
        for fields in bodies.into_iter().flatten() {
            field_paths(fields, &body, push_key, &mut out);
        }
        out.fields.push(body);
        out
    }
}

/// The paths of `fields` under `parent`, recursing into groups and views, into `out`; a
/// REDEFINES area goes to `out.areas` instead, since only its views have keys, and so do a
/// filler and a constant, which have none.
fn field_paths(fields: &[Field], parent: &AnswerField, push_key: PushKey, out: &mut Gathered) {
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
                out.fields.push(element);
            }
            // The views are objects beside the area's siblings, under their own names; the
            // area's own name is no key of the decoded JSON.
            Kind::Redefines(area) => {
                let mut views = Vec::with_capacity(area.alternatives.len());
                for view in &area.alternatives {
                    let view_path = join(&view.name);
                    field_paths(&view.fields, &view_path, push_key, out);
                    views.push(view_path.path.clone());
                    out.fields.push(view_path);
                }
                out.areas.push(AnswerArea {
                    path: path.path,
                    maxima: path.maxima,
                    kind: AreaKind::Redefines,
                    views,
                });
                continue;
            }
            Kind::Filler { .. } | Kind::Constant(_) => {
                let kind = match field.kind {
                    Kind::Filler { .. } => AreaKind::Filler,
                    _ => AreaKind::Constant,
                };
                out.areas.push(AnswerArea {
                    path: path.path,
                    maxima: path.maxima,
                    kind,
                    views: Vec::new(),
                });
                continue;
            }
            _ => {}
        }
        out.fields.push(path);
    }
}

/// The keys directly under an object of `fields`, as [`field_paths`] names them: each field's
/// name, or for a REDEFINES area its views' names in its place; none for a filler or a constant.
fn keys(fields: &[Field]) -> Vec<String> {
    let mut out = Vec::new();
    for field in fields {
        match &field.kind {
            Kind::Redefines(area) => {
                out.extend(area.alternatives.iter().map(|view| view.name.clone()));
            }
            Kind::Filler { .. } | Kind::Constant(_) => {}
            _ => out.push(field.name.clone()),
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
    fn a_filler_is_no_path_and_no_element_key_but_an_area_of_its_kind() {
        let layout = example();
        let paths = layout.answer_paths("LNS0001", dotted);
        assert!(!paths.iter().any(|p| p == "header.reserved"), "{paths:?}");
        assert!(paths.iter().any(|p| p == "header.branch"), "{paths:?}");
        let areas = layout.answer_areas("LNS0001", dotted);
        let reserved = areas.iter().find(|a| a.path == "header.reserved").unwrap();
        assert_eq!(
            (reserved.kind, reserved.views.len()),
            (super::AreaKind::Filler, 0)
        );
        assert_eq!(reserved.kind.as_str(), "filler");
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
    fn a_redefines_area_is_no_path_but_its_views_are() {
        // The fuzz layout of structure kinds: `dest` in the header, `why` in S001's response.
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/layouts/structure.toml");
        let layout = Layout::from_file(path).unwrap();
        let paths = layout.answer_paths("S001", dotted);
        for view in [
            "header.host.lpar",
            "header.branch",
            "body.code.c",
            "body.text",
        ] {
            assert!(paths.iter().any(|p| p == view), "{view}: {paths:?}");
        }
        for area in ["header.dest", "body.why"] {
            assert!(!paths.iter().any(|p| p == area), "{area}: {paths:?}");
        }
        let areas = layout.answer_areas("S001", dotted);
        let shown: Vec<(&str, Vec<&str>)> = areas
            .iter()
            .map(|a| {
                (
                    a.path.as_str(),
                    a.views.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("body.why", vec!["body.code", "body.text"]),
                ("header.dest", vec!["header.branch", "header.host"]),
            ]
        );
        assert_eq!(layout.answer_areas("NOPE", dotted), []);
    }

    #[test]
    fn an_area_in_a_group_is_no_element_key_and_carries_the_maximum() {
        let text = r#"
name = "areas"
[framing]
prefix = "ascii"
prefix_length = 4
counts = "after_prefix"
max_frame = 512
[header]
discriminator = "tx"
fields = [{ name = "tx", type = "text", length = 4 }]
[messages.A001]
request = [{ name = "q", type = "text", length = 1 }]
response = [
  { name = "item_cnt", type = "number", length = 1 },
  { name = "items", type = "group", count = "item_cnt", max = 4, fields = [
    { name = "kind", type = "text", length = 1 },
    { name = "detail", type = "redefines", selector = "kind", length = 3, alternatives = [
      { name = "loan", when = ["L"], fields = [{ name = "months", type = "number", length = 3 }] },
      { name = "card", when = ["C"], fields = [{ name = "brand", type = "text", length = 3 }] },
    ] },
  ] },
]
"#;
        let layout = Layout::from_toml(text, "areas", "areas").unwrap();
        let fields = layout.answer_fields("A001", dotted);
        let element = fields.iter().find(|f| f.path == "body.items[*]").unwrap();
        assert_eq!(element.element_keys, ["kind", "loan", "card"]);
        assert!(!fields.iter().any(|f| f.path == "body.items[*].detail"));
        let areas = layout.answer_areas("A001", dotted);
        assert_eq!(areas.len(), 1, "{areas:?}");
        assert_eq!(areas[0].path, "body.items[*].detail");
        assert_eq!(areas[0].maxima, [4]);
        assert_eq!(areas[0].views, ["body.items[*].loan", "body.items[*].card"]);
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
