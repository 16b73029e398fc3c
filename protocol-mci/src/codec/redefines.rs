//! Redefines areas (COBOL `REDEFINES`): one area of bytes read through one of its views.
//!
//! The area has no JSON key; the view is an object under its own name beside the area's
//! siblings (`{"kind": "L", "loan": {...}}`). Decoding picks the view by the selector's decoded
//! value, or takes the first view (the base definition) when there is no selector. Encoding takes
//! the one view present in the JSON object and, with a selector, checks that the selector's value
//! picks that same view. A view shorter than the area is followed by the area's pad, written on
//! encode and not checked on decode.

use std::borrow::Cow;

use super::decode::Reader;
use super::encode::Writer;
use crate::error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
use crate::json::{Cursor, JsonNode, JsonObject, Scalar, Shape};
use crate::layout::field::{Alternative, Field, Kind, Redefines};
use crate::view::{FieldValue, Object};

impl<'a> Reader<'a> {
    /// Decodes the view the selector picks into `out`, then skips the rest of the area.
    pub(super) fn redefines(
        &mut self,
        field: &'a Field,
        area: &'a Redefines,
        siblings: &'a [Field],
        out: &mut Object<'a>,
    ) -> Result<(), DecodeError> {
        let start = self.next_offset();
        let view = match area.selector {
            None => area.alternatives.first(),
            Some(index) => {
                let selector = &siblings[index];
                let value = out
                    .get(&selector.name)
                    .map_or(Cow::Borrowed(""), FieldValue::selector_text);
                match area.pick(&value) {
                    Some(view) => Some(view),
                    None => {
                        let found = match selector.mask {
                            Some(_) => "a masked value that picks none".to_owned(),
                            None => format!("{value:?}"),
                        };
                        let message = format!(
                            "expected selector {:?} to be {}, found {found}",
                            selector.name,
                            when_list(area.alternatives.iter())
                        );
                        self.path.key(&field.name);
                        let error =
                            self.error(start, area.len, DecodeErrorKind::OutOfRange(message));
                        self.path.pop();
                        return Err(error);
                    }
                }
            }
        };
        // Validation guarantees at least one view; an empty area is only ever its bytes.
        let Some(view) = view else {
            self.take(area.len)?;
            return Ok(());
        };
        self.path.key(&view.name);
        let mut object = Object::with_capacity(view.fields.len());
        self.fields(&view.fields, &mut object)?;
        self.path.pop();
        self.take(area.len - view.len)?;
        out.push(&view.name, None, FieldValue::Object(object));
        Ok(())
    }
}

impl<'a> Writer<'a> {
    /// Writes the one view present in the walked values, then the area's pad.
    pub(super) fn redefines<O: JsonObject + ?Sized>(
        &mut self,
        field: &'a Field,
        area: &'a Redefines,
        siblings: &'a [Field],
        values: &mut Cursor<'_, O>,
    ) -> Result<(), EncodeError> {
        let start = self.out.len();
        self.at = start..start + area.len;
        self.path.key(&field.name);
        let view = self.view(area, siblings, values.object())?;
        self.path.pop();
        self.path.key(&view.name);
        // The view's member sits where the area is: the walk takes it in place.
        match values.get(&view.name).map(JsonNode::shape) {
            Some(Shape::Object(object)) => self.fields(&view.fields, object)?,
            // Only the lenient writer gets here without the view: it writes it empty.
            None | Some(Shape::Null) => self.fields(&view.fields, &Empty)?,
            Some(other) => {
                self.at = start..start + view.len;
                let found = super::describe(other.scalar());
                return Err(self.error(EncodeErrorKind::WrongType {
                    expected: "an object",
                    found,
                }));
            }
        }
        self.path.pop();
        self.out.resize(start + area.len, area.pad);
        Ok(())
    }

