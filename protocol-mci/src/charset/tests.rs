use proptest::prelude::*;

use super::*;

/// The encoder before the syllable table, kept as the reference the fast path must equal:
/// everything through `encoding_rs`, then the KS X 1001 check for `euc-kr`.
fn reference_encode_into(
    charset: Charset,
    text: &str,
    out: &mut Vec<u8>,
) -> Result<(), Unmappable> {
    if charset == Charset::Utf8 || text.is_ascii() {
        out.extend_from_slice(text.as_bytes());
        return Ok(());
    }
    let mut encoder = EUC_KR.new_encoder();
    let worst = encoder
        .max_buffer_length_from_utf8_without_replacement(text.len())
        .unwrap_or(text.len() * 2);
    out.reserve(worst);
    let (result, _read) = encoder.encode_from_utf8_to_vec_without_replacement(text, out, true);
    match result {
        EncoderResult::InputEmpty if charset == Charset::EucKr => {
            reference_ks_x_1001_only(text, out)
        }
        EncoderResult::InputEmpty => Ok(()),
        EncoderResult::Unmappable(c) => Err(Unmappable(c)),
        EncoderResult::OutputFull => Err(Unmappable(text.chars().next().unwrap_or('\0'))),
    }
}

/// The reference's KS X 1001 check: finds where the text starts by walking it.
fn reference_ks_x_1001_only(text: &str, out: &mut Vec<u8>) -> Result<(), Unmappable> {
    let encoded: usize = text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    let start = out.len().saturating_sub(encoded);
    ks_x_1001_only(text, start, out)
}

/// One encoder's result and the buffer it left.
type Outcome = (Result<(), Unmappable>, Vec<u8>);

/// Both encoders' outcomes (fast, reference), after a prefix already in the buffer.
fn both(charset: Charset, text: &str) -> (Outcome, Outcome) {
    let mut fast = b"x".to_vec();
    let mut reference = b"x".to_vec();
    let fast_result = charset.encode_into(text, &mut fast);
    let reference_result = reference_encode_into(charset, text, &mut reference);
    ((fast_result, fast), (reference_result, reference))
}

/// Characters of every kind the encoder treats apart.
fn character() -> impl Strategy<Value = char> {
    prop_oneof![
        // ASCII, controls included.
        4 => proptest::char::range('\0', '\x7F'),
        // Any syllable: mostly CP949's extension (UHC), about a fifth KS X 1001.
        6 => proptest::char::range('\u{AC00}', '\u{D7A3}'),
        // KS X 1001 syllables.
        3 => proptest::sample::select(&['가', '홍', '길', '동', '은', '행', '힝'][..]),
        // Hanja: a few thousand of these are in KS X 1001, the rest are unmappable.
        2 => proptest::char::range('\u{4E00}', '\u{9FFF}'),
        // Symbols, jamo, circled and parenthesised forms, full-width forms.
        2 => proptest::char::range('\u{2000}', '\u{33FF}'),
        1 => proptest::char::range('\u{FF00}', '\u{FFEF}'),
        // Latin, Greek, Cyrillic: some mapped, most not.
        1 => proptest::char::range('\u{80}', '\u{4FF}'),
        // Anything, emoji included.
        1 => any::<char>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn the_fast_encoder_writes_and_refuses_as_encoding_rs_does(
        text in proptest::collection::vec(character(), 0..24).prop_map(String::from_iter)
    ) {
        for charset in [Charset::Cp949, Charset::EucKr] {
            let (fast, reference) = both(charset, &text);
            prop_assert_eq!(fast, reference, "{} {:?}", charset.name(), text);
        }
    }
}

/// The decoder before the one-pass decode, kept as the reference: ASCII borrowed, the rest
/// through the streaming decoder, the offset of the first malformed sequence on failure.
fn reference_decode(charset: Charset, bytes: &[u8]) -> Result<Cow<'_, str>, InvalidText> {
    if charset == Charset::EucKr {
        if let Some(at) = first_outside_ks_x_1001(bytes) {
            return Err(InvalidText(at));
        }
    }
    if bytes.is_ascii() || charset == Charset::Utf8 {
        return std::str::from_utf8(bytes)
            .map(Cow::Borrowed)
            .map_err(|e| InvalidText(e.valid_up_to()));
    }
    let mut decoder = EUC_KR.new_decoder_without_bom_handling();
    let mut text = String::with_capacity(bytes.len() * 3);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut text, true);
    match result {
        DecoderResult::InputEmpty => Ok(Cow::Owned(text)),
        DecoderResult::Malformed(bad, after) => {
            Err(InvalidText(read - usize::from(bad) - usize::from(after)))
        }
        DecoderResult::OutputFull => Err(InvalidText(read)),
    }
}

