//! https engines configured through `[engines.<name>.tls]`: a private CA, and mTLS.

use shadowgate_tests::gateway::{decode_answer, guid, http_deciding, request_frame};
use shadowgate_tests::{EngineToml, TestGateway, TestPki};

/// Starts an https live engine (requiring a client certificate when `mtls`), a gateway that
/// trusts the PKI's CA (presenting the client certificate when `client_cert`), and sends one
/// request; returns the answer's result code and grade.
async fn one_request(mtls: bool, client_cert: bool) -> (String, String) {
    let pki = TestPki::new();
    let engine = http_deciding("T1")
        .tls(pki.server_config(mtls))
        .start()
        .await;
    assert!(engine.url().starts_with("https://"));
    let gateway = TestGateway::new()
        .live(
            "new-engine",
            EngineToml::https(&engine.url(), &pki, client_cert),
        )
        .start()
        .await;
    let answer = gateway
        .mci_client()
        .await
        .call(&request_frame(&guid(1)))
        .await;
    let answer = decode_answer(&answer);
    let text = |v: Option<&serde_json::Value>| {
        v.and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    (
        text(answer.header.get("resp_code")),
        text(answer.body.get("grade")),
    )
}

#[tokio::test]
async fn https_engine_with_a_private_ca() {
    assert_eq!(
        one_request(false, false).await,
        ("0000".into(), "T1".into())
    );
}

#[tokio::test]
async fn https_engine_with_mtls() {
    assert_eq!(one_request(true, true).await, ("0000".into(), "T1".into()));
}

#[tokio::test]
async fn mtls_engine_refuses_a_gateway_without_client_certificate() {
    assert_eq!(
        one_request(true, false).await,
        ("E502".into(), String::new())
    );
}
