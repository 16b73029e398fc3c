//! The tree echo against today's `Map` echo (`reference`): for generated request headers and
//! answers of a plain header without roles, the demo's header with flag and result fields, and
//! a sectioned header, with and without header overrides (of the flag and result fields, of
//! whole sections, of fields within sections, of keys the layout does not have), with bodies
//! that fit and bodies that do not: byte-identical frames, or the identical error with the
//! identical record message.

use std::sync::LazyLock;

use proptest::prelude::*;
use protocol_mci::json::{members_to_map, JsonTree};
use protocol_mci::{Direction, Layout, Message};
use serde_json::{json, Map, Value};

use super::encode_answer;
use super::reference::encode_answer_map;

const PLAIN: &str = r#"
name = "plain"
charset = "cp949"

[framing]
prefix = "ascii"
prefix_length = 6
counts = "frame"
trailer = "@@"
trailer_counted = true
max_frame = 2048

[header]
discriminator = "tx_code"
fields = [
  { name = "tx_code", type = "text", length = 4, offset = 6 },
  { name = "name", type = "text", length = 10 },
  { name = "amount", type = "number", length = 9, scale = 2, sign = "leading" },
  { name = "keep", type = "number", length = 3, blank = "null" },
  { name = "sent_at", type = "date", pattern = "yyyyMMddHHmmss" },
]

[messages.TX01]
request = [{ name = "cust_no", type = "text", length = 8 }]
response = [
  { name = "grade", type = "text", length = 2 },
  { name = "limit", type = "number", length = 9, scale = 2 },
]
"#;

static PLAIN_LAYOUT: LazyLock<Layout> =
    LazyLock::new(|| Layout::from_toml(PLAIN, "plain.toml", "plain").unwrap());
static LOAN: LazyLock<Layout> = LazyLock::new(|| layout("../config/layouts/loan-screening.toml"));
static BANK: LazyLock<Layout> =
    LazyLock::new(|| layout("../protocol-mci/tests/layouts/bank-link.toml"));

fn layout(path: &str) -> Layout {
    Layout::from_file(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// Text of at most `bytes` CP949 bytes, ASCII (with characters JSON escapes) and Hangul,
/// without padding at its edges (the codec would not give it back).
fn text(bytes: usize) -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec!["A", "z", "0", " ", "\"", "\\", "홍", "길동", "-"]);
    prop::collection::vec(pieces, 0..=bytes).prop_map(move |pieces| {
        let width =
            |s: &str| -> usize { s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum() };
        let mut text = String::new();
        for piece in pieces {
            if width(&text) + width(piece) <= bytes {
                text.push_str(piece);
            }
        }
        text.trim().to_owned()
    })
}

fn number(text: String) -> Value {
    serde_json::from_str(&text).unwrap()
}

fn date_time() -> impl Strategy<Value = String> {
    (
        1990u32..2100,
        1u32..13,
        1u32..29,
        0u32..24,
        0u32..60,
        0u32..60,
    )
        .prop_map(|(y, mo, d, h, mi, s)| format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}"))
}

fn plain_header() -> impl Strategy<Value = Value> {
    let amount = (-9_999_999i64..=9_999_999).prop_map(|m| {
        number(format!(
            "{}{}.{:02}",
            if m < 0 { "-" } else { "" },
            m.abs() / 100,
            m.abs() % 100
        ))
    });
    let keep = prop_oneof![Just(Value::Null), (0u32..1000).prop_map(|n| json!(n))];
    (text(10), amount, keep, date_time()).prop_map(|(name, amount, keep, at)| {
        json!({"tx_code": "TX01", "name": name, "amount": amount, "keep": keep, "sent_at": at})
    })
}

fn loan_header() -> impl Strategy<Value = Value> {
    let codes = prop::sample::select(vec!["", "0000", "E001"]);
    let flags = prop::sample::select(vec!["S", "R", ""]);
    let ms = 0u32..1000;
    (
        "[A-Z0-9]{0,32}",
        "[A-Z]{1,3}",
        flags,
        codes,
        date_time(),
        ms,
        "[A-Z]{2}",
        "[0-9]{4}",
    )
        .prop_map(|(guid, sys, flag, code, at, ms, channel, branch)| {
            json!({"guid": guid, "sys_code": sys, "tx_code": "LNS0001", "rr_flag": flag,
                "resp_code": code, "sent_at": format!("{at}.{ms:03}"), "channel": channel,
                "branch": branch})
        })
}

fn bank_header() -> impl Strategy<Value = Value> {
    let codes = prop::sample::select(vec!["", "0000", "E999"]);
    let keep = prop_oneof![Just(Value::Null), (0u32..1000).prop_map(|n| json!(n))];
    (
        "[A-Z0-9]{0,32}",
        codes,
        "[01]",
        keep,
        "[0-9]{4}",
        "[0-9]{4}",
    )
        .prop_map(|(guid, code, keep_flag, keep, sys_branch, biz_branch)| {
            json!({
                "sys": {"guid": guid, "rr_flag": "S", "resp_code": code, "keep_flag": keep_flag,
                        "keep_secs": keep, "branch": sys_branch},
                "biz": {"msg_type": "0200", "svc_code": "LNS0001", "branch": biz_branch}})
        })
}

