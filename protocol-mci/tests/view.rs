//! The typed view (`decode_view`) of sample frames of every shipped and fuzz layout: it holds
//! the encoded values typed (checked field by field without the view's own conversion), converts
//! to exactly what `decode` gives, and fails where `decode` fails with the same error.
//! The property tests in `roundtrip_props/` do the same over generated messages of every field
//! kind and framing variant.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use protocol_mci::view::{FieldValue, ScaledDecimal};
use protocol_mci::{Direction, Layout, MessageView};
use serde_json::Value;

/// A layout by path from the crate root.
fn layout(path: &str) -> Layout {
    let path = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    Layout::from_file(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Layout file, direction, and a message in the layout's JSON form (numbers as exact text).
const SAMPLES: &[(&str, Direction, &str)] = &[
    (
        "../config/layouts/loan-screening.toml",
        Direction::Request,
        r#"{"header": {"guid": "20261121CBS000000000000000000001", "sys_code": "CBS",
            "tx_code": "LNS0001", "rr_flag": "S", "resp_code": "",
            "sent_at": "2026-11-21T09:30:15.123", "channel": "01", "branch": "0012"},
          "body": {"cust_no": "000123456789", "cust_name": "홍길동", "rrn": "9001011234567",
            "cust_type": "01", "annual_income": 58000000, "existing_debt": 16500000,
            "credit_score": 812, "req_amount": 30000000, "req_term": 36, "loan_cnt": 3,
            "loans": [{"lender": "국민은행", "balance": 8000000, "rate": 4.250},
                      {"lender": "CARD CO", "balance": 4000000, "rate": 12.900},
                      {"lender": "우리은행 마이너스", "balance": 0, "rate": 0.000}]}}"#,
    ),
    (
        "../config/layouts/loan-screening.toml",
        Direction::Response,
        r#"{"header": {"guid": "G1", "sys_code": "CBS", "tx_code": "LNS0001", "rr_flag": "R",
            "resp_code": "0000", "sent_at": "2026-11-21T09:30:15.187", "channel": "01",
            "branch": "0012"},
          "body": {"decision": "A", "reason_code": "A000", "grade": "B2",
            "limit_amount": 30000000, "rate": 5.450, "offer_cnt": 2,
            "offers": [{"product_code": "LN-CR-0001", "limit": 30000000, "rate": 5.450, "term": 36},
                       {"product_code": "LN-CR-0002", "limit": 20000000, "rate": 4.980, "term": 24}],
            "message": "승인되었습니다."}}"#,
    ),
    (
        "../config/layouts/loan-screening.toml",
        Direction::Response,
        r#"{"header": {"guid": "G2", "sys_code": "CBS", "tx_code": "LNS0001", "rr_flag": "R",
            "resp_code": "E502", "sent_at": "2026-11-21T09:30:16.000", "channel": "01",
            "branch": "0012"},
          "body": {"error_message": "engine unavailable"}}"#,
    ),
    (
        "tests/layouts/bank-link.toml",
        Direction::Request,
        r#"{"sys": {"guid": "G-0001", "rr_flag": "S", "resp_code": "", "keep_flag": "1",
            "keep_secs": 30, "branch": "SYS1"},
          "biz": {"msg_type": "0200", "svc_code": "LNS0001", "branch": "CUS2"},
          "data": {"cust_no": "C00000000042", "rrn": "8001011234567", "req_amount": 50000000}}"#,
    ),
    (
        "tests/layouts/bank-link.toml",
        Direction::Response,
        r#"{"sys": {"guid": "G-0001", "rr_flag": "R", "resp_code": "0000", "keep_flag": "0",
            "keep_secs": null, "branch": "SYS1"},
          "biz": {"msg_type": "0200", "svc_code": "LNS0001", "branch": "CUS2"},
          "data": {"grade": "A1", "limit_amount": 10000000}}"#,
    ),
    (
        "fuzz/layouts/structure.toml",
        Direction::Request,
        r#"{"header": {"tx": "S001", "route": "B", "branch": {"branch_no": "012"}},
          "body": {"kind": "L",
            "loan": {"amount": 1234.50, "months": 36, "rate": -4.250, "sub": "V",
                     "floating": {"spread": -12}},
            "raw": {"text": "HELLO"}, "slot_cnt": 1,
            "slots": [{"code": "AB1", "amt": -12.34, "pk": 5, "due": "2026-11-29", "k": "X",
                       "x": {"xv": 12}, "sub_cnt": 1, "subs": [{"s": "q"}]}],
            "tag_cnt": 1, "tags": [{"tag": "T1", "n": 7}]}}"#,
    ),
    (
        "fuzz/layouts/cobol-fields.toml",
        Direction::Request,
        r#"{"header": {"tx": "N1", "sent": "--11-29T21:58:00", "biz_day": "2026-11-29"},
          "body": {"p_after": 12300, "p_before": -0.000999, "nz_pos": 0.0, "pk_p": -12000,
            "pk_even": 0.000099, "pk_lenient": 12.3, "pk_lenient_u": 123, "pk_nz_pos": 0,
            "b_p": -999900, "b_pv": 0.00099}}"#,
    ),
];

