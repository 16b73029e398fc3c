//! `sslmode = "verify-full"`: the writer's session is encrypted with rustls and the server's
//! certificate is checked against `ca_file`; a server signed by another CA is refused, and
//! `check-config` says so as an error (a configuration to fix), not as a database that does not
//! answer.

use shadowgate::store::postgres::{PostgresBackend, PostgresConfig, SslMode};
use shadowgate::store::Backend;
use shadowgate_tests::postgres::TestPostgres;
use shadowgate_tests::{TestGateway, TestPki};

fn verify_full(db: &TestPostgres, ca_file: std::path::PathBuf) -> PostgresBackend {
    PostgresBackend::new(&PostgresConfig {
        url: db.url(),
        instance: Some("gw-tls".into()),
        sslmode: SslMode::VerifyFull,
        ca_file: Some(ca_file),
        ..PostgresConfig::default()
    })
    .unwrap()
}

#[test]
fn verify_full_encrypts_the_session_and_refuses_an_unknown_ca() {
    let pki = TestPki::new();
    let (cert, key) = pki.server_files();
    let db = TestPostgres::start_tls(&cert, &key);

    let mut backend = verify_full(&db, pki.ca_file());
    backend.recover().unwrap();
    let ssl: bool = db.blocking_query_one(
        "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
         WHERE a.application_name LIKE 'shadowgate pid %'",
        &[],
    );
    assert!(ssl, "the gateway's session uses TLS");

    let stranger = TestPki::new();
    let error = verify_full(&db, stranger.ca_file()).recover().unwrap_err();
    let shown = format!("{error}: {:?}", error.source);
    assert!(shown.to_lowercase().contains("certificate"), "{shown}");
}

/// The problems `check-config` (secrets read) reports at `store.postgres` for a gateway on `db`
/// with `ca_file`, as printed.
fn store_problems(db: &TestPostgres, ca_file: &std::path::Path) -> Vec<(bool, String)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shadowgate.toml");
    let toml = TestGateway::new()
        .live(
            "legacy",
            shadowgate_tests::EngineToml::mci("127.0.0.1:7".parse().unwrap()),
        )
        .store_key("backend", "\"postgres\"")
        .store_key(
            "postgres",
            format!(
                "{{ url = \"{}\", instance = \"gw-tls\", sslmode = \"verify-full\", \
                 ca_file = {ca_file:?}, connect_timeout_ms = 2000 }}",
                db.url()
            ),
        )
        .toml(&dir.path().join("store"));
    std::fs::write(&path, toml).unwrap();
    crate::support::store_postgres_problems(&path)
}

#[test]
fn check_config_names_a_certificate_of_another_ca_as_an_error() {
    let pki = TestPki::new();
    let (cert, key) = pki.server_files();
    let db = TestPostgres::start_tls(&cert, &key);

    let stranger = TestPki::new();
    let refused = store_problems(&db, &stranger.ca_file());
    let [(true, text)] = &refused[..] else {
        panic!("expected one error at store.postgres: {refused:?}")
    };
    // Every `TestPki`'s CA has the same name, so rustls takes the stranger for the issuer and
    // finds the signature wrong (a CA of another name gives "an issuer it does not trust").
    assert!(
        text.contains(
            "(postgres certificate refused: a certificate whose signature does not verify)"
        ),
        "{text}"
    );
    // The CA that signed it: nothing to say.
    assert_eq!(store_problems(&db, &pki.ca_file()), []);
}
