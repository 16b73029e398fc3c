//! What went wrong talking to an engine, and the closed-set outcome label for metrics.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;

use super::answer::{AnswerDefect, JsonSyntax};

/// A failed engine call: which engine, and what failed.
///
/// Display is `engine "new-engine": request timed out after 800ms`. The message may carry details
/// from the network stack, never request content; for metrics use [`EngineError::outcome`].
#[derive(Debug, thiserror::Error)]
#[error("engine {engine:?}: {kind}")]
pub struct EngineError {
    engine: Arc<str>,
    #[source]
    kind: EngineErrorKind,
}

/// What failed during an engine call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineErrorKind {
    /// The TCP connect or TLS handshake failed, or the connect timeout elapsed.
    #[error("cannot connect: {detail}")]
    Connect {
        /// The network stack's explanation.
        detail: String,
    },
    /// The request deadline elapsed before the answer was complete.
    #[error("request timed out after {}ms", after.as_millis())]
    Timeout {
        /// The request timeout that elapsed.
        after: Duration,
    },
    /// Every slot (HTTP request or MCI connection) stayed busy until the deadline.
    #[error("overloaded: all {max_in_flight} slots stayed busy for {}ms", waited.as_millis())]
    Overloaded {
        /// The engine's in-flight limit.
        max_in_flight: usize,
        /// How long the call waited for a slot.
        waited: Duration,
    },
    /// The engine answered with a non-2xx HTTP status.
    #[error("answered with status {}", code.as_u16())]
    Status {
        /// The status the engine answered with.
        code: StatusCode,
    },
    /// The answer body is not JSON.
    #[error("invalid json answer: {source}")]
    InvalidJson {
        /// The parser's reason, with line, column and byte.
        source: JsonSyntax,
    },
    /// The answer is JSON but not exactly one decision of the contract's shape.
    #[error("invalid answer: {reason}")]
    InvalidAnswer {
        /// What is wrong or ambiguous in it.
        reason: AnswerDefect,
    },
    /// The answer is larger than the configured maximum.
    #[error("answer larger than {limit} bytes")]
    TooLarge {
        /// The configured maximum.
        limit: usize,
    },
    /// The request could not be built (e.g. a correlation id that is not a valid header value).
    #[error("invalid request: {detail}")]
    InvalidRequest {
        /// What is wrong with the request.
        detail: String,
    },
    /// Reading or writing the connection failed after it was established.
    #[error("i/o error: {detail}")]
    Io {
        /// The network stack's explanation.
        detail: String,
    },
    /// The engine closed the connection before a complete answer.
    #[error("connection closed by the engine before a complete answer")]
    ClosedByPeer,
    /// The answer's framing is lost (bad length prefix, oversize, trailer mismatch).
    #[error("lost framing: {detail}")]
    Framing {
        /// The framer's explanation.
        detail: String,
    },
}

/// The closed set of call outcomes, used as the `outcome` metric label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The engine answered with a valid answer.
    Ok,
    /// The request deadline elapsed.
    Timeout,
    /// The connection could not be established.
    Connect,
    /// Non-2xx HTTP status.
    Status,
    /// The answer (or the request) was not valid: JSON, shape, size, framing.
    Invalid,
    /// The connection failed or was closed mid-exchange.
    Io,
    /// No free slot before the deadline.
    Overloaded,
}

impl EngineError {
    /// An error of `kind` for the engine called `engine`.
    pub fn new(engine: impl Into<Arc<str>>, kind: EngineErrorKind) -> Self {
        EngineError {
            engine: engine.into(),
            kind,
        }
    }

    /// The name of the engine that failed.
    pub fn engine(&self) -> &str {
        &self.engine
    }

    /// What failed.
    pub fn kind(&self) -> &EngineErrorKind {
        &self.kind
    }

    /// The metric label for this failure.
    pub fn outcome(&self) -> Outcome {
        self.kind.outcome()
    }

    /// True when the request deadline elapsed.
    pub fn is_timeout(&self) -> bool {
        matches!(self.kind, EngineErrorKind::Timeout { .. })
    }

    /// True when the connection could not be established.
    pub fn is_connect(&self) -> bool {
        matches!(self.kind, EngineErrorKind::Connect { .. })
    }

    /// True when no slot became free before the deadline.
    pub fn is_overloaded(&self) -> bool {
        matches!(self.kind, EngineErrorKind::Overloaded { .. })
    }

    /// The HTTP status, when the engine answered with a non-2xx one.
    pub fn status(&self) -> Option<StatusCode> {
        match self.kind {
            EngineErrorKind::Status { code } => Some(code),
            _ => None,
        }
    }

    /// True when the answer was not valid JSON, not the contract's shape, or too large.
    pub fn is_invalid_answer(&self) -> bool {
        matches!(
            self.kind,
            EngineErrorKind::InvalidJson { .. }
                | EngineErrorKind::InvalidAnswer { .. }
                | EngineErrorKind::TooLarge { .. }
        )
    }

    /// True when the engine closed the connection before a complete answer.
    pub fn is_closed_by_peer(&self) -> bool {
        matches!(self.kind, EngineErrorKind::ClosedByPeer)
    }

    /// True when the answer's framing was lost.
    pub fn is_framing(&self) -> bool {
        matches!(self.kind, EngineErrorKind::Framing { .. })
    }
}

impl EngineErrorKind {
    /// The metric label for a call that failed this way.
    pub fn outcome(&self) -> Outcome {
        match self {
            EngineErrorKind::Connect { .. } => Outcome::Connect,
            EngineErrorKind::Timeout { .. } => Outcome::Timeout,
            EngineErrorKind::Overloaded { .. } => Outcome::Overloaded,
            EngineErrorKind::Status { .. } => Outcome::Status,
            EngineErrorKind::InvalidJson { .. }
            | EngineErrorKind::InvalidAnswer { .. }
            | EngineErrorKind::TooLarge { .. }
            | EngineErrorKind::InvalidRequest { .. }
            | EngineErrorKind::Framing { .. } => Outcome::Invalid,
            EngineErrorKind::Io { .. } | EngineErrorKind::ClosedByPeer => Outcome::Io,
        }
    }
}

impl Outcome {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Timeout => "timeout",
            Outcome::Connect => "connect",
            Outcome::Status => "status",
            Outcome::Invalid => "invalid",
            Outcome::Io => "io",
            Outcome::Overloaded => "overloaded",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error and all its sources on one line, so a connect failure says *why* (refused, handshake,
/// unknown issuer) instead of hyper's bare "client error (Connect)".
pub(crate) fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // Some layers repeat their cause's message; keep the line readable.
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
