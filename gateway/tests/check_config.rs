//! `shadowgate check-config`, the real binary: the example config passes; a config with three
//! different mistakes fails and names all three by their key paths; warnings are printed apart
//! and do not fail; what only the machine can tell (store directory, DNS) is checked too, in the
//! same run as the file's own mistakes; a reader that closes its end early ends it quietly.

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
        "listeners.mci[0].address (line 4, column 11): expected ip:port",
        "strategies.loan-screening.shadow (line 19, column 10): expected an engine declared",
        "strategies.loan-screening.shadow_sample_percent (line 20, column 25): expected a percentage",
    ] {
        assert!(stderr.contains(key), "{key} missing from:\n{stderr}");
    }
    assert!(stderr.contains("3 errors"), "{stderr}");
}

/// A config whose engine address, response codes and store path the test chooses.
fn write_config(dir: &Path, engine_address: &str, extra: &str) -> std::path::PathBuf {
    let layout = repo_file("config/layouts/loan-screening.toml");
    let store = dir.join("store");
    let config = format!(
        r#"
[[listeners.mci]]
name = "core-banking"
address = "127.0.0.1:0"
layout = "loan-screening"

[layouts]
loan-screening = {layout:?}

[engines.legacy]
protocol = "mci"
address = "{engine_address}"
layout = "loan-screening"

[strategies.loan-screening]
layout = "loan-screening"
tx_codes = ["LNS0001"]
live = "legacy"

[store]
path = {store:?}
{extra}
"#
    );
    let path = dir.join("shadowgate.toml");
    std::fs::write(&path, config).unwrap();
    path
}

#[test]
fn an_address_without_port_and_a_code_too_long_are_refused_naming_both_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(
        dir.path(),
        "legacy-host",
        "[response_codes]\nlive_error = \"E5022\"",
    );
    let output = check_config(&path);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("2 errors"), "{stderr}");
    assert!(
        stderr.contains(r#"engines.legacy.address (line 12, column 11): expected host:port, found "legacy-host""#),
        "{stderr}"
    );
    assert!(
        stderr.contains("response_codes.live_error (line 23, column 14): expected at most 4 bytes"),
        "{stderr}"
    );
    assert!(stderr.contains(r#"found "E5022" (5 bytes)"#), "{stderr}");
}

#[test]
fn a_host_that_does_not_resolve_is_a_warning_and_passes() {
    let dir = tempfile::tempdir().unwrap();
    // `.invalid` never resolves (RFC 2606).
    let path = write_config(dir.path(), "legacy.invalid:7001", "");
    let output = check_config(&path);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stderr.contains("1 warning"), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
    assert!(
        stderr.contains(
            r#"engines.legacy.address (line 12, column 11): expected a host name that resolves, found "legacy.invalid:7001" ("#
        ),
        "{stderr}"
    );
    assert!(stdout.contains("is valid"), "{stdout}");
}

#[test]
fn a_store_directory_that_cannot_be_created_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    // A path under a regular file: refused for root too, where chmod would not stop writes.
    let file = dir.path().join("file");
    std::fs::write(&file, "").unwrap();
    let path = write_config(dir.path(), "127.0.0.1:7001", "");
    let text = std::fs::read_to_string(&path).unwrap();
    let store = format!("path = {:?}", dir.path().join("store"));
    let text = text.replace(&store, &format!("path = {:?}", file.join("sub")));
    std::fs::write(&path, text).unwrap();
    let output = check_config(&path);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("1 error"), "{stderr}");
    assert!(
        stderr.contains("store.path (line 21, column 8): expected a directory"),
        "{stderr}"
    );
    let declared = format!("found {:?} (", file.join("sub"));
    assert!(
        stderr.contains(&declared),
        "{declared} missing from:\n{stderr}"
    );
}

