//! A running gateway: store, runtime, listeners; reload and graceful shutdown.
//!
//! Shutdown has three parts (STYLE.md): one signal (the caller's), a [`CancellationToken`]
//! handed to every listener, and [`TaskTracker`]s awaited under a grace period: first the
//! connections finish their answers in flight, then shadow comparisons get what is left of the
//! grace period, then the store flushes.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

use crate::admin::{self, AdminState};
use crate::config::{self, Config};
use crate::health;
use crate::listener;
use crate::log_limit::LogLimit;
use crate::metrics::Metrics;
use crate::pipeline::Gateway;
use crate::review::cutover_ready;
use crate::runtime::{scheduling, Runtime};
use crate::store::{Clock, Reader, Recorder, Store, SystemClock, WriterOptions};

mod sockets;
mod trail;

use sockets::Sockets;
use trail::Trail;

/// A gateway serving on its listeners.
pub struct Running {
    /// The request path.
    pub gateway: Arc<Gateway>,
    /// Every metric, for `/metrics`.
    pub metrics: Metrics,
    /// Bound MCI listener addresses, in config order (port 0 resolved).
    pub mci_addresses: Vec<SocketAddr>,
    /// Bound answer-socket addresses of the MCI listeners, in config order (`None`: not a
    /// dual-socket listener).
    pub mci_answer_addresses: Vec<Option<SocketAddr>>,
    /// Bound HTTP ingress address.
    pub http_address: Option<SocketAddr>,
    /// Bound admin listener address.
    pub admin_address: Option<SocketAddr>,
    /// The mismatch store.
    pub store: Store,
    /// Its audit trail's record of starts and reloads.
    trail: Trail,
    shutdown: CancellationToken,
    tasks: TaskTracker,
}

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Engines or strategies could not be built.
    #[error("config: {}", config::List(.0))]
    Runtime(Vec<config::Problem>),
    /// The store could not be opened.
    #[error("store: {0}")]
    Store(#[from] crate::store::StoreError),
    /// The connection caps do not fit the open-file limit.
    #[error(transparent)]
    FileLimit(#[from] listener::fd_budget::FdBudgetError),
    /// A listener could not bind.
    #[error("{key}: cannot bind {address}: {source}")]
    Bind {
        /// Config key of the listener.
        key: String,
        /// The address.
        address: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
}

impl Running {
    /// Checks the open-file budget (raising the soft limit to the hard one), opens the store,
    /// builds the runtime and binds every listener. Nothing binds unless the config, the budget
    /// and the runtime are valid; nothing is recorded in the audit trail, and nothing serves,
    /// unless every listener is bound.
    pub async fn start(config: Config) -> Result<Running, StartError> {
        log_warnings(&config.warnings);
        listener::fd_budget::check(&config)?;
        let metrics = Metrics::new(env!("CARGO_PKG_VERSION"));
        let runtime =
            Runtime::build(Arc::new(config.clone()), &metrics).map_err(StartError::Runtime)?;
        let (class, nice) = (config.shadow.scheduling, config.shadow.nice);
        // The writer's work is the shadow's (comparison outcomes): it yields to the live path.
        let writer_start = move || scheduling::apply_or_warn(class, nice, "store writer");
        let store = Store::open_with(
            &config.store,
            WriterOptions::default(),
            Box::new(writer_start),
        )?;
        metrics.register_store(store.stats().clone());
        // Queued comparisons keep their strategy's shadow permit: together these bound them all.
        let in_flight = config.strategies.values().filter(|s| s.shadow.is_some());
        store.announce_previous_run(in_flight.map(|s| s.shadow_max_in_flight).sum());
        let sockets = Sockets::bind(&config)?;
        // Bound, not yet serving: no reload (the admin API's) can be recorded before the start.
        let trail = Trail::new(store.reader().clone());
        trail.record_start(&config).await;
        let gateway = Gateway::new(runtime, Some(store.recorder()), metrics.clone());
        let running = Running {
            mci_addresses: sockets.mci.iter().map(|m| m.requests.address).collect(),
            mci_answer_addresses: (sockets.mci.iter())
                .map(|m| m.answers.as_ref().map(|a| a.address))
                .collect(),
            http_address: sockets.http.as_ref().map(|b| b.address),
            admin_address: sockets.admin.as_ref().map(|b| b.address),
            metrics,
            gateway,
            store,
            trail,
            shutdown: CancellationToken::new(),
            tasks: TaskTracker::new(),
        };
        running.serve(sockets, &config);
        // One warning per unreachable engine before "serving"; the listeners already serve, and
        // the probes run concurrently, each bounded by its engine's connect timeout.
        health::check_at_start(&config, &running.metrics).await;
        let (gateway, shutdown) = (&running.gateway, &running.shutdown);
        let tasks = &running.tasks;
        tasks.spawn(health::probe_loop(gateway.clone(), shutdown.clone()));
        tasks.spawn(
            running
                .trail
                .clone()
                .retry_loop(gateway.clone(), shutdown.clone()),
        );
        tasks.spawn(crate::runtime::poll_loop(gateway.clone(), shutdown.clone()));
        tasks.spawn(crate::pipeline::summary_loop(
            gateway.clone(),
            shutdown.clone(),
        ));
        info!(
            strategies = config.strategies.len(),
            engines = config.engines.len(),
            "shadowgate serving"
        );
        Ok(running)
    }

    /// Hands each bound socket to its listener, and starts the store's readers: the clean-streak
    /// seed and the readiness review.
    fn serve(&self, sockets: Sockets, config: &Config) {
        let (gateway, store) = (&self.gateway, &self.store);
        let (tasks, shutdown) = (&self.tasks, &self.shutdown);
        // Off the async workers: a fleet's counters are read from PostgreSQL, maybe slowly.
        let seed = (gateway.clone(), store.reader().clone());
        tasks.spawn_blocking(move || seed_clean_streaks(&seed.0, &seed.1));
        tasks.spawn(review_loop(
            gateway.clone(),
            store.reader().clone(),
            store.recorder(),
            shutdown.clone(),
        ));
        for (bound, settings) in sockets.mci.into_iter().zip(&config.mci_listeners) {
            tasks.spawn(listener::mci::serve(
                bound.requests.socket,
                bound.answers.map(|a| a.socket),
                settings.clone(),
                gateway.clone(),
                tasks.clone(),
                shutdown.clone(),
            ));
        }
        if let (Some(bound), Some(settings)) = (sockets.http, &config.http_listener) {
            tasks.spawn(listener::http::serve(
                bound.socket,
                settings.clone(),
                gateway.clone(),
                tasks.clone(),
                shutdown.clone(),
            ));
        }
        if let (Some(bound), Some(settings)) = (sockets.admin, &config.admin_listener) {
            let state = admin_state(gateway, (store, &self.trail), config, (tasks, shutdown));
            tasks.spawn(admin::serve(
                bound.socket,
                state,
                settings.limits,
                self.metrics
                    .listener("admin", crate::metrics::ListenerKind::Admin),
                tasks.clone(),
                shutdown.clone(),
            ));
        }
    }

    /// Re-reads the config file and its layouts (and the admin token file) and swaps them in; a
    /// bad config keeps the old one. Listener and store settings take effect at the next start
    /// (they own bound sockets/files). The result is logged with `source`.
    pub fn reload(&self, path: &Path, source: ReloadSource) -> Result<(), Vec<config::Problem>> {
        let store = (&self.store.recorder(), &self.trail);
        reload(&self.gateway, store, path, source)
    }

    /// [`Running::reload`] on a blocking thread, awaited: what SIGHUP runs. A reload reads files,
    /// builds the runtime and appends to the audit trail with a flush, and waits for a reload in
    /// progress (`POST /api/v1/reload`); on the async runtime's thread that would hold the live
    /// path (with one worker, its only thread) for as long.
    pub async fn reload_off_the_live_path(
        &self,
        path: &Path,
        source: ReloadSource,
    ) -> Result<(), Vec<config::Problem>> {
        let (gateway, recorder) = (self.gateway.clone(), self.store.recorder());
        let (trail, path) = (self.trail.clone(), path.to_owned());
        let reloading = tokio::task::spawn_blocking(move || {
            reload(&gateway, (&recorder, &trail), &path, source)
        });
        match reloading.await {
            Ok(result) => result,
            Err(join) => std::panic::resume_unwind(join.into_panic()),
        }
    }

    /// A planned stop's drain, before [`Running::shutdown`]: `/readyz` answers 404 (a load
    /// balancer sends no new connections; HAProxy's `http-check disable-on-404`), the listeners
    /// keep serving, and each persistent MCI connection is closed at its first quiet moment
    /// ([`crate::draining`]). Returns after `period`, or at once when `cut` resolves first (a
    /// second signal).
    pub async fn drain(&self, period: Duration, cut: impl std::future::Future<Output = ()>) {
        if period.is_zero() {
            return;
        }
        self.gateway.draining().start(period);
        info!(
            seconds = period.as_secs_f64(),
            "draining: not ready for new connections, closing open ones when quiet"
        );
        tokio::select! {
            () = tokio::time::sleep(period) => {}
            () = cut => info!("second signal: stopping without the rest of the drain"),
        }
    }

    /// Stops accepting, lets connections finish answers in flight, gives shadow comparisons the
    /// rest of `grace`, flushes the store.
    pub async fn shutdown(self, grace: Duration) {
        let deadline = tokio::time::Instant::now() + grace;
        self.shutdown.cancel();
        self.tasks.close();
        if tokio::time::timeout_at(deadline, self.tasks.wait())
            .await
            .is_err()
        {
            warn!("connections still open after the grace period; closing them");
        }
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        self.gateway.drain(left).await;
        self.gateway.log_summary();
        flush_suppressed(&self.gateway.runtime(), &self.store.recorder());
        // Closing joins the writer thread after its last flush; keep it off the async workers.
        let store = self.store;
        let _ = tokio::task::spawn_blocking(move || drop(store.close())).await;
        info!("shadowgate stopped");
    }
}

/// What asked for a reload, named in its log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReloadSource {
    /// SIGHUP (`systemctl reload`).
    Signal,
    /// `POST /api/v1/reload` on the admin listener.
    Api,
}

impl ReloadSource {
    /// `signal` or `api`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signal => "signal",
            Self::Api => "api",
        }
    }
}

