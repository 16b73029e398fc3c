//! The files in `dashboards/` and the queries in them: panel and variable queries of the Grafana
//! dashboards, `expr:` lines of the alert rules, and the metric names they use.
//!
//! Shared by the gateway's name check (`gateway/tests/dashboards.rs`, which includes this file by
//! path: the gateway cannot depend on this crate) and the real-Prometheus test
//! (`tests/tests/prometheus.rs`), so both look at the same queries. Only `serde_json` and `std`.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The Grafana dashboards, by file name.
pub const DASHBOARDS: [&str; 2] = ["shadowgate-overview.json", "shadowgate-cutover.json"];

/// The `dashboards/` folder of the workspace.
pub fn dashboards_dir() -> PathBuf {
    // Both crates that use this file are folders next to `dashboards/`.
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../dashboards")
}

/// The text of `dashboards/{name}`; panics saying which file.
pub fn read(name: &str) -> String {
    let path = dashboards_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The dashboard `dashboards/{name}` as JSON; panics saying which file.
pub fn dashboard(name: &str) -> Value {
    serde_json::from_str(&read(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Prefixes of the metric names the gateway exports: its own, and the process collector's.
pub const METRIC_PREFIXES: [&str; 2] = ["shadowgate_", "process_"];

/// Every `shadowgate_*` and `process_*` name in `text`, as whole identifiers: a longer name that
/// merely contains a prefix (`node_process_x`) is not one.
pub fn metric_names(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .filter(|word| {
            METRIC_PREFIXES
                .iter()
                .any(|prefix| word.starts_with(prefix))
        })
        .map(str::to_owned)
        .collect()
}

/// Every query of a dashboard: panel targets, nested rows, and variable queries (`query` and
/// `definition`, so a variable's query comes twice, and the data source variable's `prometheus`
/// once).
pub fn queries(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("expr" | "query" | "definition", Value::String(text)) => {
                        out.push(text.clone())
                    }
                    _ => queries(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| queries(item, out)),
        _ => {}
    }
}

/// Every `expr:` of the alert rules, single-line or a YAML block scalar (`expr: |`).
pub fn alert_exprs(yaml: &str) -> Vec<String> {
    let mut exprs = Vec::new();
    let mut lines = yaml.lines().peekable();
    while let Some(line) = lines.next() {
        let Some((indent, value)) = line.split_once("expr:") else {
            continue;
        };
        if !indent.trim().is_empty() {
            continue;
        }
        let value = value.trim();
        if !(value.starts_with('|') || value.starts_with('>')) {
            exprs.push(value.to_owned());
            continue;
        }
        let mut block = String::new();
        while let Some(next) = lines.peek() {
            let deeper = next.len() - next.trim_start().len() > indent.len();
            if !(deeper || next.trim().is_empty()) {
                break;
            }
            block.push_str(next.trim());
            block.push(' ');
            lines.next();
        }
        exprs.push(block.trim().to_owned());
    }
    exprs
}
