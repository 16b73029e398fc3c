//! Numbers as COBOL declares them: sign conventions, exponent input, declared digit counts
//! (issue 12). Each field case's right value is a test here, with property tests beside.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{decode_value, encode_body, encode_value, one_field, text, with_body};
use proptest::prelude::*;

/// `PIC S9(5)V99` overpunched, as in case codec-01-zoned-unsigned-zone-positive.
const OVERPUNCH_7_2: &str = r#"type = "number", length = 7, scale = 2, sign = "overpunch""#;

#[test]
fn plain_final_digit_in_an_overpunch_field_is_positive() {
    let layout = one_field(OVERPUNCH_7_2);
    assert_eq!(text(&decode_value(&layout, b"0001234").unwrap()), "12.34");
    assert_eq!(text(&decode_value(&layout, b"000123D").unwrap()), "12.34");
    assert_eq!(text(&decode_value(&layout, b"000123M").unwrap()), "-12.34");
    // Encode keeps writing the preferred punched form.
    assert_eq!(encode_value(&layout, "12.34").unwrap(), b"000123D");
    let leading = one_field(r#"type = "number", length = 6, sign = "overpunch_leading""#);
    assert_eq!(text(&decode_value(&leading, b"012345").unwrap()), "12345");
    // Anything else in the sign position is still refused.
    let err = decode_value(&layout, b"000123*").unwrap_err().to_string();
    assert!(err.contains("expected overpunched digit"), "{err}");
}

#[test]
fn exact_exponent_numbers_encode_like_plain_ones() {
    // Case proxy-01-exponent-numbers: a Java engine's BigDecimal.toString answers.
    let layout = with_body(
        r#"{ name = "limit", type = "number", length = 15 },
           { name = "rate", type = "number", length = 6, scale = 3 },
           { name = "cash", type = "packed", length = 4, scale = 2 },
           { name = "term", type = "binary", length = 2 }"#,
    );
    let body = r#"{"limit": 3E+7, "rate": 0E-8, "cash": 1.5e+2, "term": "3.6E1"}"#;
    let plain = r#"{"limit": 30000000, "rate": 0, "cash": 150, "term": 36}"#;
    let wire = encode_body(&layout, body).unwrap();
    assert_eq!(wire, encode_body(&layout, plain).unwrap());
    assert_eq!(&wire[..21], b"000000030000000000000");
    let offer = one_field(r#"type = "number", length = 15"#);
    assert_eq!(encode_value(&offer, "1E+6").unwrap(), b"000000001000000");
    let rate = one_field(r#"type = "number", length = 6, scale = 3"#);
    assert_eq!(encode_value(&rate, "4.5e0").unwrap(), b"004500");
    assert_eq!(encode_value(&rate, "45E-1").unwrap(), b"004500");
}

#[test]
fn exponent_numbers_that_do_not_fit_are_refused_with_the_field_path() {
    let rate = one_field(r#"type = "number", length = 6, scale = 3"#);
    let places = encode_value(&rate, "1E-4").unwrap_err().to_string();
    assert!(places.starts_with("body.v at bytes 8..14: "), "{places}");
    assert!(
        places.contains("expected at most 3 decimal places, found"),
        "{places}"
    );
    let big = encode_value(&rate, "1E+3").unwrap_err().to_string();
    assert!(
        big.contains("expected at most 3 integer digits, found"),
        "{big}"
    );
    let huge = encode_value(&rate, "1E+999999999999")
        .unwrap_err()
        .to_string();
    assert!(
        huge.starts_with("body.v at bytes 8..14: expected at most 40 digits written out"),
        "{huge}"
    );
    let bad = encode_value(&rate, r#""1E""#).unwrap_err().to_string();
    assert!(
        bad.contains("expected a decimal number with digits after the exponent, found \"1E\""),
        "{bad}"
    );
}

/// `PIC S9(8)V99 COMP-3`, as in case codec-04-packed-even-digit-count.
const PACKED_10_2: &str = r#"type = "packed", length = 6, digits = 10, scale = 2"#;

#[test]
fn even_packed_digit_count_keeps_a_zero_pad_nibble() {
    let layout = one_field(PACKED_10_2);
    let max = [0x09, 0x99, 0x99, 0x99, 0x99, 0x9C];
    assert_eq!(encode_value(&layout, "99999999.99").unwrap(), max);
    assert_eq!(text(&decode_value(&layout, &max).unwrap()), "99999999.99");
    assert_eq!(
        encode_value(&layout, "-0.01").unwrap(),
        [0x00, 0x00, 0x00, 0x00, 0x00, 0x1D]
    );
    let too_big = encode_value(&layout, "123456789.01")
        .unwrap_err()
        .to_string();
    assert_eq!(
        too_big,
        "body.v at bytes 8..14: expected at most 8 integer digits, found 123456789.01"
    );
    let high = decode_value(&layout, &[0x12, 0x34, 0x56, 0x78, 0x90, 0x1C])
        .unwrap_err()
        .to_string();
    assert_eq!(
        high,
        "body.v at bytes 8..14: expected packed pad nibble 0 (an even digit count), found 0x12"
    );
    // Without `digits` the same 6 bytes hold 11 digits, as before.
    let odd = one_field(r#"type = "packed", length = 6, scale = 2"#);
    assert_eq!(
        encode_value(&odd, "123456789.01").unwrap(),
        [0x12, 0x34, 0x56, 0x78, 0x90, 0x1C]
    );
}

#[test]
fn declared_binary_digits_bound_the_value_both_ways() {
    // COMP PIC S9(4): two bytes, but at most 9999.
    let layout = one_field(r#"type = "binary", length = 2, digits = 4, signed = true"#);
    assert_eq!(
        encode_value(&layout, "-9999").unwrap(),
        (-9999i16).to_be_bytes()
    );
    let over = encode_value(&layout, "10000").unwrap_err().to_string();
    assert!(
        over.starts_with("body.v at bytes 8..10: expected at most 4 integer digits, found 10000"),
        "{over}"
    );
    let read = decode_value(&layout, &10000i16.to_be_bytes())
        .unwrap_err()
        .to_string();
    assert_eq!(
        read,
        "body.v at bytes 8..10: expected at most 4 digits, found 5"
    );
}

#[test]
fn digit_counts_that_contradict_the_length_are_layout_errors() {
    let load = common::layout_error;
    let packed = load(r#"type = "packed", length = 6, digits = 12"#);
    assert!(
        packed.contains("expected `digits` 10 or 11 for 6 bytes, found 12"),
        "{packed}"
    );
    let zoned = load(r#"type = "number", length = 7, digits = 6, sign = "overpunch""#);
    assert!(zoned.contains("expected `digits` 7"), "{zoned}");
    let binary = load(r#"type = "binary", length = 2, digits = 5"#);
    assert!(
        binary.contains("expected `digits` from 1 to 4 for 2 bytes, found 5"),
        "{binary}"
    );
    let scale = load(r#"type = "packed", length = 3, digits = 4, scale = 39"#);
    assert!(
        scale.contains("expected a `scale` from -34 to 38 for 4 digits, found 39"),
        "{scale}"
    );
    let punch = load(r#"type = "number", length = 3, sign = "leading", punch = "ascii""#);
    assert!(
        punch.contains("`punch` applies only to sign = \"overpunch\""),
        "{punch}"
    );
    let text = load(r#"type = "text", length = 3, digits = 3"#);
    assert!(
        text.contains("`digits` does not apply to a text field"),
        "{text}"
    );
}

#[test]
fn ascii_overpunch_variant_writes_lowercase_negatives() {
    let mf = one_field(r#"type = "number", length = 6, sign = "overpunch", punch = "ascii""#);
    assert_eq!(encode_value(&mf, "-1234").unwrap(), b"00123t");
    assert_eq!(encode_value(&mf, "1234").unwrap(), b"001234");
    assert_eq!(encode_value(&mf, "-10").unwrap(), b"00001p");
    assert_eq!(text(&decode_value(&mf, b"00123t").unwrap()), "-1234");
    assert_eq!(text(&decode_value(&mf, b"001234").unwrap()), "1234");
    assert!(
        decode_value(&mf, b"00123M").is_err(),
        "IBM letters are not this convention"
    );
    let lead =
        one_field(r#"type = "number", length = 6, sign = "overpunch_leading", punch = "ascii""#);
    assert_eq!(encode_value(&lead, "-12345").unwrap(), b"p12345");
    assert_eq!(text(&decode_value(&lead, b"y12345").unwrap()), "-912345");
}

proptest! {
    /// A plain final digit reads as the same value as its positive punch, for any digits.
    #[test]
    fn unsigned_zone_equals_positive_punch(digits in "[0-9]{7}") {
        let layout = one_field(OVERPUNCH_7_2);
        let plain = decode_value(&layout, digits.as_bytes()).unwrap();
        let punched = encode_value(&layout, &text(&plain)).unwrap();
        prop_assert_eq!(decode_value(&layout, &punched).unwrap(), plain);
        prop_assert_eq!(&punched[..6], &digits.as_bytes()[..6]);
    }

    /// Any value written in exponent form encodes exactly like its plain form, or both fail.
    #[test]
    fn exponent_form_encodes_like_plain(
        mantissa in -99_999i64..=99_999,
        exponent in -6i32..=6,
    ) {
        let layout = one_field(r#"type = "number", length = 9, scale = 3, sign = "leading""#);
        let plain = {
            let text = mantissa.unsigned_abs().to_string();
            let sign = if mantissa < 0 { "-" } else { "" };
            if exponent >= 0 {
                format!("{sign}{text}{}", "0".repeat(exponent as usize))
            } else {
                let places = exponent.unsigned_abs() as usize;
                let padded = format!("{text:0>width$}", width = places + 1);
                let (int, frac) = padded.split_at(padded.len() - places);
                format!("{sign}{int}.{frac}")
            }
        };
        let expo = encode_value(&layout, &format!("{mantissa}E{exponent:+}"));
        let direct = encode_value(&layout, &plain);
        prop_assert_eq!(expo.is_ok(), direct.is_ok(), "{} vs {}", mantissa, plain);
        if let (Ok(expo), Ok(direct)) = (expo, direct) {
            prop_assert_eq!(expo, direct);
        }
    }

    /// An even-count packed field: every value of its digits round-trips with a 0 pad
    /// nibble; one digit more is refused; any bytes decode or fail without panicking, and a
    /// decoded value re-encodes to the same bytes.
    #[test]
    fn even_packed_digits_round_trip_and_bound(
        cents in -9_999_999_999i64..=9_999_999_999,
        bytes in proptest::collection::vec(any::<u8>(), 6),
    ) {
        let layout = one_field(PACKED_10_2);
        let value = format!("{}{}.{:02}", if cents < 0 { "-" } else { "" },
            cents.unsigned_abs() / 100, cents.unsigned_abs() % 100);
        let wire = encode_value(&layout, &value).unwrap();
        prop_assert_eq!(wire[0] >> 4, 0);
        let decoded = decode_value(&layout, &wire).unwrap();
        prop_assert_eq!(encode_value(&layout, &text(&decoded)).unwrap(), wire);
        let over = format!("{}{}", if cents < 0 { "-" } else { "" }, 100_000_000 + cents.unsigned_abs() / 100);
        prop_assert!(encode_value(&layout, &over).is_err());
        if let Ok(value) = decode_value(&layout, &bytes) {
            prop_assert_eq!(bytes[0] >> 4, 0);
            prop_assert_eq!(&encode_value(&layout, &text(&value)).unwrap()[..5], &bytes[..5]);
        }
    }
}
