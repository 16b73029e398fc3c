//! `load` on real files: every problem once, at once, at its key, quoting what was declared.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use super::{load, Problem};

pub(crate) fn example_layout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/layouts/loan-screening.toml")
}

/// A valid config with one listener, engine and strategy; `extra` is appended (later tables
/// and keys of new tables), `replace` edits the text first.
pub(crate) fn config(dir: &Path, replace: &[(&str, &str)], extra: &str) -> PathBuf {
    let mut text = format!(
        r#"
[[listeners.mci]]
name = "core-banking"
address = "127.0.0.1:0"
layout = "loan"

[layouts]
loan = {layout:?}

[engines.legacy]
protocol = "mci"
address = "127.0.0.1:7001"
layout = "loan"

[strategies.loan]
layout = "loan"
tx_codes = ["LNS0001"]
live = "legacy"

[store]
path = "store"
"#,
        layout = example_layout()
    );
    for (from, to) in replace {
        assert!(text.contains(from), "{from}");
        text = text.replace(from, to);
    }
    text.push_str(extra);
    let path = dir.join("shadowgate.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// [`config`] with the strategy's shadow engine (`new`, over http): with `extra` appended.
pub(super) fn config_with_shadow(dir: &Path, extra: &str) -> PathBuf {
    config(
        dir,
        &[(
            "live = \"legacy\"",
            "live = \"legacy\"\nshadow = \"new\"\npath = \"/x\"",
        )],
        &format!("\n[engines.new]\nprotocol = \"http\"\nurl = \"http://127.0.0.1:7002\"\n{extra}"),
    )
}

pub(super) fn problems(path: &Path) -> Vec<Problem> {
    load(path).expect_err("the config is refused").problems
}

#[test]
fn the_base_config_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let config = load(&config(dir.path(), &[], "")).unwrap();
    assert_eq!(config.warnings, []);
}

#[test]
fn one_broken_layout_is_one_problem_not_a_cascade() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, "name = \"broken\"\n[header]\ndiscriminator = 3\n").unwrap();
    let path = config(
        dir.path(),
        &[(
            &format!("loan = {:?}", example_layout()),
            &format!("loan = {broken:?}"),
        )],
        "",
    );
    let found = problems(&path);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].key, "layouts.loan (line 8, column 8)");
}

#[test]
fn two_typos_are_two_problems_with_their_key_paths() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(
        dir.path(),
        &[
            (
                "address = \"127.0.0.1:7001\"",
                "adress = \"127.0.0.1:7001\"",
            ),
            (
                "live = \"legacy\"",
                "live = \"legacy\"\nshadow_sampel_percent = 5",
            ),
        ],
        "",
    );
    let keys: Vec<String> = problems(&path).into_iter().map(|p| p.key).collect();
    // Each unknown key at its line; the misspelt address also leaves the engine without one:
    // reported at its own key, with its table's line, as any missing key.
    assert_eq!(
        keys,
        [
            "engines.legacy.address (in the table at line 10)",
            "engines.legacy.adress (line 12, column 1)",
            "strategies.loan.shadow_sampel_percent (line 19, column 1)",
        ]
    );
}

#[test]
fn an_unknown_key_is_at_its_name_and_an_unknown_section_at_its_name_in_the_brackets() {
    let dir = tempfile::tempdir().unwrap();
    // The name is what is misspelt: a key's first character, a section's inside `[`/`[[`, where
    // the name is in a dotted header too.
    let path = config(
        dir.path(),
        &[
            (
                "name = \"core-banking\"",
                "name = \"core-banking\"\n  max_conections = 5",
            ),
            (
                "[strategies.loan]",
                "[[strategies.loan.rulez]]\n[strategies.loan]",
            ),
        ],
        "\n[helth]\nprobe_interval_ms = 5\n",
    );
    let shown: Vec<String> = problems(&path).iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "listeners.mci[0].max_conections (line 4, column 3): expected a key this section \
             knows (did you mean `max_connections`? see the configuration table in the README), \
             found \"max_conections\"",
            "strategies.loan.rulez (line 16, column 19): expected a key this section knows (did \
             you mean `rules`? see the configuration table in the README), found \"rulez\"",
            "helth (line 25, column 2): expected a key this section knows (did you mean \
             `health`? see the configuration table in the README), found \"helth\"",
        ]
    );
}