/// Wire bytes: mostly ASCII and CP949 pairs (lead bytes 0x81-0xFE), any byte now and then.
fn wire_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        4 => (0x20u8..0x7F).prop_map(|b| vec![b]),
        3 => (0xB0u8..0xC9, 0xA1u8..0xFF).prop_map(|(lead, trail)| vec![lead, trail]),
        1 => (0x81u8..0xFF, any::<u8>()).prop_map(|(lead, trail)| vec![lead, trail]),
        1 => any::<u8>().prop_map(|b| vec![b]),
    ];
    proptest::collection::vec(piece, 0..16).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn the_one_pass_decoder_reads_and_refuses_as_the_reference_does(bytes in wire_bytes()) {
        for charset in [Charset::Cp949, Charset::EucKr, Charset::Utf8] {
            let fast = charset.decode_borrowed(&bytes);
            let reference = reference_decode(charset, &bytes);
            // Borrowed exactly when the reference borrows: no copy of an ASCII text.
            let borrowed = |r: &Result<Cow<'_, str>, InvalidText>| {
                matches!(r, Ok(Cow::Borrowed(_)))
            };
            prop_assert_eq!(borrowed(&fast), borrowed(&reference), "{}", charset.name());
            prop_assert_eq!(fast, reference, "{} {:?}", charset.name(), bytes);
        }
    }
}

#[test]
fn every_syllable_encodes_as_encoding_rs_encodes_it() {
    for code in 0xAC00..=0xD7A3_u32 {
        let syllable = char::from_u32(code).unwrap();
        assert!(Syllables::get().cp949(code).is_some(), "{syllable}");
        for charset in [Charset::Cp949, Charset::EucKr] {
            let text = format!("a{syllable}b");
            let (fast, reference) = both(charset, &text);
            assert_eq!(fast, reference, "{} {text:?}", charset.name());
        }
    }
    assert_eq!(Syllables::get().cp949(0xABFF), None);
    assert_eq!(Syllables::get().cp949(0xD7A4), None);
    assert_eq!(Syllables::get().cp949(u32::from('a')), None);
}

#[test]
fn euc_kr_names_an_unmappable_character_before_an_earlier_extension_syllable() {
    // encoding_rs fails on the emoji before the KS X 1001 check sees "똠", and leaves the bytes
    // of what came before it.
    let mut out = Vec::new();
    assert_eq!(
        Charset::EucKr.encode_into("가똠a😀", &mut out),
        Err(Unmappable('😀'))
    );
    assert_eq!(out, [0xB0, 0xA1, 0x8C, 0x63, b'a']);
    // Hanja and symbols between syllables go through encoding_rs, in place.
    let mut out = Vec::new();
    Charset::EucKr.encode_into("가漢※나", &mut out).unwrap();
    assert_eq!(Charset::EucKr.decode(&out).unwrap(), "가漢※나");
}

#[test]
fn cp949_hangul_is_two_bytes_per_syllable() {
    let mut out = Vec::new();
    Charset::Cp949.encode_into("홍길동", &mut out).unwrap();
    assert_eq!(out, [0xC8, 0xAB, 0xB1, 0xE6, 0xB5, 0xBF]);
    assert_eq!(Charset::Cp949.decode(&out).unwrap(), "홍길동");
}

#[test]
fn cp949_extension_syllables_outside_euc_kr_are_mapped() {
    // "똠" is not in KS X 1001 but is in CP949's extension area.
    let mut out = Vec::new();
    Charset::Cp949.encode_into("똠", &mut out).unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!(Charset::Cp949.decode(&out).unwrap(), "똠");
}

#[test]
fn euc_kr_refuses_cp949_extension_syllables() {
    let mut out = b"x".to_vec();
    assert_eq!(
        Charset::EucKr.encode_into("가똠", &mut out),
        Err(Unmappable('똠'))
    );
    assert_eq!(out, b"x");
    Charset::EucKr.encode_into("a홍길동", &mut out).unwrap();
    assert_eq!(out, [b'x', b'a', 0xC8, 0xAB, 0xB1, 0xE6, 0xB5, 0xBF]);
    // 똠 in CP949 is 8C 63: not an EUC-KR pair, so decoding refuses it too.
    assert_eq!(Charset::EucKr.decode(b"a\x8C\x63"), Err(InvalidText(1)));
    assert_eq!(Charset::EucKr.decode(&out[1..]).unwrap(), "a홍길동");
}

#[test]
fn unmappable_character_fails_instead_of_writing_an_entity() {
    let mut out = Vec::new();
    let err = Charset::Cp949.encode_into("a😀b", &mut out).unwrap_err();
    assert_eq!(err, Unmappable('😀'));
}

#[test]
fn invalid_cp949_reports_the_offset_of_the_bad_byte() {
    assert_eq!(Charset::Cp949.decode(b"ab\xC8\x20cd"), Err(InvalidText(2)));
    assert_eq!(Charset::Cp949.decode(b"ab\xFF"), Err(InvalidText(2)));
    assert_eq!(Charset::Utf8.decode(b"abc\xFF"), Err(InvalidText(3)));
}

#[test]
fn truncation_never_splits_a_double_byte_character() {
    let bytes = [0xB0, 0xA1, 0xB3, 0xAA, 0xB4, 0xD9]; // 가나다
    assert_eq!(Charset::Cp949.boundary_at_or_before(&bytes, 5), 4);
    assert_eq!(Charset::Cp949.boundary_at_or_before(&bytes, 1), 0);
    assert_eq!(Charset::Cp949.boundary_at_or_before(b"ab\xB0\xA1", 3), 2);
    assert_eq!(Charset::Utf8.boundary_at_or_before("가나".as_bytes(), 4), 3);
}