#[test]
fn a_typo_does_not_hide_what_only_the_machine_can_tell() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "").unwrap();
    let path = write_config(dir.path(), "legacy.invalid:7001", "");
    let text = std::fs::read_to_string(&path).unwrap();
    let store = format!("path = {:?}", dir.path().join("store"));
    let text = text
        .replace(&store, &format!("path = {:?}", file.join("sub")))
        .replace("tx_codes = ", "tx_code = [\"LNS0002\"]\ntx_codes = ");
    std::fs::write(&path, text).unwrap();
    let output = check_config(&path);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("2 errors"), "{stderr}");
    assert!(stderr.contains("1 warning"), "{stderr}");
    for shown in [
        r#"strategies.loan-screening.tx_code (line 17, column 1): expected a key this section knows (did you mean `tx_codes`?"#,
        "store.path (line 22, column 8): expected a directory the gateway can create and write",
        r#"engines.legacy.address (line 12, column 11): expected a host name that resolves, found "legacy.invalid:7001""#,
    ] {
        assert!(stderr.contains(shown), "{shown} missing from:\n{stderr}");
    }
}

#[test]
fn an_unknown_key_is_at_its_name_for_check_config_and_run_alike() {
    let dir = tempfile::tempdir().unwrap();
    // A key at its first character, a section at its name inside the brackets.
    let path = write_config(
        dir.path(),
        "127.0.0.1:7001",
        "[health]\nprobe_intervl_ms = 5\n\n[shadw]\nworkers = 1",
    );
    let listed = format!(
        "config {}: 2 errors\n  - health.probe_intervl_ms (line 23, column 1): expected a key \
         this section knows (did you mean `probe_interval_ms`? see the configuration table in \
         the README), found \"probe_intervl_ms\"\n  - shadw (line 25, column 2): expected a \
         key this section knows (did you mean `shadow`? see the configuration table in the \
         README), found \"shadw\"\n",
        path.display()
    );
    let checked = check_config(&path);
    assert_eq!(checked.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&checked.stderr), listed);
    // `run` refuses it in the same words, before it opens or binds anything.
    let run = Command::new(env!("CARGO_BIN_EXE_shadowgate"))
        .args(["run", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&run.stderr), listed);
    assert!(!dir.path().join("store").exists());
}

#[test]
fn a_listener_address_in_use_quotes_the_declared_address() {
    let dir = tempfile::tempdir().unwrap();
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = held.local_addr().unwrap().to_string();
    let path = write_config(dir.path(), "127.0.0.1:7001", "");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replace(
        r#"address = "127.0.0.1:0""#,
        &format!("address = {address:?}"),
    );
    std::fs::write(&path, text).unwrap();
    let output = check_config(&path);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let shown = format!(
        "listeners.mci[0].address (line 4, column 11): expected an address this machine can bind, found {address:?} (in use now"
    );
    assert!(stderr.contains(&shown), "{shown} missing from:\n{stderr}");
}

#[test]
fn a_missing_layout_file_quotes_the_declared_path_and_the_os_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), "127.0.0.1:7001", "");
    let text = std::fs::read_to_string(&path).unwrap();
    let layout = repo_file("config/layouts/loan-screening.toml");
    let text = text.replace(&format!("{layout:?}"), r#""layouts/nope.toml""#);
    std::fs::write(&path, text).unwrap();
    let output = check_config(&path);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("1 error"), "{stderr}");
    assert!(
        stderr.contains(
            r#"layouts.loan-screening (line 8, column 18): expected a valid layout file, found "layouts/nope.toml" (no such file or directory)"#
        ),
        "{stderr}"
    );
}

#[test]
fn a_reader_that_closed_its_end_ends_the_command_quietly() {
    // The reader's end is closed before the command writes anything, so its first line meets a
    // closed pipe every time (`| head -1` closes it after a line, a race with small output).
    let (reader, writer) = std::os::unix::net::UnixStream::pair().unwrap();
    drop(reader);
    let output = Command::new(env!("CARGO_BIN_EXE_shadowgate"))
        .arg("check-config")
        .arg("--config")
        .arg(repo_file("config/shadowgate.toml"))
        .stdout(std::process::Stdio::from(std::os::fd::OwnedFd::from(
            writer,
        )))
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert!(output.status.success(), "{stderr}");
}

