//! Engine health of the running gateway: the start-up check, the probe task, and the view the
//! admin listener shows (`/readyz`, the summary, the page).
//!
//! Every engine of the running config is probed ([`ProbeTarget`]: TCP connect, TLS handshake, no
//! request) every `[health] probe_interval_ms`, all engines concurrently in one task, each probe
//! bounded by its engine's connect timeout. The engines followed are those of the runtime in force
//! at each round, so a reload is followed at the next round. Real call outcomes feed the same
//! state through [`crate::metrics::EngineMetrics::call`]; the rules are on [`EngineHealth`].

use std::sync::Arc;

use futures::future::join_all;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::config::{Config, EngineSpec};
use crate::engine::{EngineHealth, ProbeError, ProbeTarget, Unreported};
use crate::metrics::Metrics;
use crate::pipeline::Gateway;
use crate::review::EngineStatus;
use crate::store::{format_micros, Clock, SystemClock};

/// Probes every engine of `config` concurrently and feeds the results to their health, each only
/// while the engine is still at the endpoint it probed ([`EngineHealth::probed_at`]). At
/// start-up every unreachable engine is logged as a warning; later, an engine is logged when it
/// goes down and when it comes back up, once per change (not per probe), whether a probe or
/// real calls changed it (calls that took it down are logged at the next probe, with the
/// probe's error or, when the probe connected meanwhile, as a round trip: see [`report`]).
async fn probe_all(config: &Config, metrics: &Metrics, at_start: bool) {
    let probes = config.engines.iter().map(|(name, spec)| async move {
        let target = target(spec);
        let result = target.probe().await;
        let now = SystemClock.now_micros();
        // The health in force now: a reload during the probe may have moved the engine, and
        // then what the probe found is about its old address and is dropped.
        let health = metrics.engine_health(name);
        let endpoint = spec.endpoint();
        if !health.probed_at(&endpoint, result.as_ref().err(), now) {
            debug!(engine = %name, %endpoint, "probe of an address the engine left; dropped");
            return;
        }
        let probed = Probed {
            name,
            address: target.address(),
            result: &result,
            health: &health,
        };
        report(config, &probed, health.unreported(now), at_start);
    });
    join_all(probes).await;
}

/// One engine just probed.
struct Probed<'a> {
    name: &'a str,
    address: &'a str,
    result: &'a Result<(), ProbeError>,
    health: &'a EngineHealth,
}

/// Logs what the logs have not said about one engine: a change to down at WARN, a change to up at
/// INFO, and round trips between two probes that no change shows (an engine that answers only
/// now and then: down by its calls' timeouts, up by an answer) at WARN, at most once per
/// [`crate::engine::FLAPS_REPORTED_EVERY`].
fn report(config: &Config, probed: &Probed<'_>, unreported: Unreported, at_start: bool) {
    let Probed { name, address, .. } = *probed;
    // From the change alone: calls can change the state between the probe and this look
    // (a probe that connected, then timeouts that took the engine down).
    if unreported.change == Some(true) && unreported.unanswered {
        let hold = crate::engine::TIMED_OUT_HOLD.as_secs();
        info!(
            engine = %name,
            address,
            "engine up again: it connects and no call has timed out for {hold} s; \
             no call answered yet"
        );
    } else if unreported.change == Some(true) {
        info!(engine = %name, address, "engine reachable again");
    }
    if unreported.change != Some(false) && unreported.flaps == 0 {
        return;
    }
    let error = match probed.result {
        Err(error) => error.to_string(),
        Ok(()) => match probed.health.snapshot().last_error {
            Some((failure, _)) => format!("{} (its calls)", failure.as_str()),
            None => "its calls failed".to_owned(),
        },
    };
    let (live_for, shadow_for) = roles(config, name);
    // A role the engine has for no strategy is left out of the line, not written empty.
    let joined = |names: Vec<String>| (!names.is_empty()).then(|| names.join(","));
    let (live_for, shadow_for) = (joined(live_for), joined(shadow_for));
    let (live_for, shadow_for) = (live_for.as_deref(), shadow_for.as_deref());
    if unreported.change == Some(false) {
        let what = if at_start {
            "engine unreachable at start-up"
        } else {
            "engine unreachable"
        };
        warn!(engine = %name, address, %error, live_for, shadow_for, "{what}");
    }
    if unreported.flaps > 0 {
        warn!(
            engine = %name,
            address,
            times = unreported.flaps,
            up = unreported.up,
            %error,
            live_for,
            shadow_for,
            "{}",
            flaps_message(unreported.flaps, unreported.up)
        );
    }
}

/// The message of round trips no change shows, by the state they ended in: an engine that an
/// answer brought up "came back"; one its calls took down again after coming back "is
/// down" (the WARN `engine unreachable` of that change may be in the same look).
fn flaps_message(times: u64, up: bool) -> String {
    let times = if times == 1 {
        "1 time".to_owned()
    } else {
        format!("{times} times")
    };
    if up {
        format!("engine went down and came back {times} since the last report")
    } else {
        format!("engine came back and went down again {times} since the last report, and is down")
    }
}

