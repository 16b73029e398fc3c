//! The file sources on files as users write them: one rule for empty and missing values in CSV
//! and JSON Lines, JSON types and duplicate keys, charsets, and fixed-length framing errors
//! that say where in the file and what to change.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use serde_json::{json, Value};

use super::open;
use crate::reconcile::spec::load;

/// The rows of the new side, `section` its `[new]` table and `contents` its file `new.data`;
/// the legacy side is a JSON Lines file with the same key. The first error as its text.
fn read(section: &str, contents: &[u8]) -> Result<Vec<Value>, String> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("new.data"), contents).unwrap();
    let path = reconcile_file(dir.path(), section);
    let spec = load(&path).map_err(|e| e.to_string())?;
    let mut rows = open(&spec.new).map_err(|e| e.to_string())?;
    let mut all = Vec::new();
    while let Some(row) = rows.next_row().map_err(|e| e.to_string())? {
        all.push(row.value);
    }
    Ok(all)
}

fn reconcile_file(dir: &Path, section: &str) -> std::path::PathBuf {
    let text = format!(
        "name = \"t\"\nkey = [\"id\"]\n[rules]\n\
         [legacy]\nkind = \"jsonl\"\npath = \"legacy.jsonl\"\nfields = [{{ path = \"id\" }}]\n\
         [new]\npath = \"new.data\"\n{section}\n"
    );
    let path = dir.join("reconcile.toml");
    std::fs::write(&path, text).unwrap();
    path
}

const CSV: &str = "kind = \"csv\"\nfields = [{ path = \"id\" }, { path = \"name\" }]";
const JSONL: &str = "kind = \"jsonl\"\nfields = [{ path = \"id\" }, { path = \"name\" }]";

/// The error's text after the source's label (`new source csv …/new.data`).
fn error(result: Result<Vec<Value>, String>) -> String {
    let error = result.expect_err("refused");
    match error.split_once("new.data") {
        Some((_, after)) => after.trim_start().to_owned(),
        None => error,
    }
}

#[test]
fn an_empty_cell_is_null_in_csv_and_in_json_lines_alike() {
    let csv = read(CSV, b"id,name\n1,\n").unwrap();
    let jsonl = read(JSONL, b"{\"id\": \"1\", \"name\": \"\"}\n").unwrap();
    let absent = read(JSONL, b"{\"id\": \"1\"}\n").unwrap();
    let expected = vec![json!({"id": "1", "name": null})];
    assert_eq!(csv, expected);
    assert_eq!(jsonl, expected);
    assert_eq!(absent, expected);
}

#[test]
fn a_row_without_its_key_is_refused_saying_whether_it_is_absent_null_or_empty() {
    assert_eq!(
        error(read(CSV, b"id,name\n1,a\n,b\n")),
        "line 3: key field id is empty (column id)"
    );
    assert_eq!(
        error(read(JSONL, b"{\"id\": \"1\"}\n\n{\"name\": \"b\"}\n")),
        "line 3: key field id is absent (the row has no id)"
    );
    assert_eq!(
        error(read(JSONL, b"{\"id\": \"\", \"name\": \"b\"}\n")),
        "line 1: key field id is empty (column id)"
    );
    assert_eq!(
        error(read(JSONL, b"{\"id\": null}\n")),
        "line 1: key field id is null (column id)"
    );
}

#[test]
fn a_key_of_whitespace_only_is_empty_in_every_source_and_other_cells_keep_theirs() {
    // Spaces (a tab, a full-width space) are no key: refused as an empty cell is, never read
    // as a key of their own that would show as `only in new`.
    assert_eq!(
        error(read(CSV, b"id,name\n1,a\n   ,b\n")),
        "line 3: key field id is empty (column id)"
    );
    assert_eq!(
        error(read(CSV, "id,name\n\t\u{3000},b\n".as_bytes())),
        "line 2: key field id is empty (column id)"
    );
    assert_eq!(
        error(read(JSONL, b"{\"id\": \"  \", \"name\": \"b\"}\n")),
        "line 1: key field id is empty (column id)"
    );
    // A column other than the target path is named as the file has it.
    let renamed = "kind = \"csv\"\nfields = [{ path = \"id\", column = \"cust_no\" }]";
    assert_eq!(
        error(read(renamed, b"cust_no\n \n")),
        "line 2: key field id is empty (column cust_no)"
    );
    // A key with spaces around a value is that value's text, as before.
    assert_eq!(
        read(CSV, b"id,name\n 1 ,a\n").unwrap(),
        [json!({"id": " 1 ", "name": "a"})]
    );
    // Outside the key, spaces are a text field's value, and nothing in a number's.
    let typed = "kind = \"csv\"\nfields = [{ path = \"id\" }, { path = \"name\" }, \
                 { path = \"rate\", type = \"decimal\" }]";
    assert_eq!(
        read(typed, b"id,name,rate\n1,  ,  \n").unwrap(),
        [json!({"id": "1", "name": "  ", "rate": null})]
    );
}

