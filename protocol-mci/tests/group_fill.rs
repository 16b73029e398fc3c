//! Unused elements of padded groups: written as the group's pad (default, byte-identical to
//! earlier layouts) or per field type (`unused = "typed"`), and checked on decode when the layout
//! says so (`unused_check = "exact"`). Elements the JSON leaves out of an `occurs` group are
//! written per field type, so the frame decodes again.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{decode_body, encode_body, with_body, BODY_AT};
use proptest::prelude::*;
use proptest::sample::Index;
use protocol_mci::Layout;

/// Two used and one unused element of every scalar type, then a field after the group.
const LOANS: &str = r#"
    { name = "cnt", type = "number", length = 1 },
    { name = "loans", type = "group", count = "cnt", max = 2 {keys}, fields = [
        { name = "lender", type = "text", length = 3 },
        { name = "bal", type = "number", length = 5, scale = 2, sign = "overpunch" },
        { name = "fee", type = "number", length = 4, sign = "leading" },
        { name = "pk", type = "packed", length = 2 },
        { name = "b", type = "binary", length = 2 },
        { name = "due", type = "date", pattern = "yyyyMMdd", null_fill = "zero" },
        { name = "at", type = "date", pattern = "HHmmss" },
        { name = "gap", type = "filler", length = 1, pad = "|" },
    ] },
    { name = "tail", type = "text", length = 2 }"#;

const ONE_LOAN: &str = r#"{"loans": [{"lender": "KB", "bal": "1.23", "fee": -5, "pk": 7, "b": 258,
    "due": "2026-11-29", "at": "09:30:00"}], "tail": "ok"}"#;

/// The used element of [`ONE_LOAN`], 31 bytes.
const USED: &[u8] = b"KB 0012C-005\x00\x7C\x01\x0220261129093000|";

fn loans(keys: &str) -> Layout {
    with_body(&LOANS.replace("{keys}", keys))
}

fn body(unused: &[u8]) -> Vec<u8> {
    [&b"1"[..], USED, unused, b"ok"].concat()
}