/// The first probe of every engine, before the gateway says it is serving: one warning per
/// unreachable engine. Bounded by the largest connect timeout; the listeners already serve.
pub async fn check_at_start(config: &Config, metrics: &Metrics) {
    probe_all(config, metrics, true).await;
}

/// Probes the running config's engines every `probe_interval_ms` until `shutdown`.
pub async fn probe_loop(gateway: Arc<Gateway>, shutdown: CancellationToken) {
    loop {
        let interval = gateway.runtime().config.probe_interval;
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = shutdown.cancelled() => return,
        }
        let runtime = gateway.runtime();
        tokio::select! {
            () = probe_all(&runtime.config, gateway.metrics(), false) => {}
            () = shutdown.cancelled() => return,
        }
    }
}

/// Every engine of `config` with its health, by name.
pub fn statuses(config: &Config, metrics: &Metrics) -> Vec<EngineStatus> {
    config
        .engines
        .iter()
        .map(|(name, spec)| {
            let engine_health = metrics.engine_health(name);
            let health = engine_health.snapshot();
            let (live_for, shadow_for) = roles(config, name);
            EngineStatus {
                engine: name.clone(),
                protocol: spec.protocol().to_owned(),
                live_for,
                shadow_for,
                up: health.up,
                checked: health.checked,
                since: format_micros(health.since_micros),
                last_error: health.last_error.map(|(kind, _)| kind.as_str().to_owned()),
                last_error_at: health.last_error.map(|(_, at)| format_micros(at)),
                last_error_detail: engine_health.last_error_detail(),
                endpoint: Some(spec.endpoint()),
            }
        })
        .collect()
}

/// The strategies `engine` is live for and shadow for.
fn roles(config: &Config, engine: &str) -> (Vec<String>, Vec<String>) {
    let strategies = config.strategies.values();
    let live = strategies.clone().filter(|s| s.live == engine);
    let shadow = strategies.filter(|s| s.shadow.as_deref() == Some(engine));
    (
        live.map(|s| s.name.clone()).collect(),
        shadow.map(|s| s.name.clone()).collect(),
    )
}

fn target(spec: &EngineSpec) -> ProbeTarget {
    match spec {
        EngineSpec::Http(settings) => ProbeTarget::http(settings),
        EngineSpec::Mci { settings, .. } => ProbeTarget::mci(settings),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::runtime::Runtime;

    /// The demo's config with its shadow engine (`new-engine`) at `shadow`.
    fn config(dir: &std::path::Path, shadow: &str) -> Arc<Config> {
        let dir = tempfile::tempdir_in(dir).unwrap().keep();
        let path = crate::demo::setup::write_for_test(&dir, "127.0.0.1:9", shadow);
        Arc::new(crate::config::load(&path).unwrap())
    }

    /// `127.0.0.1:<port>` where nothing listens: a probe is refused at once.
    fn closed_address() -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().to_string()
    }

    #[tokio::test]
    async fn a_probe_round_begun_before_a_reload_leaves_the_moved_engine_fresh() {
        let dir = tempfile::tempdir().unwrap();
        let metrics = Metrics::new("test");
        let before = Runtime::build(config(dir.path(), &closed_address()), &metrics).unwrap();
        let after = config(dir.path(), &closed_address());
        let _after = Runtime::rebuild(after.clone(), &metrics, &before).unwrap();
        // The round read the config in force before the reload: it probes the old address.
        probe_all(&before.config, &metrics, false).await;
        let snapshot = metrics.engine_health("new-engine").snapshot();
        assert!(snapshot.up && !snapshot.checked, "{snapshot:?}");
        // The next round probes the new address, and is taken.
        probe_all(&after, &metrics, false).await;
        assert!(!metrics.engine_health("new-engine").is_up());
    }

    /// The demo's legacy engine is live for one strategy and shadow for none: its line names the
    /// one role and leaves the other out, not `shadow_for=""`.
    #[test]
    fn a_role_the_engine_does_not_have_is_left_out_of_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let config = config(dir.path(), &closed_address());
        let metrics = Metrics::new("test");
        let _runtime = Runtime::build(config.clone(), &metrics).unwrap();
        let probing = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let ((), log) = crate::test_log::logged(tracing::Level::WARN, || {
            probing.block_on(probe_all(&config, &metrics, false));
        });
        let legacy: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("engine=legacy"))
            .collect();
        assert_eq!(legacy.len(), 1, "{log}");
        assert!(
            legacy[0].contains(r#"live_for="loan-screening""#),
            "{}",
            legacy[0]
        );
        assert!(!legacy[0].contains("shadow_for"), "{}", legacy[0]);
        let new: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("engine=new-engine"))
            .collect();
        assert_eq!(new.len(), 1, "{log}");
        assert!(!new[0].contains("live_for"), "{}", new[0]);
    }

    #[test]
    fn flaps_say_the_state_they_ended_in() {
        assert_eq!(
            flaps_message(1, true),
            "engine went down and came back 1 time since the last report"
        );
        assert_eq!(
            flaps_message(3, true),
            "engine went down and came back 3 times since the last report"
        );
        // Ending down, it did not come back: the line must not say it did.
        let down = flaps_message(2, false);
        assert_eq!(
            down,
            "engine came back and went down again 2 times since the last report, and is down"
        );
        assert!(!down.contains("went down and came back"), "{down}");
    }
}
