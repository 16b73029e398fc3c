//! Framing variants: each decodes and re-encodes byte-exact, and the stream framer handles split
//! reads, coalesced frames and every way a stream can break.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use bytes::BytesMut;
use protocol_mci::{Direction, FramingError, Layout};
use tokio_util::codec::{Decoder, Encoder};

/// A layout with the given framing keys, a header {tx: 4 bytes} and a body {name: 6 bytes CP949}.
fn layout(framing: &str) -> Layout {
    let toml = format!(
        r#"
        [framing]
        {framing}
        [header]
        discriminator = "tx"
        fields = [{{ name = "tx", type = "text", length = 4 }}]
        [messages.T001]
        request = [{{ name = "name", type = "text", length = 6 }}]
        response = [{{ name = "name", type = "text", length = 6 }}]
        "#
    );
    Layout::from_toml(&toml, "test", "test").unwrap_or_else(|e| panic!("{e}"))
}

/// "T001" + "홍길동" in CP949.
const CONTENT: &[u8] = b"T001\xC8\xAB\xB1\xE6\xB5\xBF";

fn frame(prefix: &[u8], trailer: &[u8]) -> Vec<u8> {
    [prefix, CONTENT, trailer].concat()
}

/// Decodes, checks the name, re-encodes, and checks the bytes are identical.
fn round_trip(layout: &Layout, frame: &[u8]) {
    let message = layout
        .decode(Direction::Request, frame)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(message.body["name"], "홍길동");
    assert_eq!(layout.encode(Direction::Request, &message).unwrap(), frame);
    let mut framer = layout.framer();
    let mut buffer = BytesMut::from(frame);
    assert_eq!(framer.decode(&mut buffer).unwrap().unwrap(), frame);
}

#[test]
fn eight_digit_prefix_counting_the_whole_frame_with_trailer() {
    let layout = layout(
        r#"prefix = "ascii"
        prefix_length = 8
        counts = "frame"
        trailer = "@@"
        max_frame = 4096"#,
    );
    round_trip(&layout, &frame(b"00000020", b"@@"));
}

#[test]
fn six_digit_prefix_counting_what_follows() {
    let layout = layout(
        r#"prefix = "ascii"
        prefix_length = 6
        counts = "after_prefix"
        max_frame = 4096"#,
    );
    round_trip(&layout, &frame(b"000010", b""));
}

#[test]
fn four_digit_prefix_counting_what_follows() {
    let layout = layout(
        r#"prefix = "ascii"
        prefix_length = 4
        counts = "after_prefix"
        max_frame = 4096"#,
    );
    round_trip(&layout, &frame(b"0010", b""));
}

#[test]
fn four_byte_little_endian_binary_prefix() {
    let layout = layout(
        r#"prefix = "binary"
        prefix_length = 4
        endian = "little"
        counts = "after_prefix"
        max_frame = 4096"#,
    );
    round_trip(&layout, &frame(&[10, 0, 0, 0], b""));
}

#[test]
fn two_byte_big_endian_binary_prefix_counting_the_frame() {
    let layout = layout(
        r#"prefix = "binary"
        prefix_length = 2
        counts = "frame"
        max_frame = 4096"#,
    );
    round_trip(&layout, &frame(&[0, 12], b""));
}

#[test]
fn uncounted_trailer_and_adjustment() {
    let layout = layout(
        r#"prefix = "ascii"
        prefix_length = 4
        counts = "after_prefix"
        adjust = 100
        trailer = "\r\n"
        trailer_counted = false
        max_frame = 4096"#,
    );
    round_trip(&layout, &frame(b"0110", b"\r\n"));
}

#[test]
fn fixed_size_frames_without_prefix() {
    let layout = layout(
        r#"prefix = "none"
        size = 12
        trailer = "@@"
        max_frame = 4096"#,
    );
    round_trip(&layout, &frame(b"", b"@@"));
}

#[test]
fn prefix_at_an_offset_belongs_to_no_field() {
    let toml = r#"
        [framing]
        prefix = "ascii"
        prefix_length = 4
        prefix_offset = 2
        counts = "frame"
        max_frame = 4096
        [header]
        discriminator = "tx"
        fields = [
          { name = "mark", type = "constant", value = "MC" },
          { name = "tx", type = "text", length = 4, offset = 6 },
        ]
        [messages.T001]
        request = [{ name = "n", type = "number", length = 3 }]
        response = []
    "#;
    let layout = Layout::from_toml(toml, "t", "t").unwrap();
    let frame = b"MC0013T001042";
    let message = layout.decode(Direction::Request, frame).unwrap();
    assert_eq!(message.body["n"], 42);
    assert_eq!(layout.encode(Direction::Request, &message).unwrap(), frame);
}

fn eight_digit() -> Layout {
    layout(
        r#"prefix = "ascii"
        prefix_length = 8
        counts = "frame"
        trailer = "@@"
        max_frame = 64"#,
    )
}

