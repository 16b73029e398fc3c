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
    let problems: Vec<String> = error.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        problems,
        [
            "listeners.mci[0].address (line 3, column 11): expected ip:port, found \"core-banking:9100\"",
            "strategies.loan-screening.shadow (line 24, column 10): expected an engine declared in [engines] (legacy), found \"ghost\"",
            "strategies.loan-screening.shadow_sample_percent (line 25, column 25): expected a percentage from 0 to 100, found 150",
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

/// `POST /api/v1/reload` of a config with three mistakes: 422 with each as a typed problem at its
/// line and column, the same lines `check-config` prints, and the running config stays.
#[tokio::test]
async fn a_rejected_reload_answers_typed_problems_over_the_admin_api() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let legacy = mci_deciding("L1").start().await;
    let gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .admin()
        .start()
        .await;
    let path = gateway.running().gateway.runtime().config.source.clone();
    let text = std::fs::read_to_string(&path).unwrap();
    let bad = text.replacen(&legacy.addr().to_string(), "legacy-host", 1)
        + "\n[response_codes]\nlive_error = \"E5022\"\n\n[health]\nprobe_intervl_ms = 5\n";
    std::fs::write(&path, bad).unwrap();

    let mut stream = tokio::net::TcpStream::connect(gateway.admin_address())
        .await
        .unwrap();
    let request = "POST /api/v1/reload HTTP/1.1\r\nhost: localhost\r\ncontent-length: 0\r\n\
                   connection: close\r\n\r\n";
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_string(&mut answer),
    )
    .await
    .expect("the admin listener answers within 10 s")
    .unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 422"), "{answer}");
    let body: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    let problems = body["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 3, "{body:#}");
    // In the file's order, like `check-config`: the unknown key found while reading the file
    // last, at its line like the others.
    let engine = &problems[0];
    assert_eq!(engine["key"], "engines.legacy.address (line 18, column 11)");
    assert_eq!(
        (&engine["line"], &engine["column"]),
        (&18.into(), &11.into())
    );
    assert_eq!(engine["expected"], "host:port");
    assert_eq!(engine["found"], "\"legacy-host\"");
    assert_eq!(
        engine["message"],
        r#"engines.legacy.address (line 18, column 11): expected host:port, found "legacy-host""#
    );
    assert_eq!(
        problems[1]["key"],
        "response_codes.live_error (line 35, column 14)"
    );
    assert_eq!(problems[1]["found"], "\"E5022\" (5 bytes)");
    let unknown = &problems[2];
    assert_eq!(
        unknown["key"],
        "health.probe_intervl_ms (line 38, column 1)"
    );
    assert_eq!(
        (&unknown["line"], &unknown["column"]),
        (&38.into(), &1.into())
    );
    assert!(
        body["message"].as_str().unwrap().starts_with("3 problems"),
        "{body:#}"
    );
    assert_eq!(
        gateway.running().gateway.runtime().config.engines["legacy"].target(),
        legacy.addr().to_string(),
        "the previous config stays"
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
    let problems: Vec<String> = error.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        problems,
        ["engines.legacy.idle_timeout_ms (line 18, column 19): expected at least 1, found 0"],
        "{error}"
    );
}
