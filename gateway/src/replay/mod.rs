//! Replay runs, shared by `shadowgate replay` (a stopped gateway's store) and
//! `POST /api/v1/replays` (a running gateway): which stored cases, at what pace, and each case's
//! result as stored ([`ReplayCase`]). One case is judged by [`crate::pipeline::replay`].
//!
//! # Layout
//! - `background`: a run started on a running gateway (`POST /api/v1/replays`).
//! - `label`: a run's selection as stored with it, in the flags or JSON fields it was asked in.

mod background;
mod label;

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use indicatif::ProgressBar;

pub use self::background::{start, Order, StartError};
pub use self::label::Syntax;
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

/// Why a selection cannot be replayed against the engine chosen for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// No engine was named and there is none to default to.
    #[error(
        "expected an engine to replay against, found none: the strategy has no shadow and the \
         cases name none (name one: --against, or \"against\" in the API)"
    )]
    None,
    /// The selected cases were recorded with different shadow engines (a cutover between them).
    #[error(
        "expected cases shadowed by one engine, found several ({0}): name the engine to replay \
         against (--against, or \"against\" in the API), or select one period (since / until)"
    )]
    SeveralShadows(String),
    /// Cases whose stored live answer came from the target itself: compared with its own earlier
    /// answer, each would be called fixed whatever changed.
    #[error(
        "{} answered live by engine {engine:?}, the engine they would be replayed against: its \
         answers would be compared with its own and called fixed whatever changed; select the \
         cases of one side of the routing change (since / until), or replay against another \
         engine (--against, or \"against\" in the API)",
        selected_cases(*.count, *.total)
    )]
    OwnAnswer {
        /// The target.
        engine: String,
        /// Cases it answered live.
        count: usize,
        /// Cases selected.
        total: usize,
    },
}

/// `1 of 1 selected case was`, `3 of 3 selected cases were`: `count` of `total` cases, and the
/// verb agreeing with `count`.
fn selected_cases(count: usize, total: usize) -> String {
    let verb = if count == 1 { "was" } else { "were" };
    format!(
        "{count} of {} {verb}",
        crate::review::plural(total as u64, "selected case")
    )
}

