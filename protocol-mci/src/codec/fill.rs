//! What the unused elements of a padded group hold. With `unused = "typed"`, an "empty" element:
//! each field as its own type writes nothing (COBOL `INITIALIZE`). Computed once, when the layout
//! is loaded; encode writes these bytes and a checking decode (`unused_check = "exact"`) compares
//! with them here.
//!
//! - numbers: zero in their own encoding (zoned `0`s with the field's sign and point, packed
//!   `00…0C`/`0F`, binary 0);
//! - text: its pad; dates: their null fill (spaces, or zeros with the pattern's separators);
//! - fillers: their pad; constants: their value;
//! - a nested group: every element empty (its count field, a number, is zero);
//! - a redefines area: its base view empty, then the area's pad.

use super::decode::Reader;
use super::{packed, zoned};
use crate::error::{DecodeError, DecodeErrorKind, EncodeErrorKind};
use crate::json::Scalar;
use crate::layout::field::{DateToken, Field, Group, Kind};

/// The typed fill of one element made of `fields`.
pub(crate) fn typed(fields: &[Field]) -> Result<Vec<u8>, EncodeErrorKind> {
    let mut out = Vec::new();
    fields_into(fields, &mut out)?;
    Ok(out)
}

fn fields_into(fields: &[Field], out: &mut Vec<u8>) -> Result<(), EncodeErrorKind> {
    fields
        .iter()
        .try_for_each(|field| kind_into(&field.kind, out))
}

fn kind_into(kind: &Kind, out: &mut Vec<u8>) -> Result<(), EncodeErrorKind> {
    let zero = Scalar::Number("0");
    match kind {
        // Validation makes `len` a whole number of pads (U+3000 is two bytes in CP949).
        Kind::Text(spec) => {
            let pads = spec.len / spec.pad_bytes.len().max(1);
            out.extend(std::iter::repeat_n(spec.pad_bytes.as_slice(), pads).flatten());
        }
        Kind::Number(spec) => zoned::encode(spec, zero, out)?,
        Kind::Packed(spec) => packed::encode_packed(spec, zero, out)?,
        Kind::Binary(spec) => packed::encode_binary(spec, zero, out)?,
        Kind::Date(spec) => {
            // Written directly rather than by encoding null: a `null = "never"` field has no
            // null value, but it still has a fill.
            for token in &spec.tokens {
                match (token, spec.null_zero) {
                    (DateToken::Literal(c), true) => out.push(*c),
                    (_, true) => out.resize(out.len() + token.width(), b'0'),
                    (_, false) => out.resize(out.len() + token.width(), b' '),
                }
            }
        }
        Kind::Filler { len, pad } => out.resize(out.len() + len, *pad),
        Kind::Constant(bytes) => out.extend_from_slice(bytes),
        Kind::Group(group) => {
            let element = typed(&group.fields)?;
            let count = match group.padded {
                true => group.max,
                // Compact groups cannot be inside a padded group's element; an empty one
                // takes no bytes anyway.
                false => 0,
            };
            for _ in 0..count {
                out.extend_from_slice(&element);
            }
        }
        Kind::Redefines(area) => {
            let start = out.len();
            if let Some(base) = area.alternatives.first() {
                fields_into(&base.fields, out)?;
            }
            out.resize(start + area.len, area.pad);
        }
    }
    Ok(())
}

impl Reader<'_> {
    /// The unused elements of a padded group that checks them hold exactly its fill; the first
    /// byte that differs is an error at the element (`body.loans[2]`) and that byte's offset.
    pub(super) fn check_unused(
        &mut self,
        group: &Group,
        used: usize,
        bytes: &[u8],
        start: usize,
    ) -> Result<(), DecodeError> {
        let len = group.fill.len();
        if len == 0 {
            return Ok(());
        }
        for (slot, element) in bytes.chunks(len).enumerate() {
            let differs = element.iter().zip(&group.fill).position(|(b, f)| b != f);
            if let Some(at) = differs {
                let offset = start + slot * len + at;
                let kind = DecodeErrorKind::UnusedElement {
                    expected: group.fill[at],
                    found: element[at],
                    offset,
                };
                self.path.index(used + slot);
                let error = self.error(offset, 1, kind);
                self.path.pop();
                return Err(error);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::layout::Layout;

    #[test]
    fn every_type_writes_its_own_empty_value() {
        let toml = r##"
            [framing]
            prefix = "ascii"
            prefix_length = 4
            counts = "after_prefix"
            max_frame = 999
            [header]
            discriminator = "tx"
            fields = [{ name = "tx", type = "text", length = 4 }]
            [messages.T001]
            request = [
              { name = "t", type = "text", length = 3, pad = "_" },
              { name = "z", type = "number", length = 4, scale = 1, sign = "trailing" },
              { name = "o", type = "number", length = 3, sign = "overpunch" },
              { name = "p", type = "packed", length = 2 },
              { name = "u", type = "packed", length = 2, signed = false },
              { name = "b", type = "binary", length = 2 },
              { name = "d", type = "date", pattern = "yyyy-MM-dd", null_fill = "zero" },
              { name = "h", type = "date", pattern = "HHmmss" },
              { name = "f", type = "filler", length = 1, pad = "#" },
              { name = "c", type = "constant", value = "K" },
              { name = "n", type = "number", length = 1 },
              { name = "g", type = "group", count = "n", max = 2, fields = [
                { name = "x", type = "number", length = 1 },
              ] },
            ]
            response = [{ name = "ok", type = "text", length = 1 }]
        "##;
        let layout = Layout::from_toml(toml, "t", "t").unwrap();
        let fields = &layout.message("T001").unwrap().request;
        let expected: &[u8] = b"___000+00{\x00\x0C\x00\x0F\x00\x000000-00-00      #K000";
        assert_eq!(typed(fields).unwrap(), expected);
    }
}
