//! The command line as people meet it, the real binary: a closed pipe ends a command quietly;
//! user errors print one line and no backtrace, even with `RUST_BACKTRACE=1`; each command offers
//! only the formats it accepts; JSON has one time format; the store lock, a frame decoded in the
//! wrong direction and `--from` at a port that is not the admin listener get plain advice;
//! `demo --exit` advertises no URL of the gateway it stopped, and refuses a data directory marked
//! by hand; `loadgen` fails when its requests do and names the address that refused;
//! `check-config` checks secrets without printing them, or skips them with `--no-secrets`; text
//! shows times in the config's review zone, and names it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

fn shadowgate(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_shadowgate"));
    command.args(args).env("RUST_BACKTRACE", "1");
    command
}

fn run(args: &[&str]) -> Output {
    shadowgate(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A user error: exit code 1, one `error:` line, no backtrace.
fn assert_user_error(output: &Output) -> String {
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(!stderr.to_lowercase().contains("backtrace"), "{stderr}");
    stderr
}

/// The config of a demo run with `--exit` (run once per test binary), its store full of records.
fn demo() -> &'static (tempfile::TempDir, PathBuf, String) {
    static DEMO: OnceLock<(tempfile::TempDir, PathBuf, String)> = OnceLock::new();
    DEMO.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("demo");
        let output = run(&[
            "demo",
            "--exit",
            "--requests",
            "200",
            "--data-dir",
            data.to_str().unwrap(),
            "--mci-address",
            "127.0.0.1:0",
            "--admin-address",
            "127.0.0.1:0",
        ]);
        let stdout = text(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout}\n{}",
            text(&output.stderr)
        );
        (dir, data.join("shadowgate.toml"), stdout)
    })
}

/// The demo store is a sled directory, which one process at a time may open (and one test
/// holds its lock on purpose): tests that read it take turns.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static STORE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    STORE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn config() -> &'static str {
    demo().1.to_str().unwrap()
}

#[test]
fn demo_exit_advertises_no_url_of_the_stopped_gateway() {
    let stdout = &demo().2;
    let advice = &stdout[stdout.find("the gateway has stopped").expect(stdout)..];
    assert!(!advice.contains("http://"), "{advice}");
    assert!(!stdout.contains("HTML report  http"), "{stdout}");
    assert!(advice.contains("shadowgate report --config"), "{advice}");
}

