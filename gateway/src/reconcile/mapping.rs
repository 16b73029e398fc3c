//! Column → target field: each side's values typed and placed in the shared JSON shape, so the
//! comparator sees two decisions of the same form whatever the sources.
//!
//! Decimals keep their exact text (`serde_json` numbers with `arbitrary_precision`), never `f64`;
//! dates become `YYYY-MM-DD`. An empty value is `null`, whatever the source and the type: an
//! empty CSV cell, `""` in JSON, SQL `NULL`, a missing JSON member. A key field must have a
//! value: a row whose key is absent, null, empty or whitespace only is refused, saying which
//! and naming the column. Outside the key, whitespace-only text is kept as found (a `text`
//! field's spaces are a value), and is `null` in a `decimal`, `integer` or `date` field.
//!
//! JSON Lines keep their JSON types: a value of a type that does not fit its field (a number for
//! a text field) is refused, never converted. A fixed-length record's values were typed by its
//! layout, so a layout number mapped as text is its text.

use std::str::FromStr;

use protocol_mci::MaskKind;
use serde_json::{Map, Number, Value};

use super::config::FieldType;
use super::error::{KeyGap, ReconcileErrorKind};

/// One validated field of a mapping.
#[derive(Debug, Clone)]
pub struct Field {
    /// Target path, dotted (`offer.rate`).
    pub path: String,
    /// The source column.
    pub column: String,
    /// Its type.
    pub kind: FieldType,
    /// A strptime format of a date.
    pub format: Option<String>,
    /// How examples show it.
    pub mask: Option<MaskKind>,
    /// Part of the key: every row must have a value.
    pub key: bool,
}

/// A source's value of one column before typing.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    /// No such member in a JSON object (or decoded record).
    Absent,
    /// SQL `NULL`.
    Null,
    /// Text (CSV, SQL text format).
    Text(&'a str),
    /// A value of a JSON Lines row: its JSON type must fit the field.
    Json(&'a Value),
    /// A value of a decoded fixed-length record, typed by the layout.
    Decoded(&'a Value),
}

impl Cell<'_> {
    /// Why a key field that types as `null` (or as whitespace) has no value.
    fn gap(self, field: &Field) -> KeyGap {
        let column = field.column.clone();
        match self {
            Cell::Absent => KeyGap::Absent(column),
            Cell::Null | Cell::Json(Value::Null) | Cell::Decoded(Value::Null) => {
                KeyGap::Null(column)
            }
            _ => KeyGap::Empty(column),
        }
    }
}

/// The fields of one side, in file order.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// Every field.
    pub fields: Vec<Field>,
}

impl Mapping {
    /// The row in the shared shape, `cell(i)` giving field `i`'s source value.
    pub fn row<'a>(
        &self,
        mut cell: impl FnMut(usize, &Field) -> Cell<'a>,
    ) -> Result<Value, ReconcileErrorKind> {
        let mut row = Map::new();
        for (i, field) in self.fields.iter().enumerate() {
            let cell = cell(i, field);
            let value = typed(field, cell)?;
            if field.key && is_blank(&value) {
                let path = field.path.clone();
                return Err(ReconcileErrorKind::NoKey(path, cell.gap(field)));
            }
            place(&mut row, &field.path, value);
        }
        Ok(Value::Object(row))
    }

    /// The field at a target path.
    pub fn field(&self, path: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.path == path)
    }

    /// Marks the fields at the key's target paths as key fields.
    pub fn mark_key(&mut self, paths: &[String]) {
        for field in &mut self.fields {
            field.key = paths.contains(&field.path);
        }
    }
}

/// Whether a key field's value is no key: `null`, or text of whitespace only (a CSV cell or a
/// `CHAR(n)` column of spaces), which is not a key a row could be matched by any more than an
/// empty cell is. A fixed-length record's blank text field is already empty (its pad trimmed).
fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.trim().is_empty(),
        _ => false,
    }
}

/// Puts `value` at a dotted path, creating the objects on the way.
fn place(row: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            row.insert(path.to_owned(), value);
        }
        Some((head, rest)) => {
            let child = row
                .entry(head.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(child) = child {
                place(child, rest, value);
            }
        }
    }
}

/// The value at a dotted path of a row (or of a decoded record).
pub fn lookup<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

/// One cell converted to its field's type.
fn typed(field: &Field, cell: Cell<'_>) -> Result<Value, ReconcileErrorKind> {
    let text = match cell {
        Cell::Absent | Cell::Null | Cell::Json(Value::Null) | Cell::Decoded(Value::Null) => {
            return Ok(Value::Null)
        }
        Cell::Text(text) => text,
        Cell::Json(value) => match (value, field.kind) {
            (Value::String(text), _) => text.as_str(),
            (Value::Number(n), FieldType::Decimal | FieldType::Integer) => n.as_str(),
            (other, _) => return Err(wrong_json(field, other)),
        },
        Cell::Decoded(value) => match value {
            Value::String(text) => text.as_str(),
            Value::Number(n) => n.as_str(),
            Value::Bool(true) => "true",
            Value::Bool(false) => "false",
            other => return Err(wrong(field, other.to_string())),
        },
    };
    if text.is_empty() {
        return Ok(Value::Null);
    }
    if field.kind == FieldType::Text {
        return Ok(Value::String(text.to_owned()));
    }
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(Value::Null);
    }
    match field.kind {
        FieldType::Date => date(field, trimmed),
        _ => number(field, trimmed),
    }
}

