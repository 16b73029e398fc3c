use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::*;
use crate::engine::{ConnectionEvents, Outcome, Role, StaleAction, StalePhase};
use crate::outcome::{ShadowErrorKind, ShadowOutcome};
use crate::store::{DropReason, PreviousRun, RecordKind, RunStart, StoreStats};

/// The process collector's families, unprefixed like every Prometheus client exports them.
const PROCESS_FAMILIES: [&str; 7] = [
    "process_cpu_seconds_total",
    "process_open_fds",
    "process_max_fds",
    "process_virtual_memory_bytes",
    "process_resident_memory_bytes",
    "process_start_time_seconds",
    "process_threads",
];

/// Every family of the gateway's own.
const FAMILIES: [&str; 36] = [
    "shadowgate_build_info",
    "shadowgate_frames_total",
    "shadowgate_connections",
    "shadowgate_connections_closed_total",
    "shadowgate_request_duration_seconds",
    "shadowgate_upstream_requests_total",
    "shadowgate_upstream_duration_seconds",
    "shadowgate_upstream_stale_connections_total",
    "shadowgate_upstream_polls_total",
    "shadowgate_link_acks_total",
    "shadowgate_link_unmatched_answers_total",
    "shadowgate_link_answers_dropped_total",
    "shadowgate_comparisons_total",
    "shadowgate_field_mismatches_total",
    "shadowgate_shadow_skipped_total",
    "shadowgate_shadow_errors_total",
    "shadowgate_cutover_ready",
    "shadowgate_last_mismatch_timestamp_seconds",
    "shadowgate_expired_rule_differences_total",
    "shadowgate_engine_up",
    "shadowgate_inflight",
    "shadowgate_config_reloads_total",
    "shadowgate_store_records_total",
    "shadowgate_store_record_bytes_total",
    "shadowgate_store_dropped_total",
    "shadowgate_store_degraded",
    "shadowgate_store_events_committed_total",
    "shadowgate_store_flushes_total",
    "shadowgate_store_retention_segments_removed_total",
    "shadowgate_store_retention_records_removed_total",
    "shadowgate_store_reopens_total",
    "shadowgate_store_unpersisted_events_total",
    "shadowgate_store_spooling",
    "shadowgate_store_previous_run_unclean",
    "shadowgate_shadow_queue_depth",
    "shadowgate_shadow_confirmations_total",
];

/// An engine (or link) with every series: polls, `ack` and `nak`, a dual-socket link.
const EVERY_ENGINE_SERIES: EngineShape = EngineShape {
    polls: true,
    link: LinkShape {
        acks: [true, true],
        dual_socket: true,
    },
};

/// Uses every handle once, with one known and one unknown field.
fn exercise(metrics: &Metrics) -> Arc<StoreStats> {
    let listener = metrics.listener("mci-main", ListenerKind::Mci);
    for outcome in FrameOutcome::ALL {
        listener.frame(outcome);
    }
    let _connection = listener.open_connection();
    for reason in CloseReason::ALL {
        listener.closed(reason);
    }
    let strategy = metrics.strategy("loan", &["body.offers[*].rate".to_owned()]);
    strategy.request_duration.observe(0.002);
    for outcome in ShadowOutcome::every() {
        strategy.outcome(outcome);
    }
    strategy.field_mismatch("body.offers[*].rate");
    strategy.field_mismatch("body.not_in_layout");
    strategy.expired_rule_differences(2);
    strategy.cutover_ready.set(1);
    let engine = metrics.engine("legacy");
    engine.call(Role::Live, Outcome::Ok, 0.001);
    engine.call(Role::Shadow, Outcome::Timeout, 2.0);
    let stale = metrics.stale_connections("legacy", EVERY_ENGINE_SERIES);
    stale.stale(Role::Shadow, StalePhase::Unanswered, StaleAction::Retried);
    stale.stale(Role::Live, StalePhase::Expired, StaleAction::Discarded);
    // Not a pair a client reports: ignored, never a new series.
    stale.stale(Role::Live, StalePhase::Expired, StaleAction::Retried);
    stale.polled(true);
    stale.polled(false);
    let engine_link = metrics.link(LinkSide::Engine, "legacy", EVERY_ENGINE_SERIES.link);
    engine_link.ack(protocol_mci::TransportRole::Ack, LinkDirection::Sent);
    engine_link.unmatched_answer();
    let listener_link = metrics.link(LinkSide::Listener, "mci-main", EVERY_ENGINE_SERIES.link);
    listener_link.ack(protocol_mci::TransportRole::Nak, LinkDirection::Received);
    listener_link.answer_dropped(AnswerDrop::QueueFull);
    metrics.inflight(Role::Shadow).inc();
    metrics.config_reload(true);
    metrics.config_reload(false);
    let stats = Arc::new(StoreStats::default());
    stats.add_written(RecordKind::Mismatch, 3);
    stats.add_dropped(DropReason::ChannelFull, 2);
    stats.add_record_bytes(3_000, 1_100);
    stats.degraded.store(true, Ordering::Relaxed);
    stats.flushes.store(5, Ordering::Relaxed);
    metrics.register_store(Arc::clone(&stats));
    stats
}