#[test]
fn a_report_read_by_a_closed_pipe_exits_zero_without_an_error() {
    let _store = one_at_a_time();
    // `report | head -1`, without the race: the reader is gone before the first line.
    let (reader, writer) = std::os::unix::net::UnixStream::pair().unwrap();
    drop(reader);
    let output = shadowgate(&["report", "--config", config()])
        .stdout(Stdio::from(std::os::fd::OwnedFd::from(writer)))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = text(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(stderr, "", "no error line");

    // And `| head -1` itself: the first line arrives, nothing else is said.
    let mut child = shadowgate(&["report", "--config", config()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(text(&first).starts_with("shadowgate repo"));
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stderr), "");
}

#[test]
fn the_rate_sentence_states_the_observed_rate_and_its_bound() {
    let _store = one_at_a_time();
    let output = run(&["report", "--config", config()]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let line = stdout
        .lines()
        .find(|l| l.contains("comparisons failed ("))
        .expect(&stdout);
    assert!(
        line.contains("%); at 95% confidence the rate is below "),
        "{line}"
    );
}

#[test]
fn json_times_are_rfc3339_only() {
    let _store = one_at_a_time();
    for args in [
        vec!["report", "--config", config(), "--format", "json"],
        vec![
            "mismatches",
            "list",
            "--config",
            config(),
            "--format",
            "json",
            "--limit",
            "5",
        ],
    ] {
        let output = run(&args);
        let stdout = text(&output.stdout);
        assert!(output.status.success(), "{}", text(&output.stderr));
        assert!(!stdout.contains("_micros"), "{args:?}: {stdout}");
        let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let time = match args[0] {
            "report" => value["groups"]["loan-screening"][0]["first_seen"].clone(),
            _ => value["records"][0]["time"].clone(),
        };
        let time = time
            .as_str()
            .unwrap_or_else(|| panic!("{args:?}: {stdout}"));
        assert!(
            time.len() >= 20 && time.ends_with('Z') && &time[10..11] == "T",
            "{time}"
        );
    }
}

#[test]
fn each_command_offers_only_the_formats_it_accepts() {
    let _store = one_at_a_time();
    for args in [
        vec!["report", "--help"],
        vec!["mismatches", "show", "--help"],
    ] {
        let help = text(&run(&args).stdout);
        assert!(help.contains("--format"), "{help}");
        assert!(!help.contains("csv"), "{args:?} offers csv:\n{help}");
    }
    let help = text(&run(&["mismatches", "list", "--help"]).stdout);
    assert!(help.contains("csv"), "{help}");
    let output = run(&["report", "--config", config(), "--format", "csv"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "a usage error: {stderr}");
    assert!(stderr.contains("invalid value 'csv'"), "{stderr}");
    assert!(!stderr.contains("backtrace"), "{stderr}");
}

#[test]
fn limit_zero_is_refused_instead_of_answering_no_records() {
    let _store = one_at_a_time();
    let output = run(&["mismatches", "list", "--config", config(), "--limit", "0"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("0 lists nothing; give at least 1"),
        "{stderr}"
    );
    assert!(!text(&output.stdout).contains("no records match"));
}

#[test]
fn user_errors_print_one_line_and_no_backtrace() {
    let _store = one_at_a_time();
    let output = run(&["report", "--store", "/nonexistent/shadowgate-store"]);
    let stderr = assert_user_error(&output);
    assert!(
        stderr.contains("no store at /nonexistent/shadowgate-store"),
        "{stderr}"
    );
    let output = run(&["mismatches", "show", "not-an-id", "--config", config()]);
    assert_user_error(&output);
}

/// A `.shadowgate-demo` made by hand (`touch`) does not make a directory the demo's: refused
/// before anything is written, saying what the marker holds.
#[test]
fn demo_refuses_a_data_dir_marked_by_an_empty_marker() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".shadowgate-demo"), "").unwrap();
    std::fs::write(dir.path().join("keys"), "2026-12 = my key\n").unwrap();
    let output = run(&[
        "demo",
        "--exit",
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--mci-address",
        "127.0.0.1:0",
        "--admin-address",
        "127.0.0.1:0",
    ]);
    let stderr = assert_user_error(&output);
    assert_eq!(
        stderr.trim_end(),
        format!(
            "error: --data-dir {}: .shadowgate-demo: expected the marker `shadowgate demo` \
             writes (first line \"shadowgate demo data directory\"), found an empty file; the \
             demo replaces shadowgate.toml and keys there and empties store/: give another \
             --data-dir",
            dir.path().display()
        )
    );
    let keys = std::fs::read_to_string(dir.path().join("keys")).unwrap();
    assert_eq!(keys, "2026-12 = my key\n");
}

#[test]
fn a_locked_store_names_its_path_and_what_to_do() {
    let _store = one_at_a_time();
    // This process opens (creates) and holds a store, as a running gateway would; its own, so
    // the tests reading the demo's store in parallel are not locked out.
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().to_owned();
    let _held = shadowgate::store::Reader::open(&store).unwrap();
    let output = run(&["report", "--store", store.to_str().unwrap()]);
    let stderr = assert_user_error(&output);
    assert!(
        stderr.contains(&format!(
            "store {:?} is locked",
            store.display().to_string()
        )) && stderr.contains("--from"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("WouldBlock") && !stderr.contains("Os {"),
        "{stderr}"
    );
    // Every command that opens a store says the same, with what to do for that command.
    let store_arg = store.to_str().unwrap();
    for args in [
        &[
            "groups",
            "list",
            "--strategy",
            "loan-screening",
            "--store",
            store_arg,
        ][..],
        &["audit", "list", "--store", store_arg],
    ] {
        let stderr = assert_user_error(&run(args));
        assert!(
            stderr.contains(&format!(
                "store {:?} is locked",
                store.display().to_string()
            )) && stderr.contains("--from")
                && !stderr.contains("Os {"),
            "{args:?}: {stderr}"
        );
    }
    drop(_held);
    let demo_store = Path::new(config()).with_file_name("store");
    let _held = shadowgate::store::Reader::open(&demo_store).unwrap();
    let replay = [
        "replay",
        "--config",
        config(),
        "--strategy",
        "loan-screening",
        "--by",
        "ci",
    ];
    let stderr = assert_user_error(&run(&replay));
    assert!(
        stderr.contains(&format!(
            "store {:?} is locked",
            demo_store.display().to_string()
        )) && stderr.contains("or start the run on it with POST http://")
            && stderr.contains("/api/v1/replays")
            && !stderr.contains("Os {"),
        "{stderr}"
    );
}

fn layout_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/layouts/loan-screening.toml")
}

#[test]
fn a_request_frame_decoded_as_a_response_gets_a_hint() {
    let layout = shadowgate::demo::layout().unwrap();
    let frame = shadowgate::loadgen::frames::FramePool::new(&layout, 1, 1)
        .unwrap()
        .frame(0);
    let decode = |direction: &str| {
        let mut child = shadowgate(&["decode", "--layout", layout_file().to_str().unwrap()])
            .args(["--direction", direction])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&frame).unwrap();
        child.wait_with_output().unwrap()
    };
    assert!(decode("request").status.success());
    let stderr = assert_user_error(&decode("response"));
    assert!(stderr.contains("try --direction request"), "{stderr}");
}

