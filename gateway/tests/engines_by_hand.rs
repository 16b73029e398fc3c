//! `docs/engines-by-hand.sh`, the README's "engines by hand" section as a script, run end to end
//! with the real binary: on free ports (a copy of the example config with its addresses
//! rewritten), every request it sends is answered, and every process it started is gone when it
//! exits, checked by PID.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Requests the script sends (its default is the README's 300).
const REQUESTS: u32 = 300;
/// A bound on the whole run (engines, gateway, 300 requests, report, stop) on a loaded machine.
const RUN_LIMIT: Duration = Duration::from_secs(120);

fn repo_file(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// A loopback address free right now.
fn free_address() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

/// Whether `pid` is still a process (a zombie counts: nobody waited for it).
fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[test]
fn the_script_sends_every_request_and_leaves_no_process_behind() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("layouts")).unwrap();
    std::fs::copy(
        repo_file("config/layouts/loan-screening.toml"),
        dir.path().join("layouts/loan-screening.toml"),
    )
    .unwrap();
    let example = std::fs::read_to_string(repo_file("config/shadowgate.toml")).unwrap();
    // The example's addresses, and the script's variable for each.
    let addresses: Vec<(&str, Option<&str>, String)> = vec![
        ("127.0.0.1:7001", Some("LEGACY"), free_address()),
        ("127.0.0.1:8080", Some("MODERN"), free_address()),
        ("127.0.0.1:9100", Some("MCI"), free_address()),
        ("127.0.0.1:9190", Some("ADMIN"), free_address()),
        ("127.0.0.1:9180", None, free_address()),
    ];
    let mut config = example.clone();
    let mut script = Command::new("bash");
    script.arg(repo_file("docs/engines-by-hand.sh"));
    for (example_address, variable, free) in &addresses {
        assert!(
            example.contains(example_address),
            "config/shadowgate.toml no longer uses {example_address}: update the script's \
             defaults and this test"
        );
        config = config.replace(example_address, free);
        if let Some(variable) = variable {
            script.env(variable, free);
        }
    }
    // The store in the test's own folder: the example's `../data/store`, relative to the
    // config, would be one shared /tmp/data/store for every run.
    let store = "path = \"../data/store\"";
    assert!(config.contains(store), "the example's store path changed");
    let config = config.replace(store, "path = \"store\"");
    let config_path = dir.path().join("shadowgate.toml");
    std::fs::write(&config_path, config).unwrap();
    let stdout_path = dir.path().join("stdout");
    let stderr_path = dir.path().join("stderr");
    let mut child = script
        .env("SHADOWGATE", env!("CARGO_BIN_EXE_shadowgate"))
        .env("CONFIG", &config_path)
        .env("REQUESTS", REQUESTS.to_string())
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout_path).unwrap())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + RUN_LIMIT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() >= deadline {
            // SIGTERM to the script: its trap stops what it started.
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stdout = std::fs::read_to_string(&stdout_path).unwrap();
    let stderr = std::fs::read_to_string(&stderr_path).unwrap();
    let shown = format!("stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        status.is_some_and(|s| s.success()),
        "{status:?} within {RUN_LIMIT:?}\n{shown}"
    );

    // Ready before load: every request sent and answered.
    let ready = stdout.find("gateway ready").expect(&shown);
    let sent = stdout
        .find(&format!("sent {REQUESTS}  ok {REQUESTS}  "))
        .unwrap_or_else(|| panic!("not every request was sent and answered ok\n{shown}"));
    assert!(ready < sent, "{shown}");
    // The report waits for the store: every frame's comparison or skip is counted in it.
    let counted: u64 = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("  comparisons "))
        .map(|line| {
            let numbers: Vec<u64> = line
                .split_whitespace()
                .filter_map(|word| word.replace(',', "").parse().ok())
                .collect();
            numbers[0] + numbers.last().copied().unwrap_or(0)
        })
        .sum();
    assert_eq!(
        counted,
        u64::from(REQUESTS),
        "comparisons + skipped\n{shown}"
    );

    // Exactly what it started, stopped and waited for.
    let pids: Vec<u32> = stdout
        .lines()
        .filter_map(|line| {
            line.strip_prefix("started ")?
                .split_once(" (pid ")?
                .1
                .strip_suffix(')')
        })
        .map(|pid| pid.parse().unwrap())
        .collect();
    assert_eq!(pids.len(), 3, "two engines and the gateway\n{shown}");
    let stopped = format!(
        "stopped pids {}",
        pids.iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    );
    assert!(stdout.contains(&stopped), "{stopped:?} missing\n{shown}");
    let left: Vec<_> = pids.iter().filter(|&&pid| alive(pid)).collect();
    assert!(left.is_empty(), "still running: {left:?}\n{shown}");
}
