//! What a config problem says, in whole, for mistakes seen in a pilot: each names its key and
//! says what was expected and found in the README's words, never a Rust type or a debug value.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::tests::{config, config_with_shadow, problems};
use super::{check, load};

/// The one problem of `path`, as printed.
fn the_problem(path: &std::path::Path) -> String {
    let found = problems(path);
    assert_eq!(found.len(), 1, "{found:#?}");
    found[0].to_string()
}

#[test]
fn a_code_too_wide_names_the_result_field_by_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(
        dir.path(),
        &[],
        "\n[response_codes]\nlive_timeout = \"E5040\"\n",
    );
    assert_eq!(
        the_problem(&path),
        "response_codes.live_timeout (line 24, column 16): expected at most 4 bytes in cp949, the width of result \
         field header.resp_code of layout \"loan\" (listeners.mci[0].layout), found \"E5040\" \
         (5 bytes)"
    );
}

#[test]
fn a_missing_key_file_is_quoted_as_declared() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(
        dir.path(),
        &[],
        "encryption_key_file = \"secrets/payload-keys\"\n",
    );
    assert_eq!(
        the_problem(&path),
        "store.encryption_key_file (line 22, column 23): expected a readable file of `KEY_ID = \
         BASE64` lines \
         (32-byte keys), found \"secrets/payload-keys\" (no such file or directory)"
    );
    std::fs::create_dir(dir.path().join("secrets")).unwrap();
    std::fs::write(dir.path().join("secrets/payload-keys"), "k1 = c2hvcnQ=\n").unwrap();
    assert_eq!(
        the_problem(&path),
        "store.encryption_key_file (line 22, column 23): expected a readable file of `KEY_ID = \
         BASE64` lines \
         (32-byte keys), found \"secrets/payload-keys\" (line 1: expected base64 of 32 bytes \
         for key \"k1\", found 5 bytes)"
    );
}

#[test]
fn a_missing_token_file_is_quoted_as_declared() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(
        dir.path(),
        &[],
        "\n[listeners.admin]\naddress = \"127.0.0.1:0\"\ntoken_file = \"secrets/admin-token\"\n",
    );
    assert_eq!(
        the_problem(&path),
        "listeners.admin.token_file (line 25, column 14): expected a readable file holding the \
         token, found \
         \"secrets/admin-token\" (no such file or directory)"
    );
}

#[cfg(unix)]
#[test]
fn a_secret_file_others_can_read_is_quoted_as_declared() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("admin-token");
    std::fs::write(&token, "s3cret\n").unwrap();
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o644)).unwrap();
    let path = config(
        dir.path(),
        &[],
        "\n[listeners.admin]\naddress = \"127.0.0.1:0\"\ntoken_file = \"admin-token\"\n",
    );
    let loaded = load(&path).unwrap();
    let shown: Vec<String> = loaded.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "listeners.admin.token_file (line 25, column 14): expected a file only its owner can \
             read (chmod 600), \
          found \"admin-token\" (mode 644)"
        ]
    );
}

#[test]
fn a_number_of_days_in_quotes_is_said_in_words_at_its_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(dir.path(), &[], "retention_days = \"90\"\n");
    let shown = the_problem(&path);
    assert!(shown.starts_with("store.retention_days (line "), "{shown}");
    assert!(
        shown.ends_with("expected a whole number of days (at least 1), found the string \"90\""),
        "{shown}"
    );
    let path = config(
        dir.path(),
        &[(
            "live = \"legacy\"",
            "live = \"legacy\"\nconfirm_mismatches = \"yes\"",
        )],
        "",
    );
    let shown = the_problem(&path);
    assert!(
        shown.starts_with("strategies.loan.confirm_mismatches (line "),
        "{shown}"
    );
    assert!(
        shown.ends_with("expected true or false (without quotes), found the string \"yes\""),
        "{shown}"
    );
}

