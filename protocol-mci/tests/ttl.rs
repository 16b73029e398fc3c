//! `[header.ttl]`: the request's time to live, its flag, and their validation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use protocol_mci::json::JsonTree;
use protocol_mci::{Direction, Layout, TtlValue};

/// A 20-byte header: prefix, tx code, 3-digit keep time, keep flag, 4-byte binary; `ttl` is the
/// `[header.ttl]` table's body.
fn layout(ttl: &str) -> Result<Layout, protocol_mci::error::LayoutError> {
    let text = format!(
        r#"
[framing]
prefix = "ascii"
prefix_length = 4
counts = "frame"
max_frame = 256

[header]
discriminator = "tx_code"
fields = [
  {{ name = "tx_code", type = "text", length = 4, offset = 4 }},
  {{ name = "keep_time", type = "number", length = 3 }},
  {{ name = "keep_flag", type = "text", length = 1 }},
  {{ name = "signed_time", type = "number", length = 4, sign = "leading" }},
  {{ name = "raw", type = "binary", length = 4 }},
]

[header.ttl]
{ttl}

[messages.PING]
request = [{{ name = "x", type = "text", length = 2 }}]
response = [{{ name = "x", type = "text", length = 2 }}]
"#
    );
    Layout::from_toml(&text, "ttl.toml", "ttl")
}

fn ttl_of(layout: &Layout, keep_time: &str, keep_flag: &str) -> TtlValue {
    let mut frame = format!("0022PING{keep_time}{keep_flag}+000").into_bytes();
    frame.extend_from_slice(&[0, 0, 0, 7]);
    frame.extend_from_slice(b"ab");
    let message = layout.decode(Direction::Request, &frame).unwrap();
    let ttl = layout.ttl(&message.header);
    // The typed view (the gateway's live path) reads the same TTL.
    let view = layout.decode_view(Direction::Request, &frame).unwrap();
    assert_eq!(layout.ttl_view(&view.header), ttl);
    // So do members borrowed from a JSON request (the HTTP ingress).
    let header = serde_json::Value::Object(message.header.clone());
    if let JsonTree::Object(members) = JsonTree::from_value(&header) {
        assert_eq!(layout.ttl(members.as_slice()), ttl);
    }
    ttl
}

#[test]
fn a_json_header_holds_the_ttl_only_as_an_unsigned_integer() {
    let layout = layout(r#"field = "keep_time""#).unwrap();
    for (text, seconds) in [
        ("30", Some(30)),
        ("0", None),
        ("30.0", None),
        ("1e2", None),
        ("-1", None),
        ("18446744073709551616", None),
        ("\"30\"", None),
    ] {
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&format!(r#"{{"keep_time": {text}}}"#)).unwrap();
        let expected = seconds.map_or(TtlValue::None, |s| TtlValue::Within(Duration::from_secs(s)));
        assert_eq!(layout.ttl(&map), expected, "{text}");
        let header = serde_json::Value::Object(map);
        let JsonTree::Object(members) = JsonTree::from_value(&header) else {
            panic!("an object's tree is an object");
        };
        assert_eq!(layout.ttl(members.as_slice()), expected, "{text}");
    }
}

#[test]
fn a_flagged_ttl_applies_only_when_the_flag_says_so() {
    let layout = layout(
        r#"field = "keep_time"
flag_field = "keep_flag"
applies = ["Y", "1"]"#,
    )
    .unwrap();
    assert_eq!(layout.ttl_fields(), Some(("keep_time", Some("keep_flag"))));
    let secs = |s| TtlValue::Within(Duration::from_secs(s));
    assert_eq!(ttl_of(&layout, "030", "Y"), secs(30));
    assert_eq!(ttl_of(&layout, "005", "1"), secs(5));
    // With the flag set, 0 is a caller that has already given up.
    assert_eq!(ttl_of(&layout, "000", "Y"), secs(0));
    assert_eq!(ttl_of(&layout, "030", "N"), TtlValue::None);
    assert_eq!(ttl_of(&layout, "030", " "), TtlValue::None);
}

#[test]
fn without_a_flag_zero_means_no_ttl() {
    let layout = layout(r#"field = "keep_time""#).unwrap();
    assert_eq!(layout.ttl_fields(), Some(("keep_time", None)));
    assert_eq!(
        ttl_of(&layout, "010", "N"),
        TtlValue::Within(Duration::from_secs(10))
    );
    assert_eq!(ttl_of(&layout, "000", "Y"), TtlValue::None);
}

#[test]
fn a_binary_field_may_hold_the_ttl() {
    let layout = layout(r#"field = "raw""#).unwrap();
    assert_eq!(
        ttl_of(&layout, "000", " "),
        TtlValue::Within(Duration::from_secs(7))
    );
}

#[test]
fn a_layout_without_ttl_has_none() {
    let layout = Layout::from_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../config/layouts/loan-screening.toml"
    ))
    .unwrap();
    assert_eq!(layout.ttl_fields(), None);
    assert_eq!(layout.ttl(&serde_json::Map::new()), TtlValue::None);
}

#[test]
fn the_ttl_field_must_be_an_unsigned_integer_of_the_header() {
    for (field, found) in [
        ("keep_flag", "\"keep_flag\""),
        ("signed_time", "\"signed_time\""),
        ("nowhere", "\"nowhere\""),
    ] {
        let text = layout(&format!("field = {field:?}"))
            .unwrap_err()
            .to_string();
        assert!(
            text.contains(&format!(
                "header.ttl.field: expected an unsigned integer header field \
                 (number, packed or binary, scale 0), found {found}"
            )),
            "{text}"
        );
    }
}

#[test]
fn the_flag_field_and_its_values_are_checked() {
    let cases = [
        (
            "flag_field = \"keep_time\"\napplies = [\"Y\"]",
            "header.ttl.flag_field: expected a text field of the header, found \"keep_time\"",
        ),
        (
            "flag_field = \"keep_flag\"",
            "header.ttl.applies: expected the flag values meaning \"applies\", found none",
        ),
        (
            "applies = [\"Y\"]",
            "header.ttl.applies: expected a flag_field for these values, found none",
        ),
        ("unknown = 1", "unknown field `unknown`"),
    ];
    for (keys, expected) in cases {
        let text = layout(&format!("field = \"keep_time\"\n{keys}"))
            .unwrap_err()
            .to_string();
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}
