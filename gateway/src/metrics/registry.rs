//! [`Metrics`]: the gateway's own registry, its metric families, and the factories for handles.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use prometheus::core::Collector;
use prometheus::process_collector::ProcessCollector;
use prometheus::{
    GaugeVec, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

use super::engine::{EngineMetrics, EngineShape, StaleConnectionMetrics};
use super::labels::{ListenerKind, ReloadResult};
use super::link::{LinkMetrics, LinkShape, LinkSide};
use super::listener::ListenerMetrics;
use super::store::StoreCollector;
use super::strategy::StrategyMetrics;
use crate::engine::{EngineHealth, Role};
use crate::store::{Clock, StoreStats, SystemClock};

/// Prefix of every metric name (`shadowgate_…`).
pub const NAMESPACE: &str = "shadowgate";

/// Histogram buckets in seconds: 100 µs to 10 s, about three per decade, so p50 and p99 of a
/// sub-millisecond MCI engine and of a multi-second timeout are both readable.
pub const LATENCY_BUCKETS: [f64; 16] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

/// The gateway's metrics: one registry (never the process-wide default, so several gateways can
/// live in one test process) and every family, registered once.
///
/// Cheap to clone. Handles for listeners, strategies and engines are made once, at startup or on
/// reload, with [`Metrics::listener`], [`Metrics::strategy`] and [`Metrics::engine`]; counting
/// through them is an array index and an atomic add, without label lookups.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    families: Arc<Families>,
}

/// The labelled families; handles are children of these.
pub(super) struct Families {
    pub(super) frames: IntCounterVec,
    pub(super) connections: IntGaugeVec,
    pub(super) connections_closed: IntCounterVec,
    pub(super) request_duration: HistogramVec,
    pub(super) upstream_requests: IntCounterVec,
    pub(super) upstream_duration: HistogramVec,
    pub(super) upstream_stale: IntCounterVec,
    pub(super) upstream_polls: IntCounterVec,
    pub(super) link_acks: IntCounterVec,
    pub(super) link_unmatched: IntCounterVec,
    pub(super) link_dropped: IntCounterVec,
    pub(super) comparisons: IntCounterVec,
    pub(super) field_mismatches: IntCounterVec,
    pub(super) shadow_skipped: IntCounterVec,
    pub(super) shadow_errors: IntCounterVec,
    pub(super) confirmations: IntCounterVec,
    pub(super) cutover_ready: IntGaugeVec,
    pub(super) last_mismatch: GaugeVec,
    pub(super) expired_rule_differences: IntCounterVec,
    engine_up: IntGaugeVec,
    /// One health per engine name, made with its gauge on first use and kept across reloads.
    health: Mutex<HashMap<String, Arc<EngineHealth>>>,
    inflight: [IntGauge; 2],
    reloads: [IntCounter; 2],
    store: StoreCollector,
    shadow_queue: IntGauge,
}

