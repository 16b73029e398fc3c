//! [`SkipReason`]: why a shadow call was not made, or its result could not be compared.

/// Why a shadow comparison was skipped: `shadow_skipped_total{reason}` and the store's
/// per-reason skip counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SkipReason {
    /// The strategy's in-flight shadow budget was full.
    BudgetFull,
    /// The live engine failed, so there is nothing to compare with.
    LiveFailed,
    /// The gateway was shutting down.
    Shutdown,
    /// The shadow engine is unreachable: its circuit breaker is open.
    ShadowDown,
    /// The request's header TTL had run out before the calls: nobody waits for an answer, so
    /// neither engine was called.
    TtlExpired,
    /// The shadow workers' queue was full: the shadow engine answered, but the comparison
    /// could not be queued without delaying anyone.
    QueueFull,
    /// The request was abandoned before its live answer came: its client closed the connection
    /// (an HTTP request's connection; an MCI connection whose client stopped taking answers, with
    /// its other frames in flight), so the live call was dropped and there is nothing to compare.
    ClientClosed,
}

impl SkipReason {
    /// Every reason, in index order.
    pub const ALL: [SkipReason; 7] = [
        Self::BudgetFull,
        Self::LiveFailed,
        Self::Shutdown,
        Self::ShadowDown,
        Self::TtlExpired,
        Self::QueueFull,
        Self::ClientClosed,
    ];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BudgetFull => "budget_full",
            Self::LiveFailed => "live_failed",
            Self::Shutdown => "shutdown",
            Self::ShadowDown => "shadow_down",
            Self::TtlExpired => "ttl_expired",
            Self::QueueFull => "queue_full",
            Self::ClientClosed => "client_closed",
        }
    }

    /// Index in [`Self::ALL`].
    pub fn index(self) -> usize {
        Self::ALL.iter().position(|r| *r == self).unwrap_or(0)
    }
}
