//! Property tests of the codec and the framer: round trips both ways, no panic on any input, and
//! framing that survives any split of the stream, for every field type and framing variant.
//!
//! One test layout exercises every field type (TOML in `layouts.rs`, with the framing left open); it is
//! loaded under each framing variant that matters. Messages are generated field by field
//! with exact decimal text (never `f64`): numbers carry exactly `scale` fraction digits, as the
//! codec decodes them, and fit their field's capacity.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;
mod frames;
mod fuzz;
mod generate;
mod layouts;

use proptest::prelude::*;
use proptest::sample::{select, Index};
use protocol_mci::charset::{Charset, Unmappable};
use protocol_mci::{BesideView, Direction, Layout, Message, MessageView};
use serde_json::Value;

use frames::*;
use fuzz::*;
use generate::*;
use layouts::*;

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(256)
}

proptest! {
    #![proptest_config(config())]

    /// decode(encode(m)) == m for every field type and framing, both directions.
    #[test]
    fn decode_inverts_encode((variant, direction, message) in any_message()) {
        let v = &VARIANTS[variant];
        let frame = v.layout.encode(direction, &message)
            .unwrap_or_else(|e| panic!("{}: encode: {e}", v.name));
        let decoded = v.layout.decode(direction, &frame)
            .unwrap_or_else(|e| panic!("{}: decode: {e}", v.name));
        prop_assert_eq!(decoded, message, "variant {}", v.name);
    }

    /// The typed view of a frame holds the values it was encoded from (decimals as their digits
    /// and scale, ASCII text borrowed, dates by parts, groups and redefines views in order),
    /// converts to exactly the message and writes exactly its JSON.
    #[test]
    fn view_holds_the_encoded_values_typed((variant, direction, message) in any_message()) {
        let v = &VARIANTS[variant];
        let frame = v.layout.encode(direction, &message).unwrap();
        let view = v.layout.decode_view(direction, &frame).unwrap();
        let header = common::typed_mismatch(&view.header, &message.header, "header");
        prop_assert_eq!(header, None, "variant {}", v.name);
        let body = common::typed_mismatch(&view.body, &message.body, "body");
        prop_assert_eq!(body, None, "variant {}", v.name);
        // Its JSON text, written without a Value, is what serde_json writes for the Value form.
        let mut written = Vec::new();
        view.write_json(&mut written);
        prop_assert_eq!(written, serde_json::to_vec(&view.to_value()).unwrap());
        prop_assert_eq!(view.into_message(), message);
    }

    /// A frame decoded beside another that decoded as the same message gives what decoding it
    /// whole gives: its header beside the other's body when it reads the same bytes after the
    /// header (here: a frame that differs in its header's clock only), else the whole frame or
    /// the same error (an unrelated frame of the variant).
    #[test]
    fn a_frame_decoded_beside_another_is_the_frame_decoded_whole(
        (variant, direction, message, unrelated, sent_at) in any_pair(),
    ) {
        let layout = &VARIANTS[variant].layout;
        let frame = layout.encode(direction, &message).unwrap();
        let view = layout.decode_view(direction, &frame).unwrap();
        let selected = layout.message(message.header["tx_code"].as_str().unwrap()).unwrap();
        let mut later = message.clone();
        later.header.insert("sent_at".into(), sent_at);
        for (other, same_body) in [
            (layout.encode(direction, &later).unwrap(), true),
            (layout.encode(direction, &unrelated).unwrap(), false),
        ] {
            let whole = layout.decode_view_as(direction, selected, &other);
            let beside =
                layout.decode_view_beside(direction, selected, &other, &frame, &view.header);
            match (beside, whole) {
                (Ok(BesideView::Header(header)), Ok(whole)) => {
                    prop_assert_eq!(&header, &whole.header);
                    prop_assert_eq!(&view.body, &whole.body);
                }
                (Ok(BesideView::Whole(beside)), Ok(whole)) => {
                    prop_assert!(!same_body, "the same body was decoded again");
                    prop_assert_eq!(beside, whole);
                }
                (Err(beside), Err(whole)) => prop_assert_eq!(beside, whole),
                (beside, whole) => {
                    prop_assert!(false, "beside {beside:?}, whole {whole:?}");
                }
            }
        }
    }

    /// A frame's view written as a stored record shows it, masked while written, is byte for
    /// byte the JSON of its message masked by the layout (`mask_as`), for every field kind.
    #[test]
    fn masked_json_is_the_json_of_the_masked_message(
        (variant, direction, message) in any_message(),
    ) {
        let layout = &MASKED_VARIANTS[variant];
        let frame = layout.encode(direction, &message).unwrap();
        let (written, expected, _) = common::masked_json_both(layout, direction, &frame);
        prop_assert_eq!(written, expected);
    }

    /// encode(decode(f)) == f byte for byte, for frames encoded from loosely written numbers
    /// (fewer decimals, leading zeros, `+`, strings), which also encode exactly like the
    /// canonical message.
    #[test]
    fn encode_inverts_decode(
        (variant, direction, message) in any_message(),
        mut seed in any::<u64>(),
    ) {
        let v = &VARIANTS[variant];
        let canonical = v.layout.encode(direction, &message).unwrap();
        let mut loose = message.clone();
        loose.body.values_mut().for_each(|value| loosen(value, &mut seed));
        let frame = v.layout.encode(direction, &loose)
            .unwrap_or_else(|e| panic!("{}: encode loose: {e}", v.name));
        prop_assert_eq!(&frame, &canonical, "variant {}", v.name);
        let decoded = v.layout.decode(direction, &frame).unwrap();
        prop_assert_eq!(&decoded, &message);
        prop_assert_eq!(v.layout.encode(direction, &decoded).unwrap(), frame);
    }

    /// A valid frame with flipped bytes or cut short decodes or fails, never panics; when it
    /// still decodes, its meaning re-encodes and survives another round trip.
    #[test]
    fn damaged_frames_never_panic(
        (variant, direction, message) in any_message(),
        flips in proptest::collection::vec((any::<Index>(), any::<u8>()), 0..4),
        cut in proptest::option::weighted(0.3, any::<Index>()),
        refix in any::<bool>(),
    ) {
        let v = &VARIANTS[variant];
        let frame = v.layout.encode(direction, &message).unwrap();
        let mut damaged = mutate(&frame, &flips, cut);
        if refix {
            fix_framing(&v.layout, &mut damaged);
        }
        let _ = v.layout.decode_header(&damaged);
        for any_direction in [Direction::Request, Direction::Response] {
            // The typed view accepts and refuses exactly what the JSON form does.
            let view = v.layout.decode_view(any_direction, &damaged);
            prop_assert_eq!(
                view.map(MessageView::into_message),
                v.layout.decode(any_direction, &damaged)
            );
            if let Ok(decoded) = v.layout.decode(any_direction, &damaged) {
                let again = v.layout.encode(any_direction, &decoded)
                    .unwrap_or_else(|e| panic!("{}: a decoded frame must encode: {e}", v.name));
                prop_assert_eq!(v.layout.decode(any_direction, &again).unwrap(), decoded);
            }
        }
        let (frames, _) = reframe(v, &damaged, &[7, 1, 300]);
        prop_assert!(frames.iter().all(|f| f.len() <= v.layout.framing.max_frame));
    }

    /// Arbitrary bytes, with and without a valid length prefix and trailer, never panic the
    /// codec or the framer.
    #[test]
    fn arbitrary_bytes_never_panic(
        variant in 0..FRAMINGS.len(),
        mut bytes in proptest::collection::vec(any::<u8>(), 0..700),
        chunks in proptest::collection::vec(1..64usize, 1..8),
        refix in any::<bool>(),
    ) {
        let v = &VARIANTS[variant];
        if refix {
            fix_framing(&v.layout, &mut bytes);
        }
        let _ = v.layout.decode_header(&bytes);
        let _ = v.layout.decode(Direction::Request, &bytes);
        let _ = v.layout.decode(Direction::Response, &bytes);
        let (frames, _) = reframe(v, &bytes, &chunks);
        let framed: usize = frames.iter().map(Vec::len).sum();
        prop_assert!(framed <= bytes.len());
    }

    /// Valid frames fed in any chunks, one byte at a time, or all at once come out as the same
    /// frames, and each decodes to its message.
    #[test]
    fn framer_recovers_frames_from_any_split(
        (variant, direction, messages) in any_stream(),
        chunks in proptest::collection::vec(1..200usize, 1..16),
    ) {
        let v = &VARIANTS[variant];
        let frames: Vec<Vec<u8>> = messages
            .iter()
            .map(|m| v.layout.encode(direction, m).unwrap())
            .collect();
        let stream = frames.concat();
        for sizes in [&chunks[..], &[1], &[stream.len()]] {
            let (got, error) = reframe(v, &stream, sizes);
            prop_assert_eq!(error, None, "variant {}", v.name);
            prop_assert_eq!(&got, &frames, "variant {} chunks {:?}", v.name, sizes);
        }
        for (frame, message) in frames.iter().zip(&messages) {
            prop_assert_eq!(&v.layout.decode(direction, frame).unwrap(), message);
        }
    }

    /// Too-long text in a truncatable field is cut at a character boundary: what decodes is a
    /// prefix of what was sent, and never half a double-byte character.
    #[test]
    fn truncation_keeps_a_prefix(
        (variant, direction, mut message) in any_message(),
        long in proptest::collection::vec(prop_oneof![select(HANGUL), select(ASCII)], 0..20),
    ) {
        let v = &VARIANTS[variant];
        if !message.body.contains_key("memo") {
            return Ok(());
        }
        let long: String = long.into_iter().collect();
        message.body.insert("memo".into(), Value::String(long.clone()));
        // A value that fits is not truncated, so a trailing pad would be lost: refused instead.
        let cp949_len: usize = long.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
        if cp949_len <= 7 && long.ends_with(' ') {
            let err = v.layout.encode(direction, &message).unwrap_err().to_string();
            prop_assert!(err.contains("ends with the pad character"), "{}", err);
            return Ok(());
        }
        let frame = v.layout.encode(direction, &message).unwrap();
        let decoded = v.layout.decode(direction, &frame).unwrap();
        let memo = decoded.body["memo"].as_str().unwrap();
        prop_assert!(long.starts_with(memo), "{memo:?} is not a prefix of {long:?}");
        prop_assert_eq!(v.layout.encode(direction, &decoded).unwrap(), frame);
    }
}