#[test]
fn a_value_of_the_wrong_type_states_the_range_its_range_check_states() {
    // Key, where it is written (a text replaced, or a section appended), a value of the wrong
    // type, one out of range, and what each is refused with.
    let in_store = ("path = \"store\"", "path = \"store\"\n");
    let in_engine = ("protocol = \"mci\"", "protocol = \"mci\"\n");
    let cases = [
        (
            "shadow.workers",
            ("", "\n[shadow]\n"),
            "workers = \"four\"",
            "workers = 65",
            "a whole number (0 to 64)",
            "a number of worker threads from 0 (none: the comparisons run as a task on the \
             runtime) to 64",
        ),
        (
            "shadow.nice",
            ("", "\n[shadow]\n"),
            "nice = \"5\"",
            "nice = 20",
            "a whole number (0 to 19)",
            "a nice value from 0 (as the live path) to 19 (lowest priority)",
        ),
        (
            "shadow.gather_ms",
            ("", "\n[shadow]\n"),
            "gather_ms = \"5\"",
            "gather_ms = 101",
            "a whole number of milliseconds (0 to 100)",
            "a gather time from 0 to 100 milliseconds",
        ),
        (
            "runtime.worker_threads",
            ("", "\n[runtime]\n"),
            "worker_threads = \"4\"",
            "worker_threads = 257",
            "a whole number (0 to 256)",
            "0 (one per core) or a number of worker threads up to 256",
        ),
        (
            "review.chart_days",
            ("", "\n[review]\n"),
            "chart_days = 1.5",
            "chart_days = 0",
            "a whole number of days (1 to 366)",
            "a number of days from 1 to 366",
        ),
        (
            "store.flush_interval_ms",
            in_store,
            "flush_interval_ms = \"100\"",
            "flush_interval_ms = 0",
            "a whole number of milliseconds (1 to 1000)",
            "from 1 to 1000",
        ),
        (
            "store.cache_mib",
            in_store,
            "cache_mib = \"4\"",
            "cache_mib = 4097",
            "a whole number of MiB (1 to 4096)",
            "from 1 to 4096",
        ),
        (
            "engines.legacy.max_in_flight",
            in_engine,
            "max_in_flight = -1",
            "max_in_flight = 0",
            "a whole number (at least 1)",
            "at least 1",
        ),
        (
            "strategies.loan.readiness.max_skipped_percent",
            ("", "\n[strategies.loan.readiness]\n"),
            "max_skipped_percent = \"1\"",
            "max_skipped_percent = 101",
            "a number of percent (0 to 100, such as 12.5)",
            "a percentage from 0 to 100",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (key, (at, section), wrong_type, out_of_range, says_type, says_range) in cases {
        let written = |value: &str| match at {
            "" => config(dir.path(), &[], &format!("{section}{value}\n")),
            at => config(dir.path(), &[(at, &format!("{section}{value}"))], ""),
        };
        let refused = |value: &str| -> Vec<String> {
            (problems(&written(value)).iter())
                .filter(|p| p.is_error() && p.key.starts_with(key))
                .map(|p| format!("{}: expected {}", key, p.expected))
                .collect()
        };
        assert_eq!(
            refused(wrong_type),
            [format!("{key}: expected {says_type}")],
            "{wrong_type}"
        );
        assert_eq!(
            refused(out_of_range),
            [format!("{key}: expected {says_range}")],
            "{out_of_range}"
        );
    }
}

#[test]
fn shadow_settings_on_a_strategy_without_a_shadow_are_warnings_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(
        dir.path(),
        &[(
            "live = \"legacy\"",
            "live = \"legacy\"\nconfirm_mismatches = true\nshadow_timeout_ms = 2000",
        )],
        "",
    );
    let checked = check(&path);
    assert!(checked.config.is_some(), "{:#?}", checked.problems);
    let shown: Vec<String> = checked
        .problems
        .iter()
        .filter(|p| p.key.starts_with("strategies."))
        .map(ToString::to_string)
        .collect();
    let expected = "no shadow setting on strategy \"loan\", which has no shadow engine (it acts \
                    only with `shadow = \"<engine>\"`)";
    assert_eq!(
        shown,
        [
            format!(
                "strategies.loan.confirm_mismatches (line 19, column 22): expected {expected}, \
                 found true"
            ),
            format!(
                "strategies.loan.shadow_timeout_ms (line 20, column 21): expected {expected}, \
                 found 2000"
            ),
        ]
    );
    assert!(checked.problems.iter().all(|p| !p.is_error()));

    // With a shadow engine the same settings act, and draw nothing.
    let path = config(
        dir.path(),
        &[(
            "live = \"legacy\"",
            "live = \"legacy\"\nshadow = \"new\"\npath = \"/x\"\nconfirm_mismatches = true\n\
             shadow_timeout_ms = 2000",
        )],
        "\n[engines.new]\nprotocol = \"http\"\nurl = \"http://127.0.0.1:7002\"\n",
    );
    let loaded = load(&path).unwrap();
    assert_eq!(loaded.warnings, []);
    let strategy = &loaded.strategies["loan"];
    assert!(strategy.confirm_mismatches);
    assert_eq!(strategy.shadow_timeout, std::time::Duration::from_secs(2));
}

#[test]
fn a_strategy_key_written_under_shadow_names_the_section_that_takes_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(dir.path(), &[], "\n[shadow]\nconfirm_mismatches = true\n");
    assert_eq!(
        the_problem(&path),
        "shadow.confirm_mismatches (line 24, column 1): expected a key this section knows \
         (`confirm_mismatches` is a key of [strategies.<name>]; see the configuration table in \
         the README), found \"confirm_mismatches\""
    );
}

