//! Transport acknowledgements (`role = "ack"`/`"nak"`) of dual-socket links: recognised, never
//! answered as control frames, built from the frame they acknowledge.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use protocol_mci::{Layout, TransportRole};

/// A 6-digit length counting the whole frame, a 10-byte transaction code and an 8-byte id.
const LAYOUT: &str = r#"
    [framing]
    prefix = "ascii"
    prefix_length = 6
    counts = "frame"
    max_frame = 512
    [header]
    discriminator = "tx"
    correlation_field = "id"
    fields = [
      { name = "tx", type = "text", length = 10 },
      { name = "id", type = "text", length = 8 },
    ]
    [messages.BIZ0000001]
    request = [{ name = "n", type = "text", length = 4 }]
    response = [{ name = "n", type = "text", length = 4 }]

    [[control]]
    name = "ack"
    role = "ack"
    starts_with = "ACK"
    at = 6
    copy.id = { offset = 16, length = 8 }
    reply = "000017ACK{id}"

    [[control]]
    name = "nak"
    role = "nak"
    starts_with = "NAK"
    at = 6
    copy.id = { offset = 16, length = 8 }
    reply = "000017NAK{id}"
"#;

fn layout() -> Layout {
    Layout::from_toml(LAYOUT, "test", "test").unwrap_or_else(|e| panic!("{e}"))
}

const BUSINESS: &[u8] = b"000028BIZ0000001ID000042abcd";

#[test]
fn acknowledgements_copy_the_id_of_the_frame_they_acknowledge() {
    let layout = layout();
    let ack = layout
        .transport_frame(TransportRole::Ack, BUSINESS)
        .unwrap();
    assert_eq!(ack, b"000017ACKID000042");
    let nak = layout
        .transport_frame(TransportRole::Nak, BUSINESS)
        .unwrap();
    assert_eq!(nak, b"000017NAKID000042");
    assert_eq!(layout.transport_role(&ack), Some(TransportRole::Ack));
    assert_eq!(layout.transport_role(&nak), Some(TransportRole::Nak));
    assert_eq!(layout.transport_role(BUSINESS), None);
    // Too short to copy the id from: no acknowledgement rather than a wrong one.
    assert_eq!(
        layout.transport_frame(TransportRole::Ack, b"000010ABCD"),
        None
    );
}

#[test]
fn an_acknowledgement_is_never_answered_as_a_control_frame() {
    let layout = layout();
    assert!(layout.control_answer(b"000017ACKID000042").is_none());
    assert!(layout.poll().is_none());
}

#[test]
fn bad_acknowledgement_entries_are_reported_with_their_path() {
    let text = LAYOUT.replace("reply = \"000017NAK{id}\"", "echo = true\n    poll = true")
        + "\n    [[control]]\n    name = \"ack2\"\n    role = \"ack\"\n    length = 9\n    reply = \"000009ACK\"\n";
    let error = Layout::from_toml(&text, "test", "test")
        .unwrap_err()
        .to_string();
    for expected in [
        "control[1].echo: an acknowledgement is built from its `reply` template, not echoed",
        "control[1].poll: an acknowledgement (`role`) is never the poll",
        "control: at most one entry has role = \"ack\"",
    ] {
        assert!(
            error.contains(expected),
            "{expected:?} missing from {error}"
        );
    }
}
