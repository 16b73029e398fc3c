//! The gateway in a process of its own, for tests that kill it (SIGKILL) or run several: the
//! test executable runs itself again with one test selected (the child, which calls
//! [`child_main`]) and the config file's path in [`CONFIG_ENV`]; the child starts the gateway
//! from that config ([`shadowgate::server::Running`], as `shadowgate run` does) and serves until
//! SIGTERM (a graceful shutdown, which flushes the store) or SIGKILL.
//!
//! ```ignore
//! // The child, a test of its own (ignored, so it runs only when spawned):
//! shadowgate_tests::gateway_child!("the gateway process of the fleet test");
//! // In the test (`GatewayProcess::start` where blocking is allowed):
//! let (config, admin) = write_config(TestGateway::new().live(..), dir.path());
//! let gateway = GatewayProcess::start_async("haproxy::gateway_child", &config, admin).await;
//! let said = health(admin).await;
//! ```

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use shadowgate::server::Running;

use crate::gateway::{get, GatewayBuilder, Listener};

/// The environment variable naming the child's config file; without it the child does nothing.
pub const CONFIG_ENV: &str = "SHADOWGATE_TEST_CHILD_CONFIG";
/// How long a child may take to start serving, or to stop after SIGTERM.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// The child's grace period for answers in flight at SIGTERM.
const GRACE: Duration = Duration::from_secs(2);

/// A gateway process started by [`GatewayProcess::spawn`]; SIGKILLed if still running when
/// dropped.
pub struct GatewayProcess {
    child: Child,
    log: PathBuf,
}

impl GatewayProcess {
    /// Runs the test `child_test` of this executable (it calls [`child_main`]) with `config`;
    /// its logs (warnings and errors) go to `config` with the extension `log`.
    pub fn spawn(child_test: &str, config: &Path) -> GatewayProcess {
        let log = config.with_extension("log");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        let child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", child_test, "--ignored", "--nocapture"])
            .arg("--test-threads=1")
            .env(CONFIG_ENV, config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .unwrap();
        GatewayProcess { child, log }
    }

    /// [`GatewayProcess::spawn`], then [`GatewayProcess::wait_ready`]: a gateway serving with its
    /// admin listener on `admin`. It blocks: an async test calls it in
    /// `tokio::task::block_in_place`.
    pub fn start(child_test: &str, config: &Path, admin: SocketAddr) -> GatewayProcess {
        let mut process = GatewayProcess::spawn(child_test, config);
        process.wait_ready(admin);
        process
    }

    /// [`GatewayProcess::start`] for an async test: the wait for the child runs off the runtime's
    /// workers.
    pub async fn start_async(child_test: &str, config: &Path, admin: SocketAddr) -> GatewayProcess {
        let (child_test, config) = (child_test.to_owned(), config.to_owned());
        tokio::task::spawn_blocking(move || GatewayProcess::start(&child_test, &config, admin))
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
    }

    /// Waits until `GET /readyz` on `admin` answers 200, or panics with the child's log.
    pub fn wait_ready(&mut self, admin: SocketAddr) {
        let deadline = Instant::now() + START_TIMEOUT;
        while readyz(admin) != Some(200) {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("the gateway exited with {status}: {}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "the gateway at {admin} was not ready within {START_TIMEOUT:?}: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no shutdown, no flush; the process is gone when this returns.
    pub fn kill(mut self) {
        self.child.kill().unwrap(); // SIGKILL on unix
        self.child.wait().unwrap();
    }

    /// SIGTERM, then waits (bounded) for a clean exit: the gateway flushed its store.
    pub fn terminate(mut self) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(status.success(), "kill -TERM {pid}");
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(
                    status.success(),
                    "the gateway exited with {status}: {}",
                    self.log()
                );
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the gateway did not stop: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The child's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for GatewayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback address with a port free right now, for a listener that must keep its port
/// across restarts (a load balancer names it).
pub fn free_address() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// Writes `builder`'s config for a gateway process to `dir/shadowgate.toml`, its store in
/// `dir/store` and its admin listener on a fixed free address (a restart keeps it, and
/// [`GatewayProcess::wait_ready`] asks it): the file and that address.
pub fn write_config(builder: GatewayBuilder, dir: &Path) -> (PathBuf, SocketAddr) {
    let admin = free_address();
    let toml = builder
        .admin()
        .address(Listener::Admin, admin)
        .toml(&dir.join("store"));
    let config = dir.join("shadowgate.toml");
    std::fs::write(&config, toml).unwrap();
    (config, admin)
}

/// `/api/v1/health` of the gateway whose admin listener is `admin`, as JSON; panics unless it
/// answers 200.
pub async fn health(admin: SocketAddr) -> Value {
    let (status, body) = get(&format!("http://{admin}/api/v1/health")).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// Declares the test `gateway_child`, ignored (`reason`, a string literal, says why), that is
/// the gateway process of the module's tests: [`GatewayProcess::spawn`] runs it by its path
/// (`"<module>::gateway_child"`), and it calls [`child_main`].
#[macro_export]
macro_rules! gateway_child {
    ($reason:literal) => {
        /// The gateway process of this module's tests (see [`shadowgate_tests::process`]).
        #[test]
        #[ignore = $reason]
        fn gateway_child() {
            $crate::process::child_main();
        }
    };
}

/// The child's side: serves the gateway of the config in [`CONFIG_ENV`] until SIGTERM; returns
/// at once when the variable is not set (the child test run on its own).
pub fn child_main() {
    let Some(path) = std::env::var_os(CONFIG_ENV).map(PathBuf::from) else {
        return;
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::WARN)
        // Plain text: tests read the log file ([`GatewayProcess::log`]).
        .with_ansi(false)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use tokio::signal::unix::{signal, SignalKind};
        let mut terminate = signal(SignalKind::terminate()).unwrap();
        let config = shadowgate::config::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let running = Running::start(config)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        terminate.recv().await;
        running.shutdown(GRACE).await;
    });
}

/// The status of `GET /readyz`, or `None` when nothing answers in time.
fn readyz(admin: SocketAddr) -> Option<u16> {
    let timeout = Duration::from_secs(1);
    let mut stream = TcpStream::connect_timeout(&admin, timeout).ok()?;
    stream.set_read_timeout(Some(timeout)).ok()?;
    stream.set_write_timeout(Some(timeout)).ok()?;
    let request = format!("GET /readyz HTTP/1.1\r\nhost: {admin}\r\nconnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}