proptest! {
    /// Any text either decodes to exactly what was sent or is refused at encode, naming the
    /// field: a value with the pad on the trimmed edge, or too long, is never silently changed.
    #[test]
    fn text_round_trips_or_is_refused(
        (variant, direction, mut message) in any_message(),
        field in select(&["name_l", "name_r", "code_r"][..]),
        chars in proptest::collection::vec(prop_oneof![select(HANGUL), select(ASCII)], 0..6),
    ) {
        let v = &VARIANTS[variant];
        if !message.body.contains_key(field) {
            return Ok(());
        }
        let value: String = chars.into_iter().collect();
        message.body.insert(field.into(), Value::String(value.clone()));
        match v.layout.encode(direction, &message) {
            Ok(frame) => {
                let decoded = v.layout.decode(direction, &frame).unwrap();
                prop_assert_eq!(&decoded.body[field], &Value::String(value));
            }
            Err(err) => {
                let err = err.to_string();
                prop_assert!(err.contains(field), "{}", err);
                let pad_edge = err.contains("with the pad character");
                prop_assert!(pad_edge || err.contains("expected text of at most"), "{}", err);
            }
        }
    }
}

proptest! {
    /// A charset name means exactly that charset: text is written in it and decodes back, or
    /// is refused naming a character the charset lacks; euc-kr never carries CP949-only bytes.
    #[test]
    fn text_is_written_in_exactly_the_declared_charset(
        chars in proptest::collection::vec(prop_oneof![select(HANGUL), select(ASCII)], 0..8),
        charset in select(&[Charset::Cp949, Charset::EucKr, Charset::Utf8][..]),
    ) {
        let text: String = chars.into_iter().collect();
        let mut out = Vec::new();
        match charset.encode_into(&text, &mut out) {
            Ok(()) => {
                prop_assert_eq!(charset.decode(&out).unwrap(), text);
                if charset == Charset::EucKr {
                    let ks = |b: &u8| b.is_ascii() || (0xA1..=0xFE).contains(b);
                    prop_assert!(out.iter().all(ks), "{:02X?}", out);
                }
            }
            Err(Unmappable(c)) => {
                prop_assert_eq!(charset, Charset::EucKr);
                prop_assert!(text.contains(c));
                prop_assert!(out.is_empty(), "{:02X?}", out);
            }
        }
    }
}

