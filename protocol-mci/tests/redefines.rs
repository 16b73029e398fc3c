//! Redefines areas (COBOL `REDEFINES`): views picked by a selector or the base view, byte-exact
//! round trips, views in groups and headers, and the errors of encode, decode and layouts.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{decode_body, encode_body, with_body};
use proptest::prelude::*;
use protocol_mci::{Direction, Layout, MaskKind, Message};
use serde_json::Value;

/// `kind` picks the view of the 20-byte `detail` area; `tail` follows it.
const CARD_OR_LOAN: &str = r#"
    { name = "kind", type = "text", length = 1 },
    { name = "detail", type = "redefines", selector = "kind", length = 20, pad = " ", alternatives = [
        { name = "card", when = ["C"], fields = [ { name = "card_no", type = "text", length = 16 } ] },
        { name = "loan", when = ["L", "M"], fields = [
            { name = "amount", type = "packed", length = 6, digits = 10, scale = 2 },
            { name = "months", type = "number", length = 3 },
            { name = "rate", type = "number", length = 6, scale = 3 },
        ] },
    ] },
    { name = "tail", type = "text", length = 2 }"#;

const CARD: &str = r#"{"kind": "C", "card": {"card_no": "1234567812345678"}, "tail": "ok"}"#;
const LOAN: &str =
    r#"{"kind": "M", "loan": {"amount": 1234.50, "months": 36, "rate": 4.250}, "tail": "ok"}"#;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn the_selector_picks_the_view_both_ways_byte_exact() {
    let layout = with_body(CARD_OR_LOAN);
    let card = encode_body(&layout, CARD).unwrap();
    assert_eq!(card, b"C1234567812345678    ok");
    assert_eq!(decode_body(&layout, &card).unwrap(), json(CARD));
    let loan = encode_body(&layout, LOAN).unwrap();
    let expected: &[u8] = b"M\x00\x00\x01\x23\x45\x0C036004250     ok";
    assert_eq!(loan, expected);
    let decoded = decode_body(&layout, &loan).unwrap();
    assert_eq!(decoded, json(LOAN));
    assert_eq!(encode_body(&layout, &decoded.to_string()).unwrap(), loan);
}

