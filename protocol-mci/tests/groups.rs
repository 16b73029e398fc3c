//! Repeat groups: count fields, padded and compact layouts, nesting, and error paths.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{decode_body, encode_body, with_body};

const LOANS: &str = r#"
    { name = "cnt", type = "number", length = 2 },
    { name = "loans", type = "group", count = "cnt", max = 3, fields = [
        { name = "lender", type = "text", length = 4 },
        { name = "balance", type = "number", length = 5 },
    ] },
    { name = "tail", type = "text", length = 2 }"#;

#[test]
fn padded_group_always_takes_max_elements() {
    let layout = with_body(LOANS);
    let body = encode_body(
        &layout,
        r#"{"loans": [{"lender": "KB", "balance": 7}, {"lender": "NH", "balance": 12}], "tail": "ok"}"#,
    )
    .unwrap();
    assert_eq!(body, b"02KB  00007NH  00012         ok");
    let decoded = decode_body(&layout, &body).unwrap();
    assert_eq!(decoded["cnt"], 2);
    assert_eq!(decoded["loans"][1]["lender"], "NH");
    assert_eq!(decoded["loans"].as_array().unwrap().len(), 2);
    assert_eq!(decoded["tail"], "ok");
}

#[test]
fn compact_group_takes_only_count_elements() {
    let layout = with_body(&LOANS.replace("max = 3,", "max = 3, mode = \"compact\","));
    let body = encode_body(
        &layout,
        r#"{"loans": [{"lender": "KB", "balance": 7}], "tail": "ok"}"#,
    )
    .unwrap();
    assert_eq!(body, b"01KB  00007ok");
    assert_eq!(
        decode_body(&layout, &body).unwrap()["loans"][0]["balance"],
        7
    );
}

#[test]
fn count_above_maximum_is_an_error_at_the_count_field() {
    let layout = with_body(LOANS);
    let err = decode_body(&layout, b"04KB  00007NH  00012         ok").unwrap_err();
    assert_eq!(
        err.to_string(),
        "body.cnt at bytes 8..10: expected a count of at most 3, found 4"
    );
}

