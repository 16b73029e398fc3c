//! Message selection and named sections on one bank link (`tests/layouts/bank-link.toml`):
//! 16-byte polls, 94-byte header-only admin frames selected by length, and business frames
//! selected by a two-field key, each decoded and re-encoded byte-exact with the sections kept
//! apart in the JSON; a catch-all message; body-only frames.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use bytes::BytesMut;
use protocol_mci::{DecodeErrorKind, Direction, Layout, TtlValue};
use serde_json::{json, Value};
use tokio_util::codec::Decoder;

const POLL: &[u8] = b"000016REQPOLLING";

fn layout() -> Layout {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/layouts/bank-link.toml");
    Layout::from_file(path).unwrap_or_else(|e| panic!("{e}"))
}

/// The 94-byte header: guid, flag, result, TTL flag and seconds, two branches, key fields.
fn header(guid: &str, flag: &str, msg_type: &str, svc: &str, len: usize) -> Vec<u8> {
    let mut frame =
        format!("{len:06}{guid:<32}{flag}    1030SYS1{msg_type}{svc:<8}CUS2").into_bytes();
    frame.resize(94, b' ');
    frame
}

fn admin() -> Vec<u8> {
    header("ADMIN-SIGN-ON", "S", "0800", "SIGNON", 94)
}

fn business() -> Vec<u8> {
    let mut frame = header("G-0001", "S", "0200", "LNS0001", 94 + 40);
    for value in ["C00000000042", "8001011234567", "000000050000000"] {
        frame.extend_from_slice(value.as_bytes());
    }
    frame
}

#[test]
fn each_kind_is_framed_decoded_and_re_encoded_byte_exact() {
    let layout = layout();
    let stream = [POLL, &business(), &admin(), POLL, &business()].concat();
    for chunk in [1, 5, stream.len()] {
        let mut framer = layout.framer();
        let mut buffer = BytesMut::new();
        let mut frames = Vec::new();
        for piece in stream.chunks(chunk) {
            buffer.extend_from_slice(piece);
            while let Some(frame) = framer.decode(&mut buffer).unwrap() {
                frames.push(frame.to_vec());
            }
        }
        let lengths: Vec<usize> = frames.iter().map(Vec::len).collect();
        assert_eq!(lengths, [16, 134, 94, 16, 134], "chunk {chunk}");
    }
    // The poll is a control frame: answered without decoding.
    let (control, answer) = layout.control_answer(POLL).unwrap();
    assert_eq!(
        (control.name.as_str(), &answer[..]),
        ("poll", &b"000016RESPOLLING"[..])
    );
    assert!(layout.control_answer(&admin()).is_none());

    // The admin frame is selected by its length: header only, empty body.
    let (selected, message) = layout
        .decode_selected(Direction::Request, &admin())
        .unwrap();
    assert_eq!(selected.code, "ADMIN");
    assert_eq!(message.header["biz"]["msg_type"], "0800");
    assert!(message.body.is_empty());
    let again = layout
        .encode_as(Direction::Request, selected, &message)
        .unwrap();
    assert_eq!(again, admin());

    // The business frame is selected by message type + service code.
    let (selected, message) = layout
        .decode_selected(Direction::Request, &business())
        .unwrap();
    assert_eq!(selected.code, "LNS0001");
    assert_eq!(message.body["req_amount"].to_string(), "50000000");
    assert_eq!(
        layout.encode(Direction::Request, &message).unwrap(),
        business()
    );
}

