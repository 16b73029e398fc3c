//! One request on its way through the gateway: what both engines are sent, and what the live
//! path needs to answer it.
//!
//! An MCI frame is decoded once, on the live path, into a typed view that borrows the frame
//! ([`DecodedRequest`]); the exchange keeps it with what the live path reads from it
//! (transaction code, correlation id, TTL) and, only when an http engine will be called, the
//! contract's JSON body written straight from the view. No `serde_json::Value` is built for a
//! request on the live path. An http answer's header echo is a borrowed tree copied from that
//! view's header, and a stored record's request is masked from the same view, so neither
//! decodes the frame again.
//!
//! The HTTP ingress gets JSON (its edge): its exchange has the same shape, with the frame the
//! JSON was encoded into and the JSON body written from the borrowed trees it was parsed into
//! (`super::ingress`). Its header echo is decoded from that frame once, when the exchange is
//! built, if the live engine speaks http (its answer needs it on the live path; the shadow's
//! echo then copies it), else on the shadow worker when an http shadow answers. The rare users
//! of the request as JSON (error answers) decode it again into a `Value`.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use protocol_mci::json::MemberList;
use protocol_mci::view::Object;
use protocol_mci::{DecodeError, Direction, Layout, MessageView, TtlValue};
use serde_json::{Map, Value};
use tokio::time::Instant;

use super::ingress::JsonRequest;
use super::live_view::{DecodedRequest, FrameAndLayout};
use crate::engine::{write_request_body, EngineRequest, Role};
use crate::runtime::Strategy;

/// A request as both engines get it, shared by the live path and the shadow task.
pub struct Exchange {
    /// Its strategy (of the runtime the request started on).
    pub strategy: Arc<Strategy>,
    /// The frame an mci engine gets: the original bytes, unchanged (HTTP ingress: the JSON
    /// request encoded with the layout).
    pub frame: Bytes,
    /// The JSON an http engine gets, serialised once for both roles; empty when no http engine
    /// is configured for the strategy.
    pub json: Bytes,
    /// Correlation id: the layout's correlation field, or one made here.
    pub correlation_id: String,
    /// Transaction code.
    pub tx_code: String,
    /// The request's time to live from its header, if one applies.
    pub ttl: Option<Ttl>,
    /// What the exchange keeps decoded of its request for the header echo
    /// ([`Exchange::request_header_tree`]) and a stored record ([`Exchange::request_view`]).
    held: Held,
}

/// What an exchange keeps decoded of its request frame.
enum Held {
    /// An MCI request's whole view, decoded on the live path to route it.
    Request(DecodedRequest),
    /// The HTTP ingress's request header, decoded from the frame its JSON was encoded into,
    /// when the live engine speaks http.
    HeaderEcho(HeaderEcho),
    /// Nothing: the header is decoded again where it is needed.
    Nothing,
}

self_cell::self_cell!(
    /// The request header decoded from the frame into a borrowed tree, with the frame and the
    /// layout it borrows.
    struct HeaderEcho {
        owner: FrameAndLayout,

        #[covariant]
        dependent: MemberList,
    }
);

impl HeaderEcho {
    /// The header of `frame` as the message `tx_code` reads it; `None` when it does not decode
    /// (its user then decodes it again, for the error).
    fn decode(strategy: &Strategy, tx_code: &str, frame: &Bytes) -> Option<HeaderEcho> {
        let owner = FrameAndLayout {
            layout: strategy.layout.clone(),
            frame: frame.clone(),
        };
        HeaderEcho::try_new(owner, |owner| {
            header_view(&owner.layout, tx_code, &owner.frame).map(Object::into_tree)
        })
        .ok()
    }
}

/// A request's time to live: the caller gives up at `deadline`, and with it both engine calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ttl {
    /// The header's TTL.
    pub within: Duration,
    /// When the gateway received the request, plus `within`.
    pub deadline: Instant,
}

impl Ttl {
    /// The TTL a header carries, counted from `received`; `None` when none applies (or it is
    /// too far away to be a deadline).
    pub fn of(value: TtlValue, received: Instant) -> Option<Ttl> {
        match value {
            TtlValue::Within(within) => received
                .checked_add(within)
                .map(|deadline| Ttl { within, deadline }),
            TtlValue::None => None,
        }
    }
}

impl Exchange {
    /// The exchange of a decoded MCI frame, which it keeps: correlation id and TTL (counted
    /// from `received`) read from the view, and the JSON body written from it when an http
    /// engine will need it.
    pub(crate) fn from_view(
        strategy: Arc<Strategy>,
        request: DecodedRequest,
        received: Instant,
    ) -> Exchange {
        let layout = &strategy.layout;
        let view = request.view();
        let ttl = Ttl::of(layout.ttl_view(&view.header), received);
        let field = layout.correlation_field();
        let correlation_id = correlation_id(field.and_then(|f| f.text_view(&view.header)));
        let tx_code = request.code().to_owned();
        let json = match needs_json(&strategy) {
            true => write_request_body(&tx_code, view),
            false => Bytes::new(),
        };
        let frame = request.frame().clone();
        Exchange {
            strategy,
            frame,
            json,
            correlation_id,
            tx_code,
            ttl,
            held: Held::Request(request),
        }
    }