#[test]
fn encode_checks_a_given_count_and_the_maximum() {
    let layout = with_body(LOANS);
    let wrong = encode_body(
        &layout,
        r#"{"cnt": 3, "loans": [{"lender": "KB", "balance": 7}]}"#,
    );
    let wrong = wrong.unwrap_err().to_string();
    assert_eq!(
        wrong,
        r#"body.cnt at bytes 8..10: expected 1 (the elements of group "loans"), found 3"#
    );
    let four = r#"{"lender": "A", "balance": 1}"#;
    let many = format!(r#"{{"loans": [{four}, {four}, {four}, {four}]}}"#);
    let err = encode_body(&layout, &many).unwrap_err().to_string();
    assert_eq!(
        err,
        "body.loans at bytes 10..37: expected at most 3 elements, found 4"
    );
}

#[test]
fn errors_inside_groups_name_the_element_and_byte_range() {
    let layout = with_body(LOANS);
    let err = decode_body(&layout, b"03KB  00007NH  00012SH  000A3ok").unwrap_err();
    // Body starts at byte 8: count 8..10, elements of 9 bytes from 10, so [2].balance is 32..37.
    assert_eq!(
        err.to_string(),
        "body.loans[2].balance at bytes 32..37: expected digits, found 0x41"
    );
    assert_eq!(err.range, 32..37);
    let err = encode_body(&layout, r#"{"loans": [{"lender": "KB", "balance": "x"}]}"#).unwrap_err();
    assert_eq!(err.path, "body.loans[0].balance");
}

#[test]
fn encode_errors_in_a_group_name_the_element_byte_range() {
    let layout = with_body(LOANS);
    // Body starts at byte 8: count 8..10, elements of 9 bytes from 10, so [1].balance is 23..28.
    let json =
        r#"{"loans": [{"lender": "KB", "balance": 7}, {"lender": "NH", "balance": 123456}]}"#;
    let err = encode_body(&layout, json).unwrap_err();
    assert_eq!(
        err.to_string(),
        "body.loans[1].balance at bytes 23..28: expected at most 5 integer digits, found 123456"
    );
    assert_eq!(err.range, 23..28);
    // An element that is not an object: the range is the whole element, [2] is 28..37.
    let json =
        r#"{"loans": [{"lender": "KB", "balance": 1}, {"lender": "NH", "balance": 2}, "SH"]}"#;
    let err = encode_body(&layout, json).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"body.loans[2] at bytes 28..37: expected an object, found string "SH""#
    );
    // A field after the group starts after all its padded elements.
    let err = encode_body(&layout, r#"{"tail": "toolong"}"#).unwrap_err();
    assert_eq!(err.range, 37..39);
}

#[test]
fn encode_errors_in_a_compact_group_follow_the_written_elements() {
    let layout = with_body(&LOANS.replace("max = 3,", "max = 3, mode = \"compact\","));
    let json = r#"{"loans": [{"lender": "KB", "balance": 7}, {"lender": "NH", "balance": -1}]}"#;
    let err = encode_body(&layout, json).unwrap_err();
    assert_eq!(err.path, "body.loans[1].balance");
    assert_eq!(err.range, 23..28);
    assert!(err.to_string().contains("found -1"), "{err}");
}

#[test]
fn a_masked_field_in_a_group_names_its_range_not_its_value() {
    let layout = with_body(&LOANS.replace(
        r#"type = "number", length = 5 }"#,
        r#"type = "number", length = 5, mask = "account" }"#,
    ));
    let json = r#"{"loans": [{"lender": "KB", "balance": 987654}]}"#;
    let err = encode_body(&layout, json).unwrap_err().to_string();
    assert_eq!(
        err,
        "body.loans[0].balance at bytes 14..19: expected at most 5 integer digits, found a masked value"
    );
    assert!(!err.contains("987654"), "{err}");
}

#[test]
fn nested_groups_and_fixed_occurs() {
    let layout = with_body(
        r#"{ name = "n", type = "number", length = 1 },
           { name = "offers", type = "group", count = "n", max = 2, mode = "compact", fields = [
               { name = "code", type = "text", length = 2 },
               { name = "terms", type = "group", occurs = 2, fields = [
                   { name = "months", type = "number", length = 2 },
               ] },
           ] }"#,
    );
    let json = r#"{"offers": [{"code": "A1", "terms": [{"months": 12}, {"months": 24}]}]}"#;
    let body = encode_body(&layout, json).unwrap();
    assert_eq!(body, b"1A11224");
    let decoded = decode_body(&layout, &body).unwrap();
    assert_eq!(decoded["offers"][0]["terms"][1]["months"], 24);
    let err = decode_body(&layout, b"1A112x4").unwrap_err();
    assert_eq!(err.path, "body.offers[0].terms[1].months");
}

#[test]
fn truncated_and_overlong_frames_are_bad_records() {
    let layout = with_body(LOANS);
    let short = decode_body(&layout, b"02KB  00007NH")
        .unwrap_err()
        .to_string();
    assert_eq!(
        short,
        "body.loans[1].lender at bytes 19..23: expected 4 bytes, frame ends after 2"
    );
    let overlong = format!("00{}okXY", " ".repeat(27));
    let long = decode_body(&layout, overlong.as_bytes()).unwrap_err();
    assert_eq!(
        long.to_string(),
        "frame at bytes 39..41: expected the frame to end after the last field, found 2 more bytes"
    );
}

#[test]
fn a_negative_count_is_an_error_at_the_count_field() {
    let layout = with_body(
        r#"{ name = "n", type = "binary", length = 1, signed = true },
           { name = "items", type = "group", count = "n", max = 2, fields = [
               { name = "v", type = "text", length = 1 },
           ] }"#,
    );
    let err = decode_body(&layout, b"\xFDab").unwrap_err();
    assert_eq!(
        err.to_string(),
        "body.n at bytes 8..9: expected a number of elements, found count -3"
    );
}
