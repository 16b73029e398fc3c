//! Elementary items → layout field types, from the picture, the usage and the sign clause.
//!
//! | copybook | layout |
//! |---|---|
//! | `PIC X(n)`, `A(n)`, edited pictures | `text`, `length = n` (`JUSTIFIED RIGHT`: `align = "right"`) |
//! | `PIC N(n)`, `G(n)` | `text`, `length = 2n` |
//! | `PIC S9(p)V9(s)` DISPLAY | `number`, `digits`, `scale`, `sign` from the `SIGN` clause |
//! | `COMP`, `COMP-4`, `BINARY` | `binary` of 2, 4 or 8 bytes with `digits` |
//! | `COMP-5` | `binary` of 2, 4 or 8 bytes, no digit bound, the native byte order |
//! | `COMP-3`, `PACKED-DECIMAL` | `packed`, `length = p / 2 + 1`, `digits` |

use super::error::{CopybookError, ErrorKind};
use super::model::Leaf;
use super::parse::{Entry, SignClause, Usage};
use super::picture::Picture;

/// The most digits a layout's `number` field holds (its value is an i128).
const MAX_DIGITS: usize = 38;
/// The most digits a `packed` field holds: 16 bytes, as IBM's packed decimals.
const MAX_PACKED_DIGITS: usize = 31;

/// Usage and sign clauses in force for an item: its own, or its group's.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Inherited {
    /// The nearest `USAGE` clause.
    pub usage: Option<Usage>,
    /// The nearest `SIGN` clause.
    pub sign: Option<SignClause>,
}

impl Inherited {
    /// What an entry's subordinates inherit.
    pub(crate) fn under(self, entry: &Entry) -> Inherited {
        Inherited {
            usage: entry.usage.or(self.usage),
            sign: entry.sign.or(self.sign),
        }
    }
}

/// The layout field of an elementary entry.
pub(crate) fn leaf(
    entry: &Entry,
    inherited: Inherited,
    native_little: bool,
) -> Result<Leaf, CopybookError> {
    let here = |kind| CopybookError::at_pos(entry.line, entry.column, kind);
    let usage = entry.usage.or(inherited.usage).unwrap_or(Usage::Display);
    if let Usage::Unsupported(what) = usage {
        return Err(here(ErrorKind::Unsupported(what.into())));
    }
    let Some((picture, text)) = &entry.picture else {
        return Err(here(ErrorKind::expected(
            "a PIC clause on an elementary item",
            "none",
        )));
    };
    let text_leaf = |len| Leaf::Text {
        len,
        right: entry.justified,
    };
    let leaf = match (*picture, usage) {
        (Picture::Alphanumeric { len } | Picture::Edited { len }, Usage::Display) => text_leaf(len),
        (Picture::National { chars }, Usage::Display) => text_leaf(2 * chars),
        (
            Picture::Numeric {
                signed,
                digits,
                scale,
            },
            usage,
        ) => numeric(
            usage,
            signed,
            digits,
            scale,
            entry.sign.or(inherited.sign),
            native_little,
        )
        .map_err(here)?,
        _ => {
            return Err(here(ErrorKind::expected(
                "a numeric picture (9, S, V, P) with a binary or packed usage",
                format!("PIC {text}"),
            )))
        }
    };
    Ok(leaf)
}

fn numeric(
    usage: Usage,
    signed: bool,
    digits: usize,
    scale: i32,
    sign: Option<SignClause>,
    native_little: bool,
) -> Result<Leaf, ErrorKind> {
    // Refused here, at the copybook's line, rather than by the layout it would write.
    let most = match usage {
        Usage::Packed => Some(("packed", MAX_PACKED_DIGITS)),
        Usage::Display | Usage::Unsupported(_) => Some(("numeric", MAX_DIGITS)),
        Usage::Binary | Usage::Native => None,
    };
    if let Some((item, most)) = most.filter(|&(_, most)| digits > most) {
        return Err(ErrorKind::Unsupported(format!(
            "a {item} item of {digits} digits (at most {most})"
        )));
    }
    scaled_within_reach(usage, digits, scale)?;
    Ok(match usage {
        Usage::Binary | Usage::Native => Leaf::Binary {
            len: match digits {
                1..=4 => 2,
                5..=9 => 4,
                10..=18 => 8,
                _ => {
                    return Err(ErrorKind::Unsupported(format!(
                        "a binary item of {digits} digits (more than 18)"
                    )))
                }
            },
            digits: (usage == Usage::Binary).then_some(digits),
            scale,
            signed,
            little: usage == Usage::Native && native_little,
        },
        Usage::Packed => Leaf::Packed {
            len: digits / 2 + 1,
            digits,
            scale,
            signed,
        },
        Usage::Display | Usage::Unsupported(_) => {
            let sign = sign.unwrap_or(SignClause {
                leading: false,
                separate: false,
            });
            let name = match (signed, sign.leading, sign.separate) {
                (false, _, _) => "none",
                (true, false, false) => "overpunch",
                (true, true, false) => "overpunch_leading",
                (true, true, true) => "leading",
                (true, false, true) => "trailing",
            };
            Leaf::Number {
                len: digits + usize::from(signed && sign.separate),
                digits,
                scale,
                sign: name,
            }
        }
    })
}

/// `P` positions write a value out with more digits than it stores (`PIC 9(30)P(10)`: 40); a
/// layout's numbers are written within [`MAX_DIGITS`], so one past it is refused here, at the
/// copybook's line, rather than by the layout it would write.
fn scaled_within_reach(usage: Usage, digits: usize, scale: i32) -> Result<(), ErrorKind> {
    let positions = match scale {
        s if s < 0 => s.unsigned_abs() as usize,
        s => (s.unsigned_abs() as usize).saturating_sub(digits),
    };
    if positions == 0 {
        return Ok(());
    }
    // A COMP-5 item is not bound by its picture: its layout field holds up to 20 digits (a u64).
    let (item, held) = match usage {
        Usage::Packed => ("packed item of", digits),
        Usage::Binary => ("binary item of", digits),
        Usage::Native => ("COMP-5 item of up to", 20),
        Usage::Display | Usage::Unsupported(_) => ("numeric item of", digits),
    };
    let written = held + positions;
    if written <= MAX_DIGITS {
        return Ok(());
    }
    Err(ErrorKind::Unsupported(format!(
        "a {item} {held} digits scaled by {positions} `P` positions ({written} digits written \
         out, at most {MAX_DIGITS})"
    )))
}

/// A FILLER of `times` such items, filled with what an untouched host record usually holds there.
pub(crate) fn filler(leaf: &Leaf, times: usize) -> Leaf {
    let pad = match leaf {
        Leaf::Number { .. } => '0',
        Leaf::Packed { .. } | Leaf::Binary { .. } => '\0',
        Leaf::Text { .. } | Leaf::Filler { .. } => ' ',
    };
    Leaf::Filler {
        len: leaf.len() * times,
        pad,
    }
}

/// The usage as written in comments.
pub(crate) fn usage_word(usage: Option<Usage>) -> &'static str {
    match usage {
        Some(Usage::Binary) => " COMP",
        Some(Usage::Native) => " COMP-5",
        Some(Usage::Packed) => " COMP-3",
        _ => "",
    }
}