#[test]
fn rules_without_owner_or_expiring_soon_are_warnings_naming_their_keys() {
    let dir = tempfile::tempdir().unwrap();
    // Days are those of `[review] time_zone`, UTC by default.
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let soon = today.checked_add(jiff::ToSpan::days(5)).unwrap();
    let later = today.checked_add(jiff::ToSpan::days(60)).unwrap();
    let rules = format!(
        r#"
[strategies.loan-screening.rules]
ignore = [
  "header.sent_at",
  {{ path = "body.message", owner = "kim", expires = "{soon}" }},
  {{ path = "body.grade", owner = "lee", reason = "renamed grades", expires = "{later}" }},
  {{ path = "body.reason_code", owner = "park", ticket = "MIG-12", expires = "2020-01-01" }},
]"#
    );
    let mut text = std::fs::read_to_string(write_config(dir.path(), "127.0.0.1:7001", "")).unwrap();
    text = text.replace("\n[store]", &format!("{rules}\n\n[store]"));
    let path = dir.path().join("rules.toml");
    std::fs::write(&path, text).unwrap();
    let output = check_config(&path);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("3 warnings"), "{stderr}");
    for shown in [
        "strategies.loan-screening.rules.ignore[0].owner: expected who answers for rule `ignore header.sent_at`, found nothing".to_owned(),
        format!("strategies.loan-screening.rules.ignore[1].expires (line 23, column 53): expected a date more than 14 days after today ({today}), found \"{soon}\" (expires in 5 days)"),
        format!("strategies.loan-screening.rules.ignore[3].expires (line 25, column 77): expected a date after today ({today}); the rule has expired and hides nothing, found \"2020-01-01\""),
    ] {
        assert!(stderr.contains(&shown), "{shown} missing from:\n{stderr}");
    }
    assert!(!stderr.contains("ignore[2]"), "{stderr}");
}

/// An index past its group's `max` and an `unordered` key that no element has are warnings
/// naming their keys: the config passes, the warnings say the maximum and the nearest field.
#[test]
fn an_index_past_the_maximum_and_an_unknown_unordered_key_are_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let rules = r#"
[strategies.loan-screening.rules]
severity = { critical = ["body.offers[3].limit"] }
unordered = [{ path = "body.offers", key = ["prodcut_code"], owner = "kim" }]"#;
    let path = config_with_rules(dir.path(), rules, None);
    passes_with_warnings(&path, &[
        "  - strategies.loan-screening.rules.severity.critical[0] (line 21, column 26): expected a pattern that reaches a field of the answers of layout \"loan-screening\" (LNS0001), found \"body.offers[3].limit\" (index 3: the group occurs at most 3 times)\n",
        "  - strategies.loan-screening.rules.unordered[0].key[0] (line 22, column 45): expected a field of the elements of body.offers (product_code, limit, rate, term), found \"prodcut_code\" (did you mean `product_code`?)\n",
    ]);
}

