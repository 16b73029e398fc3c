//! Frames the live path decodes once, shared with the shadow worker.
//!
//! A view borrows its frame (text) and its layout (field names), so handing it to another thread
//! needs an owner that holds both with the view: a `self_cell` (no `unsafe` of our own) around
//! [`FrameAndLayout`].
//!
//! - [`DecodedRequest`]: a request frame, decoded on the live path to route it (transaction
//!   code, TTL, correlation id, an http engine's JSON body): an MCI listener's frame as it came,
//!   the HTTP ingress's as its JSON was encoded (so an http engine gets the same body for the
//!   same request on both). The exchange keeps it, so the shadow worker's header echo and a
//!   stored record's request read the same view instead of decoding the frame again (about 3 %
//!   of an MCI frame's instructions with an http shadow, measured with callgrind in the
//!   eighteenth session).
//! - [`LiveDecision`]: the live answer on the HTTP ingress, decoded once to write the client's
//!   JSON and compared by the shadow worker (without it the worker decoded the frame a second
//!   time: about 3.5 % of an HTTP ingress request's instructions, sixteenth session). An MCI
//!   listener's live path forwards the engine's frame without decoding it: its shadow worker
//!   decodes the live answer itself.

use std::sync::Arc;

use bytes::Bytes;
use protocol_mci::{DecodeError, Direction, Layout, MessageLayout, MessageView};
use self_cell::self_cell;

use super::answer::decode_response_view;

/// What a decoded view borrows from: the layout its field names come from and the frame its
/// text comes from.
pub(crate) struct FrameAndLayout {
    /// The layout the frame was decoded with.
    pub layout: Arc<Layout>,
    /// The frame.
    pub frame: Bytes,
}

/// A request's message as the frame's key (or length) selects it, and the frame decoded as it.
pub(crate) struct SelectedRequest<'a> {
    /// The message the frame is.
    pub message: &'a MessageLayout,
    /// The frame decoded as that message.
    pub view: MessageView<'a>,
}

self_cell!(
    /// A request frame and its decoded view, built once on the live path and kept by the
    /// exchange for the shadow worker.
    pub(crate) struct DecodedRequest {
        owner: FrameAndLayout,

        #[covariant]
        dependent: SelectedRequest,
    }
);

impl DecodedRequest {
    /// Decodes the request `frame` with `layout`, selecting its message
    /// ([`Layout::decode_view_selected`]); errors are the decoder's.
    pub fn decode(layout: Arc<Layout>, frame: Bytes) -> Result<DecodedRequest, DecodeError> {
        DecodedRequest::try_new(FrameAndLayout { layout, frame }, |owner| {
            owner
                .layout
                .decode_view_selected(Direction::Request, &owner.frame)
                .map(|(message, view)| SelectedRequest { message, view })
        })
    }

    /// Decodes the request `frame` as the message `code` (the HTTP ingress's frame, encoded from
    /// JSON whose header selected `code`), or as the frame selects its message when the layout
    /// has none of that name; errors are the decoder's.
    pub fn decode_as(
        layout: Arc<Layout>,
        code: &str,
        frame: Bytes,
    ) -> Result<DecodedRequest, DecodeError> {
        DecodedRequest::try_new(FrameAndLayout { layout, frame }, |owner| {
            let layout = &owner.layout;
            match layout.message(code) {
                Some(message) => layout
                    .decode_view_as(Direction::Request, message, &owner.frame)
                    .map(|view| SelectedRequest { message, view }),
                None => layout
                    .decode_view_selected(Direction::Request, &owner.frame)
                    .map(|(message, view)| SelectedRequest { message, view }),
            }
        })
    }

    /// The decoded view.
    pub fn view(&self) -> &MessageView<'_> {
        &self.borrow_dependent().view
    }

    /// The transaction code of the message the frame is.
    pub fn code(&self) -> &str {
        &self.borrow_dependent().message.code
    }

    /// The request frame the view was decoded from.
    pub fn frame(&self) -> &Bytes {
        &self.borrow_owner().frame
    }
}

impl std::fmt::Debug for DecodedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecodedRequest")
            .field("code", &self.code())
            .field("frame_len", &self.frame().len())
            .finish_non_exhaustive()
    }
}

self_cell!(
    /// A live answer frame and its decoded view, built once and shared by the client's JSON and
    /// the shadow comparison.
    pub(crate) struct LiveDecision {
        owner: FrameAndLayout,

        #[covariant]
        dependent: MessageView,
    }
);

impl LiveDecision {
    /// Decodes `frame` as the answer to `tx_code` ([`decode_response_view`]).
    pub fn decode(
        layout: Arc<Layout>,
        tx_code: &str,
        frame: Bytes,
    ) -> Result<LiveDecision, DecodeError> {
        LiveDecision::try_new(FrameAndLayout { layout, frame }, |owner| {
            decode_response_view(&owner.layout, tx_code, &owner.frame)
        })
    }

    /// The decoded view.
    pub fn view(&self) -> &MessageView<'_> {
        self.borrow_dependent()
    }

    /// The answer frame the view was decoded from.
    pub fn frame(&self) -> &Bytes {
        &self.borrow_owner().frame
    }

    /// Whether this view was decoded with `layout`. The shadow worker asserts it of the
    /// exchange's layout in debug builds: by construction it always is (see `shadow::judge`).
    pub fn decoded_with(&self, layout: &Arc<Layout>) -> bool {
        Arc::ptr_eq(&self.borrow_owner().layout, layout)
    }
}

impl std::fmt::Debug for LiveDecision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveDecision")
            .field("frame_len", &self.frame().len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> Arc<Layout> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../config/layouts/loan-screening.toml");
        Arc::new(Layout::from_file(path).unwrap())
    }

    #[test]
    fn the_shared_view_is_the_view_decoded_again_and_errors_are_the_decoders() {
        let layout = layout();
        let answer = serde_json::json!({
            "header": {"guid": "G1", "sys_code": "CBS", "tx_code": "LNS0001", "rr_flag": "R",
                       "resp_code": "0000", "sent_at": "2026-12-02T09:00:00.000",
                       "channel": "IB", "branch": "0420"},
            "body": {"decision": "A", "reason_code": "R001", "grade": "A1",
                     "limit_amount": 30000000, "rate": 4.5,
                     "offers": [{"product_code": "P1", "limit": 100, "rate": 1.25, "term": 12}]}});
        let message: protocol_mci::Message = serde_json::from_value(answer).unwrap();
        let selected = layout.message("LNS0001").unwrap();
        let frame = layout
            .encode_as(protocol_mci::Direction::Response, selected, &message)
            .unwrap();
        let frame = Bytes::from(frame);
        let decision = LiveDecision::decode(layout.clone(), "LNS0001", frame.clone()).unwrap();
        let again = decode_response_view(&layout, "LNS0001", &frame).unwrap();
        assert_eq!(decision.view(), &again);
        assert_eq!(decision.frame(), &frame);
        assert!(decision.decoded_with(&layout));
        assert!(
            !decision.decoded_with(&self::layout()),
            "another layout's Arc"
        );
        // A view outlives the function that built it, on another thread.
        let handed = std::thread::spawn(move || decision.view().body.len())
            .join()
            .unwrap();
        assert_eq!(handed, again.body.len());

        let short = Bytes::from(frame[..frame.len() - 3].to_vec());
        let error = LiveDecision::decode(layout.clone(), "LNS0001", short.clone()).unwrap_err();
        let expected = decode_response_view(&layout, "LNS0001", &short).unwrap_err();
        assert_eq!(error.to_string(), expected.to_string());
    }
}
