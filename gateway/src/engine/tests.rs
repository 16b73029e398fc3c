//! Unit tests of the engine module that need no network peer. Exchanges with real sockets and
//! fake engines live in the end-to-end crate (`tests/tests/engines`).

use std::time::Duration;

use bytes::BytesMut;
use serde_json::{json, Map, Value};

use super::error::EngineErrorKind;
use super::*;

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

#[test]
fn error_display_names_the_engine_and_the_failure() {
    let error = EngineError::new(
        "new-engine",
        EngineErrorKind::Timeout {
            after: Duration::from_millis(800),
        },
    );
    assert_eq!(
        error.to_string(),
        r#"engine "new-engine": request timed out after 800ms"#
    );
    assert!(error.is_timeout());
    assert_eq!(error.engine(), "new-engine");
    assert_eq!(error.outcome().as_str(), "timeout");
}

#[test]
fn every_kind_maps_to_its_outcome_label() {
    let cases = [
        (
            EngineErrorKind::Connect {
                detail: "refused".into(),
            },
            "connect",
        ),
        (
            EngineErrorKind::Status {
                code: ::http::StatusCode::SERVICE_UNAVAILABLE,
            },
            "status",
        ),
        (
            EngineErrorKind::InvalidAnswer {
                reason: AnswerDefect::BodyMissing,
            },
            "invalid",
        ),
        (EngineErrorKind::TooLarge { limit: 10 }, "invalid"),
        (
            EngineErrorKind::Framing {
                detail: "bad prefix".into(),
            },
            "invalid",
        ),
        (
            EngineErrorKind::Io {
                detail: "reset".into(),
            },
            "io",
        ),
        (EngineErrorKind::ClosedByPeer, "io"),
        (
            EngineErrorKind::Overloaded {
                max_in_flight: 4,
                waited: Duration::from_millis(5),
            },
            "overloaded",
        ),
    ];
    for (kind, label) in cases {
        let error = EngineError::new("e", kind);
        assert_eq!(error.outcome().as_str(), label, "{error}");
    }
    let status = EngineError::new(
        "e",
        EngineErrorKind::Status {
            code: ::http::StatusCode::BAD_GATEWAY,
        },
    );
    assert_eq!(status.status(), Some(::http::StatusCode::BAD_GATEWAY));
    assert_eq!(
        status.to_string(),
        r#"engine "e": answered with status 502"#
    );
}

#[test]
fn role_has_wire_names() {
    assert_eq!(Role::Live.as_str(), "live");
    assert_eq!(Role::Shadow.to_string(), "shadow");
}

#[test]
fn request_body_keeps_exact_numbers() {
    let header = object(json!({"guid": "abc"}));
    let body: Map<String, Value> =
        serde_json::from_str(r#"{"amount": 1000000.10, "rate": 0.0350}"#).unwrap();
    let bytes = encode_request_body("LNS0001", &header, &body).unwrap();
    assert_eq!(
        std::str::from_utf8(&bytes).unwrap(),
        r#"{"tx_code":"LNS0001","header":{"guid":"abc"},"body":{"amount":1000000.10,"rate":0.0350}}"#
    );
}

#[test]
fn http_settings_are_checked() {
    let build = |url: &str, tls: bool| {
        let mut settings = HttpEngineSettings::new("e", url.parse().unwrap());
        if tls {
            settings.tls = Some(TlsSettings {
                config: std::sync::Arc::new(
                    rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
                        rustls::crypto::ring::default_provider(),
                    ))
                    .with_safe_default_protocol_versions()
                    .unwrap()
                    .with_root_certificates(rustls::RootCertStore::empty())
                    .with_no_client_auth(),
                ),
                server_name: None,
                fingerprint: [0; 32],
                file_sha256: Default::default(),
            });
        }
        HttpEngine::new(settings)
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    assert_eq!(build("http://127.0.0.1:9/base/", false), Ok(()));
    assert_eq!(build("https://engine.bank:443", true), Ok(()));
    let errors = [
        (
            build("ftp://x", false),
            "must start with http:// or https://",
        ),
        (build("/path", false), "must start with http:// or https://"),
        (build("http://x/?q=1", false), "must not have a query"),
        (build("https://x", false), "needs tls settings"),
        (
            build("http://x", true),
            "tls settings given for an http:// url",
        ),
    ];
    for (result, expected) in errors {
        let message = result.unwrap_err();
        assert!(message.contains(expected), "{message}");
        assert!(message.starts_with(r#"engine "e""#), "{message}");
    }
}

#[tokio::test(start_paused = true)]
async fn http_call_waits_for_a_slot_then_reports_overloaded() {
    let mut settings = HttpEngineSettings::new("busy", "http://127.0.0.1:9".parse().unwrap());
    settings.max_in_flight = 1;
    let engine = HttpEngine::new(settings).unwrap();
    let _held = engine.slots().semaphore().acquire().await.unwrap();
    let request = EngineRequest {
        strategy: "s",
        path: "/p",
        correlation_id: "c-1",
        role: Role::Live,
        body: bytes::Bytes::from_static(b"{}"),
    };
    let error = engine.call(&request).await.unwrap_err();
    assert!(error.is_overloaded(), "{error}");
    assert_eq!(error.outcome(), Outcome::Overloaded);
}

/// Frames are everything available: enough for a pool test that never reads an answer.
struct WholeBuffer;

impl tokio_util::codec::Decoder for WholeBuffer {
    type Item = BytesMut;
    type Error = std::io::Error;
    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, std::io::Error> {
        Ok((!src.is_empty()).then(|| src.split()))
    }
}

#[tokio::test(start_paused = true)]
async fn mci_call_waits_for_a_connection_then_reports_overloaded() {
    let mut settings = MciEngineSettings::new("legacy", "127.0.0.1:9");
    settings.max_connections = 2;
    let engine = MciEngine::new(settings, || WholeBuffer).unwrap();
    let _held = engine.slots().semaphore().acquire_many(2).await.unwrap();
    let error = engine.call(b"0000", Role::Live).await.unwrap_err();
    assert!(error.is_overloaded(), "{error}");
    assert!(error.to_string().contains("all 2 slots"), "{error}");
}

#[test]
fn mci_limits_must_be_positive() {
    let mut settings = MciEngineSettings::new("legacy", "127.0.0.1:9");
    settings.max_connections = 0;
    let error = MciEngine::new(settings, || WholeBuffer).unwrap_err();
    assert_eq!(
        error.to_string(),
        r#"engine "legacy": max_connections must be at least 1"#
    );
}
