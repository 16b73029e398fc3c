//! The admin token from `token_file`: a rotated file takes effect at the next reload, without a
//! restart, and the old token is refused from then on.

use std::net::SocketAddr;

use shadowgate_tests::gateway::{mci_deciding, Listener};
use shadowgate_tests::{EngineToml, TestGateway};

use crate::logs::http_status;

/// `GET /api/v1/summary` with `token` as the bearer token (none: no header); the status code.
async fn summary_status(admin: SocketAddr, token: Option<&str>) -> u16 {
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let request = format!(
        "GET /api/v1/summary HTTP/1.1\r\nHost: localhost\r\n{auth}Connection: close\r\n\r\n"
    );
    http_status(admin, &request).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_token_file_takes_effect_on_reload_and_the_old_token_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("admin-token");
    std::fs::write(&token_file, "old-token\n").unwrap();
    let legacy = mci_deciding("L1").start().await;
    let mut gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .admin()
        .listener_key(
            Listener::Admin,
            "token_file",
            format!("{:?}", token_file.display().to_string()),
        )
        .start()
        .await;
    let admin = gateway.admin_address();
    assert_eq!(summary_status(admin, Some("old-token")).await, 200);
    assert_eq!(summary_status(admin, None).await, 401);
    assert_eq!(summary_status(admin, Some("new-token")).await, 401);

    // Rotation: the file changes, the gateway does not restart.
    std::fs::write(&token_file, "new-token\n").unwrap();
    assert_eq!(
        summary_status(admin, Some("old-token")).await,
        200,
        "read at reload, not per request"
    );
    let builder = gateway.builder();
    gateway.reload_with(builder).unwrap();
    assert_eq!(summary_status(admin, Some("new-token")).await, 200);
    assert_eq!(summary_status(admin, Some("old-token")).await, 401);

    // A reload that cannot read the file keeps the token in force.
    std::fs::remove_file(&token_file).unwrap();
    let builder = gateway.builder();
    let problems = gateway.reload_with(builder).unwrap_err();
    assert!(
        problems
            .iter()
            .any(|p| p.key.starts_with("listeners.admin.token_file (") && p.is_error()),
        "{problems:?}"
    );
    assert_eq!(summary_status(admin, Some("new-token")).await, 200);
    gateway.shutdown().await;
}
