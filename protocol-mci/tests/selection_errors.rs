//! Layout errors of message selection, named headers and roles: each names its key path and says
//! what was expected and found.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use protocol_mci::Layout;

/// Framing and a two-section header; `rest` adds selection, roles and messages.
fn problems(rest: &str) -> Vec<String> {
    let toml = format!(
        r#"
        [framing]
        prefix = "ascii"
        prefix_length = 6
        counts = "frame"
        max_frame = 512
        [headers.std]
        [[headers.std.sections]]
        name = "sys"
        fields = [
          {{ name = "guid", type = "text", length = 10, offset = 6 }},
          {{ name = "keep", type = "number", length = 3 }},
        ]
        [[headers.std.sections]]
        name = "biz"
        fields = [
          {{ name = "type", type = "text", length = 4 }},
          {{ name = "svc", type = "text", length = 4 }},
        ]
        {rest}
        "#
    );
    match Layout::from_toml(&toml, "test", "test") {
        Ok(_) => Vec::new(),
        Err(error) => error
            .problems
            .iter()
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect(),
    }
}

fn assert_reports(rest: &str, expected: &[&str]) {
    let found = problems(rest);
    for wanted in expected {
        assert!(
            found.iter().any(|p| p.starts_with(wanted)),
            "expected {wanted:?} in {found:#?}"
        );
    }
    assert_eq!(found.len(), expected.len(), "{found:#?}");
}

const TWO_MESSAGES: &str = r#"
    [messages.A]
    key = ["0200", "A001"]
    request = [{ name = "x", type = "text", length = 2 }]
    response = []
    [messages.B]
    key = ["0200", "B001"]
    request = []
    response = []
"#;

#[test]
fn the_reference_layout_is_valid() {
    let rest = format!("[select]\nkey = [\"biz.type\", \"biz.svc\"]\n{TWO_MESSAGES}");
    assert_eq!(problems(&rest), Vec::<String>::new());
}

#[test]
fn key_fields_that_are_missing_are_named() {
    let rest = format!("[select]\nkey = [\"biz.type\", \"biz.service\"]\n{TWO_MESSAGES}");
    assert_reports(
        &rest,
        &[
            "select.key[1]: expected a text field of the main header (\"std\") as section.field, \
           found \"biz.service\"",
        ],
    );
    // A number cannot be a key field.
    let rest = format!("[select]\nkey = [\"sys.keep\", \"biz.svc\"]\n{TWO_MESSAGES}");
    assert_reports(
        &rest,
        &[
            "select.key[0]: expected a text field of the main header (\"std\") as section.field, \
           found \"sys.keep\"",
        ],
    );
    // Without any key, keyed messages have nothing to be selected by.
    assert_reports(
        TWO_MESSAGES,
        &[
            "messages.A.key: expected a selection key",
            "messages.B.key: expected a selection key",
        ],
    );
    // A message with too few values for the key.
    let short = "[select]\nkey = [\"biz.type\", \"biz.svc\"]\n[messages.A]\nkey = [\"0200\"]\nrequest = []\nresponse = []";
    assert_reports(
        short,
        &["messages.A.key: expected 2 values (one per key field biz.type, biz.svc), found 1"],
    );
}

#[test]
fn two_messages_with_the_same_key_are_refused() {
    let rest = r#"
        [select]
        key = ["biz.type", "biz.svc"]
        [messages.A]
        key = ["0200", "A001"]
        request = []
        response = []
        [messages.B]
        key = ["0200", "A001"]
        request = []
        response = []
    "#;
    assert_reports(
        rest,
        &[
            "messages.B.key: expected a key no other message has, found [\"0200\", \"A001\"] \
           (messages.A has it)",
        ],
    );
}

#[test]
fn more_than_one_default_is_refused() {
    let rest = r#"
        [messages.A]
        default = true
        request = []
        response = []
        [messages.B]
        default = true
        request = []
        response = []
        [messages.C]
        request = []
        response = []
    "#;
    assert_reports(
        rest,
        &[
            "messages.B.default: expected one default message, found a second one \
             (messages.A is the default)",
            "messages.C: expected a way to select the message",
        ],
    );
}

