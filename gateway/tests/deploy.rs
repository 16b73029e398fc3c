//! `deploy/shadowgate.service`, the systemd unit: `systemd-analyze verify` accepts it (pointed at
//! the built binary), its sandbox scores as hardened by `systemd-analyze security`, and its
//! `ExecReload` command makes the real running gateway reload its config.
//!
//! `systemd-analyze` comes with Debian's `systemd` package (`tests/run.sh` installs it) and works
//! without systemd running as init, in a container too.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Where the unit expects the binary (the README's install step puts it there).
const INSTALLED: &str = "/usr/local/bin/shadowgate";

fn repo_file(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn unit_text() -> String {
    std::fs::read_to_string(repo_file("deploy/shadowgate.service")).unwrap()
}

/// A copy of the unit, named like it, whose commands run the binary built for this test.
fn unit_for_built_binary(dir: &Path) -> PathBuf {
    let text = unit_text();
    assert!(
        text.contains(&format!("ExecStart={INSTALLED} run --config ")),
        "the unit's ExecStart no longer runs {INSTALLED}:\n{text}"
    );
    let path = dir.join("shadowgate.service");
    let built = env!("CARGO_BIN_EXE_shadowgate");
    std::fs::write(&path, text.replace(INSTALLED, built)).unwrap();
    path
}

fn systemd_analyze(args: &[&str], unit: &Path) -> Output {
    Command::new("systemd-analyze")
        .args(args)
        .arg(unit)
        .output()
        .unwrap_or_else(|error| {
            panic!(
                "systemd-analyze could not be run ({error}); install Debian's `systemd` package \
                 (tests/run.sh does) so this test can check deploy/shadowgate.service"
            )
        })
}

/// The unit's value of `key` (the last assignment, as systemd reads it), without comments.
fn setting(text: &str, key: &str) -> Option<String> {
    text.lines()
        .rev()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
        .map(|value| value.trim().to_owned())
}

#[test]
fn systemd_analyze_verify_accepts_the_unit() {
    let dir = tempfile::tempdir().unwrap();
    let unit = unit_for_built_binary(dir.path());
    let output = systemd_analyze(&["verify"], &unit);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Other units of the machine may draw warnings of their own; none may be about this one.
    let about_ours: Vec<_> = stderr
        .lines()
        .filter(|line| line.contains("shadowgate"))
        .collect();
    assert!(
        output.status.success() && about_ours.is_empty(),
        "systemd-analyze verify {}:\n{stderr}",
        unit.display()
    );

    // And the check is real: a unit whose binary is missing is refused.
    let missing = dir.path().join("missing").join("shadowgate.service");
    std::fs::create_dir_all(missing.parent().unwrap()).unwrap();
    std::fs::write(
        &missing,
        unit_text().replace(INSTALLED, "/nonexistent/shadowgate"),
    )
    .unwrap();
    assert!(!systemd_analyze(&["verify"], &missing).status.success());
}

#[test]
fn the_unit_is_sandboxed() {
    let text = unit_text();
    for (key, wanted) in [
        ("User", "shadowgate"),
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("CapabilityBoundingSet", ""),
        ("StateDirectory", "shadowgate"),
        ("ReadWritePaths", "/var/lib/shadowgate"),
        ("Restart", "on-failure"),
        ("ExecReload", "/bin/kill -HUP $MAINPID"),
    ] {
        assert_eq!(setting(&text, key).as_deref(), Some(wanted), "{key}=");
    }
    // systemd's own score of the sandbox: 0 is fully locked down, 10 not at all; below 2 is
    // "OK" in its words. Dropping a handful of the options above fails this.
    let dir = tempfile::tempdir().unwrap();
    let unit = unit_for_built_binary(dir.path());
    let output = systemd_analyze(&["security", "--offline=true", "--threshold=20"], &unit);
    assert!(
        output.status.success(),
        "exposure above 2.0:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A port free right now on loopback.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The body of `GET /metrics` on `admin`, or `None` while it does not answer.
fn metrics(admin: SocketAddr) -> Option<String> {
    let mut stream = TcpStream::connect_timeout(&admin, Duration::from_secs(1)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let request = format!("GET /metrics HTTP/1.1\r\nHost: {admin}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    answer.starts_with("HTTP/1.1 200").then_some(answer)
}

/// Polls `/metrics` until `wanted` is a line of it; panics with the last scrape after `within`.
fn wait_for_line(admin: SocketAddr, wanted: &str, within: Duration) {
    let deadline = Instant::now() + within;
    let mut last = None;
    while Instant::now() < deadline {
        last = metrics(admin);
        if last
            .as_deref()
            .is_some_and(|body| body.lines().any(|line| line == wanted))
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("no line {wanted:?} within {within:?}; last scrape:\n{last:?}");
}

/// Stops the gateway when the test ends, passed or not.
struct Stop(Child);

impl Drop for Stop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_units_reload_command_reloads_the_running_gateway() {
    let dir = tempfile::tempdir().unwrap();
    let admin: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let layout = repo_file("config/layouts/loan-screening.toml");
    // The engine is not running: it is down, a warning only, and the gateway serves anyway.
    let config = format!(
        r#"
[[listeners.mci]]
name = "core-banking"
address = "127.0.0.1:{mci}"
layout = "loan-screening"

[listeners.admin]
address = "{admin}"

[layouts]
loan-screening = {layout:?}

[engines.legacy]
protocol = "mci"
address = "127.0.0.1:{engine}"
layout = "loan-screening"

[strategies.loan-screening]
layout = "loan-screening"
tx_codes = ["LNS0001"]
live = "legacy"

[store]
path = "store"
"#,
        mci = free_port(),
        engine = free_port(),
    );
    let path = dir.path().join("shadowgate.toml");
    std::fs::write(&path, &config).unwrap();
    let gateway = Stop(
        Command::new(env!("CARGO_BIN_EXE_shadowgate"))
            .arg("run")
            .arg("--config")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let reloads =
        |result: &str| format!(r#"shadowgate_config_reloads_total{{result="{result}"}} "#);
    wait_for_line(
        admin,
        &format!("{}0", reloads("ok")),
        Duration::from_secs(30),
    );

    // `systemctl reload` runs ExecReload with $MAINPID set to the service's main process.
    let text = unit_text();
    let reload = setting(&text, "ExecReload").unwrap();
    let command = reload.replace("$MAINPID", &gateway.0.id().to_string());
    let mut words = command.split_whitespace();
    let status = Command::new(words.next().unwrap())
        .args(words)
        .status()
        .unwrap();
    assert!(status.success(), "{command}");
    wait_for_line(
        admin,
        &format!("{}1", reloads("ok")),
        Duration::from_secs(30),
    );
    assert!(metrics(admin)
        .unwrap()
        .contains(&format!("{}0", reloads("error"))));
}
