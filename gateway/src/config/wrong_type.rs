//! A value of the wrong type, said in the words of the configuration table instead of serde's:
//! `store.retention_days = "90"` is `expected a whole number of days (at least 1), found the
//! string "90"`, where serde says `invalid type: string "90", expected u32`.
//!
//! serde names what it expected by the Rust type of the field (`u32`, `usize`, `f64`,
//! `struct StoreConfig`) and what it found by its data model (`string "90"`, ``integer `-1` ``,
//! `map`); [`TYPES`] and [`found`] turn both into what a bank engineer wrote or should write. The
//! unit comes from the key's suffix (`_ms`, `_days`), the way the file names it. A key with a
//! range of its own ([`super::ranges`]) states that range, the one its range check states
//! (`shadow.workers`: `0 to 64`, not its type's `0 or more`).

use super::ranges::Range;

/// What a Rust type's values are, for a person writing TOML.
#[derive(Debug, Clone, Copy)]
enum Takes {
    /// A whole number in this range (as written: `0 to 255`).
    Whole(&'static str),
    /// Any number, a fraction allowed.
    Number,
    /// `true` or `false`.
    Truth,
}

/// serde's name of every number and truth type a config field may have, and what it takes.
/// `u64` and `usize` say "0 or more": TOML's integers stop at `i64::MAX` before they do.
const TYPES: [(&str, Takes); 13] = [
    ("u8", Takes::Whole("0 to 255")),
    ("u16", Takes::Whole("0 to 65535")),
    ("u32", Takes::Whole("0 to 4294967295")),
    ("u64", Takes::Whole("0 or more")),
    ("usize", Takes::Whole("0 or more")),
    ("i8", Takes::Whole("-128 to 127")),
    ("i16", Takes::Whole("-32768 to 32767")),
    ("i32", Takes::Whole("-2147483648 to 2147483647")),
    ("i64", Takes::Whole("positive or negative")),
    ("isize", Takes::Whole("positive or negative")),
    ("f32", Takes::Number),
    ("f64", Takes::Number),
    ("a boolean", Takes::Truth),
];

/// Units by the suffix of a key's last part, as the file spells them.
const UNITS: [(&str, &str); 5] = [
    ("_ms", "milliseconds"),
    ("_days", "days"),
    ("_mib", "MiB"),
    ("_bytes", "bytes"),
    ("_percent", "percent"),
];

/// `(expected, found)` for serde's message of a value of the wrong type or out of its type's
/// range at `key` (``invalid type: string "90", expected u32``, ``invalid value: integer `-1`,
/// expected u32``), the key's range looked up in `ranges` (a table of [`super::ranges`]); `None`
/// for any other message (an unknown variant, a missing field), which is shown as it is.
pub(super) fn wrong_type(
    key: &str,
    message: &str,
    ranges: &[(&str, Range)],
) -> Option<(String, String)> {
    let rest = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))?;
    let (unexpected, expected) = rest.trim_end().rsplit_once(", expected ")?;
    let range = super::ranges::of(ranges, key);
    Some((takes(key, expected, range), found(unexpected)))
}

/// `(expected, found)` for serde's message of an unknown variant (``unknown variant `htp`,
/// expected one of `http`, `https`, `mci` ``: ``one of `http`, `https`, `mci` `` and
/// `` `htp` ``); `None` for any other message.
pub(super) fn variant(message: &str) -> Option<(String, String)> {
    let rest = message.trim_end().strip_prefix("unknown variant `")?;
    let (name, expected) = rest.split_once("`, expected ")?;
    Some((expected.to_owned(), format!("`{name}`")))
}

