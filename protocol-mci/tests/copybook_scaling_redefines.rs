//! Copybook imports of `P` scaling (a signed `scale`, beyond the digits or negative) and
//! `REDEFINES` (the `redefines` field type): imported, loaded and round-tripped byte-exact.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod copybook_support;

use copybook_support::{bytes, import, load, options, round_trip};
use protocol_mci::{Direction, Message};

fn value(v: &serde_json::Value) -> f64 {
    v.to_string().trim_matches('"').parse().unwrap()
}

#[test]
fn p_scaling_in_zoned_packed_and_binary_items() {
    let toml = import("scaled.cpy", None, &options("SC01"));
    for keys in [
        "type = \"number\", length = 3, digits = 3, scale = -2, sign = \"overpunch\"",
        "type = \"number\", length = 3, digits = 3, scale = 6, sign = \"overpunch\"",
        "type = \"packed\", length = 2, digits = 3, scale = -3, signed = false",
        "type = \"binary\", length = 2, digits = 4, scale = 6, signed = true",
    ] {
        assert!(toml.contains(keys), "{keys}\n{toml}");
    }
    let layout = load("scaled", &toml);
    // +123 (C = +3), +999 (I = +9), 123 (unsigned packed), -1 (FFFF).
    let frame = bytes(&[b"SC0112C99I", &[0x12, 0x3F], &[0xFF, 0xFF]]);
    let body = round_trip(&layout, Direction::Request, &frame)["body"].clone();
    assert_eq!(value(&body["hundreds"]), 12300.0);
    assert_eq!(value(&body["micros"]), 0.000999);
    assert_eq!(value(&body["thousands"]), 123000.0);
    assert_eq!(value(&body["tiny"]), -0.000001);
}

#[test]
fn redefines_of_a_group_twice_and_of_an_elementary_item() {
    let toml = import("redefines.cpy", None, &options("PAY1"));
    assert!(toml.contains("add `selector`"), "{toml}");
    assert!(toml.contains(
        "{ name = \"pay_detail_redefines\", type = \"redefines\", length = 20, alternatives = ["
    ));
    let layout = load("redefines", &toml);
    let frame = b"PAY1C41111111111111111228000012345";
    let body = round_trip(&layout, Direction::Request, frame)["body"].clone();
    assert_eq!(body["pay_detail"]["card_no"], "4111111111111111");
    assert_eq!(value(&body["amount"]["value"]), 123.45);
    // Another alternative encodes in the same area, padded to its length.
    let message: Message = serde_json::from_str(
        r#"{"header": {"tx_code": "PAY1"}, "body": {"pay_kind": "B",
            "bank_detail": {"bank_code": "004", "account_no": "12345678901234"},
            "amount_x": {"value": "ABCDEFGHI"}}}"#,
    )
    .unwrap();
    let encoded = layout.encode(Direction::Request, &message).unwrap();
    assert_eq!(encoded, b"PAY1B00412345678901234   ABCDEFGHI");
}

#[test]
fn redefines_inside_an_occurs_depending_on_element() {
    let toml = import("redefines_table.cpy", None, &options("ST01"));
    let layout = load("redefines-table", &toml);
    let lines = "TABCDEFGHIJKLA0000001234{K";
    let frame = format!("ST0102{lines}{}", " ".repeat(8 * 13));
    let body = round_trip(&layout, Direction::Request, frame.as_bytes())["body"].clone();
    assert_eq!(body["stmt_lines"][1]["line_data"]["value"], "0000001234{K");
}

/// Runs today: the pending imports are valid TOML with the keys the other branches read.
#[test]
fn pending_copybooks_import_into_valid_toml() {
    for (file, code) in [
        ("scaled.cpy", "SC01"),
        ("redefines.cpy", "PAY1"),
        ("redefines_table.cpy", "ST01"),
    ] {
        let toml = import(file, None, &options(code));
        let table: toml::Table = toml::from_str(&toml).unwrap_or_else(|e| panic!("{e}\n{toml}"));
        let request = &table["messages"][code]["request"];
        assert!(request.as_array().is_some_and(|a| !a.is_empty()), "{file}");
    }
    let toml = import("redefines.cpy", None, &options("PAY1"));
    let table: toml::Table = toml::from_str(&toml).unwrap();
    let area = &table["messages"]["PAY1"]["request"][1];
    assert_eq!(area["type"].as_str(), Some("redefines"));
    assert_eq!(area["length"].as_integer(), Some(20));
    let names: Vec<&str> = area["alternatives"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert_eq!(names, ["pay_detail", "bank_detail", "cash_detail"]);
}