#[test]
fn the_default_fill_is_the_pad_as_before() {
    let layout = loans("");
    let wire = encode_body(&layout, ONE_LOAN).unwrap();
    assert_eq!(wire, body(&[b' '; 31]));
    let explicit = loans(r#", unused = "pad", pad = "~""#);
    assert_eq!(encode_body(&explicit, ONE_LOAN).unwrap(), body(&[b'~'; 31]));
}

#[test]
fn typed_fill_writes_each_field_empty_in_its_own_encoding() {
    let layout = loans(r#", unused = "typed""#);
    let wire = encode_body(&layout, ONE_LOAN).unwrap();
    // Text its pad, overpunched zero, separate sign zero, packed 0C, binary 0, a date's null fill
    // (zeros), a time's (spaces), the filler's pad.
    let empty: &[u8] = b"   0000{+000\x00\x0C\x00\x0000000000      |";
    assert_eq!(wire, body(empty));
    let decoded = decode_body(&layout, &wire).unwrap();
    assert_eq!(decoded["loans"].as_array().unwrap().len(), 1);
    assert_eq!(decoded["loans"][0]["bal"].to_string(), "1.23");
    assert_eq!(decoded["tail"], "ok");
}

#[test]
fn typed_fill_of_nested_groups_and_redefines_is_recursive() {
    let layout = with_body(
        r#"{ name = "n", type = "number", length = 1 },
           { name = "outer", type = "group", count = "n", max = 2, unused = "typed", fields = [
               { name = "m", type = "number", length = 1 },
               { name = "inner", type = "group", count = "m", max = 2, pad = "~", fields = [
                   { name = "v", type = "number", length = 2 },
               ] },
               { name = "fixed", type = "group", occurs = 1, fields = [
                   { name = "w", type = "text", length = 1, pad = "_" },
               ] },
               { name = "area", type = "redefines", length = 4, pad = "*", alternatives = [
                   { name = "num", fields = [ { name = "x", type = "number", length = 3 } ] },
                   { name = "txt", fields = [ { name = "y", type = "text", length = 4 } ] },
               ] },
           ] }"#,
    );
    let json = r#"{"outer": [{"inner": [{"v": 7}], "fixed": [{"w": "A"}], "num": {"x": 1}}]}"#;
    let wire = encode_body(&layout, json).unwrap();
    // Used element: m=1, one v, the inner group's own pad for its unused slot. Unused element:
    // everything typed, the inner group's slots included, the area's base view then its pad.
    assert_eq!(wire, b"1107~~A001*00000_000*");
}

#[test]
fn an_occurs_group_short_of_elements_is_written_as_initialize_leaves_it_and_decodes() {
    // COBOL `OCCURS 3` without `DEPENDING ON`: all three elements are in every record.
    let layout = with_body(
        r#"{ name = "loans", type = "group", occurs = 3, fields = [
               { name = "lender", type = "text", length = 3 },
               { name = "balance", type = "number", length = 5 },
               { name = "rate", type = "number", length = 6, scale = 3, sign = "leading" },
               { name = "fee", type = "packed", length = 2 },
           ] },
           { name = "tail", type = "text", length = 2 }"#,
    );
    let one =
        r#"{"loans": [{"lender": "KB", "balance": 100, "rate": 4.25, "fee": 7}], "tail": "ok"}"#;
    let wire = encode_body(&layout, one).unwrap();
    // The missing elements: text blank, numbers zero in their own encoding (not spaces, which
    // the number fields refuse on decode).
    let empty: &[u8] = b"   00000+00000\x00\x0C";
    let expected = [&b"KB 00100+04250\x00\x7C"[..], empty, empty, b"ok"].concat();
    assert_eq!(wire, expected);
    let decoded = decode_body(&layout, &wire).unwrap_or_else(|e| panic!("{e}"));
    let loans = decoded["loans"].as_array().unwrap();
    assert_eq!(loans.len(), 3, "{decoded}");
    assert_eq!(loans[0]["balance"].to_string(), "100");
    assert_eq!(loans[2]["lender"], "");
    assert_eq!(loans[2]["balance"].to_string(), "0");
    assert_eq!(loans[2]["rate"].to_string(), "0.000");
    assert_eq!(loans[2]["fee"].to_string(), "0");
    // No element, or no group at all: three empty ones. Encoding the decoded JSON gives the
    // frame back.
    let none = encode_body(&layout, r#"{"tail": "ok"}"#).unwrap();
    assert_eq!(none, [empty, empty, empty, b"ok"].concat());
    assert_eq!(
        encode_body(&layout, r#"{"loans": [], "tail": "ok"}"#).unwrap(),
        none
    );
    assert_eq!(encode_body(&layout, &decoded.to_string()).unwrap(), wire);
    // More than `occurs` elements is refused as before.
    let four = r#"{"loans": [{}, {}, {}, {}], "tail": "ok"}"#;
    let err = encode_body(&layout, four).unwrap_err();
    assert_eq!(
        err.to_string(),
        "body.loans at bytes 8..56: expected at most 3 elements, found 4"
    );
}

#[test]
fn exact_check_refuses_a_stray_byte_naming_the_element_and_offset() {
    let layout = loans(r#", unused = "typed", unused_check = "exact""#);
    let mut wire = encode_body(&layout, ONE_LOAN).unwrap();
    assert!(decode_body(&layout, &wire).is_ok());
    // Body starts at byte 8: count 8, element [0] 9..40, element [1] 40..71; `fee` is 48..52,
    // its sign first.
    wire[1 + 31 + 9] = b'5';
    let err = decode_body(&layout, &wire).unwrap_err();
    assert_eq!(
        err.to_string(),
        "body.loans[1] at bytes 49..50: expected fill byte 0x30 of an unused element, found 0x35"
    );
    assert_eq!(err.path, "body.loans[1]");
}

#[test]
fn exact_check_of_a_pad_fill_and_spaces_under_typed() {
    let padded = loans(r#", pad = "~", unused_check = "exact""#);
    let mut wire = encode_body(&padded, ONE_LOAN).unwrap();
    wire[1 + 31 + 30] = b' ';
    let err = decode_body(&padded, &wire).unwrap_err().to_string();
    assert_eq!(
        err,
        "body.loans[1] at bytes 70..71: expected fill byte 0x7E of an unused element, found 0x20"
    );
    // A host that leaves unused elements blank does not meet a typed, exact layout ...
    let typed = loans(r#", unused = "typed", unused_check = "exact""#);
    let blank = body(&[b' '; 31]);
    let err = decode_body(&typed, &blank).unwrap_err().to_string();
    // The text pads agree; the overpunched zero of `bal` (element offset 3) does not.
    assert!(
        err.starts_with("body.loans[1] at bytes 43..44: expected fill byte 0x30"),
        "{err}"
    );
    // ... and is fine with the default check, which ignores them.
    let ignoring = loans(r#", unused = "typed", unused_check = "ignore""#);
    assert_eq!(decode_body(&ignoring, &blank).unwrap()["tail"], "ok");
}

#[test]
fn exact_check_holds_for_every_unused_element_and_an_empty_group() {
    let layout = loans(r#", unused = "typed", unused_check = "exact""#);
    let wire = encode_body(&layout, r#"{"tail": "ok"}"#).unwrap();
    assert_eq!(wire.len(), 1 + 2 * 31 + 2);
    assert_eq!(&wire[..1], b"0");
    let decoded = decode_body(&layout, &wire).unwrap();
    assert_eq!(decoded["loans"].as_array().unwrap().len(), 0);
    // The second unused element is checked too.
    let mut second = wire.clone();
    second[1 + 31] = b'X';
    let err = decode_body(&layout, &second).unwrap_err();
    assert_eq!(err.path, "body.loans[1]");
    assert_eq!(err.range, 40..41);
}

#[test]
fn fill_keys_are_checked_where_they_mean_something() {
    let load = |keys: &str, group: &str| {
        let toml = format!(
            r#"
            [framing]
            prefix = "ascii"
            prefix_length = 4
            counts = "after_prefix"
            max_frame = 999
            [header]
            discriminator = "tx"
            fields = [{{ name = "tx", type = "text", length = 4 }}]
            [messages.T001]
            request = [
              {{ name = "n", type = "number", length = 1 }},
              {{ name = "g", type = "group", {group} {keys}, fields = [
                {{ name = "v", type = "text", length = 2 }},
              ] }},
            ]
            response = [{{ name = "ok", type = "text", length = 1 }}]
            "#
        );
        Layout::from_toml(&toml, "t.toml", "t").map_err(|e| e.to_string())
    };
    let counted = r#"count = "n", max = 2"#;
    assert!(load(r#", unused = "typed", unused_check = "exact""#, counted).is_ok());
    let err = load(r#", unused = "typed", pad = "~""#, counted).unwrap_err();
    assert!(
        err.contains("messages.T001.request.g: `pad` is the fill of unused = \"pad\""),
        "{err}"
    );
    let err = load(r#", unused = "typed""#, "occurs = 2").unwrap_err();
    assert!(
        err.contains("messages.T001.request.g: `unused` and `unused_check` apply only to a padded group with a `count` field"),
        "{err}"
    );
    // An `occurs` group's missing elements are typed: a pad there would be ignored.
    let err = load(r#", pad = "~""#, "occurs = 2").unwrap_err();
    assert!(
        err.contains(
            "messages.T001.request.g: `pad` applies only to a padded group with a `count` field \
             (an `occurs` group's elements the JSON leaves out are written empty, each field in \
             its own type)"
        ),
        "{err}"
    );
    let compact = r#"count = "n", max = 2, mode = "compact""#;
    let err = load(r#", unused_check = "exact""#, compact).unwrap_err();
    assert!(err.contains("apply only to a padded group"), "{err}");
    let err = load(r#", unused = "zeros""#, counted).unwrap_err();
    assert!(err.contains("unknown variant `zeros`"), "{err}");
    let text = r#"{ name = "v", type = "text", length = 2, unused = "typed" }"#;
    let err = Layout::from_toml(
        &format!(
            "[framing]\nprefix = \"ascii\"\nprefix_length = 4\ncounts = \"frame\"\nmax_frame = 99\n\
             [header]\ndiscriminator = \"tx\"\nfields = [ {{ name = \"tx\", type = \"text\", length = 4 }} ]\n\
             [messages.AAAA]\nrequest = [ {text} ]\nresponse = [ {text} ]\n"
        ),
        "t.toml",
        "t",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("key `unused` does not apply to a text field"),
        "{err}"
    );
}

proptest! {
    /// Any byte other than the fill, anywhere in the unused elements of a checking group, is a
    /// decode error at that element and that byte; the frame as encoded always decodes.
    #[test]
    fn a_stray_byte_in_an_unused_element_is_refused_where_it_is(
        used in 0..=2usize,
        typed in any::<bool>(),
        at in any::<Index>(),
        byte in any::<u8>(),
    ) {
        let fill = if typed { r#", unused = "typed""# } else { "" };
        let layout = loans(&format!(r#"{fill}, unused_check = "exact""#));
        let element = ONE_LOAN
            .trim_start_matches(r#"{"loans": ["#)
            .split("], \"tail\"")
            .next()
            .unwrap();
        let elements = vec![element; used].join(", ");
        let json = format!(r#"{{"loans": [{elements}], "tail": "ok"}}"#);
        let mut wire = encode_body(&layout, &json).unwrap();
        prop_assert!(decode_body(&layout, &wire).is_ok());
        let unused = (2 - used) * 31;
        prop_assume!(unused > 0);
        let offset = at.index(unused);
        let pos = 1 + used * 31 + offset;
        prop_assume!(wire[pos] != byte);
        wire[pos] = byte;
        let err = decode_body(&layout, &wire).unwrap_err();
        prop_assert_eq!(err.path, format!("body.loans[{}]", used + offset / 31));
        prop_assert_eq!(err.range, BODY_AT + pos..BODY_AT + pos + 1);
    }
}
