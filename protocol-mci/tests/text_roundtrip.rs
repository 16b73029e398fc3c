//! Text values survive a round trip or are refused at encode: pad edges, full-width pads,
//! truncation, and charsets that mean exactly one charset.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{decode_value, encode_value, layout_error, one_field};
use protocol_mci::Layout;

#[test]
fn trailing_pad_on_a_left_aligned_field_is_refused_with_the_path() {
    let layout = one_field(r#"type = "text", length = 6"#);
    let err = encode_value(&layout, r#""ab ""#).unwrap_err().to_string();
    assert!(err.contains("body.v"), "{err}");
    assert!(err.contains("ends with the pad character ' '"), "{err}");
    // A leading space is kept by a left-aligned field, so it round-trips.
    let body = encode_value(&layout, r#"" ab""#).unwrap();
    assert_eq!(decode_value(&layout, &body).unwrap(), " ab");
}

#[test]
fn leading_pad_on_a_right_aligned_field_is_refused() {
    let layout = one_field(r#"type = "text", length = 6, align = "right", pad = "0""#);
    let err = encode_value(&layout, r#""0123""#).unwrap_err().to_string();
    assert!(err.contains("begins with the pad character '0'"), "{err}");
    let body = encode_value(&layout, r#""1230""#).unwrap();
    assert_eq!(body, b"001230");
    assert_eq!(decode_value(&layout, &body).unwrap(), "1230");
}

#[test]
fn pad_edge_merge_writes_the_bytes_of_the_trimmed_value() {
    let merged = one_field(r#"type = "text", length = 6, pad_edge = "merge""#);
    let with_edge = encode_value(&merged, r#""ab ""#).unwrap();
    assert_eq!(with_edge, b"ab    ");
    assert_eq!(with_edge, encode_value(&merged, r#""ab""#).unwrap());
    assert_eq!(decode_value(&merged, &with_edge).unwrap(), "ab");
    let right =
        one_field(r#"type = "text", length = 6, align = "right", pad = "0", pad_edge = "merge""#);
    assert_eq!(encode_value(&right, r#""0123""#).unwrap(), b"000123");
}

#[test]
fn pad_edge_is_a_layout_default_that_a_field_overrides() {
    let toml = r#"
        pad_edge = "merge"
        [framing]
        prefix = "ascii"
        prefix_length = 4
        counts = "after_prefix"
        max_frame = 9999
        [header]
        discriminator = "tx"
        fields = [{ name = "tx", type = "text", length = 4 }]
        [messages.T001]
        request = [{ name = "v", type = "text", length = 6 },
                   { name = "w", type = "text", length = 6, pad_edge = "refuse" }]
        response = []
        "#;
    let layout = Layout::from_toml(toml, "test", "test").unwrap();
    let merged: protocol_mci::Message =
        serde_json::from_str(r#"{"header": {"tx": "T001"}, "body": {"v": "ab ", "w": "cd"}}"#)
            .unwrap();
    let frame = layout
        .encode(protocol_mci::Direction::Request, &merged)
        .unwrap();
    assert_eq!(&frame[8..], b"ab    cd    ");
    let refused: protocol_mci::Message =
        serde_json::from_str(r#"{"header": {"tx": "T001"}, "body": {"v": "ab", "w": "cd "}}"#)
            .unwrap();
    let err = layout
        .encode(protocol_mci::Direction::Request, &refused)
        .unwrap_err()
        .to_string();
    assert!(err.contains("body.w"), "{err}");
}

#[test]
fn pad_edge_does_not_apply_to_numbers() {
    let err = layout_error(r#"type = "number", length = 4, pad_edge = "merge""#);
    assert!(err.contains("pad_edge"), "{err}");
}

#[test]
fn too_long_text_is_refused_unless_truncate_is_declared() {
    let strict = one_field(r#"type = "text", length = 3"#);
    let err = encode_value(&strict, r#""abcd""#).unwrap_err().to_string();
    assert!(
        err.contains("expected text of at most 3 bytes, found 4 bytes in cp949"),
        "{err}"
    );
    let cut = one_field(r#"type = "text", length = 3, truncate = true"#);
    assert_eq!(encode_value(&cut, r#""ab cd""#).unwrap(), b"ab ");
}

#[test]
fn full_width_pad_is_written_and_trimmed_as_whole_characters() {
    let layout = one_field(r#"type = "text", length = 8, pad = "\u3000""#);
    let body = encode_value(&layout, r#""홍길""#).unwrap();
    assert_eq!(body, [0xC8, 0xAB, 0xB1, 0xE6, 0xA1, 0xA1, 0xA1, 0xA1]);
    assert_eq!(decode_value(&layout, &body).unwrap(), "홍길");
    // A syllable whose trail byte is A1 (가 = B0 A1) next to the pad is not eaten.
    let body = encode_value(&layout, r#""가""#).unwrap();
    assert_eq!(decode_value(&layout, &body).unwrap(), "가");
    let err = encode_value(&layout, r#""가\u3000""#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("ends with the pad character"), "{err}");
}

#[test]
fn full_width_pad_refuses_an_odd_byte_remainder() {
    let layout = one_field(r#"type = "text", length = 6, align = "right", pad = "\u3000""#);
    assert_eq!(
        encode_value(&layout, r#""ab""#).unwrap(),
        [0xA1, 0xA1, 0xA1, 0xA1, b'a', b'b']
    );
    let err = encode_value(&layout, r#""abc""#).unwrap_err().to_string();
    assert!(err.contains("3 byte(s) left to pad"), "{err}");
}

#[test]
fn full_width_pad_in_utf8_is_three_bytes() {
    let layout = one_field(r#"type = "text", length = 6, pad = "\u3000", charset = "utf-8""#);
    let body = encode_value(&layout, r#""가""#).unwrap();
    assert_eq!(body, [0xEA, 0xB0, 0x80, 0xE3, 0x80, 0x80]);
    assert_eq!(decode_value(&layout, &body).unwrap(), "가");
}

#[test]
fn text_pad_must_be_ascii_or_the_full_width_space() {
    let err = layout_error(r#"type = "text", length = 4, pad = "가""#);
    assert!(err.contains("expected one ASCII character"), "{err}");
    let err = layout_error(r#"type = "text", length = 5, pad = "\u3000""#);
    assert!(err.contains("not a whole number of 2-byte pads"), "{err}");
}

#[test]
fn a_character_outside_the_declared_charset_is_an_error_naming_field_and_character() {
    let layout = one_field(r#"type = "text", length = 6, charset = "euc-kr""#);
    let err = encode_value(&layout, r#""가똠""#).unwrap_err().to_string();
    assert!(err.contains("body.v"), "{err}");
    assert!(
        err.contains("'똠' (U+B620) cannot be written in euc-kr"),
        "{err}"
    );
    // The same value is valid CP949: that charset writes its extension bytes.
    let cp949 = one_field(r#"type = "text", length = 6, charset = "cp949""#);
    assert_eq!(encode_value(&cp949, r#""가똠""#).unwrap().len(), 6);
    let err = decode_value(&layout, b"a\x8C\x63   ")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("expected euc-kr text, found an invalid byte at 9"),
        "{err}"
    );
}

#[test]
fn euc_kr_round_trips_ks_x_1001_text() {
    let layout = one_field(r#"type = "text", length = 8, charset = "euc-kr""#);
    let body = encode_value(&layout, r#""홍길동""#).unwrap();
    assert_eq!(body, [0xC8, 0xAB, 0xB1, 0xE6, 0xB5, 0xBF, b' ', b' ']);
    assert_eq!(decode_value(&layout, &body).unwrap(), "홍길동");
}

#[test]
fn an_unknown_charset_name_is_refused_not_defaulted() {
    let err = layout_error(r#"type = "text", length = 4, charset = "latin1""#);
    assert!(err.contains("latin1"), "{err}");
}