#[test]
fn length_selectors_that_conflict_with_the_framing_are_refused() {
    let rest = r#"
        [messages.TOO_SHORT]
        header = "none"
        frame_length = 4
        request = []
        response = []
        [messages.WRONG_SIZE]
        frame_length = 30
        request = []
        response = []
        [messages.TWICE]
        frame_length = 30
        request = [{ name = "x", type = "text", length = 3 }]
        response = [{ name = "x", type = "text", length = 3 }]
    "#;
    assert_reports(
        rest,
        &[
            "messages.TOO_SHORT.frame_length: expected 6 to 512 bytes (prefix and trailer up to \
             max_frame), found 4",
            "messages.TOO_SHORT.frame_length: expected the request frame to be 4 bytes, fields \
             make 6 bytes",
            "messages.TOO_SHORT.frame_length: expected the response frame to be 4 bytes",
            "messages.WRONG_SIZE.frame_length: expected the request frame to be 30 bytes, fields \
             make 27 bytes",
            "messages.WRONG_SIZE.frame_length: expected the response frame to be 30 bytes",
            "messages.WRONG_SIZE.frame_length: expected a length no other message selects, found \
             30 (messages.TWICE has it)",
        ],
    );
    // Fixed-size frames cannot be told apart by length.
    let fixed = r#"
        [framing]
        prefix = "none"
        size = 10
        max_frame = 10
        [messages.A]
        header = "none"
        frame_length = 10
        request = [{ name = "x", type = "text", length = 10 }]
        response = [{ name = "x", type = "text", length = 10 }]
    "#;
    let error = Layout::from_toml(fixed, "test", "test").unwrap_err();
    assert!(
        error.to_string().contains(
            "messages.A.frame_length: expected no length selector with prefix = \"none\" \
             (every frame is 10 bytes), found 10"
        ),
        "{error}"
    );
}

#[test]
fn role_paths_that_do_not_exist_are_named() {
    let rest = r#"
        [roles]
        correlation = "sys.guidx"
        flag = { field = "biz.flag", request = "S", response = "R" }
        result = { field = "guid", ok = ["0000"] }
        ttl = { field = "sys.guid" }
        [messages.A]
        default = true
        request = []
        response = []
    "#;
    assert_reports(
        rest,
        &[
            "roles.correlation: expected a text header field as section.field, found \"sys.guidx\"",
            "roles.flag.field: expected a text header field as section.field, found \"biz.flag\"",
            "roles.result.field: expected a text header field as section.field, found \"guid\"",
            "roles.ttl.field: expected an unsigned integer header field",
        ],
    );
}

#[test]
fn headers_and_sections_are_checked() {
    let toml = r#"
        body_section = "sys"
        [framing]
        prefix = "ascii"
        prefix_length = 6
        counts = "frame"
        max_frame = 512
        [headers.std]
        fields = [{ name = "guid", type = "text", length = 10, offset = 6 }]
        [headers.two]
        sections = [
          { name = "sys", fields = [{ name = "guid", type = "text", length = 10, offset = 6 }] },
          { name = "sys", fields = [] },
        ]
        [messages.A]
        header = "other"
        default = true
        request = []
        response = []
    "#;
    let error = Layout::from_toml(toml, "test", "test")
        .unwrap_err()
        .to_string();
    for expected in [
        "select.header: expected the main header (several [headers.NAME] are declared), found none",
        "headers.two.sections.sys: duplicate section name \"sys\"",
        "body_section: expected a name no header section has, found \"sys\"",
        "messages.A.header: expected \"none\" or a header name (std, two), found \"other\"",
    ] {
        assert!(error.contains(expected), "expected {expected:?} in {error}");
    }
}

#[test]
fn a_keyed_message_whose_frames_a_length_selector_claims_is_refused() {
    let rest = r#"
        [select]
        key = ["biz.type", "biz.svc"]
        [messages.KEYED]
        key = ["0800", "PING"]
        request = []
        response = [{ name = "x", type = "text", length = 3 }]
        [messages.LEN]
        frame_length = 27
        request = []
        response = []
    "#;
    assert_reports(
        rest,
        &[
            "messages.KEYED.request: expected frames of a length no selector claims, found 27 \
           bytes, the frame_length of messages.LEN: they would be read as that message",
        ],
    );
}
