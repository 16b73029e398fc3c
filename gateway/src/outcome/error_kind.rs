//! [`ShadowErrorKind`]: how a shadow engine failed, so that different defects of the new engine
//! are counted and grouped apart.

use serde::{Deserialize, Serialize};

use crate::engine::{EngineError, Outcome};

/// How a shadow engine failed: `shadow_errors_total{kind}`, the store's per-kind counters and
/// the grouping signature of shadow error records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShadowErrorKind {
    /// No answer within the engine's request timeout or the strategy's shadow timeout.
    Timeout,
    /// The engine could not be reached (refused, unreachable, TLS handshake).
    Connect,
    /// The engine answered with an HTTP 4xx status.
    Status4xx,
    /// The engine answered with an HTTP 5xx status.
    Status5xx,
    /// The engine answered with another non-success status (1xx, 3xx).
    StatusOther,
    /// The answer is not one well-formed decision: not JSON, ambiguous, too large, or a frame
    /// that does not decode.
    InvalidAnswer,
    /// The connection failed or was closed mid-exchange.
    Io,
    /// The engine's in-flight limit was reached for the whole deadline.
    Overloaded,
    /// Recorded before shadow error kinds were stored.
    Unknown,
}

impl ShadowErrorKind {
    /// Every kind, in index order.
    pub const ALL: [ShadowErrorKind; 9] = [
        Self::Timeout,
        Self::Connect,
        Self::Status4xx,
        Self::Status5xx,
        Self::StatusOther,
        Self::InvalidAnswer,
        Self::Io,
        Self::Overloaded,
        Self::Unknown,
    ];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::Connect => "connect",
            Self::Status4xx => "status_4xx",
            Self::Status5xx => "status_5xx",
            Self::StatusOther => "status_other",
            Self::InvalidAnswer => "invalid_answer",
            Self::Io => "io",
            Self::Overloaded => "overloaded",
            Self::Unknown => "unknown",
        }
    }

    /// Index in [`Self::ALL`].
    pub fn index(self) -> usize {
        Self::ALL.iter().position(|k| *k == self).unwrap_or(0)
    }

    /// The kind of a failed engine call.
    pub fn of(error: &EngineError) -> Self {
        match error.outcome() {
            Outcome::Timeout => Self::Timeout,
            Outcome::Connect => Self::Connect,
            Outcome::Status => match error.status().map(|s| s.as_u16()) {
                Some(400..=499) => Self::Status4xx,
                Some(500..=599) => Self::Status5xx,
                _ => Self::StatusOther,
            },
            Outcome::Invalid => Self::InvalidAnswer,
            Outcome::Io => Self::Io,
            Outcome::Overloaded => Self::Overloaded,
            // A successful call is no error; the caller never asks, but the answer must be total.
            Outcome::Ok => Self::Unknown,
        }
    }
}