#[test]
fn without_a_selector_decode_reads_the_base_view() {
    let layout = with_body(
        r#"{ name = "area", type = "redefines", alternatives = [
               { name = "raw", fields = [ { name = "text", type = "text", length = 10 } ] },
               { name = "parts", fields = [
                   { name = "code", type = "text", length = 4 },
                   { name = "amt", type = "number", length = 5 },
               ] },
           ] }"#,
    );
    let wire = encode_body(&layout, r#"{"parts": {"code": "AB", "amt": 12}}"#).unwrap();
    // `parts` is 9 bytes of the 10-byte area (its longest view): the pad follows.
    assert_eq!(wire, b"AB  00012 ");
    let decoded = decode_body(&layout, &wire).unwrap();
    assert_eq!(decoded, json(r#"{"raw": {"text": "AB  00012"}}"#));
    assert_eq!(encode_body(&layout, &decoded.to_string()).unwrap(), wire);
}

#[test]
fn a_base_view_shorter_than_another_without_a_selector_is_a_warning() {
    let area = |first: &str, second: &str| {
        format!(
            r#"{{ name = "area", type = "redefines", alternatives = [
                   {{ name = "raw", fields = [ {{ name = "text", type = "text", length = {first} }} ] }},
                   {{ name = "parts", fields = [
                       {{ name = "code", type = "text", length = 4 }},
                       {{ name = "amt", type = "number", length = {second} }},
                   ] }},
               ] }}"#
        )
    };
    let layout = with_body(&area("6", "5"));
    let warnings: Vec<String> = layout.warnings().iter().map(ToString::to_string).collect();
    let said = "expected the base view (the first, which decoding reads without a `selector`) to \
                be the longest, found base view \"raw\" of 6 bytes and view \"parts\" of 9 bytes, \
                whose last 3 bytes would be read by nothing: add a `selector` and `when` values, \
                or make the longest view the first";
    assert_eq!(
        warnings,
        [
            format!("messages.T001.request.area: {said}"),
            format!("messages.T001.response.area: {said}"),
        ]
    );
    // The layout still decodes every record as its base view.
    let decoded = decode_body(&layout, b"AB  00012").unwrap();
    assert_eq!(decoded, json(r#"{"raw": {"text": "AB  00"}}"#));
    // A base view as long as the longest, or a selector, leaves nothing unread.
    assert_eq!(with_body(&area("9", "5")).warnings(), []);
    assert_eq!(with_body(CARD_OR_LOAN).warnings(), []);
}

#[test]
fn bytes_after_a_shorter_view_are_not_checked_and_are_written_as_pad() {
    let layout = with_body(CARD_OR_LOAN);
    let decoded = decode_body(&layout, b"C1234567812345678XYZ!ok").unwrap();
    assert_eq!(decoded, json(CARD));
    let again = encode_body(&layout, &decoded.to_string()).unwrap();
    assert_eq!(again, b"C1234567812345678    ok");
}

#[test]
fn encode_needs_exactly_one_view_that_agrees_with_the_selector() {
    let layout = with_body(CARD_OR_LOAN);
    let error = |body: &str| encode_body(&layout, body).unwrap_err().to_string();
    // Body from byte 8: kind 8..9, detail 9..29, tail 29..31.
    assert_eq!(
        error(r#"{"kind": "C", "tail": "ok"}"#),
        r#"body.detail at bytes 9..29: expected one of "card" or "loan" (the views of this area), found none"#
    );
    assert_eq!(
        error(r#"{"kind": "C", "card": {}, "loan": {"amount": 1, "months": 1, "rate": 1}}"#),
        r#"body.detail at bytes 9..29: expected exactly one of "card" or "loan", found "card" and "loan""#
    );
    assert_eq!(
        error(r#"{"kind": "C", "loan": {"amount": 1, "months": 1, "rate": 1}}"#),
        r#"body.detail at bytes 9..29: expected selector "kind" to be "L" or "M" for alternative "loan", found "C""#
    );
    assert_eq!(
        error(r#"{"card": {"card_no": "1"}}"#),
        r#"body.detail at bytes 9..29: expected selector "kind" to be "C" for alternative "card", found """#
    );
    assert_eq!(
        error(r#"{"kind": "C", "card": "1234"}"#),
        r#"body.card at bytes 9..25: expected an object, found string "1234""#
    );
    assert_eq!(
        error(r#"{"kind": "L", "loan": {"amount": 1, "months": 1234, "rate": 1}}"#),
        "body.loan.months at bytes 15..18: expected at most 3 integer digits, found 1234"
    );
    // A null view is absent: the other one is the view.
    let card_and_null = r#"{"kind": "C", "card": {"card_no": "1"}, "loan": null, "tail": "ok"}"#;
    assert!(encode_body(&layout, card_and_null).is_ok());
}

#[test]
fn decode_errors_name_the_selector_value_or_the_field_in_the_view() {
    let layout = with_body(CARD_OR_LOAN);
    let err = decode_body(&layout, b"X1234567812345678    ok").unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"body.detail at bytes 9..29: expected selector "kind" to be "C", "L" or "M", found "X""#
    );
    let err = decode_body(&layout, b"L\x00\x00\x01\x23\x45\x0C0A6004250     ok").unwrap_err();
    assert_eq!(
        err.to_string(),
        "body.loan.months at bytes 15..18: expected digits, found 0x41"
    );
    let err = decode_body(&layout, b"C12345678").unwrap_err();
    assert_eq!(err.path, "body.card.card_no");
}

#[test]
fn views_inside_group_elements_follow_their_own_selector() {
    let layout = with_body(
        r#"{ name = "n", type = "number", length = 1 },
           { name = "items", type = "group", count = "n", max = 3, fields = [
               { name = "t", type = "text", length = 1 },
               { name = "v", type = "redefines", selector = "t", alternatives = [
                   { name = "num", when = ["N"], fields = [ { name = "x", type = "number", length = 4 } ] },
                   { name = "txt", when = ["T"], fields = [ { name = "y", type = "text", length = 2 } ] },
               ] },
           ] }"#,
    );
    let body =
        r#"{"n": 2, "items": [{"t": "N", "num": {"x": 12}}, {"t": "T", "txt": {"y": "ab"}}]}"#;
    let wire = encode_body(&layout, body).unwrap();
    assert_eq!(wire, b"2N0012Tab       ");
    assert_eq!(decode_body(&layout, &wire).unwrap(), json(body));
    let err = decode_body(&layout, b"2N0012Qab       ").unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"body.items[1].v at bytes 15..19: expected selector "t" to be "N" or "T", found "Q""#
    );
    let err = decode_body(&layout, b"2N00x2Tab       ").unwrap_err();
    assert_eq!(err.path, "body.items[0].num.x");
}

#[test]
fn nested_areas_and_a_number_selector() {
    let layout = with_body(
        r#"{ name = "ver", type = "number", length = 2 },
           { name = "rec", type = "redefines", selector = "ver", alternatives = [
               { name = "v1", when = ["1"], fields = [ { name = "a", type = "text", length = 6 } ] },
               { name = "v2", when = ["2", "3"], fields = [
                   { name = "sub", type = "text", length = 1, pad_edge = "merge" },
                   { name = "inner", type = "redefines", selector = "sub", alternatives = [
                       { name = "yes", when = ["Y"], fields = [ { name = "d", type = "date", pattern = "yyyyMMdd" } ] },
                       { name = "no", when = ["N", ""], fields = [ { name = "why", type = "text", length = 3 } ] },
                   ] },
               ] },
           ] }"#,
    );
    let body = r#"{"ver": 2, "v2": {"sub": "Y", "yes": {"d": "2026-11-29"}}}"#;
    let wire = encode_body(&layout, body).unwrap();
    // `v2` is 9 bytes; the area takes its longest view.
    assert_eq!(wire, b"02Y20261129");
    assert_eq!(decode_body(&layout, &wire).unwrap(), json(body));
    let blank = r#"{"ver": 3, "v2": {"sub": "", "no": {"why": "abc"}}}"#;
    let wire = encode_body(&layout, blank).unwrap();
    assert_eq!(wire, b"03 abc     ");
    assert_eq!(decode_body(&layout, &wire).unwrap(), json(blank));
    // Engines may write the number as text, with a sign or leading zeros, and (with
    // `pad_edge = "merge"`) the blank selector as its pad.
    let loose = r#"{"ver": "+03", "v2": {"sub": " ", "no": {"why": "abc"}}}"#;
    assert_eq!(encode_body(&layout, loose).unwrap(), b"03 abc     ");
    let err = decode_body(&layout, b"07abcdef   ")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(r#"expected selector "ver" to be "1", "2" or "3", found "7""#),
        "{err}"
    );
}

const HEADER_LAYOUT: &str = r#"
[framing]
prefix = "ascii"
prefix_length = 4
counts = "after_prefix"
max_frame = 999
[header]
discriminator = "tx"
fields = [
  { name = "tx", type = "text", length = 4 },
  { name = "route", type = "text", length = 1 },
  { name = "dest", type = "redefines", selector = "route", alternatives = [
    { name = "branch", when = ["B"], fields = [ { name = "branch_no", type = "text", length = 3 } ] },
    { name = "host", when = ["H"], fields = [ { name = "lpar", type = "text", length = 2 }, { name = "region", type = "number", length = 3 } ] },
  ] },
]
[messages.T001]
request = [ { name = "acct", type = "text", length = 6, mask = "account" } ]
response = [
  { name = "view", type = "text", length = 1 },
  { name = "who", type = "redefines", selector = "view", alternatives = [
    { name = "person", when = ["P"], fields = [ { name = "name", type = "text", length = 6, mask = "name" } ] },
    { name = "firm", when = ["F"], fields = [ { name = "reg_no", type = "text", length = 6, mask = "full" } ] },
  ] },
]
"#;

#[test]
fn areas_work_in_headers_and_masks_reach_into_views() {
    let layout = Layout::from_toml(HEADER_LAYOUT, "t.toml", "t").unwrap();
    assert_eq!(layout.header_len, 4 + 4 + 1 + 5);
    let message: Message = serde_json::from_str(
        r#"{"header": {"tx": "T001", "route": "H", "host": {"lpar": "P1", "region": 7}},
            "body": {"view": "P", "person": {"name": "홍길동"}}}"#,
    )
    .unwrap();
    let frame = layout.encode(Direction::Response, &message).unwrap();
    assert_eq!(&frame[..14], b"0017T001HP1007");
    assert_eq!(layout.decode(Direction::Response, &frame).unwrap(), message);
    let header = layout.decode_header(&frame).unwrap();
    assert_eq!(header["host"]["region"], 7);
    let mut masked = message.clone();
    layout.mask(Direction::Response, &mut masked);
    assert_eq!(masked.body["person"]["name"], "홍**");
    assert_eq!(
        layout.masked_paths("T001"),
        vec![
            ("body.acct".to_owned(), MaskKind::Account),
            ("body.firm.reg_no".to_owned(), MaskKind::Full),
            ("body.person.name".to_owned(), MaskKind::Name),
        ]
    );
}

#[test]
fn the_gateways_own_answers_write_the_base_view_blank() {
    let layout = Layout::from_toml(HEADER_LAYOUT, "t.toml", "t").unwrap();
    let header: Message = serde_json::from_str(
        r#"{"header": {"tx": "T001", "route": "B", "branch": {"branch_no": "001"}}, "body": {}}"#,
    )
    .unwrap();
    let frame = layout
        .encode_error_answer(&header.header, "E999", "bad request")
        .unwrap();
    assert_eq!(frame, b"0017T001B001         ");
}

/// Loads a layout whose request body is `fields`; the error text.
fn layout_error(fields: &str) -> String {
    let toml = format!(
        "[framing]\nprefix = \"ascii\"\nprefix_length = 4\ncounts = \"frame\"\nmax_frame = 999\n\
         [header]\ndiscriminator = \"tx\"\nfields = [ {{ name = \"tx\", type = \"text\", length = 4 }} ]\n\
         [messages.AAAA]\nrequest = [ {fields} ]\nresponse = [ {{ name = \"ok\", type = \"text\", length = 1 }} ]\n"
    );
    match Layout::from_toml(&toml, "t.toml", "t") {
        Ok(_) => panic!("expected a layout error for {fields}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn layout_errors_name_the_key_path() {
    let area = |selector: &str, length: &str, card_when: &str, loan_when: &str| {
        format!(
            r#"{{ name = "kind", type = "text", length = 1 }},
               {{ name = "detail", type = "redefines" {selector} {length}, alternatives = [
                   {{ name = "card", {card_when} fields = [ {{ name = "no", type = "text", length = 16 }} ] }},
                   {{ name = "loan", {loan_when} fields = [ {{ name = "amt", type = "number", length = 9 }} ] }},
               ] }},
               {{ name = "tail", type = "text", length = 2 }}"#
        )
        .replace('\n', " ")
    };
    let path = "messages.AAAA.request.detail";
    let cases = [
        (
            area(r#", selector = "nope""#, "", r#"when = ["C"],"#, r#"when = ["L"],"#),
            format!(r#"{path}: selector "nope" is not a field at this level"#),
        ),
        (
            area(r#", selector = "tail""#, "", r#"when = ["C"],"#, r#"when = ["L"],"#),
            format!(
                r#"{path}: selector "tail" comes after the area: it must be an earlier field at this level"#
            ),
        ),
        (
            area(r#", selector = "kind""#, "", r#"when = ["C", "L"],"#, r#"when = ["L"],"#),
            format!(r#"{path}.loan: `when` value "L" already picks alternative "card""#),
        ),
        (
            area("", "", r#"when = ["C"],"#, ""),
            format!("{path}.card: `when` needs the area's `selector`"),
        ),
        (
            area(r#", selector = "kind""#, "", r#"when = ["C"],"#, ""),
            format!("{path}.loan: with a `selector`, every alternative needs `when` values"),
        ),
        (
            area("", ", length = 12", "", ""),
            format!(
                "{path}.card: expected at most the area's `length` of 12 bytes, the alternative is 16 bytes"
            ),
        ),
        (
            area(r#", selector = "kind""#, "", r#"when = ["CC"],"#, r#"when = ["L"],"#),
            format!(r#"{path}.card: `when` value "CC" is 2 bytes, the selector holds 1"#),
        ),
        (
            area(r#", selector = "kind""#, "", r#"when = ["C "],"#, r#"when = ["L"],"#),
            format!(
                r#"{path}.card: `when` value "C " never matches: decoding strips the selector's pad"#
            ),
        ),
    ];
    for (fields, expected) in cases {
        let err = layout_error(&fields);
        assert!(err.contains(&expected), "expected {expected:?} in:\n{err}");
    }
}

#[test]
fn more_layout_errors() {
    let cases = [
        (
            r#"{ name = "d", type = "date", pattern = "yyyyMMdd" },
               { name = "a", type = "redefines", selector = "d", alternatives = [
                   { name = "x", when = ["1"], fields = [ { name = "v", type = "text", length = 1 } ] } ] }"#,
            r#"messages.AAAA.request.a: selector "d" must be a text field or a whole-number field"#,
        ),
        (
            r#"{ name = "n", type = "number", length = 2 },
               { name = "a", type = "redefines", selector = "n", alternatives = [
                   { name = "x", when = ["01"], fields = [ { name = "v", type = "text", length = 1 } ] } ] }"#,
            r#"messages.AAAA.request.a.x: `when` value "01" never matches: a number selector is compared by its decimal text"#,
        ),
        (
            r#"{ name = "x", type = "text", length = 1 },
               { name = "a", type = "redefines", alternatives = [
                   { name = "x", fields = [ { name = "v", type = "text", length = 1 } ] } ] }"#,
            "messages.AAAA.request.a.x: duplicate name: a field or view at this level already has it",
        ),
        (
            r#"{ name = "n", type = "number", length = 1 },
               { name = "a", type = "redefines", alternatives = [
                   { name = "x", fields = [
                       { name = "c", type = "number", length = 1 },
                       { name = "g", type = "group", count = "c", max = 2, mode = "compact", fields = [
                           { name = "v", type = "text", length = 1 } ] } ] } ] }"#,
            "messages.AAAA.request.a.x: an alternative needs fixed-size fields (no compact groups inside)",
        ),
        (
            r#"{ name = "a", type = "redefines", count = "n" }"#,
            "messages.AAAA.request.a: key `count` does not apply to a redefines field",
        ),
        (
            r#"{ name = "a", type = "redefines" }"#,
            "messages.AAAA.request.a: a redefines area needs `alternatives`",
        ),
        (
            r#"{ name = "a", type = "redefines", alternatives = [ { name = "x", fields = [], wen = [] } ] }"#,
            "unknown field `wen`",
        ),
        (
            r#"{ name = "a", type = "redefines", alternatives = [
                   { name = "x", fields = [ { name = "v", type = "text", length = 2, offset = 7 } ] } ] }"#,
            "messages.AAAA.request.a.x.v: declared offset 7, the fields before it end at 8",
        ),
    ];
    for (fields, expected) in cases {
        let err = layout_error(&fields.replace('\n', " "));
        assert!(err.contains(expected), "expected {expected:?} in:\n{err}");
    }
}

proptest! {
    /// A selector byte that picks no view is refused naming the selector and the value; one
    /// that picks a view decodes to exactly that view.
    #[test]
    fn every_selector_byte_picks_its_view_or_is_refused(byte in 0x20u8..0x7F) {
        let layout = with_body(CARD_OR_LOAN);
        let mut wire = b"C1234567812345678    ok".to_vec();
        wire[0] = byte;
        let kind = char::from(byte).to_string();
        match (decode_body(&layout, &wire), byte) {
            (Ok(body), b'C') => prop_assert!(body.get("card").is_some()),
            // Loan bytes that are not packed digits fail inside the view, never elsewhere.
            (Err(err), b'L' | b'M') => prop_assert!(err.path.starts_with("body.loan."), "{}", err),
            (Ok(_), _) => prop_assert!(false, "{:?} picked a view", kind),
            (Err(err), _) => {
                let text = err.to_string();
                prop_assert_eq!(&err.path, "body.detail");
                let found = format!("found {}", Value::from(kind.trim_end()));
                prop_assert!(text.contains("expected selector \"kind\""), "{}", text);
                prop_assert!(text.ends_with(&found), "{} vs {}", text, found);
            }
        }
    }

    /// Encoding takes exactly one view, and only the one its selector picks.
    #[test]
    fn encode_takes_one_view_agreeing_with_the_selector(
        kind in prop::sample::select(&["C", "L", "M", "X", ""][..]),
        card in any::<bool>(),
        loan in any::<bool>(),
    ) {
        let layout = with_body(CARD_OR_LOAN);
        let mut body = serde_json::Map::new();
        body.insert("kind".into(), Value::from(kind));
        if card {
            body.insert("card".into(), json(r#"{"card_no": "4111"}"#));
        }
        if loan {
            body.insert("loan".into(), json(r#"{"amount": 1, "months": 2, "rate": 3}"#));
        }
        let picks = match kind {
            "C" => card && !loan,
            "L" | "M" => loan && !card,
            _ => false,
        };
        match encode_body(&layout, &Value::Object(body).to_string()) {
            Ok(wire) => {
                prop_assert!(picks);
                let decoded = decode_body(&layout, &wire).unwrap();
                prop_assert_eq!(decoded["kind"].as_str(), Some(kind));
            }
            Err(err) => {
                prop_assert!(!picks, "{}", err);
                prop_assert_eq!(err.path, "body.detail");
                prop_assert_eq!(err.range, 9..29);
            }
        }
    }
}

#[test]
fn a_view_may_share_its_areas_name_but_not_another_views() {
    let view = |name: &str, field: &str| {
        format!(
            r#"{{ name = "{name}", fields = [ {{ name = "{field}", type = "text", length = 1 }} ] }}"#
        )
    };
    let area = |views: &str| {
        format!(r#"{{ name = "a", type = "redefines", alternatives = [ {views} ] }}"#)
    };
    let layout = with_body(&area(&format!("{}, {}", view("a", "v"), view("b", "w"))));
    assert_eq!(
        decode_body(&layout, b"x").unwrap(),
        json(r#"{"a": {"v": "x"}}"#)
    );
    let err = layout_error(&area(&format!("{}, {}", view("a", "v"), view("a", "w"))));
    assert!(
        err.contains(r#"messages.AAAA.request.a: duplicate alternative name "a""#),
        "{err}"
    );
    assert!(!err.contains("duplicate name:"), "reported once: {err}");
}

/// The fuzz target's structure layout loads (the fuzz crate is not built in CI) and a frame of
/// every kind in it round-trips byte-exact.
#[test]
fn the_fuzz_layout_loads_and_round_trips() {
    let text = include_str!("../fuzz/layouts/structure.toml");
    let layout = Layout::from_toml(text, "structure.toml", "structure").unwrap();
    let message: Message = serde_json::from_str(
        r#"{"header": {"tx": "S001", "route": "B", "branch": {"branch_no": "042"}},
            "body": {"kind": "L", "loan": {"amount": 10.00, "months": 12, "rate": -1.500,
                       "sub": "F", "fixed": {"until": "23:59:59"}},
                     "raw": {"text": "free text"},
                     "slot_cnt": 1, "slots": [{"code": "A", "amt": 1.00, "pk": 5, "due": null,
                       "k": "Y", "y": {"yv": "zz"}, "sub_cnt": 1, "subs": [{"s": "q"}]}],
                     "tag_cnt": 0, "tags": []}}"#,
    )
    .unwrap();
    let frame = layout.encode(Direction::Request, &message).unwrap();
    assert_eq!(layout.decode(Direction::Request, &frame).unwrap(), message);
}
