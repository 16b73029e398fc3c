//! Column → target field: each side's values typed and placed in the shared JSON shape, so the
//! comparator sees two decisions of the same form whatever the sources.
//!
//! Decimals keep their exact text (`serde_json` numbers with `arbitrary_precision`), never `f64`;
//! dates become `YYYY-MM-DD`; an empty value is `null`.

use std::str::FromStr;

use protocol_mci::MaskKind;
use serde_json::{Map, Number, Value};

use super::config::FieldType;
use super::error::ReconcileErrorKind;

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
}

/// A source's value of one column before typing.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    /// SQL `NULL`, a JSON `null` or a missing JSON key.
    Null,
    /// Text (CSV, SQL text format).
    Text(&'a str),
    /// A JSON value (JSON Lines, a decoded fixed-length record).
    Json(&'a Value),
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
            let value = typed(field, cell(i, field))?;
            place(&mut row, &field.path, value);
        }
        Ok(Value::Object(row))
    }

    /// The field at a target path.
    pub fn field(&self, path: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.path == path)
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
        Cell::Null | Cell::Json(Value::Null) => return Ok(Value::Null),
        Cell::Text(text) => text,
        Cell::Json(Value::String(text)) => text.as_str(),
        Cell::Json(Value::Number(n)) if field.kind != FieldType::Text => {
            return number(field, n.as_str());
        }
        Cell::Json(Value::Number(n)) => return Ok(Value::String(n.as_str().to_owned())),
        Cell::Json(Value::Bool(b)) if field.kind == FieldType::Text => {
            return Ok(Value::String(b.to_string()));
        }
        Cell::Json(other) => return Err(wrong(field, other.to_string())),
    };
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

fn wrong(field: &Field, found: String) -> ReconcileErrorKind {
    let expected = match field.kind {
        FieldType::Text => "text",
        FieldType::Decimal => "a decimal number",
        FieldType::Integer => "a whole number",
        FieldType::Date => "a date (YYYY-MM-DD, YYYYMMDD or the field's format)",
    };
    ReconcileErrorKind::Value {
        column: field.column.clone(),
        expected,
        found,
    }
}

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