#[test]
fn three_sections_round_trip_kept_apart_in_the_json() {
    let layout = layout();
    let message = layout.decode(Direction::Request, &business()).unwrap();
    let value = layout.to_json(&message);
    let expected = json!({
        "sys": {"guid": "G-0001", "rr_flag": "S", "resp_code": "", "keep_flag": "1",
                "keep_secs": 30, "branch": "SYS1"},
        "biz": {"msg_type": "0200", "svc_code": "LNS0001", "branch": "CUS2"},
        "data": {"cust_no": "C00000000042", "rrn": "8001011234567", "req_amount": 50000000},
    });
    assert_eq!(value, expected);
    // Same field name in two sections, two values.
    assert_ne!(value["sys"]["branch"], value["biz"]["branch"]);
    let back = layout.from_json(value);
    assert_eq!(back, message);
    assert_eq!(
        layout.encode(Direction::Request, &back).unwrap(),
        business()
    );
    assert!(layout.is_sectioned());
    assert_eq!(layout.body_key(), "data");
}

#[test]
fn roles_are_read_and_written_by_path() {
    let layout = layout();
    let request = layout.decode(Direction::Request, &business()).unwrap();
    let correlation = layout.correlation_field().unwrap();
    assert_eq!(correlation.to_string(), "sys.guid");
    assert_eq!(correlation.text(&request.header), Some("G-0001"));
    assert_eq!(
        layout.ttl(&request.header),
        TtlValue::Within(std::time::Duration::from_secs(30))
    );
    // The gateway's own error answer: flag and result set in `sys`, the error body selected.
    let answer = layout
        .encode_error_answer(&request.header, "E999", "no strategy")
        .unwrap();
    let decoded = layout.decode(Direction::Response, &answer).unwrap();
    assert_eq!(decoded.header["sys"]["rr_flag"], "R");
    assert_eq!(decoded.header["sys"]["resp_code"], "E999");
    assert_eq!(decoded.header["biz"], request.header["biz"]);
    assert_eq!(decoded.body["error_message"], "no strategy");
    // A successful response selects the response body.
    let mut header = request.header.clone();
    layout.flag().unwrap().0.set(&mut header, "R".into());
    layout.result().unwrap().0.set(&mut header, "0000".into());
    let body = json!({"grade": "A1", "limit_amount": 1000})
        .as_object()
        .unwrap()
        .clone();
    let response = protocol_mci::Message { header, body };
    let frame = layout.encode(Direction::Response, &response).unwrap();
    assert_eq!(
        layout.decode(Direction::Response, &frame).unwrap(),
        response
    );
}

#[test]
fn an_unknown_key_names_the_key_fields() {
    let layout = layout();
    let mut frame = header("G-0002", "S", "0200", "LNS9999", 100);
    frame.extend_from_slice(b"abcdef");
    let error = layout.decode(Direction::Request, &frame).unwrap_err();
    assert_eq!(error.path, "biz.msg_type");
    assert_eq!(error.range, 51..55);
    assert!(matches!(error.kind, DecodeErrorKind::UnknownMessage(ref k) if k == "0200, LNS9999"));
    // The header still decodes, so the frame can be answered.
    assert_eq!(
        layout.decode_header(&frame).unwrap()["sys"]["guid"],
        "G-0002"
    );
}

/// A body-only record layout (no header) with a catch-all message beside a keyed one.
const BODY_ONLY: &str = r#"
    [framing]
    prefix = "ascii"
    prefix_length = 4
    counts = "frame"
    max_frame = 200

    [messages.SHORT]
    header = "none"
    frame_length = 10
    request = [{ name = "code", type = "text", length = 6 }]
    response = [{ name = "code", type = "text", length = 6 }]

    [messages.ANY]
    header = "none"
    default = true
    request = [{ name = "text", type = "text", length = 20 }]
    response = []
"#;

