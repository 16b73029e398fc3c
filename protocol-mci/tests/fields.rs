//! Every field type: wire bytes, JSON values, and the errors for bad input.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{decode_body, decode_value, encode_body, encode_value, one_field, text, with_body};

#[test]
fn korean_text_is_cp949_bytes() {
    let layout = one_field(r#"type = "text", length = 8"#);
    let body = encode_value(&layout, r#""홍길동""#).unwrap();
    assert_eq!(body, [0xC8, 0xAB, 0xB1, 0xE6, 0xB5, 0xBF, b' ', b' ']);
    assert_eq!(decode_value(&layout, &body).unwrap(), "홍길동");
}

#[test]
fn truncation_cuts_at_a_character_boundary() {
    let layout = one_field(r#"type = "text", length = 5, truncate = true"#);
    let body = encode_value(&layout, r#""가나다""#).unwrap();
    assert_eq!(body, [0xB0, 0xA1, 0xB3, 0xAA, b' ']);
}

#[test]
fn too_long_text_fails_with_byte_lengths() {
    let layout = one_field(r#"type = "text", length = 5"#);
    let err = encode_value(&layout, r#""가나다""#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "body.v at bytes 8..13: expected text of at most 5 bytes, found 6 bytes in cp949"
    );
}

#[test]
fn unmappable_characters_fail_instead_of_becoming_entities() {
    let layout = one_field(r#"type = "text", length = 20"#);
    let err = encode_value(&layout, r#""ok 😀""#).unwrap_err();
    assert!(err.to_string().contains("U+1F600"), "{err}");
}

#[test]
fn invalid_cp949_names_the_byte_offset() {
    let layout = one_field(r#"type = "text", length = 4"#);
    let err = decode_value(&layout, b"a\xFFbc").unwrap_err();
    assert_eq!(
        err.to_string(),
        "body.v at bytes 8..12: expected cp949 text, found an invalid byte at 9"
    );
}

#[test]
fn text_alignment_padding_and_blanks() {
    let right = one_field(r#"type = "text", length = 6, align = "right", pad = "0""#);
    assert_eq!(encode_value(&right, r#""123""#).unwrap(), b"000123");
    assert_eq!(decode_value(&right, b"000123").unwrap(), "123");
    let empty = one_field(r#"type = "text", length = 3"#);
    assert_eq!(decode_value(&empty, b"   ").unwrap(), "");
    let null = one_field(r#"type = "text", length = 3, blank = "null""#);
    assert!(decode_value(&null, b"   ").unwrap().is_null());
    assert_eq!(encode_value(&null, "null").unwrap(), b"   ");
    let utf8 = one_field(r#"type = "text", length = 9, charset = "utf-8""#);
    assert_eq!(
        encode_value(&utf8, r#""홍길동""#).unwrap(),
        "홍길동".as_bytes()
    );
}

#[test]
fn identifiers_with_leading_zeros_stay_text() {
    let layout = one_field(r#"type = "text", length = 12"#);
    let body = encode_value(&layout, r#""000123456789""#).unwrap();
    assert_eq!(decode_value(&layout, &body).unwrap(), "000123456789");
}

#[test]
fn zoned_numbers_with_implied_and_explicit_decimals() {
    let implied = one_field(r#"type = "number", length = 7, scale = 3"#);
    assert_eq!(encode_value(&implied, "12.345").unwrap(), b"0012345");
    assert_eq!(encode_value(&implied, r#""12.3""#).unwrap(), b"0012300");
    assert_eq!(text(&decode_value(&implied, b"0012300").unwrap()), "12.300");
    let point = one_field(r#"type = "number", length = 8, scale = 3, point = true"#);
    assert_eq!(encode_value(&point, "12.345").unwrap(), b"0012.345");
    assert_eq!(text(&decode_value(&point, b"0012.345").unwrap()), "12.345");
}

#[test]
fn zoned_signs_leading_trailing_and_overpunch() {
    let cases = [
        (r#"sign = "leading""#, "-1234", &b"-01234"[..]),
        (r#"sign = "leading""#, "1234", b"+01234"),
        (r#"sign = "leading", plus = " ""#, "1234", b" 01234"),
        (r#"sign = "trailing""#, "-1234", b"01234-"),
        (r#"sign = "overpunch""#, "-1234", b"00123M"),
        (r#"sign = "overpunch""#, "1234", b"00123D"),
        (r#"sign = "overpunch""#, "-10", b"00001}"),
        (r#"sign = "overpunch_leading""#, "-1234", b"}01234"),
    ];
    for (sign, value, wire) in cases {
        let layout = one_field(&format!(r#"type = "number", length = 6, {sign}"#));
        assert_eq!(
            encode_value(&layout, value).unwrap(),
            wire,
            "{sign} {value}"
        );
        assert_eq!(text(&decode_value(&layout, wire).unwrap()), value, "{sign}");
    }
}

#[test]
fn number_errors_say_what_does_not_fit() {
    let layout = one_field(r#"type = "number", length = 5, scale = 2"#);
    let overflow = encode_value(&layout, "1234.5").unwrap_err().to_string();
    assert_eq!(
        overflow,
        "body.v at bytes 8..13: expected at most 3 integer digits, found 1234.5"
    );
    let places = encode_value(&layout, "1.234").unwrap_err().to_string();
    assert!(
        places.contains("expected at most 2 decimal places, found 1.234"),
        "{places}"
    );
    let negative = encode_value(&layout, "-1").unwrap_err().to_string();
    assert!(
        negative.contains("(the field is unsigned), found -1"),
        "{negative}"
    );
    let kind = encode_value(&layout, "true").unwrap_err().to_string();
    assert_eq!(
        kind,
        "body.v at bytes 8..13: expected a number, found boolean true"
    );
    assert!(
        encode_value(&layout, "1e3").is_err(),
        "1e3 (= 1000) does not fit 3 integer digits"
    );
    assert!(
        encode_value(&layout, "null").is_err(),
        "numbers are not nullable by default"
    );
    let bad = decode_value(&layout, b"12A45").unwrap_err().to_string();
    assert_eq!(bad, "body.v at bytes 8..13: expected digits, found 0x41");
}

#[test]
fn blank_numbers_are_null_only_when_configured() {
    let strict = one_field(r#"type = "number", length = 3"#);
    assert!(decode_value(&strict, b"   ").is_err());
    let lenient = one_field(r#"type = "number", length = 3, blank = "null""#);
    assert!(decode_value(&lenient, b"   ").unwrap().is_null());
    assert_eq!(encode_value(&lenient, "null").unwrap(), b"   ");
}

#[test]
fn packed_decimal_comp3() {
    let signed = one_field(r#"type = "packed", length = 3, scale = 2"#);
    assert_eq!(encode_value(&signed, "123.45").unwrap(), [0x12, 0x34, 0x5C]);
    assert_eq!(
        encode_value(&signed, "-123.45").unwrap(),
        [0x12, 0x34, 0x5D]
    );
    assert_eq!(
        text(&decode_value(&signed, &[0x00, 0x12, 0x3D]).unwrap()),
        "-1.23"
    );
    let unsigned = one_field(r#"type = "packed", length = 2, signed = false"#);
    assert_eq!(encode_value(&unsigned, "7").unwrap(), [0x00, 0x7F]);
    let bad = decode_value(&signed, &[0x1A, 0x00, 0x0C])
        .unwrap_err()
        .to_string();
    assert_eq!(
        bad,
        "body.v at bytes 8..11: expected packed digits, found 0x1A"
    );
    let sign = decode_value(&signed, &[0x00, 0x00, 0x0F])
        .unwrap_err()
        .to_string();
    assert!(sign.contains("sign nibble C or D"), "{sign}");
    assert!(
        encode_value(&signed, "1234.56").is_err(),
        "5 digits hold at most 999.99"
    );
}

#[test]
fn binary_integers_of_every_width_and_order() {
    let be = one_field(r#"type = "binary", length = 2, signed = true"#);
    assert_eq!(encode_value(&be, "-2").unwrap(), [0xFF, 0xFE]);
    assert_eq!(text(&decode_value(&be, &[0x80, 0x00]).unwrap()), "-32768");
    let le = one_field(r#"type = "binary", length = 4, endian = "little""#);
    assert_eq!(encode_value(&le, "258").unwrap(), [0x02, 0x01, 0x00, 0x00]);
    let scaled = one_field(r#"type = "binary", length = 8, scale = 2, signed = true"#);
    let body = encode_value(&scaled, "-12.34").unwrap();
    assert_eq!(text(&decode_value(&scaled, &body).unwrap()), "-12.34");
    let byte = one_field(r#"type = "binary", length = 1"#);
    let err = encode_value(&byte, "256").unwrap_err().to_string();
    assert_eq!(
        err,
        "body.v at bytes 8..9: expected an unsigned 1-byte integer, found 256"
    );
}

#[test]
fn dates_times_blank_and_zero() {
    let date = one_field(r#"type = "date", pattern = "yyyyMMdd""#);
    assert_eq!(encode_value(&date, r#""2026-11-21""#).unwrap(), b"20261121");
    assert_eq!(decode_value(&date, b"20261121").unwrap(), "2026-11-21");
    assert!(decode_value(&date, b"        ").unwrap().is_null());
    assert!(decode_value(&date, b"00000000").unwrap().is_null());
    assert_eq!(encode_value(&date, "null").unwrap(), b"        ");
    let month = decode_value(&date, b"20261321").unwrap_err().to_string();
    assert_eq!(
        month,
        "body.v at bytes 8..16: expected a month in 1..12, found 13"
    );
    assert!(
        decode_value(&date, b"20230229").is_err(),
        "2023 is not a leap year"
    );
    assert_eq!(decode_value(&date, b"20240229").unwrap(), "2024-02-29");
    let stamp = one_field(r#"type = "date", pattern = "yyyyMMddHHmmssSSS", null_fill = "zero""#);
    let wire = b"20261121093015123";
    assert_eq!(
        decode_value(&stamp, wire).unwrap(),
        "2026-11-21T09:30:15.123"
    );
    assert_eq!(
        encode_value(&stamp, r#""2026-11-21T09:30:15.123""#).unwrap(),
        wire
    );
    assert_eq!(encode_value(&stamp, "null").unwrap(), b"00000000000000000");
    let err = time_without_day_error();
    assert!(err.contains("or a date with a day and a time"), "{err}");
    let time = one_field(r#"type = "date", pattern = "HHmmss""#);
    assert_eq!(decode_value(&time, b"235959").unwrap(), "23:59:59");
    assert!(encode_value(&time, r#""24:00:00""#).is_err());
    assert!(encode_value(&date, r#""21/11/2026""#).is_err());
}

/// A time after a year and month without a day is not a supported pattern: the layout must
/// say so.
fn time_without_day_error() -> String {
    let toml = r#"
        [framing]
        prefix = "ascii"
        prefix_length = 4
        counts = "after_prefix"
        max_frame = 99
        [header]
        discriminator = "tx"
        fields = [{ name = "tx", type = "text", length = 4 }]
        [messages.T001]
        request = [{ name = "v", type = "date", pattern = "yyyy-MM HH:mm" }]
        response = []
    "#;
    protocol_mci::Layout::from_toml(toml, "t", "t")
        .unwrap_err()
        .to_string()
}

#[test]
fn filler_and_constant_are_not_in_json() {
    let layout = with_body(
        r#"{ name = "a", type = "text", length = 2 },
           { name = "gap", type = "filler", length = 3, pad = "_" },
           { name = "tag", type = "constant", value = "KR" }"#,
    );
    let body = encode_body(&layout, r#"{"a": "xy"}"#).unwrap();
    assert_eq!(body, b"xy___KR");
    let decoded = decode_body(&layout, b"xy...KR").unwrap();
    assert_eq!(decoded, serde_json::json!({"a": "xy"}));
    let err = decode_body(&layout, b"xy...JP").unwrap_err().to_string();
    assert_eq!(
        err,
        r#"body.tag at bytes 13..15: expected "KR", found "JP""#
    );
}

#[test]
fn errors_on_masked_fields_never_quote_the_value() {
    let text = one_field(r#"type = "text", length = 13, mask = "rrn""#);
    let wrong_type = encode_value(&text, "9001011234567")
        .unwrap_err()
        .to_string();
    assert_eq!(
        wrong_type,
        "body.v at bytes 8..21: expected a string, found a number"
    );
    let object = encode_value(&text, r#"{"rrn": "9001011234567"}"#)
        .unwrap_err()
        .to_string();
    assert_eq!(
        object,
        "body.v at bytes 8..21: expected a string, found an object"
    );
    let unmappable = encode_value(&text, r#""900101-😀""#)
        .unwrap_err()
        .to_string();
    assert_eq!(unmappable, "body.v at bytes 8..21: expected characters cp949 can write, found a masked value with one it cannot");
    let number = one_field(r#"type = "number", length = 4, mask = "account""#);
    let overflow = encode_value(&number, "123456789").unwrap_err().to_string();
    assert!(!overflow.contains("123456789"), "{overflow}");
    let invalid = encode_value(&number, r#""12-34""#).unwrap_err().to_string();
    assert!(!invalid.contains("12-34"), "{invalid}");
    let plain = one_field(r#"type = "number", length = 4"#);
    let kept = encode_value(&plain, "123456789").unwrap_err().to_string();
    assert!(
        kept.contains("123456789"),
        "unmasked fields keep the value: {kept}"
    );
}

#[test]
fn decode_errors_on_masked_fields_never_quote_the_value() {
    let birth = one_field(r#"type = "date", pattern = "yyyyMMdd", mask = "full""#);
    let err = decode_value(&birth, b"19900231").unwrap_err().to_string();
    assert_eq!(err, "body.v at bytes 8..16: value out of range");
}