/// Each sample, encoded, decodes through the view to its values typed and to the message.
#[test]
fn every_layout_decodes_the_same_through_the_view() {
    for &(path, direction, json) in SAMPLES {
        let layout = layout(path);
        let message = layout.from_json(serde_json::from_str::<Value>(json).unwrap());
        let frame = layout
            .encode(direction, &message)
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        let view = layout.decode_view(direction, &frame).unwrap();
        let header = common::typed_mismatch(&view.header, &message.header, "header");
        assert_eq!(header, None, "{path}");
        let body = common::typed_mismatch(&view.body, &message.body, "body");
        assert_eq!(body, None, "{path}");
        assert_eq!(view.to_message(), message, "{path}");
        assert_eq!(layout.decode(direction, &frame).unwrap(), message, "{path}");
        let (selected, _) = layout.decode_view_selected(direction, &frame).unwrap();
        let again = layout.decode_view_as(direction, selected, &frame).unwrap();
        assert_eq!(again, view, "{path}");
        // Written as JSON text without a Value: what serde_json writes for the Value form.
        let mut written = Vec::new();
        view.write_json(&mut written);
        let expected = serde_json::to_vec(&view.to_value()).unwrap();
        assert_eq!(
            String::from_utf8(written).unwrap(),
            String::from_utf8(expected).unwrap()
        );
        // The header alone, as the gateway echoes it into answers.
        let header = layout.decode_header_view_as(selected, &frame).unwrap();
        assert_eq!(header, view.header, "{path}");
    }
}

/// Each sample written as a stored record shows it (masked while written) is byte for byte the
/// masked message's JSON: legacy and sectioned headers, masks in header sections and bodies.
#[test]
fn every_layout_writes_the_masked_json_of_the_masked_message() {
    let mut masked_somewhere = 0;
    for &(path, direction, json) in SAMPLES {
        let layout = layout(path);
        let message = layout.from_json(serde_json::from_str::<Value>(json).unwrap());
        let frame = layout.encode(direction, &message).unwrap();
        let (written, expected, changed) = common::masked_json_both(&layout, direction, &frame);
        masked_somewhere += usize::from(changed);
        assert_eq!(written, expected, "{path}");
    }
    assert_eq!(
        masked_somewhere, 2,
        "loan-screening's and bank-link's requests mask fields"
    );
}

/// Decimals are scaled integers, ASCII text is borrowed from the frame and Hangul converted,
/// groups keep their elements in order.
#[test]
fn values_are_typed_and_borrowed_from_the_frame() {
    let (path, direction, json) = SAMPLES[0];
    let layout = layout(path);
    let message = layout.from_json(serde_json::from_str::<Value>(json).unwrap());
    let frame = layout.encode(direction, &message).unwrap();
    let view = layout.decode_view(direction, &frame).unwrap();
    let Some(FieldValue::Text(cust_no)) = view.body.get("cust_no") else {
        panic!("cust_no: {:?}", view.body.get("cust_no"));
    };
    let within = frame.as_ptr_range();
    assert!(
        within.contains(&cust_no.as_ptr()),
        "ASCII text is a slice of the frame"
    );
    let Some(FieldValue::Text(name)) = view.body.get("cust_name") else {
        panic!("cust_name");
    };
    assert!(
        !within.contains(&name.as_ptr()),
        "CP949 Hangul is converted"
    );
    assert_eq!(name, "홍길동");
    let Some(FieldValue::Group(loans)) = view.body.get("loans") else {
        panic!("loans");
    };
    let rates: Vec<_> = loans.iter().map(|loan| loan.get("rate").cloned()).collect();
    let rate = |mantissa| Some(FieldValue::Decimal(ScaledDecimal::new(mantissa, 3)));
    assert_eq!(rates, [rate(4250), rate(12900), rate(0)]);
    assert_eq!(rates[0].as_ref().unwrap().to_value().to_string(), "4.250");
    let masked: Vec<&str> = view
        .body
        .iter()
        .filter(|e| e.mask.is_some())
        .map(|e| e.name)
        .collect();
    assert_eq!(masked, ["cust_name", "rrn"]);
}

/// A damaged frame fails the view with exactly the error of the JSON decode, at the field.
#[test]
fn the_view_refuses_what_decode_refuses_with_the_same_error() {
    for &(path, direction, json) in SAMPLES {
        let layout = layout(path);
        let message = layout.from_json(serde_json::from_str::<Value>(json).unwrap());
        let frame = layout.encode(direction, &message).unwrap();
        let mut checked = 0;
        // Every byte of the frame in turn replaced by one no field type accepts everywhere.
        for at in 0..frame.len() {
            let mut damaged = frame.clone();
            damaged[at] = if damaged[at] == b'A' { 0xFF } else { b'A' };
            let view = layout.decode_view(direction, &damaged);
            let decoded = layout.decode(direction, &damaged);
            assert_eq!(
                view.clone().map(MessageView::into_message),
                decoded,
                "{path} at {at}"
            );
            checked += usize::from(view.is_err());
        }
        assert!(checked > 0, "{path}: some damage must be refused");
    }
}
