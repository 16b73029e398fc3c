//! Equality of two [`Leaf`]s of any form, as their JSON would compare, and their text for the
//! rules that read it.
//!
//! Two decimals compare by their integers (scales aligned), two keyed strings (dates) by their
//! keys; anything else compares as the JSON text it stands for. That text is written into a
//! buffer on the stack, not the heap: it is needed only for values that differ (a rule reads
//! it, or a leaf of another form is compared) and is short.

use std::fmt::{self, Write};

use crate::decimal::numbers_equal;
use crate::node::{Leaf, Scaled};
use crate::text::same_text;

/// Bytes a leaf's text is written into before it spills to the heap: every date, and any decimal
/// of up to 38 digits at a realistic scale.
const INLINE: usize = 64;

/// Which JSON type a leaf is, for type changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Null,
    Bool,
    Number,
    String,
}

/// A leaf's text: borrowed, or written into a buffer.
pub(crate) enum Spelling<'a> {
    Borrowed(&'a str),
    Inline { bytes: [u8; INLINE], len: usize },
    Heap(String),
}

impl Spelling<'_> {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Spelling::Borrowed(text) => text,
            // Only whole `str`s are ever written into the buffer.
            Spelling::Inline { bytes, len } => std::str::from_utf8(&bytes[..*len]).unwrap_or(""),
            Spelling::Heap(text) => text,
        }
    }
}

/// Writes into the inline buffer until it is full; then the caller spells on the heap.
struct InlineWriter {
    bytes: [u8; INLINE],
    len: usize,
}

impl Write for InlineWriter {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let end = self.len + text.len();
        let slot = self.bytes.get_mut(self.len..end).ok_or(fmt::Error)?;
        slot.copy_from_slice(text.as_bytes());
        self.len = end;
        Ok(())
    }
}

fn write(text: &dyn fmt::Display) -> Spelling<'static> {
    let mut writer = InlineWriter {
        bytes: [0; INLINE],
        len: 0,
    };
    match write!(writer, "{text}") {
        Ok(()) => Spelling::Inline {
            bytes: writer.bytes,
            len: writer.len,
        },
        Err(_) => Spelling::Heap(text.to_string()),
    }
}

impl<'a> Leaf<'a> {
    pub(crate) fn kind(self) -> Kind {
        match self {
            Leaf::Null => Kind::Null,
            Leaf::Bool(_) => Kind::Bool,
            Leaf::Number(_) | Leaf::Decimal(_) => Kind::Number,
            Leaf::Text(_) | Leaf::Spelled(_) | Leaf::Keyed(_) => Kind::String,
        }
    }

    /// The JSON text of a number or a string (empty for null and booleans, which no rule reads).
    pub(crate) fn spell(self) -> Spelling<'a> {
        match self {
            Leaf::Text(text) | Leaf::Number(text) => Spelling::Borrowed(text),
            Leaf::Spelled(text) => write(text),
            Leaf::Keyed(keyed) => write(keyed.text),
            Leaf::Decimal(d) => write(d.text),
            Leaf::Null | Leaf::Bool(_) => Spelling::Borrowed(""),
        }
    }
}

/// Exact numeric equality of two number leaves, as [`numbers_equal`] on their texts.
#[inline]
pub(crate) fn same_number(a: Leaf<'_>, b: Leaf<'_>) -> bool {
    match (a, b) {
        (Leaf::Number(a), Leaf::Number(b)) => numbers_equal(a, b),
        (Leaf::Decimal(x), Leaf::Decimal(y)) => match scaled_equal(x, y) {
            Some(equal) => equal,
            None => numbers_equal(a.spell().as_str(), b.spell().as_str()),
        },
        _ => numbers_equal(a.spell().as_str(), b.spell().as_str()),
    }
}