#[test]
fn split_reads_one_byte_at_a_time_yield_the_frame_once_complete() {
    let whole = frame(b"00000020", b"@@");
    let mut framer = eight_digit().framer();
    let mut buffer = BytesMut::new();
    for (i, byte) in whole.iter().enumerate() {
        buffer.extend_from_slice(&[*byte]);
        let out = framer.decode(&mut buffer).unwrap();
        if i + 1 < whole.len() {
            assert!(out.is_none(), "frame emitted early at byte {i}");
        } else {
            assert_eq!(out.unwrap(), whole);
        }
    }
    assert!(buffer.is_empty());
}

#[test]
fn two_frames_in_one_read_come_out_as_two() {
    let one = frame(b"00000020", b"@@");
    let mut buffer = BytesMut::from(
        [one.clone(), one.clone(), one[..5].to_vec()]
            .concat()
            .as_slice(),
    );
    let mut framer = eight_digit().framer();
    assert_eq!(framer.decode(&mut buffer).unwrap().unwrap(), one);
    assert_eq!(framer.decode(&mut buffer).unwrap().unwrap(), one);
    assert!(framer.decode(&mut buffer).unwrap().is_none());
    assert_eq!(buffer.len(), 5);
}

#[test]
fn oversized_length_fails_before_allocating() {
    let mut framer = eight_digit().framer();
    let mut buffer = BytesMut::from(&b"99999999T001"[..]);
    let capacity = buffer.capacity();
    let err = framer.decode(&mut buffer).unwrap_err();
    assert!(
        matches!(
            err,
            FramingError::Oversize {
                declared: 99_999_999,
                max: 64
            }
        ),
        "{err}"
    );
    assert_eq!(
        buffer.capacity(),
        capacity,
        "no buffer of the declared size was reserved"
    );
}

#[test]
fn broken_streams_are_framing_errors() {
    let mut framer = eight_digit().framer();
    let err = framer
        .decode(&mut BytesMut::from(&b"GET / HTTP/1.1"[..]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "length prefix at bytes 0..8: expected ascii digits, found 47 45 54 20 2F 20 48 54"
    );
    let early = framer.decode(&mut BytesMut::from(&b"00X"[..])).unwrap_err();
    assert!(
        matches!(early, FramingError::InvalidPrefix { .. }),
        "garbage is seen before 8 bytes"
    );
    let small = framer
        .decode(&mut BytesMut::from(&b"00000003"[..]))
        .unwrap_err();
    assert!(
        matches!(
            small,
            FramingError::Undersize {
                declared: 3,
                min: 10
            }
        ),
        "{small}"
    );
    let mut bad_trailer = BytesMut::from(frame(b"00000020", b"##").as_slice());
    let err = framer.decode(&mut bad_trailer).unwrap_err();
    assert_eq!(
        err.to_string(),
        "trailer at bytes 18..20: expected 40 40, found 23 23"
    );
    let mut cut = BytesMut::from(&frame(b"00000020", b"@@")[..11]);
    let eof = framer.decode_eof(&mut cut).unwrap_err();
    assert_eq!(
        eof.to_string(),
        "stream ended inside a frame after 11 bytes"
    );
    assert!(
        framer.decode_eof(&mut BytesMut::new()).unwrap().is_none(),
        "a clean close"
    );
}

#[test]
fn encoder_refuses_frames_above_the_maximum() {
    let mut framer = eight_digit().framer();
    let mut out = BytesMut::new();
    framer.encode(&[b'0'; 65][..], &mut out).unwrap_err();
    framer
        .encode(&frame(b"00000020", b"@@")[..], &mut out)
        .unwrap();
    assert_eq!(out.len(), 20);
}

#[test]
fn length_prefix_must_match_the_frame_given_to_decode() {
    let layout = eight_digit();
    let err = layout
        .decode(Direction::Request, &frame(b"00000021", b"@@"))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "frame.length at bytes 0..8: expected a frame of 21 bytes (length prefix), found 20"
    );
    // A prefix that is no number: its location once, at `frame.length`.
    let err = layout
        .decode(Direction::Request, &frame(b"{\"header", b"@@"))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "frame.length at bytes 0..8: expected ascii digits, found 7B 22 68 65 61 64 65 72"
    );
}

#[tokio::test]
async fn framed_read_over_a_socket_pair_with_tiny_writes() {
    use futures::StreamExt;
    use tokio::io::AsyncWriteExt;
    let (mut client, server) = tokio::io::duplex(3);
    let one = frame(b"00000020", b"@@");
    let bytes = [one.clone(), one.clone()].concat();
    let writer = tokio::spawn(async move {
        for chunk in bytes.chunks(3) {
            client.write_all(chunk).await.unwrap();
        }
    });
    let mut frames = tokio_util::codec::FramedRead::new(server, eight_digit().framer());
    assert_eq!(frames.next().await.unwrap().unwrap(), one);
    assert_eq!(frames.next().await.unwrap().unwrap(), one);
    writer.await.unwrap();
    assert!(frames.next().await.is_none(), "clean end of stream");
}