/// The example config with `rules` before its `[store]`, and `layout` (a layout file) in place
/// of the example's loan-screening layout when given; written into `dir`.
fn config_with_rules(dir: &Path, rules: &str, layout: Option<&Path>) -> std::path::PathBuf {
    let mut text = std::fs::read_to_string(write_config(dir, "127.0.0.1:7001", "")).unwrap();
    if let Some(layout) = layout {
        let example = repo_file("config/layouts/loan-screening.toml");
        text = text.replace(&format!("{example:?}"), &format!("{layout:?}"));
    }
    text = text.replace("\n[store]", &format!("{rules}\n\n[store]"));
    let path = dir.join("rules.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `check-config` passes `path` with exactly these warning lines (and no others).
fn passes_with_warnings(path: &Path, shown: &[&str]) {
    let output = check_config(path);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    // Whoever reads only stdout learns of them too.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let valid = format!("is valid, with {} warnings (on stderr)\n", shown.len());
    assert!(stdout.contains(&valid), "{valid} missing from:\n{stdout}");
    let count = format!(": {} warnings\n", shown.len());
    assert!(stderr.contains(&count), "{count} missing from:\n{stderr}");
    for line in shown {
        assert!(stderr.contains(line), "{line} missing from:\n{stderr}");
    }
}

/// An `unordered` rule on a field that is no array, and a key that the elements of only some of
/// the arrays a wildcard reaches have, are warnings: the first lists the arrays there are, the
/// second names the arrays whose elements lack the key.
#[test]
fn an_unordered_rule_on_no_array_and_a_key_some_arrays_lack_are_warnings() {
    let dir = tempfile::tempdir().unwrap();
    // A second group beside `offers`, whose elements have no `product_code`; `message` shrinks by
    // the group's bytes, so the response keeps its length.
    let example = repo_file("config/layouts/loan-screening.toml");
    let layout_text = std::fs::read_to_string(&example).unwrap().replace(
        r#"{ name = "message", type = "text", length = 80, truncate = true },"#,
        r#"{ name = "fee_cnt", type = "number", length = 1 },
  { name = "fees", type = "group", count = "fee_cnt", max = 1, fields = [
    { name = "fee_code", type = "text", length = 4 },
    { name = "rate", type = "number", length = 6, scale = 3 },
  ] },
  { name = "message", type = "text", length = 69, truncate = true },"#,
    );
    let layout = dir.path().join("loan-screening.toml");
    std::fs::write(&layout, layout_text).unwrap();
    let rules = r#"
[strategies.loan-screening.rules]
unordered = [
  { path = "body.rate", owner = "kim" },
  { path = "body.*", key = ["product_code"], owner = "kim" },
]"#;
    let path = config_with_rules(dir.path(), rules, Some(&layout));
    passes_with_warnings(&path, &[
        "  - strategies.loan-screening.rules.unordered[0].path (line 22, column 12): expected a pattern that reaches an array (a repeated group) of the answers of layout \"loan-screening\" (LNS0001), found \"body.rate\" (which reaches a scalar; the arrays are body.fees, body.offers)\n",
        "  - strategies.loan-screening.rules.unordered[1].key[0] (line 23, column 29): expected a field of the elements of every array the pattern reaches: body.fees, body.offers, found \"product_code\" (missing from the elements of body.fees (has: fee_code, rate))\n",
    ]);
}

/// Where two messages' answers have one array with different element fields, a key the elements
/// of one of them lack names the array once, with that message and the fields it has.
#[test]
fn a_key_one_messages_elements_lack_names_that_message() {
    let dir = tempfile::tempdir().unwrap();
    // LNS0002 answers with `offers` of its own fields.
    let example = repo_file("config/layouts/loan-screening.toml");
    let layout_text = std::fs::read_to_string(&example).unwrap().replace(
        "# Control frames",
        r#"[messages.LNS0002]
request = [{ name = "cust_no", type = "text", length = 12 }]
response = [
  { name = "offer_cnt", type = "number", length = 2 },
  { name = "offers", type = "group", count = "offer_cnt", max = 3, fields = [
    { name = "product_code", type = "text", length = 10 },
    { name = "seq", type = "number", length = 2 },
  ] },
]

# Control frames"#,
    );
    let layout = dir.path().join("loan-screening.toml");
    std::fs::write(&layout, layout_text).unwrap();
    let rules = r#"
[strategies.loan-screening.rules]
unordered = [{ path = "body.offers", key = ["product_code", "seq", "term"], owner = "kim" }]"#;
    let path = config_with_rules(dir.path(), rules, Some(&layout));
    let text = std::fs::read_to_string(&path).unwrap().replace(
        r#"tx_codes = ["LNS0001"]"#,
        r#"tx_codes = ["LNS0001", "LNS0002"]"#,
    );
    std::fs::write(&path, text).unwrap();
    passes_with_warnings(&path, &[
        "  - strategies.loan-screening.rules.unordered[0].key[1] (line 21, column 61): expected a field of the elements of every array the pattern reaches: body.offers, found \"seq\" (missing from the elements of body.offers of message LNS0001 (has: product_code, limit, rate, term))\n",
        "  - strategies.loan-screening.rules.unordered[0].key[2] (line 21, column 68): expected a field of the elements of every array the pattern reaches: body.offers, found \"term\" (missing from the elements of body.offers of message LNS0002 (has: product_code, seq))\n",
    ]);
}

/// A rule that names a REDEFINES area (which has no key in a decoded answer), or a field below
/// it, is told the area's views to name instead; a rule on a view's field passes.
#[test]
fn a_rule_naming_a_redefines_area_is_told_its_views() {
    let dir = tempfile::tempdir().unwrap();
    // An area `detail` before `message`, which shrinks by its bytes so the response keeps its
    // length.
    let example = repo_file("config/layouts/loan-screening.toml");
    let layout_text = std::fs::read_to_string(&example).unwrap().replace(
        r#"{ name = "message", type = "text", length = 80, truncate = true },"#,
        r#"{ name = "kind", type = "text", length = 1 },
  { name = "detail", type = "redefines", selector = "kind", length = 10, alternatives = [
    { name = "loan", when = ["L"], fields = [{ name = "amount", type = "number", length = 10 }] },
    { name = "card", when = ["C"], fields = [{ name = "card_no", type = "text", length = 10 }] },
  ] },
  { name = "message", type = "text", length = 69, truncate = true },"#,
    );
    let layout = dir.path().join("loan-screening.toml");
    std::fs::write(&layout, layout_text).unwrap();
    let rules = r#"
[strategies.loan-screening.rules]
severity = { minor = ["body.detail", "body.detail.amount", "body.loan.amount"] }"#;
    let path = config_with_rules(dir.path(), rules, Some(&layout));
    passes_with_warnings(&path, &[
        "  - strategies.loan-screening.rules.severity.minor[0] (line 21, column 23): expected a pattern that reaches a field of the answers of layout \"loan-screening\" (LNS0001), found \"body.detail\" (body.detail is a REDEFINES area; address one of its views: body.loan, body.card)\n",
        "  - strategies.loan-screening.rules.severity.minor[1] (line 21, column 38): expected a pattern that reaches a field of the answers of layout \"loan-screening\" (LNS0001), found \"body.detail.amount\" (body.detail is a REDEFINES area; address one of its views: body.loan, body.card)\n",
    ]);
}

/// A REDEFINES without a selector whose base view is shorter than another leaves that view's
/// last bytes unread: a warning naming the layout, the area, both views and their sizes.
#[test]
fn a_base_view_shorter_than_another_without_a_selector_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let example = repo_file("config/layouts/loan-screening.toml");
    let layout_text = std::fs::read_to_string(&example).unwrap().replace(
        r#"{ name = "message", type = "text", length = 80, truncate = true },"#,
        r#"{ name = "detail", type = "redefines", alternatives = [
    { name = "loan", fields = [{ name = "amount", type = "number", length = 6 }] },
    { name = "card", fields = [{ name = "card_no", type = "text", length = 10 }] },
  ] },
  { name = "message", type = "text", length = 70, truncate = true },"#,
    );
    let layout = dir.path().join("loan-screening.toml");
    std::fs::write(&layout, layout_text).unwrap();
    let path = config_with_rules(dir.path(), "", Some(&layout));
    let line = format!(
        "  - layouts.loan-screening (line 8, column 18): expected a layout that reads every byte \
         it describes, found {layout:?} (at messages.LNS0001.response.detail: expected the base \
         view (the first, which decoding reads without a `selector`) to be the longest, found \
         base view \"loan\" of 6 bytes and view \"card\" of 10 bytes, whose last 4 bytes would be \
         read by nothing: add a `selector` and `when` values, or make the longest view the \
         first)\n"
    );
    let output = check_config(&path);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.ends_with(&format!(": 1 warning\n{line}")),
        "{stderr}"
    );
}