proptest! {
    #![proptest_config(config())]

    /// A value beyond what a COBOL-declared number or a pivot-year date holds is refused at
    /// encode with the field's path, never written as some other value.
    #[test]
    fn out_of_range_values_are_refused_with_the_path(
        (variant, direction, mut message) in any_message(),
        (name, bad) in out_of_range(),
    ) {
        let v = &VARIANTS[variant];
        if !message.body.contains_key(name) {
            return Ok(());
        }
        message.body.insert(name.to_owned(), bad.clone());
        let err = v.layout.encode(direction, &message).unwrap_err();
        prop_assert_eq!(&err.path, &format!("body.{name}"), "{} = {}: {}", name, bad, err);
    }
}

proptest! {
    #![proptest_config(config())]

    /// What the fuzz target does with its COBOL layout, on stable: sample frames with bytes
    /// and digits flipped decode or fail without panicking, and what decodes survives
    /// encode → decode.
    #[test]
    fn fuzz_layout_round_trips_what_it_decodes(
        response in any::<bool>(),
        flips in proptest::collection::vec((any::<Index>(), any::<u8>()), 0..3),
        digits in proptest::collection::vec((any::<Index>(), b'0'..=b'9'), 0..4),
    ) {
        let layout = &*FUZZ_LAYOUT;
        let (direction, frame) = match response {
            true => (Direction::Response, fuzz_response()),
            false => (Direction::Request, fuzz_request()),
        };
        let mut bytes = mutate(&mutate(&frame, &flips, None), &digits, None);
        fix_framing(layout, &mut bytes);
        if let Ok(message) = layout.decode(direction, &bytes) {
            let view = layout.decode_view(direction, &bytes).unwrap();
            let body = common::typed_mismatch(&view.body, &message.body, "body");
            prop_assert_eq!(body, None);
            let again = layout.encode(direction, &message).unwrap();
            prop_assert_eq!(layout.decode(direction, &again).unwrap(), message);
        }
    }
}