#[test]
fn a_syntax_error_is_one_problem_with_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(dir.path(), &[], "[logging\nlevel = \"info\"\n");
    let found = problems(&path);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].key.starts_with("line "), "{}", found[0]);
    assert!(found[0].key.contains("column "), "{}", found[0]);
}

#[test]
fn an_address_without_port_and_a_too_long_code_are_both_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(
        dir.path(),
        &[("address = \"127.0.0.1:7001\"", "address = \"legacy-host\"")],
        "\n[response_codes]\nlive_error = \"E5022\"\n",
    );
    let shown: Vec<String> = problems(&path).iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 2, "{shown:#?}");
    assert_eq!(
        shown[0],
        r#"engines.legacy.address (line 12, column 11): expected host:port, found "legacy-host""#
    );
    assert!(
        shown[1].starts_with(
            "response_codes.live_error (line 24, column 14): expected at most 4 bytes in cp949"
        ),
        "{}",
        shown[1]
    );
    assert!(shown[1].contains("listeners.mci[0].layout"), "{}", shown[1]);
    assert!(
        shown[1].ends_with(r#"found "E5022" (5 bytes)"#),
        "{}",
        shown[1]
    );
}

#[test]
fn a_client_key_that_does_not_match_the_certificate_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let other = rcgen::KeyPair::generate().unwrap();
    let file = |name: &str, text: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let (ca, client, key) = (
        file("ca.pem", cert.cert.pem()),
        file("client.pem", cert.cert.pem()),
        file("other.key", other.serialize_pem()),
    );
    let engine = format!(
        "\n[engines.new]\nprotocol = \"https\"\nurl = \"https://127.0.0.1:7002\"\n\
         [engines.new.tls]\nca_file = {ca:?}\nclient_cert_file = {client:?}\nclient_key_file = {key:?}\n"
    );
    let found = problems(&config(dir.path(), &[], &engine));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].key,
        "engines.new.tls.client_key_file (line 29, column 19)"
    );
    let quoted = format!("found {key:?} (");
    assert!(found[0].to_string().contains(&quoted), "{}", found[0]);

    let matching = file("client.key", cert.signing_key.serialize_pem());
    let engine = engine.replace("other.key", "client.key");
    assert!(matching.exists());
    load(&config(dir.path(), &[], &engine)).unwrap();
}

#[test]
fn poll_interval_needs_an_mci_engine_below_its_idle_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(
        dir.path(),
        &[(
            "layout = \"loan\"\n\n[strategies",
            "layout = \"loan\"\npoll_interval_ms = 1500\n\n[strategies",
        )],
        "\n[engines.new]\nprotocol = \"http\"\nurl = \"http://127.0.0.1:7002\"\npoll_interval_ms = 100\n",
    );
    let keys: Vec<String> = problems(&path).into_iter().map(|p| p.key).collect();
    assert_eq!(
        keys,
        [
            "engines.legacy.poll_interval_ms (line 14, column 20)",
            "engines.new.poll_interval_ms (line 27, column 20)"
        ]
    );
    // Below the idle timeout, with the example layout's poll: valid, and the poll is its frame.
    let path = config(
        dir.path(),
        &[(
            "layout = \"loan\"\n\n[strategies",
            "layout = \"loan\"\npoll_interval_ms = 500\n\n[strategies",
        )],
        "",
    );
    let config = load(&path).unwrap();
    let Some(super::EngineSpec::Mci { settings, .. }) = config.engines.get("legacy") else {
        panic!("no mci engine");
    };
    let poll = settings.poll.as_ref().unwrap();
    assert_eq!(poll.interval, std::time::Duration::from_millis(500));
    assert_eq!(&poll.frame[..], b"00000020REQPOLLING@@");
    assert_eq!(&poll.answer[..], b"00000020RESPOLLING@@");
}