/// A value of the wrong type or variant is named by its key path as well as its line, like every
/// other problem (toml alone gives the line and column).
#[test]
fn a_value_of_the_wrong_variant_or_type_is_named_by_its_key() {
    let dir = tempfile::tempdir().unwrap();
    for (extra, key, said) in [
        (
            "[shadow]\nscheduling = \"realtime\"",
            "shadow.scheduling (line ",
            "expected one of `normal`, `idle`, `batch`, found `realtime`",
        ),
        // A number's type in words, never serde's `u64`, with the key's own range.
        (
            "[shadow]\nworkers = \"two\"",
            "shadow.workers (line ",
            "expected a whole number (0 to 64), found the string \"two\"",
        ),
    ] {
        let path = write_config(dir.path(), "127.0.0.1:7001", extra);
        let output = check_config(&path);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(key), "{key} missing from:\n{stderr}");
        assert!(stderr.contains(said), "{said} missing from:\n{stderr}");
        assert!(!stderr.contains("u64"), "{stderr}");
    }
}

/// The summary ends with the effective `[runtime]`, `[shadow]` and `[store]` settings, the ones
/// left out of the file shown at their defaults: how the gateway shares its cores and what a
/// crash can lose are read here, not guessed from the README.
#[test]
fn the_summary_shows_the_effective_runtime_shadow_and_store_settings() {
    let dir = tempfile::tempdir().unwrap();
    let layout = repo_file("config/layouts/loan-screening.toml");
    let store = dir.path().join("store");
    let config = format!(
        r#"
[[listeners.mci]]
name = "core-banking"
address = "127.0.0.1:0"
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

[runtime]
worker_threads = 2

[shadow]
scheduling = "idle"
nice = 5

[store]
path = {store:?}
flush_interval_ms = 250
"#
    );
    let path = dir.path().join("shadowgate.toml");
    std::fs::write(&path, &config).unwrap();
    let output = check_config(&path);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let line = |prefix: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} line in:\n{stdout}"))
            .to_owned()
    };
    assert!(line("runtime (").contains("2 worker threads"), "{stdout}");
    // Left at 0, the count is the cores this process may use (one, pinned like this).
    let pinned = Command::new("taskset")
        .args(["-c", "0"])
        .arg(env!("CARGO_BIN_EXE_shadowgate"))
        .args(["check-config", "--config"])
        .arg(repo_file("config/shadowgate.toml"))
        .output()
        .expect("taskset (util-linux) runs");
    let stdout = String::from_utf8_lossy(&pinned.stdout);
    assert!(pinned.status.success(), "{stdout}");
    assert!(
        stdout
            .contains("one thread per core it may use, 1 here: tokio's single-threaded (current_thread) scheduler"),
        "{stdout}"
    );
    // The example's store path, relative to the config's directory, is shown folded.
    let example_store = stdout
        .lines()
        .find(|l| l.starts_with("store:"))
        .unwrap_or("");
    assert!(
        example_store.contains("/data/store") && !example_store.contains(".."),
        "{example_store}"
    );
    let shadow = line("shadow work:");
    for shown in ["1 worker,", "scheduling idle,", "gather 0 ms"] {
        assert!(shadow.contains(shown), "{shown} missing from {shadow}");
    }
    let stored = line("store:");
    assert!(
        stored.contains(&format!("sled at {}", store.display())),
        "{stored}"
    );
    assert!(stored.contains("every 250 ms"), "{stored}");
    // Without shadow threads the comparisons run on the runtime's thread.
    let on_runtime = config.replace("[shadow]\n", "[shadow]\nworkers = 0\n");
    std::fs::write(&path, on_runtime).unwrap();
    let output = check_config(&path);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let shadow = stdout.lines().find(|l| l.starts_with("shadow work"));
    assert!(
        shadow.is_some_and(
            |l| l.contains("workers = 0): no thread of its own; a task on the runtime")
        ),
        "{stdout}"
    );
}

