//! Transport acknowledgements of dual-socket links: a `[[control]]` entry with `role = "ack"` or
//! `role = "nak"`.
//!
//! On a dual-socket link the receiver of a business frame may acknowledge it on the socket it
//! arrived on, before (and apart from) the answer that comes back on the other socket: an ACK
//! says "taken", a NAK "refused, it will not be answered". Such a frame is recognised like any
//! control frame but never answered (answering an ACK would start an endless exchange); the one
//! the gateway sends is the entry's `reply` template applied to the acknowledged frame, so it can
//! copy that frame's correlation id.

use serde::Deserialize;

use super::Control;
use crate::layout::Layout;

/// What a transport acknowledgement says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportRole {
    /// The frame was taken; its answer follows on the answer socket.
    Ack,
    /// The frame was refused; no answer follows.
    Nak,
}

impl TransportRole {
    /// Both roles, in label order.
    pub const ALL: [TransportRole; 2] = [TransportRole::Ack, TransportRole::Nak];

    /// `ack` or `nak`, as in the layout file and in metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            TransportRole::Ack => "ack",
            TransportRole::Nak => "nak",
        }
    }
}

impl Layout {
    /// The transport acknowledgement `frame` is, if the layout declares one that matches it.
    /// Checked before [`Layout::control_answer`] by links that carry acknowledgements.
    pub fn transport_role(&self, frame: &[u8]) -> Option<TransportRole> {
        self.controls
            .iter()
            .find(|c| c.role.is_some() && c.matches(frame, &self.framing))?
            .role
    }

    /// Whether the layout declares an acknowledgement with `role`.
    pub fn has_transport(&self, role: TransportRole) -> bool {
        self.transport(role).is_some()
    }

    /// The acknowledgement with `role` of the business frame `acknowledged`; `None` when the
    /// layout declares none, or a copied range lies outside the frame.
    pub fn transport_frame(&self, role: TransportRole, acknowledged: &[u8]) -> Option<Vec<u8>> {
        self.transport(role)?.answer(acknowledged)
    }

    fn transport(&self, role: TransportRole) -> Option<&Control> {
        self.controls.iter().find(|c| c.role == Some(role))
    }
}