#[test]
fn the_review_zone_must_be_a_known_iana_name_and_the_chart_a_sane_length() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(
        dir.path(),
        &[],
        "[review]\ntime_zone = \"Asia/Seol\"\nchart_days = 0\n",
    );
    let problems = problems(&path);
    let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "review.time_zone (line 23, column 13)",
            "review.chart_days (line 24, column 14)"
        ]
    );
    assert!(
        problems[0].to_string().contains("Asia/Seol"),
        "{}",
        problems[0]
    );
    let good = tempfile::tempdir().unwrap();
    let path = config(good.path(), &[], "[review]\ntime_zone = \"Asia/Seoul\"\n");
    let loaded = load(&path).unwrap();
    assert_eq!(loaded.review.zone_name(), "Asia/Seoul");
    assert_eq!(loaded.review.chart_days, 14);
}

#[test]
fn shadow_workers_queue_and_runtime_threads_are_bounded_and_default_sanely() {
    let dir = tempfile::tempdir().unwrap();
    let extra =
        "[shadow]\nworkers = 65\nqueue_capacity = 0\nnice = 20\n[runtime]\nworker_threads = 1000\n";
    let path = config_with_shadow(dir.path(), extra);
    let problems = problems(&path);
    let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "shadow.workers (line 29, column 11)",
            "shadow.queue_capacity (line 30, column 18)",
            "shadow.nice (line 31, column 8)",
            "runtime.worker_threads (line 33, column 18)"
        ]
    );
    let good = tempfile::tempdir().unwrap();
    let loaded = load(&config(good.path(), &[], "")).unwrap();
    let shadow = loaded.shadow;
    assert_eq!(
        (shadow.workers, shadow.queue_capacity, shadow.nice),
        (1, 1024, 0)
    );
    assert_eq!(loaded.runtime.worker_threads, 0, "one per core");
    let path = config_with_shadow(good.path(), "[shadow]\nworkers = 3\n");
    assert_eq!(load(&path).unwrap().shadow.workers, 3);
    let path = config_with_shadow(good.path(), "[shadow]\nworkers = 0\n");
    assert_eq!(
        load(&path).unwrap().shadow.workers,
        0,
        "a task on the runtime"
    );
    // Nothing gathers without a worker thread.
    let path = config_with_shadow(good.path(), "[shadow]\nworkers = 0\ngather_ms = 5\n");
    let loaded = load(&path).unwrap();
    let warned: Vec<&str> = loaded.warnings.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(warned, ["shadow.gather_ms (line 30, column 13)"]);
}

#[test]
fn shadow_scheduling_defaults_to_batch_and_idle_warns_of_a_nice_value_it_ignores() {
    use super::raw::ShadowScheduling;
    let dir = tempfile::tempdir().unwrap();
    let loaded = load(&config(dir.path(), &[], "")).unwrap();
    assert_eq!(loaded.shadow.scheduling, ShadowScheduling::Batch);
    assert_eq!(loaded.shadow.gather_ms, 0, "a wake per comparison");
    let long = config_with_shadow(dir.path(), "[shadow]\ngather_ms = 101\n");
    let keys: Vec<String> = problems(&long).into_iter().map(|p| p.key).collect();
    assert_eq!(keys, ["shadow.gather_ms (line 29, column 13)"]);
    let idle = config_with_shadow(dir.path(), "[shadow]\nscheduling = \"idle\"\n");
    assert_eq!(
        load(&idle).unwrap().shadow.scheduling,
        ShadowScheduling::Idle
    );
    let nice = load(&config_with_shadow(dir.path(), "[shadow]\nnice = 5\n")).unwrap();
    assert_eq!(nice.warnings, []);
    let ignored = config_with_shadow(dir.path(), "[shadow]\nscheduling = \"idle\"\nnice = 5\n");
    let ignored = load(&ignored).unwrap();
    let keys: Vec<&str> = ignored.warnings.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["shadow.nice (line 30, column 8)"]);
    let unknown = config_with_shadow(dir.path(), "[shadow]\nscheduling = \"realtime\"\n");
    // A value no variant names is a TOML error, reported at its line with what was found.
    let refused = problems(&unknown);
    assert_eq!(refused.len(), 1);
    assert!(format!("{refused:?}").contains("realtime"), "{refused:?}");
}