impl Metrics {
    /// A fresh registry with every family, `shadowgate_build_info{commit, version}` set to 1 (the
    /// commit is this build's, [`crate::version::COMMIT`]) and the process collector.
    pub fn new(version: &str) -> Metrics {
        let registry = Registry::new();
        let r = &registry;
        let build_info = register(
            r,
            gauge_vec("build_info", HELP_BUILD_INFO, &["version", "commit"]),
        );
        build_info
            .with_label_values(&[version, crate::version::COMMIT])
            .set(1);
        register_process(r);
        let inflight = register(r, gauge_vec("inflight", HELP_INFLIGHT, &["role"]));
        let reloads = register(
            r,
            counter_vec("config_reloads_total", HELP_RELOADS, &["result"]),
        );
        let store = register(r, StoreCollector::new());
        let families = Families {
            frames: register(
                r,
                counter_vec("frames_total", HELP_FRAMES, &["listener", "outcome"]),
            ),
            connections: register(r, gauge_vec("connections", HELP_CONNECTIONS, &["listener"])),
            connections_closed: register(
                r,
                counter_vec(
                    "connections_closed_total",
                    HELP_CONNECTIONS_CLOSED,
                    &["listener", "reason"],
                ),
            ),
            request_duration: register(
                r,
                histogram_vec("request_duration_seconds", HELP_REQUEST, &["strategy"]),
            ),
            upstream_requests: register(
                r,
                counter_vec(
                    "upstream_requests_total",
                    HELP_UPSTREAM,
                    &["engine", "role", "outcome"],
                ),
            ),
            upstream_duration: register(
                r,
                histogram_vec(
                    "upstream_duration_seconds",
                    HELP_UPSTREAM_DURATION,
                    &["engine", "role"],
                ),
            ),
            upstream_stale: register(
                r,
                counter_vec(
                    "upstream_stale_connections_total",
                    HELP_UPSTREAM_STALE,
                    &["engine", "role", "phase", "action"],
                ),
            ),
            upstream_polls: register(
                r,
                counter_vec(
                    "upstream_polls_total",
                    HELP_UPSTREAM_POLLS,
                    &["engine", "result"],
                ),
            ),
            link_acks: register(
                r,
                counter_vec(
                    "link_acks_total",
                    HELP_LINK_ACKS,
                    &["side", "link", "frame", "direction"],
                ),
            ),
            link_unmatched: register(
                r,
                counter_vec(
                    "link_unmatched_answers_total",
                    HELP_LINK_UNMATCHED,
                    &["engine"],
                ),
            ),
            link_dropped: register(
                r,
                counter_vec(
                    "link_answers_dropped_total",
                    HELP_LINK_DROPPED,
                    &["listener", "reason"],
                ),
            ),
            comparisons: register(
                r,
                counter_vec(
                    "comparisons_total",
                    HELP_COMPARISONS,
                    &["strategy", "result"],
                ),
            ),
            field_mismatches: register(
                r,
                counter_vec(
                    "field_mismatches_total",
                    HELP_FIELDS,
                    &["strategy", "field"],
                ),
            ),
            shadow_skipped: register(
                r,
                counter_vec(
                    "shadow_skipped_total",
                    HELP_SKIPPED,
                    &["strategy", "reason"],
                ),
            ),
            confirmations: register(
                r,
                counter_vec(
                    "shadow_confirmations_total",
                    "Mismatches checked by a second shadow call (confirm_mismatches), by result: \
                     deterministic, noise, partly_noise, skipped (budget full), failed.",
                    &["strategy", "result"],
                ),
            ),
            shadow_errors: register(
                r,
                counter_vec(
                    "shadow_errors_total",
                    HELP_SHADOW_ERRORS,
                    &["strategy", "kind"],
                ),
            ),
            cutover_ready: register(r, gauge_vec("cutover_ready", HELP_READY, &["strategy"])),
            last_mismatch: register(
                r,
                float_gauge_vec(
                    "last_mismatch_timestamp_seconds",
                    HELP_LAST_MISMATCH,
                    &["strategy"],
                ),
            ),
            expired_rule_differences: register(
                r,
                counter_vec(
                    "expired_rule_differences_total",
                    HELP_EXPIRED_RULE,
                    &["strategy"],
                ),
            ),
            engine_up: register(r, gauge_vec("engine_up", HELP_ENGINE_UP, &["engine"])),
            health: Mutex::new(HashMap::new()),
            inflight: [Role::Live, Role::Shadow]
                .map(|role| inflight.with_label_values(&[role.as_str()])),
            reloads: ReloadResult::ALL.map(|result| reloads.with_label_values(&[result.as_str()])),
            store,
            shadow_queue: register(r, gauge("shadow_queue_depth", HELP_SHADOW_QUEUE)),
        };
        Metrics {
            registry,
            families: Arc::new(families),
        }
    }