#[test]
fn report_from_a_port_that_is_not_the_admin_listener_gets_a_hint() {
    // Something that is not an HTTP server: accepts, writes a frame-like line, closes.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4) {
            let mut stream = stream.unwrap();
            let _ = stream.write_all(b"0000004800000000 not http\n");
        }
    });
    let output = run(&["report", "--from", &format!("http://{address}")]);
    let stderr = assert_user_error(&output);
    assert!(stderr.contains("is --from the admin listener"), "{stderr}");
}

#[test]
fn loadgen_fails_and_names_the_address_that_refused() {
    let refused = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().to_string()
    };
    let output = run(&[
        "loadgen",
        "--address",
        &refused,
        "--requests",
        "10",
        "--connections",
        "1",
    ]);
    let stderr = assert_user_error(&output);
    assert!(
        stderr.contains(&format!("{refused}: 10 of 10 requests got no answer")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("nothing listens at {refused}")),
        "{stderr}"
    );
}

#[test]
fn check_config_checks_the_token_file_without_printing_it_or_skips_it() {
    let dir = tempfile::tempdir().unwrap();
    let example = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/shadowgate.toml"),
    )
    .unwrap();
    let layouts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/layouts");
    let toml = example
        .replace("layouts/", &format!("{}/", layouts.display()))
        .replace(
            "[listeners.admin]",
            "[listeners.admin]\ntoken_file = \"admin-token\"",
        );
    let toml = toml
        .lines()
        .filter(|l| !l.trim_start().starts_with("token_env"))
        .collect::<Vec<_>>()
        .join("\n");
    let config = dir.path().join("shadowgate.toml");
    std::fs::write(&config, toml).unwrap();
    let config = config.to_str().unwrap();

    let missing = run(&["check-config", "--config", config]);
    let stderr = text(&missing.stderr);
    assert_eq!(missing.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("listeners.admin.token_file"), "{stderr}");

    let skipped = run(&["check-config", "--config", config, "--no-secrets"]);
    let stdout = text(&skipped.stdout);
    assert!(
        skipped.status.success(),
        "{stdout}\n{}",
        text(&skipped.stderr)
    );
    assert!(stdout.contains("not read: --no-secrets"), "{stdout}");

    let token = dir.path().join("admin-token");
    std::fs::write(&token, "the-secret-token\n").unwrap();
    std::fs::set_permissions(&token, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let present = run(&["check-config", "--config", config]);
    let (stdout, stderr) = (text(&present.stdout), text(&present.stderr));
    assert!(present.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("bearer token from file"), "{stdout}");
    assert!(!stdout.contains("the-secret-token") && !stderr.contains("the-secret-token"));
}

/// The bank-link layout of the protocol tests: polls, header-only admin frames selected by
/// length, business frames by a two-field key.
fn bank_link() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../protocol-mci/tests/layouts/bank-link.toml")
}

