//! Compact groups (OCCURS DEPENDING ON with only the actual elements) inside fixed-size records
//! padded with spaces at the end (field case codec-06-odo-compact-in-fixed-record).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use protocol_mci::{Direction, Layout, Message};

/// The field case's layout: 19-byte records, `cnt`, up to three 4-byte elements, `tail`.
const CASE_LAYOUT: &str = r#"
charset = "cp949"
[framing]
prefix = "none"
size = {size}
max_frame = {size}
[header]
discriminator = "tx"
fields = [ { name = "tx", type = "text", length = 4 } ]
[messages.T001]
request = [
  { name = "cnt", type = "number", length = 1 },
  { name = "arr", type = "group", count = "cnt", max = 3, mode = "compact", fields = [ { name = "v", type = "text", length = 4 } ] },
  { name = "tail", type = "text", length = 2 },
]
response = [ { name = "ok", type = "text", length = 1 }, { name = "pad", type = "filler", length = {pad} } ]
"#;

fn layout(size: usize) -> Result<Layout, String> {
    let toml = CASE_LAYOUT
        .replace("{size}", &size.to_string())
        .replace("{pad}", &(size - 5).to_string());
    Layout::from_toml(&toml, "case.toml", "case").map_err(|e| e.to_string())
}

fn message(json: &str) -> Message {
    serde_json::from_str(json).unwrap()
}

#[test]
fn short_record_decodes_and_encodes_with_its_padding() {
    let layout = layout(19).unwrap();
    let wire = b"T0011AAAAZZ        ";
    let decoded = layout.decode(Direction::Request, wire).unwrap();
    let expected =
        message(r#"{"header":{"tx":"T001"},"body":{"cnt":1,"arr":[{"v":"AAAA"}],"tail":"ZZ"}}"#);
    assert_eq!(decoded, expected);
    assert_eq!(layout.encode(Direction::Request, &expected).unwrap(), wire);
}

#[test]
fn full_record_round_trips_byte_exact() {
    let layout = layout(19).unwrap();
    let wire = b"T0013AAAABBBBCCCCZZ";
    let decoded = layout.decode(Direction::Request, wire).unwrap();
    let expected = message(
        r#"{"header":{"tx":"T001"},"body":{"cnt":3,"arr":[{"v":"AAAA"},{"v":"BBBB"},{"v":"CCCC"}],"tail":"ZZ"}}"#,
    );
    assert_eq!(decoded, expected);
    assert_eq!(layout.encode(Direction::Request, &decoded).unwrap(), wire);
}

#[test]
fn non_space_padding_is_refused_at_its_offset() {
    let layout = layout(19).unwrap();
    let err = layout
        .decode(Direction::Request, b"T0011AAAAZZ    X   ")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "frame.padding at bytes 15..16: expected record padding (space), found 0x58"
    );
}

#[test]
fn record_larger_than_the_largest_body_is_padded_too() {
    let layout = layout(21).unwrap();
    let empty = message(r#"{"header":{"tx":"T001"},"body":{"tail":"ZZ"}}"#);
    let wire = layout.encode(Direction::Request, &empty).unwrap();
    assert_eq!(wire, b"T0010ZZ              ");
    let decoded = layout.decode(Direction::Request, &wire).unwrap();
    assert_eq!(decoded.body["cnt"], 0);
}

#[test]
fn record_smaller_than_the_largest_body_is_refused_without_contradiction() {
    let err = layout(18).unwrap_err();
    assert!(
        err.contains(
            "messages.T001.request: expected at most the fixed size 18 bytes, the largest frame is 19"
        ),
        "{err}"
    );
}
