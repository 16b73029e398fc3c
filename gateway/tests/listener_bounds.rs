//! The real binary under `ulimit -n 1024`: 2,000 idle HTTP connections (ingress and admin) and
//! 600 idle MCI connections cannot lock out core banking. A new core-banking client connects and
//! gets every answer, and every idle connection is closed after its timeout.
//!
//! The gateway runs as a child process (`sh -c 'ulimit -n 1024; exec shadowgate run …'`) so that
//! its open-file limit is the one under test; the test raises its own soft limit to hold the idle
//! connections. The live engine is the demo's legacy engine, in the test process.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use protocol_mci::{Direction, Layout};
use shadowgate::demo::legacy;
use shadowgate::demo::traffic::Traffic;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{timeout, timeout_at, Instant};
use tokio_util::codec::Framed;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Idle connections the test holds on each listener.
const HTTP_IDLE: usize = 1_700;
const ADMIN_IDLE: usize = 300;
const MCI_IDLE: usize = 600;

/// Bound on each wait of the test (start-up, a connect, an answer).
const DEADLINE: Duration = Duration::from_secs(20);

fn repo_file(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// Caps that fit 1,024 descriptors: 256 + 256 + 32 + 8 (engine) + 64 (reserve) = 616.
fn config(engine: SocketAddr, store: &Path) -> String {
    let layout = repo_file("config/layouts/loan-screening.toml");
    format!(
        r#"
[[listeners.mci]]
name = "core-banking"
address = "127.0.0.1:0"
layout = "loan-screening"
max_connections = 256
idle_timeout_ms = 4000

[listeners.http]
address = "127.0.0.1:0"
max_connections = 256
header_read_timeout_ms = 1000
idle_timeout_ms = 2000

[listeners.admin]
address = "127.0.0.1:0"
max_connections = 32
header_read_timeout_ms = 1000
idle_timeout_ms = 2000

[layouts]
loan-screening = {layout:?}

[engines.legacy]
protocol = "mci"
address = "{engine}"
layout = "loan-screening"
max_in_flight = 8

[strategies.loan-screening]
layout = "loan-screening"
tx_codes = ["LNS0001"]
live = "legacy"

[store]
path = {store:?}

[logging]
format = "json"
level = "info"
"#
    )
}

/// The gateway child; killed when dropped, so a failing test leaves no process behind.
struct Gateway {
    child: Child,
    mci: SocketAddr,
    http: SocketAddr,
    admin: SocketAddr,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary under `ulimit -n 1024` and reads its bound addresses from its JSON logs.
fn start_gateway(config: &Path) -> Gateway {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 1024 && exec \"$0\" run --config \"$1\"")
        .arg(env!("CARGO_BIN_EXE_shadowgate"))
        .arg(config)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (lines, received) = mpsc::channel();
    // Drains the log for the whole run, so the child never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let (mut mci, mut http, mut admin) = (None, None, None);
    let deadline = std::time::Instant::now() + DEADLINE;
    let mut log = Vec::new();
    while mci.is_none() || http.is_none() || admin.is_none() {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let Ok(line) = received.recv_timeout(left) else {
            panic!("gateway did not report its addresses:\n{}", log.join("\n"));
        };
        let value: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        let fields = &value["fields"];
        let address = fields["address"].as_str().and_then(|a| a.parse().ok());
        match (fields["message"].as_str(), fields["listener"].as_str()) {
            (Some("mci listener ready"), _) => mci = address,
            (Some("http listener ready"), Some("http")) => http = address,
            (Some("http listener ready"), Some("admin")) => admin = address,
            _ => {}
        }
        log.push(line);
    }
    Gateway {
        child,
        mci: mci.unwrap(),
        http: http.unwrap(),
        admin: admin.unwrap(),
    }
}

/// Opens `n` connections to `address`, 64 at a time.
async fn open(address: SocketAddr, n: usize) -> Vec<TcpStream> {
    futures::stream::iter(0..n)
        .map(|_| async move {
            timeout(DEADLINE, TcpStream::connect(address))
                .await
                .expect("connect within the deadline")
                .expect("connect")
        })
        .buffer_unordered(64)
        .collect()
        .await
}

/// How many of `streams` are still open at `deadline` (the gateway closes the others: end of
/// stream or reset).
async fn still_open(streams: Vec<TcpStream>, deadline: Instant) -> usize {
    let waits = streams.into_iter().map(|mut stream| async move {
        let mut buffer = [0u8; 256];
        loop {
            match timeout_at(deadline, stream.read(&mut buffer)).await {
                Err(_) => return 1,
                Ok(Ok(0)) | Ok(Err(_)) => return 0,
                Ok(Ok(_)) => continue,
            }
        }
    });
    futures::future::join_all(waits).await.into_iter().sum()
}

/// `GET /metrics` on the admin listener.
async fn metrics(admin: SocketAddr) -> String {
    let mut stream = TcpStream::connect(admin).await.unwrap();
    let request = b"GET /metrics HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n";
    stream.write_all(request).await.unwrap();
    let mut text = String::new();
    timeout(DEADLINE, stream.read_to_string(&mut text))
        .await
        .unwrap()
        .unwrap();
    text
}

fn value(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("{series} not in:\n{metrics}"))
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_never_lock_out_core_banking_under_ulimit_1024() {
    let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap();
    let needed = (HTTP_IDLE + ADMIN_IDLE + MCI_IDLE + 200) as u64;
    assert!(
        limit >= needed,
        "this test holds {needed} sockets; the hard open-file limit is {limit}"
    );
    let layout =
        Arc::new(Layout::from_file(repo_file("config/layouts/loan-screening.toml")).unwrap());
    let (tasks, shutdown) = (TaskTracker::new(), CancellationToken::new());
    let engine = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let engine_address = engine.local_addr().unwrap();
    tasks.spawn(legacy::serve(
        engine,
        layout.clone(),
        Duration::ZERO,
        tasks.clone(),
        shutdown.clone(),
    ));
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("shadowgate.toml");
    let text = config(engine_address, &dir.path().join("store"));
    std::fs::write(&config_path, text).unwrap();
    let gateway = start_gateway(&config_path);

    // The side doors and the MCI listener fill up with connections that never send anything.
    let mut idle = open(gateway.http, HTTP_IDLE).await;
    idle.extend(open(gateway.admin, ADMIN_IDLE).await);
    idle.extend(open(gateway.mci, MCI_IDLE).await);
    assert_eq!(idle.len(), HTTP_IDLE + ADMIN_IDLE + MCI_IDLE);

    // A new core-banking client is admitted (the longest-idle connection makes room) and gets
    // every answer.
    let core = timeout(DEADLINE, TcpStream::connect(gateway.mci))
        .await
        .unwrap()
        .unwrap();
    let mut core = Framed::new(core, layout.framer());
    let mut traffic = Traffic::new(7, "CBS");
    for _ in 0..5 {
        let request = traffic.next_request();
        let frame = layout.encode(Direction::Request, &request).unwrap();
        core.send(bytes::Bytes::from(frame)).await.unwrap();
        let answer = timeout(DEADLINE, core.next())
            .await
            .expect("an answer within the deadline")
            .expect("an answer, not a closed connection")
            .unwrap();
        let answer = layout.decode(Direction::Response, &answer).unwrap();
        assert_eq!(answer.header["guid"], request.header["guid"]);
        assert_eq!(answer.header["resp_code"], "0000", "{answer:?}");
    }

    // Every idle connection is closed after its timeout (1 s header read, 4 s MCI idle).
    let open_after = still_open(idle, Instant::now() + DEADLINE).await;
    assert_eq!(open_after, 0, "idle connections still open");

    let text = metrics(gateway.admin).await;
    let evicted =
        r#"shadowgate_connections_closed_total{listener="core-banking",reason="evicted"}"#;
    // 600 idle plus core banking into 256 places: at least 345 evictions.
    assert!(
        value(&text, evicted) >= (MCI_IDLE + 1 - 256) as f64,
        "{text}"
    );
    let refused = r#"shadowgate_frames_total{listener="http",outcome="rejected"}"#;
    assert!(value(&text, refused) > 0.0, "{text}");
    let timed_out =
        r#"shadowgate_connections_closed_total{listener="http",reason="header_read_timeout"}"#;
    assert!(value(&text, timed_out) > 0.0, "{text}");
    let live_errors = r#"shadowgate_frames_total{listener="core-banking",outcome="live_error"}"#;
    assert_eq!(value(&text, live_errors), 0.0, "{text}");

    drop(core);
    drop(gateway);
    shutdown.cancel();
    tasks.close();
    let _ = timeout(DEADLINE, tasks.wait()).await;
}

#[test]
fn caps_over_the_open_file_limit_refuse_to_start_naming_the_keys() {
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("shadowgate.toml");
    // Nothing listens there: the check comes before any engine or listener.
    let engine: SocketAddr = "127.0.0.1:9".parse().unwrap();
    std::fs::write(&config_path, config(engine, &dir.path().join("store"))).unwrap();
    let output = Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 512 && exec \"$0\" run --config \"$1\"")
        .arg(env!("CARGO_BIN_EXE_shadowgate"))
        .arg(&config_path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "started under ulimit -n 512:\n{stderr}"
    );
    for expected in [
        "need 616 file descriptors, found a limit of 512",
        "listeners.mci[0].max_connections = 256",
        "listeners.http.max_connections = 256",
        "listeners.admin.max_connections = 32",
        "engines.legacy.max_in_flight = 8",
    ] {
        assert!(stderr.contains(expected), "{expected:?} not in:\n{stderr}");
    }
}
