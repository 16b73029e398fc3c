//! Nothing left out silently: every row of a duplicated key is shown with its file and line,
//! and bad rows within `--max-bad-rows` are set aside, listed, counted and said by exit status 4.

use std::path::{Path, PathBuf};

use shadowgate::cli::{run_reconcile, Finished, Format, ReconcileArgs};

/// A reconcile file over `legacy.csv` and `new.csv` (`id`, decimal `amount`) in `dir`.
fn files(dir: &Path, legacy: &str, new: &str) -> PathBuf {
    std::fs::write(dir.join("legacy.csv"), legacy).unwrap();
    std::fs::write(dir.join("new.csv"), new).unwrap();
    let side = |side: &str| {
        format!(
            "[{side}]\nkind = \"csv\"\npath = \"{}\"\n\
             fields = [{{ path = \"id\" }}, {{ path = \"amount\", type = \"decimal\" }}]\n",
            dir.join(format!("{side}.csv")).display()
        )
    };
    let text = format!(
        "name = \"amounts\"\nkey = [\"id\"]\n[rules]\n{}{}",
        side("legacy"),
        side("new")
    );
    let path = dir.join("reconcile.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn args(config: PathBuf, format: Format, max_bad_rows: u64) -> ReconcileArgs {
    ReconcileArgs {
        config,
        store: None,
        store_config: None,
        format,
        quiet: true,
        max_bad_rows,
    }
}

fn run(args: &ReconcileArgs) -> (anyhow::Result<Finished>, String) {
    let mut out = Vec::new();
    let finished = run_reconcile(args, &mut out);
    (finished, String::from_utf8(out).unwrap())
}

const LEGACY: &str = "id,amount\nA001,1000.00\nA002,2000.00\nA003,3000.00\n";

#[test]
fn every_row_of_a_duplicated_key_is_shown_with_its_file_and_line_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let new = "id,amount\nA001,1000.00\nA002,2500.00\nA002,9999.00\nA003,3000.00\n";
    let config = files(dir.path(), LEGACY, new);
    let (finished, text) = run(&args(config.clone(), Format::Text, 0));
    assert_eq!(finished.unwrap(), Finished::NotMatching, "{text}");
    let (legacy, new) = (dir.path().join("legacy.csv"), dir.path().join("new.csv"));
    for line in [
        "  rows of duplicated keys (not compared): 3".to_owned(),
        "        key A002".to_owned(),
        format!(
            "          legacy csv {} line 3: {{\"id\":\"A002\",\"amount\":2000.00}}",
            legacy.display()
        ),
        format!(
            "          new csv {} line 3: {{\"id\":\"A002\",\"amount\":2500.00}}",
            new.display()
        ),
        format!(
            "          new csv {} line 4: {{\"id\":\"A002\",\"amount\":9999.00}}",
            new.display()
        ),
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "no line {line:?} in:\n{text}"
        );
    }
    let (_, json) = run(&args(config, Format::Json, 0));
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["run"]["counts"]["duplicate_in_new"], 1);
    assert_eq!(json["run"]["counts"]["duplicate_rows"], 3);
    let rows = &json["run"]["groups"][0]["examples"][0]["rows"];
    let lines: Vec<(&str, u64, String)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["side"].as_str().unwrap(),
                r["line"].as_u64().unwrap(),
                r["row"]["amount"].to_string(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("legacy", 3, "2000.00".to_owned()),
            ("new", 3, "2500.00".to_owned()),
            ("new", 4, "9999.00".to_owned())
        ]
    );
}

#[test]
fn bad_rows_within_the_bound_are_set_aside_listed_counted_and_exit_4() {
    let dir = tempfile::tempdir().unwrap();
    // Line 3: a value not of its type; line 4: a short row; line 5: a blank key.
    let new = "id,amount\nA001,1000.00\nA002,abc\nA003\n,5.00\nA003,3000.00\n";
    let config = files(dir.path(), LEGACY, new);
    let at = |line: u64| {
        format!(
            "new source csv {} line {line}",
            dir.path().join("new.csv").display()
        )
    };

    // No bound (the default): the first bad row stops the run, as it always did.
    let (stopped, _) = run(&args(config.clone(), Format::Text, 0));
    assert_eq!(
        stopped.unwrap_err().to_string(),
        format!(
            "{}: column amount: expected a decimal number, found \"abc\"",
            at(3)
        )
    );
    // A bound lower than the bad rows: the one past it stops the run, saying the bound.
    let (over, _) = run(&args(config.clone(), Format::Text, 2));
    assert_eq!(
        over.unwrap_err().to_string(),
        format!(
            "{} (bad row 3: over --max-bad-rows 2): key field id is empty (column id)",
            at(5)
        )
    );

    let (finished, text) = run(&args(config.clone(), Format::Text, 3));
    assert_eq!(finished.unwrap().exit_status(), 4, "{text}");
    let expected = format!(
        "  bad rows set aside (not compared): 3\n\
         \x20   {}: column amount: expected a decimal number, found \"abc\"\n\
         \x20   {}: expected 2 columns (as the header has), found 1\n\
         \x20   {}: key field id is empty (column id)\n",
        at(3),
        at(4),
        at(5)
    );
    assert!(text.contains(&expected), "{text}");
    // The rows that read are compared: A002 is only in legacy now, the rest match.
    assert!(
        text.contains("keys 3  matches 2  mismatches 0  only in legacy 1  only in new 0"),
        "{text}"
    );

    let (_, json) = run(&args(config, Format::Json, 3));
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["run"]["counts"]["bad_rows"], 3);
    let first = &json["run"]["bad_rows"][0];
    assert_eq!(first["side"], "new");
    assert_eq!(first["line"], 3);
    assert_eq!(first["column"], "amount");
    assert_eq!(json["run"]["bad_rows"][1]["line"], 4);
    assert_eq!(json["run"]["bad_rows"][2]["column"], "id");
}
