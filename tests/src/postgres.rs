//! A throwaway PostgreSQL cluster for tests: Debian's server binaries (`initdb`, `postgres`), a
//! fresh data directory in a temporary folder, a free loopback port, trust authentication, the
//! server stopped by its PID when dropped.
//!
//! PostgreSQL refuses to run as root: as root, the data directory is handed to `nobody` and the
//! binaries run under `setpriv` as that user (`setpriv` execs, so the child's PID is the
//! server's own). [`TestPostgres::stop`] and [`TestPostgres::start`] take the same cluster down
//! and up again on the same port, for tests of a database that goes away.
//!
//! `tests/run.sh` installs Debian's `postgresql` package when it is missing; without it
//! [`TestPostgres::start_new`] fails with a message saying so, never skips.
//!
//! # Layout
//! - `query`: what the tests read back, one query on a new session, its rows as typed tuples
//!   ([`FromRow`]); async and blocking.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

mod query;

pub use query::FromRow;

/// How long the server may take to accept connections, or to stop.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// The unprivileged user (and group) the server runs as when the tests run as root.
const NOBODY: &str = "65534";
/// The database and user the tests use.
pub const DATABASE: &str = "postgres";

/// A running (or stopped) PostgreSQL cluster, stopped and deleted when dropped.
pub struct TestPostgres {
    bin: PathBuf,
    dir: TempDir,
    port: u16,
    child: Option<Child>,
    /// Certificate and key files when TLS is on.
    tls: Option<(PathBuf, PathBuf)>,
}

impl TestPostgres {
    /// Creates a cluster in a temporary directory and starts it on a free loopback port.
    pub fn start_new() -> TestPostgres {
        let mut postgres = TestPostgres::create();
        postgres.start();
        postgres
    }

    /// [`TestPostgres::start_new`] for an async test: the wait for the server runs off the
    /// runtime's workers.
    pub async fn start_async() -> TestPostgres {
        tokio::task::spawn_blocking(TestPostgres::start_new)
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
    }

    /// Stops and deletes the cluster, as dropping it does, for an async test: the wait for the
    /// server's exit runs off the runtime's workers.
    pub async fn delete_async(self) {
        tokio::task::spawn_blocking(move || drop(self))
            .await
            .unwrap();
    }

    /// Like [`TestPostgres::start_new`], with TLS on (`ssl = on`) presenting `cert` and `key`
    /// (PEM); connections without TLS are still accepted.
    pub fn start_tls(cert: &Path, key: &Path) -> TestPostgres {
        let mut postgres = TestPostgres::create();
        let (cert_copy, key_copy) = (
            postgres.dir.path().join("server.pem"),
            postgres.dir.path().join("server.key"),
        );
        std::fs::copy(cert, &cert_copy).unwrap();
        std::fs::copy(key, &key_copy).unwrap();
        // PostgreSQL refuses a key that others can read, or that is not its user's.
        let status = Command::new("chmod")
            .arg("600")
            .arg(&key_copy)
            .status()
            .unwrap();
        assert!(status.success());
        if as_root() {
            let owner = format!("{NOBODY}:{NOBODY}");
            let status = Command::new("chown")
                .arg(owner)
                .args([&cert_copy, &key_copy])
                .status()
                .unwrap();
            assert!(status.success());
        }
        postgres.tls = Some((cert_copy, key_copy));
        postgres.start();
        postgres
    }

    /// A new cluster, not started.
    fn create() -> TestPostgres {
        let bin = server_bin().unwrap_or_else(|| {
            panic!(
                "no PostgreSQL server binaries (initdb, postgres) in /usr/lib/postgresql/*/bin; \
                 install Debian's `postgresql` package (tests/run.sh does)"
            )
        });
        let dir = tempfile::tempdir().unwrap();
        if as_root() {
            let status = Command::new("chown")
                .arg(format!("{NOBODY}:{NOBODY}"))
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(status.success(), "chown of the cluster directory failed");
        }
        let data = dir.path().join("data");
        let log = std::fs::File::create(dir.path().join("initdb.log")).unwrap();
        let status = unprivileged(&bin.join("initdb"))
            .args(["--auth=trust", "--username=postgres", "--no-sync"])
            .arg("-D")
            .arg(&data)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .status()
            .unwrap();
        let log = std::fs::read_to_string(dir.path().join("initdb.log")).unwrap_or_default();
        assert!(status.success(), "initdb failed: {log}");
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        TestPostgres {
            bin,
            dir,
            port,
            child: None,
            tls: None,
        }
    }