    /// The view to write: the one key present (not null), agreeing with the selector. The lenient
    /// writer (the gateway's own error answers) writes the base view when none is given.
    fn view<O: JsonObject + ?Sized>(
        &self,
        area: &'a Redefines,
        siblings: &[Field],
        values: &O,
    ) -> Result<&'a Alternative, EncodeError> {
        let given = |view: &&Alternative| values.get(&view.name).is_some_and(|v| !v.is_null());
        let mut present = area.alternatives.iter().filter(given);
        let names = || name_list(area.alternatives.iter());
        let view = match (present.next(), present.next()) {
            (Some(one), None) => one,
            (None, _) if self.lenient => match area.alternatives.first() {
                Some(base) => base,
                None => return Err(self.error(EncodeErrorKind::Missing)),
            },
            (None, _) => {
                let message = format!(
                    "expected one of {} (the views of this area), found none",
                    names()
                );
                return Err(self.error(EncodeErrorKind::Invalid(message)));
            }
            (Some(a), Some(b)) => {
                let message = format!(
                    "expected exactly one of {}, found {:?} and {:?}",
                    names(),
                    a.name,
                    b.name
                );
                return Err(self.error(EncodeErrorKind::Invalid(message)));
            }
        };
        if let (Some(index), false) = (area.selector, self.lenient) {
            let selector = &siblings[index];
            let given = values.get(&selector.name).map(JsonNode::scalar);
            let value = as_decoded(selector, selector_text(given));
            if !view.when.iter().any(|w| *w == value) {
                let found = match selector.mask {
                    Some(_) => "a masked value".to_owned(),
                    None => format!("{value:?}"),
                };
                let message = format!(
                    "expected selector {:?} to be {} for alternative {:?}, found {found}",
                    selector.name,
                    when_list(std::iter::once(view)),
                    view.name
                );
                return Err(self.error(EncodeErrorKind::Invalid(message)));
            }
        }
        Ok(view)
    }
}

/// A selector's value as the text `when` values are compared with: a string as it is, a number
/// as its decimal text, null or absent as "".
fn selector_text(value: Option<Scalar<'_>>) -> &str {
    match value {
        Some(Scalar::String(text) | Scalar::Number(text)) => text,
        _ => "",
    }
}

/// An object with no members: a view the lenient writer writes without values.
struct Empty;

impl JsonObject for Empty {
    type Node = serde_json::Value;
    type Entries<'o> = std::iter::Empty<(&'o str, &'o serde_json::Value)>;
    const UNIQUE_KEYS: bool = true;

    fn get(&self, _: &str) -> Option<&serde_json::Value> {
        None
    }

    fn entries(&self) -> Self::Entries<'_> {
        std::iter::empty()
    }
}

/// A selector value from JSON as decoding would give it, since `when` values are decoded
/// values: a text without the pad its alignment strips (`"L "` is `"L"`), a whole number in its
/// canonical decimal text (`"+01"` is `"1"`).
fn as_decoded<'v>(selector: &Field, value: &'v str) -> Cow<'v, str> {
    match &selector.kind {
        Kind::Text(text) if text.right => Cow::Borrowed(value.trim_start_matches(text.pad)),
        Kind::Text(text) => Cow::Borrowed(value.trim_end_matches(text.pad)),
        _ => match value.strip_prefix('+').unwrap_or(value).parse::<i128>() {
            Ok(number) => Cow::Owned(number.to_string()),
            Err(_) => Cow::Borrowed(value),
        },
    }
}

/// `"C", "L" or "M"`: the `when` values of some views.
fn when_list<'v>(views: impl Iterator<Item = &'v Alternative>) -> String {
    or_list(views.flat_map(|v| v.when.iter()).map(|w| format!("{w:?}")))
}

/// `"card" or "loan"`: the names of some views.
fn name_list<'v>(views: impl Iterator<Item = &'v Alternative>) -> String {
    or_list(views.map(|v| format!("{:?}", v.name)))
}

fn or_list(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    match items.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => "nothing".to_owned(),
    }
}