#[test]
fn json_lines_refuse_a_key_given_twice_and_a_value_of_another_json_type() {
    let fields =
        "kind = \"jsonl\"\nfields = [{ path = \"id\" }, { path = \"rate\", type = \"decimal\" }]";
    assert_eq!(
        error(read(
            fields,
            b"{\"id\": \"1\", \"rate\": 4.1, \"rate\": 9.9}\n"
        )),
        "line 1: expected each key once, found `rate` twice"
    );
    assert_eq!(
        error(read(fields, b"{\"id\": 3, \"rate\": 4.1}\n")),
        "line 1: column id: expected a string, found the number 3"
    );
    assert_eq!(
        error(read(fields, b"{\"id\": \"3\", \"rate\": true}\n")),
        "line 1: column rate: expected a decimal number (a number or a string), found the boolean true"
    );
    // A decimal as a string keeps its exact text, as a number does.
    let rows = read(
        fields,
        b"{\"id\": \"3\", \"rate\": \"4.50\"}\n{\"id\": \"4\", \"rate\": 4.50}\n",
    );
    assert_eq!(rows.unwrap()[1]["rate"].to_string(), "4.50");
    assert_eq!(
        error(read(fields, b"[1, 2]\n")),
        "line 1: expected one JSON object, found an array"
    );
    assert_eq!(
        error(read(fields, b"{\"id\": \"3\"} {}\n")),
        "line 1: expected one JSON object, found more after it at byte 12"
    );
}

#[test]
fn a_file_not_in_its_charset_names_the_cell_and_cp949_is_read_when_said() {
    // "이" in CP949.
    let cp949 = b"id,name\n1,\xc0\xcc\n";
    assert_eq!(
        error(read(CSV, cp949)),
        "line 2: column name: expected utf-8 text, found an invalid byte at 0 (the file must \
         be UTF-8, or say charset = \"cp949\" for a CP949 file)"
    );
    let said = format!("{CSV}\ncharset = \"cp949\"");
    assert_eq!(
        read(&said, cp949).unwrap(),
        [json!({"id": "1", "name": "이"})]
    );
    let jsonl = format!("{JSONL}\ncharset = \"cp949\"");
    let line = b"{\"id\": \"1\", \"name\": \"\xc0\xcc\"}\n";
    assert_eq!(
        read(&jsonl, line).unwrap(),
        [json!({"id": "1", "name": "이"})]
    );
    assert_eq!(
        error(read(JSONL, line)),
        "line 1: expected utf-8 text, found an invalid byte at 21 (the file must be UTF-8, or \
         say charset = \"cp949\" for a CP949 file)"
    );

    let unknown = read(&format!("{CSV}\ncharset = \"latin1\""), b"");
    let unknown = unknown.expect_err("refused");
    assert!(
        unknown.contains("new.charset: expected one of utf-8, cp949, euc-kr, found \"latin1\""),
        "{unknown}"
    );
    let fixed = read(&format!("{}\ncharset = \"cp949\"", fixed("newline")), b"");
    let fixed = fixed.expect_err("refused");
    assert!(
        fixed.contains(
            "new.charset: only a csv or jsonl source has a charset (a layout has its own"
        ),
        "{fixed}"
    );
}

/// A `fixed` section of `config/layouts/borrower-review.toml` (80-byte records).
fn fixed(records: &str) -> String {
    let layout =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/layouts/borrower-review.toml");
    format!(
        "kind = \"fixed\"\nlayout = {:?}\nmessage = \"REVIEW\"\nrecords = \"{records}\"\n\
         fields = [{{ path = \"id\", column = \"body.cust_no\" }}, \
         {{ path = \"limit\", column = \"body.limit_amount\", type = \"decimal\" }}]",
        layout.display().to_string()
    )
}

/// Record `n` of the layout: 80 bytes.
fn record(n: u64) -> String {
    let text = format!(
        "{:012}{:<20}{:<2}{:<1}{:015}{:06}{:<8}{:16}",
        n,
        "KIM",
        "A1",
        "K",
        1_000_000 + n,
        3_500,
        "20261130",
        ""
    );
    assert_eq!(text.len(), 80);
    text
}

