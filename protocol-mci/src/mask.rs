//! Masking of sensitive fields (marked `mask` in the layout) before a value is logged, stored or
//! shown. The clear value never leaves the live path.

use serde_json::{Map, Value};

use crate::layout::config::MaskKind;
use crate::layout::field::{Field, Kind};
use crate::layout::{Layout, MessageLayout};
use crate::message::{Direction, Message};

/// Masks one value as text.
///
/// - resident registration number: `YYMMDD-*******` (birth date kept, the rest hidden);
/// - account: only the last 4 characters, the rest `*`;
/// - name: the first character, then one `*` per remaining character;
/// - full: `****` whatever the length.
pub fn mask_text(kind: MaskKind, text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    match kind {
        MaskKind::Rrn => {
            let digits: String = chars
                .iter()
                .filter(|c| c.is_ascii_digit())
                .take(6)
                .collect();
            if digits.len() == 6 {
                format!("{digits}-*******")
            } else {
                "******-*******".into()
            }
        }
        MaskKind::Account => {
            // Four characters or fewer would be shown whole: hide them all instead.
            let hidden = if chars.len() > 4 {
                chars.len() - 4
            } else {
                chars.len()
            };
            let shown: String = chars[hidden..].iter().collect();
            format!("{}{shown}", "*".repeat(hidden))
        }
        MaskKind::Name => match chars.split_first() {
            Some((first, rest)) => format!("{first}{}", "*".repeat(rest.len().max(1))),
            None => String::new(),
        },
        MaskKind::Full => "****".into(),
    }
}

impl Layout {
    /// Masks every sensitive field of a message in place (header and the body the direction and
    /// result code select). Values of unknown messages are left alone: there is no layout to say
    /// which are sensitive, so callers must not store such bodies.
    pub fn mask(&self, direction: Direction, message: &mut Message) {
        match self.select(message) {
            Some(selected) => self.mask_as(direction, selected, message),
            None => self.mask_header(None, message),
        }
    }

    /// Masks every sensitive field of a message known to be `selected` (e.g. by frame length).
    pub fn mask_as(&self, direction: Direction, selected: &MessageLayout, message: &mut Message) {
        self.mask_header(Some(selected), message);
        let fields = self.body_fields(selected, direction, &message.header);
        mask_fields(fields, &mut message.body);
    }

    /// Masks the header of the selected message, or the main header.
    fn mask_header(&self, selected: Option<&MessageLayout>, message: &mut Message) {
        let header = selected.map_or(self.main_header(), |m| self.header_of(m));
        for section in header.map_or(&[][..], |h| h.sections.as_slice()) {
            if header.is_some_and(|h| h.flat) {
                mask_fields(&section.fields, &mut message.header);
            } else if let Some(Value::Object(values)) = message.header.get_mut(&section.name) {
                mask_fields(&section.fields, values);
            }
        }
    }
}

impl Layout {
    /// Every masked field of a message (header and all its bodies) as a path with indices
    /// collapsed (`body.loans[*].account`), so values found elsewhere (e.g. in a difference
    /// between two decisions) can be masked by path. Sorted by path, then mask (one path can
    /// carry two masks when bodies differ), without repeats; built when the layout loads.
    pub fn masked_paths(&self, code: &str) -> &[(String, MaskKind)] {
        let index = self.message_index(code).unwrap_or(self.messages.len());
        self.masked.get(index).map_or(&[], Vec::as_slice)
    }

    /// [`Layout::masked_paths`] of one message, or of a frame read without one (`None`: its
    /// main header's fields).
    pub(crate) fn collect_masked_paths(
        &self,
        message: Option<&MessageLayout>,
    ) -> Vec<(String, MaskKind)> {
        let mut out = Vec::new();
        let header = message.map_or(self.main_header(), |m| self.header_of(m));
        for section in header.map_or(&[][..], |h| h.sections.as_slice()) {
            collect_masked(&section.fields, &section.name, &mut out);
        }
        if let Some(message) = message {
            let bodies = [
                Some(&message.request),
                Some(&message.response),
                message.error.as_ref(),
            ];
            for body in bodies.into_iter().flatten() {
                collect_masked(body, self.body_key(), &mut out);
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

fn collect_masked(fields: &[Field], prefix: &str, out: &mut Vec<(String, MaskKind)>) {
    for field in fields {
        let path = format!("{prefix}.{}", field.name);
        match (&field.kind, field.mask) {
            (Kind::Group(group), _) => collect_masked(&group.fields, &format!("{path}[*]"), out),
            // The views are objects beside the area's siblings, under their own names.
            (Kind::Redefines(area), _) => {
                for view in &area.alternatives {
                    collect_masked(&view.fields, &format!("{prefix}.{}", view.name), out);
                }
            }
            (_, Some(kind)) => out.push((path, kind)),
            (_, None) => {}
        }
    }
}

/// Masks the marked fields of one object, recursing into groups and redefines views.
fn mask_fields(fields: &[Field], values: &mut Map<String, Value>) {
    for field in fields {
        if let Kind::Redefines(area) = &field.kind {
            for view in &area.alternatives {
                if let Some(Value::Object(object)) = values.get_mut(&view.name) {
                    mask_fields(&view.fields, object);
                }
            }
            continue;
        }
        let Some(value) = values.get_mut(&field.name) else {
            continue;
        };
        match (&field.kind, field.mask) {
            (Kind::Group(group), _) => {
                for element in value.as_array_mut().into_iter().flatten() {
                    if let Value::Object(element) = element {
                        mask_fields(&group.fields, element);
                    }
                }
            }
            (_, Some(kind)) => {
                let text = match &*value {
                    Value::String(s) => s.clone(),
                    Value::Null => continue,
                    other => other.to_string(),
                };
                *value = Value::String(mask_text(kind, &text));
            }
            (_, None) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_each_kind() {
        assert_eq!(mask_text(MaskKind::Rrn, "9001011234567"), "900101-*******");
        assert_eq!(mask_text(MaskKind::Rrn, "900101-1234567"), "900101-*******");
        assert_eq!(mask_text(MaskKind::Rrn, "12"), "******-*******");
        assert_eq!(mask_text(MaskKind::Account, "110123456789"), "********6789");
        assert_eq!(mask_text(MaskKind::Account, "123"), "***");
        assert_eq!(mask_text(MaskKind::Name, "홍길동"), "홍**");
        assert_eq!(mask_text(MaskKind::Name, "김"), "김*");
        assert_eq!(mask_text(MaskKind::Full, "anything"), "****");
    }

    #[test]
    fn masked_paths_cover_header_bodies_and_groups() {
        let toml = r#"
            [framing]
            prefix = "ascii"
            prefix_length = 4
            counts = "after_prefix"
            max_frame = 999
            [header]
            discriminator = "tx"
            fields = [{ name = "tx", type = "text", length = 4 }]
            [messages.T001]
            request = [
              { name = "n", type = "number", length = 1 },
              { name = "accts", type = "group", count = "n", max = 2, fields = [
                { name = "no", type = "text", length = 4, mask = "account" },
              ] },
            ]
            response = [{ name = "name", type = "text", length = 4, mask = "name" }]
        "#;
        let layout = Layout::from_toml(toml, "t", "t").unwrap();
        let paths = layout.masked_paths("T001");
        assert_eq!(
            paths,
            vec![
                ("body.accts[*].no".to_owned(), MaskKind::Account),
                ("body.name".to_owned(), MaskKind::Name)
            ]
        );
    }
}