/// What the key takes, from serde's `expected` text and the key's own range, if it has one.
fn takes(key: &str, expected: &str, range: Option<Range>) -> String {
    let unit = unit(key);
    let own = range.map(Range::says);
    match TYPES
        .iter()
        .find(|(name, _)| *name == expected)
        .map(|t| t.1)
    {
        Some(Takes::Whole(type_range)) => {
            let range = own.as_deref().unwrap_or(type_range);
            match unit {
                Some(unit) => format!("a whole number of {unit} ({range})"),
                None => format!("a whole number ({range})"),
            }
        }
        Some(Takes::Number) => {
            let such_as = match own {
                Some(range) => format!("{range}, such as 12.5"),
                None => "such as 12.5".to_owned(),
            };
            match unit {
                Some(unit) => format!("a number of {unit} ({such_as})"),
                None => format!("a number ({such_as})"),
            }
        }
        Some(Takes::Truth) => "true or false (without quotes)".to_owned(),
        None => match expected {
            "a string" | "path string" => "text in quotes".to_owned(),
            "a sequence" => "an array ([…])".to_owned(),
            "a map" => "a table".to_owned(),
            e if e.starts_with("struct ") => "a table".to_owned(),
            e if e.starts_with("enum ") => {
                "one of the values this key takes, in quotes (see the configuration table in \
                 the README)"
                    .to_owned()
            }
            other => other.to_owned(),
        },
    }
}

/// The unit of `key` (`store.retention_days`: days), by the suffix of its last part.
fn unit(key: &str) -> Option<&'static str> {
    let last = key.rsplit('.').next().unwrap_or(key);
    UNITS
        .iter()
        .find(|(suffix, _)| last.ends_with(suffix))
        .map(|(_, unit)| *unit)
}

/// What was written, from serde's description of it: `string "90"` is `the string "90"`,
/// ``integer `-1` `` is `-1`, `map` is `a table` (as a layout file's wrong values are said).
fn found(unexpected: &str) -> String {
    protocol_mci::layout::found_in_words(unexpected)
}

#[cfg(test)]
mod tests {
    use serde::de::DeserializeOwned;

    use super::*;
    use crate::config::ranges::{self, GATEWAY};

    /// serde's own message for `v = <value>` read as a `T`, as the config loader gets it.
    fn refusal<T: DeserializeOwned>(value: &str) -> String {
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct One<T> {
            v: T,
        }
        match toml::from_str::<One<T>>(&format!("v = {value}")) {
            Ok(_) => panic!("{value} was accepted"),
            Err(e) => e.message().to_owned(),
        }
    }

    fn said<T: DeserializeOwned>(key: &str, value: &str) -> String {
        let message = refusal::<T>(value);
        match wrong_type(key, &message, GATEWAY) {
            Some((expected, found)) => format!("expected {expected}, found {found}"),
            None => panic!("not rewritten: {message}"),
        }
    }

    #[test]
    fn unsigned_integers_say_their_range_and_the_keys_unit() {
        assert_eq!(
            said::<u32>("a.window_days", "\"90\""),
            "expected a whole number of days (0 to 4294967295), found the string \"90\""
        );
        assert_eq!(
            said::<u32>("a.window_days", "-1"),
            "expected a whole number of days (0 to 4294967295), found -1"
        );
        assert_eq!(
            said::<u8>("a.small", "256"),
            "expected a whole number (0 to 255), found 256"
        );
        assert_eq!(
            said::<u16>("a.port", "1.5"),
            "expected a whole number (0 to 65535), found 1.5"
        );
        assert_eq!(
            said::<u64>("engines.legacy.max_connection_age_ms", "\"3s\""),
            "expected a whole number of milliseconds (0 or more), found the string \"3s\""
        );
        assert_eq!(
            said::<usize>("a.buffer_mib", "-4"),
            "expected a whole number of MiB (0 or more), found -4"
        );
        assert_eq!(
            said::<usize>("a.max_bytes", "true"),
            "expected a whole number of bytes (0 or more), found true"
        );
    }

