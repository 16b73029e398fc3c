//! Validation of the framing section and of each message's bodies against it.

use super::config::{FramingConfig, LengthCounts, MessageConfig, PrefixKind};
use super::field::{fields_fixed_len, fields_max_len};
use super::validate::{self, PrefixSlot, Problems};
use super::MessageLayout;
use crate::framing::{Framing, Prefix};

/// Validates framing.
pub(super) fn framing(config: &FramingConfig, problems: &mut Problems) -> Framing {
    let prefix = match config.prefix {
        PrefixKind::Ascii => match config.prefix_length {
            Some(digits @ 1..=10) => Prefix::Ascii { digits },
            _ => {
                problems.add(
                    "framing.prefix_length",
                    "an ascii prefix needs 1 to 10 digits",
                );
                Prefix::Ascii { digits: 1 }
            }
        },
        PrefixKind::Binary => match config.prefix_length {
            Some(width @ (2 | 4)) => Prefix::Binary {
                width,
                endian: config.endian.unwrap_or_default(),
            },
            _ => {
                problems.add("framing.prefix_length", "a binary prefix is 2 or 4 bytes");
                Prefix::Binary {
                    width: 2,
                    endian: config.endian.unwrap_or_default(),
                }
            }
        },
        PrefixKind::None => {
            for (key, set) in [
                ("prefix_length", config.prefix_length.is_some()),
                // The framer would slice a prefix that is not there.
                ("prefix_offset", config.prefix_offset != 0),
                ("counts", config.counts.is_some()),
                ("endian", config.endian.is_some()),
            ] {
                if set {
                    problems.add(
                        &format!("framing.{key}"),
                        "does not apply to prefix = \"none\"",
                    );
                }
            }
            match config.size {
                Some(size) if size > 0 => Prefix::Fixed { size },
                _ => {
                    problems.add(
                        "framing.size",
                        "prefix = \"none\" needs the fixed frame `size`",
                    );
                    Prefix::Fixed { size: 1 }
                }
            }
        }
    };
    if config.prefix != PrefixKind::None && config.size.is_some() {
        problems.add("framing.size", "applies only to prefix = \"none\"");
    }
    if config.prefix == PrefixKind::Ascii && config.endian.is_some() {
        problems.add("framing.endian", "applies only to a binary prefix");
    }
    let counts = match (config.prefix, config.counts) {
        (PrefixKind::None, _) => LengthCounts::Frame,
        (_, Some(counts)) => counts,
        (_, None) => {
            problems.add(
                "framing.counts",
                "say what the length counts: \"frame\" or \"after_prefix\"",
            );
            LengthCounts::Frame
        }
    };
    let trailer = config.trailer.clone().unwrap_or_default().into_bytes();
    if !trailer.is_ascii() {
        problems.add("framing.trailer", "must be ASCII");
    }
    let framing = Framing {
        prefix,
        offset: config.prefix_offset,
        counts,
        adjust: config.adjust,
        trailer,
        trailer_counted: config.trailer_counted,
        max_frame: config.max_frame,
    };
    if let Prefix::Fixed { size } = prefix {
        if size > config.max_frame {
            problems.add(
                "framing.size",
                format!("exceeds max_frame {}", config.max_frame),
            );
        }
    }
    if config.max_frame < framing.head_len() + framing.trailer.len() {
        problems.add(
            "framing.max_frame",
            "is smaller than the prefix and trailer",
        );
    }
    framing
}

/// Validates one message's bodies and their sizes against the framing; `header_len` is the
/// length of the message's own header (0 for body-only frames, whose body holds the prefix).
pub(super) fn message_layout(
    code: &str,
    config: &MessageConfig,
    header: (Option<usize>, usize),
    framing: &Framing,
    problems: &mut Problems,
) -> MessageLayout {
    let (header_index, header_len) = header;
    let base = format!("messages.{code}");
    let slot = PrefixSlot {
        at: framing.offset,
        width: framing.prefix_width(),
    };
    let body = |fields: &[_], key: &str, declared: Option<usize>, problems: &mut Problems| {
        let path = format!("{base}.{key}");
        let (fields, _) = validate::fields(fields, &path, header_len, Some(slot), problems);
        let max = fields_max_len(&fields);
        if let Some(declared) = declared.filter(|&d| d != max) {
            problems.add(
                &format!("{base}.{key}_length"),
                format!("expected the fields to add up to the declared {declared}, found {max}"),
            );
        }
        // A body-only frame's fields include the prefix bytes they step over.
        let prefix_in_body = if header_len < slot.at + slot.width {
            slot.width
        } else {
            0
        };
        let largest = header_len + max + prefix_in_body + framing.trailer.len();
        check_size(&path, &fields, largest, framing, problems);
        if let Some(length) = config.frame_length {
            let fixed = fields_fixed_len(&fields).map(|len| largest - max + len);
            if fixed != Some(length) {
                let found = fixed.map_or("a variable size".into(), |f| format!("{f} bytes"));
                problems.add(
                    &format!("{base}.frame_length"),
                    format!("expected the {key} frame to be {length} bytes, fields make {found}"),
                );
            }
        }
        fields
    };
    if let Some(length) = config.frame_length {
        frame_length_fits(&base, length, framing, problems);
    }
    let request = body(&config.request, "request", config.request_length, problems);
    let response = body(
        &config.response,
        "response",
        config.response_length,
        problems,
    );
    let error = config
        .error
        .as_ref()
        .map(|e| body(e, "error", None, problems));
    MessageLayout {
        code: code.to_owned(),
        description: config.description.clone(),
        header: header_index,
        request,
        response,
        error,
    }
}

/// The largest frame of a body fits the framing.
fn check_size(
    path: &str,
    fields: &[super::field::Field],
    largest: usize,
    framing: &Framing,
    problems: &mut Problems,
) {
    // A body of fixed width must fill the record; one with a compact group varies, so its
    // largest frame must fit and shorter ones are padded with spaces at the end.
    let fixed_body = fields_fixed_len(fields).is_some();
    match framing.prefix {
        Prefix::Fixed { size } if fixed_body && largest != size => problems.add(
            path,
            format!("expected a frame of the fixed size {size} bytes, fields make {largest}"),
        ),
        Prefix::Fixed { size } if largest > size => problems.add(
            path,
            format!("expected at most the fixed size {size} bytes, the largest frame is {largest}"),
        ),
        _ if largest > framing.max_frame => problems.add(
            path,
            format!(
                "largest frame is {largest} bytes, max_frame {}",
                framing.max_frame
            ),
        ),
        _ => {}
    }
}

/// A length selector must be a length the framing can carry, and cannot select among frames
/// that all have the same size.
fn frame_length_fits(base: &str, length: usize, framing: &Framing, problems: &mut Problems) {
    let key = format!("{base}.frame_length");
    let smallest = framing.head_len() + framing.trailer.len();
    match framing.prefix {
        Prefix::Fixed { size } => problems.add(
            &key,
            format!(
                "expected no length selector with prefix = \"none\" (every frame is {size} \
                 bytes), found {length}"
            ),
        ),
        _ if length < smallest || length > framing.max_frame => problems.add(
            &key,
            format!(
                "expected {smallest} to {} bytes (prefix and trailer up to max_frame), found \
                 {length}",
                framing.max_frame
            ),
        ),
        _ => {}
    }
}
