//! The gateway's readiness, assessed once per request and shown two ways.
//!
//! `GET /readyz` is unauthenticated (HAProxy and load balancers poll it), so it says ready or not
//! and the *kind* of each reason (`store spooling: login refused`, `live engine "legacy":
//! unreachable`): never a server's message, a user name, a host or a URL. `GET /api/v1/health`,
//! behind the admin token, shows the same assessment in full: each reason with the server's or
//! the connection's words, every strategy whose live engine is down with since when and its last
//! failure, and every engine's health.

use serde_json::{json, Value};

use super::AdminState;
use crate::review::EngineStatus;
use crate::store::format_micros;

/// What makes the gateway ready or not now.
#[derive(Debug)]
pub(super) struct Readiness {
    /// Why the gateway is not ready, in order; empty when it is.
    blockers: Vec<Reason>,
    /// Why the store spools, when it does: the gateway stays ready (it serves and keeps every
    /// record locally).
    spooling: Option<Reason>,
    /// The store drops records (its backend failing, or the spool full): the gateway stays ready.
    /// The live path never depends on the store, and a load balancer that took an unready
    /// gateway out of its pool would cut core banking's connections (frames in flight lost) to
    /// save review records; on a database the whole fleet shares, every gateway at once.
    degraded: bool,
    /// How the previous run on the store ended: one that did not stop cleanly may have lost
    /// comparisons in flight and records not yet committed. Said, never a reason to be unready.
    previous_run: crate::store::PreviousRun,
    /// Each strategy whose live engine is down, with that engine's health.
    down: Vec<Down>,
    /// Every engine's health, when a gateway runs engines.
    engines: Option<Vec<EngineStatus>>,
    /// A planned stop's drain: the time left, while it runs (and shutdown has not begun).
    draining: Option<std::time::Duration>,
}

/// One reason, tersely and in full.
#[derive(Debug)]
struct Reason {
    /// What `/readyz` says: the kind alone.
    kind: String,
    /// What `/api/v1/health` says: the kind with the words of whoever failed.
    detail: String,
}

/// A strategy whose live engine is down.
#[derive(Debug)]
struct Down {
    /// The strategy.
    strategy: String,
    /// Its live engine, down.
    engine: EngineStatus,
}

impl Readiness {
    /// Assesses the gateway: shutdown begun (`stopping`), the store, every strategy's live engine.
    pub(super) fn assess(state: &AdminState, stopping: bool) -> Self {
        let engines = state.engines.as_ref().map(|f| f());
        let down: Vec<Down> = engines
            .iter()
            .flatten()
            .filter(|e| !e.up)
            .flat_map(|e| {
                e.live_for.iter().map(move |strategy| Down {
                    strategy: strategy.clone(),
                    engine: e.clone(),
                })
            })
            .collect();
        let mut blockers = Vec::new();
        if stopping {
            blockers.push(Reason::same("shutting down"));
        }
        blockers.extend(engines.iter().flatten().filter_map(engine_down));
        let spooling = state
            .stats
            .spooling
            .load(std::sync::atomic::Ordering::Relaxed)
            .then(|| spooling(&state.stats));
        Self {
            blockers,
            spooling,
            degraded: state.stats.is_degraded(),
            previous_run: state.stats.previous_run(),
            down,
            engines,
            draining: if stopping {
                None
            } else {
                state.draining.left()
            },
        }
    }

    /// Draining for a planned stop, and otherwise ready: `/readyz` answers 404, which HAProxy's
    /// `http-check disable-on-404` reads as "no new connections; keep the open ones" (a 503
    /// would mark the gateway down and, with `on-marked-down shutdown-sessions`, cut them).
    /// Anything that makes it unready besides takes precedence (503).
    pub(super) fn is_draining(&self) -> bool {
        self.blockers.is_empty() && self.draining.is_some()
    }

    /// The reason while draining: `draining for a planned stop: stopping in 8 s`.
    fn draining_reason(&self) -> Option<String> {
        let left = self.draining?;
        Some(format!(
            "draining for a planned stop: stopping in {} s",
            left.as_secs_f64().ceil()
        ))
    }

    /// Ready: serving, and every strategy's live engine up. The store is not asked: it is said
    /// beside the status ([`Self::store_detail`]).
    pub(super) fn is_ready(&self) -> bool {
        self.blockers.is_empty() && self.draining.is_none()
    }

