//! One request on its way through the gateway: what both engines are sent.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use protocol_mci::{FieldPath, Message, TtlValue};
use serde_json::{Map, Value};
use tokio::time::Instant;

use crate::engine::{EngineRequest, Role};
use crate::runtime::Strategy;

/// A decoded request, shared by the live path and the shadow task.
pub struct Exchange {
    /// Its strategy (of the runtime the request started on).
    pub strategy: Arc<Strategy>,
    /// The decoded request.
    pub request: Message,
    /// The frame an mci engine gets: the original bytes, unchanged.
    pub frame: Bytes,
    /// The JSON an http engine gets, serialised once for both roles.
    pub json: Bytes,
    /// Correlation id: the layout's correlation field, or one made here.
    pub correlation_id: String,
    /// Transaction code.
    pub tx_code: String,
    /// The request's time to live from its header, if one applies.
    pub ttl: Option<Ttl>,
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

/// The correlation id of a request: the layout's correlation field when it has a value.
pub fn correlation_id(header: &Map<String, Value>, field: Option<&FieldPath>) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    match field.and_then(|f| f.text(header)) {
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
mod tests {
    use super::*;

    #[test]
    fn a_ttl_counts_from_reception_and_none_is_no_deadline() {
        let received = Instant::now();
        let ttl = Ttl::of(TtlValue::Within(Duration::from_secs(2)), received).unwrap();
        assert_eq!(ttl.deadline, received + Duration::from_secs(2));
        assert_eq!(Ttl::of(TtlValue::None, received), None);
        let huge = TtlValue::Within(Duration::from_secs(u64::MAX));
        assert_eq!(Ttl::of(huge, received), None);
    }

    #[test]
    fn sampling_hash_is_stable() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