/// The body of [`Running::reload`], shared with the admin listener's `POST /api/v1/reload`: one
/// log line with the source and the result (every error in one field), then each warning. One
/// reload at a time ([`Gateway::reload_turn`]): a second waits for the first to be swapped in and
/// recorded, so each recorded reload starts from the config the one before it ended with.
fn reload(
    gateway: &Gateway,
    (recorder, trail): (&Recorder, &Trail),
    path: &Path,
    source: ReloadSource,
) -> Result<(), Vec<config::Problem>> {
    let _turn = gateway.reload_turn();
    let before = gateway.runtime();
    #[cfg(test)]
    tests::hook::between_reading_and_swapping();
    let result = apply_reload(gateway, recorder, path);
    if result.is_ok() {
        trail.record_reload(gateway, &before, source);
    }
    let (source, config) = (source.as_str(), path.display());
    match &result {
        Ok(()) => info!(source, %config, "config reloaded"),
        Err(problems) => {
            let errors: Vec<String> = problems
                .iter()
                .filter(|p| p.is_error())
                .map(|p| one_line(&p.to_string()))
                .collect();
            tracing::error!(
                source,
                %config,
                errors = %errors.join("; "),
                "config reload rejected; the previous config stays"
            );
            let warnings: Vec<_> = problems.iter().filter(|p| !p.is_error()).cloned().collect();
            log_warnings(&warnings);
        }
    }
    result
}