    /// The exchange of a JSON request (HTTP ingress) and the frame it was encoded into:
    /// correlation id and TTL read from its header, and the JSON body written from its trees
    /// when an http engine will need it.
    pub(crate) fn from_json(
        strategy: Arc<Strategy>,
        request: &JsonRequest<'_>,
        frame: Bytes,
        tx_code: String,
        received: Instant,
    ) -> Exchange {
        let layout = &strategy.layout;
        let header = request.header();
        let ttl = Ttl::of(layout.ttl(header), received);
        let field = layout.correlation_field();
        let correlation_id = correlation_id(field.and_then(|f| f.text_in(header)));
        let json = match needs_json(&strategy) {
            true => request.engine_body(&tx_code),
            false => Bytes::new(),
        };
        let held = match strategy.live.is_mci() {
            true => Held::Nothing,
            false => HeaderEcho::decode(&strategy, &tx_code, &frame)
                .map_or(Held::Nothing, Held::HeaderEcho),
        };
        Exchange {
            strategy,
            frame,
            json,
            correlation_id,
            tx_code,
            ttl,
            held,
        }
    }

    /// The request's header as JSON, decoded again from the frame: what the gateway's error
    /// answers echo. Only that (rare) path pays for the map.
    pub fn request_header(&self) -> Result<Map<String, Value>, DecodeError> {
        self.request_header_view().map(Object::into_map)
    }

    /// The request's header as a borrowed tree: what an http engine's answer echoes
    /// ([`super::encode_answer`]), with keys borrowed from the layout and text from the frame, so
    /// no `Map` is built for an answer. A copy of the header the exchange holds (an MCI request's
    /// view; the HTTP ingress's echo for a live http engine), else decoded again from the frame.
    pub fn request_header_tree(&self) -> Result<MemberList<'_>, DecodeError> {
        match &self.held {
            Held::Request(request) => Ok(request.view().header.clone().into_tree()),
            Held::HeaderEcho(echo) => Ok(echo.borrow_dependent().clone()),
            Held::Nothing => self.request_header_view().map(Object::into_tree),
        }
    }

    /// The request's header decoded again from the frame, as the request's message reads it.
    fn request_header_view(&self) -> Result<Object<'_>, DecodeError> {
        header_view(&self.strategy.layout, &self.tx_code, &self.frame)
    }

    /// The whole request as the request's message reads it: what a stored record shows
    /// (masked). An MCI request's view as the live path decoded it; the HTTP ingress's decoded
    /// again from the frame its JSON was encoded into. Records are built on the shadow workers,
    /// off the live path.
    pub fn request_view(&self) -> Result<Cow<'_, MessageView<'_>>, DecodeError> {
        if let Held::Request(request) = &self.held {
            return Ok(Cow::Borrowed(request.view()));
        }
        let layout = &self.strategy.layout;
        let view = match layout.message(&self.tx_code) {
            Some(selected) => layout.decode_view_as(Direction::Request, selected, &self.frame),
            None => layout.decode_view(Direction::Request, &self.frame),
        };
        view.map(Cow::Owned)
    }

    /// The exchange with the JSON body an http engine gets, written from its request's view
    /// when it has none (no http engine was configured): a replay to an http engine.
    pub(crate) fn with_json(mut self) -> Exchange {
        if self.json.is_empty() {
            if let Ok(view) = self.request_view() {
                let json = write_request_body(&self.tx_code, &view);
                self.json = json;
            }
        }
        self
    }

    /// The engine request for a role.
    pub fn engine_request(&self, role: Role) -> EngineRequest<'_> {
        EngineRequest {
            strategy: &self.strategy.spec.name,
            path: &self.strategy.spec.path,
            correlation_id: &self.correlation_id,
            role,
            body: self.json.clone(),
        }
    }

    /// The caller's deadline, if the request carries a TTL.
    pub fn deadline(&self) -> Option<Instant> {
        self.ttl.map(|ttl| ttl.deadline)
    }

    /// Whether the request's TTL has run out at `now`: nobody waits for its answer any more.
    pub fn expired(&self, now: Instant) -> bool {
        self.ttl.is_some_and(|ttl| ttl.deadline <= now)
    }

    /// Whether this request is in the strategy's shadow sample. Deterministic by correlation id,
    /// so a replayed request is sampled the same way.
    pub fn sampled(&self) -> bool {
        let ppm = self.strategy.spec.sample_ppm;
        ppm >= 1_000_000 || (fnv1a(self.correlation_id.as_bytes()) % 1_000_000) < u64::from(ppm)
    }
}

/// A request frame's header as the message `tx_code` reads it.
fn header_view<'f>(
    layout: &'f Layout,
    tx_code: &str,
    frame: &'f [u8],
) -> Result<Object<'f>, DecodeError> {
    match layout.message(tx_code) {
        Some(selected) => layout.decode_header_view_as(selected, frame),
        None => layout.decode_header_view(frame),
    }
}

/// Whether an http engine (live or shadow) will need the JSON body.
fn needs_json(strategy: &Strategy) -> bool {
    !strategy.live.is_mci() || strategy.shadow.as_ref().is_some_and(|s| !s.is_mci())
}

/// The correlation id of a request: the correlation field's text when it has one, else one made
/// here.
pub fn correlation_id(field_text: Option<&str>) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    match field_text {
        Some(id) if !id.is_empty() => id.to_owned(),
        _ => format!("sg-{:012}", NEXT.fetch_add(1, Ordering::Relaxed)),
    }
}

/// FNV-1a: stable across processes and platforms, unlike std's randomised hasher.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests;
