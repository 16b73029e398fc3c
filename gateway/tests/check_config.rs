//! `shadowgate check-config`, the real binary: the example config passes; a config with three
//! different mistakes fails and names all three by their key paths.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

fn check_config(config: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shadowgate"))
        .arg("check-config")
        .arg("--config")
        .arg(config)
        .output()
        .unwrap()
}

fn repo_file(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

#[test]
fn the_example_config_is_valid() {
    let output = check_config(&repo_file("config/shadowgate.toml"));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("is valid"), "{stdout}");
    for shown in ["core-banking", "legacy", "new-engine", "loan-screening"] {
        assert!(stdout.contains(shown), "{shown} missing from:\n{stdout}");
    }
}

#[test]
fn three_mistakes_are_all_reported_with_their_key_paths() {
    let dir = tempfile::tempdir().unwrap();
    let layout = repo_file("config/layouts/loan-screening.toml");
    let config = format!(
        r#"
[[listeners.mci]]
name = "core-banking"
address = "core-banking:9100"
layout = "loan-screening"

[layouts]
loan-screening = {layout:?}

[engines.legacy]
protocol = "mci"
address = "127.0.0.1:7001"
layout = "loan-screening"

[strategies.loan-screening]
layout = "loan-screening"
tx_codes = ["LNS0001"]
live = "legacy"
shadow = "ghost"
shadow_sample_percent = 150
"#
    );
    let path = dir.path().join("shadowgate.toml");
    std::fs::write(&path, config).unwrap();
    let output = check_config(&path);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    for key in [
        "listeners.mci[0].address",
        "strategies.loan-screening.shadow:",
        "strategies.loan-screening.shadow_sample_percent",
    ] {
        assert!(stderr.contains(key), "{key} missing from:\n{stderr}");
    }
    assert!(stderr.contains("3 problems"), "{stderr}");
}
