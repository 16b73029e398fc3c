//! The tree route against the `Message` route it replaced: the same frame and transaction code
//! (an http engine's body is written from the frame decoded), or the same 400 text past the parse (a body that is not a request refused by
//! both), for generated requests (valid, broken by a field, cut at any byte) and for hand-picked
//! malformed bodies, whose refusals say what is wrong; a key given twice is refused with its path.

use std::sync::LazyLock;

use proptest::prelude::*;
use protocol_mci::json::JsonTree;
use protocol_mci::{Direction, Layout, Message};
use serde_json::{json, Value};

use super::JsonRequest;

/// What a request body becomes: frame and transaction code, or the 400 text.
type Outcome = Result<(Vec<u8>, String), String>;

fn layout(path: &str) -> Layout {
    Layout::from_file(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

static LOAN: LazyLock<Layout> = LazyLock::new(|| layout("../config/layouts/loan-screening.toml"));
static SECTIONED: LazyLock<Layout> =
    LazyLock::new(|| layout("../protocol-mci/tests/layouts/bank-link.toml"));

/// The route before the trees: `serde_json::from_slice::<Message>` in the listener, then
/// `handle_message`'s routing and encode.
fn by_message(layout: &Layout, tx_codes: &[String], bytes: &[u8]) -> Outcome {
    let request: Message = serde_json::from_slice(bytes)
        .map_err(|e| format!("expected {{\"header\": {{..}}, \"body\": {{..}}}}: {e}"))?;
    let code = layout.code_of(&request).unwrap_or_default().to_owned();
    if !tx_codes.contains(&code) {
        return Err(super::unknown_transaction(
            layout,
            tx_codes,
            &code,
            &request.header,
        ));
    }
    // The one rule the message route never had: header and body keys the layout lacks
    // (`unknown`, tested on its own below) are refused before encoding.
    if let Some(selected) = layout.message(&code) {
        let header = layout.header_of(selected);
        if let Some(text) =
            header.and_then(|h| super::unknown::unknown_header_key(h, &request.header))
        {
            return Err(text);
        }
        let body = Value::Object(request.body.clone());
        if let JsonTree::Object(members) = JsonTree::from_value(&body) {
            if let Some(text) = super::unknown::unknown_key(&selected.request, &members) {
                return Err(text);
            }
        }
    }
    let frame = layout
        .encode(Direction::Request, &request)
        .map_err(|e| super::ingress_text(&e))?;
    Ok((frame, code))
}

/// The tree route.
fn by_tree(layout: &Layout, tx_codes: &[String], bytes: &[u8]) -> Outcome {
    let request = JsonRequest::parse(bytes).map_err(|refusal| refusal.message)?;
    request.encode(layout, tx_codes)
}

/// How a refusal of the parse begins: what follows it is the parser's (serde_json's on the
/// `Message` route, jiter's and the request check's on the tree route).
const NOT_A_REQUEST: &str = "expected {\"header\": {..}, \"body\": {..}}: ";

/// The `Message` route's outcome as both routes must agree on it: the same frame and code, the
/// same text of a refusal past the parse, and a refusal of the parse as such.
fn verdict(outcome: Outcome) -> Outcome {
    outcome.map_err(|text| match text.starts_with(NOT_A_REQUEST) {
        true => NOT_A_REQUEST.to_owned(),
        false => text,
    })
}

/// The tree route's outcome as [`verdict`] reads the `Message` route's: a body its parse
/// refuses (in its own words: the expected shape, or the member where the JSON breaks) is
/// refused as not a request.
fn tree_verdict(layout: &Layout, tx_codes: &[String], bytes: &[u8]) -> Outcome {
    match JsonRequest::parse(bytes) {
        Err(_) => Err(NOT_A_REQUEST.to_owned()),
        Ok(_) => by_tree(layout, tx_codes, bytes),
    }
}

fn both(layout: &Layout, tx_codes: &[&str], bytes: &[u8]) -> (Outcome, Outcome) {
    let codes: Vec<String> = tx_codes.iter().map(|c| c.to_string()).collect();
    (
        by_message(layout, &codes, bytes),
        by_tree(layout, &codes, bytes),
    )
}

#[test]
fn malformed_bodies_are_refused_saying_what_is_wrong() {
    let deep = format!(
        r#"{{"header": {{}}, "body": {{"x": {}{}}}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    // Each body and the whole 400 text: the expected shape and what was found, or, inside
    // `header` or `body`, the member where the JSON breaks.
    let shape = |found: &str| format!("{NOT_A_REQUEST}{found}");
    let cases: Vec<(&[u8], String)> = vec![
        (
            b"",
            shape("EOF while parsing a value at line 1 column 1 (byte 0)"),
        ),
        (
            b"{\"header\": {}",
            shape("EOF while parsing an object at line 1 column 14 (byte 13)"),
        ),
        (b"[]", shape("found an array")),
        (b"[{}]", shape("found an array")),
        // serde's derive read an array of two objects as header and body.
        (b"[{}, {}]", shape("found an array")),
        (b"\"x\"", shape("found a string")),
        (b"null", shape("found null")),
        (b"{}", shape("found no `header`")),
        (b"{\"header\": {}}", shape("found no `body`")),
        (b"{\"body\": {}}", shape("found no `header`")),
        (
            b"{\"header\": {}, \"body\": {}, \"x\": 1}",
            shape("found a top-level member `x`"),
        ),
        (
            b"{\"header\": 1, \"body\": {}}",
            shape("found `header` to be a number"),
        ),
        (
            b"{\"header\": null, \"body\": {}}",
            shape("found `header` to be null"),
        ),
        (
            b"{\"header\": {}, \"body\": []}",
            shape("found `body` to be an array"),
        ),
        (
            b"{\"header\": {}, \"body\": {}} x",
            shape("found more bytes after the object at line 1 column 28 (byte 27)"),
        ),
        (
            b"{\"header\": {}, \"body\": {}}\n{}",
            shape("found more bytes after the object at line 2 column 1 (byte 27)"),
        ),
        (
            b"{\"header\": {\"tx_code\": 01}, \"body\": {}}",
            "header.tx_code: invalid number at line 1 column 25 (byte 24)".to_owned(),
        ),
        (
            b"{\"header\": {\"tx_code\": \"LNS\xff\"}, \"body\": {}}",
            "header.tx_code: invalid unicode code point at line 1 column 28 (byte 27)".to_owned(),
        ),
        (
            b"{\"header\": {1: 2}, \"body\": {}}",
            "header: key must be a string at line 1 column 13 (byte 12)".to_owned(),
        ),
        (
            deep.as_bytes(),
            format!(
                "body.x{}…(111 more levels)…{}: recursion limit exceeded at line 1 column 155 \
                 (byte 154)",
                "[0]".repeat(6),
                "[0]".repeat(8)
            ),
        ),
    ];
    for (bytes, text) in cases {
        let (before, now) = both(&LOAN, &["LNS0001"], bytes);
        // The `Message` route refused each too (an array of two objects only at routing).
        assert!(before.is_err(), "{}", String::from_utf8_lossy(bytes));
        assert_eq!(now, Err(text), "{}", String::from_utf8_lossy(bytes));
    }
    // A column counts characters: the customer's name is nine bytes, three characters.
    let hangul =
        r#"{"header": {"tx_code": "LNS0001"}, "body": {"cust_name": "한아수", "req_term": 01}}"#;
    assert_eq!(
        by_tree(&LOAN, &["LNS0001".into()], hangul.as_bytes()).unwrap_err(),
        "body.req_term: invalid number at line 1 column 78 (byte 83)"
    );
    // serde_json's private number token is a key like any other: here one the header lacks
    // (serde_json read the object as a number, or refused it as one).
    let token =
        br#"{"header": {"tx_code": "LNS0001", "$serde_json::private::Number": "x"}, "body": {}}"#;
    let refused = by_tree(&LOAN, &["LNS0001".into()], token).unwrap_err();
    assert!(
        refused.starts_with("header.$serde_json::private::Number: expected a field of the header"),
        "{refused}"
    );
    // A number's text is the client's own: serde_json's `Value` wrote 1e400 as `1e+400`.
    let huge = br#"{"header": {"tx_code": "LNS0001"}, "body": {"annual_income": 1e400}}"#;
    assert_eq!(
        by_tree(&LOAN, &["LNS0001".into()], huge).unwrap_err(),
        "body.annual_income: expected at most 40 digits written out, found 1e400"
    );
    // Past the parse, texts are the `Message` route's.
    for bytes in [
        &b"{\"header\": {\"tx_code\": \"LNS0001\"}, \"body\": {\"annual_income\": \"a lot\"}}"[..],
        b"{\"header\": {\"tx_code\": \"LNS0002\"}, \"body\": {}}",
    ] {
        let (expected, actual) = both(&LOAN, &["LNS0001"], bytes);
        assert!(expected.is_err(), "{}", String::from_utf8_lossy(bytes));
        assert_eq!(actual, expected, "{}", String::from_utf8_lossy(bytes));
    }
}

#[test]
fn a_key_given_twice_is_refused_with_its_path() {
    let refused = |text: &str| by_tree(&LOAN, &["LNS0001".into()], text.as_bytes()).unwrap_err();
    assert_eq!(
        refused(r#"{"header": {"tx_code": "LNS0001", "tx_code": "X"}, "body": {"a": 1, "a": 1}}"#),
        "expected each key once, found `header.tx_code` twice"
    );
    assert_eq!(
        refused(
            r#"{"header": {}, "body": {"loans": [{}, {"rate": 1, "rate": 2}], "a": 1, "a": 2}}"#
        ),
        "expected each key once, found `body.loans[1].rate` twice"
    );
    // Past the scan, keys are held in a set; a syntax error after a duplicate is still one.
    let many: String = (0..40).map(|i| format!("\"k{i}\": {i}, ")).collect();
    let text = format!(r#"{{"header": {{}}, "body": {{{many}"k33": 0}}}}"#);
    assert_eq!(
        refused(&text),
        "expected each key once, found `body.k33` twice"
    );
    let broken = r#"{"header": {}, "body": {"a": 1, "a": 2, "b": tru}}"#;
    assert!(
        refused(broken).contains("line 1 column"),
        "{}",
        refused(broken)
    );
    // The top level's own members are keys like any other (serde's derive said "duplicate
    // field `body`"), also where the last value would not be an object.
    for text in [
        r#"{"header": {}, "body": {}, "body": {}}"#,
        r#"{"header": {}, "body": {}, "body": 1}"#,
    ] {
        assert_eq!(refused(text), "expected each key once, found `body` twice");
    }
}

#[test]
fn a_request_for_no_transaction_of_the_strategy_names_the_ones_it_has() {
    let codes = ["LNS0001".to_owned(), "LNS0003".to_owned()];
    let refused = |text: &str| by_tree(&LOAN, &codes, text.as_bytes()).unwrap_err();
    assert_eq!(
        refused(r#"{"header": {}, "body": {}}"#),
        "header.tx_code: expected a transaction of this strategy (LNS0001, LNS0003), found nothing"
    );
    assert_eq!(
        refused(r#"{"header": {"tx_code": "LNS0009"}, "body": {}}"#),
        "header.tx_code: expected a transaction of this strategy (LNS0001, LNS0003), \
         found \"LNS0009\""
    );
}

#[test]
fn a_header_key_the_layout_does_not_have_is_refused_with_its_path() {
    let refused = |layout: &Layout, header: &str| {
        let text = format!(r#"{{"header": {header}, "body": {{}}}}"#);
        by_tree(layout, &["LNS0001".into()], text.as_bytes()).unwrap_err()
    };
    // The legacy header: its fields are the header's keys.
    let flat = refused(&LOAN, r#"{"tx_code": "LNS0001", "chanel": "03"}"#);
    assert_eq!(
        flat,
        "header.chanel: expected a field of the header here (guid, sys_code, tx_code, rr_flag, \
         resp_code, sent_at, channel, branch), found a key it does not have"
    );
    // A filler is bytes of the frame, never a key: a value sent under its name would be dropped.
    let filler = refused(&LOAN, r#"{"tx_code": "LNS0001", "reserved": "x"}"#);
    assert!(
        filler.starts_with("header.reserved: expected a field of the header here (guid, "),
        "{filler}"
    );
    // Named sections: a section the header does not have, and a field its section lacks.
    let biz = r#""biz": {"msg_type": "0200", "svc_code": "LNS0001"}"#;
    let section = refused(&SECTIONED, &format!(r#"{{{biz}, "sis": {{}}}}"#));
    assert_eq!(
        section,
        "header.sis: expected a section of the header here (sys, biz), found a key it does not \
         have"
    );
    let field = refused(&SECTIONED, &format!(r#"{{{biz}, "sys": {{"gid": "G1"}}}}"#));
    assert!(
        field.starts_with("header.sys.gid: expected a field of the section here (guid, rr_flag, "),
        "{field}"
    );
    // `branch` is a field of both sections: each section's own keys are what count.
    let branch = format!(r#"{{"header": {{{biz}, "sys": {{"branch": "0001"}}}}, "body": {{}}}}"#);
    let outcome = by_tree(&SECTIONED, &["LNS0001".into()], branch.as_bytes());
    assert!(!outcome.is_err_and(|e| e.starts_with("header.")));
}

#[test]
fn a_body_key_the_layout_does_not_have_is_refused_with_its_path() {
    let refused = |body: &str| {
        let text = format!(r#"{{"header": {{"tx_code": "LNS0001"}}, "body": {body}}}"#);
        by_tree(&LOAN, &["LNS0001".into()], text.as_bytes()).unwrap_err()
    };
    let top = refused(r#"{"cust_no": "1", "annual_incme": 5}"#);
    assert!(
        top.starts_with("body.annual_incme: expected a field of the layout here (cust_no, "),
        "{top}"
    );
    assert!(top.contains("annual_income"), "{top}");
    let nested = refused(r#"{"loans": [{"lender": "KB"}, {"lendr": "KB"}]}"#);
    assert!(
        nested.starts_with("body.loans[1].lendr: expected a field of the layout here ("),
        "{nested}"
    );
}

#[test]
fn a_filler_or_a_constant_is_no_body_key() {
    let layout = Layout::from_toml(
        r#"
        [framing]
        prefix = "ascii"
        prefix_length = 4
        counts = "after_prefix"
        max_frame = 999
        [header]
        discriminator = "tx"
        fields = [{ name = "tx", type = "text", length = 4 }]
        [messages.T001]
        request = [
          { name = "a", type = "text", length = 2 },
          { name = "gap", type = "filler", length = 3 },
          { name = "mark", type = "constant", value = "K" },
        ]
        response = [{ name = "ok", type = "text", length = 1 }]
        "#,
        "test",
        "test",
    )
    .unwrap();
    let post = |body: &str| {
        let text = format!(r#"{{"header": {{"tx": "T001"}}, "body": {body}}}"#);
        by_tree(&layout, &["T001".into()], text.as_bytes())
    };
    assert!(post(r#"{"a": "x"}"#).is_ok());
    for key in ["gap", "mark"] {
        let refused = post(&format!(r#"{{"a": "x", "{key}": "K"}}"#)).unwrap_err();
        assert_eq!(
            refused,
            format!(
                "body.{key}: expected a field of the layout here (a), found a key it does not have"
            )
        );
    }
}

#[test]
fn a_field_that_does_not_encode_is_named_by_its_json_path_without_frame_bytes() {
    let mut request = crate::demo::traffic::Traffic::new(1, "bch").next_request();
    request.body.insert("credit_score".into(), json!("abc"));
    let bytes = serde_json::to_vec(&request).unwrap();
    let refused = by_tree(&LOAN, &["LNS0001".into()], &bytes).unwrap_err();
    assert!(
        refused.starts_with("body.credit_score: expected "),
        "{refused}"
    );
    assert!(!refused.contains("bytes"), "{refused}");
}

#[test]
fn sectioned_requests_route_and_encode_alike() {
    let request = json!({
        "header": {
            "sys": {"guid": "G2", "rr_flag": "S", "resp_code": "", "keep_flag": "0",
                    "keep_secs": 0, "branch": "0001"},
            "biz": {"msg_type": "0200", "svc_code": "LNS0001", "branch": "0420"}},
        "body": {"cust_no": "00012", "rrn": "9001011234567", "req_amount": 30000000}});
    for codes in [&["LNS0001"][..], &["LNS0002"][..]] {
        let (expected, actual) = both(&SECTIONED, codes, request.to_string().as_bytes());
        assert_eq!(actual, expected);
    }
    let ok = by_tree(
        &SECTIONED,
        &["LNS0001".into()],
        request.to_string().as_bytes(),
    );
    assert!(ok.is_ok(), "{ok:?}");
}

#[test]
fn demo_requests_encode_alike_and_are_answered() {
    let mut traffic = crate::demo::traffic::Traffic::new(11, "bch");
    for _ in 0..100 {
        let bytes = serde_json::to_vec(&traffic.next_request()).unwrap();
        let (expected, actual) = both(&LOAN, &["LNS0001"], &bytes);
        assert!(actual.is_ok(), "{actual:?}");
        assert_eq!(actual, expected);
    }
}

/// A value a client might put anywhere: scalars of every kind, numbers in several forms.
fn any_value() -> impl Strategy<Value = Value> {
    let text = prop::sample::select(vec![
        "",
        "A1",
        "홍길동",
        "a \"q\" \\ /\t",
        "0420",
        "LNS0001",
    ]);
    let number = prop::sample::select(vec![
        "0",
        "-0",
        "7",
        "12.900",
        "1.5e3",
        "-1",
        "123456789012345678901234567890",
        "0.0001",
    ]);
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        text.prop_map(|t| Value::String(t.to_owned())),
        number.prop_map(|n| serde_json::from_str(n).unwrap()),
        Just(json!([])),
        Just(json!({"x": 1})),
    ]
}

/// How a generated request is changed before it is sent.
#[derive(Debug, Clone)]
enum Change {
    None,
    Body(usize, Value),
    Header(usize, Value),
    Loan(usize, Value),
    DropBody(usize),
    Extra(Value),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        2 => Just(Change::None),
        2 => (0..16usize, any_value()).prop_map(|(i, v)| Change::Body(i, v)),
        1 => (0..10usize, any_value()).prop_map(|(i, v)| Change::Header(i, v)),
        1 => (0..3usize, any_value()).prop_map(|(i, v)| Change::Loan(i, v)),
        1 => (0..16usize).prop_map(Change::DropBody),
        1 => any_value().prop_map(Change::Extra),
    ]
}

fn apply(message: &mut Message, change: Change) {
    let key =
        |map: &serde_json::Map<String, Value>, i: usize| map.keys().nth(i % map.len()).cloned();
    match change {
        Change::None => {}
        Change::Body(i, value) => {
            if let Some(k) = key(&message.body, i) {
                message.body.insert(k, value);
            }
        }
        Change::Header(i, value) => {
            if let Some(k) = key(&message.header, i) {
                message.header.insert(k, value);
            }
        }
        Change::Loan(field, value) => {
            if let Some(Value::Array(loans)) = message.body.get_mut("loans") {
                if let Some(Value::Object(loan)) = loans.first_mut() {
                    if let Some(k) = key(loan, field) {
                        loan.insert(k, value);
                    }
                }
            }
        }
        Change::DropBody(i) => {
            if let Some(k) = key(&message.body, i) {
                message.body.shift_remove(&k);
            }
        }
        Change::Extra(value) => {
            message.body.insert("extra".into(), value);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_tree_route_gives_the_frame_or_the_error_of_the_message_route(
        seed in 0u64..10_000,
        change in change(),
        pretty in any::<bool>(),
        cut in prop::option::weighted(0.2, any::<prop::sample::Index>()),
    ) {
        let mut traffic = crate::demo::traffic::Traffic::new(seed, "bch");
        let mut message = traffic.next_request();
        apply(&mut message, change);
        let mut bytes = match pretty {
            true => serde_json::to_vec_pretty(&message).unwrap(),
            false => serde_json::to_vec(&message).unwrap(),
        };
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        let codes = ["LNS0001".to_owned()];
        let expected = by_message(&LOAN, &codes, &bytes);
        prop_assert_eq!(tree_verdict(&LOAN, &codes, &bytes), verdict(expected));
    }
}