/// An exact number from its text: a decimal keeps its scale, an integer must be whole.
fn number(field: &Field, text: &str) -> Result<Value, ReconcileErrorKind> {
    let canonical = match field.kind {
        FieldType::Integer => i128::from_str(text.strip_prefix('+').unwrap_or(text))
            .map_err(|_| wrong(field, format!("{text:?}")))?
            .to_string(),
        _ => rust_decimal::Decimal::from_str_exact(text)
            .or_else(|_| rust_decimal::Decimal::from_scientific(text))
            .map_err(|_| wrong(field, format!("{text:?}")))?
            .to_string(),
    };
    // `arbitrary_precision`: the number keeps this exact text.
    Number::from_str(&canonical)
        .map(Value::Number)
        .map_err(|_| wrong(field, format!("{text:?}")))
}

/// A date as `YYYY-MM-DD`, read with the field's format or as `YYYY-MM-DD` / `YYYYMMDD`.
fn date(field: &Field, text: &str) -> Result<Value, ReconcileErrorKind> {
    let parsed = match &field.format {
        Some(format) => jiff::civil::Date::strptime(format, text).ok(),
        None if text.len() == 8 => jiff::civil::Date::strptime("%Y%m%d", text).ok(),
        None => jiff::civil::Date::from_str(text).ok(),
    };
    parsed
        .map(|d| Value::String(d.to_string()))
        .ok_or_else(|| wrong(field, format!("{text:?}")))
}

/// A value that is not of the field's type.
fn wrong(field: &Field, found: String) -> ReconcileErrorKind {
    let expected = match field.kind {
        FieldType::Text => "text",
        FieldType::Decimal => "a decimal number",
        FieldType::Integer => "a whole number",
        FieldType::Date => DATE,
    };
    ReconcileErrorKind::Value {
        column: field.column.clone(),
        expected,
        found,
    }
}

/// A JSON value whose type does not fit the field: a number for a text field, a boolean, an
/// array or an object for any.
fn wrong_json(field: &Field, value: &Value) -> ReconcileErrorKind {
    let expected = match field.kind {
        FieldType::Text => "a string",
        FieldType::Decimal => "a decimal number (a number or a string)",
        FieldType::Integer => "a whole number (a number or a string)",
        FieldType::Date => "a date as a string (YYYY-MM-DD, YYYYMMDD or the field's format)",
    };
    let found = match value {
        Value::Number(n) => format!("the number {n}"),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
        Value::Null | Value::String(_) => value.to_string(),
    };
    ReconcileErrorKind::Value {
        column: field.column.clone(),
        expected,
        found,
    }
}

/// What a date field expects.
const DATE: &str = "a date (YYYY-MM-DD, YYYYMMDD or the field's format)";

#[cfg(test)]
mod tests {
    use super::*;

    fn field(kind: FieldType) -> Field {
        Field {
            path: "a.b".into(),
            column: "c".into(),
            kind,
            format: None,
            mask: None,
            key: false,
        }
    }

    #[test]
    fn decimals_keep_their_exact_text() {
        let value = typed(&field(FieldType::Decimal), Cell::Text(" 5.250 ")).unwrap();
        assert_eq!(value.to_string(), "5.250");
        let big = typed(&field(FieldType::Decimal), Cell::Text("12345678901234.01")).unwrap();
        assert_eq!(big.to_string(), "12345678901234.01");
    }

    #[test]
    fn integers_must_be_whole_and_dates_become_iso() {
        assert!(typed(&field(FieldType::Integer), Cell::Text("1.5")).is_err());
        assert_eq!(
            typed(&field(FieldType::Integer), Cell::Text("007")).unwrap(),
            Value::Number(7.into())
        );
        let date = typed(&field(FieldType::Date), Cell::Text("20261130")).unwrap();
        assert_eq!(date, Value::String("2026-11-30".into()));
        assert!(typed(&field(FieldType::Date), Cell::Text("2026-13-01")).is_err());
    }

    #[test]
    fn a_json_line_keeps_its_types_and_a_decoded_record_its_layouts() {
        let three = serde_json::json!(3);
        let refused = typed(&field(FieldType::Text), Cell::Json(&three)).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "column c: expected a string, found the number 3"
        );
        let date = typed(
            &field(FieldType::Date),
            Cell::Json(&serde_json::json!(20261130)),
        );
        assert!(date.is_err());
        // A layout's number mapped as text is its text.
        let text = typed(&field(FieldType::Text), Cell::Decoded(&three)).unwrap();
        assert_eq!(text, Value::String("3".into()));
        let empty = serde_json::json!("");
        assert_eq!(
            typed(&field(FieldType::Text), Cell::Json(&empty)).unwrap(),
            Value::Null
        );
        assert_eq!(
            typed(&field(FieldType::Text), Cell::Text("")).unwrap(),
            Value::Null
        );
    }

    #[test]
    fn rows_are_nested_by_path_and_empty_is_null() {
        let mapping = Mapping {
            fields: vec![field(FieldType::Text), {
                let mut f = field(FieldType::Decimal);
                f.path = "a.d".into();
                f
            }],
        };
        let row = mapping
            .row(|i, _| {
                if i == 0 {
                    Cell::Text("x")
                } else {
                    Cell::Text("")
                }
            })
            .unwrap();
        assert_eq!(row, serde_json::json!({"a": {"b": "x", "d": null}}));
        assert_eq!(lookup(&row, "a.b"), Some(&Value::String("x".into())));
    }
}
