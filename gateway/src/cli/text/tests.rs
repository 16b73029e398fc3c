//! The report's text: engine columns, a spooling store, what is said without a config, dropped
//! records.

use super::*;
use crate::cli::table::assert_column;
use crate::review::StoreHealth;

#[test]
fn engine_lines_keep_their_columns_whatever_the_names() {
    let engine = |name: &str, protocol: &str, up: bool| EngineStatus {
        engine: name.into(),
        protocol: protocol.into(),
        live_for: vec!["loan-screening".into()],
        shadow_for: Vec::new(),
        up,
        checked: true,
        since: "2026-11-30T01:00:00Z".into(),
        last_error: None,
        last_error_at: None,
        last_error_detail: None,
        endpoint: None,
    };
    let engines = [
        engine("legacy", "mci", true),
        engine("신규-엔진-new", "https", false),
    ];
    let mut out = Vec::new();
    engines_section(&mut out, &engines, &ReviewView::default()).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().skip(2).collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_column(&text, &lines, &["UP", "DOWN"]);
    assert_column(&text, &lines, &["since", "since"]);
    assert!(lines[0].starts_with("  legacy (mci)  "), "{text}");
}

/// Strategy `loan`'s summary as a store of the test config reports it (nothing counted).
fn summary_of_loan() -> Summary {
    let dir = tempfile::tempdir().unwrap();
    let config = crate::config::tests::config(dir.path(), &[], "");
    std::fs::create_dir(dir.path().join("store")).unwrap();
    let source = super::super::Source::open(&crate::cli::SourceArgs {
        store: None,
        config: Some(config),
        from: None,
        token_env: None,
    })
    .unwrap();
    source.summary().unwrap()
}

/// `report --store` alone read no config: it says so once, and calls nothing missing from it;
/// with a config, what is not in it is said.
#[test]
fn without_a_config_nothing_is_called_missing_from_it() {
    let mut summary = summary_of_loan();
    let loan = &mut summary.strategies[0];
    loan.configured = false;
    loan.suppressed = vec![crate::review::RuleCount {
        rule: "ignore header.sent_at".to_owned(),
        count: 3,
        configured: false,
    }];
    let text = |judged_by| {
        let mut out = Vec::new();
        let view = ReviewView::default();
        report(&mut out, "store", judged_by, &summary, &[vec![]], &view).unwrap();
        String::from_utf8(out).unwrap()
    };
    let alone = text(JudgedBy::Defaults);
    assert!(
        alone.contains(
            "\nno config given (--store alone): readiness is judged by the default \
             thresholds, and which strategies and rules are configured is unknown \
             (--config FILE judges by the gateway's own)\n"
        ),
        "{alone}"
    );
    assert!(alone.contains("\n== loan\n"), "{alone}");
    assert!(alone.contains("  ignore header.sent_at\n"), "{alone}");
    assert!(!alone.contains("config)"), "{alone}");
    assert!(!alone.contains("configured)"), "{alone}");
    let configured = text(JudgedBy::Config);
    assert!(
        configured.contains("\n== loan (not in the config)\n"),
        "{configured}"
    );
    assert!(
        configured.contains("  ignore header.sent_at (no longer configured)\n"),
        "{configured}"
    );
    assert!(!configured.contains("no config given"), "{configured}");
}

/// A spooling gateway's report does not claim the database is unreachable: a refused
/// login spools too, and the gateway's readiness detail says which it is.
#[test]
fn a_spooling_store_is_not_called_unreachable() {
    let summary = Summary {
        generated_at: "2026-12-02T08:00:00Z".to_owned(),
        store: Some(StoreHealth {
            degraded: false,
            dropped: 0,
            spooling: true,
        }),
        strategies: Vec::new(),
        engines: None,
        fleet: None,
    };
    let mut out = Vec::new();
    let view = ReviewView::default();
    report(&mut out, "gw-a", JudgedBy::Config, &summary, &[], &view).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("STORE SPOOLING: the fleet's database does not take this gateway's writes"),
        "{text}"
    );
    assert!(!text.contains("unreachable;"), "{text}");
}

/// Records the store could not take are said in their strategy's section, with when: on any
/// store (sled's disk full too), its records are fewer than its failures.
#[test]
fn dropped_records_are_said_with_when() {
    let mut summary = summary_of_loan();
    let loan = &mut summary.strategies[0];
    loan.records_dropped = 1_308;
    loan.dropped_from = Some("2026-12-03T13:40:01Z".to_owned());
    loan.dropped_to = Some("2026-12-03T13:41:02Z".to_owned());
    let mut out = Vec::new();
    let view = ReviewView::default();
    report(
        &mut out,
        "store",
        JudgedBy::Config,
        &summary,
        &[vec![]],
        &view,
    )
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains(
            "\n  records dropped: 1,308 compared between 2026-12-03 13:40:01 +00:00 and \
             2026-12-03 13:41:02 +00:00 (the store unavailable or behind): fewer records stored than \
             failures counted\n"
        ),
        "{text}"
    );
    summary.strategies[0].records_dropped = 0;
    let mut out = Vec::new();
    report(
        &mut out,
        "store",
        JudgedBy::Config,
        &summary,
        &[vec![]],
        &view,
    )
    .unwrap();
    assert!(!String::from_utf8(out).unwrap().contains("dropped"));
}