/// An answer: header overrides and body members drawn from pools (in any order), each part
/// absent, an object, or not an object; now and then an answer that is not an object at all.
fn answer(
    header: Vec<(&'static str, Value)>,
    body: Vec<(&'static str, Value)>,
) -> impl Strategy<Value = Value> {
    fn part(pool: Vec<(&'static str, Value)>) -> impl Strategy<Value = Option<Value>> {
        let len = pool.len();
        let members = prop::sample::subsequence(pool, 0..=len)
            .prop_shuffle()
            .prop_map(|members| {
                let map: Map<String, Value> = members
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect();
                Some(Value::Object(map))
            });
        prop_oneof![1 => Just(None), 1 => Just(Some(json!("x"))), 6 => members]
    }
    let object = (part(header), part(body)).prop_map(|(header, body)| {
        let mut answer = Map::new();
        if let Some(header) = header {
            answer.insert("header".into(), header);
        }
        if let Some(body) = body {
            answer.insert("body".into(), body);
        }
        Value::Object(answer)
    });
    prop_oneof![1 => Just(json!([1])), 12 => object]
}

/// Encodes the request, then echoes its header (decoded again from the frame) into the answer
/// both ways, as `code` (a code the layout has no message for takes the main header and
/// selects by key); the results must be equal, frames and errors and records alike.
fn check(
    layout: &Layout,
    code: &str,
    header: Value,
    body: Value,
    answer: &Value,
) -> Result<(), TestCaseError> {
    let (Value::Object(header), Value::Object(body)) = (header, body) else {
        unreachable!()
    };
    let frame = layout
        .encode(Direction::Request, &Message { header, body })
        .unwrap();
    let view = || match layout.message(code) {
        Some(selected) => layout.decode_header_view_as(selected, &frame).unwrap(),
        None => layout.decode_header_view(&frame).unwrap(),
    };
    let map = view().into_map();
    prop_assert_eq!(
        Value::Object(members_to_map(&view().into_tree())).to_string(),
        Value::Object(map.clone()).to_string()
    );
    let tree = JsonTree::from_value(answer);
    let by_map = encode_answer_map(layout, code, map, &tree);
    let by_tree = encode_answer(layout, code, view().into_tree(), &tree);
    prop_assert_eq!(format!("{by_tree:?}"), format!("{by_map:?}"));
    if let (Err((_, by_tree)), Err((_, by_map))) = (&by_tree, &by_map) {
        // The record's message, with its order, as JSON text.
        prop_assert_eq!(
            by_tree.to_value().to_string(),
            by_map.to_value().to_string()
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_plain_header_without_roles_echoes_as_the_map_did(
        code in prop::sample::select(vec!["TX01", "NONE"]),
        header in plain_header(),
        answer in answer(
            vec![("name", json!("홍길동")), ("name", json!("ABCDEFGHIJKL")), ("amount", json!(12.5)),
                 ("amount", json!("x")), ("keep", Value::Null), ("keep", json!(7)),
                 ("sent_at", json!("2026-01-02T03:04:05")), ("tx_code", json!("TX02")),
                 ("extra", json!({"a": 1})), ("list", json!([1, 2]))],
            vec![("grade", json!("A1")), ("grade", json!("ABC")), ("limit", json!(100.25)),
                 ("limit", json!(-1)), ("limit", json!("12")), ("other", json!(true))],
        ),
    ) {
        check(&PLAIN_LAYOUT, code, header, json!({"cust_no": "C1"}), &answer)?;
    }

    #[test]
    fn a_header_with_flag_and_result_echoes_as_the_map_did(
        code in prop::sample::select(vec!["LNS0001", "LNS9999"]),
        header in loan_header(),
        answer in answer(
            vec![("resp_code", json!("0000")), ("resp_code", json!("E001")), ("resp_code", json!(5)),
                 ("rr_flag", json!("X")), ("rr_flag", Value::Null), ("branch", json!("0001")),
                 ("branch", json!("12345")), ("guid", Value::Null), ("sent_at", json!("bad")),
                 ("channel", json!({"a": 1})), ("x", json!("y"))],
            vec![("decision", json!("A")), ("decision", json!("AB")), ("grade", json!("A1")),
                 ("limit_amount", json!(100)), ("limit_amount", number("1e20".into())),
                 ("rate", number("4.500".into())), ("rate", number("4.5555".into())),
                 ("offer_cnt", json!(1)),
                 ("offers", json!([{"product_code": "P1", "limit": 100, "rate": 1.25, "term": 12}])),
                 ("message", json!("승인 ".repeat(30))), ("error_message", json!("no"))],
        ),
    ) {
        let body = json!({"cust_no": "1", "cust_name": "홍길동", "rrn": "1", "cust_type": "01",
            "annual_income": 1, "existing_debt": 0, "credit_score": 700, "req_amount": 1,
            "req_term": 12, "loan_cnt": 0, "loans": []});
        check(&LOAN, code, header, body, &answer)?;
    }

    #[test]
    fn a_sectioned_header_echoes_as_the_map_did(
        code in prop::sample::select(vec!["LNS0001", "NONE"]),
        header in bank_header(),
        answer in answer(
            vec![("sys", json!({"resp_code": "E999"})), ("sys", json!({"resp_code": "0000", "branch": "0002"})),
                 ("sys", json!({"new_field": 1, "keep_secs": "x"})), ("biz", json!({"msg_type": "0210"})),
                 ("biz", json!("0210")), ("biz", json!({"svc_code": "LNS0002", "branch": 12})),
                 ("zzz", json!({"a": 1})), ("rr_flag", json!("R")), ("data", json!({"grade": "Z9"}))],
            vec![("grade", json!("A1")), ("grade", json!("A12")), ("limit_amount", json!(30000000)),
                 ("limit_amount", json!(-1)), ("error_message", json!("x"))],
        ),
    ) {
        let body = json!({"cust_no": "1", "rrn": "1", "req_amount": 5});
        check(&BANK, code, header, body, &answer)?;
    }
}
