//! `sslmode = "verify-full"`: the writer's session is encrypted with rustls and the server's
//! certificate is checked against `ca_file`; a server signed by another CA is refused.

use shadowgate::store::postgres::{PostgresBackend, PostgresConfig, SslMode};
use shadowgate::store::Backend;
use shadowgate_tests::postgres::TestPostgres;
use shadowgate_tests::TestPki;

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
    let row = db
        .client()
        .query_one(
            "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
             WHERE a.application_name = 'shadowgate'",
            &[],
        )
        .unwrap();
    assert!(row.get::<_, bool>(0), "the gateway's session uses TLS");

    let stranger = TestPki::new();
    let error = verify_full(&db, stranger.ca_file()).recover().unwrap_err();
    let shown = format!("{error}: {:?}", error.source);
    assert!(shown.to_lowercase().contains("certificate"), "{shown}");
}
