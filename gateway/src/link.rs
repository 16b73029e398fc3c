//! The link layer shared by the MCI listener and the `mci` engine client: what a dual-socket
//! link reads from a frame (its correlation id, whether it is a transport acknowledgement) and
//! the acknowledgement it sends back.
//!
//! Link modes differ only in how frames are read and written, never in what the pipeline does
//! with them: `persistent` (a request and its answer on one long-lived connection), `one_shot`
//! (a connection per request) and `dual_socket` (requests on one connection, answers on
//! another, matched by correlation id). See the README's "Link modes" section for who connects
//! to whom.

use protocol_mci::{Layout, TransportRole};

/// What a dual-socket link needs to know about frames; implemented by [`Layout`], and by test
/// doubles.
pub trait LinkFrames: Send + Sync {
    /// The correlation id of a business frame: the layout's correlation field, as decoded.
    fn correlation(&self, frame: &[u8]) -> Option<String>;
    /// The transport acknowledgement `frame` is, if it is one.
    fn acknowledgement(&self, frame: &[u8]) -> Option<TransportRole>;
    /// The acknowledgement with `role` of the business frame `frame`, when the layout declares
    /// one (and its copied ranges lie inside the frame).
    fn acknowledge(&self, role: TransportRole, frame: &[u8]) -> Option<Vec<u8>>;
}

impl LinkFrames for Layout {
    fn correlation(&self, frame: &[u8]) -> Option<String> {
        let field = self.correlation_field()?;
        let header = self.decode_header(frame).ok()?;
        match field.get(&header)? {
            serde_json::Value::String(text) => Some(text.clone()),
            other => Some(other.to_string()),
        }
    }

    fn acknowledgement(&self, frame: &[u8]) -> Option<TransportRole> {
        self.transport_role(frame)
    }

    fn acknowledge(&self, role: TransportRole, frame: &[u8]) -> Option<Vec<u8>> {
        self.transport_frame(role, frame)
    }
}
