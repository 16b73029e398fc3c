//! The dashboards and alert rules in `dashboards/` only name metrics the gateway exports, every
//! exported metric is documented and shown, and the dashboards import into any Grafana.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::Arc;

use shadowgate::engine::{Outcome, Role};
use shadowgate::metrics::{EngineShape, FrameOutcome, LinkShape, LinkSide, ListenerKind, Metrics};
use shadowgate::outcome::ShadowOutcome;
use shadowgate::store::StoreStats;

// The extraction is shared with the real-Prometheus test of the tests crate, which the gateway
// cannot depend on.
#[path = "../../tests/src/dashboards.rs"]
mod files;

use files::{alert_exprs, dashboard, metric_names, queries, read, DASHBOARDS};

/// The gateway's output after every handle was used once.
fn rendered() -> String {
    let metrics = Metrics::new("0.0.0-test");
    let listener = metrics.listener("mci", ListenerKind::Mci);
    FrameOutcome::ALL
        .into_iter()
        .for_each(|outcome| listener.frame(outcome));
    let _connection = listener.open_connection();
    // Made for every MCI listener at start, like its connection metrics.
    let every = LinkShape {
        acks: [true, true],
        dual_socket: true,
    };
    let _link = metrics.link(LinkSide::Listener, "mci", every);
    let strategy = metrics.strategy("loan", &["body.rate".to_owned()]);
    strategy.request_duration.observe(0.01);
    ShadowOutcome::every()
        .into_iter()
        .for_each(|outcome| strategy.outcome(outcome));
    strategy.field_mismatch("body.rate");
    strategy.expired_rule_differences(1);
    strategy.cutover_ready.set(1);
    let engine = metrics.engine("new-engine");
    engine.call(Role::Live, Outcome::Ok, 0.001);
    engine.call(Role::Shadow, Outcome::Status, 0.002);
    // Its series exist from creation (at 0), like a runtime's engine clients make them.
    let _stale = metrics.stale_connections(
        "new-engine",
        EngineShape {
            polls: true,
            link: every,
        },
    );
    metrics.inflight(Role::Live).inc();
    metrics.config_reload(true);
    metrics.register_store(Arc::new(StoreStats::default()));
    metrics.render()
}

/// Names of the exported families (`# TYPE` lines).
fn families(rendered: &str) -> BTreeSet<String> {
    rendered
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE ")?.split(' ').next())
        .map(str::to_owned)
        .collect()
}

/// Names of the exported series (`_bucket`, `_sum`, `_count` of histograms included).
fn series_names(rendered: &str) -> BTreeSet<String> {
    rendered
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| line.split(['{', ' ']).next().unwrap().to_owned())
        .collect()
}