    /// The registry, for serving or for registering more collectors.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Every metric in the Prometheus text exposition format (for `GET /metrics`).
    pub fn render(&self) -> String {
        // Encoding only fails for empty or unnamed families, which `gather` never returns; a
        // comment line keeps the output valid should that ever change.
        TextEncoder::new()
            .encode_to_string(&self.registry.gather())
            .unwrap_or_else(|error| format!("# metrics could not be encoded: {error}\n"))
    }

    /// Handles for the listener called `name` (from the config), with the series its `kind`
    /// can count created now.
    pub fn listener(&self, name: &str, kind: ListenerKind) -> ListenerMetrics {
        ListenerMetrics::new(&self.families, name, kind)
    }

    /// Handles for the strategy called `name` (from the config); `fields` are the collapsed
    /// layout paths of its response (`body.offers[*].rate`), the closed set of `field` labels.
    pub fn strategy(&self, name: &str, fields: &[String]) -> StrategyMetrics {
        StrategyMetrics::new(&self.families, name, fields)
    }

    /// Handles for the engine called `name` (from the config), in both roles.
    pub fn engine(&self, name: &str) -> EngineMetrics {
        EngineMetrics::new(&self.families, name)
    }

    /// The health of the engine called `name` (from the config): the same one for every runtime
    /// generation and the probe task, made with its `engine_up` gauge on first use.
    pub fn engine_health(&self, name: &str) -> Arc<EngineHealth> {
        self.families.health(name)
    }

    /// Places the engine called `name` at `endpoint` (`EngineSpec::endpoint`) for its health:
    /// when its health is about another endpoint (it moved in a reload, or was removed by one and
    /// added back elsewhere by a later one) that one is retired (calls in flight to the old
    /// address end there without moving the gauge) and a fresh one (up, not yet checked) takes
    /// its place, for the handles made from now on ([`Self::engine`]) and the probe task; the
    /// endpoint it was about is returned then.
    pub fn place_engine(&self, name: &str, endpoint: &str) -> Option<String> {
        self.families.place_health(name, endpoint)
    }

    /// Stops exporting `engine_up{engine}` for every engine `keep` refuses: those a reload
    /// removed from the config (an alert on a removed engine's last state would otherwise fire
    /// until the next restart). Placing the engine again exports it again, with its state then.
    pub fn unexport_engines(&self, keep: impl Fn(&str) -> bool) {
        self.families.unexport_healths(keep);
    }

    /// Stale-connection counters for the engine called `name`, handed to its client, with the
    /// poll and link series its `shape` can count made now.
    pub fn stale_connections(&self, name: &str, shape: EngineShape) -> StaleConnectionMetrics {
        StaleConnectionMetrics::new(&self.families, name, shape)
    }

    /// Link-layer counters of the listener or engine called `name` on `side`, with the series
    /// its `shape` can count made now.
    pub fn link(&self, side: LinkSide, name: &str, shape: LinkShape) -> LinkMetrics {
        LinkMetrics::new(&self.families, side, name, shape)
    }

    /// Engine calls in flight for `role`, over all engines and strategies.
    pub fn inflight(&self, role: Role) -> IntGauge {
        self.families.inflight[role_index(role)].clone()
    }

    /// Counts one config reload, accepted (`ok`) or rejected.
    pub fn config_reload(&self, ok: bool) {
        let result = if ok {
            ReloadResult::Ok
        } else {
            ReloadResult::Error
        };
        self.families.reloads[result as usize].inc();
    }

    /// Exports the store's statistics, read at every scrape. A later call replaces the store (after
    /// a reopen, say); until the first call the store's families are absent.
    pub fn register_store(&self, stats: Arc<StoreStats>) {
        self.families.store.attach(stats);
    }

    /// Shadow comparisons waiting for a shadow worker.
    pub fn shadow_queue_depth(&self) -> IntGauge {
        self.families.shadow_queue.clone()
    }
}

