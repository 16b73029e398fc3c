//! JSON output of the review commands: one time format. The admin API's models carry times as
//! microseconds since the epoch (`time_micros`, `first_seen_micros`, …) beside RFC 3339 strings
//! (`generated_at`); the CLI prints every time as RFC 3339, under the name without `_micros`.

use serde_json::{Map, Value};

use crate::store::format_micros;

/// Rewrites, at any depth, every `<name>_micros` key holding a number into `<name>` holding the
/// RFC 3339 time (`null` stays `null`).
pub(super) fn rfc3339_times(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let old = std::mem::take(map);
            let mut new = Map::with_capacity(old.len());
            for (key, mut item) in old {
                match key.strip_suffix("_micros") {
                    Some(name) if item.is_u64() || item.is_null() => {
                        let time = item.as_u64().map(format_micros);
                        new.insert(name.to_owned(), time.map_or(Value::Null, Value::String));
                    }
                    _ => {
                        rfc3339_times(&mut item);
                        new.insert(key, item);
                    }
                }
            }
            *map = new;
        }
        Value::Array(items) => items.iter_mut().for_each(rfc3339_times),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn micros_become_rfc3339_at_any_depth() {
        let mut value = json!({
            "generated_at": "2026-11-19T00:00:00Z",
            "records": [{"time_micros": 1_763_510_400_000_000_u64, "id": "a"}],
            "counters": {"last_mismatch_micros": null, "comparisons": 3},
        });
        rfc3339_times(&mut value);
        assert_eq!(
            value,
            json!({
                "generated_at": "2026-11-19T00:00:00Z",
                "records": [{"time": "2025-11-19T00:00:00.000000Z", "id": "a"}],
                "counters": {"last_mismatch": null, "comparisons": 3},
            })
        );
        assert!(!value.to_string().contains("_micros"));
    }
}
