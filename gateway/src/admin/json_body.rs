//! A JSON request body of the admin API read into its request type, or the 400 text saying what
//! is wrong with it in the words the rest of the API uses: `body: expected …, found …`, where the
//! parser stopped (line, column, byte), and no Rust type names (`usize`, `u32`).

use serde::de::DeserializeOwned;
use serde_json::error::Category;

/// Reads `body` as `T`, or the 400 text: `expected` names what the route takes ("a replay
/// selection").
pub(super) fn read<T: DeserializeOwned>(body: &[u8], expected: &str) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|error| refusal(body, expected, &error))
}

/// The text of a body `serde_json` refused.
fn refusal(body: &[u8], expected: &str, error: &serde_json::Error) -> String {
    let reason = reason(error);
    let found = match error.classify() {
        Category::Syntax => format!("text that is not JSON ({reason})"),
        Category::Eof => "JSON that ends early".to_owned(),
        // A value of the wrong type, a missing field, a key the route does not take.
        Category::Data | Category::Io => reason,
    };
    let (line, column) = (error.line(), error.column());
    format!(
        "body: expected {expected} as JSON, found {found} at line {line} column {column} (byte \
         {})",
        byte_offset(body, line, column)
    )
}

/// The parser's reason without its position (serde_json appends ` at line L column C`), and with
/// Rust's integer type names said in words.
fn reason(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    let reason = text.strip_suffix(&position).unwrap_or(&text);
    let mut reason = reason.to_owned();
    for (rust, words) in [
        ("usize", "a whole number of 0 or more"),
        ("u64", "a whole number of 0 or more"),
        ("u32", "a whole number of 0 or more"),
        ("u16", "a whole number of 0 or more"),
        ("u8", "a whole number of 0 or more"),
        ("i64", "a whole number"),
        ("i32", "a whole number"),
    ] {
        reason = reason.replace(&format!("expected {rust}"), &format!("expected {words}"));
    }
    reason
}

/// The byte offset (from 0) of serde_json's line and column (both from 1; the column counts
/// bytes, and 0 means the position is at the line's start or unknown).
fn byte_offset(body: &[u8], line: usize, column: usize) -> usize {
    let line_start: usize = body
        .split(|b| *b == b'\n')
        .take(line.saturating_sub(1))
        .map(|l| l.len() + 1)
        .sum();
    (line_start + column.saturating_sub(1)).min(body.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Request {
        strategy: String,
        limit: Option<usize>,
    }

    fn refused(body: &str) -> String {
        read::<Request>(body.as_bytes(), "a request").unwrap_err()
    }

    #[test]
    fn each_kind_of_bad_body_is_said_in_the_apis_words_with_its_position() {
        assert_eq!(
            refused("{oops"),
            "body: expected a request as JSON, found text that is not JSON (key must be a \
             string) at line 1 column 2 (byte 1)"
        );
        assert_eq!(
            refused("not json"),
            "body: expected a request as JSON, found text that is not JSON (expected ident) at \
             line 1 column 2 (byte 1)"
        );
        assert_eq!(
            refused("{\"strategy\": \"loan\""),
            "body: expected a request as JSON, found JSON that ends early at line 1 column 19 \
             (byte 18)"
        );
        assert_eq!(
            refused("{\"strategy\": \"loan\",\n \"limit\": \"5\"}"),
            "body: expected a request as JSON, found invalid type: string \"5\", expected a \
             whole number of 0 or more at line 2 column 13 (byte 33)"
        );
        assert_eq!(
            refused("{\"limit\": 5}"),
            "body: expected a request as JSON, found missing field `strategy` at line 1 column \
             12 (byte 11)"
        );
        assert!(read::<Request>(b"{\"strategy\": \"loan\"}", "a request").is_ok());
    }
}
