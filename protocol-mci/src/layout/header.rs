//! Headers: the fixed part in front of a message's body, made of named sections.
//!
//! The legacy `[header]` is one header whose one section is called `header` and whose fields sit
//! directly in [`crate::Message::header`] (JSON `{"header": {...}, "body": {...}}`). A named
//! header (`[headers.NAME]`) is a list of sections (`sys`, `biz`, ...), each kept apart: the
//! message's header map holds one object per section (JSON `{"sys": {...}, "biz": {...},
//! "data": {...}}`). Field names need only be unique within their section.
//!
//! Header fields are named by path, `section.field` ([`FieldPath`]): the selection key and the
//! header roles (correlation id, flag, result, TTL) are declared that way.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::config::FieldConfig;
use super::field::Field;
use super::validate::{self, PrefixSlot, Problems};
use crate::framing::Framing;
use crate::json::{insert_member, JsonNode, JsonObject, JsonTree, MemberList, Shape};
use crate::view::{FieldValue, Object};

/// `[headers.NAME]` as written in the layout file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedHeaderConfig {
    /// Declared length in bytes (prefix included), checked against the fields.
    #[serde(default)]
    pub length: Option<usize>,
    /// The fields of a one-section header; the section takes the header's name.
    #[serde(default)]
    pub fields: Option<Vec<FieldConfig>>,
    /// The header's sections, in wire order.
    #[serde(default)]
    pub sections: Option<Vec<SectionConfig>>,
}

/// One `[[headers.NAME.sections]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionConfig {
    /// JSON key of the section.
    pub name: String,
    /// The section's fields, in wire order.
    pub fields: Vec<FieldConfig>,
}

/// A validated header.
#[derive(Debug, Clone)]
pub struct Header {
    /// `header` for the legacy `[header]`, else the `[headers.NAME]` key.
    pub name: String,
    /// Sections in wire order (frame coordinates; the prefix bytes are skipped).
    pub sections: Vec<Section>,
    /// Length in bytes, prefix included.
    pub len: usize,
    /// The legacy header: its one section's fields sit directly in the header map.
    pub(crate) flat: bool,
}

/// One named part of a header.
#[derive(Debug, Clone)]
pub struct Section {
    /// JSON key.
    pub name: String,
    /// Fields in wire order.
    pub fields: Vec<Field>,
    /// Frame offset of the section's first byte.
    pub(crate) start: usize,
}

/// A header field named by path: `sys.guid`; in the legacy header `header.guid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    /// Section name.
    pub section: String,
    /// Field name within the section.
    pub field: String,
    /// Whether the section's fields sit directly in the header map (legacy header).
    flat: bool,
}

impl Header {
    /// Validates a header's sections one after the other from frame offset 0.
    pub(crate) fn build(
        name: &str,
        key: &str,
        sections: &[(String, String, &[FieldConfig])],
        declared: Option<usize>,
        slot: PrefixSlot,
        problems: &mut Problems,
    ) -> Header {
        let mut pos = Some(0);
        let mut out: Vec<Section> = Vec::with_capacity(sections.len());
        for (section, path, configs) in sections {
            if out.iter().any(|s| &s.name == section) {
                problems.add(path, format!("duplicate section name {section:?}"));
            }
            let start = pos.unwrap_or(0);
            let (fields, end) = validate::fields(configs, path, start, Some(slot), problems);
            pos = pos.and(end);
            out.push(Section {
                name: section.clone(),
                fields,
                start,
            });
        }
        let len = pos.unwrap_or_else(|| {
            problems.add(key, "a header must have a fixed size");
            0
        });
        if len > 0 && len < slot.at + slot.width {
            problems.add(key, "the header ends before the length prefix");
        }
        if let Some(declared) = declared.filter(|&d| d != len) {
            let at = format!("{}.length", key.trim_end_matches(".fields"));
            let said =
                format!("expected the fields to add up to the declared {declared}, found {len}");
            problems.add(&at, said);
        }
        Header {
            name: name.to_owned(),
            sections: out,
            len,
            flat: false,
        }
    }

