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
