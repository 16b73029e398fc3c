//! Replay runs, shared by `shadowgate replay` (a stopped gateway's store) and
//! `POST /api/v1/replays` (a running gateway): which stored cases, at what pace, and each case's
//! result as stored ([`ReplayCase`]). One case is judged by [`crate::pipeline::replay`].
//!
//! # Layout
//! - `background`: a run started on a running gateway (`POST /api/v1/replays`).

mod background;

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use indicatif::ProgressBar;

pub use self::background::{start, StartError};
use crate::pipeline::replay::{replay_case, CaseResult};
use crate::runtime::{Engine, Strategy};
use crate::store::{
    KeyRing, ListQuery, MismatchRecord, RawPayload, Reader, RecordId, RecordKind, ReplayCase,
    StoreError, MAX_LIMIT,
};

/// Which stored cases of one strategy to replay.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// The strategy.
    pub strategy: String,
    /// Only this group (signature).
    pub group: Option<String>,
    /// Only these records (then the filters below are not used).
    pub ids: Vec<RecordId>,
    /// Recorded at or after, microseconds since the epoch.
    pub from_micros: Option<u64>,
    /// Recorded before.
    pub until_micros: Option<u64>,
    /// Only this kind.
    pub kind: Option<RecordKind>,
    /// At most this many cases, oldest first.
    pub limit: usize,
}

/// How fast cases are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pace {
    /// Cases started per second at most; 0: no rate limit.
    pub rate: u32,
    /// Cases in flight at most (at least 1).
    pub concurrency: usize,
}

/// A selection that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SelectError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// `--ids` named a record that is not there.
    #[error(
        "ids: record {0}: expected a stored record, found none (unknown, or removed by retention)"
    )]
    Missing(RecordId),
    /// `--ids` named a record of another strategy.
    #[error(
        "ids: record {id}: expected a record of strategy {strategy:?}, found another strategy's"
    )]
    OtherStrategy {
        /// The record.
        id: RecordId,
        /// The strategy asked for.
        strategy: String,
    },
}

impl Selection {
    /// The stored cases selected, oldest first.
    pub fn select(&self, reader: &Reader) -> Result<Vec<MismatchRecord>, SelectError> {
        if !self.ids.is_empty() {
            let mut records = Vec::with_capacity(self.ids.len());
            for &id in &self.ids {
                match reader.get(id)? {
                    Some(r) if *r.mismatch.strategy == *self.strategy => records.push(r),
                    Some(_) => {
                        let strategy = self.strategy.clone();
                        return Err(SelectError::OtherStrategy { id, strategy });
                    }
                    None => return Err(SelectError::Missing(id)),
                }
            }
            return Ok(records);
        }
        let mut query = ListQuery {
            strategy: Some(self.strategy.clone()),
            kind: self.kind,
            signature: self.group.clone(),
            from_micros: self.from_micros,
            until_micros: self.until_micros,
            cursor: None,
            limit: 0,
            newest_first: false,
        };
        let mut records = Vec::new();
        while records.len() < self.limit {
            query.limit = (self.limit - records.len()).min(MAX_LIMIT);
            let page = reader.list(&query)?;
            records.extend(page.records);
            match page.next {
                Some(next) => query.cursor = Some(next),
                None => break,
            }
        }
        Ok(records)
    }

    /// The selection as stored with the run, in the CLI's flags.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(group) = &self.group {
            parts.push(format!("--group {group}"));
        }
        if !self.ids.is_empty() {
            let ids: Vec<String> = self.ids.iter().map(ToString::to_string).collect();
            parts.push(format!("--ids {}", ids.join(",")));
        }
        let times = [("since", self.from_micros), ("until", self.until_micros)];
        for (flag, micros) in times {
            if let Some(micros) = micros {
                parts.push(format!("--{flag} {}", crate::store::format_micros(micros)));
            }
        }
        if let Some(kind) = self.kind {
            parts.push(format!("--kind {}", kind.as_str()));
        }
        match parts.is_empty() {
            true => "all".to_owned(),
            false => parts.join(" "),
        }
    }
}

/// Replays `records` against `engine` at `pace`; counts each finished case on `progress`.
/// Results come back in record order.
pub async fn run_cases(
    strategy: &Arc<Strategy>,
    engine: &Engine,
    reader: &Reader,
    keys: &KeyRing,
    records: Vec<MismatchRecord>,
    pace: Pace,
    progress: &ProgressBar,
) -> Vec<ReplayCase> {
    let pacer = (pace.rate > 0).then(|| {
        let period = Duration::from_secs(1) / pace.rate;
        tokio::sync::Mutex::new(tokio::time::interval(period))
    });
    let timeout = strategy.spec.shadow_timeout;
    let mut cases: Vec<ReplayCase> = futures::stream::iter(records)
        .map(|record| {
            let pacer = &pacer;
            async move {
                if let Some(pacer) = pacer {
                    pacer.lock().await.tick().await;
                }
                let result = match payload(reader, keys, record.id) {
                    Ok(payload) => replay_case(strategy, engine, &record, &payload, timeout).await,
                    Err(reason) => CaseResult::Unreadable { reason },
                };
                progress.inc(1);
                case(&record, result)
            }
        })
        .buffer_unordered(pace.concurrency.max(1))
        .collect()
        .await;
    cases.sort_by_key(|c| c.id);
    cases
}

/// The clear payload of record `id`, or why it is unreadable.
fn payload(reader: &Reader, keys: &KeyRing, id: RecordId) -> Result<RawPayload, String> {
    match reader.sealed_payload(id) {
        Ok(Some(sealed)) => RawPayload::open(&sealed, keys, id).map_err(|e| e.to_string()),
        Ok(None) => Err("unreadable: no raw payload stored (recorded without a key)".to_owned()),
        Err(e) => Err(format!("unreadable: {e}")),
    }
}

/// One case as stored with its run.
fn case(record: &MismatchRecord, result: CaseResult) -> ReplayCase {
    let label = result.label().to_owned();
    let (new_signature, detail) = match result {
        CaseResult::DifferingDifferently { signature, fields } => {
            (Some(signature), Some(fields.join(", ")))
        }
        CaseResult::Error { reason } | CaseResult::Unreadable { reason } => (None, Some(reason)),
        CaseResult::Fixed | CaseResult::StillDiffering => (None, None),
    };
    ReplayCase {
        id: record.id,
        signature: record.mismatch.signature.clone(),
        result: label,
        new_signature,
        detail,
    }
}