#[test]
fn a_ca_file_that_does_not_do_is_quoted_as_declared_with_why_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let engine = |ca: &str| {
        format!(
            "\n[engines.new]\nprotocol = \"https\"\nurl = \"https://127.0.0.1:7002\"\n\
             [engines.new.tls]\nca_file = {ca:?}\n"
        )
    };
    let path = config(dir.path(), &[], &engine("certs/missing.pem"));
    assert_eq!(
        the_problem(&path),
        "engines.new.tls.ca_file (line 27, column 11): expected a readable PEM file holding the \
         ca certificates, found \"certs/missing.pem\" (no such file or directory)"
    );
    let bad = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    std::fs::write(dir.path().join("bad.pem"), bad).unwrap();
    let path = config(dir.path(), &[], &engine("bad.pem"));
    assert_eq!(
        the_problem(&path),
        "engines.new.tls.ca_file (line 27, column 11): expected a CA certificate rustls accepts \
         as a trust anchor, found \"bad.pem\" (a certificate whose DER encoding does not decode)"
    );
}

#[test]
fn every_missing_file_is_reported_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(
        dir.path(),
        &[("[layouts]\n", "[layouts]\nother = \"layouts/other.toml\"\n")],
        "encryption_key_file = \"secrets/payload-keys\"\n\
         \n[listeners.admin]\naddress = \"127.0.0.1:0\"\ntoken_file = \"secrets/admin-token\"\n\
         \n[engines.new]\nprotocol = \"https\"\nurl = \"https://127.0.0.1:7002\"\n\
         [engines.new.tls]\nca_file = \"certs/ca.pem\"\nclient_cert_file = \"certs/client.pem\"\n\
         client_key_file = \"certs/client.key\"\n",
    );
    let mut shown: Vec<String> = problems(&path).iter().map(ToString::to_string).collect();
    shown.sort();
    let missing = "(no such file or directory)";
    assert_eq!(
        shown,
        [
            format!(
                "engines.new.tls.ca_file (line 33, column 11): expected a readable PEM file \
                 holding the ca \
                 certificates, found \"certs/ca.pem\" {missing}"
            ),
            format!(
                "engines.new.tls.client_cert_file (line 34, column 20): expected a readable PEM \
                 file holding the \
                 client certificate, found \"certs/client.pem\" {missing}"
            ),
            format!(
                "engines.new.tls.client_key_file (line 35, column 19): expected a readable PEM \
                 file holding the \
                 client key, found \"certs/client.key\" {missing}"
            ),
            format!(
                "layouts.other (line 8, column 9): expected a valid layout file, found \"layouts/other.toml\" \
                 {missing}"
            ),
            format!(
                "listeners.admin.token_file (line 27, column 14): expected a readable file \
                 holding the token, found \
                 \"secrets/admin-token\" {missing}"
            ),
            format!(
                "store.encryption_key_file (line 23, column 23): expected a readable file of \
                 `KEY_ID = BASE64` lines \
                 (32-byte keys), found \"secrets/payload-keys\" {missing}"
            ),
        ]
    );
    // A certificate without its key is said too, beside a CA that is missing.
    let path = config(
        dir.path(),
        &[],
        "\n[engines.new]\nprotocol = \"https\"\nurl = \"https://127.0.0.1:7002\"\n\
         [engines.new.tls]\nca_file = \"certs/ca.pem\"\nclient_cert_file = \"certs/client.pem\"\n",
    );
    let keys: Vec<String> = problems(&path).into_iter().map(|p| p.key).collect();
    assert_eq!(
        keys,
        [
            "engines.new.tls.ca_file (line 27, column 11)",
            "engines.new.tls.client_cert_file (line 28, column 20)",
            // Missing: at no line of the file.
            "engines.new.tls.client_key_file"
        ]
    );
}

