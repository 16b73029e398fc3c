//! Helpers for the copybook import tests: import a test copybook, load the layout it writes
//! from a file (as `check-config` does), and round-trip sample records byte for byte.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use protocol_mci::charset::Charset;
use protocol_mci::copybook::{self, CopybookFile, ImportOptions};
use protocol_mci::{Direction, Layout, Message};

/// The path of a test copybook.
pub fn path(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/copybooks")
        .join(file)
}

/// Imports `file` (and `header`) with `options`; panics with the error.
pub fn import(file: &str, header: Option<&str>, options: &ImportOptions) -> String {
    try_import(file, header, options).unwrap_or_else(|e| panic!("{e}"))
}

/// Imports `file` (and `header`) with `options`.
pub fn try_import(
    file: &str,
    header: Option<&str>,
    options: &ImportOptions,
) -> Result<String, copybook::ImportError> {
    let text = std::fs::read_to_string(path(file)).unwrap();
    let header_text = header.map(|h| std::fs::read_to_string(path(h)).unwrap());
    let header = header
        .zip(header_text.as_deref())
        .map(|(origin, text)| CopybookFile {
            origin,
            text,
            charset: Charset::Utf8,
        });
    copybook::import(
        CopybookFile {
            origin: file,
            text: &text,
            charset: Charset::Utf8,
        },
        header,
        options,
    )
}

/// Options with a message code and the defaults otherwise.
pub fn options(message: &str) -> ImportOptions {
    ImportOptions {
        name: message.to_ascii_lowercase(),
        message: Some(message.into()),
        ..ImportOptions::default()
    }
}

/// Writes the layout to a file and loads it with [`Layout::from_file`]; panics with every
/// problem and the layout text.
pub fn load(name: &str, toml: &str) -> Layout {
    let file = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("copybook-{name}.toml"));
    std::fs::write(&file, toml).unwrap();
    Layout::from_file(&file).unwrap_or_else(|e| panic!("{e}\n--- layout ---\n{toml}"))
}

/// Decodes `frame`, encodes the message again, and checks the bytes are the same; returns the
/// message (`{"header", "body"}` as JSON).
pub fn round_trip(layout: &Layout, direction: Direction, frame: &[u8]) -> serde_json::Value {
    let message: Message = layout
        .decode(direction, frame)
        .unwrap_or_else(|e| panic!("decode: {e}"));
    let again = layout
        .encode(direction, &message)
        .unwrap_or_else(|e| panic!("encode: {e}"));
    assert_eq!(
        String::from_utf8_lossy(&again),
        String::from_utf8_lossy(frame),
        "re-encoded bytes differ"
    );
    assert_eq!(again, frame);
    serde_json::to_value(&message).unwrap()
}

/// Concatenates byte pieces.
pub fn bytes(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}
