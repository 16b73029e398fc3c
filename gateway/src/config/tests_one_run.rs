//! `check-config` in one run: every missing required key with the problems of the rest of the
//! file, and every problem found after reading at its key's line.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::tests::{config, problems};
use super::{check, load};

/// The problems of `path` as printed.
fn shown(path: &std::path::Path) -> Vec<String> {
    problems(path).iter().map(ToString::to_string).collect()
}

#[test]
fn every_missing_required_key_is_reported_with_the_rest_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    // Two tables each missing a required key (commented out, so every line keeps its number),
    // and an engine declared nowhere.
    let path = config(
        dir.path(),
        &[
            ("name = \"core-banking\"", "# name = \"core-banking\""),
            ("tx_codes = [\"LNS0001\"]", "# tx_codes = [\"LNS0001\"]"),
            ("live = \"legacy\"", "live = \"nope\""),
        ],
        "",
    );
    let expected = [
        "listeners.mci[0].name (in the table at line 2): expected a value (required), found \
         nothing",
        "strategies.loan.tx_codes (in the table at line 15): expected a value (required), found \
         nothing",
        "strategies.loan.live (line 18, column 8): expected an engine declared in [engines] \
         (legacy), found \"nope\"",
    ];
    assert_eq!(shown(&path), expected);
    // check-config says the same, the machine's checks on the rest included.
    let checked = check(&path);
    assert!(checked.config.is_none());
    let said: Vec<String> = checked.problems.iter().map(ToString::to_string).collect();
    assert_eq!(said, expected);
}

#[test]
fn a_stand_in_is_never_reported_as_the_files_value() {
    let dir = tempfile::tempdir().unwrap();
    // Missing keys of two kinds (text, a list) and a value of the wrong type: each reported
    // once, as missing or of the wrong type, never as its stand-in's value (an address that is
    // no address, no tx code, an undeclared layout or engine).
    let path = config(
        dir.path(),
        &[
            (
                "\"127.0.0.1:0\"\nlayout = \"loan\"",
                "\"127.0.0.1:0\"\n# layout = \"loan\"",
            ),
            ("address = \"127.0.0.1:0\"", "# address = \"127.0.0.1:0\""),
            (
                "layout = \"loan\"\ntx_codes",
                "# layout = \"loan\"\ntx_codes",
            ),
            ("live = \"legacy\"", "# live = \"legacy\""),
        ],
        "retention_days = \"90\"\n",
    );
    let keys: Vec<String> = problems(&path).into_iter().map(|p| p.key).collect();
    assert_eq!(
        keys,
        [
            "listeners.mci[0].address (in the table at line 2)",
            "listeners.mci[0].layout (in the table at line 2)",
            "strategies.loan.layout (in the table at line 15)",
            "strategies.loan.live (in the table at line 15)",
            "store.retention_days (line 22, column 18)",
        ]
    );
}

#[test]
fn a_variant_stood_in_for_hides_only_the_later_checks_of_its_table() {
    let dir = tempfile::tempdir().unwrap();
    // An engine's protocol decides which of its keys it needs: checked as any stand-in's, its
    // address, layout and url would be problems the file does not have. The other tables are
    // checked as usual.
    let path = config(
        dir.path(),
        &[("protocol = \"mci\"", "# protocol = \"mci\"")],
        "retention_days = \"90\"\n",
    );
    let keys: Vec<String> = problems(&path).into_iter().map(|p| p.key).collect();
    assert_eq!(
        keys,
        [
            "engines.legacy.protocol (in the table at line 10)",
            "store.retention_days (line 22, column 18)",
        ]
    );
    let path = config(
        dir.path(),
        &[
            ("protocol = \"mci\"", "protocol = \"htp\""),
            (
                "live = \"legacy\"",
                "live = \"legacy\"\nshadow = \"new-engin\"",
            ),
        ],
        "\n[logging]\nlevel = \"verbose\"\n",
    );
    let expected = [
        "engines.legacy.protocol (line 11, column 12): expected one of `http`, `https`, `mci`, \
         found `htp`",
        "strategies.loan.shadow (line 19, column 10): expected an engine declared in [engines] \
         (legacy), found \"new-engin\"",
        "logging.level (line 25, column 9): expected a tracing filter (a level: trace, debug, \
         info, warn, error, off; or target=level), found \"verbose\"",
    ];
    assert_eq!(shown(&path), expected);
}

#[test]
fn a_variant_stood_in_for_hides_no_key_missing_in_another_table() {
    let dir = tempfile::tempdir().unwrap();
    // The legacy engine's protocol stood in for says nothing of the new engine: its missing url
    // is the file's, at its table's line as any missing key.
    let path = config(
        dir.path(),
        &[
            ("protocol = \"mci\"", "protocol = \"htp\""),
            (
                "live = \"legacy\"",
                "live = \"legacy\"\nshadow = \"new\"\npath = \"/x\"",
            ),
        ],
        "\n[engines.new]\nprotocol = \"http\"\n",
    );
    let expected = [
        "engines.legacy.protocol (line 11, column 12): expected one of `http`, `https`, `mci`, \
         found `htp`",
        "engines.new.url (in the table at line 25): expected an http://host[:port]/ URL, found \
         nothing",
    ];
    assert_eq!(shown(&path), expected);
}