#[test]
fn every_tls_file_that_does_not_parse_is_reported_in_one_run_with_what_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let identity = rcgen::generate_simple_self_signed(vec!["engine".to_owned()]).unwrap();
    let other_key = rcgen::KeyPair::generate().unwrap().serialize_pem();
    std::fs::create_dir(dir.path().join("certs")).unwrap();
    for (name, text) in [
        ("ca.txt", "not a certificate\n".to_owned()),
        ("client.key", identity.signing_key.serialize_pem()),
        ("client.pem", identity.cert.pem()),
        ("other.key", other_key),
    ] {
        std::fs::write(dir.path().join("certs").join(name), text).unwrap();
    }
    let engine = |name: &str, ca: &str, cert: &str, key: &str| {
        format!(
            "\n[engines.{name}]\nprotocol = \"https\"\nurl = \"https://127.0.0.1:7002\"\n\
             [engines.{name}.tls]\nca_file = {ca:?}\nclient_cert_file = {cert:?}\n\
             client_key_file = {key:?}\n"
        )
    };
    // Each file of `swapped` has a fault of its own; `mismatched`'s files parse, but its key
    // is another certificate's.
    let swapped = engine(
        "swapped",
        "certs/ca.txt",
        "certs/client.key",
        "certs/client.pem",
    );
    let mismatched = engine(
        "mismatched",
        "certs/client.pem",
        "certs/client.pem",
        "certs/other.key",
    );
    let path = config(dir.path(), &[], &(swapped + &mismatched));
    let shown: Vec<String> = problems(&path).iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "engines.swapped.tls.ca_file (line 27, column 11): expected a PEM file holding the ca \
             certificates, found \"certs/ca.txt\" (it holds no PEM section)",
            "engines.swapped.tls.client_cert_file (line 28, column 20): expected a PEM file \
             holding the client certificate, found \"certs/client.key\" (it holds a private key)",
            "engines.swapped.tls.client_key_file (line 29, column 19): expected a PEM file \
             holding the client key, found \"certs/client.pem\" (it holds a certificate)",
            "engines.mismatched.tls.client_key_file (line 37, column 19): expected the private \
             key of the certificate in client_cert_file \"certs/client.pem\", found \
             \"certs/other.key\" (a key that does not match the certificate's public key)",
        ]
    );
}

#[test]
fn a_missing_required_key_is_one_problem_at_its_own_key_never_serdes_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(
        dir.path(),
        &[("tx_codes = [\"LNS0001\"]", "tx_code = [\"LNS0001\"]")],
        "",
    );
    let shown: Vec<String> = problems(&path).iter().map(ToString::to_string).collect();
    // In the file's order: the missing key at its table's line, the unknown one at its own.
    assert_eq!(
        shown,
        [
            "strategies.loan.tx_codes (in the table at line 15): expected a value (required), \
             found nothing",
            "strategies.loan.tx_code (line 17, column 1): expected a key this section knows \
             (did you mean `tx_codes`? see the configuration table in the README), found \
             \"tx_code\"",
        ]
    );
}

