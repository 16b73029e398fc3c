//! Engine clients: how the gateway talks to a decisioning engine, live or shadow.
//!
//! Two protocols, one error type. An [`HttpEngine`] (`http`/`https`) posts the JSON request of the
//! engine HTTP contract (`docs/engine-contract.md`) over its own pool of HTTP/1.1 connections, with
//! rustls on an explicitly chosen crypto provider and a private CA. An [`MciEngine`] (`mci`) keeps a
//! bounded pool of persistent TCP connections, one request in flight each, and passes frames
//! through unchanged.
//!
//! Both pools follow one [`ConnectionLifecycle`]: an idle timeout below the engine's keep-alive,
//! an optional age cap, a check for a close by the engine before reuse, and one re-send on a fresh
//! connection when a reused one failed before any answer byte and re-sending is safe.
//!
//! Every call has one deadline covering the wait for a free slot, the connect, the exchange and the
//! answer body; every failure is an [`EngineError`] naming the engine, with a closed-set
//! [`Outcome`] for metrics.
//!
//! # Layout
//! - `role`: [`Role`], live or shadow.
//! - `error`: [`EngineError`], [`EngineErrorKind`], [`Outcome`].
//! - `tls`: [`TlsSettings`] (private CA, client certificate, server name); [`TlsErrors`], every
//!   [`TlsError`] of one engine's files at once.
//! - `request`: [`EngineRequest`] and the JSON request body of the HTTP contract.
//! - `answer`: the check that an answer is exactly one decision; [`AnswerDefect`] says why not.
//! - `settings`: [`HttpEngineSettings`], [`MciEngineSettings`], [`EngineBuildError`].
//! - `deadline`: one call's deadline, the request timeout or the caller's (a header TTL).
//! - `slots`: the in-flight bound both clients wait on, within the request deadline.
//! - `lifecycle`: [`ConnectionLifecycle`] and each connection's clock.
//! - `stale`: [`StalePhase`], [`StaleAction`], [`ConnectionEvents`]: stale connections and when a
//!   request may be re-sent.
//! - `tracked`: a stream that counts its bytes, to tell an unsent or unanswered request.
//! - `pool`: the idle connections of either client, and the one retry.
//! - `http_conn`: one HTTP/1.1 connection (TCP, TLS, hyper handshake) and its stream.
//! - `http_drive`: its hyper connection state, driven by the call that holds it, not a task.
//! - `http_head`: the contract's request head, built once per strategy.
//! - `http`: [`HttpEngine`], the HTTP client.
//! - `mci`: [`MciEngine`], the frame client, with its link modes ([`EngineLink`]).
//! - `health`: [`EngineHealth`], up/down from call outcomes and probes.
//! - `probe`: [`ProbeTarget`], the connect probe (TCP connect, TLS handshake, no request).

mod answer;
mod deadline;
mod error;
mod health;
mod http;
mod http_conn;
mod http_drive;
mod http_head;
mod lifecycle;
mod mci;
mod pool;
mod probe;
mod request;
mod role;
mod settings;
mod slots;
mod stale;
mod tls;
mod tracked;

pub(crate) use answer::read as json_read;
pub use answer::{check_answer, decode_answer, AnswerDefect, JsonAnswer, JsonSyntax};
pub use error::{EngineError, EngineErrorKind, Outcome};
pub use health::{
    EngineHealth, Failure, HealthSnapshot, Unreported, CALL_FAILURES_DOWN, FLAPS_REPORTED_EVERY,
    TIMED_OUT_HOLD,
};
pub use http::HttpEngine;
pub use lifecycle::{ConnectionLifecycle, DEFAULT_IDLE_TIMEOUT};
pub use mci::{EnginePoll, MciEngine, PollRound};
pub use probe::{ProbeError, ProbeTarget};
pub use request::{encode_request_body, write_request_body, EngineRequest};
pub use role::Role;
pub use settings::{
    EngineBuildError, EngineLink, HttpEngineSettings, MciEngineSettings, DEFAULT_MAX_RESPONSE_BYTES,
};
pub use stale::{ConnectionEvents, NoEvents, StaleAction, StalePhase};
pub use tls::{PemContents, TlsError, TlsErrors, TlsFile, TlsSettings};

#[cfg(test)]
mod tests;