fn with_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = shadowgate(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

/// A layout that loads but may not decode as meant (a base view shorter than another, without
/// a selector) is said on stderr as `layout import` says it, and the frame is decoded.
#[test]
fn decode_says_the_warnings_of_its_layout() {
    let dir = tempfile::tempdir().unwrap();
    let shorter_base = std::fs::read_to_string(layout_file()).unwrap().replace(
        r#"{ name = "message", type = "text", length = 80, truncate = true },"#,
        r#"{ name = "detail", type = "redefines", alternatives = [
    { name = "loan", fields = [{ name = "amount", type = "number", length = 6 }] },
    { name = "card", fields = [{ name = "card_no", type = "text", length = 10 }] },
  ] },
  { name = "message", type = "text", length = 70, truncate = true },"#,
    );
    let path = dir.path().join("loan-screening.toml");
    std::fs::write(&path, shorter_base).unwrap();
    let layout = shadowgate::demo::layout().unwrap();
    let frame = shadowgate::loadgen::frames::FramePool::new(&layout, 1, 1)
        .unwrap()
        .frame(0);
    let path = path.to_str().unwrap();
    let decoded = with_stdin(
        &["decode", "--layout", path, "--direction", "request"],
        &frame,
    );
    let stderr = text(&decoded.stderr);
    assert!(decoded.status.success(), "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "warning: layout {path}: messages.LNS0001.response.detail: expected the base view \
             (the first, which decoding reads without a `selector`) to be the longest, found base \
             view \"loan\" of 6 bytes and view \"card\" of 10 bytes, whose last 4 bytes would be \
             read by nothing: add a `selector` and `when` values, or make the longest view the \
             first\n"
        )
    );
}

#[test]
fn decode_names_a_control_frame_and_encode_takes_a_length_selected_message_by_name() {
    let layout = bank_link();
    let layout = layout.to_str().unwrap();
    let poll = with_stdin(&["decode", "--layout", layout], b"000016REQPOLLING");
    assert!(poll.status.success(), "{}", text(&poll.stderr));
    let json: serde_json::Value = serde_json::from_slice(&poll.stdout).unwrap();
    assert_eq!(json["control"], "poll");
    assert_eq!(json["answer"], "000016RESPOLLING");

    // A header-only admin frame: decoded by its length, written back only when named.
    let mut admin = format!("000094{:<32}S0000 000BR01", "G-ADMIN").into_bytes();
    admin.extend_from_slice(
        format!("{:<4}{:<8}{:<4}{:27}", "0800", "SIGNON", "BR01", "").as_bytes(),
    );
    assert_eq!(admin.len(), 94);
    let decoded = with_stdin(&["decode", "--layout", layout], &admin);
    assert!(decoded.status.success(), "{}", text(&decoded.stderr));
    let refused = with_stdin(&["encode", "--layout", layout], &decoded.stdout);
    assert_user_error(&refused);
    let named = with_stdin(
        &["encode", "--layout", layout, "--message", "ADMIN"],
        &decoded.stdout,
    );
    assert!(named.status.success(), "{}", text(&named.stderr));
    assert_eq!(named.stdout, admin);
    let unknown = with_stdin(
        &["encode", "--layout", layout, "--message", "NOPE"],
        &decoded.stdout,
    );
    let refused = assert_user_error(&unknown);
    assert!(
        refused.contains("--message: expected a message of the layout (ADMIN, ")
            && refused.contains("), found \"NOPE\""),
        "{refused}"
    );
}