/// The engine to replay `records` against: `against` when named; otherwise the engine that was
/// their shadow when they were recorded (after a cutover the strategy's shadow is the engine it
/// migrated from: replaying against it would compare the old engine with its own answers), or
/// `shadow_now`, the strategy's shadow, for cases that name none. Refused when any case's stored
/// live answer came from the target.
pub fn target(
    against: Option<&str>,
    shadow_now: Option<&str>,
    records: &[MismatchRecord],
) -> Result<String, TargetError> {
    let target = match against {
        Some(name) => name.to_owned(),
        None => {
            let mut shadows: Vec<&str> = records
                .iter()
                .map(|r| r.mismatch.shadow_engine.as_str())
                .filter(|name| !name.is_empty())
                .collect();
            shadows.sort_unstable();
            shadows.dedup();
            match shadows.as_slice() {
                [] => shadow_now.ok_or(TargetError::None)?.to_owned(),
                [one] => (*one).to_owned(),
                several => return Err(TargetError::SeveralShadows(several.join(", "))),
            }
        }
    };
    let count = records
        .iter()
        .filter(|r| r.mismatch.live_engine == target)
        .count();
    if count > 0 {
        return Err(TargetError::OwnAnswer {
            engine: target,
            count,
            total: records.len(),
        });
    }
    Ok(target)
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

    /// The cases of `records` that `against` shadowed, when it shadowed some and another engine
    /// others: after a cutover a group holds cases from both sides (the new engine shadowed
    /// those before it, the old engine those after), and only the new engine's check its fix
    /// (the others' stored live answers are its own). Returns them with the engine's name,
    /// stored with the run, which then reads as, and is the verdict of, that engine's part of
    /// each group. Otherwise `records` as they are and `None`; so for cases named by id, taken
    /// as named.
    pub fn shadowed_by(
        &self,
        against: Option<&str>,
        records: Vec<MismatchRecord>,
    ) -> (Vec<MismatchRecord>, Option<String>) {
        let Some(engine) = against.filter(|_| self.ids.is_empty()) else {
            return (records, None);
        };
        let by = |r: &MismatchRecord, name: &str| r.mismatch.shadow_engine == name;
        let shadowed = records.iter().any(|r| by(r, engine));
        let others = records.iter().any(|r| !by(r, engine) && !by(r, ""));
        if !(shadowed && others) {
            return (records, None);
        }
        let kept = records.into_iter().filter(|r| by(r, engine)).collect();
        (kept, Some(engine.to_owned()))
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
                let sealed = sealed_payload(reader, record.id).await;
                let result = match payload(sealed, keys, record.id) {
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

/// The sealed payload of record `id`, read off the async workers: a fleet's comes from its
/// database through a blocking client, which would hold a worker serving live traffic until
/// its deadline while the database is away.
async fn sealed_payload(reader: &Reader, id: RecordId) -> Result<Option<Vec<u8>>, String> {
    let reader = reader.clone();
    match tokio::task::spawn_blocking(move || reader.sealed_payload(id)).await {
        Ok(read) => read.map_err(|e| e.to_string()),
        Err(e) => Err(format!("the read of its payload failed: {e}")),
    }
}

/// The clear payload of record `id` from what [`sealed_payload`] read, or why it is unreadable.
fn payload(
    sealed: Result<Option<Vec<u8>>, String>,
    keys: &KeyRing,
    id: RecordId,
) -> Result<RawPayload, String> {
    match sealed {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::RecordKind;

    /// A stored case answered live by `live` and shadowed by `shadow`.
    fn case(live: &str, shadow: &str) -> MismatchRecord {
        let mut record = MismatchRecord::for_test(0, "loan", RecordKind::Mismatch);
        record.mismatch.live_engine = live.into();
        record.mismatch.shadow_engine = shadow.into();
        record.mismatch.request = serde_json::json!({}).into();
        record
    }

    /// A payload read holds no async worker: the task yields while it runs (a fleet's database
    /// away would otherwise hold a worker serving live traffic until the read's deadline).
    #[test]
    fn a_payload_is_read_off_the_async_workers() {
        let dir = tempfile::tempdir().unwrap();
        let reader = Reader::open(dir.path()).unwrap();
        let order = std::sync::Mutex::new(Vec::new());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let read = async {
                let sealed = sealed_payload(&reader, RecordId { micros: 1, seq: 0 }).await;
                order.lock().unwrap().push("read");
                sealed
            };
            let other = async { order.lock().unwrap().push("other task") };
            let (sealed, ()) = tokio::join!(read, other);
            assert_eq!(sealed, Ok(None));
        });
        // Read on the worker, the read would end within its first poll, before the other ran.
        assert_eq!(*order.lock().unwrap(), ["other task", "read"]);
    }

    #[test]
    fn cases_go_to_the_engine_that_shadowed_them_unless_one_is_named() {
        let before = [case("legacy", "next"), case("legacy", "next")];
        // After the cutover the strategy's shadow is `legacy`: not the cases' target.
        assert_eq!(target(None, Some("legacy"), &before), Ok("next".into()));
        assert_eq!(
            target(Some("next-v2"), Some("legacy"), &before),
            Ok("next-v2".into())
        );
        // Cases that name no shadow (none stored): the strategy's shadow now, or nothing.
        let unnamed = [case("legacy", "")];
        assert_eq!(target(None, Some("next"), &unnamed), Ok("next".into()));
        assert_eq!(target(None, None, &unnamed), Err(TargetError::None));
    }

    #[test]
    fn named_one_of_two_shadows_the_cases_it_shadowed_are_taken() {
        let both = vec![
            case("legacy", "next"),
            case("next", "legacy"),
            case("legacy", "next"),
        ];
        let group = Selection::default();
        let (kept, shadowed) = group.shadowed_by(Some("next"), both.clone());
        assert_eq!(shadowed.as_deref(), Some("next"));
        assert_eq!(kept.len(), 2);
        assert!(kept.iter().all(|r| r.mismatch.shadow_engine == "next"));
        assert_eq!(
            target(Some("next"), Some("legacy"), &kept),
            Ok("next".into())
        );
        // Named nothing: the cases as they are (refused by `target` as before); named an engine
        // that shadowed none, or the only one: the cases as they are.
        assert_eq!(group.shadowed_by(None, both.clone()).1, None);
        assert_eq!(group.shadowed_by(Some("next-v2"), both.clone()).1, None);
        assert_eq!(group.shadowed_by(Some("next"), both[..1].to_vec()).1, None);
        // Cases named by id are taken as named.
        let ids = Selection {
            ids: vec![RecordId { micros: 0, seq: 0 }],
            ..Selection::default()
        };
        let (kept, shadowed) = ids.shadowed_by(Some("next"), both);
        assert_eq!((kept.len(), shadowed), (3, None));
    }

    #[test]
    fn cases_of_two_periods_or_against_their_own_live_engine_are_refused() {
        let both = [case("legacy", "next"), case("next", "legacy")];
        assert_eq!(
            target(None, Some("legacy"), &both),
            Err(TargetError::SeveralShadows("legacy, next".into()))
        );
        // Named, the engine is still checked: `next` answered one of them live.
        assert_eq!(
            target(Some("next"), None, &both),
            Err(TargetError::OwnAnswer {
                engine: "next".into(),
                count: 1,
                total: 2
            })
        );
        let before = [case("legacy", "next")];
        let error = target(Some("legacy"), None, &before).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("1 of 1 selected case was answered live by engine \"legacy\""),
            "{error}"
        );
    }
}