#[test]
fn an_unknown_key_in_an_inline_table_of_an_array_hides_no_other_problem() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(
        dir.path(),
        &[(
            "live = \"legacy\"",
            "live = \"legacy\"\nshadow = \"new\"\npath = \"/x\"\nshadow_sample_percent = 250",
        )],
        "\n[engines.new]\nprotocol = \"http\"\nurl = \"127.0.0.1:19901\"\n\n\
         [strategies.loan.rules]\n\
         ignore = [\n  { path = \"header.sent_at\", ownr = \"t\", reason = \"clock\" },\n]\n",
    );
    // Every problem, in the file's order; `ownr` is left out, so the rule has no owner: missing,
    // at its table's line, before the keys of that line.
    let expected = [
        "strategies.loan.shadow_sample_percent (line 21, column 25): expected a percentage from \
         0 to 100, found 250",
        "engines.new.url (line 28, column 7): expected an http://host[:port]/ URL, found \
         \"127.0.0.1:19901\"",
        "strategies.loan.rules.ignore[0].owner (in the table at line 32): expected who answers \
         for rule `ignore header.sent_at`, found nothing",
        "strategies.loan.rules.ignore[0].ownr (line 32, column 30): expected a key this section \
         knows (did you mean `owner`? see the configuration table in the README), found \
         \"ownr\"",
    ];
    assert_eq!(shown(&path), expected);
}

#[test]
fn a_value_of_the_wrong_type_in_an_inline_table_hides_no_other_problem() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(
        dir.path(),
        &[],
        "retention_days = 0\n\n[strategies.loan.rules]\n\
         tolerance = [{ path = \"body.rate\", absolute = 0.01, owner = \"ops\" }]\n\
         normalise = [{ path = \"body.rate\", mode = \"lowr\", owner = \"ops\" }]\n\
         \n[logging]\nlevel = \"verbose\"\n",
    );
    // The float stood in for in the parsed file (its line holds other keys), the unknown key
    // left out: every problem after them is reported too.
    let expected = [
        "store.retention_days (line 22, column 18): expected at least 1, found 0",
        "strategies.loan.rules.tolerance[0].absolute (line 25, column 47): expected text in \
         quotes, found 0.01",
        "strategies.loan.rules.normalise[0] (line 26, column 14): expected `trim = true` or \
         `ignore_case = true`, found neither",
        "strategies.loan.rules.normalise[0].mode (line 26, column 36): expected a key this \
         section knows (see the configuration table in the README), found \"mode\"",
        "logging.level (line 29, column 9): expected a tracing filter (a level: trace, debug, \
         info, warn, error, off; or target=level), found \"verbose\"",
    ];
    assert_eq!(shown(&path), expected);
}

#[test]
fn a_problem_found_after_reading_is_at_its_keys_line() {
    let dir = tempfile::tempdir().unwrap();
    // A range, an address of each kind, a rule path (a warning) and a name, in four sections.
    let path = config(
        dir.path(),
        &[
            ("address = \"127.0.0.1:0\"", "address = \"nonsense\""),
            ("address = \"127.0.0.1:7001\"", "address = \"legacy-host\""),
            (
                "live = \"legacy\"",
                "live = \"legacy\"\nshadow = \"lagacy\"\nshadow_sample_percent = 300",
            ),
        ],
        "retention_days = 0\n\n[strategies.loan.rules]\nseverity = { minor = [\"body.nope\"] }\n",
    );
    let expected = [
        "listeners.mci[0].address (line 4, column 11): expected ip:port, found \"nonsense\"",
        "engines.legacy.address (line 12, column 11): expected host:port, found \"legacy-host\"",
        "strategies.loan.shadow (line 19, column 10): expected an engine declared in [engines] \
         (legacy), found \"lagacy\" (did you mean \"legacy\"?)",
        "strategies.loan.shadow_sample_percent (line 20, column 25): expected a percentage from \
         0 to 100, found 300",
        "store.retention_days (line 24, column 18): expected at least 1, found 0",
        "strategies.loan.rules.severity.minor[0] (line 27, column 23): expected a pattern that \
         reaches a field of the answers of layout \"loan-screening\" (LNS0001), found \
         \"body.nope\" (did you mean `body.rate`?)",
    ];
    assert_eq!(shown(&path), expected);
    // check-config says them in the same order, this machine's after them.
    let said: Vec<String> = check(&path)
        .problems
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(said[..expected.len()], expected);
    // A warning alone is at its line too, in the config start-up logs.
    let path = config(
        dir.path(),
        &[],
        "\n[strategies.loan.rules]\nseverity = { minor = [\"body.nope\"] }\n",
    );
    let warnings: Vec<String> = (load(&path).unwrap().warnings.iter())
        .map(ToString::to_string)
        .collect();
    assert_eq!(warnings, [expected[5].replace("line 27", "line 24")]);
}
