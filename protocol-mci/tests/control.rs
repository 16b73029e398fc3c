//! Control frames: polls shorter than the header, a poll with its send time echoed, zero-length
//! keep-alives; framed from split reads and coalesced reads, answered byte-exact.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use bytes::BytesMut;
use protocol_mci::{Direction, FramingError, Layout};
use tokio_util::codec::Decoder;

/// A 6-digit length counting the whole frame, a 94-byte header (prefix, 10-byte tx code, filler)
/// and a 4-byte body; three control frames.
const LAYOUT: &str = r#"
    [framing]
    prefix = "ascii"
    prefix_length = 6
    counts = "frame"
    max_frame = 512
    [header]
    discriminator = "tx"
    fields = [
      { name = "tx", type = "text", length = 10 },
      { name = "rest", type = "filler", length = 78 },
    ]
    [messages.BIZ0000001]
    request = [{ name = "n", type = "text", length = 4 }]
    response = [{ name = "n", type = "text", length = 4 }]

    [[control]]
    name = "poll"
    exact = "000016REQPOLLING"
    reply = "000016RESPOLLING"
    poll = true

    [[control]]
    name = "timed-poll"
    starts_with = "HDRREQPOLL"
    at = 6
    length = 30
    copy.time = { offset = 16, length = 14 }
    reply = "000030HDRRESPOLL{time}"

    [[control]]
    name = "keep-alive"
    empty = true
    echo = true
"#;

fn layout() -> Layout {
    Layout::from_toml(LAYOUT, "test", "test").unwrap_or_else(|e| panic!("{e}"))
}

/// A 98-byte business frame.
fn business() -> Vec<u8> {
    let mut frame = b"000098BIZ0000001".to_vec();
    frame.resize(94, b' ');
    frame.extend_from_slice(b"abcd");
    frame
}

const POLL: &[u8] = b"000016REQPOLLING";
const TIMED: &[u8] = b"000030HDRREQPOLL20261129204512";
const KEEP_ALIVE: &[u8] = b"000000";

/// Every frame of `stream`, fed in pieces of `chunk` bytes.
fn frames(layout: &Layout, stream: &[u8], chunk: usize) -> Vec<Vec<u8>> {
    let mut framer = layout.framer();
    let mut buffer = BytesMut::new();
    let mut out = Vec::new();
    for piece in stream.chunks(chunk) {
        buffer.extend_from_slice(piece);
        while let Some(frame) = framer.decode(&mut buffer).unwrap() {
            out.push(frame.to_vec());
        }
    }
    assert!(buffer.is_empty(), "{} bytes left over", buffer.len());
    out
}

#[test]
fn polls_and_keep_alives_between_business_frames_are_framed_and_answered_byte_exact() {
    let layout = layout();
    let stream = [POLL, &business(), TIMED, KEEP_ALIVE, &business(), POLL].concat();
    let expected = vec![
        POLL.to_vec(),
        business(),
        TIMED.to_vec(),
        KEEP_ALIVE.to_vec(),
        business(),
        POLL.to_vec(),
    ];
    for chunk in [1, 7, stream.len()] {
        assert_eq!(frames(&layout, &stream, chunk), expected, "chunk {chunk}");
    }
    let answer = |frame: &[u8]| {
        layout
            .control_answer(frame)
            .map(|(control, bytes)| (control.name.clone(), bytes))
    };
    assert_eq!(
        answer(POLL),
        Some(("poll".into(), b"000016RESPOLLING".to_vec()))
    );
    assert_eq!(
        answer(TIMED),
        Some((
            "timed-poll".into(),
            b"000030HDRRESPOLL20261129204512".to_vec()
        ))
    );
    assert_eq!(
        answer(KEEP_ALIVE),
        Some(("keep-alive".into(), KEEP_ALIVE.to_vec()))
    );
    // Business frames are not control frames and still decode.
    assert_eq!(answer(&business()), None);
    let message = layout.decode(Direction::Request, &business()).unwrap();
    assert_eq!(message.body["n"], "abcd");
}

#[test]
fn near_misses_are_not_control_frames() {
    let layout = layout();
    // Same prefix bytes, wrong length; same length, wrong bytes.
    assert!(layout
        .control_answer(b"000031HDRREQPOLL202611292045120")
        .is_none());
    assert!(layout
        .control_answer(b"000030HDRREQPOLX20261129204512")
        .is_none());
    assert!(layout.control_answer(b"000016REQPOLLINX").is_none());
}

