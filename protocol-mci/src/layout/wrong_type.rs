//! A value of the wrong type in a layout file, said in words instead of Rust type names:
//! `length = "eight"` is `expected a whole number (0 or more), found the string "eight"`, where
//! serde says `invalid type: string "eight", expected usize` (as the gateway's config says its
//! own).

/// serde's name of each type a layout key may have, and what a person writes for it. `u64` and
/// `usize` say "0 or more": TOML's integers stop at `i64::MAX` before they do.
const TYPES: [(&str, &str); 16] = [
    ("u8", "a whole number (0 to 255)"),
    ("u16", "a whole number (0 to 65535)"),
    ("u32", "a whole number (0 to 4294967295)"),
    ("u64", "a whole number (0 or more)"),
    ("usize", "a whole number (0 or more)"),
    ("i8", "a whole number (-128 to 127)"),
    ("i16", "a whole number (-32768 to 32767)"),
    ("i32", "a whole number (-2147483648 to 2147483647)"),
    ("i64", "a whole number (positive or negative)"),
    ("isize", "a whole number (positive or negative)"),
    ("f32", "a number (such as 12.5)"),
    ("f64", "a number (such as 12.5)"),
    ("a boolean", "true or false (without quotes)"),
    ("a string", "text in quotes"),
    ("a sequence", "an array ([…])"),
    ("a map", "a table"),
];

/// serde's message of a value of the wrong type or out of its type's range (``invalid type:
/// string "eight", expected usize``) in words: `expected …, found …`; any other message as it is.
pub(super) fn in_words(message: &str) -> String {
    let words = || {
        let rest = message
            .strip_prefix("invalid type: ")
            .or_else(|| message.strip_prefix("invalid value: "))?;
        let (unexpected, expected) = rest.trim_end().rsplit_once(", expected ")?;
        let takes = match TYPES.iter().find(|(name, _)| *name == expected) {
            Some((_, takes)) => *takes,
            None if expected.starts_with("struct ") => "a table",
            None => return None,
        };
        Some(format!(
            "expected {takes}, found {}",
            found_in_words(unexpected)
        ))
    };
    words().unwrap_or_else(|| message.to_owned())
}

/// What was written, from serde's description of it (the part of ``invalid type: string
/// "8", expected u32`` before `, expected`), in words: the gateway's config says its own wrong
/// values the same way. `string "8"` is `the string "8"`,
/// ``integer `-1` `` is `-1`, `map` is `a table`.
pub fn found_in_words(unexpected: &str) -> String {
    if let Some(text) = unexpected.strip_prefix("string ") {
        return format!("the string {text}");
    }
    let quoted = ["integer ", "floating point ", "boolean "]
        .iter()
        .find_map(|prefix| {
            unexpected
                .strip_prefix(prefix)?
                .strip_prefix('`')?
                .strip_suffix('`')
        });
    match (quoted, unexpected) {
        (Some(value), _) => value.to_owned(),
        (None, "sequence") => "an array".to_owned(),
        (None, "map") => "a table".to_owned(),
        (None, other) => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// serde's own message for `v = <value>` read as a `T`, as a layout's reading gets it.
    fn said<T: serde::de::DeserializeOwned>(value: &str) -> String {
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct One<T> {
            v: T,
        }
        match toml::from_str::<One<T>>(&format!("v = {value}")) {
            Ok(_) => panic!("{value} was accepted"),
            Err(e) => in_words(e.message().trim_end()),
        }
    }

    #[test]
    fn rust_type_names_are_said_in_words() {
        assert_eq!(
            said::<usize>("\"eight\""),
            "expected a whole number (0 or more), found the string \"eight\""
        );
        assert_eq!(
            said::<usize>("-1"),
            "expected a whole number (0 or more), found -1"
        );
        assert_eq!(
            said::<u32>("1.5"),
            "expected a whole number (0 to 4294967295), found 1.5"
        );
        assert_eq!(
            said::<u16>("70000"),
            "expected a whole number (0 to 65535), found 70000"
        );
        assert_eq!(
            said::<i64>("\"-3\""),
            "expected a whole number (positive or negative), found the string \"-3\""
        );
        assert_eq!(
            said::<bool>("\"yes\""),
            "expected true or false (without quotes), found the string \"yes\""
        );
        assert_eq!(said::<String>("8"), "expected text in quotes, found 8");
        assert_eq!(
            said::<Vec<String>>("\"a\""),
            "expected an array ([…]), found the string \"a\""
        );
        assert_eq!(
            said::<std::collections::BTreeMap<String, u8>>("[1]"),
            "expected a table, found an array"
        );
    }

    #[test]
    fn other_messages_are_kept() {
        assert_eq!(in_words("missing field `name`"), "missing field `name`");
        assert_eq!(
            in_words("unknown variant `txt`, expected `text` or `number`"),
            "unknown variant `txt`, expected `text` or `number`"
        );
        for (name, _) in TYPES {
            let message = format!("invalid type: map, expected {name}");
            assert!(!in_words(&message).contains(name), "{name}");
        }
    }
}
