//! What the PostgreSQL backend says about the server: an error the server sent is shown with its
//! message (not only `db error`), and the server's notices (`CREATE ... IF NOT EXISTS` at every
//! connect) are logged at DEBUG, not at INFO.

use shadowgate::store::postgres::{PostgresBackend, PostgresConfig, SslMode};
use shadowgate::store::Backend;
use shadowgate_tests::logs::LogBuffer;
use shadowgate_tests::postgres::TestPostgres;

fn backend(url: String, instance: &str) -> PostgresBackend {
    PostgresBackend::new(&PostgresConfig {
        url,
        instance: Some(instance.into()),
        sslmode: SslMode::Disable,
        ..PostgresConfig::default()
    })
    .unwrap()
}

#[test]
fn a_server_error_is_shown_with_its_message_and_notices_are_debug() {
    let db = TestPostgres::start_new();
    let missing = format!("postgres://postgres@127.0.0.1:{}/no_such_db", db.port());
    let error = backend(missing, "gw-errors").segments().unwrap_err();
    let shown = error.to_string();
    assert!(
        shown.starts_with("store backend failed to connect to postgres: FATAL: database")
            && shown.contains("\"no_such_db\" does not exist (SQLSTATE 3D000)"),
        "{shown}"
    );

    // The second connect's migration finds the tables: the server says so in a notice.
    backend(db.url(), "gw-first").segments().unwrap();
    let buffer = LogBuffer::default();
    tracing::subscriber::with_default(buffer.subscriber(), || {
        backend(db.url(), "gw-second").segments().unwrap();
    });
    let logs = buffer.text();
    let notices: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("already exists"))
        .collect();
    assert!(!notices.is_empty(), "no notice logged: {logs}");
    assert!(
        notices
            .iter()
            .all(|l| l.contains("DEBUG") && l.contains("postgres notice: relation")),
        "{notices:#?}"
    );
}
