//! Every answer that is not exactly one decision, each with its own reason; and the jiter parse
//! held to the serde_json parses it replaced.

use super::*;

use std::borrow::Cow;

use bytes::Bytes;

use super::tree::Checked;

/// Why a reference parse refused an answer.
#[derive(Debug)]
enum Refused {
    /// serde_json found no JSON document there (its error is not compared: jiter words it).
    Json,
    /// Not exactly one decision.
    Answer(AnswerDefect),
}

/// The parse jiter's replaced (issue 19): serde_json with a visitor building the same tree
/// (`tree`); `SHAPE` keeps only the top level's members, hollow (the check the runtime made
/// where an answer was received before the one parse). Same checks before and after the first
/// document.
fn serde_parse<const SHAPE: bool>(bytes: &[u8]) -> Result<JsonTree<'_>, Refused> {
    before_first(bytes).map_err(Refused::Answer)?;
    let mut documents = serde_json::Deserializer::from_slice(bytes).into_iter::<Checked<SHAPE>>();
    let (tree, duplicate) = match documents.next() {
        Some(Ok(Checked { tree, duplicate })) => (tree, duplicate),
        Some(Err(_)) => return Err(Refused::Json),
        None => return Err(Refused::Answer(AnswerDefect::Empty)),
    };
    after_document(bytes, documents.byte_offset(), duplicate, &tree).map_err(Refused::Answer)?;
    Ok(tree)
}

/// The earlier receiving check: the top level only.
fn check_shape_only(bytes: &[u8]) -> Result<(), Refused> {
    serde_parse::<true>(bytes).map(|_| ())
}

/// An outcome as two parses must agree on it: accepted, not JSON (jiter and serde_json word
/// and place that differently), or the same defect.
fn verdict<T>(outcome: &Result<T, EngineErrorKind>) -> String {
    match outcome {
        Ok(_) => "accepted".to_owned(),
        Err(EngineErrorKind::InvalidJson { .. }) => "not json".to_owned(),
        Err(EngineErrorKind::InvalidAnswer { reason }) => format!("{reason:?}"),
        Err(other) => format!("{other:?}"),
    }
}

/// [`verdict`] of a reference's outcome.
fn reference_verdict<T>(outcome: &Result<T, Refused>) -> String {
    match outcome {
        Ok(_) => "accepted".to_owned(),
        Err(Refused::Json) => "not json".to_owned(),
        Err(Refused::Answer(reason)) => format!("{reason:?}"),
    }
}

/// The defect the one parse finds, which the check the runtime made before it (the top level
/// only, with the tree parsed again later) found too.
fn defect(answer: &[u8]) -> AnswerDefect {
    let before = check_shape_only(answer);
    match JsonAnswer::received(Bytes::copy_from_slice(answer)).check() {
        Err(EngineErrorKind::InvalidAnswer { reason }) => {
            assert_eq!(reference_verdict(&before), format!("{reason:?}"));
            reason
        }
        other => panic!("{}: {other:?}", String::from_utf8_lossy(answer)),
    }
}

/// An accepted answer as `Value`, accepted by the earlier check and by serde_json's whole
/// parse with the same tree.
fn accepted(answer: &[u8]) -> Value {
    check_shape_only(answer).unwrap();
    let received = JsonAnswer::received(Bytes::copy_from_slice(answer));
    let value = received.to_value().unwrap();
    assert_eq!(value, decode_answer(answer).unwrap().to_value());
    assert_eq!(value, serde_parse::<false>(answer).unwrap().to_value());
    assert_eq!(
        check_answer(Bytes::copy_from_slice(answer))
            .unwrap()
            .to_value()
            .unwrap(),
        value
    );
    value
}