/// Every sample's labels, as `label name → values seen`.
fn label_values(rendered: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in rendered.lines().filter(|line| !line.starts_with('#')) {
        let Some((_, rest)) = line.split_once('{') else {
            continue;
        };
        let Some((labels, _)) = rest.split_once('}') else {
            continue;
        };
        for pair in labels.split(',') {
            let (name, value) = pair.split_once('=').unwrap();
            seen.entry(name.to_owned())
                .or_default()
                .insert(value.trim_matches('"').to_owned());
        }
    }
    seen
}

/// The value of the sample written exactly as `series` (name and labels).
fn value(rendered: &str, series: &str) -> f64 {
    rendered
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no sample {series} in:\n{rendered}"))
        .parse()
        .unwrap()
}

fn set(values: &[&str]) -> BTreeSet<String> {
    values.iter().map(|v| v.to_string()).collect()
}

#[test]
fn render_has_every_family_after_use() {
    let metrics = Metrics::new("1.2.3");
    exercise(&metrics);
    let rendered = metrics.render();
    let declared: BTreeSet<&str> = rendered
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE ")?.split(' ').next())
        .collect();
    assert_eq!(
        declared,
        FAMILIES.into_iter().chain(PROCESS_FAMILIES).collect(),
        "in:\n{rendered}"
    );
    for family in FAMILIES.into_iter().chain(PROCESS_FAMILIES) {
        assert!(
            rendered
                .lines()
                .any(|line| !line.starts_with('#') && line.starts_with(family)),
            "{family} has no sample in:\n{rendered}"
        );
    }
    assert!(rendered
        .lines()
        .filter(|l| l.starts_with("# TYPE ") || !l.starts_with('#'))
        .map(|l| l.trim_start_matches("# TYPE "))
        .all(|l| l.starts_with("shadowgate_") || l.starts_with("process_")));
    let build = format!(
        r#"shadowgate_build_info{{commit="{}",version="1.2.3"}}"#,
        crate::version::COMMIT
    );
    assert_eq!(value(&rendered, &build), 1.0);
}

#[test]
fn process_metrics_describe_this_process() {
    let rendered = Metrics::new("1.2.3").render();
    let resident = value(&rendered, "process_resident_memory_bytes");
    assert!(resident > 1024.0 * 1024.0, "{resident} bytes resident");
    // The test binary has stdin, stdout, stderr and more open; a limit is always set.
    let open = value(&rendered, "process_open_fds");
    assert!(open >= 3.0, "{open} open fds");
    assert!(value(&rendered, "process_max_fds") >= open);
    assert!(value(&rendered, "process_threads") >= 1.0);
    assert!(value(&rendered, "process_start_time_seconds") > 1.5e9);
    // Present (`value` panics otherwise); whole seconds in this collector, so often still 0.
    value(&rendered, "process_cpu_seconds_total");
}