    /// Starts the server (again) and waits until it accepts connections.
    pub fn start(&mut self) {
        assert!(self.child.is_none(), "the test cluster is already running");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("postgres.log"))
            .unwrap();
        let mut command = unprivileged(&self.bin.join("postgres"));
        if let Some((cert, key)) = &self.tls {
            command
                .args(["-c", "ssl=on", "-c"])
                .arg(format!("ssl_cert_file={}", cert.display()))
                .arg("-c")
                .arg(format!("ssl_key_file={}", key.display()));
        }
        let child = command
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            // The socket directory must be writable by the server's user; fsync is for disks.
            .arg("-k")
            .arg(self.dir.path())
            .args(["-c", "fsync=off", "-c", "max_connections=50"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        self.wait_ready();
    }

    /// Stops the server (a fast shutdown: sessions are ended) and waits for it to exit.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // SIGINT is PostgreSQL's fast shutdown.
        let _ = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + READY_TIMEOUT;
        while Instant::now() < deadline {
            if child.try_wait().unwrap().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    /// The URL the gateway connects with (no TLS, trust authentication).
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{DATABASE}", self.port)
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A new blocking client. Call it off the async runtime (`spawn_blocking` or a plain thread):
    /// the blocking client runs its own.
    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url(), postgres::NoTls).unwrap()
    }

    /// Creates login role `role` with `password` and makes the server ask it for that password
    /// over TCP (a `scram-sha-256` line for it ahead of the trust lines, then a configuration
    /// reload); every other user keeps trust authentication. Returns its URL on `database`.
    /// Call it off the async runtime, as [`TestPostgres::client`].
    pub fn require_password(&self, role: &str, password: &str, database: &str) -> String {
        let mut client = self.client();
        client
            .batch_execute(&format!(
                "CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'"
            ))
            .unwrap();
        let hba = self.dir.path().join("data").join("pg_hba.conf");
        let lines = std::fs::read_to_string(&hba).unwrap();
        // Written in place: the file keeps its owner (the server's user when run as root).
        std::fs::write(
            &hba,
            format!("host all \"{role}\" 127.0.0.1/32 scram-sha-256\n{lines}"),
        )
        .unwrap();
        client.batch_execute("SELECT pg_reload_conf()").unwrap();
        // The reload is a signal: wait until a login without the password is refused.
        let url = format!("postgres://{role}@127.0.0.1:{}/{database}", self.port);
        let deadline = Instant::now() + READY_TIMEOUT;
        while postgres::Client::connect(&format!("{url}?password=not-{password}"), postgres::NoTls)
            .is_ok()
        {
            assert!(
                Instant::now() < deadline,
                "the reload never asked for the password"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        url
    }

    /// The server's log so far, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("postgres.log")).unwrap_or_default()
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Some(status) = child.try_wait().unwrap() {
                    panic!("postgres exited with {status}: {}", self.log());
                }
            }
            if postgres::Client::connect(&self.url(), postgres::NoTls).is_ok() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "postgres did not accept connections within {READY_TIMEOUT:?}: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The directory of the newest installed server's binaries (Debian keeps them off `PATH`).
fn server_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn as_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        .is_some_and(|effective| effective == "0")
}

/// `program` as a command run as `nobody` when the tests run as root.
fn unprivileged(program: &Path) -> Command {
    if !as_root() {
        return Command::new(program);
    }
    let mut command = Command::new("setpriv");
    command
        .arg(format!("--reuid={NOBODY}"))
        .arg(format!("--regid={NOBODY}"))
        .arg("--clear-groups")
        .arg("--")
        .arg(program);
    command
}
