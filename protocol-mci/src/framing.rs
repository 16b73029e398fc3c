//! Framing: where a frame ends. Length prefix (ASCII digits or binary), trailer, maximum size.
//!
//! Shared by the stream framer ([`crate::FrameCodec`]) and the codec, which writes the prefix of
//! frames it encodes and checks the prefix of frames it decodes.

use std::ops::Range;

use crate::error::FramingError;
use crate::layout::config::{Endian, LengthCounts};

/// Validated framing of a layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Framing {
    /// The length prefix.
    pub prefix: Prefix,
    /// Where the prefix starts in the frame.
    pub offset: usize,
    /// What the prefix value counts.
    pub counts: LengthCounts,
    /// Added to the counted bytes to form the prefix value.
    pub adjust: i64,
    /// Bytes closing every frame (empty: none).
    pub trailer: Vec<u8>,
    /// Whether the prefix value counts the trailer.
    pub trailer_counted: bool,
    /// Largest accepted frame.
    pub max_frame: usize,
}

/// Length prefix kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefix {
    /// ASCII decimal digits, zero-padded.
    Ascii {
        /// Number of digits.
        digits: usize,
    },
    /// Unsigned binary integer.
    Binary {
        /// 2 or 4 bytes.
        width: usize,
        /// Byte order.
        endian: Endian,
    },
    /// No prefix: frames have this fixed size.
    Fixed {
        /// Frame size.
        size: usize,
    },
}

impl Framing {
    /// Bytes the prefix occupies.
    pub fn prefix_width(&self) -> usize {
        match self.prefix {
            Prefix::Ascii { digits } => digits,
            Prefix::Binary { width, .. } => width,
            Prefix::Fixed { .. } => 0,
        }
    }

    /// Byte range of the prefix in a frame.
    pub fn prefix_range(&self) -> Range<usize> {
        self.offset..self.offset + self.prefix_width()
    }

    /// Bytes needed before the frame length is known.
    pub fn head_len(&self) -> usize {
        match self.prefix {
            Prefix::Fixed { .. } => 0,
            _ => self.offset + self.prefix_width(),
        }
    }

    /// The frame's total length, read from its first [`Self::head_len`] bytes.
    /// Checks the maximum before anyone allocates that much.
    pub fn frame_len(&self, head: &[u8]) -> Result<usize, FramingError> {
        let range = self.prefix_range();
        let raw = &head[range.clone()];
        let value: u64 = match self.prefix {
            Prefix::Fixed { size } => return Ok(size),
            Prefix::Ascii { .. } => {
                if !raw.iter().all(u8::is_ascii_digit) {
                    return Err(FramingError::InvalidPrefix {
                        range,
                        expected: "ascii digits",
                        found: raw.to_vec(),
                    });
                }
                raw.iter()
                    .fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'))
            }
            Prefix::Binary { endian, .. } => {
                let fold = |acc: u64, b: &u8| (acc << 8) | u64::from(*b);
                match endian {
                    Endian::Big => raw.iter().fold(0, fold),
                    Endian::Little => raw.iter().rev().fold(0, fold),
                }
            }
        };
        let total = i128::from(value) - i128::from(self.adjust) + self.uncounted() as i128;
        let min = self.head_len() + self.trailer.len();
        if total > self.max_frame as i128 {
            let declared = usize::try_from(total).unwrap_or(usize::MAX);
            return Err(FramingError::Oversize {
                declared,
                max: self.max_frame,
            });
        }
        if total < min as i128 {
            let declared = usize::try_from(total.max(0)).unwrap_or(0);
            return Err(FramingError::Undersize { declared, min });
        }
        // In range 0..=max_frame, so the conversion holds.
        Ok(total as usize)
    }

    /// The prefix bytes for a frame of `total` bytes, or why that frame cannot be framed.
    pub fn prefix_bytes(&self, total: usize) -> Result<Vec<u8>, String> {
        if total > self.max_frame {
            return Err(format!(
                "a frame of at most {} bytes (the maximum frame size)",
                self.max_frame
            ));
        }
        let value = total as i128 - self.uncounted() as i128 + i128::from(self.adjust);
        match self.prefix {
            Prefix::Fixed { size } if size == total => Ok(Vec::new()),
            Prefix::Fixed { size } => Err(format!(
                "a frame of exactly {size} bytes (the fixed frame size)"
            )),
            Prefix::Ascii { digits } => {
                let text = format!("{value:0digits$}");
                if value < 0 || text.len() > digits {
                    return Err(format!("a length that fits a {digits}-digit length prefix"));
                }
                Ok(text.into_bytes())
            }
            Prefix::Binary { width, endian } => {
                let limit = 1i128 << (8 * width);
                if value < 0 || value >= limit {
                    return Err(format!("a length that fits a {width}-byte length prefix"));
                }
                let be = &(value as u64).to_be_bytes()[8 - width..];
                Ok(match endian {
                    Endian::Big => be.to_vec(),
                    Endian::Little => be.iter().rev().copied().collect(),
                })
            }
        }
    }

    /// Bytes of the frame the prefix value does not count.
    fn uncounted(&self) -> usize {
        let before = match self.counts {
            LengthCounts::Frame => 0,
            LengthCounts::AfterPrefix => self.head_len(),
        };
        let trailer = if self.trailer_counted {
            0
        } else {
            self.trailer.len()
        };
        before + trailer
    }
}
