//! Sign conventions beyond the preferred ones (issue 12): packed sign nibbles A-F with
//! `sign_nibbles = "lenient"`, and negative zero by a declared per-field `negative_zero` rule.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{decode_body, decode_value, encode_body, encode_value, one_field, text, with_body};
use proptest::prelude::*;

#[test]
fn strict_packed_fields_name_the_sign_nibble_they_refuse() {
    let layout = one_field(r#"type = "packed", length = 2"#);
    let err = decode_value(&layout, &[0x12, 0x3A])
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "body.v at bytes 8..10: expected packed sign nibble C or D (A, B, E, F need \
         sign_nibbles = \"lenient\"), found nibble A in byte 0x3A at offset 9"
    );
    let unsigned = one_field(r#"type = "packed", length = 2, signed = false"#);
    let err = decode_value(&unsigned, &[0x12, 0x3C])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("expected packed sign nibble F (A, C, E need sign_nibbles"),
        "{err}"
    );
    assert!(
        err.contains("found nibble C in byte 0x3C at offset 9"),
        "{err}"
    );
}

#[test]
fn lenient_packed_fields_read_every_ibm_sign_and_write_the_preferred_one() {
    let layout = one_field(r#"type = "packed", length = 2, sign_nibbles = "lenient""#);
    for (nibble, value) in [
        (0xA, "123"),
        (0xB, "-123"),
        (0xC, "123"),
        (0xD, "-123"),
        (0xE, "123"),
        (0xF, "123"),
    ] {
        let decoded = decode_value(&layout, &[0x12, 0x30 | nibble]).unwrap();
        assert_eq!(text(&decoded), value, "nibble {nibble:X}");
        // Normalised on the way back: C for plus, D for minus.
        let back = encode_value(&layout, &text(&decoded)).unwrap();
        let preferred = if value.starts_with('-') { 0x3D } else { 0x3C };
        assert_eq!(back, [0x12, preferred], "nibble {nibble:X}");
    }
    let digit = decode_value(&layout, &[0x12, 0x33])
        .unwrap_err()
        .to_string();
    assert!(
        digit.contains("expected packed sign nibble A to F, found nibble 3"),
        "{digit}"
    );
    let unsigned =
        one_field(r#"type = "packed", length = 2, signed = false, sign_nibbles = "lenient""#);
    assert_eq!(
        text(&decode_value(&unsigned, &[0x12, 0x3C]).unwrap()),
        "123"
    );
    assert_eq!(encode_value(&unsigned, "123").unwrap(), [0x12, 0x3F]);
    let minus = decode_value(&unsigned, &[0x12, 0x3D])
        .unwrap_err()
        .to_string();
    assert!(
        minus.contains("A, C, E or F (the field is unsigned)"),
        "{minus}"
    );
}

#[test]
fn negative_zero_is_kept_byte_exact_by_default() {
    let punch = one_field(r#"type = "number", length = 5, scale = 2, sign = "overpunch""#);
    let zero = decode_value(&punch, b"0000}").unwrap();
    assert_eq!(text(&zero), "-0.00");
    assert_eq!(encode_value(&punch, &text(&zero)).unwrap(), b"0000}");
    // Engines write it in any form; a plain zero stays positive.
    assert_eq!(encode_value(&punch, "-0").unwrap(), b"0000}");
    assert_eq!(encode_value(&punch, r#""-0E+3""#).unwrap(), b"0000}");
    assert_eq!(encode_value(&punch, "0.00").unwrap(), b"0000{");
    let lead = one_field(r#"type = "number", length = 4, sign = "leading""#);
    assert_eq!(text(&decode_value(&lead, b"-000").unwrap()), "-0");
    assert_eq!(encode_value(&lead, "-0").unwrap(), b"-000");
    let packed = one_field(r#"type = "packed", length = 2, scale = 1"#);
    assert_eq!(text(&decode_value(&packed, &[0x00, 0x0D]).unwrap()), "-0.0");
    assert_eq!(encode_value(&packed, "-0.0").unwrap(), [0x00, 0x0D]);
    // Fields without a sign have no negative zero to keep.
    let unsigned = one_field(r#"type = "number", length = 3"#);
    assert_eq!(encode_value(&unsigned, "-0").unwrap(), b"000");
    let binary = one_field(r#"type = "binary", length = 2, signed = true"#);
    assert_eq!(encode_value(&binary, "-0").unwrap(), [0, 0]);
}

#[test]
fn a_negative_zero_count_is_an_empty_group_written_back_as_it_came() {
    let layout = with_body(
        r#"{ name = "n", type = "packed", length = 1 },
           { name = "g", type = "group", count = "n", max = 2, mode = "compact", fields = [
             { name = "x", type = "text", length = 1 } ] }"#,
    );
    let body = decode_body(&layout, &[0x0D]).unwrap();
    assert_eq!(body.to_string(), r#"{"n":-0,"g":[]}"#);
    assert_eq!(encode_body(&layout, &body.to_string()).unwrap(), [0x0D]);
    assert_eq!(encode_body(&layout, r#"{"g": []}"#).unwrap(), [0x0C]);
    assert!(encode_body(&layout, r#"{"n": -0, "g": [{"x": "a"}]}"#).is_err());
}

#[test]
fn negative_zero_positive_rule_normalises_both_ways() {
    let punch = one_field(
        r#"type = "number", length = 5, scale = 2, sign = "overpunch", negative_zero = "positive""#,
    );
    assert_eq!(text(&decode_value(&punch, b"0000}").unwrap()), "0.00");
    assert_eq!(encode_value(&punch, "-0.00").unwrap(), b"0000{");
    let packed = one_field(r#"type = "packed", length = 2, negative_zero = "positive""#);
    assert_eq!(text(&decode_value(&packed, &[0x00, 0x0D]).unwrap()), "0");
    assert_eq!(encode_value(&packed, "-0").unwrap(), [0x00, 0x0C]);
}

#[test]
fn sign_keys_on_fields_without_a_sign_are_layout_errors() {
    let load = common::layout_error;
    let zoned = load(r#"type = "number", length = 3, negative_zero = "keep""#);
    assert!(
        zoned.contains("`negative_zero` applies only to signed numbers"),
        "{zoned}"
    );
    let packed = load(r#"type = "packed", length = 2, signed = false, negative_zero = "keep""#);
    assert!(packed.contains("`negative_zero` applies only"), "{packed}");
    let binary = load(r#"type = "binary", length = 2, negative_zero = "keep""#);
    assert!(
        binary.contains("key `negative_zero` does not apply to a binary field"),
        "{binary}"
    );
    let nibbles = load(r#"type = "number", length = 2, sign_nibbles = "lenient""#);
    assert!(
        nibbles.contains("key `sign_nibbles` does not apply to a number field"),
        "{nibbles}"
    );
}

proptest! {
    /// Any two packed bytes: a lenient field decodes whatever a strict one does, to the same
    /// value; whatever it decodes re-encodes with the preferred nibble and the same digits.
    #[test]
    fn lenient_reads_a_superset_and_normalises(bytes in proptest::collection::vec(any::<u8>(), 2)) {
        let strict = one_field(r#"type = "packed", length = 2"#);
        let lenient = one_field(r#"type = "packed", length = 2, sign_nibbles = "lenient""#);
        let loose = decode_value(&lenient, &bytes);
        if let Ok(value) = decode_value(&strict, &bytes) {
            prop_assert_eq!(loose.as_ref().ok(), Some(&value));
        }
        if let Ok(value) = loose {
            let back = encode_value(&lenient, &text(&value)).unwrap();
            prop_assert_eq!(back[0], bytes[0]);
            prop_assert_eq!(back[1] >> 4, bytes[1] >> 4);
            prop_assert!(matches!(back[1] & 0xF, 0xC | 0xD));
        }
    }
}
