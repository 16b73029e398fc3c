//! What is stored about one mismatch, shadow error or unencodable answer.
//!
//! The gateway fills a [`Mismatch`] with values it has already masked: the store never sees a
//! sensitive value in clear. The request and decisions are masked JSON text ([`MaskedJson`]),
//! stored as written. The writer wraps it in a [`MismatchRecord`] with the id and time.
//! [`Difference`] is the store's own type on purpose, so the comparator can evolve without
//! changing what is on disk.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::id::RecordId;
use super::masked_json::MaskedJson;
use crate::outcome::{ShadowErrorKind, ShadowOutcome};

/// Why a comparison produced a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// Both engines answered and the decisions differ.
    Mismatch,
    /// The shadow engine failed (error status, timeout, invalid answer).
    ShadowError,
    /// The shadow answer does not fit the response layout: it would break core banking.
    Unencodable,
}

impl RecordKind {
    /// Every kind, in display order.
    pub const ALL: [RecordKind; 3] = [Self::Mismatch, Self::ShadowError, Self::Unencodable];

    /// The snake_case name used in JSON, filters and metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mismatch => "mismatch",
            Self::ShadowError => "shadow_error",
            Self::Unencodable => "unencodable",
        }
    }
}

/// One differing field, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    /// Layout path of the field, e.g. `body.loans[2].rate`.
    pub path: String,
    /// The comparator's kind of difference (e.g. `changed`, `missing_in_shadow`).
    pub kind: String,
    /// The live engine's (masked) value; `None` when the field is absent there.
    pub live: Option<Value>,
    /// The shadow engine's (masked) value; `None` when the field is absent there.
    pub shadow: Option<Value>,
    /// The rule's severity (e.g. `error`, `warning`).
    pub severity: String,
    /// The expired rule that no longer hides this difference (`ignore body.note`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired_rule: Option<String>,
}

/// What the gateway observed, already masked; the payload of [`super::Event::Record`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mismatch {
    /// Strategy name from the config (shared with the config: sending it costs no allocation).
    #[serde(serialize_with = "serialize_arc", deserialize_with = "deserialize_arc")]
    pub strategy: Arc<str>,
    /// Why this is recorded.
    pub kind: RecordKind,
    /// How the shadow engine failed, for shadow errors (absent in records written before kinds
    /// were stored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<ShadowErrorKind>,
    /// Transaction code of the request.
    pub tx_code: String,
    /// The frame's correlation id (`x-request-id`).
    pub correlation_id: String,
    /// Name of the live engine.
    pub live_engine: String,
    /// Name of the shadow engine.
    pub shadow_engine: String,
    /// The differing fields (empty for shadow errors).
    pub differences: Vec<Difference>,
    /// Grouping signature: the same set of differing fields gives the same signature.
    pub signature: String,
    /// The differing paths, readable, in layout order.
    pub differing_paths: Vec<String>,
    /// What went wrong, for shadow errors and unencodable answers.
    pub reason: Option<String>,
    /// The masked request (or why it could not be shown).
    pub request: MaskedJson,
    /// The masked live decision.
    pub live_decision: Option<MaskedJson>,
    /// The masked shadow decision, when there is one.
    pub shadow_decision: Option<MaskedJson>,
    /// Live engine latency in microseconds.
    pub live_latency_us: u64,
    /// Shadow engine latency (or time until it failed) in microseconds.
    pub shadow_latency_us: u64,
    /// The raw request and live answer, for replay: sealed by the writer into
    /// [`super::Space::Payloads`] when a key is configured, dropped otherwise; never part of
    /// the record's JSON.
    #[serde(skip)]
    pub payload: Option<super::RawPayload>,
    /// The noise check of a mismatch (`confirm_mismatches = true`); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation: Option<super::Confirmation>,
}

impl Mismatch {
    /// The outcome this record counts as.
    pub fn outcome(&self) -> ShadowOutcome {
        ShadowOutcome::of_record(self.kind, self.error_kind)
    }
}

/// A stored record: the writer's id and time around what the gateway observed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MismatchRecord {
    /// Id and storage key.
    pub id: RecordId,
    /// When the writer accepted it, microseconds since the epoch (equals `id.micros`).
    pub time_micros: u64,
    /// What was observed.
    pub mismatch: Mismatch,
}

#[cfg(test)]
impl MismatchRecord {
    /// A record of `strategy` (legacy live, `new` shadow, no differences, signature `s`) for
    /// tests to adjust; one builder instead of a copy per test module.
    pub(crate) fn for_test(seq: u32, strategy: &str, kind: RecordKind) -> Self {
        MismatchRecord {
            id: RecordId { micros: 1, seq },
            time_micros: 1,
            mismatch: Mismatch {
                strategy: Arc::from(strategy),
                kind,
                error_kind: None,
                tx_code: "LNS0001".into(),
                correlation_id: "c-1".into(),
                live_engine: "legacy".into(),
                shadow_engine: "new".into(),
                differences: Vec::new(),
                signature: "s".into(),
                differing_paths: Vec::new(),
                reason: None,
                request: Value::Null.into(),
                live_decision: None,
                shadow_decision: None,
                live_latency_us: 0,
                shadow_latency_us: 0,
                payload: None,
                confirmation: None,
            },
        }
    }
}

// serde's `rc` feature is off workspace-wide; these two keep the strategy an `Arc<str>` anyway.
fn serialize_arc<S: serde::Serializer>(value: &Arc<str>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(value)
}

fn deserialize_arc<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Arc<str>, D::Error> {
    String::deserialize(deserializer).map(Arc::from)
}
