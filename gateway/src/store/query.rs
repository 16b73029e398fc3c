//! Filters and pagination for listing records.

use serde::{Deserialize, Serialize};

use super::id::RecordId;
use super::record::{MismatchRecord, RecordKind};

/// Page size when none is given.
pub const DEFAULT_LIMIT: usize = 100;
/// Largest page a reader returns, so one request cannot read the whole store into memory.
pub const MAX_LIMIT: usize = 1_000;

/// Which records to list, and from where.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ListQuery {
    /// Only this strategy.
    pub strategy: Option<String>,
    /// Only this kind.
    pub kind: Option<RecordKind>,
    /// Only this signature.
    pub signature: Option<String>,
    /// Only records at or after this time, microseconds since the epoch.
    pub from_micros: Option<u64>,
    /// Only records before this time, microseconds since the epoch.
    pub until_micros: Option<u64>,
    /// Continue after this record (the `next` of the previous page).
    pub cursor: Option<RecordId>,
    /// Page size; 0 means [`DEFAULT_LIMIT`], capped at [`MAX_LIMIT`].
    pub limit: usize,
    /// Newest records first (the default for people); oldest first when false.
    pub newest_first: bool,
}

/// One page of records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page {
    /// The records, in the requested order.
    pub records: Vec<MismatchRecord>,
    /// Cursor for the next page; `None` when this page was not full.
    pub next: Option<RecordId>,
}

impl ListQuery {
    /// The effective page size.
    pub fn page_size(&self) -> usize {
        match self.limit {
            0 => DEFAULT_LIMIT,
            limit => limit.min(MAX_LIMIT),
        }
    }

    /// Whether `record` passes the non-key filters.
    pub fn matches(&self, record: &MismatchRecord) -> bool {
        let mismatch = &record.mismatch;
        self.strategy
            .as_deref()
            .is_none_or(|s| *mismatch.strategy == *s)
            && self.kind.is_none_or(|k| mismatch.kind == k)
            && self
                .signature
                .as_deref()
                .is_none_or(|s| mismatch.signature == s)
    }

    /// The key range to scan: inclusive lower and exclusive upper bound, from time and cursor.
    pub(crate) fn key_bounds(&self) -> (RecordId, Option<RecordId>) {
        let mut lower = RecordId {
            micros: self.from_micros.unwrap_or(0),
            seq: 0,
        };
        let mut upper = self.until_micros.map(|micros| RecordId { micros, seq: 0 });
        if let Some(cursor) = self.cursor {
            if self.newest_first {
                upper = Some(upper.map_or(cursor, |u| u.min(cursor)));
            } else {
                lower = lower.max(successor(cursor));
            }
        }
        (lower, upper)
    }
}

/// The smallest id after `id`.
fn successor(id: RecordId) -> RecordId {
    match id.seq.checked_add(1) {
        Some(seq) => RecordId { seq, ..id },
        None => RecordId {
            micros: id.micros.saturating_add(1),
            seq: 0,
        },
    }
}
