//! The shipped example layout loads, and a loan-screening exchange decodes and re-encodes exactly.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use protocol_mci::{Direction, Layout, Message};
use serde_json::json;

fn layout() -> Layout {
    Layout::from_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../config/layouts/loan-screening.toml"
    ))
    .unwrap()
}

/// Built from JSON text, not `json!`: the macro would pass numbers through `f64`.
fn request() -> Message {
    serde_json::from_str(
        r#"{
        "header": {
            "guid": "20261121CBS000000000000000000001", "sys_code": "CBS", "tx_code": "LNS0001",
            "rr_flag": "S", "resp_code": "", "sent_at": "2026-11-21T09:30:15.123",
            "channel": "01", "branch": "0012"
        },
        "body": {
            "cust_no": "000123456789", "cust_name": "홍길동", "rrn": "9001011234567",
            "cust_type": "01", "annual_income": 58000000, "existing_debt": 12000000,
            "credit_score": 812, "req_amount": 30000000, "req_term": 36, "loan_cnt": 2,
            "loans": [
                {"lender": "국민은행", "balance": 8000000, "rate": 4.250},
                {"lender": "CARD CO", "balance": 4000000, "rate": 12.900}
            ]
        }
    }"#,
    )
    .unwrap()
}

#[test]
fn request_frame_has_the_declared_size_and_round_trips() {
    let layout = layout();
    let frame = layout.encode(Direction::Request, &request()).unwrap();
    assert_eq!(frame.len(), 8 + 92 + 306 + 2);
    assert_eq!(&frame[..8], format!("{:08}", frame.len()).as_bytes());
    assert!(frame.ends_with(b"@@"));
    let decoded = layout.decode(Direction::Request, &frame).unwrap();
    assert_eq!(decoded, request());
    assert_eq!(layout.encode(Direction::Request, &decoded).unwrap(), frame);
}

#[test]
fn amounts_and_rates_keep_exact_text_and_identifiers_keep_leading_zeros() {
    let layout = layout();
    let frame = layout.encode(Direction::Request, &request()).unwrap();
    let decoded = layout.decode(Direction::Request, &frame).unwrap();
    assert_eq!(decoded.body["cust_no"], "000123456789");
    assert_eq!(decoded.header["branch"], "0012");
    assert_eq!(decoded.body["loans"][0]["rate"].to_string(), "4.250");
    assert_eq!(decoded.body["annual_income"].to_string(), "58000000");
}

#[test]
fn response_error_body_is_selected_by_the_result_code() {
    let layout = layout();
    let mut answer = request();
    answer.header.insert("rr_flag".into(), json!("R"));
    answer.header.insert("resp_code".into(), json!("E101"));
    answer.body = serde_json::from_value(json!({"error_message": "한도 조회 실패"})).unwrap();
    let frame = layout.encode(Direction::Response, &answer).unwrap();
    let decoded = layout.decode(Direction::Response, &frame).unwrap();
    assert_eq!(decoded.body["error_message"], "한도 조회 실패");
    assert_eq!(decoded.body.len(), 1);
}

#[test]
fn masking_hides_marked_fields() {
    let layout = layout();
    let mut message = request();
    layout.mask(Direction::Request, &mut message);
    assert_eq!(message.body["rrn"], "900101-*******");
    assert_eq!(message.body["cust_name"], "홍**");
    assert_eq!(message.body["cust_no"], "000123456789");
}

#[test]
fn error_answers_echo_the_header_with_flag_code_and_text() {
    let layout = layout();
    let request = request();
    let frame = layout
        .encode_error_answer(&request.header, "E504", "live engine timed out")
        .unwrap();
    let answer = layout.decode(Direction::Response, &frame).unwrap();
    assert_eq!(answer.header["guid"], request.header["guid"]);
    assert_eq!(answer.header["rr_flag"], "R");
    assert_eq!(answer.header["resp_code"], "E504");
    assert_eq!(answer.body["error_message"], "live engine timed out");
    let correlation = layout.correlation_field().map(ToString::to_string);
    assert_eq!(correlation.as_deref(), Some("header.guid"));
}

#[test]
fn error_answer_for_an_unknown_transaction_is_header_only() {
    let layout = layout();
    let mut header = request().header;
    header.insert("tx_code".into(), "XXX9999".into());
    let frame = layout
        .encode_error_answer(&header, "E404", "unknown")
        .unwrap();
    assert_eq!(frame.len(), layout.header_len + 2);
    assert_eq!(&frame[43..51], b"XXX9999 ");
    assert_eq!(&frame[52..56], b"E404");
}
