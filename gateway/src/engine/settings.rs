//! Validated runtime settings of the engine clients, and why a client could not be built.
//!
//! The config layer turns `[[engines]]` entries into these (durations parsed, TLS files loaded);
//! the clients check the few rules they depend on again.

use std::time::Duration;

use http::Uri;

use super::{ConnectionLifecycle, EnginePoll, TlsSettings};

/// The default bound on an answer body: 1 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1 << 20;

/// Validated settings of one HTTP engine. Equal settings make the same client: a reload keeps
/// the client of an engine whose settings it does not change.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpEngineSettings {
    /// The engine's name, used in errors, logs and metrics.
    pub name: String,
    /// The base URL; the strategy's path is appended to its path.
    pub url: Uri,
    /// Bound on establishing the TCP connection.
    pub connect_timeout: Duration,
    /// Bound on the whole call: waiting for a slot, connecting, the exchange, reading the answer.
    pub request_timeout: Duration,
    /// Requests in flight at most; further callers wait for a slot within their deadline.
    pub max_in_flight: usize,
    /// Largest answer body accepted.
    pub max_response_bytes: usize,
    /// Required for `https` URLs, refused for `http` ones.
    pub tls: Option<TlsSettings>,
    /// Idle timeout, age cap and retry rule of pooled connections.
    pub lifecycle: ConnectionLifecycle,
}

/// Why an engine client could not be built. The config layer validates the same rules earlier;
/// this is the last line of defence.
#[derive(Debug, thiserror::Error)]
pub enum EngineBuildError {
    /// The URL is not `http://…` or `https://…` with a host, or has a query.
    #[error("engine {engine:?}: url {url}: {reason}")]
    Url {
        /// The engine's name.
        engine: String,
        /// The URL.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// TLS settings and URL scheme do not agree.
    #[error("engine {engine:?}: {reason}")]
    Tls {
        /// The engine's name.
        engine: String,
        /// What disagrees.
        reason: &'static str,
    },
    /// A limit is zero.
    #[error("engine {engine:?}: {what} must be at least 1")]
    ZeroLimit {
        /// The engine's name.
        engine: String,
        /// Which limit.
        what: &'static str,
    },
}

/// Validated settings of one MCI engine. Equal settings (and an equal layout) make the same
/// client: a reload keeps the client of an engine whose settings it does not change.
#[derive(Debug, Clone, PartialEq)]
pub struct MciEngineSettings {
    /// The engine's name, used in errors, logs and metrics.
    pub name: String,
    /// `host:port` of the engine.
    pub address: String,
    /// Bound on establishing a TCP connection.
    pub connect_timeout: Duration,
    /// Bound on the whole call: waiting for a connection, connecting, writing, reading the answer.
    pub request_timeout: Duration,
    /// Connections at most, busy or idle; each carries one request at a time.
    pub max_connections: usize,
    /// Bytes buffered for one answer at most, whatever the framer allows.
    pub max_answer_bytes: usize,
    /// Idle timeout, age cap and retry rule of pooled connections.
    pub lifecycle: ConnectionLifecycle,
    /// The poll idle connections are kept alive with; `None`: no polls.
    pub poll: Option<EnginePoll>,
    /// How connections are used: a pool, one per request, or a request and an answer socket.
    pub link: EngineLink,
}

/// How an `mci` engine client uses its TCP connections (`link` of `[engines.<name>]`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum EngineLink {
    /// A bounded pool of long-lived connections, one request in flight on each.
    #[default]
    Persistent,
    /// A fresh connection per request, closed after its answer.
    OneShot,
    /// The gateway connects a request socket to `address` and an answer socket to
    /// `answer_address`; answers come back on the latter in any order, matched by correlation id.
    DualSocket {
        /// `host:port` the answer socket connects to.
        answer_address: String,
    },
}

impl HttpEngineSettings {
    /// Settings with the defaults: 1 s connect, 2 s request, 64 in flight, 1 MiB answers, no TLS,
    /// connections idle at most 1.5 s, no age cap, no live retry.
    pub fn new(name: impl Into<String>, url: Uri) -> Self {
        HttpEngineSettings {
            name: name.into(),
            url,
            connect_timeout: Duration::from_secs(1),
            request_timeout: Duration::from_secs(2),
            max_in_flight: 64,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            tls: None,
            lifecycle: ConnectionLifecycle::default(),
        }
    }
}

impl MciEngineSettings {
    /// Settings with the defaults: 1 s connect, 2 s request, 16 connections, 64 KiB answers,
    /// connections idle at most 1.5 s, no age cap, no live retry.
    pub fn new(name: impl Into<String>, address: impl Into<String>) -> Self {
        MciEngineSettings {
            name: name.into(),
            address: address.into(),
            connect_timeout: Duration::from_secs(1),
            request_timeout: Duration::from_secs(2),
            max_connections: 16,
            max_answer_bytes: 64 * 1024,
            lifecycle: ConnectionLifecycle::default(),
            poll: None,
            link: EngineLink::Persistent,
        }
    }
}
