//! The view as a borrowed [`JsonTree`]: the JSON [`super::json`] gives, without a `Map`, a
//! hashed key or a heap string per value. Keys borrow the layout, text borrows the frame where
//! it was valid UTF-8 already, numbers are [`NumberText`]. What a gateway echoes and edits
//! (a request header turned into an answer's) before encoding it again.

use std::borrow::Cow;

use super::{FieldValue, Object, ScaledDecimal};
use crate::json::{JsonTree, MemberList, NumberText};

impl<'a> Object<'a> {
    /// The entries as tree members in wire order: [`Object::into_map`]'s keys and values
    /// (`members_to_map` of the result is that map).
    pub fn into_tree(self) -> MemberList<'a> {
        self.entries
            .into_iter()
            .map(|entry| (Cow::Borrowed(entry.name), entry.value.into_tree()))
            .collect()
    }
}

impl<'a> FieldValue<'a> {
    /// The value as a tree node: [`FieldValue::into_value`]'s JSON.
    pub fn into_tree(self) -> JsonTree<'a> {
        match self {
            FieldValue::Null => JsonTree::Null,
            FieldValue::Text(text) => JsonTree::String(text),
            FieldValue::Decimal(decimal) => JsonTree::Number(number_text(&decimal)),
            FieldValue::Date(parts) => JsonTree::String(Cow::Owned(parts.iso())),
            FieldValue::Group(elements) => JsonTree::Array(
                elements
                    .into_iter()
                    .map(|element| JsonTree::Object(element.into_tree()))
                    .collect(),
            ),
            FieldValue::Object(object) => JsonTree::Object(object.into_tree()),
        }
    }
}

/// A decimal's exact text, as [`ScaledDecimal::to_number`] holds it: whole numbers that fit 64
/// bits as integers, everything else as its `Display` text (which always parses as a JSON
/// number, so `to_value`'s string fallback is never taken).
fn number_text(decimal: &ScaledDecimal) -> NumberText {
    if decimal.scale() == 0 && !decimal.is_negative_zero() {
        if let Ok(value) = u64::try_from(decimal.mantissa()) {
            return NumberText::of_u64(value);
        }
        if let Ok(value) = i64::try_from(decimal.mantissa()) {
            return NumberText::of_i64(value);
        }
    }
    NumberText::of_display(decimal)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::Value;

    use super::*;
    use crate::json::members_to_map;

    #[test]
    fn a_view_as_a_tree_is_its_map_key_for_key_and_in_order() {
        let mut section = Object::default();
        section.push("code", None, FieldValue::Text(Cow::Borrowed("0000")));
        section.push("none", None, FieldValue::Null);
        let mut element = Object::default();
        element.push(
            "rate",
            None,
            FieldValue::Decimal(ScaledDecimal::new(4500, 3)),
        );
        let mut object = Object::default();
        object.push("sys", None, FieldValue::Object(section));
        object.push("name", None, FieldValue::Text(Cow::Owned("홍길동".into())));
        for (mantissa, scale) in [(0, 0), (-7, 0), (i128::MAX, 0), (-5, 2), (12, -3), (1, 30)] {
            let value = FieldValue::Decimal(ScaledDecimal::new(mantissa, scale));
            object.push("n", None, value);
        }
        let zero = ScaledDecimal::from_digits(true, b"000", 2, true).unwrap();
        object.push("minus_zero", None, FieldValue::Decimal(zero));
        object.push("items", None, FieldValue::Group(vec![element]));
        let expected = object.clone().into_map();
        let tree = members_to_map(&object.into_tree());
        assert_eq!(
            Value::Object(tree.clone()).to_string(),
            Value::Object(expected.clone()).to_string()
        );
        assert_eq!(tree, expected);
    }
}