/// A message on one line (a TOML error quotes the offending line under a caret): a log line must
/// stay one line in text logs, the structure goes in `/`.
fn one_line(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines.join(" / ")
}

fn apply_reload(
    gateway: &Gateway,
    recorder: &Recorder,
    path: &Path,
) -> Result<(), Vec<config::Problem>> {
    let config = match config::load(path) {
        Ok(config) => config,
        Err(error) => {
            // Rejected before the runtime is built, but rejected all the same: counted, so the
            // reload alert sees a config with a typo too.
            gateway.metrics().config_reload(false);
            return Err(error.problems);
        }
    };
    let current = gateway.runtime();
    let old = &current.config;
    if old
        .mci_listeners
        .iter()
        .map(|l| l.address)
        .ne(config.mci_listeners.iter().map(|l| l.address))
        || old
            .mci_listeners
            .iter()
            .map(|l| (l.max_connections, l.max_pipelined, l.idle_timeout, l.link))
            .ne(config
                .mci_listeners
                .iter()
                .map(|l| (l.max_connections, l.max_pipelined, l.idle_timeout, l.link)))
        || old.http_listener.as_ref().map(|h| (h.address, h.limits))
            != config.http_listener.as_ref().map(|h| (h.address, h.limits))
        || old.admin_listener.as_ref().map(|a| (a.address, a.limits))
            != config
                .admin_listener
                .as_ref()
                .map(|a| (a.address, a.limits))
        || old.store != config.store
    {
        // The admin token is not among them: it is read from the running config per request.
        warn!("listener or store settings changed: they apply after a restart");
    }
    // The subscriber is installed once, at start: a new filter or format would be taken without
    // effect, silently.
    if old.logging.level != config.logging.level || old.logging.format != config.logging.format {
        warn!(
            level = %config.logging.level,
            "logging.level or logging.format changed: they apply after a restart"
        );
    }
    log_warnings(&config.warnings);
    gateway.reload(config)?;
    flush_suppressed(&current, recorder);
    Ok(())
}

