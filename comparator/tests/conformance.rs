#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Conformance: every `tests/cases/*.json` file is one case, run by the single test below.
//!
//! A case holds `live`, `shadow`, `rules` (the `RulesConfig`, as in a strategy's config) and
//! either the `expected` differences (plus optionally `suppressed` counts per rule and the
//! `signature` fields) or, for an invalid rules config, `error`: text the error must contain.
//! Numbers in the files keep their exact text, so `5.250` in a case is `5.250`.

use std::collections::BTreeMap;
use std::fs;

use comparator::{compare, DiffKind, Difference, RulesConfig, Severity};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    description: String,
    #[serde(default)]
    live: Value,
    #[serde(default)]
    shadow: Value,
    #[serde(default)]
    rules: RulesConfig,
    #[serde(default)]
    expected: Vec<Expected>,
    /// `"ignore header.*_at": 2`; rules not listed must have hidden nothing.
    #[serde(default)]
    suppressed: BTreeMap<String, u32>,
    #[serde(default)]
    signature: Option<Vec<String>>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    path: String,
    kind: DiffKind,
    /// Absent: the value is missing on that side; `null`: it is JSON null.
    #[serde(default, deserialize_with = "present")]
    live: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    shadow: Option<Value>,
    #[serde(default)]
    severity: Severity,
}

/// Keeps a `null` as `Some(Null)`, so that a missing key and a null differ.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

impl From<&Difference> for Expected {
    fn from(difference: &Difference) -> Self {
        Self {
            path: difference.path.to_string(),
            kind: difference.kind,
            live: difference.live.clone(),
            shadow: difference.shadow.clone(),
            severity: difference.severity,
        }
    }
}

/// Runs one case; `Err` says what differs from the expectation.
fn run(case: &Case) -> Result<(), String> {
    let rules = match (case.rules.validate(), &case.error) {
        (Ok(rules), None) => rules,
        (Err(error), Some(expected)) if error.to_string().contains(expected.as_str()) => {
            return Ok(())
        }
        (Err(error), _) => return Err(format!("rules error: {error}")),
        (Ok(_), Some(expected)) => {
            return Err(format!("rules accepted, expected error {expected:?}"))
        }
    };
    let comparison = compare(&case.live, &case.shadow, &rules);
    let found: Vec<Expected> = comparison.differences.iter().map(Expected::from).collect();
    if found != case.expected {
        let found = serde_json::to_string_pretty(&comparison.differences).unwrap();
        return Err(format!("differences:\n{found}"));
    }
    let suppressed: BTreeMap<String, u32> = comparison
        .suppressed
        .iter()
        .map(|s| (s.rule.to_string(), s.count))
        .collect();
    if suppressed != case.suppressed {
        return Err(format!("suppressed: {suppressed:?}"));
    }
    if let Some(fields) = &case.signature {
        let signature = comparison.signature();
        if &signature.fields != fields {
            return Err(format!("signature fields: {:?}", signature.fields));
        }
    }
    Ok(())
}

#[test]
fn conformance_cases() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases");
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    let mut failures = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        match serde_json::from_str::<Case>(&text) {
            Ok(case) => {
                if let Err(why) = run(&case) {
                    failures.push(format!("{name} ({}): {why}", case.description));
                }
            }
            Err(error) => failures.push(format!("{name}: unreadable case: {error}")),
        }
    }
    assert!(
        files.len() >= 30,
        "expected at least 30 cases, found {}",
        files.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}