/// A PostgreSQL store whose `password_env` names an unset or empty variable is refused by `load`
/// (`run`, reload) and `check-config` alike, as a missing `token_env` is: a running gateway
/// cannot gain the variable, so it would never connect. `--no-secrets` does not read it.
#[test]
fn a_postgres_password_env_that_is_unset_or_empty_is_an_error_at_its_key() {
    const SET: &str = "SHADOWGATE_CONFIG_TEST_PG_PASSWORD_SET";
    const EMPTY: &str = "SHADOWGATE_CONFIG_TEST_PG_PASSWORD_EMPTY";
    const UNSET: &str = "SHADOWGATE_CONFIG_TEST_PG_PASSWORD_UNSET";
    std::env::set_var(SET, "s3cret");
    std::env::set_var(EMPTY, "");
    let dir = tempfile::tempdir().unwrap();
    let fleet = |var: &str| {
        let postgres = format!(
            "\n[store.postgres]\nurl = \"postgres://gw@127.0.0.1:5432/shadowgate\"\n\
             sslmode = \"disable\"\npassword_env = \"{var}\"\n"
        );
        let store = (
            "path = \"store\"",
            "path = \"store\"\nbackend = \"postgres\"",
        );
        config(dir.path(), &[store], &postgres)
    };
    let key = "store.postgres.password_env";
    for (var, why) in [(UNSET, "which is not set"), (EMPTY, "which is empty")] {
        let expected = format!(
            "{key} (line 27, column 16): expected the name of a set, non-empty environment \
             variable, found \"{var}\", {why}"
        );
        let path = fleet(var);
        let found: Vec<String> = problems(&path).iter().map(ToString::to_string).collect();
        assert_eq!(found, std::slice::from_ref(&expected));
        let checked = super::check_with(&path, super::Secrets::Read);
        assert!(checked.config.is_none());
        let shown: Vec<String> = checked.problems.iter().map(ToString::to_string).collect();
        assert!(shown.contains(&expected), "check-config: {shown:#?}");
        let skipped = super::check_with(&path, super::Secrets::Skip);
        assert!(
            skipped.problems.iter().all(|p| p.key != key),
            "--no-secrets"
        );
    }
    let config = load(&fleet(SET)).unwrap();
    assert_eq!(config.store.postgres.password_env.as_deref(), Some(SET));
    assert!(
        !format!("{config:?}").contains("s3cret"),
        "the password is not kept"
    );
}

#[test]
fn admin_allowed_hosts_are_read_in_lower_case_and_a_bad_one_is_named_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let admin = |hosts: &str| {
        format!("\n[listeners.admin]\naddress = \"127.0.0.1:0\"\nallowed_hosts = {hosts}\n")
    };
    let good = config(dir.path(), &[], &admin(r#"["Review.Bank.Example."]"#));
    let loaded = load(&good).unwrap();
    assert_eq!(
        loaded.admin_listener.unwrap().allowed_hosts,
        ["review.bank.example"]
    );
    let bad = config(dir.path(), &[], &admin(r#"["ok.example", "gw:9190"]"#));
    let shown: Vec<String> = problems(&bad).iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "listeners.admin.allowed_hosts[1] (line 25, column 32): expected a host name as a \
             browser sends it (no scheme, port or wildcard), e.g. \"review.bank.example\", found \
             \"gw:9190\""
        ]
    );
}