/// Logs each warning of a config that is used anyway (start-up and reload), one line each.
pub fn log_warnings(warnings: &[config::Problem]) {
    for problem in warnings {
        warn!(key = %problem.key, %problem, "config warning");
    }
}

/// Hands the store what the rules of `runtime` hid since its last tally (at reload and shutdown,
/// so nothing counted is lost with the old runtime); a full channel counts it as dropped.
pub(crate) fn flush_suppressed(runtime: &Runtime, recorder: &Recorder) {
    for strategy in runtime.strategies() {
        if let Some(event) = strategy.suppressed.take(&strategy.name) {
            // A refused event is counted by the recorder (`channel_full`), as every other.
            let _ = recorder.record(event);
        }
    }
}

/// The admin listener's view of this gateway: its store, the running config's review policies,
/// and reload from the config file it was started with.
fn admin_state(
    gateway: &Arc<Gateway>,
    (store, trail): (&Store, &Trail),
    config: &Config,
    (tasks, shutdown): (&TaskTracker, &CancellationToken),
) -> Arc<AdminState> {
    let replay = replay_fn(gateway, store, tasks, shutdown);
    let (policies_of, tokens_of) = (gateway.clone(), gateway.clone());
    // A reload that drops `[listeners.admin]` cannot unbind the listener; it keeps the start
    // token and host names.
    let start_token = config.admin_listener.as_ref().and_then(|a| a.token.clone());
    let start_hosts =
        (config.admin_listener.as_ref()).map_or(Vec::new(), |a| a.allowed_hosts.clone());
    let hosts_of = gateway.clone();
    let exposition = gateway.metrics().clone();
    let (engines_of, views_of) = (gateway.clone(), gateway.clone());
    let (reloading, recorder, path) = (gateway.clone(), store.recorder(), config.source.clone());
    let (trail, signing) = (trail.clone(), gateway.clone());
    let sign_reader = store.reader().clone();
    Arc::new(AdminState {
        reader: store.reader().clone(),
        stats: store.stats().clone(),
        policies: Arc::new(move || crate::review::policies(&policies_of.runtime().config)),
        view: Arc::new(move || views_of.runtime().config.review.clone()),
        token: Arc::new(move || {
            let runtime = tokens_of.runtime();
            match &runtime.config.admin_listener {
                Some(admin) => admin.token.clone(),
                None => start_token.clone(),
            }
        }),
        allowed_hosts: Arc::new(move || match &hosts_of.runtime().config.admin_listener {
            Some(admin) => admin.allowed_hosts.clone(),
            None => start_hosts.clone(),
        }),
        metrics: Arc::new(move || exposition.render()),
        reload: Some(Arc::new(move || {
            reload(&reloading, (&recorder, &trail), &path, ReloadSource::Api)
        })),
        engines: Some(Arc::new(move || {
            health::statuses(&engines_of.runtime().config, engines_of.metrics())
        })),
        replay: Some(replay),
        cutover: Some(Arc::new(move |request| {
            let config = &signing.runtime().config;
            crate::cutover::sign(&sign_reader, config, &request, SystemClock.now_micros())
        })),
        draining: gateway.draining().clone(),
    })
}

