//! The real binary's planned stop: `shadowgate run --drain-seconds 30`, then SIGTERM. `/readyz`
//! turns 404 (draining), the MCI listener refuses new connections, an idle MCI connection is
//! closed by the gateway, and a second SIGTERM stops it at once, exit 0.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Bound on each wait of the test.
const DEADLINE: Duration = Duration::from_secs(20);

/// Killed when dropped, so a failing test leaves no process behind.
struct Gateway(Child);

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_address() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// `GET /readyz`: status and body, or `None` while nothing answers.
fn readyz(admin: SocketAddr) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&admin, Duration::from_secs(1)).ok()?;
    stream.set_read_timeout(Some(DEADLINE)).ok()?;
    let request = format!("GET /readyz HTTP/1.1\r\nhost: {admin}\r\nconnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut text = String::new();
    stream.read_to_string(&mut text).ok()?;
    let status = text.get(9..12)?.parse().ok()?;
    Some((status, text))
}

fn until_readyz(admin: SocketAddr, status: u16) -> String {
    let deadline = Instant::now() + DEADLINE;
    loop {
        match readyz(admin) {
            Some((s, body)) if s == status => return body,
            last => assert!(
                Instant::now() < deadline,
                "/readyz never {status}: {last:?}"
            ),
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn signal(child: &Child, name: &str) {
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args([name, &pid])
        .status()
        .unwrap()
        .success());
}

#[test]
fn sigterm_drains_first_and_a_second_one_stops_at_once() {
    // The live engine only needs to accept: the health probe is a TCP connect.
    let engine = TcpListener::bind("127.0.0.1:0").unwrap();
    let (mci, admin) = (free_address(), free_address());
    let dir = tempfile::tempdir().unwrap();
    let layout =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/layouts/loan-screening.toml");
    let config = format!(
        r#"
[[listeners.mci]]
name = "core-banking"
address = "{mci}"
layout = "loan-screening"

[listeners.admin]
address = "{admin}"

[layouts]
loan-screening = {layout:?}

[engines.legacy]
protocol = "mci"
address = "{engine}"
layout = "loan-screening"

[strategies.loan-screening]
layout = "loan-screening"
tx_codes = ["LNS0001"]
live = "legacy"

[store]
path = {store:?}
"#,
        engine = engine.local_addr().unwrap(),
        store = dir.path().join("store"),
    );
    let config_path = dir.path().join("shadowgate.toml");
    std::fs::write(&config_path, config).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_shadowgate"))
        .args(["run", "--config"])
        .arg(&config_path)
        .args(["--drain-seconds", "30"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut gateway = Gateway(child);
    until_readyz(admin, 200);
    let mut core = TcpStream::connect(mci).unwrap();
    core.set_read_timeout(Some(DEADLINE)).unwrap();

    signal(&gateway.0, "-TERM");
    let body = until_readyz(admin, 404);
    assert!(body.contains(r#""status":"draining""#), "{body}");
    assert!(
        body.contains("draining for a planned stop: stopping in "),
        "{body}"
    );
    // Quiet from the start: the gateway closes it (end of stream, not a timeout).
    let mut byte = [0u8; 1];
    assert_eq!(core.read(&mut byte).unwrap(), 0);
    // New connections are refused (a load balancer retries them on another gateway).
    assert!(TcpStream::connect(mci).is_err());

    let second = Instant::now();
    signal(&gateway.0, "-TERM");
    let status = loop {
        if let Some(status) = gateway.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            second.elapsed() < DEADLINE,
            "still running after the second SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
    assert!(
        second.elapsed() < Duration::from_secs(15),
        "stopped at once, not after the 30 s drain: {:?}",
        second.elapsed()
    );
}