#[test]
fn a_name_declared_nowhere_lists_the_declared_ones_with_the_nearest() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(dir.path(), &[("live = \"legacy\"", "live = \"legcy\"")], "");
    assert_eq!(
        the_problem(&path),
        "strategies.loan.live (line 18, column 8): expected an engine declared in [engines] \
         (legacy), found \
         \"legcy\" (did you mean \"legacy\"?)"
    );
    let path = config(
        dir.path(),
        &[(
            "address = \"127.0.0.1:0\"\nlayout = \"loan\"",
            "address = \"127.0.0.1:0\"\nlayout = \"laon\"",
        )],
        "",
    );
    assert_eq!(
        the_problem(&path),
        "listeners.mci[0].layout (line 5, column 10): expected a layout declared in [layouts] \
         (loan), found \
         \"laon\" (did you mean \"loan\"?)"
    );
}

/// The variant of the comparator's rule error, by name; a match without a wildcard, so a new
/// variant does not compile until it has a row in the table below.
fn variant(kind: &comparator::RuleErrorKind) -> &'static str {
    use comparator::RuleErrorKind as K;
    match kind {
        K::Pattern { .. } => "Pattern",
        K::Duplicate { .. } => "Duplicate",
        K::BadTolerance { .. } => "BadTolerance",
        K::ToleranceKind { .. } => "ToleranceKind",
        K::EmptyKeyField => "EmptyKeyField",
        K::NoNormalisation => "NoNormalisation",
        K::EmptyMap => "EmptyMap",
        K::BadDate(_) => "BadDate",
    }
}

