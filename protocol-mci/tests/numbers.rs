//! Numbers as COBOL declares them: sign conventions, exponent input, declared digit counts
//! (issue 12). Each field case's right value is a test here, with property tests beside.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{decode_value, encode_value, one_field, text};
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
}
