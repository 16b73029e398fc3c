//! Every answer that is not exactly one decision, each with its own reason.

use super::*;

fn defect(answer: &[u8]) -> AnswerDefect {
    match decode_answer(answer) {
        Err(EngineErrorKind::InvalidAnswer { reason }) => reason,
        other => panic!("{}: {other:?}", String::from_utf8_lossy(answer)),
    }
}

#[test]
fn one_decision_is_accepted_with_its_exact_numbers() {
    let answer = decode_answer(br#"{"body": {"decision": "A", "rate": 4.500}}"#).unwrap();
    assert_eq!(answer["body"]["rate"].to_string(), "4.500");
    let answer =
        decode_answer(b" \r\n{\"header\": {\"resp_code\": \"00\"}, \"body\": {}}\n\t").unwrap();
    assert_eq!(answer["header"]["resp_code"], "00");
    // Equal keys in different objects are no duplicate, nor is a number with its private key.
    decode_answer(
        br#"{"header": {"rate": 1}, "body": {"rate": 1, "offers": [{"rate": 2}, {"rate": 3}]}}"#,
    )
    .unwrap();
}

#[test]
fn an_empty_answer_or_a_byte_order_mark_is_refused() {
    assert_eq!(defect(b""), AnswerDefect::Empty);
    assert_eq!(defect(b" \n "), AnswerDefect::Empty);
    assert_eq!(
        defect(b"\xEF\xBB\xBF{\"body\": {}}"),
        AnswerDefect::ByteOrderMark
    );
}

#[test]
fn a_top_level_value_other_than_an_object_is_refused() {
    for (answer, found) in [
        (&b"null"[..], "null"),
        (b"[{\"body\": {}}]", "an array"),
        (b"\"body\"", "a string"),
        (b"42", "a number"),
        (b"true", "a boolean"),
    ] {
        assert_eq!(defect(answer), AnswerDefect::NotAnObject { found });
    }
}

#[test]
fn more_than_one_document_is_refused() {
    assert_eq!(
        defect(br#"{"body": {"decision": "A"}}{"body": {"decision": "R"}}"#),
        AnswerDefect::SeveralDocuments { count: 2 }
    );
    assert_eq!(
        defect(b"{\"body\": {}}\n{\"body\": {}}\n{\"body\": {}}\n"),
        AnswerDefect::SeveralDocuments { count: 3 }
    );
    assert_eq!(
        defect(br#"{"body": {}} null"#),
        AnswerDefect::SeveralDocuments { count: 2 }
    );
}

#[test]
fn trailing_bytes_are_refused_with_their_offset() {
    assert_eq!(
        defect(br#"{"body": {}}  garbage"#),
        AnswerDefect::TrailingData { at: 14 }
    );
    assert_eq!(
        defect(br#"{"body": {}}}"#),
        AnswerDefect::TrailingData { at: 12 }
    );
}

#[test]
fn a_key_twice_is_refused_with_its_path() {
    let cases: [(&[u8], &str); 5] = [
        (
            br#"{"body": {"decision": "A"}, "body": {"decision": "R"}}"#,
            "body",
        ),
        (br#"{"header": {}, "body": {}, "header": {}}"#, "header"),
        (
            br#"{"body": {"decision": "A", "grade": "B", "decision": "R"}}"#,
            "body.decision",
        ),
        (
            br#"{"body": {"offers": [{"rate": 1}, {"rate": 1, "term": 2, "rate": 3}]}}"#,
            "body.offers[1].rate",
        ),
        (
            br#"{"body": {"a": [[{"x": 1, "x": 1}]]}}"#,
            "body.a[0][0].x",
        ),
    ];
    for (answer, path) in cases {
        assert_eq!(
            defect(answer),
            AnswerDefect::DuplicateKey {
                path: path.to_owned()
            }
        );
    }
}

#[test]
fn an_unknown_top_level_member_is_refused() {
    assert_eq!(
        defect(br#"{"body": {}, "decision": "A"}"#),
        AnswerDefect::UnknownMember {
            name: "decision".to_owned()
        }
    );
    let long = format!(r#"{{"body": {{}}, "{}": 1}}"#, "k".repeat(500));
    match defect(long.as_bytes()) {
        AnswerDefect::UnknownMember { name } => assert_eq!(name.len(), MAX_NAME_CHARS),
        other => panic!("{other:?}"),
    }
}

#[test]
fn body_and_header_must_be_objects() {
    assert_eq!(defect(br#"{"header": {}}"#), AnswerDefect::BodyMissing);
    assert_eq!(defect(b"{}"), AnswerDefect::BodyMissing);
    assert_eq!(
        defect(br#"{"body": null}"#),
        AnswerDefect::BodyNotObject { found: "null" }
    );
    assert_eq!(
        defect(br#"{"body": [{}]}"#),
        AnswerDefect::BodyNotObject { found: "an array" }
    );
    assert_eq!(
        defect(br#"{"header": null, "body": {}}"#),
        AnswerDefect::HeaderNotObject { found: "null" }
    );
    assert_eq!(
        defect(br#"{"header": "x", "body": {}}"#),
        AnswerDefect::HeaderNotObject { found: "a string" }
    );
}

#[test]
fn reasons_say_what_was_expected_and_found() {
    let error = EngineErrorKind::InvalidAnswer {
        reason: defect(br#"{"body": {"decision": "A", "decision": "R"}}"#),
    };
    assert_eq!(
        error.to_string(),
        "invalid answer: expected each key once, found `body.decision` twice"
    );
    assert_eq!(
        defect(br#"{"body": 1}"#).to_string(),
        "expected `body` to be an object, found a number"
    );
}

#[test]
fn broken_json_is_invalid_json_with_its_position() {
    match decode_answer(b"{\"body\": {\n  \"x\": tru }") {
        Err(error @ EngineErrorKind::InvalidJson { .. }) => {
            assert!(error.to_string().contains("line 2 column"), "{error}")
        }
        other => panic!("{other:?}"),
    }
}

/// The two-pass check the one-pass parse replaced: `Value`'s own parse, then a second walk over
/// the bytes for a key held twice. The one-pass parse must agree with it on every input.
fn two_pass(bytes: &[u8]) -> Result<Value, EngineErrorKind> {
    let invalid = |reason| EngineErrorKind::InvalidAnswer { reason };
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return Err(invalid(AnswerDefect::ByteOrderMark));
    }
    if bytes.trim_ascii().is_empty() {
        return Err(invalid(AnswerDefect::Empty));
    }
    let mut documents = serde_json::Deserializer::from_slice(bytes).into_iter::<Value>();
    let answer = match documents.next() {
        Some(Ok(answer)) => answer,
        Some(Err(source)) => return Err(EngineErrorKind::InvalidJson { source }),
        None => return Err(invalid(AnswerDefect::Empty)),
    };
    let end = documents.byte_offset();
    if let Some(defect) = after_first(bytes, end) {
        return Err(invalid(defect));
    }
    if let Some(path) = unique::duplicate_key(&bytes[..end]) {
        return Err(invalid(AnswerDefect::DuplicateKey { path }));
    }
    check_shape(&answer).map_err(invalid)?;
    Ok(answer)
}

/// JSON text with few distinct keys (so objects repeat them), exact numbers and escapes.
fn json_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("\"A\"".to_owned()),
        Just("\"\\u00e9\\n\\\"x\"".to_owned()),
        Just("4.500".to_owned()),
        Just("-0".to_owned()),
        Just("1e400".to_owned()),
        Just("123456789012345678901234567890".to_owned()),
        Just("{\"$serde_json::private::Number\": \"12\"}".to_owned()),
    ];
    let key = prop_oneof![
        Just("body"),
        Just("header"),
        Just("rate"),
        Just("offers"),
        Just("$serde_json::private::Number"),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec((key.clone(), inner), 0..5).prop_map(|entries| {
                let entries: Vec<String> = entries
                    .into_iter()
                    .map(|(k, v)| format!("\"{k}\": {v}"))
                    .collect();
                format!("{{{}}}", entries.join(","))
            }),
        ]
    })
}

proptest::proptest! {
    #[test]
    fn the_one_pass_parse_agrees_with_parse_then_walk(
        document in json_text(),
        cut_at in proptest::option::of(0usize..200),
        tail in proptest::sample::select(vec!["", " ", "\n{}", " x", "}", "{\"body\": {}}"]),
    ) {
        let mut bytes = format!("{{\"body\": {document}, \"header\": {document}}}{tail}").into_bytes();
        if let Some(at) = cut_at {
            bytes.truncate(at);
        }
        let (one, two) = (decode_answer(&bytes), two_pass(&bytes));
        proptest::prop_assert_eq!(format!("{one:?}"), format!("{two:?}"));
        // Exact number text and key order survive in the tree.
        if let (Ok(one), Ok(two)) = (&one, &two) {
            proptest::prop_assert_eq!(one.to_string(), two.to_string());
        }
        let (one, two) = (decode_answer(document.as_bytes()), two_pass(document.as_bytes()));
        proptest::prop_assert_eq!(format!("{one:?}"), format!("{two:?}"));
    }
}