    /// Whether this is the legacy `[header]`: its one section's fields are the header map's
    /// keys (with named sections, the keys are the sections).
    pub fn is_flat(&self) -> bool {
        self.flat
    }

    /// The field at `path`, if this header has it.
    pub fn field(&self, path: &FieldPath) -> Option<&Field> {
        let section = self.sections.iter().find(|s| s.name == path.section)?;
        section.fields.iter().find(|f| f.name == path.field)
    }

    /// Resolves `section.field` text against this header.
    pub(crate) fn path(&self, text: &str) -> Option<FieldPath> {
        let (section, field) = text.split_once('.')?;
        let path = FieldPath {
            section: section.to_owned(),
            field: field.to_owned(),
            flat: self.flat,
        };
        self.field(&path).map(|_| path)
    }

    /// Byte range of the field at `path` in the frame (0..0 when absent).
    pub(crate) fn range(&self, path: &FieldPath, framing: &Framing) -> Range<usize> {
        let prefix = PrefixSlot {
            at: framing.offset,
            width: framing.prefix_width(),
        };
        let Some(section) = self.sections.iter().find(|s| s.name == path.section) else {
            return 0..0;
        };
        let mut pos = section.start;
        for field in &section.fields {
            if pos == prefix.at {
                pos += prefix.width;
            }
            let len = field.kind.fixed_len().unwrap_or(0);
            if field.name == path.field {
                return pos..pos + len;
            }
            pos += len;
        }
        0..0
    }
}

impl FieldPath {
    /// A path that names no field (only in layouts that fail validation).
    pub(crate) fn unresolved(text: &str) -> FieldPath {
        let (section, field) = text.split_once('.').unwrap_or(("", text));
        FieldPath {
            section: section.to_owned(),
            field: field.to_owned(),
            flat: false,
        }
    }

    /// The value in a decoded header map.
    pub fn get<'m>(&self, header: &'m Map<String, Value>) -> Option<&'m Value> {
        self.get_in(header)
    }

    /// The value as text.
    pub fn text<'m>(&self, header: &'m Map<String, Value>) -> Option<&'m str> {
        self.text_in(header)
    }

    /// [`FieldPath::get`] in any JSON header ([`crate::json::JsonTree`] members or a `Map`).
    pub fn get_in<'m, H>(&self, header: &'m H) -> Option<&'m H::Node>
    where
        H: JsonObject + ?Sized,
        H::Node: JsonNode<Object = H>,
    {
        match self.flat {
            true => header.get(&self.field),
            false => match header.get(&self.section)?.shape() {
                Shape::Object(section) => section.get(&self.field),
                _ => None,
            },
        }
    }

    /// [`FieldPath::text`] in any JSON header: the value when it is a string.
    pub fn text_in<'m, H>(&self, header: &'m H) -> Option<&'m str>
    where
        H: JsonObject + ?Sized,
        H::Node: JsonNode<Object = H>,
    {
        match self.get_in(header)?.shape() {
            Shape::String(text) => Some(text),
            _ => None,
        }
    }

    /// The value in a decoded header view ([`crate::view::MessageView::header`]).
    pub fn get_view<'m, 'f>(&self, header: &'m Object<'f>) -> Option<&'m FieldValue<'f>> {
        match self.flat {
            true => header.get(&self.field),
            false => match header.get(&self.section)? {
                FieldValue::Object(section) => section.get(&self.field),
                _ => None,
            },
        }
    }

    /// The value in a header view as text.
    pub fn text_view<'m>(&self, header: &'m Object<'_>) -> Option<&'m str> {
        self.get_view(header).and_then(FieldValue::as_text)
    }

    /// Sets the value in a header map, creating the section object when missing.
    pub fn set(&self, header: &mut Map<String, Value>, value: Value) {
        if self.flat {
            header.insert(self.field.clone(), value);
            return;
        }
        let section = header
            .entry(self.section.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if !section.is_object() {
            *section = Value::Object(Map::new());
        }
        if let Value::Object(section) = section {
            section.insert(self.field.clone(), value);
        }
    }
}

