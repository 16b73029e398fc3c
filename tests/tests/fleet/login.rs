//! A database that answers and refuses: a wrong password (SQLSTATE 28P01) or a database of that
//! name missing (3D000). `check-config` says so as an error at `store.postgres`; a gateway
//! started with a wrong password serves, spools, stays ready, and says "postgres refused the
//! login" (never "unreachable") in its readiness detail: `/readyz` the kind alone, the admin
//! API's `/api/v1/health` the server's words.

use std::net::SocketAddr;

use shadowgate_tests::gateway::{http_deciding, mci_deciding, GatewayBuilder};
use shadowgate_tests::postgres::TestPostgres;

use crate::support::{admin_get, fleet_gateway_with, metric, send, wait_metric};

/// The password the role `gw_login` has.
const PASSWORD: &str = "right-horse";

/// A gateway on `url` as instance `gw-a` whose password comes from the environment variable
/// `var`, giving up a connect after `connect_timeout_ms`; MCI live engine `live`, HTTP shadow
/// engine `shadow`.
fn password_gateway(
    url: &str,
    var: &str,
    connect_timeout_ms: u32,
    live: SocketAddr,
    shadow: &str,
) -> GatewayBuilder {
    let extra = format!(", connect_timeout_ms = {connect_timeout_ms}, password_env = \"{var}\"");
    fleet_gateway_with(url, "gw-a", live, shadow, &extra)
}

/// The problems `check-config` (secrets read) reports at `store.postgres`, as printed.
fn store_problems(url: &str, var: &str) -> Vec<(bool, String)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shadowgate.toml");
    let (live, shadow) = ("127.0.0.1:7".parse().unwrap(), "http://127.0.0.1:8/");
    let toml = password_gateway(url, var, 2000, live, shadow).toml(&dir.path().join("store"));
    std::fs::write(&path, toml).unwrap();
    crate::support::store_postgres_problems(&path)
}

#[test]
fn check_config_names_a_refused_login_and_a_missing_database_as_errors() {
    let db = TestPostgres::start_new();
    let url = db.require_password("gw_login", PASSWORD, "postgres");
    std::env::set_var("SHADOWGATE_FLEET_TEST_CHECK_WRONG", "wrong-horse");
    std::env::set_var("SHADOWGATE_FLEET_TEST_CHECK_RIGHT", PASSWORD);

    let refused = store_problems(&url, "SHADOWGATE_FLEET_TEST_CHECK_WRONG");
    let [(true, text)] = &refused[..] else {
        panic!("expected one error at store.postgres: {refused:?}")
    };
    assert!(
        text.contains(&format!(
            "{url:?} (postgres refused the login: FATAL: password authentication failed for \
             user \"gw_login\" (SQLSTATE 28P01))"
        )),
        "{text}"
    );

    let missing = url.replace("/postgres", "/no_such_db");
    let no_database = store_problems(&missing, "SHADOWGATE_FLEET_TEST_CHECK_RIGHT");
    let [(true, text)] = &no_database[..] else {
        panic!("expected one error at store.postgres: {no_database:?}")
    };
    assert!(
        text.contains("postgres has no database of that name: FATAL: database \"no_such_db\" does not exist (SQLSTATE 3D000)"),
        "{text}"
    );

    // The right password on a database that exists: nothing to say; nothing was changed there
    // (no migration: the fleet's tables do not exist yet).
    assert_eq!(
        store_problems(&url, "SHADOWGATE_FLEET_TEST_CHECK_RIGHT"),
        []
    );
    let tables: i64 = db.blocking_query_one(
        "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'shadowgate%'",
        &[],
    );
    assert_eq!(tables, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_whose_login_is_refused_serves_spools_and_says_why() {
    let db = TestPostgres::start_async().await;
    let url = tokio::task::block_in_place(|| db.require_password("gw_login", PASSWORD, "postgres"));
    std::env::set_var("SHADOWGATE_FLEET_TEST_GATEWAY_WRONG", "wrong-horse");
    let legacy = mci_deciding("L1").start().await;
    let next = http_deciding("N9").start().await;
    let var = "SHADOWGATE_FLEET_TEST_GATEWAY_WRONG";
    let gateway = password_gateway(&url, var, 500, legacy.addr(), &next.url())
        .store_key("retry_interval_ms", "200")
        .admin()
        .start()
        .await;
    // The live path answers every frame (checked byte for byte), the review side spools.
    let mut client = gateway.mci_client().await;
    send(&mut client, 1..6).await;
    wait_metric(&gateway, "shadowgate_store_events_committed_total", 5.0).await;
    assert_eq!(metric(&gateway, "shadowgate_store_spooling"), 1.0);
    let (status, ready) = admin_get(&gateway, "/readyz").await;
    assert_eq!(status, 200, "spooling keeps the gateway ready: {ready}");
    // The unauthenticated probe says the kind, never the server's words or the user's name.
    assert!(ready.contains("store spooling: login refused"), "{ready}");
    for secret in [
        "password",
        "gw_login",
        "SQLSTATE",
        "127.0.0.1",
        "unreachable",
    ] {
        assert!(!ready.contains(secret), "{secret} in {ready}");
    }
    let (status, health) = admin_get(&gateway, "/api/v1/health").await;
    assert_eq!(status, 200, "{health}");
    assert!(
        health.contains("store spooling: postgres refused the login (")
            && health.contains("SQLSTATE 28P01"),
        "{health}"
    );
    assert!(!health.contains("unreachable"), "{health}");
    gateway.shutdown().await;
    db.delete_async().await;
}