#[test]
fn body_only_frames_are_selected_by_length_or_fall_back_to_the_default() {
    let layout = Layout::from_toml(BODY_ONLY, "test", "test").unwrap_or_else(|e| panic!("{e}"));
    let short = b"0010ABC123";
    let (selected, message) = layout.decode_selected(Direction::Request, short).unwrap();
    assert_eq!(selected.code, "SHORT");
    assert_eq!(
        layout.to_json(&message),
        json!({"body": {"code": "ABC123"}})
    );
    assert_eq!(
        layout
            .encode_as(Direction::Request, selected, &message)
            .unwrap(),
        short
    );

    let long = b"0024hello               ";
    let (selected, message) = layout.decode_selected(Direction::Request, long).unwrap();
    assert_eq!(selected.code, "ANY");
    assert_eq!(message.body["text"], "hello");
    // JSON alone selects the default message.
    assert_eq!(layout.encode(Direction::Request, &message).unwrap(), long);
    // An empty answer body is the prefix alone.
    let empty = layout
        .encode_as(Direction::Response, selected, &Default::default())
        .unwrap();
    assert_eq!(empty, b"0004");
    let (_, decoded) = layout
        .decode_selected(Direction::Response, b"0004")
        .unwrap();
    assert_eq!(decoded.body, serde_json::Map::<String, Value>::new());
}

#[test]
fn a_layout_lists_the_messages_a_header_selects_apart_from_those_its_length_selects() {
    let layout = layout();
    let keyed: Vec<(&str, Vec<&str>)> = (layout.keyed_messages().into_iter())
        .map(|(name, values)| (name, values.iter().map(String::as_str).collect()))
        .collect();
    assert_eq!(
        keyed,
        [
            ("LNS0001", vec!["0200", "LNS0001"]),
            ("LNS0002", vec!["0200", "LNS0002"])
        ]
    );
    assert_eq!(layout.length_messages(), [("ADMIN", 94)]);

    // Body-only frames: one message by length, the other the default, which no key selects.
    let body_only = Layout::from_toml(BODY_ONLY, "test", "test").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(body_only.keyed_messages(), []);
    assert_eq!(body_only.length_messages(), [("SHORT", 10)]);
}

/// A business message of the bank link with generated values.
fn generated(guid: &str, branch: &str, svc: &str, amount: u64) -> protocol_mci::Message {
    let header = json!({
        "sys": {"guid": guid, "rr_flag": "S", "resp_code": "", "keep_flag": "0", "keep_secs": null,
                "branch": branch},
        "biz": {"msg_type": "0200", "svc_code": svc, "branch": branch},
    });
    let body = match svc {
        "LNS0001" => json!({"cust_no": guid.get(..12).unwrap_or(guid), "rrn": "8001011234567",
                            "req_amount": amount}),
        _ => json!({"cust_no": branch}),
    };
    protocol_mci::Message {
        header: header.as_object().unwrap().clone(),
        body: body.as_object().unwrap().clone(),
    }
}

proptest::proptest! {
    #[test]
    fn business_and_admin_frames_round_trip_through_any_split_of_the_stream(
        guid in "[A-Z0-9]{1,32}",
        branch in "[0-9]{4}",
        amount in 0u64..1_000_000_000_000_000,
        svc in proptest::sample::select(vec!["LNS0001", "LNS0002"]),
        chunk in 1usize..200,
    ) {
        let layout = layout();
        let message = generated(&guid, &branch, svc, amount);
        let frame = layout.encode(Direction::Request, &message).unwrap();
        let (selected, decoded) = layout.decode_selected(Direction::Request, &frame).unwrap();
        proptest::prop_assert_eq!(selected.code.as_str(), svc);
        proptest::prop_assert_eq!(&decoded, &message);
        proptest::prop_assert_eq!(layout.from_json(layout.to_json(&decoded)), decoded);
        let stream = [POLL, &frame, &admin(), POLL, &frame].concat();
        let mut framer = layout.framer();
        let mut buffer = BytesMut::new();
        let mut frames = Vec::new();
        for piece in stream.chunks(chunk) {
            buffer.extend_from_slice(piece);
            while let Some(frame) = framer.decode(&mut buffer).unwrap() {
                frames.push(frame.to_vec());
            }
        }
        proptest::prop_assert_eq!(frames, vec![POLL.to_vec(), frame.clone(), admin(), POLL.to_vec(), frame]);
    }
}