#[test]
fn label_values_come_from_closed_sets() {
    let metrics = Metrics::new("1.2.3");
    exercise(&metrics);
    let labels = label_values(&metrics.render());
    let outcomes: Vec<_> = FrameOutcome::ALL.iter().map(|o| o.as_str()).collect();
    let engine_outcomes = [
        "ok",
        "timeout",
        "connect",
        "status",
        "invalid",
        "io",
        "overloaded",
    ];
    let mut all_outcomes = set(&outcomes);
    all_outcomes.extend(set(&engine_outcomes));
    assert_eq!(labels["outcome"], all_outcomes);
    assert_eq!(labels["listener"], set(&["mci-main"]));
    assert_eq!(labels["strategy"], set(&["loan"]));
    assert_eq!(labels["engine"], set(&["legacy"]));
    assert_eq!(labels["role"], set(&["live", "shadow"]));
    assert_eq!(
        labels["result"],
        set(&[
            "match",
            "mismatch",
            "shadow_error",
            "unencodable",
            "ok",
            "error",
            "answered",
            "replaced",
            // shadowgate_shadow_confirmations_total
            "deterministic",
            "noise",
            "partly_noise",
            "skipped",
            "failed"
        ])
    );
    // Skip reasons come from their enum: a new one needs no change here.
    let mut reasons = set(&crate::outcome::SkipReason::ALL.map(|r| r.as_str()));
    reasons.extend(set(&[
        "channel_full",
        "write_error",
        "encode_error",
        "evicted",
        "idle_timeout",
        "header_read_timeout",
        "drained",
        "stopped",
        "queue_full",
        "not_written",
    ]));
    assert_eq!(labels["reason"], reasons);
    assert_eq!(labels["field"], set(&["body.offers[*].rate", "other"]));
    let mut kinds = set(&["mismatch", "shadow_error", "unencodable"]);
    kinds.extend(set(&ShadowErrorKind::ALL.map(ShadowErrorKind::as_str)));
    assert_eq!(labels["kind"], kinds);
    assert_eq!(
        labels["phase"],
        set(&["idle_closed", "expired", "unsent", "unanswered"])
    );
    assert_eq!(labels["action"], set(&["discarded", "retried", "failed"]));
    assert_eq!(labels["side"], set(&["listener", "engine"]));
    assert_eq!(labels["link"], set(&["legacy", "mci-main"]));
    assert_eq!(labels["frame"], set(&["ack", "nak"]));
    assert_eq!(labels["direction"], set(&["sent", "received"]));
    assert_eq!(labels["form"], set(&["raw", "stored"]));
    let names: BTreeSet<_> = labels.keys().map(String::as_str).collect();
    let expected = [
        "action",
        "commit",
        "direction",
        "engine",
        "field",
        "form",
        "frame",
        "kind",
        "le",
        "link",
        "listener",
        "outcome",
        "phase",
        "reason",
        "result",
        "role",
        "side",
        "strategy",
        "version",
    ];
    assert_eq!(names, expected.into_iter().collect());
}

