//! Config acceptance: every mistake is reported at once with its key path, before anything binds.

use std::path::Path;

use shadowgate::config;
use shadowgate_tests::gateway::{mci_deciding, STRATEGY};
use shadowgate_tests::{EngineToml, TestGateway};

#[test]
fn the_example_config_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/shadowgate.toml");
    let config = config::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.strategies[STRATEGY].live, "legacy");
}

#[tokio::test]
async fn three_mistakes_are_reported_with_their_key_paths() {
    let legacy = mci_deciding("L1").start().await;
    let builder = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .strategy_key("shadow", "\"ghost\"")
        .strategy_key("shadow_sample_percent", "150");
    let dir = tempfile::tempdir().unwrap();
    let toml = builder.toml(&dir.path().join("store")).replacen(
        "address = \"127.0.0.1:0\"",
        "address = \"core-banking:9100\"",
        1,
    );
    let path = dir.path().join("shadowgate.toml");
    std::fs::write(&path, toml).unwrap();

    let error = config::load(&path).unwrap_err();
    assert_eq!(
        error.problems,
        [
            "listeners.mci[0].address: expected ip:port, found \"core-banking:9100\"",
            "strategies.loan-screening.shadow: no engine named \"ghost\"",
            "strategies.loan-screening.shadow_sample_percent: must be between 0 and 100",
        ],
        "{error}"
    );
    let shown = error.to_string();
    assert!(shown.contains("3 problems"), "{shown}");
    assert!(
        !dir.path().join("store").exists(),
        "nothing opened before the config is valid"
    );
}

#[tokio::test]
async fn engine_connection_lifecycle_keys_are_read_and_checked() {
    use std::time::Duration;

    use shadowgate::config::EngineSpec;
    use shadowgate::engine::ConnectionLifecycle;

    let legacy = mci_deciding("L1").start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shadowgate.toml");
    let load = |live: EngineToml| {
        let builder = TestGateway::new()
            .live("legacy", live)
            .shadow("new-engine", EngineToml::http("http://127.0.0.1:9"));
        std::fs::write(&path, builder.toml(&dir.path().join("store"))).unwrap();
        config::load(&path)
    };

    let config = load(
        EngineToml::mci(legacy.addr())
            .key("idle_timeout_ms", "200")
            .key("max_connection_age_ms", "60000")
            .key("retry_stale_connection", "true"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let EngineSpec::Mci { settings, .. } = &config.engines["legacy"] else {
        panic!("legacy is an mci engine");
    };
    assert_eq!(
        settings.lifecycle,
        ConnectionLifecycle {
            idle_timeout: Duration::from_millis(200),
            max_age: Some(Duration::from_secs(60)),
            retry_stale_live: true,
        }
    );
    // Unset: 1.5 s idle, no age cap, no live re-send.
    let EngineSpec::Http(settings) = &config.engines["new-engine"] else {
        panic!("new-engine is an http engine");
    };
    assert_eq!(settings.lifecycle, ConnectionLifecycle::default());
    assert_eq!(settings.lifecycle.idle_timeout, Duration::from_millis(1500));

    let error = load(EngineToml::mci(legacy.addr()).key("idle_timeout_ms", "0")).unwrap_err();
    assert_eq!(
        error.problems,
        ["engines.legacy.idle_timeout_ms: must be at least 1"],
        "{error}"
    );
}
