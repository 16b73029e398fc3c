//! COBOL `P` scaling (issue 12): a negative `scale` for `P` after the digits (`PIC S999PP`), a
//! `scale` above the digit count for `P` before them (`PIC SVPPP999`), on zoned, packed and
//! binary numbers; values beyond the declared digits are refused both ways with the field path.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{decode_value, encode_value, one_field, text};
use proptest::prelude::*;

/// `PIC S999PP`: three digits, the value is the digits × 100.
const ZONED_P_AFTER: &str =
    r#"type = "number", length = 3, digits = 3, scale = -2, sign = "overpunch""#;
/// `PIC SVPPP999`: three digits, the value is the digits × 10^-6.
const ZONED_P_BEFORE: &str =
    r#"type = "number", length = 3, digits = 3, scale = 6, sign = "overpunch""#;

#[test]
fn p_after_the_digits_multiplies_by_a_power_of_ten() {
    let layout = one_field(ZONED_P_AFTER);
    assert_eq!(text(&decode_value(&layout, b"12C").unwrap()), "12300");
    assert_eq!(text(&decode_value(&layout, b"12L").unwrap()), "-12300");
    assert_eq!(text(&decode_value(&layout, b"00{").unwrap()), "0");
    assert_eq!(encode_value(&layout, "12300").unwrap(), b"12C");
    assert_eq!(encode_value(&layout, "-99900").unwrap(), b"99R");
    // Exponent forms and decimal zeros are the same value.
    assert_eq!(encode_value(&layout, "1.23E+4").unwrap(), b"12C");
    assert_eq!(encode_value(&layout, "12300.00").unwrap(), b"12C");
    let odd = encode_value(&layout, "12345").unwrap_err().to_string();
    assert_eq!(
        odd,
        "body.v at bytes 8..11: expected a multiple of 100, found 12345"
    );
    let fraction = encode_value(&layout, "100.5").unwrap_err().to_string();
    assert!(
        fraction.contains("expected a multiple of 100"),
        "{fraction}"
    );
    let big = encode_value(&layout, "100000").unwrap_err().to_string();
    assert_eq!(
        big,
        "body.v at bytes 8..11: expected a magnitude of at most 99900, found 100000"
    );
}

#[test]
fn p_before_the_digits_leaves_leading_fraction_zeros_off_the_wire() {
    let layout = one_field(ZONED_P_BEFORE);
    assert_eq!(text(&decode_value(&layout, b"99I").unwrap()), "0.000999");
    assert_eq!(text(&decode_value(&layout, b"00J").unwrap()), "-0.000001");
    assert_eq!(encode_value(&layout, "0.000999").unwrap(), b"99I");
    assert_eq!(encode_value(&layout, "0.00001").unwrap(), b"01{");
    assert_eq!(encode_value(&layout, "1E-6").unwrap(), b"00A");
    let big = encode_value(&layout, "0.001").unwrap_err().to_string();
    assert_eq!(
        big,
        "body.v at bytes 8..11: expected a magnitude of at most 0.000999, found 0.001"
    );
    let places = encode_value(&layout, "0.0000001").unwrap_err().to_string();
    assert!(
        places.contains("expected at most 6 decimal places"),
        "{places}"
    );
}

#[test]
fn packed_and_binary_numbers_scale_the_same_way() {
    // PIC S9(5)PPP COMP-3: 3 bytes, value = digits × 1000.
    let packed = one_field(r#"type = "packed", length = 3, digits = 5, scale = -3"#);
    assert_eq!(
        encode_value(&packed, "-12345000").unwrap(),
        [0x12, 0x34, 0x5D]
    );
    assert_eq!(
        text(&decode_value(&packed, &[0x12, 0x34, 0x5D]).unwrap()),
        "-12345000"
    );
    assert!(encode_value(&packed, "123456000").is_err());
    // PIC VPP9(3) COMP-3 (even count: a pad nibble): value = digits × 10^-5.
    let small = one_field(r#"type = "packed", length = 2, digits = 2, scale = 4, signed = false"#);
    assert_eq!(encode_value(&small, "0.0099").unwrap(), [0x09, 0x9F]);
    assert_eq!(
        text(&decode_value(&small, &[0x01, 0x2F]).unwrap()),
        "0.0012"
    );
    // PIC S9(4)PP COMP: the stored integer is bounded by its 4 digits on both sides.
    let binary = one_field(r#"type = "binary", length = 2, digits = 4, scale = -2, signed = true"#);
    assert_eq!(
        encode_value(&binary, "-999900").unwrap(),
        (-9999i16).to_be_bytes()
    );
    assert_eq!(
        text(&decode_value(&binary, &1234i16.to_be_bytes()).unwrap()),
        "123400"
    );
    let over = encode_value(&binary, "1000000").unwrap_err().to_string();
    assert_eq!(
        over,
        "body.v at bytes 8..10: expected a magnitude of at most 999900, found 1000000"
    );
    let read = decode_value(&binary, &10000i16.to_be_bytes())
        .unwrap_err()
        .to_string();
    assert_eq!(
        read,
        "body.v at bytes 8..10: expected at most 4 digits, found 5"
    );
}

#[test]
fn scales_that_cannot_be_written_out_are_layout_errors() {
    let load = common::layout_error;
    let deep = load(r#"type = "number", length = 30, scale = -9"#);
    assert!(
        deep.contains("expected a `scale` from -8 to 38 for 30 digits, found -9"),
        "{deep}"
    );
    let point = load(r#"type = "number", length = 4, scale = -1, point = true"#);
    assert!(
        point.contains("`point = true` needs a `scale` from 1 to the 3 digits, found -1"),
        "{point}"
    );
    let beyond = load(r#"type = "number", length = 4, scale = 5, point = true"#);
    assert!(beyond.contains("found 5"), "{beyond}");
}

proptest! {
    /// Every raw two-byte integer of `PIC S9(4)PP COMP`: within the four digits it decodes to
    /// the digits × 100 and re-encodes to the same bytes; beyond them it is refused with the
    /// field path and byte range.
    #[test]
    fn binary_p_scaling_is_bounded_both_ways(raw in any::<i16>()) {
        let layout =
            one_field(r#"type = "binary", length = 2, digits = 4, scale = -2, signed = true"#);
        let bytes = raw.to_be_bytes();
        match decode_value(&layout, &bytes) {
            Ok(value) => {
                prop_assert!(raw.unsigned_abs() <= 9999);
                let expected = if raw == 0 { "0".to_owned() } else { format!("{raw}00") };
                prop_assert_eq!(text(&value), expected);
                prop_assert_eq!(encode_value(&layout, &text(&value)).unwrap(), bytes);
            }
            Err(e) => {
                prop_assert!(raw.unsigned_abs() > 9999);
                prop_assert!(e.to_string().starts_with("body.v at bytes 8..10: "), "{}", e);
            }
        }
    }

    /// Any three bytes in a `PIC S999PP` or `PIC SVPPP999` overpunch field decode or fail
    /// without panicking; a punched value re-encodes byte-exact (negative zero included).
    #[test]
    fn zoned_p_scaling_round_trips_any_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 3),
        before in any::<bool>(),
    ) {
        let layout = one_field(if before { ZONED_P_BEFORE } else { ZONED_P_AFTER });
        if let Ok(value) = decode_value(&layout, &bytes) {
            if !bytes[2].is_ascii_digit() {
                prop_assert_eq!(encode_value(&layout, &text(&value)).unwrap(), bytes);
            }
        }
    }
}