#[test]
fn one_decision_is_accepted_with_its_exact_numbers() {
    let answer = accepted(br#"{"body": {"decision": "A", "rate": 4.500}}"#);
    assert_eq!(answer["body"]["rate"].to_string(), "4.500");
    let answer = accepted(b" \r\n{\"header\": {\"resp_code\": \"00\"}, \"body\": {}}\n\t");
    assert_eq!(answer["header"]["resp_code"], "00");
    // Equal keys in different objects are no duplicate, nor is a number with its private key.
    accepted(
        br#"{"header": {"rate": 1}, "body": {"rate": 1, "offers": [{"rate": 2}, {"rate": 3}]}}"#,
    );
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
fn a_key_twice_in_a_large_object_or_behind_an_escape_is_found() {
    // Past the members a scan covers, a set finds the repeat.
    let members: Vec<String> = (0..40).map(|i| format!(r#""k{i}": {i}"#)).collect();
    let answer = format!(r#"{{"body": {{{}, "k3": 0}}}}"#, members.join(", "));
    assert_eq!(
        defect(answer.as_bytes()),
        AnswerDefect::DuplicateKey {
            path: "body.k3".to_owned()
        }
    );
    let answer = format!(r#"{{"body": {{{}}}}}"#, members.join(", "));
    assert_eq!(accepted(answer.as_bytes())["body"]["k39"].to_string(), "39");
    // An escaped key is the same key as its plain spelling.
    assert_eq!(
        defect(br#"{"body": {"rate": 1, "r\u0061te": 2}}"#),
        AnswerDefect::DuplicateKey {
            path: "body.rate".to_owned()
        }
    );
}

#[test]
fn strings_borrow_the_answer_unless_escaped() {
    let bytes = br#"{"body": {"name": "plain", "note": "a\nb", "n": -12, "r": 1.50}}"#;
    let tree = decode_answer(bytes).unwrap();
    let body = tree.get("body").unwrap();
    assert!(matches!(
        body.get("name"),
        Some(JsonTree::String(Cow::Borrowed("plain")))
    ));
    assert!(matches!(body.get("note"), Some(JsonTree::String(Cow::Owned(text))) if text == "a\nb"));
    let number = |key| match body.get(key) {
        Some(JsonTree::Number(text)) => text.as_str().to_owned(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        (number("n"), number("r")),
        ("-12".to_owned(), "1.50".to_owned())
    );
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
    // A column counts characters: three Hangul syllables are nine bytes.
    let hangul = "{\"body\": {\"name\": \"한아수\", \"x\": 01}}";
    let cases: [(&[u8], &str); 7] = [
        (
            hangul.as_bytes(),
            "body.x: invalid number at line 1 column 32 (byte 37)",
        ),
        (
            b"{\"body\": {\n  \"x\": tru }",
            "body.x: expected ident at line 2 column 11 (byte 21)",
        ),
        (b"{\"body\": {", "body: EOF while parsing an object at line 1 column 11 (byte 10)"),
        (b"{\"body\": {\"x\": 01}}", "body.x: invalid number at line 1 column 17 (byte 16)"),
        (
            b"{\"body\": {\"x\": \"a\x01\"}}",
            "body.x: control character (\\u0000-\\u001F) found while parsing a string at line 1 column 18 (byte 17)",
        ),
        (
            b"{\"body\": {\"x\": \"\xff\"}}",
            "body.x: invalid unicode code point at line 1 column 17 (byte 16)",
        ),
        (b"{\"body\": {,}}", "body: key must be a string at line 1 column 11 (byte 10)"),
    ];
    for (answer, text) in cases {
        let reference = serde_parse::<false>(answer);
        assert!(matches!(reference, Err(Refused::Json)), "{reference:?}");
        match decode_answer(answer) {
            Err(error @ EngineErrorKind::InvalidJson { .. }) => {
                assert_eq!(error.to_string(), format!("invalid json answer: {text}"))
            }
            other => panic!("{}: {other:?}", String::from_utf8_lossy(answer)),
        }
    }
}

#[test]
fn the_private_number_token_is_a_key_like_any_other() {
    // serde_json with `arbitrary_precision` reads an object keyed by its private token as a
    // number (here 12, so `body` was "not an object"); RFC 8259 reads an object.
    let answer = br#"{"body": {"$serde_json::private::Number": "12"}}"#;
    let tree = decode_answer(answer).unwrap();
    let body = tree.get("body").unwrap();
    assert!(
        matches!(body.get("$serde_json::private::Number"), Some(JsonTree::String(text)) if text == "12")
    );
    assert!(matches!(
        serde_parse::<false>(answer),
        Err(Refused::Answer(AnswerDefect::BodyNotObject {
            found: "a number"
        }))
    ));
}

#[test]
fn nesting_is_bounded_where_serde_json_bounded_it() {
    // 127 arrays and objects deep, the answer's own object the first, is the most serde_json
    // read; one more is refused at its bracket, and far more does not overflow the stack.
    for depth in [126, 127, 128, 129, 100_000] {
        let inner = depth - 2;
        let answer = format!(
            r#"{{"body": {{"a": {}{}}}}}"#,
            "[".repeat(inner),
            "]".repeat(inner)
        );
        let one = decode_answer(answer.as_bytes());
        assert_eq!(
            verdict(&one),
            reference_verdict(&serde_parse::<false>(answer.as_bytes())),
            "{depth}"
        );
        match (depth <= read::MAX_DEPTH, one) {
            (true, Ok(_)) => {}
            (false, Err(EngineErrorKind::InvalidJson { source })) => {
                let text = source.to_string();
                // Where: the member holding the array that nests one too deep.
                // `body`, `a` and 125 indices: the first 8 steps and the last 8, the rest left
                // out.
                let left_out = read::MAX_DEPTH - 16;
                let path = format!(
                    "body.a{}…({left_out} more levels)…{}",
                    "[0]".repeat(6),
                    "[0]".repeat(8)
                );
                assert!(
                    text.starts_with(&format!("{path}: recursion limit exceeded at")),
                    "{text}"
                );
                assert_eq!(source.path(), path);
                assert_eq!(source.offset(), 15 + read::MAX_DEPTH - 2, "{depth}");
            }
            (_, other) => panic!("{depth}: {other:?}"),
        }
    }
}

/// The two-pass check the one-pass parse replaced: `Value`'s own parse, then a second walk over
/// the bytes for a key held twice. The one-pass parse must agree with it on every input.
fn two_pass(bytes: &[u8]) -> Result<Value, Refused> {
    before_first(bytes).map_err(Refused::Answer)?;
    let mut documents = serde_json::Deserializer::from_slice(bytes).into_iter::<Value>();
    let answer = match documents.next() {
        Some(Ok(answer)) => answer,
        Some(Err(_)) => return Err(Refused::Json),
        None => return Err(Refused::Answer(AnswerDefect::Empty)),
    };
    let end = documents.byte_offset();
    let duplicate = unique::duplicate_key(&bytes[..end]);
    after_document(bytes, end, duplicate, &JsonTree::from_value(&answer))
        .map_err(Refused::Answer)?;
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
    ];
    let key = prop_oneof![Just("body"), Just("header"), Just("rate"), Just("offers"),];
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

/// What may come before an answer: nothing, whitespace, a byte order mark.
fn prefix() -> impl proptest::strategy::Strategy<Value = &'static str> {
    proptest::sample::select(vec!["", " \r\n", "\u{feff}", "\t"])
}

/// What may follow an answer: nothing, whitespace, more documents, bytes that are not JSON.
fn tail() -> impl proptest::strategy::Strategy<Value = &'static str> {
    let tails = [
        "",
        " \n",
        "\n{}",
        "{}{}",
        " x",
        "}",
        "{\"body\": {}}",
        "[1] 2",
    ];
    proptest::sample::select(tails.to_vec())
}

/// A decision the demo's engines could send, every kind of value in it.
const ANSWER: &str = r#"{"header": {"resp_code": "00", "sent_at": "2026-12-01T03:00:00Z"}, "body": {"decision": "A", "rate": 4.500, "limit": 12000000, "score": -0.5e-3, "offers": [{"term": 12, "rate": 1.25}, {"term": 24, "note": "r\u00e9\n"}], "flags": [true, false, null], "memo": ""}}"#;

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
        for bytes in [bytes.as_slice(), document.as_bytes()] {
            let one = decode_answer(bytes).map(|tree| tree.to_value());
            let two = two_pass(bytes);
            proptest::prop_assert_eq!(verdict(&one), reference_verdict(&two));
            // The same tree: exact number text and key order survive.
            if let (Ok(one), Ok(two)) = (&one, &two) {
                proptest::prop_assert_eq!(one, two);
                proptest::prop_assert_eq!(one.to_string(), two.to_string());
            }
        }
    }

    /// The one parse (check and tree together, issue 19) refuses exactly what the check the
    /// runtime made before it refused, with the same defect (same duplicate's path), and accepts
    /// the rest: duplicates at any depth, several documents, trailing bytes, a byte order mark,
    /// cuts anywhere.
    #[test]
    fn the_one_parse_finds_the_defect_the_receiving_check_found(
        before in prefix(),
        body in json_text(),
        header in proptest::option::of(json_text()),
        extra in proptest::option::of(json_text()),
        cut_at in proptest::option::of(0usize..300),
        tail in tail(),
    ) {
        let mut members = vec![format!("\"body\": {body}")];
        members.extend(header.map(|header| format!("\"header\": {header}")));
        members.extend(extra.map(|extra| format!("\"body\": {extra}")));
        let mut bytes = format!("{before}{{{}}}{tail}", members.join(", ")).into_bytes();
        if let Some(at) = cut_at {
            bytes.truncate(at);
        }
        let received = JsonAnswer::received(Bytes::from(bytes.clone()));
        let one = received.check().map(|_| ());
        let earlier = check_shape_only(&bytes);
        proptest::prop_assert_eq!(verdict(&one), reference_verdict(&earlier));
    }

    /// jiter and serde_json draw the line between JSON and not JSON in the same place: an
    /// answer with bytes overwritten, inserted or removed anywhere (any byte: quotes, brackets,
    /// digits, signs, control characters, invalid UTF-8) gets the same verdict and, accepted,
    /// the same tree from both.
    #[test]
    fn broken_answers_get_the_verdict_serde_json_gave(
        edits in proptest::collection::vec((0usize..ANSWER.len(), 0u8..=255, 0u8..3), 1..4),
    ) {
        let mut bytes = ANSWER.as_bytes().to_vec();
        for (at, byte, how) in edits {
            let at = at.min(bytes.len().saturating_sub(1));
            match how {
                0 => bytes[at] = byte,
                1 => bytes.insert(at, byte),
                _ => {
                    bytes.remove(at);
                }
            }
        }
        let one = decode_answer(&bytes).map(|tree| tree.to_value());
        let two = serde_parse::<false>(&bytes).map(|tree| tree.to_value());
        proptest::prop_assert_eq!(
            verdict(&one),
            reference_verdict(&two),
            "{}",
            String::from_utf8_lossy(&bytes)
        );
        if let (Ok(one), Ok(two)) = (&one, &two) {
            proptest::prop_assert_eq!(one.to_string(), two.to_string());
        }
    }
}
