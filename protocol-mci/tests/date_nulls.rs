//! Which date/time wire values are null: only what the field's `null` rule says. `000000` in an
//! `HHmmss` field is midnight (field case codec-02-time-midnight-not-null).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{decode_value, encode_value, one_field};
use protocol_mci::{Direction, Layout, Message};

/// The field case's layout: a bank header's date and time as separate fields.
const CASE_LAYOUT: &str = r#"
charset = "cp949"
[framing]
prefix = "ascii"
prefix_length = 4
counts = "after_prefix"
max_frame = 64
[header]
discriminator = "tx"
fields = [ { name = "tx", type = "text", length = 4 } ]
[messages.T001]
request = [ { name = "tx_date", type = "date", pattern = "yyyyMMdd" }, { name = "tx_time", type = "date", pattern = "HHmmss" } ]
response = [ { name = "ok", type = "text", length = 1 } ]
"#;

#[test]
fn midnight_frame_decodes_to_midnight_and_encodes_byte_exact() {
    let layout = Layout::from_toml(CASE_LAYOUT, "case", "case").unwrap();
    let wire = b"0018T00120261130000000";
    let message = layout.decode(Direction::Request, wire).unwrap();
    assert_eq!(message.body["tx_date"], "2026-11-30");
    assert_eq!(message.body["tx_time"], "00:00:00");
    assert_eq!(layout.encode(Direction::Request, &message).unwrap(), wire);
    let blank = layout
        .decode(Direction::Request, b"0018T00120261130      ")
        .unwrap();
    assert!(blank.body["tx_time"].is_null(), "{:?}", blank.body);
    let null: Message =
        serde_json::from_str(r#"{"header":{"tx":"T001"},"body":{"tx_date":"2026-11-30"}}"#)
            .unwrap();
    let frame = layout.encode(Direction::Request, &null).unwrap();
    assert_eq!(frame, b"0018T00120261130      ");
}

#[test]
fn default_rules_keep_all_zero_dates_null_and_zero_times_as_values() {
    let date = one_field(r#"type = "date", pattern = "yyyyMMdd""#);
    assert!(decode_value(&date, b"00000000").unwrap().is_null());
    assert!(decode_value(&date, b"        ").unwrap().is_null());
    let time = one_field(r#"type = "date", pattern = "HH:mm:ss""#);
    assert_eq!(decode_value(&time, b"00:00:00").unwrap(), "00:00:00");
    assert!(decode_value(&time, b"        ").unwrap().is_null());
    let stamp = one_field(r#"type = "date", pattern = "yyyyMMddHHmmss""#);
    let midnight = decode_value(&stamp, b"20261130000000").unwrap();
    assert_eq!(midnight, "2026-11-30T00:00:00");
}

#[test]
fn explicit_zeros_rule_makes_zero_time_null_and_refuses_midnight() {
    let time = one_field(r#"type = "date", pattern = "HHmmss", null = "zeros""#);
    assert!(decode_value(&time, b"000000").unwrap().is_null());
    assert_eq!(encode_value(&time, "null").unwrap(), b"000000");
    let err = encode_value(&time, r#""00:00:00""#)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("body.v") && err.contains("reads as null"),
        "{err}"
    );
    let blank = decode_value(&time, b"      ").unwrap_err().to_string();
    assert!(blank.contains("expected digits"), "{blank}");
}

#[test]
fn blank_rule_makes_an_all_zero_date_an_error() {
    let date = one_field(r#"type = "date", pattern = "yyyyMMdd", null = "blank""#);
    let err = decode_value(&date, b"00000000").unwrap_err().to_string();
    assert!(err.contains("expected a month in 1..12, found 0"), "{err}");
    assert!(decode_value(&date, b"        ").unwrap().is_null());
}

#[test]
fn never_rule_refuses_null_both_ways() {
    let time = one_field(r#"type = "date", pattern = "HHmmss", null = "never""#);
    assert_eq!(decode_value(&time, b"000000").unwrap(), "00:00:00");
    assert!(decode_value(&time, b"      ").is_err());
    let err = encode_value(&time, "null").unwrap_err().to_string();
    assert!(err.contains("null = \"never\""), "{err}");
}

#[test]
fn contradictory_null_rules_are_layout_errors() {
    for (keys, expected) in [
        (
            r#"pattern = "HHmmss", null_fill = "zero""#,
            "midnight then cannot be sent",
        ),
        (
            r#"pattern = "yyyyMMdd", null = "blank", null_fill = "zero""#,
            "does not read back",
        ),
        (
            r#"pattern = "HHmmss", null = "never", null_fill = "space""#,
            "does not read back",
        ),
    ] {
        let toml = format!(
            r#"
            [framing]
            prefix = "ascii"
            prefix_length = 4
            counts = "after_prefix"
            max_frame = 99
            [header]
            discriminator = "tx"
            fields = [{{ name = "tx", type = "text", length = 4 }}]
            [messages.T001]
            request = [{{ name = "v", type = "date", {keys} }}]
            response = []
            "#
        );
        let err = Layout::from_toml(&toml, "t", "t").unwrap_err().to_string();
        assert!(err.contains(expected), "{keys}: {err}");
    }
}
