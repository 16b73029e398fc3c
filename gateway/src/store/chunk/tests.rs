//! Chunks: round trips, headers read without decompressing, older versions read as chunks of one.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::*;
use crate::store::codec::RecordEncoder;

fn key(seq: u8) -> [u8; KEY_LEN] {
    let mut key = [0; KEY_LEN];
    key[KEY_LEN - 1] = seq;
    key
}

#[test]
fn a_chunk_round_trips_and_its_header_names_count_and_last_key() {
    let mut encoder = ChunkEncoder::new().unwrap();
    assert!(encoder.finish("record").is_none(), "nothing added");
    let values: Vec<Value> = (0..3).map(|i| json!({"n": i, "rate": "0.10"})).collect();
    for (i, value) in values.iter().enumerate() {
        encoder.push("record", key(i as u8), value).unwrap();
    }
    let encoded = encoder.finish("record").unwrap().unwrap();
    assert_eq!(encoded.bytes[0], FORMAT_CHUNK);
    let singles: usize = values
        .iter()
        .map(|v| codec::encode("record", v).unwrap().len())
        .sum();
    assert_eq!(encoded.raw_len, singles, "raw bytes as single records");
    let span = span("record", &key(0), &encoded.bytes).unwrap();
    assert_eq!(
        span,
        Span {
            count: 3,
            last_key: key(2)
        }
    );
    assert_eq!(
        decode_all::<Value>("record", &encoded.bytes).unwrap(),
        values
    );

    // The encoder starts over: the next chunk holds only what is added after.
    encoder.push("record", key(9), &values[1]).unwrap();
    let next = encoder.finish("record").unwrap().unwrap();
    assert_eq!(
        decode_all::<Value>("record", &next.bytes).unwrap(),
        [values[1].clone()]
    );
}

#[test]
fn a_value_that_cannot_be_encoded_is_refused_alone() {
    let mut encoder = ChunkEncoder::new().unwrap();
    encoder.push("record", key(0), &json!(1)).unwrap();
    // JSON object keys must be strings.
    let bad: BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into();
    let error = encoder.push("record", key(1), &bad).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("record: invalid JSON for format version 3"),
        "{error}"
    );
    encoder.push("record", key(2), &json!(2)).unwrap();
    let encoded = encoder.finish("record").unwrap().unwrap();
    assert_eq!(
        decode_all::<Value>("record", &encoded.bytes).unwrap(),
        [json!(1), json!(2)]
    );
    assert_eq!(
        span("record", &key(0), &encoded.bytes).unwrap().last_key,
        key(2)
    );
}

#[test]
fn single_records_of_versions_1_and_2_read_as_chunks_of_one() {
    let plain = codec::encode("record", &json!({"v": 1})).unwrap();
    let compressed = RecordEncoder::new()
        .unwrap()
        .encode("record", &json!({"v": 2}))
        .unwrap()
        .bytes;
    for (bytes, v) in [(plain, 1), (compressed, 2)] {
        let span = span("record", &key(7), &bytes).unwrap();
        assert_eq!(
            span,
            Span {
                count: 1,
                last_key: key(7)
            }
        );
        assert_eq!(
            decode_all::<Value>("record", &bytes).unwrap(),
            [json!({"v": v})]
        );
    }
}

#[test]
fn damaged_chunks_are_clear_errors() {
    let error = span("record", &key(0), &[FORMAT_CHUNK, 0, 0]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "record: expected at least 17 bytes of key or chunk header, found 3"
    );
    let error = span("record", &[1, 2], &[FORMAT_JSON, b'1']).unwrap_err();
    assert!(
        matches!(error, CodecError::Header { found: 2, .. }),
        "{error}"
    );
    let error = span("record", &key(0), &[9]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "record: unknown format version 9 (this build reads versions 1 to 3)"
    );
    let mut encoder = ChunkEncoder::new().unwrap();
    encoder.push("record", key(0), &json!(1)).unwrap();
    let whole = encoder.finish("record").unwrap().unwrap().bytes;
    let error = decode_all::<Value>("record", &whole[..whole.len() - 2]).unwrap_err();
    assert!(matches!(error, CodecError::Zstd { .. }), "{error}");
    // A chunk is never read as one value (a counter, a group).
    let error = codec::decode::<Value>("counters", &whole).unwrap_err();
    assert_eq!(
        error.to_string(),
        "counters: expected one value, found a chunk of records (format version 3)"
    );
}
