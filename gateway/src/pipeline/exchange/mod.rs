//! One request on its way through the gateway: what both engines are sent, and what the live
//! path needs to answer it.
//!
//! A request frame is decoded once, on the live path, into a typed view that borrows the frame
//! ([`DecodedRequest`]); the exchange keeps it with what the live path reads from it
//! (transaction code, correlation id, TTL) and, only when an http engine will be called, the
//! contract's JSON body written straight from the view. No `serde_json::Value` is built for a
//! request on the live path. An http answer's header echo is a borrowed tree copied from that
//! view's header, and a stored record's request is masked from the same view, so neither
//! decodes the frame again.
//!
//! The HTTP ingress gets JSON (its edge): it encodes the JSON into the request frame and decodes
//! that frame as an MCI listener's, so its exchange is the one of that frame. An http engine
//! then gets the decoded frame, as the engine contract says, whichever listener the request
//! came through: numbers given as strings are numbers, text is cut to its field, a group's count
//! is the elements' (until the twenty-second session it got the client's JSON as posted, and
//! the two engines were not compared on the input core banking would have sent). The rare
//! users of the request as JSON (error answers) decode it again into a `Value`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use protocol_mci::json::MemberList;
use protocol_mci::{MessageView, TtlValue};
use serde_json::{Map, Value};
use tokio::time::Instant;

use super::live_view::DecodedRequest;
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
    /// The request decoded, for the header echo ([`Exchange::request_header_tree`]) and a
    /// stored record ([`Exchange::request_view`]).
    request: DecodedRequest,
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
    /// The exchange of a decoded request frame, which it keeps: correlation id and TTL (counted
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
            request,
        }
    }

    /// The request's header as JSON: what the gateway's error answers echo. Only that (rare)
    /// path pays for the map.
    pub fn request_header(&self) -> Map<String, Value> {
        self.request.view().header.to_map()
    }

    /// The request's header as a borrowed tree: what an http engine's answer echoes
    /// ([`super::encode_answer`]), with keys borrowed from the layout and text from the frame, so
    /// no `Map` is built for an answer. Each call gets its own copy to edit.
    pub fn request_header_tree(&self) -> MemberList<'_> {
        self.request.view().header.clone().into_tree()
    }

    /// The whole request as the request's message reads it, as the live path decoded it: what
    /// a stored record shows (masked) and what an http engine's JSON body is written from.
    pub fn request_view(&self) -> &MessageView<'_> {
        self.request.view()
    }

    /// The exchange with the JSON body an http engine gets, written from its request's view
    /// when it has none (no http engine was configured): a replay to an http engine.
    pub(crate) fn with_json(mut self) -> Exchange {
        if self.json.is_empty() {
            self.json = write_request_body(&self.tx_code, self.request.view());
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