impl Families {
    /// The health of engine `name`, made once.
    pub(super) fn health(&self, name: &str) -> Arc<EngineHealth> {
        // Held for a map lookup or insert only; a panic cannot leave the map half-written.
        let mut book = self.health.lock().unwrap_or_else(PoisonError::into_inner);
        book.entry(name.to_owned())
            .or_insert_with(|| {
                let gauge = self.engine_up.with_label_values(&[name]);
                Arc::new(EngineHealth::new(gauge, SystemClock.now_micros()))
            })
            .clone()
    }

    /// Engine `name`'s health placed at `endpoint` ([`EngineHealth::place`]); one about another
    /// endpoint is retired first (so the gauge is the fresh one's from now on), and that endpoint
    /// returned.
    pub(super) fn place_health(&self, name: &str, endpoint: &str) -> Option<String> {
        let mut book = self.health.lock().unwrap_or_else(PoisonError::into_inner);
        let moved_from = match book.get(name).map(|health| health.place(endpoint)) {
            None => None,
            Some(Ok(())) => {
                // Back in the config at the same address after a reload removed it.
                if let Some(health) = book.get(name) {
                    health.export(|| self.engine_up.with_label_values(&[name]));
                }
                return None;
            }
            Some(Err(about)) => Some(about),
        };
        if let Some(old) = book.get(name) {
            old.retire();
        }
        let gauge = self.engine_up.with_label_values(&[name]);
        let fresh = Arc::new(EngineHealth::new(gauge, SystemClock.now_micros()));
        // A health of its own, made here: it is about no endpoint yet.
        let _ = fresh.place(endpoint);
        book.insert(name.to_owned(), fresh);
        moved_from
    }

