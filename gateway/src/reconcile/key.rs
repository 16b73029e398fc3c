//! Row keys and their order, the same on both sides: text by bytes (PostgreSQL's `COLLATE "C"`),
//! numbers by value, dates by calendar.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde_json::Value;

use super::config::FieldType;
use super::error::{KeyGap, ReconcileErrorKind};
use super::mapping::lookup;

/// The key fields of a reconciliation: target paths and their types.
#[derive(Debug, Clone)]
pub struct KeySpec {
    /// `(path, type)` per key field, in the order rows sort by.
    pub fields: Vec<(String, FieldType)>,
}

/// One row's key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key(Vec<Part>);

/// One key field's value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Number(rust_decimal::Decimal),
}

impl Ord for Part {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Part::Text(a), Part::Text(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Part::Number(a), Part::Number(b)) => a.cmp(b),
            // Both sides type a key field alike (checked with the config); a fixed order anyway.
            (Part::Text(_), Part::Number(_)) => Ordering::Greater,
            (Part::Number(_), Part::Text(_)) => Ordering::Less,
        }
    }
}

impl PartialOrd for Part {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl KeySpec {
    /// The key of a mapped row; every key field must have a value.
    pub fn key_of(&self, row: &Value) -> Result<Key, ReconcileErrorKind> {
        let mut parts = Vec::with_capacity(self.fields.len());
        for (path, kind) in &self.fields {
            let none = |gap| ReconcileErrorKind::NoKey(path.clone(), gap);
            let empty = || none(KeyGap::Empty(path.clone()));
            let part = match (lookup(row, path), kind) {
                // Refused while mapping (`Mapping::row`); kept for rows from elsewhere.
                (None, _) => return Err(none(KeyGap::Absent(path.clone()))),
                (Some(Value::Null), _) => return Err(none(KeyGap::Null(path.clone()))),
                (Some(Value::String(s)), _) if s.trim().is_empty() => return Err(empty()),
                (Some(Value::Number(n)), FieldType::Decimal | FieldType::Integer) => {
                    let number = rust_decimal::Decimal::from_str(n.as_str())
                        .or_else(|_| rust_decimal::Decimal::from_scientific(n.as_str()))
                        .map_err(|_| empty())?;
                    // 5.0 and 5.00 are the same key.
                    Part::Number(number.normalize())
                }
                (Some(Value::String(s)), _) => Part::Text(s.clone()),
                (Some(other), _) => Part::Text(other.to_string()),
            };
            parts.push(part);
        }
        Ok(Key(parts))
    }
}

impl fmt::Display for Key {
    /// Key values joined by `/`: `000123/2026-11-30`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, part) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            match part {
                Part::Text(t) => f.write_str(t)?,
                Part::Number(n) => write!(f, "{n}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    fn spec(kind: FieldType) -> KeySpec {
        KeySpec {
            fields: vec![("id".into(), kind)],
        }
    }

    fn number(text: &str) -> Value {
        json!({ "id": serde_json::from_str::<Value>(text).unwrap() })
    }

    #[test]
    fn numbers_order_by_value_and_text_by_bytes() {
        let ints = spec(FieldType::Integer);
        assert!(ints.key_of(&number("9")).unwrap() < ints.key_of(&number("10")).unwrap());
        let decimals = spec(FieldType::Decimal);
        assert_eq!(
            decimals.key_of(&number("5.0")).unwrap(),
            decimals.key_of(&number("5.00")).unwrap()
        );
        let text = spec(FieldType::Text);
        let key = |s: &str| text.key_of(&json!({ "id": s })).unwrap();
        assert!(key("10") < key("9"));
        assert!(key("Z") < key("a"), "bytes, like COLLATE \"C\"");
        assert!(matches!(
            text.key_of(&json!({ "id": null })),
            Err(ReconcileErrorKind::NoKey(_, KeyGap::Null(_)))
        ));
    }
}
