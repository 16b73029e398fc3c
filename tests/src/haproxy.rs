//! A real HAProxy for tests: Debian's `haproxy` binary in the foreground (`-db`), configured from
//! the fleet recipe `deploy/fleet/haproxy.cfg` with the test's addresses, stopped by its PID when
//! dropped.
//!
//! The recipe is used as written except: its `bind` listens on a free loopback port, its
//! `server` lines name the test's gateways (MCI address, `port` of the admin listener for the
//! health check; the same again as unchecked backups, as in the recipe), and the check interval
//! is shortened so a test does not wait seconds for a gateway to be marked up or down. Each
//! replacement must find its line, so a recipe that changes shape fails here instead of being
//! tested in a form nobody runs.
//!
//! `tests/run.sh` installs the package when `haproxy` is missing; without it
//! [`TestHaproxy::start`] fails with a message saying so, never skips.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// How long HAProxy may take to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// The recipe's health-check interval, and the test's.
const RECIPE_INTER: &str = "inter 2s";
const TEST_INTER: &str = "inter 100ms";

/// One gateway behind the test HAProxy.
#[derive(Debug, Clone)]
pub struct Backend {
    /// Server name in HAProxy (`gw-1`).
    pub name: String,
    /// The gateway's MCI listener.
    pub mci: SocketAddr,
    /// The gateway's admin listener (health checks on `/readyz`).
    pub admin: SocketAddr,
}

/// A running HAProxy, stopped when dropped.
pub struct TestHaproxy {
    child: Child,
    addr: SocketAddr,
    dir: TempDir,
}

impl TestHaproxy {
    /// Starts HAProxy from the recipe in front of `backends` and waits until it accepts.
    pub fn start(backends: &[Backend]) -> TestHaproxy {
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let recipe = std::fs::read_to_string(recipe_path()).unwrap();
        let config = from_recipe(&recipe, addr, backends);
        let config_path = dir.path().join("haproxy.cfg");
        std::fs::write(&config_path, config).unwrap();
        let log = std::fs::File::create(dir.path().join("haproxy.log")).unwrap();
        let child = Command::new(haproxy_binary())
            .arg("-db")
            .arg("-f")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "haproxy could not be started ({error}); install Debian's `haproxy` package \
                     (tests/run.sh does)"
                )
            });
        let mut haproxy = TestHaproxy { child, addr, dir };
        haproxy.wait_ready();
        haproxy
    }

    /// The frontend's address: core banking's side.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// HAProxy's log so far (health-check transitions, connections), for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("haproxy.log")).unwrap_or_default()
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("haproxy exited with {status}: {}", self.log());
            }
            if std::net::TcpStream::connect(self.addr).is_ok() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "haproxy did not listen within {READY_TIMEOUT:?}: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for TestHaproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `deploy/fleet/haproxy.cfg`.
pub fn recipe_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/fleet/haproxy.cfg")
}

/// The recipe with the test's frontend address, servers and check interval.
pub fn from_recipe(recipe: &str, frontend: SocketAddr, backends: &[Backend]) -> String {
    let (mut binds, mut servers, mut inters) = (0, 0, 0);
    let mut out = String::new();
    for line in recipe.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("bind ") {
            binds += 1;
            out.push_str(&format!("  bind {frontend}\n"));
        } else if trimmed.starts_with("server ") {
            // The recipe's servers are replaced by the test's, where its first one stood.
            servers += 1;
            if servers == 1 {
                for b in backends {
                    let port = b.admin.port();
                    out.push_str(&format!("  server {} {} port {port}\n", b.name, b.mci));
                }
                for b in backends {
                    let (name, mci) = (&b.name, b.mci);
                    out.push_str(&format!("  server {name}-fallback {mci} backup no-check\n"));
                }
            }
        } else if trimmed.starts_with("default-server ") && line.contains(RECIPE_INTER) {
            inters += 1;
            out.push_str(&line.replace(RECIPE_INTER, TEST_INTER));
            out.push('\n');
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert_eq!(binds, 1, "the recipe has one `bind` line");
    assert!(servers >= 1, "the recipe has `server` lines");
    assert_eq!(
        inters, 1,
        "the recipe's default-server has `{RECIPE_INTER}`"
    );
    out
}

/// `haproxy` on `PATH`, else Debian's `/usr/sbin/haproxy` (not on a user's `PATH`).
fn haproxy_binary() -> PathBuf {
    let sbin = Path::new("/usr/sbin/haproxy");
    if sbin.exists() {
        sbin.to_owned()
    } else {
        PathBuf::from("haproxy")
    }
}