    #[test]
    fn a_key_with_a_range_of_its_own_says_it_as_its_range_check_does() {
        assert_eq!(
            said::<usize>("shadow.workers", "\"four\""),
            "expected a whole number (0 to 64), found the string \"four\""
        );
        assert_eq!(
            said::<i32>("shadow.nice", "\"5\""),
            "expected a whole number (0 to 19), found the string \"5\""
        );
        assert_eq!(
            said::<u32>("store.retention_days", "\"90\""),
            "expected a whole number of days (at least 1), found the string \"90\""
        );
        assert_eq!(
            said::<u64>("engines.legacy.request_timeout_ms", "\"3s\""),
            "expected a whole number of milliseconds (at least 1), found the string \"3s\""
        );
        assert_eq!(
            said::<usize>("listeners.mci[1].max_connections", "-4"),
            "expected a whole number (at least 1), found -4"
        );
        assert_eq!(
            said::<u64>("store.cache_mib", "true"),
            "expected a whole number of MiB (1 to 4096), found true"
        );
        assert_eq!(
            said::<f64>("strategies.loan.shadow_sample_percent", "\"100\""),
            "expected a number of percent (0 to 100, such as 12.5), found the string \"100\""
        );
        // Every key of the table, whatever its type, states its own range.
        for (pattern, range) in GATEWAY {
            let key = pattern.replace('*', "x").replace("[]", "[0]");
            for type_name in ["u16", "u32", "u64", "usize", "i32", "f64"] {
                let message = format!("invalid type: string \"x\", expected {type_name}");
                let (expected, _) = wrong_type(&key, &message, GATEWAY).unwrap();
                assert!(expected.contains(&range.says()), "{key}: {expected}");
            }
        }
        assert_eq!(
            wrong_type(
                "examples_per_group",
                "invalid value: integer `-1`, expected usize",
                ranges::RECONCILE
            ),
            Some(("a whole number (0 to 100)".to_owned(), "-1".to_owned()))
        );
    }

    #[test]
    fn signed_integers_say_their_range() {
        assert_eq!(
            said::<i8>("a.b", "200"),
            "expected a whole number (-128 to 127), found 200"
        );
        assert_eq!(
            said::<i16>("a.b", "\"x\""),
            "expected a whole number (-32768 to 32767), found the string \"x\""
        );
        assert_eq!(
            said::<i32>("a.offset", "\"5\""),
            "expected a whole number (-2147483648 to 2147483647), found the string \"5\""
        );
        assert_eq!(
            said::<i64>("a.b", "[1]"),
            "expected a whole number (positive or negative), found an array"
        );
    }

    #[test]
    fn floats_say_a_number_with_the_keys_unit() {
        assert_eq!(
            said::<f64>("a.share_percent", "\"100\""),
            "expected a number of percent (such as 12.5), found the string \"100\""
        );
        assert_eq!(
            said::<f32>("a.ratio", "{ x = 1 }"),
            "expected a number (such as 12.5), found a table"
        );
    }

    #[test]
    fn booleans_say_true_or_false() {
        assert_eq!(
            said::<bool>("strategies.loan.confirm_mismatches", "\"yes\""),
            "expected true or false (without quotes), found the string \"yes\""
        );
        assert_eq!(
            said::<bool>("store.compress_records", "1"),
            "expected true or false (without quotes), found 1"
        );
    }

    #[test]
    fn texts_arrays_and_tables_say_what_toml_writes() {
        assert_eq!(
            said::<String>("logging.level", "3"),
            "expected text in quotes, found 3"
        );
        assert_eq!(
            said::<Vec<String>>("strategies.loan.tx_codes", "\"LNS0001\""),
            "expected an array ([…]), found the string \"LNS0001\""
        );
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct StoreConfig {
            path: String,
        }
        assert_eq!(
            said::<StoreConfig>("store", "5"),
            "expected a table, found 5"
        );
    }

    #[test]
    fn every_rust_type_name_of_the_table_is_replaced() {
        for (name, _) in TYPES {
            let expected = takes("k", name, None);
            assert!(!expected.contains(name), "{name}: {expected}");
        }
        assert_eq!(wrong_type("k", "missing field `path`", GATEWAY), None);
        assert_eq!(
            wrong_type("k", "unknown variant `x`, expected `a` or `b`", GATEWAY),
            None
        );
    }

    #[test]
    fn an_unknown_variant_says_expected_once() {
        let said = |m: &str| variant(m).map(|(expected, found)| format!("{expected} | {found}"));
        assert_eq!(
            said("unknown variant `htp`, expected one of `http`, `https`, `mci`").as_deref(),
            Some("one of `http`, `https`, `mci` | `htp`")
        );
        assert_eq!(
            said("unknown variant `x`, expected `a` or `b`").as_deref(),
            Some("`a` or `b` | `x`")
        );
        assert_eq!(said("missing field `path`"), None);
    }
}