#[test]
fn every_invalid_rule_is_one_sentence_at_its_rule_and_field() {
    // (variant, the rules table as written (on line 24), the column of the key check-config
    // names, what it prints after the key's line)
    let table = [
        (
            "Pattern",
            r#"tolerance = [{ path = "body.offers[*.rate", absolute = "0.01" }]"#,
            23,
            "tolerance[0].path: expected a pattern such as `body.offers[*].rate`, found \
             \"body.offers[*.rate\" (unclosed `[` at character 11)",
        ),
        (
            "Duplicate",
            r#"ignore = ["body.grade", "body.grade"]"#,
            25,
            "ignore[1]: expected a pattern no other ignore rule has, found \"body.grade\" \
             (ignore[0] has it)",
        ),
        (
            "Duplicate",
            r#"severity = { critical = ["body.grade"], minor = ["body.grade"] }"#,
            50,
            "severity.minor[0]: expected a pattern no other severity rule has, found \
             \"body.grade\" (severity.critical[0] has it)",
        ),
        (
            "BadTolerance",
            r#"tolerance = [{ path = "body.rate", absolute = "-0.01" }]"#,
            47,
            "tolerance[0].absolute: expected a non-negative decimal string such as \"0.01\", \
             found \"-0.01\"",
        ),
        (
            "ToleranceKind",
            r#"tolerance = [{ path = "body.rate", absolute = "1", relative = "0.1" }]"#,
            14,
            "tolerance[0]: expected exactly one of `absolute` and `relative`, found both",
        ),
        (
            "ToleranceKind",
            r#"tolerance = [{ path = "body.rate" }]"#,
            14,
            "tolerance[0]: expected exactly one of `absolute` and `relative`, found neither",
        ),
        (
            "EmptyKeyField",
            r#"unordered = [{ path = "body.offers", key = ["product_code", ""] }]"#,
            61,
            "unordered[0].key[1]: expected a field name, found an empty string",
        ),
        (
            "NoNormalisation",
            r#"normalise = [{ path = "body.grade", trim = false }]"#,
            14,
            "normalise[0]: expected `trim = true` or `ignore_case = true`, found neither",
        ),
        (
            "EmptyMap",
            r#"value_map = [{ path = "body.grade", map = {} }]"#,
            43,
            "value_map[0].map: expected at least one `legacy = \"new\"` entry, found an empty \
             table",
        ),
        (
            "BadDate",
            r#"ignore = [{ path = "body.grade", expires = "2026-02-30" }]"#,
            44,
            "ignore[0].expires: expected a date such as \"2026-12-31\", found \"2026-02-30\"",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut covered = std::collections::BTreeSet::new();
    for (name, rules, column, expected) in table {
        let written: comparator::RulesConfig = toml::from_str(rules).unwrap();
        let errors = written.validate().unwrap_err().errors;
        assert_eq!(variant(&errors[0].kind), name, "{rules}");
        covered.insert(name);

        let path = config(
            dir.path(),
            &[],
            &format!("\n[strategies.loan.rules]\n{rules}\n"),
        );
        let checked = check(&path);
        assert!(checked.config.is_none(), "{rules}");
        let shown: Vec<String> = (checked.problems.iter())
            .filter(|p| p.key.starts_with("strategies."))
            .map(ToString::to_string)
            .collect();
        // At its line like a problem found while reading the file.
        let (key, says) = expected.split_once(": ").unwrap();
        assert_eq!(
            shown,
            [format!(
                "strategies.loan.rules.{key} (line 24, column {column}): {says}"
            )],
            "{rules}"
        );
        assert!(!shown[0].contains("found expected"), "{}", shown[0]);
    }
    assert_eq!(
        covered.into_iter().collect::<Vec<_>>(),
        [
            "BadDate",
            "BadTolerance",
            "Duplicate",
            "EmptyKeyField",
            "EmptyMap",
            "NoNormalisation",
            "Pattern",
            "ToleranceKind"
        ]
    );
}

#[test]
fn shadow_section_settings_without_any_shadow_are_warnings_naming_each_one() {
    let dir = tempfile::tempdir().unwrap();
    let tuned = "\n[shadow]\nworkers = 4\nnice = 3\nscheduling = \"batch\"\ngather_ms = 5\n";
    let path = config(dir.path(), &[], tuned);
    let checked = check(&path);
    assert!(checked.config.is_some(), "{:#?}", checked.problems);
    let shown: Vec<String> = (checked.problems.iter())
        .filter(|p| p.key.starts_with("shadow."))
        .map(ToString::to_string)
        .collect();
    let expected = "no [shadow] setting in a config where no strategy has a shadow engine";
    let comparisons = "comparisons, which need a strategy with `shadow = \"<engine>\"`";
    // `nice` and `scheduling` also apply to the store writer thread (`Running::start`).
    let writer = "and to the store writer thread, which then has no comparison outcome to write, \
                  only the store's upkeep";
    assert_eq!(
        shown,
        [
            format!(
                "shadow.workers (line 24, column 11): expected {expected} (`workers` acts only on {comparisons}), \
                 found 4"
            ),
            format!(
                "shadow.nice (line 25, column 8): expected {expected} (`nice` applies to the threads that run \
                 {comparisons}, {writer}), found 3"
            ),
            format!(
                "shadow.scheduling (line 26, column 14): expected {expected} (`scheduling` applies to the threads \
                 that run {comparisons}, {writer}), found \"batch\""
            ),
            format!(
                "shadow.gather_ms (line 27, column 13): expected {expected} (`gather_ms` acts only on {comparisons}), \
                 found 5"
            ),
        ]
    );
    assert!(checked.problems.iter().all(|p| !p.is_error()));
    // Still read as declared.
    let loaded = load(&path).unwrap();
    assert_eq!((loaded.shadow.workers, loaded.shadow.gather_ms), (4, 5));

    // An untouched section draws nothing; with a strategy's shadow the same settings act.
    assert_eq!(load(&config(dir.path(), &[], "")).unwrap().warnings, []);
    let loaded = load(&config_with_shadow(dir.path(), tuned)).unwrap();
    assert_eq!(loaded.warnings, []);
}

#[test]
fn every_value_of_the_wrong_type_is_reported_at_its_key_and_line_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    // Two required keys (a stand-in of their type keeps them present for the next reading),
    // keys with defaults, an enum, and an unknown key, across sections.
    let path = config(
        dir.path(),
        &[
            ("tx_codes = [\"LNS0001\"]", "tx_codes = \"LNS0001\""),
            ("live = \"legacy\"", "live = 5"),
        ],
        "retention_days = \"90\"\n\n[shadow]\nworkers = \"4\"\nscheduling = \"realtime\"\n\n\
         [health]\nprobe_intervl_ms = 5\n\n[logging]\nsummary_interval_ms = true\n",
    );
    let shown: Vec<String> = problems(&path).iter().map(ToString::to_string).collect();
    // In the file's order, the unknown key among them at its line.
    assert_eq!(
        shown,
        [
            "strategies.loan.tx_codes (line 17, column 12): expected an array ([…]), found the \
             string \"LNS0001\"",
            "strategies.loan.live (line 18, column 8): expected text in quotes, found 5",
            "store.retention_days (line 22, column 18): expected a whole number of days (at least \
             1), found the string \"90\"",
            "shadow.workers (line 25, column 11): expected a whole number (0 to 64), found the \
             string \"4\"",
            "shadow.scheduling (line 26, column 14): expected one of `normal`, `idle`, `batch`, \
             found `realtime`",
            "health.probe_intervl_ms (line 29, column 1): expected a key this section knows \
             (did you mean `probe_interval_ms`? see the configuration table in the README), \
             found \"probe_intervl_ms\"",
            "logging.summary_interval_ms (line 32, column 23): expected a whole number of \
             milliseconds (at least 1), found true",
        ]
    );

    // A required key of the wrong type with no stand-in (an enum) is blanked: reported once,
    // never again as missing.
    let path = config(
        dir.path(),
        &[("protocol = \"mci\"", "protocol = 5")],
        "retention_days = \"90\"\n",
    );
    let shown: Vec<String> = problems(&path).iter().map(|p| p.key.clone()).collect();
    assert_eq!(
        shown,
        [
            "engines.legacy.protocol (line 11, column 12)",
            "store.retention_days (line 22, column 18)"
        ]
    );

    // An element of an array shares its line with the others: the reading stops there, after
    // what it found before (serde reads the tables by name: `store` before `strategies`).
    let path = config(
        dir.path(),
        &[("tx_codes = [\"LNS0001\"]", "tx_codes = [1, \"LNS0001\"]")],
        "retention_days = \"90\"\n",
    );
    let shown: Vec<String> = problems(&path).iter().map(|p| p.key.clone()).collect();
    assert_eq!(
        shown,
        [
            "strategies.loan.tx_codes[0] (line 17, column 13)",
            "store.retention_days (line 22, column 18)"
        ]
    );
}

#[test]
fn an_address_with_a_port_out_of_range_says_the_ports_range() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(
        dir.path(),
        &[
            ("address = \"127.0.0.1:0\"", "address = \"127.0.0.1:99999\""),
            (
                "address = \"127.0.0.1:7001\"",
                "address = \"legacy-host:0\"",
            ),
        ],
        "",
    );
    let shown: Vec<String> = problems(&path).iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "listeners.mci[0].address (line 4, column 11): expected a port from 0 to 65535, \
             found 99999",
            "engines.legacy.address (line 12, column 11): expected a port from 1 to 65535, \
             found 0",
        ]
    );
}

#[test]
fn an_engine_url_problem_says_an_http_and_an_https_url() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(
        dir.path(),
        &[],
        "\n[engines.new]\nprotocol = \"http\"\nurl = \"127.0.0.1:7002\"\n\n\
         [engines.newer]\nprotocol = \"https\"\nurl = \"http://127.0.0.1:7003\"\n\
         [engines.newer.tls]\nca_file = \"ca.pem\"\n",
    );
    let shown: Vec<String> = problems(&path).iter().map(|p| p.to_string()).collect();
    assert!(
        shown.contains(
            &"engines.new.url (line 25, column 7): expected an http://host[:port]/ URL, found \
              \"127.0.0.1:7002\""
                .to_string()
        ),
        "{shown:#?}"
    );
    assert!(
        shown.contains(
            &"engines.newer.url (line 29, column 7): expected an https://host[:port]/ URL, \
              found \"http://127.0.0.1:7003\""
                .to_string()
        ),
        "{shown:#?}"
    );
}