impl FieldPath {
    /// [`FieldPath::set`] in a header tree: the same members, in the same order, as `set` leaves
    /// in the equal map.
    pub fn set_member<'a>(&'a self, header: &mut MemberList<'a>, value: JsonTree<'a>) {
        if self.flat {
            insert_member(header, Cow::Borrowed(&self.field), value);
            return;
        }
        let at = match header.iter().position(|(k, _)| *k == self.section) {
            Some(at) => at,
            None => {
                header.push((Cow::Borrowed(&self.section), JsonTree::Object(Vec::new())));
                header.len() - 1
            }
        };
        let section = &mut header[at].1;
        if !matches!(section, JsonTree::Object(_)) {
            *section = JsonTree::Object(Vec::new());
        }
        if let JsonTree::Object(section) = section {
            insert_member(section, Cow::Borrowed(&self.field), value);
        }
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.section, self.field)
    }
}

/// The legacy `[header]`: one flat section called `header`.
pub(crate) fn legacy(
    configs: &[FieldConfig],
    declared: Option<usize>,
    slot: PrefixSlot,
    problems: &mut Problems,
) -> Header {
    let sections = [("header".to_owned(), "header.fields".to_owned(), configs)];
    let mut header = Header::build(
        "header",
        "header.fields",
        &sections,
        declared,
        slot,
        problems,
    );
    header.flat = true;
    header
}

/// A `[headers.NAME]` entry: its sections, or its fields as one section called `NAME`.
pub(crate) fn named(
    name: &str,
    config: &NamedHeaderConfig,
    slot: PrefixSlot,
    problems: &mut Problems,
) -> Header {
    let key = format!("headers.{name}");
    let sections: Vec<(String, String, &[FieldConfig])> = match (&config.fields, &config.sections) {
        (Some(fields), None) => vec![(name.to_owned(), format!("{key}.fields"), fields)],
        (None, Some(sections)) => sections
            .iter()
            .map(|s| {
                let path = format!("{key}.sections.{}", s.name);
                (s.name.clone(), path, s.fields.as_slice())
            })
            .collect(),
        _ => {
            problems.add(
                &key,
                "expected either `fields` or `sections`, not both or none",
            );
            Vec::new()
        }
    };
    Header::build(name, &key, &sections, config.length, slot, problems)
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Map, Value};

    use super::FieldPath;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn a_path_reads_and_writes_within_its_section() {
        let path = FieldPath::unresolved("sys.guid");
        let mut header = object(json!({"sys": {"guid": "g1"}, "biz": {"guid": "other"}}));
        assert_eq!(path.text(&header), Some("g1"));
        path.set(&mut header, "g2".into());
        assert_eq!(
            header,
            object(json!({"sys": {"guid": "g2"}, "biz": {"guid": "other"}}))
        );
        // A missing section is created, one that is not an object is replaced.
        let flag = FieldPath::unresolved("ctl.flag");
        let mut header = object(json!({"ctl": 3}));
        flag.set(&mut header, "R".into());
        assert_eq!(header, object(json!({"ctl": {"flag": "R"}})));
        assert_eq!(flag.to_string(), "ctl.flag");
    }

    #[test]
    fn a_legacy_path_reads_and_writes_the_header_itself() {
        let path = FieldPath {
            section: "header".into(),
            field: "guid".into(),
            flat: true,
        };
        let mut header = object(json!({"guid": "g1"}));
        assert_eq!(path.text(&header), Some("g1"));
        path.set(&mut header, "g2".into());
        assert_eq!(header, object(json!({"guid": "g2"})));
        assert_eq!(path.to_string(), "header.guid");
    }
}