#[test]
fn a_misspelt_rules_key_names_the_key_it_meant() {
    // The comparator's rules refuse unknown keys themselves (serde's deny_unknown_fields): the
    // problem reads as any unknown key's, at the line and column of its name and with the
    // nearest key.
    let dir = tempfile::tempdir().unwrap();
    let extra = "[strategies.loan-screening.rules]\nignores = [\"header.sent_at\"]\n";
    let path = write_config(dir.path(), "127.0.0.1:7001", extra);
    let output = check_config(&path);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let shown = "strategies.loan-screening.rules.ignores (line 23, column 1): expected a key this \
                 section knows (did you mean `ignore`?";
    assert!(stderr.contains(shown), "{shown} missing from:\n{stderr}");
    assert!(stderr.contains(r#"found "ignores""#), "{stderr}");
}

#[test]
fn names_in_hangul_keep_the_columns_and_the_review_zone_is_shown() {
    let dir = tempfile::tempdir().unwrap();
    let extra = "[engines.\"신규엔진\"]\nprotocol = \"mci\"\naddress = \"127.0.0.1:9\"\nlayout = \"loan-screening\"\n\n[review]\ntime_zone = \"Asia/Seoul\"\n";
    let output = check_config(&write_config(dir.path(), "127.0.0.1:9", extra));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let engine_lines: Vec<&str> = stdout
        .lines()
        .skip_while(|l| *l != "engines:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert_eq!(engine_lines.len(), 2, "{stdout}");
    // `mci` starts at the same terminal column (a Hangul syllable is two).
    let column = |line: &str| {
        let at = line.find(" mci ").unwrap();
        line[..at]
            .chars()
            .map(|c| if c.is_ascii() { 1 } else { 2 })
            .sum::<usize>()
    };
    assert_eq!(column(engine_lines[0]), column(engine_lines[1]), "{stdout}");
    assert!(
        stdout.contains("review: times and days in Asia/Seoul (daily charts of 14 days)"),
        "{stdout}"
    );
}