    /// `ready`, `draining` or `not_ready`.
    fn status(&self) -> &'static str {
        if self.is_ready() {
            "ready"
        } else if self.is_draining() {
            "draining"
        } else {
            "not_ready"
        }
    }

    /// What the store's state adds to either status: its spooling kind, and that it drops
    /// records, joined by "; "; `None` while the store is healthy.
    fn store_detail(&self) -> Option<String> {
        let parts: Vec<&str> = self
            .spooling
            .iter()
            .map(|s| s.kind.as_str())
            .chain(self.degraded.then_some(DEGRADED))
            .collect();
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    /// The body of `/readyz`: `{"status": "ready"}` or `{"status": "not_ready", "reason":
    /// "KIND; KIND"}`, either with `detail` while the store spools or drops records (`store
    /// spooling: KIND`, `store degraded: records are being dropped`, or both joined by "; "): a
    /// gateway not ready for another reason may have a store problem too, and that is said as
    /// when it is ready.
    pub(super) fn terse(&self) -> Value {
        let mut body = if self.is_ready() {
            json!({"status": "ready"})
        } else if let (true, Some(reason)) = (self.is_draining(), self.draining_reason()) {
            json!({"status": "draining", "reason": reason})
        } else {
            let kinds: Vec<&str> = self.blockers.iter().map(|r| r.kind.as_str()).collect();
            json!({"status": "not_ready", "reason": kinds.join("; ")})
        };
        if let Some(detail) = self.store_detail() {
            body["detail"] = json!(detail);
        }
        body
    }

    /// The body of `/api/v1/health`: the status, every reason with its kind and detail, the
    /// store's state (and how its previous run ended: `clean`, `unclean` with that run's start and
    /// pid, or `unknown`), each strategy whose live engine is down, and every engine.
    pub(super) fn full(&self) -> Value {
        let unclean = self.previous_run.unclean();
        let reason = |r: &Reason| json!({"kind": r.kind, "detail": r.detail});
        let strategies: Vec<Value> = self
            .down
            .iter()
            .map(|d| {
                json!({
                    "strategy": d.strategy,
                    "engine": d.engine.engine,
                    "since": d.engine.since,
                    "endpoint": d.engine.endpoint,
                    "last_error": d.engine.last_error,
                    "last_error_at": d.engine.last_error_at,
                    "last_error_detail": d.engine.last_error_detail,
                })
            })
            .collect();
        json!({
            "status": self.status(),
            "reasons": self.blockers.iter().map(reason).collect::<Vec<_>>(),
            "draining": self.draining_reason(),
            "spooling": self.spooling.as_ref().map(reason),
            "store_degraded": self.degraded,
            "previous_run": self.previous_run.as_str(),
            "previous_run_started_at": unclean.map(|run| format_micros(run.started_at)),
            "previous_run_pid": unclean.map(|run| run.pid),
            "strategies": strategies,
            "engines": self.engines,
        })
    }
}

/// What `/readyz` and `/api/v1/health` say while the store drops records.
const DEGRADED: &str = "store degraded: records are being dropped";

impl Reason {
    /// A reason whose full text holds nothing more than its kind.
    fn same(text: &str) -> Self {
        Self {
            kind: text.to_owned(),
            detail: text.to_owned(),
        }
    }
}

/// A live engine that is down: its kind by its last failure (`live engine "legacy":
/// unreachable`), in full with since when, its last failure and the strategies it answers for.
fn engine_down(engine: &EngineStatus) -> Option<Reason> {
    if engine.up || engine.live_for.is_empty() {
        return None;
    }
    let failure = match engine.last_error.as_deref() {
        Some("connect") => "unreachable",
        Some("resolve") => "name does not resolve",
        Some("tls") => "tls refused",
        Some("timeout") => "timed out",
        _ => "down",
    };
    let last = match (&engine.last_error, &engine.last_error_at) {
        (Some(error), Some(at)) => {
            let words = engine.last_error_detail.as_deref().unwrap_or(error);
            format!(", last error at {at}: {words}")
        }
        _ => String::new(),
    };
    let at = match &engine.endpoint {
        Some(endpoint) => format!(" at {endpoint}"),
        None => String::new(),
    };
    Some(Reason {
        kind: format!("live engine {:?}: {failure}", engine.engine),
        detail: format!(
            "live engine {:?}{at} down since {}{last}; live for {}",
            engine.engine,
            engine.since,
            engine.live_for.join(", ")
        ),
    })
}

/// Why the store spools: the kind (`store spooling: login refused`), and in full the writer's
/// last attempt in the client's or the server's words. An earlier run's spool before the first
/// attempt has no reason yet.
fn spooling(stats: &crate::store::StoreStats) -> Reason {
    let (kind, why) = match stats.spooling_why() {
        Some(why) => (why.kind, why.detail),
        None => ("not tried yet", "postgres not tried yet".to_owned()),
    };
    Reason {
        kind: format!("store spooling: {kind}"),
        detail: format!("store spooling: {why}, records and totals kept locally"),
    }
}