/// The fuzz layout's samples decode to every kind, and its normalising fields write back
/// what they declare.
#[test]
fn fuzz_layout_decodes_every_kind_and_normalises_as_declared() {
    let layout = &*FUZZ_LAYOUT;
    let frame = fuzz_request();
    let message = layout.decode(Direction::Request, &frame).unwrap();
    assert_eq!(
        serde_json::to_string(&message).unwrap(),
        r#"{"header":{"tx":"N1","sent":"--11-29T21:58:00","biz_day":"2026-11-29"},"body":{"p_after":12300,"p_before":-0.000999,"nz_pos":0.0,"pk_p":-12000,"pk_even":0.000099,"pk_lenient":12.3,"pk_lenient_u":123,"pk_nz_pos":0,"b_p":-999900,"b_pv":0.00099}}"#
    );
    // negative_zero = "positive" and sign_nibbles = "lenient" write the preferred forms: a plain
    // zero, C for a positive signed field, F for an unsigned one.
    let mut normalised = frame.clone();
    normalised[31] = b'0';
    normalised[38] = 0x3C;
    normalised[40] = 0x3F;
    normalised[42] = 0x0C;
    assert_eq!(
        layout.encode(Direction::Request, &message).unwrap(),
        normalised
    );
    let frame = fuzz_response();
    let message = layout.decode(Direction::Response, &frame).unwrap();
    assert_eq!(
        serde_json::to_string(&message.body).unwrap(),
        r#"{"hhmm":"21:58","hhmm_z":"21:58","month_day":"--11-29","expiry":"2028-11","stamp":"2026-11-29T21:58","amount":-1.23}"#
    );
    assert_eq!(layout.encode(Direction::Response, &message).unwrap(), frame);
}

