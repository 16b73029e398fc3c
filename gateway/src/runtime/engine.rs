//! One engine of either protocol behind one type, so the pipeline does not care which it calls.

use bytes::Bytes;
use protocol_mci::FrameCodec;
use tokio::time::Instant;

use protocol_mci::json::JsonTree;

use crate::engine::{EngineError, EngineRequest, HttpEngine, JsonAnswer, MciEngine};

/// An engine client. Engines live in an `Arc` for the lifetime of a runtime, so the size
/// difference between the variants costs nothing per request.
#[allow(clippy::large_enum_variant)]
pub enum Engine {
    /// JSON over http(s).
    Http(HttpEngine),
    /// Frames over TCP.
    Mci(MciEngine<FrameCodec>),
}

/// What an engine answered.
#[derive(Debug, Clone)]
pub enum EngineAnswer {
    /// A JSON answer from an http engine as received, not yet checked: its one parse
    /// ([`JsonAnswer::check`]) happens where its tree is needed.
    Json(JsonAnswer),
    /// Frame bytes from an mci engine, unchanged.
    Frame(Bytes),
}

/// What an engine answered, an http engine's JSON checked where it was received and made into
/// the caller's `T` from its tree ([`Engine::call_decoded`]).
#[derive(Debug, Clone)]
pub enum DecodedAnswer<T> {
    /// What the caller made of an http engine's checked answer.
    Json(T),
    /// Frame bytes from an mci engine, unchanged.
    Frame(Bytes),
}

impl Engine {
    /// The engine's configured name.
    pub fn name(&self) -> &str {
        match self {
            Engine::Http(e) => e.name(),
            Engine::Mci(e) => e.name(),
        }
    }

    /// Whether this engine speaks frames.
    pub fn is_mci(&self) -> bool {
        matches!(self, Engine::Mci(_))
    }

    /// The engine's poll interval (an mci engine whose layout declares a poll).
    pub fn poll_interval(&self) -> Option<std::time::Duration> {
        match self {
            Engine::Http(_) => None,
            Engine::Mci(e) => e.poll_interval(),
        }
    }

    /// Polls the idle connections when a round is due (see [`crate::engine::MciEngine::poll_idle`]).
    pub async fn poll_idle(&self) -> Option<crate::engine::PollRound> {
        match self {
            Engine::Http(_) => None,
            Engine::Mci(e) => e.poll_idle().await,
        }
    }

    /// Calls the engine: an mci engine gets `frame`, an http engine gets `request`. The call ends
    /// at the engine's request timeout, or at `until` (the request's TTL) when that is earlier.
    /// An http engine's answer comes back unchecked (see [`EngineAnswer::Json`]).
    pub async fn call(
        &self,
        frame: &[u8],
        request: &EngineRequest<'_>,
        until: Option<Instant>,
    ) -> Result<EngineAnswer, EngineError> {
        match self {
            Engine::Http(e) => e
                .receive_until(request, until)
                .await
                .map(EngineAnswer::Json),
            Engine::Mci(e) => e
                .call_until(frame, request.role, until)
                .await
                .map(EngineAnswer::Frame),
        }
    }

    /// [`Self::call`], an http engine's answer checked where it is received (one that is not one
    /// decision fails the call and closes its connection) and made into a `T` by `read` from
    /// the tree the check builds.
    pub async fn call_decoded<T, F>(
        &self,
        frame: &[u8],
        request: &EngineRequest<'_>,
        until: Option<Instant>,
        read: &F,
    ) -> Result<DecodedAnswer<T>, EngineError>
    where
        F: Fn(JsonTree<'_>) -> T + Sync,
    {
        match self {
            Engine::Http(e) => e
                .call_decoded_until(request, until, read)
                .await
                .map(DecodedAnswer::Json),
            Engine::Mci(e) => e
                .call_until(frame, request.role, until)
                .await
                .map(DecodedAnswer::Frame),
        }
    }
}
