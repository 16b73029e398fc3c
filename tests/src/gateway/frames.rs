//! Loan-screening requests and answers, encoded with the example layout.
//!
//! Messages are built from JSON *text*: with `arbitrary_precision`, numbers keep their exact
//! decimal text (`5.250` stays `5.250`), which `json!` would pass through `f64`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use protocol_mci::{Direction, Layout, Message};
use serde_json::Value;

/// The transaction code of loan screening.
pub const TX_CODE: &str = "LNS0001";

/// The resident registration number of every test request, in clear.
pub const RRN: &str = "9001011234567";

/// The example loan-screening layout (`config/layouts/loan-screening.toml`).
pub fn layout() -> Arc<Layout> {
    static LAYOUT: OnceLock<Arc<Layout>> = OnceLock::new();
    LAYOUT
        .get_or_init(|| Arc::new(Layout::from_file(layout_path()).unwrap()))
        .clone()
}

/// Absolute path of the example layout.
pub fn layout_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/layouts/loan-screening.toml")
}

/// A 32-character correlation id (the header's `guid`), distinct for each `n`.
pub fn guid(n: u64) -> String {
    format!("20261121CBS{n:021}")
}

/// A loan-screening request with correlation id `guid`.
pub fn request(guid: &str) -> Message {
    let text = r#"{
        "header": {
            "guid": "GUID", "sys_code": "CBS", "tx_code": "LNS0001", "rr_flag": "S",
            "resp_code": "", "sent_at": "2026-11-21T09:30:15.123", "channel": "01",
            "branch": "0012"
        },
        "body": {
            "cust_no": "000123456789", "cust_name": "홍길동", "rrn": "RRN",
            "cust_type": "01", "annual_income": 58000000, "existing_debt": 12000000,
            "credit_score": 812, "req_amount": 30000000, "req_term": 36, "loan_cnt": 2,
            "loans": [
                {"lender": "국민은행", "balance": 8000000, "rate": 4.250},
                {"lender": "CARD CO", "balance": 4000000, "rate": 12.900}
            ]
        }
    }"#;
    serde_json::from_str(&text.replace("GUID", guid).replace("RRN", RRN)).unwrap()
}

/// The frame of [`request`].
pub fn request_frame(guid: &str) -> Vec<u8> {
    layout().encode(Direction::Request, &request(guid)).unwrap()
}

/// A decision body: approved with `grade` and `limit_amount` (decimal text), one offer.
pub fn decision(grade: &str, limit_amount: &str) -> Value {
    let text = r#"{
        "decision": "A", "reason_code": "A001", "grade": "GRADE", "limit_amount": LIMIT,
        "rate": 5.250, "offer_cnt": 1,
        "offers": [{"product_code": "LN-CREDIT", "limit": LIMIT, "rate": 5.250, "term": 36}],
        "message": "approved"
    }"#;
    let text = text.replace("GRADE", grade).replace("LIMIT", limit_amount);
    serde_json::from_str(&text).unwrap()
}

/// An http engine's answer: result code `0000` and `body`.
pub fn http_answer(body: &Value) -> Value {
    let mut answer: Value = serde_json::from_str(r#"{"header": {"resp_code": "0000"}}"#).unwrap();
    answer["body"] = body.clone();
    answer
}

/// The answer frame an mci engine gives to `request`: its header echoed with flag `R` and result
/// `0000`, and `body`.
pub fn answer_frame(request: &[u8], body: &Value) -> Vec<u8> {
    let layout = layout();
    let mut header = layout.decode_header(request).unwrap();
    header.insert("rr_flag".into(), "R".into());
    header.insert("resp_code".into(), "0000".into());
    let body = body.as_object().unwrap().clone();
    layout
        .encode(Direction::Response, &Message { header, body })
        .unwrap()
}

/// Decodes an answer frame.
pub fn decode_answer(frame: &[u8]) -> Message {
    layout()
        .decode(Direction::Response, frame)
        .unwrap_or_else(|e| panic!("answer does not decode: {e}"))
}

/// `shadowgate loadgen` in an open loop at `rate` frames/s over `connections` connections for
/// `seconds`, with the example layout, failing on any unanswered frame or error frame.
pub fn open_loop(
    address: std::net::SocketAddr,
    connections: usize,
    rate: f64,
    seconds: f64,
) -> shadowgate::loadgen::LoadgenArgs {
    shadowgate::loadgen::LoadgenArgs {
        addresses: vec![address],
        connections,
        requests: None,
        duration: Some(seconds),
        rate: Some(rate),
        pipeline: None,
        rounds: 1,
        warmup: 0.0,
        timeout_ms: 5_000,
        layout: Some(layout_path()),
        seed: 1,
        json: false,
        max_failed_ratio: 0.0,
        max_error_ratio: 0.0,
    }
}
