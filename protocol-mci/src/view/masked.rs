//! The view as a stored record shows it: the layout's JSON with every sensitive field masked
//! while it is written, byte for byte what masking the `Message` form ([`Layout::mask_as`]) and
//! serialising [`Layout::into_json`] gives, without the maps in between. A mismatch record holds
//! three such messages; building them as `Value` trees was a few percent of the gateway's CPU at
//! 10 % mismatches.
//!
//! The masks are the ones decoding put on each entry ([`super::Entry::mask`]): those of the
//! message the frame was decoded as, of its header and of the body its direction and result code
//! select, which are the fields [`Layout::mask_as`] masks for that message. As there, a masked
//! null stays null and a number or date is masked as its JSON text.
//!
//! Tested against the `Value` path in `tests/view.rs` (the shipped layouts' samples, sectioned
//! headers included) and `tests/roundtrip_props/` (generated frames of every field kind).

use super::write::{write_json_str, Shown};
use super::{FieldValue, MessageView};
use crate::layout::config::MaskKind;
use crate::layout::Layout;
use crate::mask::mask_text;

impl Layout {
    /// Appends `view` as this layout's JSON ([`Layout::into_json`]'s shape: `{"header", "body"}`
    /// or each header section and the body under their own keys) with its masked fields masked.
    /// `view` must have been decoded as the message whose masks are wanted
    /// ([`Layout::decode_view_as`]).
    pub fn write_masked_json(&self, view: &MessageView<'_>, out: &mut Vec<u8>) {
        if !self.is_sectioned() {
            out.extend_from_slice(b"{\"header\":");
            view.header.write_entries(out, Shown::Masked);
            out.extend_from_slice(b",\"body\":");
            view.body.write_entries(out, Shown::Masked);
            out.push(b'}');
            return;
        }
        // The header's entries are its sections, each an object under the section's name.
        out.push(b'{');
        for entry in &view.header {
            write_json_str(out, entry.name);
            out.push(b':');
            entry.value.write_value(out, Shown::Masked);
            out.push(b',');
        }
        write_json_str(out, self.body_key());
        out.push(b':');
        view.body.write_entries(out, Shown::Masked);
        out.push(b'}');
    }
}

impl FieldValue<'_> {
    /// Appends the value of a field marked `mask = kind`, masked as [`Layout::mask_as`] masks it.
    pub(super) fn write_masked(&self, kind: MaskKind, out: &mut Vec<u8>) {
        let masked = match self {
            FieldValue::Text(text) => mask_text(kind, text),
            // The text of the JSON number (`to_value`'s), as the `Value` path masks it.
            FieldValue::Decimal(decimal) => mask_text(kind, &decimal.to_string()),
            FieldValue::Date(parts) => mask_text(kind, &parts.iso()),
            // Nothing to hide in a blank; groups and views mask their own fields (a layout
            // refuses `mask` on a group).
            FieldValue::Null | FieldValue::Group(_) | FieldValue::Object(_) => {
                return self.write_value(out, Shown::Masked);
            }
        };
        write_json_str(out, &masked);
    }
}
