//! Builders shared by the crate's unit tests: rules from their JSON config and decisions from
//! their text.

use serde_json::Value;

use crate::{Rules, RulesConfig};

/// The validated rules of a strategy's `rules` section written as JSON.
pub(crate) fn rules(config: Value) -> Rules {
    serde_json::from_value::<RulesConfig>(config)
        .unwrap()
        .validate()
        .unwrap()
}

/// A decision parsed from its text, so numbers keep their exact decimal text (`json!` would
/// pass `5.250` through f64).
pub(crate) fn value(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}
