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
            "listeners.mci[0].address: expected ip:port, found \"core-banking:9100\"",
            "strategies.loan-screening.shadow: expected an engine declared in [engines], found \"ghost\"",
            "strategies.loan-screening.shadow_sample_percent: expected a percentage from 0 to 100, found 150",
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

/// `POST /api/v1/reload` of a config with two mistakes: 422 with both as typed problems, the
/// same lines `check-config` prints, and the running config stays.
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
        + "\n[response_codes]\nlive_error = \"E5022\"\n";
    std::fs::write(&path, bad).unwrap();

    let mut stream = tokio::net::TcpStream::connect(gateway.admin_address())
        .await
        .unwrap();
    let request = "POST /api/v1/reload HTTP/1.1\r\nhost: admin\r\ncontent-length: 0\r\n\
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
    assert_eq!(problems.len(), 2, "{body:#}");
    let engine = &problems[0];
    assert_eq!(engine["key"], "engines.legacy.address");
    assert_eq!(engine["expected"], "host:port");
    assert_eq!(engine["found"], "\"legacy-host\"");
    assert_eq!(
        engine["message"],
        r#"engines.legacy.address: expected host:port, found "legacy-host""#
    );
    assert_eq!(problems[1]["key"], "response_codes.live_error");
    assert_eq!(problems[1]["found"], "\"E5022\" (5 bytes)");
    assert!(
        body["message"].as_str().unwrap().starts_with("2 problems"),
        "{body:#}"
    );
    assert_eq!(
        gateway.running().gateway.runtime().config.engines["legacy"].target(),
        legacy.addr().to_string(),
        "the previous config stays"
    );
}