/// Equality of two string leaves.
#[inline]
pub(crate) fn same_string(a: Leaf<'_>, b: Leaf<'_>) -> bool {
    match (a, b) {
        (Leaf::Text(a), Leaf::Text(b)) => same_text(a.as_bytes(), b.as_bytes()),
        (Leaf::Keyed(a), Leaf::Keyed(b)) => a.key == b.key,
        _ => a.spell().as_str() == b.spell().as_str(),
    }
}

/// Exact equality without rules of two leaves (numbers by value), as `Value`'s `==` after
/// [`numbers_equal`] for numbers.
pub(crate) fn same_leaf(a: Leaf<'_>, b: Leaf<'_>) -> bool {
    match (a.kind(), b.kind()) {
        (Kind::Number, Kind::Number) => same_number(a, b),
        (Kind::String, Kind::String) => same_string(a, b),
        (Kind::Null, Kind::Null) => true,
        _ => matches!((a, b), (Leaf::Bool(x), Leaf::Bool(y)) if x == y),
    }
}

/// Whether two scaled decimals are equal by value (the sign of zero does not matter); `None`
/// when aligning their scales overflows, so the caller compares their texts instead.
fn scaled_equal(a: Scaled<'_>, b: Scaled<'_>) -> Option<bool> {
    if a.scale == b.scale {
        return Some(a.mantissa == b.mantissa);
    }
    let (coarse, fine) = if a.scale < b.scale { (a, b) } else { (b, a) };
    let shift = u32::try_from(i64::from(fine.scale) - i64::from(coarse.scale)).ok()?;
    let aligned = coarse.mantissa.checked_mul(10i128.checked_pow(shift)?)?;
    Some(aligned == fine.mantissa)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decimal(mantissa: i128, scale: i32, text: &dyn fmt::Display) -> Leaf<'_> {
        Leaf::Decimal(Scaled {
            mantissa,
            scale,
            text,
        })
    }

    #[test]
    fn decimals_compare_by_value_across_scales_and_forms() {
        assert!(same_number(
            decimal(5250, 3, &"5.250"),
            decimal(525, 2, &"5.25")
        ));
        assert!(!same_number(
            decimal(5250, 3, &"5.250"),
            decimal(526, 2, &"5.26")
        ));
        assert!(same_number(decimal(0, 2, &"-0.00"), decimal(0, 0, &"0")));
        assert!(same_number(decimal(3, -2, &"300"), decimal(300, 0, &"300")));
        assert!(same_number(decimal(525, 2, &"5.25"), Leaf::Number("5.250")));
        let huge = i128::MAX / 10;
        let text = huge.to_string();
        assert!(!same_number(
            decimal(huge, 0, &text),
            decimal(1, -40, &"1e40")
        ));
        assert!(same_leaf(
            Leaf::Spelled(&"2025-01-01"),
            Leaf::Text("2025-01-01")
        ));
        assert!(!same_leaf(Leaf::Text("1"), Leaf::Number("1")));
    }

    #[test]
    fn keyed_strings_compare_by_key_and_as_text_against_other_forms() {
        let keyed = |key: u128, text: &'static dyn fmt::Display| {
            Leaf::Keyed(crate::node::Keyed { key, text })
        };
        let (a, b) = (keyed(7, &"2025-01-01"), keyed(7, &"2025-01-01"));
        assert!(same_leaf(a, b));
        // The key decides between keyed leaves: the text is not even written.
        assert!(!same_leaf(keyed(7, &"2025-01-01"), keyed(8, &"2025-01-01")));
        assert!(same_leaf(a, Leaf::Text("2025-01-01")));
        assert!(same_leaf(a, Leaf::Spelled(&"2025-01-01")));
        assert!(!same_leaf(a, Leaf::Text("2025-01-02")));
        assert_eq!(a.spell().as_str(), "2025-01-01");
    }

    #[test]
    fn long_text_spills_to_the_heap() {
        let long = "9".repeat(100);
        assert_eq!(Leaf::Spelled(&long).spell().as_str(), long);
        assert_eq!(Leaf::Spelled(&"5.25").spell().as_str(), "5.25");
    }
}
