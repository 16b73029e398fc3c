//! Both decisions of a record field by field, for side-by-side views (the page and the CLI).

use serde_json::Value;

use crate::store::MismatchRecord;

/// One field of the two decisions.
#[derive(Debug, Clone, PartialEq)]
pub struct SideRow {
    /// Leaf path, written like the comparator's (`body.offers[0].rate`).
    pub path: String,
    /// The live (masked) value; `None` when absent.
    pub live: Option<Value>,
    /// The shadow (masked) value; `None` when absent.
    pub shadow: Option<Value>,
    /// The field is, or lies under, a reported difference, or its values differ.
    pub differs: bool,
}

/// The leaves of both decisions, live order first, then fields only the shadow has.
pub fn side_by_side(record: &MismatchRecord) -> Vec<SideRow> {
    let m = &record.mismatch;
    let (mut live, mut shadow) = (Vec::new(), Vec::new());
    if let Some(value) = &m.live_decision {
        flatten(value, String::new(), &mut live);
    }
    if let Some(value) = &m.shadow_decision {
        flatten(value, String::new(), &mut shadow);
    }
    let mut paths: Vec<&str> = live.iter().map(|(p, _)| p.as_str()).collect();
    for (path, _) in &shadow {
        if !paths.contains(&path.as_str()) {
            paths.push(path);
        }
    }
    let lookup = |side: &[(String, Value)], path: &str| {
        side.iter().find(|(p, _)| p == path).map(|(_, v)| v.clone())
    };
    paths
        .into_iter()
        .map(|path| {
            let (l, s) = (lookup(&live, path), lookup(&shadow, path));
            let reported = m.differences.iter().any(|d| under(path, &d.path));
            SideRow {
                path: path.to_owned(),
                differs: reported || l != s,
                live: l,
                shadow: s,
            }
        })
        .collect()
}

/// A value as compact text for a cell: strings without quotes, `(missing)` when absent.
pub fn value_text(value: Option<&Value>) -> String {
    match value {
        None => "(missing)".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// Leaves of `value` with their paths.
fn flatten(value: &Value, path: String, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, child) in map {
                let child_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                flatten(child, child_path, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, child) in items.iter().enumerate() {
                flatten(child, format!("{path}[{i}]"), out);
            }
        }
        leaf => out.push((path, leaf.clone())),
    }
}

/// Whether `path` is `difference` or lies under it.
fn under(path: &str, difference: &str) -> bool {
    path.strip_prefix(difference)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_are_flattened_with_comparator_paths() {
        let value: Value =
            serde_json::from_str(r#"{"body": {"offers": [{"rate": 5.250}], "ok": true}}"#).unwrap();
        let mut leaves = Vec::new();
        flatten(&value, String::new(), &mut leaves);
        let paths: Vec<&str> = leaves.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["body.offers[0].rate", "body.ok"]);
        assert_eq!(leaves[0].1.to_string(), "5.250");
        assert!(under("body.offers[0].rate", "body.offers"));
        assert!(!under("body.offersx", "body.offers"));
    }
}