/// `POST /api/v1/replays`: a replay run on this gateway's tasks, stopped at shutdown.
fn replay_fn(
    gateway: &Arc<Gateway>,
    store: &Store,
    tasks: &TaskTracker,
    shutdown: &CancellationToken,
) -> crate::admin::ReplayFn {
    let (gateway, reader) = (gateway.clone(), store.reader().clone());
    let (tasks, shutdown) = (tasks.clone(), shutdown.clone());
    Arc::new(move |selection, against, by| {
        let order = crate::replay::Order {
            selection,
            against,
            by,
        };
        crate::replay::start(&gateway, &reader, &tasks, &shutdown, order)
    })
}

/// How often `cutover_ready` is re-assessed from the store's counters and open critical groups,
/// and pending per-rule suppression counts are handed to the store even when traffic has stopped.
pub(crate) const REVIEW_INTERVAL: Duration = Duration::from_secs(5);

/// Sets the clean-streak gauges from the persisted counters, so a restart does not reset them.
fn seed_clean_streaks(gateway: &Gateway, reader: &Reader) {
    let Ok(summary) = reader.summary() else {
        return;
    };
    let runtime = gateway.runtime();
    for counters in summary {
        let (Some(strategy), Some(micros)) = (
            runtime.strategy(&counters.strategy),
            counters.last_mismatch_micros,
        ) else {
            continue;
        };
        // A mismatch counted live meanwhile is newer than the stored one.
        let seconds = micros as f64 / 1e6;
        if seconds > strategy.metrics.last_mismatch.get() {
            strategy.metrics.last_mismatch.set(seconds);
        }
    }
}

/// How often a store the readiness review cannot read is reported again while it lasts.
const UNREAD_REPORT_INTERVAL: Duration = Duration::from_secs(60);

/// Says that the readiness review could not read the store's counters at `now`: at DEBUG while
/// the store spools (the fleet's database is what fails, and the writer's spooling line says why
/// once a minute), and for the first failure of a run of them (`streak`, the failures in a row
/// before this one): a database that just went away fails the review before the writer's next
/// write finds it and starts spooling. From the second in a row, not spooling, at WARN at most
/// once a minute (`reported`).
fn review_unread(
    spooling: bool,
    error: &dyn std::error::Error,
    reported: &mut LogLimit,
    streak: u32,
    now: tokio::time::Instant,
) {
    if spooling || streak == 0 {
        tracing::debug!(
            %error,
            spooling,
            "cannot read counters for the readiness review (the store spools, or a first failure)"
        );
        return;
    }
    if reported.note(now.into_std()).is_some() {
        warn!(%error, "cannot read counters for the readiness review");
    }
}

/// Re-assesses every strategy's cutover readiness periodically (`cutover_ready{strategy}`) and
/// flushes pending suppression counts.
async fn review_loop(
    gateway: Arc<Gateway>,
    reader: Reader,
    recorder: Recorder,
    shutdown: CancellationToken,
) {
    let mut tick = tokio::time::interval(REVIEW_INTERVAL);
    let mut unread_reported = LogLimit::new(UNREAD_REPORT_INTERVAL);
    // Reviews in a row that could not read the store.
    let mut unread_streak = 0;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = shutdown.cancelled() => return,
        }
        flush_suppressed(&gateway.runtime(), &recorder);
        // A sled scan: off the async workers that serve live traffic.
        let scan = reader.clone();
        let summary = match tokio::task::spawn_blocking(move || scan.summary()).await {
            Ok(Ok(summary)) => {
                unread_streak = 0;
                summary
            }
            Ok(Err(error)) => {
                let spooling = recorder.stats().spooling.load(Ordering::Relaxed);
                let now = tokio::time::Instant::now();
                review_unread(spooling, &error, &mut unread_reported, unread_streak, now);
                unread_streak += 1;
                continue;
            }
            Err(error) => {
                warn!(%error, "readiness review task failed");
                continue;
            }
        };
        let now = SystemClock.now_micros();
        let (runtime, scan) = (gateway.runtime(), reader.clone());
        // Open critical groups are a store scan too (for a strategy ready by its counts).
        let assessed = tokio::task::spawn_blocking(move || {
            for strategy in runtime.strategies() {
                let counters = summary.iter().find(|c| c.strategy == strategy.spec.name);
                let ready = cutover_ready(&scan, counters, &strategy.spec, now);
                strategy.metrics.cutover_ready.set(i64::from(ready));
            }
        });
        if let Err(error) = assessed.await {
            warn!(%error, "readiness review task failed");
        }
    }
}

#[cfg(test)]
mod tests;
