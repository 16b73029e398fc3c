//! `HttpEngine` over HTTPS: private CA, server name override, mTLS, failures naming their cause,
//! and a TLS connection's reuse and the engine's close of it.

use std::fs;
use std::sync::Arc;
use std::time::Duration;

use shadowgate::engine::{HttpEngine, Outcome, Role, TlsError, TlsSettings};
use shadowgate_tests::pki::SERVER_NAME;
use shadowgate_tests::{FakeEngine, TestPki};

use crate::http::{request, settings};
use crate::lifecycle::{the_next_call_sees_the_close, Recorder};

fn client(url: &str, tls: TlsSettings) -> HttpEngine {
    let mut settings = settings(url);
    settings.tls = Some(tls);
    HttpEngine::new(settings).unwrap()
}

#[tokio::test]
async fn https_with_the_private_ca() {
    let pki = TestPki::new();
    let engine = FakeEngine::http()
        .tls(pki.server_config(false))
        .start()
        .await;
    let tls = TlsSettings::load(&pki.ca_file(), None, None, None).unwrap();
    let answer = client(&engine.url(), tls)
        .call(&request(Role::Live))
        .await
        .unwrap()
        .to_value()
        .unwrap();
    assert_eq!(answer["body"]["cust_no"], "C042");
}

#[tokio::test]
async fn a_tls_connection_is_reused_and_one_the_engine_closed_is_seen_before_reuse() {
    let pki = TestPki::new();
    let engine = FakeEngine::http()
        .tls(pki.server_config(false))
        .idle_close(Duration::from_millis(100))
        .start()
        .await;
    let tls = TlsSettings::load(&pki.ca_file(), None, None, None).unwrap();
    let events = Arc::new(Recorder::default());
    let client = client(&engine.url(), tls).with_events(events.clone());
    client.call(&request(Role::Live)).await.unwrap();
    client.call(&request(Role::Live)).await.unwrap();
    assert_eq!(engine.connections_accepted(), 1, "back-to-back calls reuse");
    the_next_call_sees_the_close(&engine, &client, &events).await;
    assert_eq!(engine.requests(), 3);
}

#[tokio::test]
async fn server_name_overrides_the_url_host() {
    let pki = TestPki::new();
    let engine = FakeEngine::http()
        .tls(pki.server_config(false))
        .start()
        .await;
    let tls = TlsSettings::load(&pki.ca_file(), None, None, Some(SERVER_NAME)).unwrap();
    client(&engine.url(), tls)
        .call(&request(Role::Live))
        .await
        .unwrap();

    let tls = TlsSettings::load(&pki.ca_file(), None, None, Some("other.bank.test")).unwrap();
    let error = client(&engine.url(), tls)
        .call(&request(Role::Live))
        .await
        .unwrap_err();
    assert!(error.is_connect(), "{error}");
    assert!(
        error
            .to_string()
            .contains("not valid for name \"other.bank.test\""),
        "{error}"
    );
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused() {
    let (pki, other) = (TestPki::new(), TestPki::new());
    let engine = FakeEngine::http()
        .tls(pki.server_config(false))
        .start()
        .await;
    let tls = TlsSettings::load(&other.ca_file(), None, None, None).unwrap();
    let error = client(&engine.url(), tls)
        .call(&request(Role::Live))
        .await
        .unwrap_err();
    assert_eq!(error.outcome(), Outcome::Connect, "{error}");
    assert!(
        error.to_string().contains("invalid peer certificate"),
        "{error}"
    );
    assert_eq!(engine.requests(), 0);
}

#[tokio::test]
async fn mtls_needs_the_client_certificate() {
    let pki = TestPki::new();
    let engine = FakeEngine::http()
        .tls(pki.server_config(true))
        .start()
        .await;

    let anonymous = TlsSettings::load(&pki.ca_file(), None, None, None).unwrap();
    let error = client(&engine.url(), anonymous)
        .call(&request(Role::Live))
        .await;
    assert!(error.is_err(), "served without a client certificate");
    assert_eq!(engine.requests(), 0);

    let identified = TlsSettings::load(
        &pki.ca_file(),
        Some(&pki.client_cert_file()),
        Some(&pki.client_key_file()),
        None,
    )
    .unwrap();
    client(&engine.url(), identified)
        .call(&request(Role::Live))
        .await
        .unwrap();
    assert_eq!(engine.requests(), 1);
}

#[test]
fn bad_pem_files_are_named_in_the_error() {
    let pki = TestPki::new();
    let missing = pki.dir().join("missing.pem");
    let error = TlsSettings::load(&missing, None, None, None).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with(&missing.display().to_string()),
        "{error}"
    );

    let empty = pki.dir().join("empty.pem");
    fs::write(&empty, "not a certificate\n").unwrap();
    let error = TlsSettings::load(&empty, None, None, None).unwrap_err();
    assert!(
        matches!(error.errors(), [TlsError::NoCertificate { .. }]),
        "{error}"
    );
    assert!(error.to_string().contains("empty.pem"), "{error}");

    let error =
        TlsSettings::load(&pki.ca_file(), Some(&pki.client_cert_file()), None, None).unwrap_err();
    assert!(
        matches!(error.errors(), [TlsError::IncompleteClientIdentity]),
        "{error}"
    );

    // A certificate where the key should be.
    let error = TlsSettings::load(
        &pki.ca_file(),
        Some(&pki.client_cert_file()),
        Some(&pki.client_cert_file()),
        None,
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .ends_with("client.pem: no private key found (it holds a certificate)"),
        "{error}"
    );

    let error = TlsSettings::load(&pki.ca_file(), None, None, Some("bad name!")).unwrap_err();
    assert!(
        matches!(error.errors(), [TlsError::InvalidServerName { .. }]),
        "{error}"
    );
}