    /// Removes the `engine_up` series of every engine with a health that `keep` refuses (a
    /// reload removed it from the config); its health is kept, unexported, for a reload that
    /// adds it back ([`Self::place_health`]).
    pub(super) fn unexport_healths(&self, keep: impl Fn(&str) -> bool) {
        let book = self.health.lock().unwrap_or_else(PoisonError::into_inner);
        for (name, health) in book.iter().filter(|(name, _)| !keep(name)) {
            if health.is_exported() {
                health.unexport();
                // Absent only if never made: nothing to remove then.
                let _ = self.engine_up.remove_label_values(&[name]);
            }
        }
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// Index of `role` in per-role arrays.
pub(super) fn role_index(role: Role) -> usize {
    match role {
        Role::Live => 0,
        // Replay calls are counted with shadow calls: the label set stays closed, and a replay
        // is a shadow call made later.
        Role::Shadow | Role::Replay => 1,
    }
}

// The constructors below cannot fail at run time: names, help texts and label names are constants
// (every family is rendered by the tests), and each `Metrics` registers each family once in its
// own fresh registry. A panic here is a programming error caught by the first test.

#[allow(clippy::expect_used)]
fn register<C: Collector + Clone + 'static>(registry: &Registry, collector: C) -> C {
    registry
        .register(Box::new(collector.clone()))
        .expect("each family is registered once in a fresh registry");
    collector
}

/// The standard `process_*` families (CPU seconds, resident and virtual memory, open and maximum
/// file descriptors, threads, start time), read from `/proc/self` at every scrape. Unprefixed, so
/// the usual process dashboards and alerts work on them. Registered into this gateway's registry:
/// several gateways in one test process each export the same process.
#[allow(clippy::expect_used)]
fn register_process(registry: &Registry) {
    registry
        .register(Box::new(ProcessCollector::for_self()))
        .expect("the process families are registered once in a fresh registry");
}

#[allow(clippy::expect_used)]
fn counter_vec(name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    IntCounterVec::new(Opts::new(name, help).namespace(NAMESPACE), labels)
        .expect("constant metric name and labels are valid")
}

#[allow(clippy::expect_used)]
fn gauge_vec(name: &str, help: &str, labels: &[&str]) -> IntGaugeVec {
    IntGaugeVec::new(Opts::new(name, help).namespace(NAMESPACE), labels)
        .expect("constant metric name and labels are valid")
}

#[allow(clippy::expect_used)]
fn gauge(name: &str, help: &str) -> IntGauge {
    IntGauge::with_opts(Opts::new(name, help).namespace(NAMESPACE))
        .expect("constant metric name is valid")
}

#[allow(clippy::expect_used)]
fn float_gauge_vec(name: &str, help: &str, labels: &[&str]) -> GaugeVec {
    GaugeVec::new(Opts::new(name, help).namespace(NAMESPACE), labels)
        .expect("constant metric name and labels are valid")
}

#[allow(clippy::expect_used)]
fn histogram_vec(name: &str, help: &str, labels: &[&str]) -> HistogramVec {
    let opts = HistogramOpts::new(name, help)
        .namespace(NAMESPACE)
        .buckets(LATENCY_BUCKETS.to_vec());
    HistogramVec::new(opts, labels).expect("constant metric name, labels and buckets are valid")
}

const HELP_BUILD_INFO: &str =
    "Always 1; the labels are the gateway's version and the git commit it was built from.";
const HELP_INFLIGHT: &str = "Engine calls in flight, by role.";
const HELP_RELOADS: &str =
    "Config reloads, by result (ok: in use; error: rejected, old config kept).";
const HELP_FRAMES: &str =
    "Frames received, by listener and outcome (rejected: connections refused over the limit).";
const HELP_CONNECTIONS: &str = "Open client connections, by listener.";
const HELP_CONNECTIONS_CLOSED: &str = "Client connections the gateway closed, by listener and reason (evicted: longest-idle MCI connection closed to admit a new one at the cap).";
const HELP_REQUEST: &str =
    "Client-visible request duration in seconds (frame decoded to answer written), by strategy.";
const HELP_UPSTREAM: &str = "Engine calls, by engine, role and outcome.";
const HELP_UPSTREAM_DURATION: &str =
    "Engine call duration in seconds, failed calls included, by engine and role.";
const HELP_UPSTREAM_POLLS: &str = "Polls sent on idle mci engine connections, by engine and result (answered; replaced: not answered in time or wrongly, so the connection was closed and replaced).";
const HELP_UPSTREAM_STALE: &str = "Pooled engine connections found stale, by engine, role, phase (idle_closed, expired: before reuse; unsent, unanswered: a request failed on it) and action (discarded, retried, failed).";
const HELP_LINK_ACKS: &str = "Transport acknowledgements of dual-socket links, by side (listener, engine), link (listener or engine name), frame (ack, nak) and direction (sent, received).";
const HELP_LINK_UNMATCHED: &str = "Answers on a dual-socket engine link that matched no waiting request (late after a timeout, or never asked for), dropped, by engine.";
const HELP_LINK_DROPPED: &str = "Answers a dual-socket MCI listener could not hand to core banking, dropped, by listener and reason (queue_full; not_written: no answer connection took it in time).";
const HELP_COMPARISONS: &str = "Shadow comparisons, by strategy and result.";
const HELP_FIELDS: &str = "Differing fields in mismatches, by strategy and collapsed layout path (other: outside the layout).";
const HELP_SKIPPED: &str = "Shadow calls not made, by strategy and reason.";
const HELP_SHADOW_ERRORS: &str =
    "Shadow comparisons that ended in a shadow engine error, by strategy and kind of error.";
const HELP_READY: &str = "1 when the strategy passes the cutover review, else 0.";
const HELP_ENGINE_UP: &str = "1 while the engine is reachable (probe or answer), 0 once it is not (failed probe, or 3 calls in a row without connection or answer).";
const HELP_LAST_MISMATCH: &str = "Unix time of the strategy's last mismatch, shadow error or unencodable answer (0: none known).";
const HELP_EXPIRED_RULE: &str = "Differences reported because the rule that hid them has expired (its expires date has come), by strategy.";
const HELP_SHADOW_QUEUE: &str = "Shadow comparisons waiting for a shadow worker (the shadow engine answered; checking its answer, canonicalising, comparing and recording are queued). At [shadow] queue_capacity, comparisons are skipped (shadow_skipped_total{reason=\"queue_full\"}).";