/// `demo-engine --print-requests N` serves nothing, so it needs no `--kind`; serving still does.
#[test]
fn demo_requests_print_without_a_kind_and_serving_needs_one() {
    let output = run(&["demo-engine", "--print-requests", "2"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let lines: Vec<serde_json::Value> = text(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(lines
        .iter()
        .all(|l| l["header"].is_object() && l["body"].is_object()));
    let output = run(&["demo-engine", "--listen", "127.0.0.1:0"]);
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("--kind"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn text_times_are_in_the_review_zone_of_the_config_and_json_stays_utc() {
    let _store = one_at_a_time();
    let demo_config = Path::new(config());
    let toml = std::fs::read_to_string(demo_config).unwrap();
    let seoul = demo_config.with_file_name("seoul.toml");
    std::fs::write(&seoul, toml + "\n[review]\ntime_zone = \"Asia/Seoul\"\n").unwrap();
    let seoul = seoul.to_str().unwrap();
    // The newest record and its time as stored, in UTC (JSON is a machine format).
    let output = run(&[
        "mismatches",
        "list",
        "--config",
        seoul,
        "--format",
        "json",
        "--limit",
        "1",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let utc = value["records"][0]["time"].as_str().unwrap().to_owned();
    assert!(utc.ends_with('Z'), "{utc}");
    let kst = utc
        .parse::<jiff::Timestamp>()
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Seoul").unwrap())
        .strftime("%Y-%m-%d %H:%M:%S +09:00")
        .to_string();
    let id = value["records"][0]["id"].as_str().unwrap();
    for args in [
        &["mismatches", "list", "--config", seoul, "--limit", "1"][..],
        &["mismatches", "show", id, "--config", seoul],
        &["report", "--config", seoul],
    ] {
        let output = run(args);
        let stdout = text(&output.stdout);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            text(&output.stderr)
        );
        assert_eq!(stdout.matches("Times in Asia/Seoul").count(), 1, "{stdout}");
        assert!(stdout.contains("+09:00"), "{args:?}: {stdout}");
        // No time of ours left in UTC (`2026-12-01T…`); `show`'s decisions below its facts
        // carry the engines' own `sent_at` stamps, data shown as it is.
        let ours = stdout.split("\n\n").next().unwrap();
        let ours = if args[1] == "show" { ours } else { &stdout };
        assert!(!ours.contains(&utc[..11]), "{args:?}: {stdout}");
        if args[0] == "mismatches" {
            assert!(stdout.contains(&kst), "{args:?}: {kst} in {stdout}");
        }
    }
    // A store read without a config: UTC, and the text says so.
    let store = demo_config.with_file_name("store");
    let output = run(&["mismatches", "list", "--store", store.to_str().unwrap()]);
    let stdout = text(&output.stdout);
    assert!(stdout.starts_with("Times in UTC\n"), "{stdout}");
    assert!(stdout.contains("+00:00"), "{stdout}");
}

#[test]
fn offline_commands_read_a_config_whose_admin_token_they_do_not_have() {
    // The admin token is the running gateway's: `report`, `mismatches`, `groups` and the like
    // read the store with the config and never serve the admin listener, so an unset token
    // variable is not theirs to refuse.
    let _store = one_at_a_time();
    let demo_config = Path::new(config());
    let toml = std::fs::read_to_string(demo_config).unwrap().replace(
        "[listeners.admin]\n",
        "[listeners.admin]\ntoken_env = \"SHADOWGATE_TEST_TOKEN_NOT_SET\"\n",
    );
    assert!(toml.contains("token_env"), "{toml}");
    let with_token = demo_config.with_file_name("with-token.toml");
    std::fs::write(&with_token, toml).unwrap();
    let with_token = with_token.to_str().unwrap();
    for args in [
        &["report", "--config", with_token][..],
        &["mismatches", "list", "--config", with_token, "--limit", "1"],
        &[
            "groups",
            "list",
            "--config",
            with_token,
            "--strategy",
            "loan-screening",
        ],
    ] {
        let output = shadowgate(args)
            .env_remove("SHADOWGATE_TEST_TOKEN_NOT_SET")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
    // Serving it still needs the token: check-config says so.
    let output = shadowgate(&["check-config", "--config", with_token])
        .env_remove("SHADOWGATE_TEST_TOKEN_NOT_SET")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("SHADOWGATE_TEST_TOKEN_NOT_SET"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn a_replay_by_nobody_is_refused_before_it_runs() {
    // The example config, its relative paths made absolute and its store in a folder of ours.
    let dir = tempfile::tempdir().unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config");
    let store = dir.path().join("store");
    let toml = std::fs::read_to_string(examples.join("shadowgate.toml"))
        .unwrap()
        .replace("\"layouts/", &format!("\"{}/layouts/", examples.display()))
        .replace(
            "\"../data/store\"",
            &format!("{:?}", store.display().to_string()),
        );
    let config = dir.path().join("shadowgate.toml");
    std::fs::write(&config, toml).unwrap();
    let output = shadowgate(&[
        "replay",
        "--config",
        config.to_str().unwrap(),
        "--strategy",
        "loan-screening",
        "--group",
        "0000000000000000",
    ])
    .env_remove("USER")
    .env_remove("LOGNAME")
    .output()
    .unwrap();
    let stderr = assert_user_error(&output);
    assert!(
        stderr.contains(
            "--by: expected the name of who runs this replay, found nothing (no $USER or \
             $LOGNAME in the environment); set --by NAME"
        ),
        "{stderr}"
    );
    assert!(!store.exists(), "nothing written");
}

#[test]
fn a_misspelt_strategy_fails_the_review_commands_naming_the_counted_ones() {
    let _store = one_at_a_time();
    let refusal = "strategy: this store has counted no strategy named \"loan-screenin\" (it has \
                   counted: loan-screening)";
    let with = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--strategy", "loan-screenin", "--config", config()]);
        run(&all)
    };
    for args in [
        &["mismatches", "list"][..],
        &["mismatches", "list", "--format", "csv"],
        &["groups", "list"],
        &["report"],
        &["report", "--format", "json"],
    ] {
        let stderr = assert_user_error(&with(args));
        assert_eq!(stderr.trim_end(), format!("error: {refusal}"), "{args:?}");
    }
    let set = [
        "groups",
        "set",
        "--signature",
        "0123456789abcdef",
        "--by",
        "kim",
    ];
    let stderr = assert_user_error(&with(&[&set[..], &["--state", "investigating"]].concat()));
    assert_eq!(
        stderr.trim_end(),
        format!("error: group loan-screenin/0123456789abcdef: {refusal}")
    );
    // The strategy as counted reads as before.
    let listed = run(&[
        "groups",
        "list",
        "--strategy",
        "loan-screening",
        "--config",
        config(),
    ]);
    assert!(listed.status.success(), "{}", text(&listed.stderr));
}

#[test]
fn encode_refuses_a_key_the_layout_does_not_have_as_the_http_ingress_does() {
    let printed = run(&["demo-engine", "--print-requests", "1"]);
    assert!(printed.status.success(), "{}", text(&printed.stderr));
    let request = text(&printed.stdout);
    assert!(request.contains("\"channel\""), "{request}");
    let layout = layout_file();
    let encode = |json: &str| {
        with_stdin(
            &["encode", "--layout", layout.to_str().unwrap()],
            json.as_bytes(),
        )
    };
    let sent = encode(&request);
    assert!(sent.status.success(), "{}", text(&sent.stderr));
    assert!(!sent.stdout.is_empty());

    let stderr = assert_user_error(&encode(&request.replacen("\"channel\"", "\"chanel\"", 1)));
    assert!(
        stderr.starts_with(
            "error: header.chanel: expected a field of the header here (guid, sys_code, tx_code, \
             rr_flag,"
        ) && stderr.trim_end().ends_with("found a key it does not have"),
        "{stderr}"
    );
    let body = request.replacen("\"annual_income\"", "\"annual_incme\"", 1);
    assert_ne!(body, request);
    let stderr = assert_user_error(&encode(&body));
    assert!(
        stderr.starts_with("error: body.annual_incme: expected a field of the layout here ("),
        "{stderr}"
    );
}

/// The example layout with its loans as COBOL's `OCCURS 5` without `DEPENDING ON` (all five on
/// the wire; `loan_cnt` a number like any other), written into `dir`.
fn occurs_layout(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(layout_file()).unwrap();
    let counted = r#"{ name = "loans", type = "group", count = "loan_cnt", max = 5,"#;
    assert!(text.contains(counted));
    let path = dir.join("occurs.toml");
    let fixed = r#"{ name = "loans", type = "group", occurs = 5,"#;
    std::fs::write(&path, text.replace(counted, fixed)).unwrap();
    path
}

#[test]
fn encode_writes_an_occurs_group_short_of_elements_as_a_frame_decode_takes() {
    let printed = run(&["demo-engine", "--print-requests", "1"]);
    assert!(printed.status.success(), "{}", text(&printed.stderr));
    let mut request: serde_json::Value = serde_json::from_slice(&printed.stdout).unwrap();
    let one = r#"[{"lender": "KB", "balance": 8000000, "rate": 4.250}]"#;
    request["body"]["loans"] = serde_json::from_str(one).unwrap();
    request["body"]["loan_cnt"] = 1.into();
    let dir = tempfile::tempdir().unwrap();
    let layout = occurs_layout(dir.path());
    let layout = layout.to_str().unwrap();
    let json = request.to_string();
    let encoded = with_stdin(&["encode", "--layout", layout], json.as_bytes());
    assert!(encoded.status.success(), "{}", text(&encoded.stderr));
    // The four loans left out are written as INITIALIZE leaves them: zero numbers, not spaces.
    let decoded = with_stdin(&["decode", "--layout", layout], &encoded.stdout);
    assert!(decoded.status.success(), "{}", text(&decoded.stderr));
    let decoded: serde_json::Value = serde_json::from_slice(&decoded.stdout).unwrap();
    let loans = decoded["body"]["loans"].as_array().unwrap();
    assert_eq!(loans.len(), 5, "{decoded}");
    assert_eq!(loans[0]["lender"], "KB");
    assert_eq!(loans[0]["balance"].to_string(), "8000000");
    assert_eq!(loans[4]["lender"], "");
    assert_eq!(loans[4]["balance"].to_string(), "0");
    assert_eq!(loans[4]["rate"].to_string(), "0.000");
}

#[test]
fn encode_names_a_header_that_selects_no_message_by_its_keys_not_by_bytes() {
    let printed = run(&["demo-engine", "--print-requests", "1"]);
    assert!(printed.status.success(), "{}", text(&printed.stderr));
    let request: serde_json::Value = serde_json::from_slice(&printed.stdout).unwrap();
    let layout = layout_file();
    let encode = |header: serde_json::Value| {
        let mut request = request.clone();
        request["header"] = header;
        with_stdin(
            &["encode", "--layout", layout.to_str().unwrap()],
            request.to_string().as_bytes(),
        )
    };
    // A key the header does not have is named before the message it fails to select.
    let stderr = assert_user_error(&encode(serde_json::json!({"sis": 1})));
    assert!(
        stderr.starts_with("error: header.sis: expected a field of the header here (guid, "),
        "{stderr}"
    );
    let mut without_code = request["header"].clone();
    without_code
        .as_object_mut()
        .unwrap()
        .remove("tx_code")
        .unwrap();
    let stderr = assert_user_error(&encode(without_code.clone()));
    assert_eq!(
        stderr.trim_end(),
        "error: header.tx_code: expected the key of a message of the layout (LNS0001), found nothing"
    );
    without_code["tx_code"] = "LNS0009".into();
    let stderr = assert_user_error(&encode(without_code));
    assert_eq!(
        stderr.trim_end(),
        "error: header.tx_code: expected the key of a message of the layout (LNS0001), found \
         \"LNS0009\""
    );
}

#[test]
fn audit_list_of_an_empty_trail_says_so_and_where() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    std::fs::create_dir(&store).unwrap();
    let output = run(&["audit", "list", "--store", store.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        format!(
            "the audit trail in store {} is empty: no triage change, start, reload or cutover \
             sign-off recorded yet\n",
            store.display()
        )
    );
}

#[test]
fn a_report_from_a_gateway_answering_503_prints_one_lowercase_error_line() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let formats = ["text", "json"];
    let server = std::thread::spawn(move || {
        for _ in formats {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request).unwrap();
            let body = r#"{"error":"store degraded"}"#;
            write!(
                stream,
                "HTTP/1.1 503 Service Unavailable\r\ncontent-length: {}\r\nconnection: \
                 close\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
        }
    });
    for format in formats {
        let output = run(&["report", "--from", &url, "--format", format]);
        let stderr = assert_user_error(&output);
        assert_eq!(
            stderr,
            format!("error: {url}/api/v1/summary: 503 Service Unavailable: store degraded\n"),
            "{format}: one line, `error:` as every command prints it"
        );
    }
    server.join().unwrap();
}

/// `layout import` of a REDEFINES longer than the item it redefines writes a layout that loads,
/// and warns that without a selector decoding reads the shorter base view only.
#[test]
fn an_import_whose_base_view_is_shorter_warns_and_writes_the_layout() {
    let dir = tempfile::tempdir().unwrap();
    let copybook = dir.path().join("pay.cpy");
    std::fs::write(
        &copybook,
        "01 PAY.\n 05 ACCT PIC X(4).\n 05 CARD REDEFINES ACCT.\n  10 CARD-NO PIC X(6).\n",
    )
    .unwrap();
    let copybook = copybook.display().to_string();
    let output = run(&[
        "layout",
        "import",
        "--copybook",
        &copybook,
        "--format",
        "free",
    ]);
    let stderr = text(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(text(&output.stdout).contains("type = \"redefines\""));
    let said = format!(
        "warning: layout imported from {copybook}: messages.PAY.request.acct_redefines: expected \
         the base view (the first, which decoding reads without a `selector`) to be the longest, \
         found base view \"acct\" of 4 bytes and view \"card\" of 6 bytes, whose last 2 bytes \
         would be read by nothing: add a `selector` and `when` values, or make the longest view \
         the first\n"
    );
    // The request and the response are one record: each says it.
    assert_eq!(
        stderr,
        format!("{said}{}", said.replace("request", "response"))
    );
}
