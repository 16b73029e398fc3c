//! Partial date/time patterns bank headers use (issue 12): `MMddHHmmss` (ISO 8583 transmission
//! time), `yyMMdd` with a declared pivot year, `HHmm`, `yyMM`; each round-trips byte-exact and
//! decodes to ISO 8601 text with exactly the pattern's components.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{decode_value, encode_value, one_field, text};
use proptest::prelude::*;

#[test]
fn month_day_time_without_a_year_is_an_iso_month_day() {
    let layout = one_field(r#"type = "date", pattern = "MMddHHmmss""#);
    let value = decode_value(&layout, b"1129215800").unwrap();
    assert_eq!(value, "--11-29T21:58:00");
    assert_eq!(
        encode_value(&layout, r#""--11-29T21:58:00""#).unwrap(),
        b"1129215800"
    );
    // Without a year, 29 February is a valid month-day; 30 February is not.
    assert_eq!(
        decode_value(&layout, b"0229000000").unwrap(),
        "--02-29T00:00:00"
    );
    let err = decode_value(&layout, b"0230000000")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "body.v at bytes 8..18: expected a day in 1..29, found 30"
    );
    let wrong = encode_value(&layout, r#""2026-11-29T21:58:00""#)
        .unwrap_err()
        .to_string();
    assert!(
        wrong.contains("expected --MM-ddTHH:mm:ss, found \"2026-11-29T21:58:00\""),
        "{wrong}"
    );
    // All zeros is still null: month 00 is no date.
    assert_eq!(
        decode_value(&layout, b"0000000000").unwrap(),
        serde_json::Value::Null
    );
    let day = one_field(r#"type = "date", pattern = "MM/dd""#);
    assert_eq!(decode_value(&day, b"12/31").unwrap(), "--12-31");
    assert_eq!(encode_value(&day, r#""--01-02""#).unwrap(), b"01/02");
}

#[test]
fn two_digit_years_read_through_the_pivot_window() {
    let layout = one_field(r#"type = "date", pattern = "yyMMdd", pivot = 1950"#);
    assert_eq!(decode_value(&layout, b"491231").unwrap(), "2049-12-31");
    assert_eq!(decode_value(&layout, b"500101").unwrap(), "1950-01-01");
    assert_eq!(decode_value(&layout, b"000229").unwrap(), "2000-02-29");
    assert_eq!(encode_value(&layout, r#""2049-12-31""#).unwrap(), b"491231");
    assert_eq!(encode_value(&layout, r#""1950-01-01""#).unwrap(), b"500101");
    let outside = encode_value(&layout, r#""2050-01-01""#)
        .unwrap_err()
        .to_string();
    assert_eq!(
        outside,
        "body.v at bytes 8..14: expected a year from 1950 to 2049 (yy with pivot 1950), \
         found 2050"
    );
    // 1900 was not a leap year; the pivot decides which century 00 is.
    let old = one_field(r#"type = "date", pattern = "yyMMdd", pivot = 1900"#);
    assert!(decode_value(&old, b"000229").is_err());
    let expiry = one_field(r#"type = "date", pattern = "yyMM", pivot = 2000"#);
    assert_eq!(decode_value(&expiry, b"2811").unwrap(), "2028-11");
    assert_eq!(encode_value(&expiry, r#""2028-11""#).unwrap(), b"2811");
}

#[test]
fn hours_and_minutes_without_seconds() {
    let layout = one_field(r#"type = "date", pattern = "HHmm""#);
    assert_eq!(decode_value(&layout, b"2158").unwrap(), "21:58");
    // Midnight is a time, as for HHmmss.
    assert_eq!(decode_value(&layout, b"0000").unwrap(), "00:00");
    assert_eq!(encode_value(&layout, r#""00:00""#).unwrap(), b"0000");
    assert!(encode_value(&layout, r#""21:58:00""#).is_err());
    assert!(decode_value(&layout, b"2460").is_err());
    let stamp = one_field(r#"type = "date", pattern = "yyyyMMddHHmm""#);
    assert_eq!(
        decode_value(&stamp, b"202611292158").unwrap(),
        "2026-11-29T21:58"
    );
}

#[test]
fn combinations_the_codec_cannot_read_are_layout_errors() {
    let load = |keys: &str| common::layout_error(&format!(r#"type = "date", {keys}"#));
    for pattern in [
        "yyyyMMHHmm",
        "mmss",
        "yyyydd",
        "HHss",
        "HHmmSSS",
        "ddHHmm",
        "yy",
    ] {
        let err = load(&format!("pattern = {pattern:?}, pivot = 1950"));
        assert!(
            err.contains("or a date with a day and a time"),
            "{pattern}: {err}"
        );
    }
    let twice = load(r#"pattern = "yyyyMMddyy", pivot = 1950"#);
    assert!(twice.contains("repeats a component"), "{twice}");
    let no_pivot = load(r#"pattern = "yyMMdd""#);
    assert!(
        no_pivot.contains("has a two-digit year: declare its century window with `pivot`"),
        "{no_pivot}"
    );
    let stray = load(r#"pattern = "yyyyMMdd", pivot = 1950"#);
    assert!(
        stray.contains("`pivot` applies only to a pattern with `yy`"),
        "{stray}"
    );
    let late = load(r#"pattern = "yyMMdd", pivot = 9950"#);
    assert!(
        late.contains("expected a `pivot` year from 0 to 9900, found 9950"),
        "{late}"
    );
}

proptest! {
    /// Any digits or bytes in a partial pattern decode or fail without panicking; whatever
    /// decodes (null included) re-encodes to the same bytes.
    #[test]
    fn partial_patterns_round_trip_what_they_decode(
        parts in (0..=13u32, 0..=32u32, 0..=24u32, 0..=60u32, 0..=60u32),
        noise in proptest::collection::vec(any::<u8>(), 10),
        which in 0..4usize,
        raw in any::<bool>(),
    ) {
        let (keys, len) = [
            (r#"type = "date", pattern = "MMddHHmmss""#, 10),
            (r#"type = "date", pattern = "yyMMdd", pivot = 1950"#, 6),
            (r#"type = "date", pattern = "HHmm""#, 4),
            (r#"type = "date", pattern = "yy/MM", pivot = 2000"#, 5),
        ][which];
        let layout = one_field(keys);
        // Mostly valid components, a few just out of range, in the field's order.
        let (a, b, c, d, e) = parts;
        let digits = match which {
            0 => format!("{a:02}{b:02}{c:02}{d:02}{e:02}"),
            1 => format!("{d:02}{a:02}{b:02}"),
            2 => format!("{c:02}{d:02}"),
            _ => format!("{e:02}/{a:02}"),
        };
        let mut bytes = if raw { noise } else { digits.into_bytes() };
        bytes.truncate(len);
        if let Ok(value) = decode_value(&layout, &bytes) {
            let back = encode_value(&layout, &text(&value)).unwrap();
            // Null comes back as the field's null fill (spaces); everything else byte-exact.
            if !value.is_null() || bytes.iter().all(|&b| b == b' ') {
                prop_assert_eq!(back, bytes);
            }
        }
    }
}
