//! What an import needs beyond the copybook: which records are the bodies, the header, the
//! message code and the framing. A copybook describes records, not frames.

use super::source::SourceFormat;
use crate::charset::Charset;
use crate::layout::config::{Endian, LengthCounts, PrefixKind};

/// A copybook's text and the name it is reported under.
#[derive(Debug, Clone, Copy)]
pub struct CopybookFile<'a> {
    /// The file name, for errors and comments.
    pub origin: &'a str,
    /// The file's contents.
    pub text: &'a str,
    /// The encoding the file was read from: fixed-form columns count its bytes (a Hangul
    /// character in a CP949 file takes two).
    pub charset: Charset,
}

/// Options of one import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The layout's `name`.
    pub name: String,
    /// The message code (the discriminator value); default: the request record's COBOL name.
    pub message: Option<String>,
    /// The 01 record of the request body; default: the copybook's first record.
    pub request: Option<String>,
    /// The 01 record of the response body; default: the second record, or the request's.
    pub response: Option<String>,
    /// The header field holding the message code (with a header copybook; COBOL or JSON name).
    pub discriminator: Option<String>,
    /// How frames are cut.
    pub framing: FramingOptions,
    /// `OCCURS … DEPENDING ON` tables carry only their actual elements (`mode = "compact"`);
    /// `false` writes them padded to the maximum.
    pub compact_odo: bool,
    /// Byte order of `COMP-5` items (native binary): big on IBM mainframes, little on x86.
    pub native_endian: Endian,
    /// The layout's default text charset.
    pub charset: Charset,
    /// Fixed-form (columns) or free-form source.
    pub format: SourceFormat,
}

/// The `[framing]` table to write.
#[derive(Debug, Clone)]
pub struct FramingOptions {
    /// `none` (fixed-size records: `size` is the largest frame), `ascii` or `binary`.
    pub prefix: PrefixKind,
    /// Digits or bytes of the prefix (required with a prefix).
    pub prefix_length: Option<usize>,
    /// What the prefix counts (required with a prefix).
    pub counts: Option<LengthCounts>,
    /// Byte order of a binary prefix.
    pub endian: Endian,
    /// Bytes closing every frame.
    pub trailer: Option<String>,
    /// Largest frame; default: the largest frame the layout can produce.
    pub max_frame: Option<usize>,
}

impl Default for ImportOptions {
    fn default() -> ImportOptions {
        ImportOptions {
            name: "copybook".into(),
            message: None,
            request: None,
            response: None,
            discriminator: None,
            framing: FramingOptions {
                prefix: PrefixKind::None,
                prefix_length: None,
                counts: None,
                endian: Endian::Big,
                trailer: None,
                max_frame: None,
            },
            compact_odo: true,
            native_endian: Endian::Big,
            charset: Charset::Cp949,
            format: SourceFormat::Fixed,
        }
    }
}
