//! Which side of the shadow deployment a call is made for.

use std::fmt;

/// The role an engine plays for one request.
///
/// Sent to HTTP engines as `x-shadowgate-role`, so a shadow engine can avoid side effects, and used
/// as a metric label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The engine whose answer goes back to core banking.
    Live,
    /// The engine whose answer is only compared, never returned.
    Shadow,
    /// A stored case sent again by `shadowgate replay`: like a shadow call, it must not cause
    /// side effects and its answer reaches no customer.
    Replay,
}

impl Role {
    /// The wire and label form: `live` or `shadow`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Live => "live",
            Role::Shadow => "shadow",
            Role::Replay => "replay",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