#[test]
fn every_framing_variant_loads() {
    assert_eq!(VARIANTS.len(), FRAMINGS.len());
    assert!(VARIANTS.iter().any(|v| v.layout.framing.offset > 0));
    assert!(VARIANTS.iter().any(|v| v.fixed));
}

/// Layouts the properties above found to break the codec are rejected when loaded.
#[test]
fn layouts_that_would_break_the_codec_are_rejected() {
    let load = |framing: &str, field: &str| {
        let text = format!(
            "[framing]\n{framing}\n[header]\ndiscriminator = \"tx\"\n\
             fields = [ {{ name = \"tx\", type = \"text\", length = 4 }} ]\n\
             [messages.AAAA]\nrequest = [ {field} ]\nresponse = [ {field} ]\n"
        );
        Layout::from_toml(&text, "t.toml", "t").map_err(|e| e.to_string())
    };
    let ascii = "prefix = \"ascii\"\nprefix_length = 4\ncounts = \"frame\"\nmax_frame = 99";
    let text = r#"{ name = "v", type = "text", length = 2 }"#;
    assert!(load(ascii, text).is_ok());
    // Encoding punched the decimal point itself (subtract overflow).
    let point_first = r#"{ name = "v", type = "number", length = 3, scale = 2, point = true,
        sign = "overpunch_leading" }"#;
    let err = load(ascii, &point_first.replace('\n', " ")).unwrap_err();
    assert!(err.contains("integer digit before the point"), "{err}");
    // Decoding and framing sliced a prefix that does not exist.
    let offset = "prefix = \"none\"\nprefix_offset = 4\nsize = 6\nmax_frame = 99";
    let err = load(offset, text).unwrap_err();
    assert!(err.contains("framing.prefix_offset"), "{err}");
    // "갂" is 81 41 in cp949: a pad of "A" stripped its trail byte.
    let letter = r#"{ name = "v", type = "text", length = 2, pad = "A" }"#;
    let err = load(ascii, letter).unwrap_err();
    assert!(err.contains("padded with a letter"), "{err}");
    let right = r#"{ name = "v", type = "text", length = 2, pad = "A", align = "right" }"#;
    assert!(load(ascii, right).is_ok());
}

/// A frame whose result code chooses the error body is decoded whole beside an ok answer, even
/// when the bytes after their headers are the same: the same bytes are other fields there.
#[test]
fn a_result_code_choosing_the_error_body_decodes_the_body_again() {
    let layout = load(
        FRAMINGS[0].1,
        r#"
[messages.RESULT01]
request = [ { name = "ref", type = "text", length = 4 } ]
response = [ { name = "ok", type = "text", length = 4 } ]
error = [ { name = "why", type = "text", length = 4 } ]
"#,
    );
    let answer = |result: &str, body: Value| Message {
        header: serde_json::from_value(serde_json::json!({
            "sys": "CBS", "tx_code": "RESULT01", "rr_flag": "R", "resp_code": result,
            "sent_at": null,
        }))
        .unwrap(),
        body: serde_json::from_value(body).unwrap(),
    };
    let ok = answer("0000", serde_json::json!({"ok": "ABCD"}));
    let failed = answer("E101", serde_json::json!({"why": "ABCD"}));
    let ok = layout.encode(Direction::Response, &ok).unwrap();
    let failed = layout.encode(Direction::Response, &failed).unwrap();
    let at = layout.header_len;
    assert_eq!(ok[at..], failed[at..], "the bodies' bytes are the same");
    let selected = layout.message("RESULT01").unwrap();
    let view = layout.decode_view(Direction::Response, &ok).unwrap();
    let beside = |frame| {
        let beside =
            layout.decode_view_beside(Direction::Response, selected, frame, &ok, &view.header);
        match beside.unwrap() {
            BesideView::Whole(whole) => Some(whole.body.to_map()),
            BesideView::Header(_) => None,
        }
    };
    let body = beside(&failed).expect("the error body was read as the ok body");
    assert_eq!(body["why"], "ABCD");
    assert_eq!(beside(&ok), None, "the ok body was decoded again");
}
