//! The format versions: round trips, both versions read, clear errors.

use serde_json::Value;

use super::*;

fn exact() -> Value {
    serde_json::from_str(r#"{"rate":0.10000000000000000001}"#).unwrap()
}

#[test]
fn values_round_trip_with_exact_decimals() {
    let bytes = encode("record", &exact()).unwrap();
    assert_eq!(bytes[0], FORMAT_JSON);
    let back: Value = decode("record", &bytes).unwrap();
    assert_eq!(back.to_string(), r#"{"rate":0.10000000000000000001}"#);
}

#[test]
fn records_are_compressed_and_read_back_exactly() {
    let mut encoder = RecordEncoder::new().unwrap();
    let first = encoder.encode("record", &exact()).unwrap();
    assert_eq!(first.bytes[0], FORMAT_ZSTD);
    let back: Value = decode("record", &first.bytes).unwrap();
    assert_eq!(back.to_string(), r#"{"rate":0.10000000000000000001}"#);

    // Repetitive JSON, as records are (the same field names over and over): far smaller stored,
    // and the encoder's reused buffers do not leak one value into the next.
    let big: Value = (0..200)
        .map(|i| (format!("field_{i}"), Value::from("A".repeat(20))))
        .collect::<serde_json::Map<_, _>>()
        .into();
    let second = encoder.encode("record", &big).unwrap();
    assert_eq!(second.raw_len, encode("record", &big).unwrap().len());
    assert!(
        second.bytes.len() * 4 < second.raw_len,
        "{} stored bytes for {} raw",
        second.bytes.len(),
        second.raw_len
    );
    assert_eq!(decode::<Value>("record", &second.bytes).unwrap(), big);
    let third = encoder.encode("record", &exact()).unwrap();
    assert_eq!(third.bytes, first.bytes);
}

#[test]
fn unknown_versions_damaged_frames_and_empty_values_are_clear_errors() {
    let err = decode::<Value>("record", &[9, b'{', b'}']).unwrap_err();
    assert_eq!(
        err.to_string(),
        "record: unknown format version 9 (this build reads versions 1 to 3)"
    );
    let err = decode::<Value>("group", &[]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "group: empty value, expected a version byte"
    );
    // Plain JSON under the zstd version byte: not a frame.
    let err = decode::<Value>("record", &[FORMAT_ZSTD, b'{', b'}']).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("record: expected a zstd frame for format version 2: "),
        "{err}"
    );
    // A frame cut short.
    let mut encoder = RecordEncoder::new().unwrap();
    let whole = encoder.encode("record", &exact()).unwrap().bytes;
    let err = decode::<Value>("record", &whole[..whole.len() - 3]).unwrap_err();
    assert!(matches!(err, CodecError::Zstd { .. }), "{err}");
    let err = decode::<Value>("record", &[FORMAT_JSON, b'{']).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("record: invalid JSON for format version 1: "),
        "{err}"
    );
}
