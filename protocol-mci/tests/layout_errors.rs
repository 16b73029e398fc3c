//! Layout validation reports every problem at once, naming the file and the key path.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use protocol_mci::Layout;

const BROKEN: &str = r#"
[framing]
prefix = "ascii"
prefix_length = 8
max_frame = 4096

[header]
discriminator = "tx_code"
length = 20
fields = [
  { name = "tx_code", type = "number", length = 8, offset = 8 },
  { name = "guid", type = "text", length = 10, scale = 2 },
  { name = "guid", type = "text", length = 4 },
]

[messages.LNS0001]
request = [
  { name = "loans", type = "group", count = "loan_cnt", max = 5, fields = [
    { name = "rate", type = "number", length = 3, scale = -36 },
  ] },
  { name = "loan_cnt", type = "number", length = 2 },
  { name = "amount", type = "binary", length = 3 },
  { name = "when", type = "date", pattern = "yyyyMMdd", offset = 99 },
]
request_length = 7
response = [{ name = "x", type = "text" }]
"#;

#[test]
fn every_problem_is_reported_with_its_key_path() {
    let dir = tempfile_dir();
    let path = dir.join("broken.toml");
    std::fs::write(&path, BROKEN).unwrap();
    let err = Layout::from_file(&path).unwrap_err();
    let text = err.to_string();
    let expected = [
        "framing.counts: say what the length counts",
        "header.fields.guid: key `scale` does not apply to a text field",
        "header.fields.guid: duplicate field name",
        "header.length: expected the fields to add up to the declared 20, found 30",
        "messages.LNS0001.request_length: expected the fields to add up to the declared 7, found 28",
        "header.discriminator: \"tx_code\" is not a text field of the header",
        "messages.LNS0001.request.loans: count field \"loan_cnt\" is not an earlier field",
        "messages.LNS0001.request.loans.rate: expected a `scale` from -35 to 38 for 3 digits, found -36",
        "messages.LNS0001.request.amount: binary length must be 1, 2, 4 or 8, found 3",
        "messages.LNS0001.request.when: declared offset 99, the fields before it end at",
        "messages.LNS0001.response.x: needs a `length` of at least 1 byte",
    ];
    for problem in expected {
        assert!(text.contains(problem), "missing {problem:?} in:\n{text}");
    }
    assert!(
        text.starts_with(&format!("layout {}: ", path.display())),
        "{text}"
    );
    assert_eq!(err.problems.len(), expected.len(), "{text}");
}

#[test]
fn unknown_keys_and_syntax_errors_name_the_key() {
    let err =
        Layout::from_toml(&BROKEN.replace("max_frame", "max_frmae"), "x.toml", "x").unwrap_err();
    assert!(err.to_string().contains("max_frmae"), "{err}");
}

#[test]
fn a_value_of_the_wrong_type_is_said_in_words() {
    let broken = BROKEN.replace("prefix_length = 8", "prefix_length = \"eight\"");
    let err = Layout::from_toml(&broken, "x.toml", "x").unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("expected a whole number (0 or more), found the string \"eight\""),
        "{text}"
    );
    assert!(!text.contains("usize"), "{text}");
    assert!(text.contains("line 4, column 17"), "{text}");
}

#[test]
fn a_missing_file_names_the_file() {
    let err = Layout::from_file("/nonexistent/layout.toml").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("layout /nonexistent/layout.toml: "),
        "{err}"
    );
}

#[test]
fn fixed_size_framing_must_match_every_body() {
    let toml = r#"
        [framing]
        prefix = "none"
        size = 10
        max_frame = 10
        [header]
        discriminator = "tx"
        fields = [{ name = "tx", type = "text", length = 4 }]
        [messages.A]
        request = [{ name = "v", type = "text", length = 6 }]
        response = [{ name = "v", type = "text", length = 5 }]
    "#;
    let err = Layout::from_toml(toml, "fixed.toml", "f")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "layout fixed.toml: messages.A.response: expected a frame of the fixed size 10 bytes, fields make 9"
    );
}

/// A fresh directory under the target dir (no tempfile dependency needed for one file).
fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("protocol-mci-layout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Too many digits is said as such, not as a scale range that cannot hold them; a packed
/// decimal too long says its limit once.
#[test]
fn numbers_past_their_digit_limits_say_the_limit() {
    let layout = |fields: &str| {
        format!(
            r#"
            [framing]
            prefix = "ascii"
            prefix_length = 8
            counts = "frame"
            max_frame = 4096
            [header]
            discriminator = "tx"
            fields = [{{ name = "tx", type = "text", length = 4 }}]
            [messages.A]
            request = [{fields}]
            response = [{{ name = "v", type = "text", length = 5 }}]
            "#
        )
    };
    let error = |fields: &str| {
        Layout::from_toml(&layout(fields), "n.toml", "n")
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        error(r#"{ name = "n", type = "number", length = 40 }"#),
        "layout n.toml: messages.A.request.n: expected at most 38 digits, found 40"
    );
    assert_eq!(
        error(r#"{ name = "p", type = "packed", length = 21, digits = 40 }"#),
        "layout n.toml: messages.A.request.p: expected a packed decimal of at most 16 bytes (31 \
         digits), found 21 bytes"
    );
    assert_eq!(
        error(r#"{ name = "n", type = "number", length = 38, scale = 39 }"#),
        "layout n.toml: messages.A.request.n: expected a `scale` from 0 to 38 for 38 digits, \
         found 39"
    );
}
