//! A replay run on a running gateway (`POST /api/v1/replays`): the running config's strategy,
//! its shadow engine and key file, the store the gateway writes (sled is single-process, so this
//! is the only way to replay without stopping the gateway), one tracked task that stops at
//! shutdown. The run is stored when it ends; `GET /api/v1/replays` shows it.

use std::sync::Arc;

use indicatif::ProgressBar;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::{run_cases, Pace, SelectError, Selection, Syntax};
use crate::pipeline::Gateway;
use crate::runtime::{Runtime, Strategy};
use crate::store::replays::{FIXED, NOT_REPLAYED, UNREADABLE};
use crate::store::{Clock, KeyRing, Reader, ReplayRun, SystemClock};

/// The pace of a replay inside a serving gateway: gentle, its engines serve live traffic too.
const PACE: Pace = Pace {
    rate: 20,
    concurrency: 2,
};

/// Why a replay could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// No such strategy in the running config.
    #[error("strategy: expected a strategy of the running config ({known}), found {name:?}")]
    UnknownStrategy {
        /// The name asked for.
        name: String,
        /// The running config's strategies, comma-separated.
        known: String,
    },
    /// The engine to replay against cannot be chosen for these cases.
    #[error(transparent)]
    Target(#[from] super::TargetError),
    /// The engine to replay against is not one of the running config's strategies'.
    #[error(
        "against: expected an engine of the running config's strategies ({known}), found {name:?}"
    )]
    UnknownEngine {
        /// The name asked for, or the engine the cases were shadowed by.
        name: String,
        /// The engines of the running config's strategies, comma-separated.
        known: String,
    },
    /// Nothing raw is stored: the gateway's configuration has no key file.
    #[error("[store] encryption_key_file is not set: no raw payloads are stored, nothing can be replayed")]
    NoKeys,
    /// The key file cannot be read now (removed or changed since the gateway started): the
    /// error names the key and the file.
    #[error("the stored payloads cannot be opened until the key file is restored: {0}")]
    Keys(#[from] crate::store::keyring::KeyFileError),
    /// The selection cannot be read.
    #[error(transparent)]
    Select(#[from] SelectError),
    /// Nothing matches: the refusal naming the selection ([`Selection::nothing_matches`]).
    #[error("{0}")]
    Empty(String),
}

impl StartError {
    /// Whether the caller asked for something that cannot be: a strategy, engine or selection
    /// refused. Asked again unchanged, it is refused again.
    pub fn is_request(&self) -> bool {
        !self.is_configuration() && !matches!(self, Self::Select(SelectError::Store(_)))
    }

    /// Whether the gateway's configuration keeps any replay from starting: no key file, or one
    /// that cannot be read now. The request is not at fault; asked again once the operator has
    /// set or restored the file, it starts.
    pub fn is_configuration(&self) -> bool {
        matches!(self, Self::NoKeys | Self::Keys(_))
    }
}

/// A replay to run: which cases, against which engine when one is named, and who asks.
#[derive(Debug, Clone)]
pub struct Order {
    /// The stored cases.
    pub selection: Selection,
    /// The engine to replay against; by default the engine that was the cases' shadow
    /// ([`super::target`]).
    pub against: Option<String>,
    /// Who runs it, stored with it.
    pub by: String,
}

/// Starts the replay `order` on `tasks`; returns its start time (microseconds), which is the
/// run's key once stored.
pub fn start(
    gateway: &Arc<Gateway>,
    reader: &Reader,
    tasks: &TaskTracker,
    shutdown: &CancellationToken,
    order: Order,
) -> Result<u64, StartError> {
    let Order {
        selection,
        against,
        by,
    } = order;
    let runtime = gateway.runtime();
    let name = selection.strategy.clone();
    let strategy = strategy(&runtime, &name)?;
    let unknown_engine = |name: String| StartError::UnknownEngine {
        name,
        known: engines(&runtime),
    };
    if let Some(against) = &against {
        if runtime.engine(against).is_none() {
            return Err(unknown_engine(against.clone()));
        }
    }
    let records = selection.select(reader)?;
    if records.is_empty() {
        return Err(StartError::Empty(selection.nothing_matches(Syntax::Json)));
    }
    let (records, shadowed_by) = selection.shadowed_by(against.as_deref(), records);
    let shadow_now = strategy.shadow.as_ref().map(|engine| engine.name());
    let target = super::target(against.as_deref(), shadow_now, &records)?;
    let engine = match runtime.engine(&target) {
        Some(engine) => engine.clone(),
        None => return Err(unknown_engine(target)),
    };
    // Last: what the request gets wrong is said first, whatever the configuration's state.
    let path = runtime.config.store.encryption_key_file.as_ref();
    let keys = KeyRing::load(path.ok_or(StartError::NoKeys)?)?;
    let started = SystemClock.now_micros();
    let (reader, shutdown) = (reader.clone(), shutdown.clone());
    tasks.spawn(async move {
        let progress = ProgressBar::hidden();
        let run = run_cases(
            &strategy,
            &engine,
            &reader,
            &keys,
            records,
            PACE,
            &progress,
        );
        let cases = tokio::select! {
            cases = run => cases,
            () = shutdown.cancelled() => {
                tracing::warn!(strategy = %name, "replay stopped by shutdown; not stored");
                return;
            }
        };
        let run = ReplayRun {
            started_micros: started,
            finished_micros: SystemClock.now_micros(),
            by,
            strategy: name,
            engine: engine.name().to_owned(),
            selection: selection.describe(cases.len(), Syntax::Json),
            group_selections: selection.describe_groups(&cases, Syntax::Json),
            shadowed_by,
            cases,
        };
        let totals = run.totals();
        let count = |label| totals.get(label).copied().unwrap_or(0);
        let (fixed, not_replayed) = (count(FIXED), count(NOT_REPLAYED));
        let unreadable = count(UNREADABLE);
        // A fleet's run is written to its database through a blocking client: off the async
        // workers, which serve traffic meanwhile.
        let (strategy, cases) = (run.strategy.clone(), run.cases.len());
        let saved = tokio::task::spawn_blocking(move || reader.save_replay(&run)).await;
        match saved {
            Ok(Ok(_)) => tracing::info!(%strategy, fixed, not_replayed, unreadable, cases, "replay finished"),
            Ok(Err(error)) => tracing::error!(%error, %strategy, fixed, not_replayed, unreadable, cases, "replay finished but could not be stored"),
            Err(error) => tracing::error!(%error, %strategy, "replay finished but its store task failed"),
        }
    });
    Ok(started)
}

/// The running config's strategy `name`, or the refusal naming the strategies there are.
fn strategy(runtime: &Runtime, name: &str) -> Result<Arc<Strategy>, StartError> {
    match runtime.strategy(name) {
        Some(strategy) => Ok(strategy.clone()),
        None => {
            let known: Vec<&str> = runtime.strategies().map(|s| &*s.name).collect();
            Err(StartError::UnknownStrategy {
                name: name.to_owned(),
                known: known.join(", "),
            })
        }
    }
}

/// The engines a replay can go to, the running config's strategies' (live and shadow), by name,
/// comma-separated.
fn engines(runtime: &Runtime) -> String {
    let mut names: Vec<&str> = runtime
        .strategies()
        .flat_map(|s| std::iter::once(&s.live).chain(s.shadow.as_ref()))
        .map(|engine| engine.name())
        .collect();
    names.sort_unstable();
    names.dedup();
    names.join(", ")
}