#[test]
fn a_short_last_record_says_where_it_starts_in_the_file_and_what_it_holds() {
    let short = &record(3)[..70];
    let back_to_back = format!("{}{}{short}", record(1), record(2));
    assert_eq!(
        error(read(&fixed("back_to_back"), back_to_back.as_bytes())),
        "(REVIEW) record 3 at byte 160 of the file: expected 80 bytes, found 70 (the file ends)"
    );
    // With newlines the line break after it is not counted as its.
    let lines = format!("{}\n{}\r\n{short}\n", record(1), record(2));
    assert_eq!(
        error(read(&fixed("newline"), lines.as_bytes())),
        "(REVIEW) record 3 at byte 163 of the file: expected 80 bytes, found 70 (the file ends)"
    );
    let whole = format!("{}\n{}\n", record(1), record(2));
    assert_eq!(read(&fixed("newline"), whole.as_bytes()).unwrap().len(), 2);
}

#[test]
fn a_short_line_between_records_says_it_is_short_not_back_to_back() {
    // Line 2 is 5 bytes short: its newline comes before the record's length.
    let short = &record(2)[..75];
    let lines = format!("{}\n{short}\n{}\n", record(1), record(3));
    assert_eq!(
        error(read(&fixed("newline"), lines.as_bytes())),
        "(REVIEW) record 2 at byte 81 of the file: expected 80 bytes, found 75 \
         (a short record: line 2 ends after 75 bytes)"
    );
    // The short line is one bad row: the record after it reads whole (`--max-bad-rows`).
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("new.data"), &lines).unwrap();
    let spec = load(&reconcile_file(dir.path(), &fixed("newline"))).unwrap();
    let mut rows = open(&spec.new).unwrap();
    assert_eq!(rows.next_row().unwrap().unwrap().line, 1);
    let bad = rows.next_row().unwrap_err();
    assert!(bad.is_bad_row(), "{bad}");
    let after = rows.next_row().unwrap().unwrap();
    assert_eq!(
        (after.line, &after.value["id"]),
        (3, &json!("000000000003"))
    );
    assert!(rows.next_row().unwrap().is_none());
    // Two short lines in a row: each is said where it starts.
    let two = format!("{}\n{short}\n{short}\n{}\n", record(1), record(3));
    std::fs::write(dir.path().join("new.data"), &two).unwrap();
    let mut twice = open(&spec.new).unwrap();
    twice.next_row().unwrap();
    assert!(twice
        .next_row()
        .unwrap_err()
        .context
        .ends_with("record 2 at byte 81 of the file"));
    let second = twice.next_row().unwrap_err();
    assert!(
        second.context.ends_with("record 3 at byte 157 of the file"),
        "{second}"
    );
    assert_eq!(twice.next_row().unwrap().unwrap().line, 4);
    let crlf = format!("{}\r\n{short}\r\n{}\r\n", record(1), record(3));
    assert_eq!(
        error(read(&fixed("newline"), crlf.as_bytes())),
        "(REVIEW) record 2 at byte 82 of the file: expected 80 bytes, found 75 \
         (a short record: line 2 ends after 75 bytes)"
    );
}

#[test]
fn a_fixed_length_record_with_a_blank_key_names_its_column() {
    let blank = format!("{}{}", " ".repeat(12), &record(2)[12..]);
    let lines = format!("{}\n{blank}\n", record(1));
    assert_eq!(
        error(read(&fixed("newline"), lines.as_bytes())),
        "(REVIEW) record 2 at byte 81 of the file: key field id is empty (column body.cust_no)"
    );
}

#[test]
fn records_read_back_to_back_from_a_file_of_lines_hint_at_records_newline() {
    let lines = format!("{}\n{}\n{}\n", record(1), record(2), record(3));
    assert_eq!(
        error(read(&fixed("back_to_back"), lines.as_bytes())),
        "(REVIEW) record 2 at byte 80 of the file: body.limit_amount at bytes 35..50: expected \
         digits, found 0x4B (a line break at the record's boundary: records = \"newline\"?)"
    );
    // The other way round, as before: a record not followed by a line break.
    let back_to_back = format!("{}{}", record(1), record(2));
    assert_eq!(
        error(read(&fixed("newline"), back_to_back.as_bytes())),
        "(REVIEW) record 1 at byte 0 of the file: expected a newline after 80 bytes, found 0x30 \
         (records = \"back_to_back\"?)"
    );
}
