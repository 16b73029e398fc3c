//! The closed sets of label values: one enum per label, `ALL` for pre-creating every series.
//!
//! Label values never come from a request; they are these enums, the comparison outcome labels of
//! [`crate::outcome`], names from the config (listener, strategy, engine) or collapsed layout paths.

/// What happened to one frame (or connection) on a listener: `frames_total{outcome}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameOutcome {
    /// Answered with the live engine's answer.
    Ok,
    /// The fields did not decode; answered with an error frame, the connection stays up.
    BadRequest,
    /// The transaction code selects no strategy; answered with an error frame.
    UnknownTransaction,
    /// The live engine failed (other than by timeout); answered with an error frame.
    LiveError,
    /// The live engine did not answer in time; answered with an error frame.
    LiveTimeout,
    /// Framing was lost (bad length prefix, oversize, EOF mid-frame); the connection was closed.
    FramingError,
    /// A connection was refused because the listener was at its maximum number of connections.
    Rejected,
    /// A control frame of the layout (poll, keep-alive) answered by the gateway itself: never
    /// forwarded to an engine, never compared.
    Control,
    /// The client closed its connection (or stopped taking answers) before the answer: the
    /// request and its live call were dropped, nothing was answered. On an MCI connection also a
    /// frame whose answer was made but could not be written, or whose write the client answered
    /// with a reset: no answer reached it.
    ClientClosed,
    /// The gateway closed the MCI connection before answering this frame: a frame ahead of it
    /// in the same connection could not be answered at all (its header did not decode, or its
    /// error frame could not be written), and answers behind an unanswered frame would be taken
    /// for its own by a client matching answers by order. Behind a header that did not decode
    /// (known as the frame is read) the frame was not sent to the live engine; behind an error
    /// frame that could not be written (known after the live call) it may have been.
    GatewayClosed,
}

impl FrameOutcome {
    /// Every outcome, in index order.
    pub const ALL: [FrameOutcome; 10] = [
        Self::Ok,
        Self::BadRequest,
        Self::UnknownTransaction,
        Self::LiveError,
        Self::LiveTimeout,
        Self::FramingError,
        Self::Rejected,
        Self::Control,
        Self::ClientClosed,
        Self::GatewayClosed,
    ];

    /// Whether the client got an answer: the live engine's, an error frame or HTTP error, or a
    /// control frame's (a drain's line counts these as answered).
    pub fn is_answered(self) -> bool {
        match self {
            Self::Ok
            | Self::BadRequest
            | Self::UnknownTransaction
            | Self::LiveError
            | Self::LiveTimeout
            | Self::Control => true,
            Self::FramingError | Self::Rejected | Self::ClientClosed | Self::GatewayClosed => false,
        }
    }

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::BadRequest => "bad_request",
            Self::UnknownTransaction => "unknown_transaction",
            Self::LiveError => "live_error",
            Self::LiveTimeout => "live_timeout",
            Self::FramingError => "framing_error",
            Self::Rejected => "rejected",
            Self::Control => "control",
            Self::ClientClosed => "client_closed",
            Self::GatewayClosed => "gateway_closed",
        }
    }
}

/// Why the gateway itself closed a client connection: `connections_closed_total{reason}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseReason {
    /// The MCI listener was at its cap: its longest-idle connection made room for a new one.
    Evicted,
    /// No request for the listener's idle timeout (a kept-alive connection, or an MCI one).
    IdleTimeout,
    /// An HTTP connection did not send a complete request head in time.
    HeaderReadTimeout,
    /// A planned stop's drain closed an MCI connection at a quiet moment (nothing in flight).
    Drained,
    /// The gateway stopped with the connection open (at a drain's end, or a stop without one):
    /// an MCI connection stopped reading and closed after its answers in flight, an HTTP one got
    /// its graceful shutdown. Counted in a process's last moments: its drain's line says it.
    Stopped,
}

impl CloseReason {
    /// Every reason, in index order.
    pub const ALL: [CloseReason; 5] = [
        Self::Evicted,
        Self::IdleTimeout,
        Self::HeaderReadTimeout,
        Self::Drained,
        Self::Stopped,
    ];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Evicted => "evicted",
            Self::IdleTimeout => "idle_timeout",
            Self::HeaderReadTimeout => "header_read_timeout",
            Self::Drained => "drained",
            Self::Stopped => "stopped",
        }
    }
}

/// What a listener speaks, which decides the `outcome` and `reason` series it has: a series is
/// created at start (so `rate()` starts from 0) only where the listener can count it; an
/// admin listener has no `framing_error` frames to count, and a dashboard should not show a
/// zero series for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListenerKind {
    /// An MCI listener (`[[listeners.mci]]`, or a link's): every outcome and `evicted`,
    /// `idle_timeout`, `drained`, `stopped`.
    Mci,
    /// The HTTP ingress (or the demo's new engine): answers and refusals of a request, never
    /// framing, control frames or a closed pipeline; `idle_timeout`, `header_read_timeout`,
    /// `stopped`.
    Http,
    /// The admin listener: refused connections only, and its HTTP timeouts.
    Admin,
}

impl ListenerKind {
    /// The frame outcomes a listener of this kind counts.
    pub fn outcomes(self) -> &'static [FrameOutcome] {
        use FrameOutcome as O;
        match self {
            Self::Mci => &FrameOutcome::ALL,
            Self::Http => &[
                O::Ok,
                O::BadRequest,
                O::UnknownTransaction,
                O::LiveError,
                O::LiveTimeout,
                O::Rejected,
                O::ClientClosed,
            ],
            Self::Admin => &[O::Rejected],
        }
    }

    /// The reasons a listener of this kind closes a connection for.
    pub fn close_reasons(self) -> &'static [CloseReason] {
        match self {
            Self::Mci => &[
                CloseReason::Evicted,
                CloseReason::IdleTimeout,
                CloseReason::Drained,
                CloseReason::Stopped,
            ],
            Self::Http | Self::Admin => &[
                CloseReason::IdleTimeout,
                CloseReason::HeaderReadTimeout,
                CloseReason::Stopped,
            ],
        }
    }
}

/// The result of a config reload: `config_reloads_total{result}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReloadResult {
    /// The new config was valid and is now in use.
    Ok,
    /// The new config was rejected; the old one stays in use.
    Error,
}

impl ReloadResult {
    /// Every result, in index order.
    pub const ALL: [ReloadResult; 2] = [Self::Ok, Self::Error];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
        }
    }
}

/// The `field` label for a differing path outside the strategy's known set.
///
/// The known set holds every path shape the comparator reports for the layout (fields, group
/// elements `body.offers[*]`, groups `body.offers`), so this counts only a path the layout does
/// not declare. Layout paths always contain a dot (`body.rate`), so it cannot collide with one.
pub const OTHER_FIELD: &str = "other";
