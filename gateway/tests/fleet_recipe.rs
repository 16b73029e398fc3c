//! The fleet recipe's files in `deploy/fleet/` (README, Fleet) are valid as shipped: the
//! gateway's config passes `check-config`, and Prometheus accepts its scrape config with the
//! alert rules. `haproxy.cfg` is run for real by the fleet acceptance test
//! (`tests/tests/fleet/haproxy`).
//!
//! `promtool` comes with Debian's `prometheus` package (`tests/run.sh` installs it).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_file(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// The recipe's gateway config installed in a temporary folder, as README Fleet step 2 says:
/// the layouts beside it and, with `with_ca`, the database's CA in `pg-ca.pem`.
fn installed(with_ca: bool) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("shadowgate.toml");
    std::fs::copy(repo_file("deploy/fleet/shadowgate-fleet.toml"), &config).unwrap();
    std::fs::create_dir(dir.path().join("layouts")).unwrap();
    std::fs::copy(
        repo_file("config/layouts/loan-screening.toml"),
        dir.path().join("layouts/loan-screening.toml"),
    )
    .unwrap();
    if with_ca {
        let ca = rcgen::generate_simple_self_signed(vec!["db.bank.internal".to_owned()]).unwrap();
        std::fs::write(dir.path().join("pg-ca.pem"), ca.cert.pem()).unwrap();
    }
    (dir, config)
}

/// `check-config --no-secrets` (the admin token and the database password are the host's
/// secrets, not the recipe's): success, stdout, stderr.
fn check_config(config: &Path) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_shadowgate"))
        .args(["check-config", "--no-secrets", "--config"])
        .arg(config)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.success(), stdout, stderr)
}

#[test]
fn the_fleet_gateway_config_passes_check_config() {
    let (_dir, config) = installed(true);
    let (ok, stdout, stderr) = check_config(&config);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("is valid"), "{stdout}");
    // Only the example engine host names (they do not resolve here) and the recipe's listener
    // ports, when something on this machine holds them (CI ran a node exporter on 9100), may be
    // warned about: both are facts of this machine, not of the recipe.
    for warning in stderr.lines().filter(|l| l.trim_start().starts_with("- ")) {
        assert!(
            warning.contains("expected a host name that resolves")
                || (warning.contains("expected an address this machine can bind")
                    && warning.contains("in use now")),
            "unexpected warning: {warning}"
        );
    }
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("backend = \"postgres\""), "{text}");
    // The recipe leaves `instance` unset: the summary shows the host name it resolves to.
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let shown = format!("instance {} (this host's name);", host.trim());
    assert!(stdout.contains(&shown), "{shown} in {stdout}");
}

/// The README says a fleet's gateways keep their rules identical: the recipe carries the same
/// comparison rules, readiness criteria and review settings (time zone, chart days) as the
/// single-gateway example, so a trial of the fleet compares as the trial of one gateway did.
#[test]
fn the_fleet_config_has_the_single_gateway_rules_and_review_zone() {
    let read = |path: &str| -> toml::Table {
        toml::from_str(&std::fs::read_to_string(repo_file(path)).unwrap()).unwrap()
    };
    let (single, fleet) = (
        read("config/shadowgate.toml"),
        read("deploy/fleet/shadowgate-fleet.toml"),
    );
    let strategy = |config: &toml::Table, part: &str| {
        config["strategies"]["loan-screening"].get(part).cloned()
    };
    for part in ["rules", "readiness"] {
        assert!(strategy(&single, part).is_some(), "{part}");
        assert_eq!(strategy(&fleet, part), strategy(&single, part), "{part}");
    }
    assert_eq!(fleet.get("review"), single.get("review"));
    assert!(single["review"].get("time_zone").is_some());
}

/// The recipe binds the admin listener off loopback, where an empty `allowed_hosts` answers any
/// name: it lists names, so a bank copying it is protected from DNS rebinding from the start.
#[test]
fn the_fleet_admin_listener_lists_the_names_it_answers_to() {
    let recipe = std::fs::read_to_string(repo_file("deploy/fleet/shadowgate-fleet.toml")).unwrap();
    let fleet: toml::Table = toml::from_str(&recipe).unwrap();
    let admin = &fleet["listeners"]["admin"];
    let address = admin["address"].as_str().unwrap();
    assert!(address.starts_with("0.0.0.0:"), "{address}");
    let hosts = admin.get("allowed_hosts").and_then(|h| h.as_array());
    assert!(hosts.is_some_and(|h| !h.is_empty()), "{admin}");
}

/// The database's CA is read by `check-config`, as `run` reads it at start: a missing one is an
/// error at its key, not a gateway that passes the check and then fails to start.
#[test]
fn a_missing_database_ca_fails_check_config() {
    let (_dir, config) = installed(false);
    let (ok, stdout, stderr) = check_config(&config);
    assert!(!ok, "{stdout}\n{stderr}");
    // At its line in the recipe's file, whichever line that is.
    let at = stderr
        .split_once("store.postgres.ca_file (line ")
        .map(|(_, rest)| rest);
    assert!(
        at.and_then(|rest| rest.split_once("): "))
            .is_some_and(|(line, said)| {
                line.contains(", column ")
                    && said.starts_with("expected a readable PEM file of CA certificates")
            }),
        "{stderr}"
    );
}

/// `promtool check config` on the recipe where the repository has it: each `rule_files` entry,
/// relative to `deploy/fleet/`, reaches a file of the repository (`dashboards/alerts.yml`). The
/// copy checked sits in the same layout in a temporary folder, with those files and the token
/// file where the recipe says (promtool wants it to exist).
#[test]
fn the_fleet_prometheus_config_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("shadowgate.token");
    std::fs::write(&token, "token\n").unwrap();
    let recipe = std::fs::read_to_string(repo_file("deploy/fleet/prometheus.yml")).unwrap();
    const TOKEN_FILE: &str = "/etc/prometheus/shadowgate.token";
    assert!(recipe.contains(TOKEN_FILE), "{recipe}");
    let installed = dir.path().join("deploy/fleet");
    std::fs::create_dir_all(&installed).unwrap();
    let rules = rule_files(&recipe);
    assert!(!rules.is_empty(), "no rule_files in {recipe}");
    for rule in rules {
        let source = repo_file("deploy/fleet").join(rule);
        assert!(
            source.is_file(),
            "rule_files entry {rule} is no file from deploy/fleet/"
        );
        let copy = installed.join(rule);
        std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
        std::fs::copy(&source, &copy).unwrap();
    }
    let config = installed.join("prometheus.yml");
    let text = recipe.replace(TOKEN_FILE, token.to_str().unwrap());
    std::fs::write(&config, text).unwrap();
    let output = Command::new("promtool")
        .args(["check", "config"])
        .arg(&config)
        .output()
        .unwrap_or_else(|error| {
            panic!(
                "promtool could not be run ({error}); install Debian's `prometheus` package \
                 (tests/run.sh does)"
            )
        });
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The entries of the top-level `rule_files:` list of a Prometheus config.
fn rule_files(config: &str) -> Vec<&str> {
    config
        .lines()
        .skip_while(|line| *line != "rule_files:")
        .skip(1)
        .map_while(|line| line.strip_prefix("  - "))
        .map(str::trim)
        .collect()
}