#[test]
fn handles_count_into_their_series() {
    let metrics = Metrics::new("1.2.3");
    let stats = exercise(&metrics);
    let strategy = metrics.strategy("loan", &[]);
    strategy.outcome(ShadowOutcome::Mismatch);
    strategy.field_mismatch("body.offers[*].rate");
    let rendered = metrics.render();
    let series = |s: &str| value(&rendered, s);
    assert_eq!(
        series(r#"shadowgate_comparisons_total{result="mismatch",strategy="loan"}"#),
        2.0
    );
    assert_eq!(
        series(r#"shadowgate_comparisons_total{result="match",strategy="loan"}"#),
        1.0
    );
    // The second handle knows no fields: its path counts as "other", never as a new series.
    assert_eq!(
        series(r#"shadowgate_field_mismatches_total{field="other",strategy="loan"}"#),
        2.0
    );
    assert_eq!(
        series(r#"shadowgate_field_mismatches_total{field="body.offers[*].rate",strategy="loan"}"#),
        1.0
    );
    assert_eq!(
        series(r#"shadowgate_frames_total{listener="mci-main",outcome="live_timeout"}"#),
        1.0
    );
    assert_eq!(
        series(
            r#"shadowgate_upstream_stale_connections_total{action="retried",engine="legacy",phase="unanswered",role="shadow"}"#
        ),
        1.0
    );
    assert_eq!(
        series(
            r#"shadowgate_upstream_stale_connections_total{action="failed",engine="legacy",phase="unanswered",role="shadow"}"#
        ),
        0.0
    );
    assert!(!rendered.contains(r#"action="retried",engine="legacy",phase="expired""#));
    assert_eq!(
        series(
            r#"shadowgate_upstream_requests_total{engine="legacy",outcome="timeout",role="shadow"}"#
        ),
        1.0
    );
    assert_eq!(
        series(
            r#"shadowgate_upstream_requests_total{engine="legacy",outcome="timeout",role="live"}"#
        ),
        0.0
    );
    assert_eq!(
        series(
            r#"shadowgate_upstream_duration_seconds_bucket{engine="legacy",role="live",le="0.0001"}"#
        ),
        0.0
    );
    assert_eq!(
        series(
            r#"shadowgate_upstream_duration_seconds_bucket{engine="legacy",role="live",le="0.001"}"#
        ),
        1.0
    );
    assert_eq!(
        series(
            r#"shadowgate_upstream_duration_seconds_bucket{engine="legacy",role="shadow",le="10"}"#
        ),
        1.0
    );
    assert_eq!(series(r#"shadowgate_inflight{role="shadow"}"#), 1.0);
    assert_eq!(series(r#"shadowgate_inflight{role="live"}"#), 0.0);
    // The connection guard in `exercise` is gone.
    assert_eq!(
        series(r#"shadowgate_connections{listener="mci-main"}"#),
        0.0
    );
    assert_eq!(
        series(r#"shadowgate_config_reloads_total{result="error"}"#),
        1.0
    );
    assert!(series(r#"shadowgate_last_mismatch_timestamp_seconds{strategy="loan"}"#) > 1.6e9);
    assert_eq!(
        series(r#"shadowgate_store_records_total{kind="mismatch"}"#),
        3.0
    );
    assert_eq!(
        series(r#"shadowgate_store_dropped_total{reason="channel_full"}"#),
        2.0
    );
    assert_eq!(
        series(r#"shadowgate_store_record_bytes_total{form="raw"}"#),
        3_000.0
    );
    assert_eq!(
        series(r#"shadowgate_store_record_bytes_total{form="stored"}"#),
        1_100.0
    );
    assert_eq!(series("shadowgate_store_degraded"), 1.0);
    assert_eq!(series("shadowgate_store_flushes_total"), 5.0);
    // Read at scrape time, not at registration.
    stats.degraded.store(false, Ordering::Relaxed);
    assert_eq!(value(&metrics.render(), "shadowgate_store_degraded"), 0.0);
}

#[test]
fn previous_run_unclean_is_1_after_a_run_that_did_not_stop_cleanly() {
    let metrics = Metrics::new("1.2.3");
    let stats = Arc::new(StoreStats::default());
    metrics.register_store(Arc::clone(&stats));
    let series = "shadowgate_store_previous_run_unclean";
    assert_eq!(value(&metrics.render(), series), 0.0);
    stats.set_previous_run(PreviousRun::Unclean(RunStart {
        started_at: 1_764_000_000_000_000,
        pid: 4242,
    }));
    assert_eq!(value(&metrics.render(), series), 1.0);
}

#[test]
fn store_families_appear_once_a_store_is_attached() {
    let metrics = Metrics::new("1.2.3");
    assert!(!metrics.render().contains("shadowgate_store_"));
    metrics.register_store(Arc::new(StoreStats::default()));
    let replacement = Arc::new(StoreStats::default());
    replacement.add_written(RecordKind::Unencodable, 7);
    metrics.register_store(replacement);
    let rendered = metrics.render();
    assert_eq!(
        value(
            &rendered,
            r#"shadowgate_store_records_total{kind="unencodable"}"#
        ),
        7.0
    );
    assert_eq!(
        rendered
            .matches("# TYPE shadowgate_store_records_total counter")
            .count(),
        1
    );
}

#[test]
fn two_gateways_in_one_process_do_not_collide() {
    let first = Metrics::new("1.0.0");
    let second = Metrics::new("2.0.0");
    exercise(&first);
    exercise(&second);
    first
        .listener("mci-main", ListenerKind::Mci)
        .frame(FrameOutcome::Ok);
    let ok = r#"shadowgate_frames_total{listener="mci-main",outcome="ok"}"#;
    assert_eq!(value(&first.render(), ok), 2.0);
    assert_eq!(value(&second.render(), ok), 1.0);
    assert!(!second.render().contains("1.0.0"));
    // Nothing leaks into the process-wide default registry (which holds the crate's own process
    // collector, made by the crate's `process` feature, and nothing else).
    let leaked: Vec<_> = prometheus::gather()
        .iter()
        .map(|family| family.name().to_owned())
        .filter(|name| !name.starts_with("process_"))
        .collect();
    assert!(leaked.is_empty(), "{leaked:?}");
}

/// `promtool check metrics` (Debian's `prometheus` package; `tests/run.sh` installs it) lints the
/// exposition: names, types, help, suffixes.
#[test]
fn promtool_accepts_the_exposition() {
    let metrics = Metrics::new("0.1.0");
    exercise(&metrics);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metrics.txt");
    std::fs::write(&path, metrics.render()).unwrap();
    let input = std::fs::File::open(&path).unwrap();
    let output = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(input)
        .output()
        .unwrap_or_else(|error| {
            panic!(
                "promtool could not be run ({error}); install Debian's `prometheus` package \
                 (tests/run.sh does) so this test can check the exposition"
            )
        });
    assert!(
        output.status.success() && output.stdout.is_empty() && output.stderr.is_empty(),
        "promtool check metrics found problems in {}:\n{}{}",
        path.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn engine_calls_feed_one_health_per_engine_across_reloads() {
    let metrics = Metrics::new("1.2.3");
    let first = metrics.engine("legacy");
    // A reload makes new handles for the same engine: they share its health and gauge.
    let second = metrics.engine("legacy");
    let up = r#"shadowgate_engine_up{engine="legacy"}"#;
    assert_eq!(value(&metrics.render(), up), 1.0);
    for _ in 0..2 {
        first.call(Role::Live, Outcome::Connect, 0.001);
    }
    second.call(Role::Shadow, Outcome::Timeout, 2.0);
    assert!(!metrics.engine_health("legacy").is_up());
    assert_eq!(value(&metrics.render(), up), 0.0);
    first.call(Role::Live, Outcome::Status, 0.01);
    assert!(second.health().is_up());
    assert_eq!(value(&metrics.render(), up), 1.0);
}

/// Each listener kind has, at start, the series it can count and no others; an outcome outside
/// its kind is still counted (its series made then), never dropped.
#[test]
fn a_listener_has_the_series_of_its_kind_and_counts_any_other_outcome_still() {
    let metrics = Metrics::new("test");
    let admin = metrics.listener("admin", ListenerKind::Admin);
    let http = metrics.listener("http", ListenerKind::Http);
    let _mci = metrics.listener("mci-main", ListenerKind::Mci);
    let rendered = metrics.render();
    let has = |listener: &str, label: &str, value: &str| {
        rendered.lines().any(|line| {
            line.starts_with("shadowgate_")
                && line.contains(&format!(r#"listener="{listener}""#))
                && line.contains(&format!(r#"{label}="{value}""#))
        })
    };
    for outcome in FrameOutcome::ALL {
        let value = outcome.as_str();
        assert_eq!(
            has("admin", "outcome", value),
            outcome == FrameOutcome::Rejected,
            "{value}"
        );
        assert_eq!(
            has("http", "outcome", value),
            ListenerKind::Http.outcomes().contains(&outcome),
            "{value}"
        );
        assert!(has("mci-main", "outcome", value), "{value}");
    }
    for (outcome, http_has) in [
        (FrameOutcome::FramingError, false),
        (FrameOutcome::Control, false),
        (FrameOutcome::GatewayClosed, false),
        (FrameOutcome::ClientClosed, true),
        (FrameOutcome::LiveTimeout, true),
    ] {
        assert_eq!(has("http", "outcome", outcome.as_str()), http_has);
    }
    assert!(!has("admin", "reason", "evicted") && has("admin", "reason", "header_read_timeout"));
    assert!(
        has("mci-main", "reason", "evicted") && !has("mci-main", "reason", "header_read_timeout")
    );

    // Counted all the same where no series was made at start.
    admin.frames(FrameOutcome::FramingError, 2);
    http.closed(CloseReason::Evicted);
    let rendered = metrics.render();
    assert!(
        rendered.contains(r#"shadowgate_frames_total{listener="admin",outcome="framing_error"} 2"#)
    );
    assert!(rendered
        .contains(r#"shadowgate_connections_closed_total{listener="http",reason="evicted"} 1"#));
}

/// An engine or link has, at start, the series its shape can count and no others (an http engine
/// none of polls or link; a persistent MCI link no dropped or unmatched answers; a layout without
/// `nak` no `nak` series); a series outside its shape is still counted when it happens.
#[test]
fn engines_and_links_have_the_series_of_their_shape_and_count_any_other_still() {
    let metrics = Metrics::new("test");
    let http = metrics.stale_connections("new-engine", EngineShape::default());
    let ack_only = LinkShape {
        acks: [true, false],
        dual_socket: false,
    };
    let _mci = metrics.stale_connections(
        "legacy",
        EngineShape {
            polls: true,
            link: ack_only,
        },
    );
    let listener = metrics.link(LinkSide::Listener, "mci-main", ack_only);
    let rendered = metrics.render();
    let lines = |name: &str| -> Vec<String> {
        rendered
            .lines()
            .filter(|line| line.starts_with(name) && line.contains(r#""new-engine""#))
            .map(str::to_owned)
            .collect()
    };
    for family in [
        "shadowgate_upstream_polls_total",
        "shadowgate_link_acks_total",
        "shadowgate_link_unmatched_answers_total",
    ] {
        assert_eq!(lines(family), Vec::<String>::new(), "{family}");
    }
    assert!(rendered
        .contains(r#"shadowgate_upstream_polls_total{engine="legacy",result="answered"} 0"#));
    assert!(rendered.contains(
        r#"shadowgate_link_acks_total{direction="sent",frame="ack",link="legacy",side="engine"} 0"#
    ));
    assert!(
        !rendered.contains(r#"frame="nak""#),
        "no layout declared a nak"
    );
    assert!(!rendered.contains("shadowgate_link_unmatched_answers_total{"));
    assert!(!rendered.contains("shadowgate_link_answers_dropped_total{"));

    // Counted all the same when it happens.
    http.polled(false);
    listener.ack(protocol_mci::TransportRole::Nak, LinkDirection::Received);
    listener.answer_dropped(AnswerDrop::NotWritten);
    let rendered = metrics.render();
    assert!(rendered
        .contains(r#"shadowgate_upstream_polls_total{engine="new-engine",result="replaced"} 1"#));
    assert!(rendered.contains(
        r#"shadowgate_link_acks_total{direction="received",frame="nak",link="mci-main",side="listener"} 1"#
    ));
    assert!(rendered.contains(
        r#"shadowgate_link_answers_dropped_total{listener="mci-main",reason="not_written"} 1"#
    ));
}