#[test]
fn dashboards_and_alerts_name_only_exported_metrics() {
    let rendered = rendered();
    let exported = series_names(&rendered);
    let mut used = BTreeSet::new();
    let mut sources: Vec<(String, Vec<String>)> = DASHBOARDS
        .iter()
        .map(|name| {
            let mut out = Vec::new();
            queries(&dashboard(name), &mut out);
            (name.to_string(), out)
        })
        .collect();
    let alerts = alert_exprs(&read("alerts.yml"));
    assert_eq!(alerts.len(), 11, "one expr per alert rule: {alerts:#?}");
    sources.push(("alerts.yml".to_owned(), alerts));
    let mut unknown = Vec::new();
    for (source, exprs) in &sources {
        assert!(
            exprs.len() >= 8,
            "{source}: too few queries found: {exprs:#?}"
        );
        for expr in exprs {
            for name in metric_names(expr) {
                if !exported.contains(&name) {
                    unknown.push(format!("{source}: {name} in `{expr}`"));
                }
                used.insert(name);
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "not exported by the gateway:\n{}",
        unknown.join("\n")
    );

    // Every family is on a dashboard or in an alert: nothing exported goes unwatched.
    let unwatched: Vec<_> = families(&rendered)
        .into_iter()
        .filter(|family| !used.iter().any(|name| name.starts_with(family.as_str())))
        .collect();
    assert!(
        unwatched.is_empty(),
        "exported but never shown: {unwatched:?}"
    );
}

#[test]
fn every_exported_metric_is_documented() {
    let readme = read("README.md");
    let documented: BTreeSet<String> = readme
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .map(|rest| rest.split('`').next().unwrap().to_owned())
        .filter(|name| files::METRIC_PREFIXES.iter().any(|p| name.starts_with(p)))
        .collect();
    assert_eq!(
        documented,
        families(&rendered()),
        "README table vs exported families"
    );
}

#[test]
fn dashboards_import_anywhere() {
    for name in DASHBOARDS {
        let board = dashboard(name);
        let inputs = board["__inputs"].as_array().unwrap();
        assert!(
            inputs.iter().any(|input| input["name"] == "DS_PROMETHEUS"
                && input["type"] == "datasource"
                && input["pluginId"] == "prometheus"),
            "{name}: no DS_PROMETHEUS input"
        );
        assert!(board["schemaVersion"].as_u64().unwrap() >= 39, "{name}");
        assert!(
            board["uid"].as_str().unwrap().starts_with("shadowgate-"),
            "{name}"
        );

        let variables = board["templating"]["list"].as_array().unwrap();
        let variable = |wanted: &str| {
            variables
                .iter()
                .find(|v| v["name"] == wanted)
                .unwrap_or_else(|| panic!("{name}: no `{wanted}` variable"))
        };
        assert_eq!(variable("datasource")["type"], "datasource", "{name}");
        assert_eq!(variable("datasource")["query"], "prometheus", "{name}");
        let strategy = variable("strategy")["query"].as_str().unwrap();
        assert!(
            strategy.starts_with("label_values(shadowgate_comparisons_total")
                && strategy.ends_with(", strategy)"),
            "{name}: strategy variable query {strategy}"
        );

        // Panels and their queries use the variable, never a fixed data source.
        let mut ids = BTreeSet::new();
        for panel in board["panels"].as_array().unwrap() {
            let title = panel["title"].as_str().unwrap();
            assert!(
                ids.insert(panel["id"].as_u64().unwrap()),
                "{name}: duplicate id at {title}"
            );
            if panel["type"] == "row" {
                continue;
            }
            assert_eq!(
                panel["datasource"]["uid"], "${datasource}",
                "{name}: {title}"
            );
            let targets = panel["targets"].as_array().unwrap();
            assert!(!targets.is_empty(), "{name}: {title} has no query");
            for target in targets {
                assert_eq!(
                    target["datasource"]["uid"], "${datasource}",
                    "{name}: {title}"
                );
                assert!(
                    target["expr"].as_str().unwrap().contains("shadowgate_"),
                    "{name}: {title}"
                );
            }
        }
    }
}

#[test]
fn the_line_scan_finds_block_and_inline_exprs() {
    let yaml = "rules:\n  - alert: A\n    expr: |\n      sum(x_total)\n        / 2\n    for: 1m\n  - alert: B\n    expr: up == 0\n";
    assert_eq!(alert_exprs(yaml), ["sum(x_total) / 2", "up == 0"]);
    assert_eq!(
        metric_names("rate(shadowgate_a_total{x=\"shadowgate_b\"}[1m]) / shadowgate_c"),
        ["shadowgate_a_total", "shadowgate_b", "shadowgate_c"]
    );
    assert_eq!(
        metric_names("process_open_fds and on (job) node_process_x + my_shadowgate_y"),
        ["process_open_fds"]
    );
}

/// Panels that show one series per gateway on purpose: which build, reloads, the process.
const PER_GATEWAY_PANELS: [&str; 4] = ["Gateways", "CPU", "Memory", "Open files and threads"];

/// A fleet (README, Fleet) is many gateways scraped by one Prometheus: every other panel shows
/// the fleet's total, summed (or min/max'd) over the `instance` label, never a line per gateway.
#[test]
fn dashboards_aggregate_across_gateways() {
    fn panels<'a>(value: &'a serde_json::Value, out: &mut Vec<&'a serde_json::Value>) {
        for panel in value["panels"].as_array().into_iter().flatten() {
            out.push(panel);
            panels(panel, out);
        }
    }
    for name in DASHBOARDS {
        let board = dashboard(name);
        let mut all = Vec::new();
        panels(&board, &mut all);
        for panel in all.iter().filter(|p| p["type"] != "row") {
            let title = panel["title"].as_str().unwrap();
            for target in panel["targets"].as_array().unwrap() {
                let expr = target["expr"].as_str().unwrap();
                let aggregated = ["sum", "min", "max", "topk"].iter().any(|op| {
                    expr.contains(&format!("{op}(")) || expr.contains(&format!("{op} by ("))
                });
                assert!(
                    aggregated,
                    "{name}: {title}: not aggregated over gateways: {expr}"
                );
                let by_instance = expr
                    .split(" by (")
                    .skip(1)
                    .any(|rest| rest.split(')').next().unwrap().contains("instance"));
                assert_eq!(
                    by_instance,
                    PER_GATEWAY_PANELS.contains(&title),
                    "{name}: {title}: one series per gateway only in {PER_GATEWAY_PANELS:?}: {expr}"
                );
            }
        }
    }
    // Ready for the fleet only when every gateway says so.
    let cutover = read("shadowgate-cutover.json");
    assert!(cutover.contains("min by (strategy) (shadowgate_cutover_ready"));
}