#[test]
fn zero_length_keep_alive_on_a_four_digit_link_is_echoed() {
    let toml = LAYOUT
        .replace("prefix_length = 6", "prefix_length = 4")
        .replace("length = 78", "length = 80")
        .replace("000016REQPOLLING", "0014REQPOLLING")
        .replace("000016RESPOLLING", "0014RESPOLLING")
        .replace("at = 6", "at = 4")
        .replace("length = 30", "length = 28")
        .replace("offset = 16", "offset = 14")
        .replace("000030HDRRESPOLL", "0028HDRRESPOLL");
    let layout = Layout::from_toml(&toml, "test", "test").unwrap_or_else(|e| panic!("{e}"));
    let stream = b"00000000".to_vec();
    assert_eq!(frames(&layout, &stream, 1), vec![b"0000".to_vec(); 2]);
    let (control, answer) = layout.control_answer(b"0000").unwrap();
    assert_eq!(
        (control.name.as_str(), answer.as_slice()),
        ("keep-alive", &b"0000"[..])
    );
}

#[test]
fn without_an_empty_control_a_zero_prefix_still_breaks_framing() {
    let toml = LAYOUT.replace("empty = true", "exact = \"000006\"");
    let layout = Layout::from_toml(&toml, "test", "test").unwrap_or_else(|e| panic!("{e}"));
    let mut buffer = BytesMut::from(&b"000000"[..]);
    assert!(matches!(
        layout.framer().decode(&mut buffer),
        Err(FramingError::Undersize { .. })
    ));
}

#[test]
fn the_poll_is_what_the_gateway_sends_to_engines() {
    let (request, answer) = layout().poll().unwrap();
    assert_eq!(request, POLL);
    assert_eq!(answer, b"000016RESPOLLING");
}

#[test]
fn bad_control_entries_are_reported_with_their_path() {
    let bad = r#"
    [[control]]
    name = "nothing"
    echo = true

    [[control]]
    name = "copy-outside"
    starts_with = "X"
    copy.t = { offset = 6, length = 4 }
    reply = "000010{t}"

    [[control]]
    name = "short-reply"
    exact = "000016REQPOLLING"
    reply = "000099RESPOLLING"
    poll = true

    [[control]]
    name = "both"
    length = 16
    echo = true
    reply = "000016RESPOLLING"

    [[control]]
    name = "huge"
    length = 8000
    echo = true
"#;
    let toml = LAYOUT.split("[[control]]").next().unwrap().to_owned() + bad;
    let error = Layout::from_toml(&toml, "test", "test")
        .unwrap_err()
        .to_string();
    for expected in [
        "control[0]: say how it is recognised",
        "control[1].copy.t: bytes 6..10 must lie in a frame of known length",
        "control[2].reply: the length prefix does not frame the 16-byte reply",
        "control[3]: give exactly one of `echo = true` and `reply`",
        "control[4].length: a frame of 8000 bytes, expected 6..=512 bytes",
    ] {
        assert!(error.contains(expected), "{expected:?} not in:\n{error}");
    }
}

/// A binary 2-byte length prefix and a poll with a non-ASCII byte: `{x:…}` escapes declare the
/// bytes exactly, in `exact`, `starts_with` and a reply template.
#[test]
fn hex_escapes_declare_binary_control_frames() {
    let toml = r#"
    [framing]
    prefix = "binary"
    prefix_length = 2
    endian = "big"
    counts = "after_prefix"
    max_frame = 512
    [header]
    discriminator = "tx"
    fields = [{ name = "tx", type = "text", length = 4 }]
    [messages.T001]
    request = [{ name = "n", type = "text", length = 4 }]
    response = [{ name = "n", type = "text", length = 4 }]

    [[control]]
    name = "poll"
    exact = "{x:00 05}{x:8F}POLL"
    reply = "{x:00 05}{x:9F}PONG"
    poll = true

    [[control]]
    name = "timed"
    starts_with = "{x:EE}"
    at = 2
    length = 6
    copy.t = { offset = 3, length = 3 }
    reply = "{x:0004 EF}{t}"
    "#;
    let layout = Layout::from_toml(toml, "test", "test").unwrap_or_else(|e| panic!("{e}"));
    let poll = b"\x00\x05\x8FPOLL";
    let (control, answer) = layout.control_answer(poll).unwrap();
    assert_eq!(control.name, "poll");
    assert_eq!(answer, b"\x00\x05\x9FPONG");
    assert_eq!(layout.poll().unwrap().0, poll);
    let (_, answer) = layout.control_answer(b"\x00\x04\xEE123").unwrap();
    assert_eq!(answer, b"\x00\x04\xEF123");
    // A business frame is not a control frame.
    assert!(layout.control_answer(b"\x00\x08T001abcd").is_none());

    let bad = toml
        .replace("{x:00 05}{x:8F}POLL", "{x:0 05}POLL")
        .replace("{x:EE}", "{x:EE");
    let error = Layout::from_toml(&bad, "test", "test")
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("control[0].exact: expected pairs of hex digits in `{x:0 05}`"),
        "{error}"
    );
    assert!(
        error.contains("control[1].starts_with: a `{x:` byte escape is not closed"),
        "{error}"
    );
    let non_ascii = toml.replace("PONG", "PÖNG");
    let error = Layout::from_toml(&non_ascii, "test", "test")
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("expected ASCII text with `{x:HEX}` escapes"),
        "{error}"
    );
}
