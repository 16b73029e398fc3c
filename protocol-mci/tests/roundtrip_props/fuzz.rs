//! The fuzz target's layout and sample frames.

use std::sync::LazyLock;

use protocol_mci::Layout;

/// The fuzz target's layout of COBOL number and date kinds (`fuzz/layouts/cobol-fields.toml`),
/// checked here because CI does not run the fuzzer.
pub(crate) static FUZZ_LAYOUT: LazyLock<Layout> = LazyLock::new(|| {
    let text = include_str!("../../fuzz/layouts/cobol-fields.toml");
    Layout::from_toml(text, "cobol-fields.toml", "cobol-fields").unwrap_or_else(|e| panic!("{e}"))
});

/// A request of the fuzz layout with one value of each number kind.
pub(crate) fn fuzz_request() -> Vec<u8> {
    let mut frame = b"0042N11129215800261129".to_vec();
    frame.extend_from_slice(b"12C-99900p");
    frame.extend_from_slice(&[0x01, 0x2D, 0x00, 0x09, 0x9F, 0x12, 0x3A, 0x12, 0x3C]);
    frame.extend_from_slice(&[0x00, 0x0D, 0xD8, 0xF1, 0x63]);
    frame
}

/// A response of the fuzz layout with one value of each partial date pattern.
pub(crate) fn fuzz_response() -> Vec<u8> {
    b"0053N11129215800261129215821:5811-2928112026112921580123-".to_vec()
}
