//! Copybooks the importer cannot read, or that have no layout equivalent: each error gives the
//! file, line and column, and what was expected and found.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use protocol_mci::charset::Charset;
use protocol_mci::copybook::{self, CopybookFile, ImportOptions, SourceFormat};

/// Imports free-form `text` and returns the error message.
fn error(text: &str) -> String {
    let options = ImportOptions {
        message: Some("T1".into()),
        format: SourceFormat::Free,
        ..ImportOptions::default()
    };
    let file = CopybookFile {
        origin: "bad.cpy",
        text,
        charset: Charset::Utf8,
    };
    match copybook::import(file, None, &options) {
        Ok(toml) => panic!("imported:\n{toml}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_missing_period_at_the_end() {
    assert_eq!(
        error("01 R.\n   05 A PIC X(5)\n"),
        "bad.cpy: line 2, column 17: expected a clause (PIC, USAGE, OCCURS, REDEFINES, VALUE, \
         SIGN) or `.`, found end of file"
    );
}

#[test]
fn a_missing_period_before_the_next_entry() {
    let message = error("01 R.\n   05 A PIC X(5)\n   05 B PIC X.\n");
    assert!(
        message.starts_with("bad.cpy: line 3, column 4: expected a clause"),
        "{message}"
    );
    assert!(message.ends_with("found `05`"), "{message}");
}

#[test]
fn a_bad_picture_symbol_points_at_the_symbol() {
    assert_eq!(
        error("01 R.\n   05 AMOUNT PIC S9(5)Q9.\n"),
        "bad.cpy: line 2, column 23: expected a picture symbol (X A N G 9 S V P Z B 0 / , . + - \
         * $ CR DB) or a repeat count like (5), found `Q`"
    );
    assert!(error("01 R.\n 05 A PIC 9(0).")
        .contains("line 2, column 11: expected a repeat count above 0"));
}

#[test]
fn a_bad_level_number() {
    assert_eq!(
        error("01 R.\n   50 A PIC X.\n"),
        "bad.cpy: line 2, column 4: expected a level number (01-49, 66, 77 or 88), found `50`"
    );
}

#[test]
fn an_unknown_clause() {
    let message = error("01 R.\n   05 A PIC X(3) COLOUR RED.\n");
    assert!(
        message.starts_with("bad.cpy: line 2, column 18: expected a clause"),
        "{message}"
    );
    assert!(message.ends_with("found `COLOUR`"), "{message}");
}

#[test]
fn usages_without_a_layout_type() {
    assert_eq!(
        error("01 R.\n   05 RATE COMP-1.\n"),
        "bad.cpy: line 2, column 4: COMP-1 (floating point) has no layout equivalent"
    );
    assert!(error("01 R.\n 05 P USAGE POINTER.").contains("line 2, column 2: USAGE POINTER has no"));
    assert!(error("01 R.\n 05 N PIC 9(19) COMP.").contains("more than 18"));
    assert!(error("01 R.\n 05 X PIC X(4) COMP-3.").contains(
        "expected a numeric picture (9, S, V, P) with a binary or packed usage, found PIC X(4)"
    ));
    assert!(error("01 R.\n 66 ALIAS RENAMES A.").contains("line 2, column 2: a 66-level RENAMES"));
}

#[test]
fn a_redefines_of_an_item_that_is_not_the_one_before() {
    assert_eq!(
        error("01 R.\n   05 A PIC X(4).\n   05 B PIC X(4).\n   05 C REDEFINES A PIC 9(4).\n"),
        "bad.cpy: line 4, column 19: REDEFINES A: expected the item just before at the same \
         level, found B"
    );
}

#[test]
fn a_count_that_is_not_an_earlier_sibling() {
    let message =
        error("01 R.\n   05 T OCCURS 1 TO 5 DEPENDING ON N.\n      10 V PIC X.\n   05 N PIC 9.\n");
    assert!(
        message.starts_with("bad.cpy: line 2, column 36: DEPENDING ON N: expected an elementary"),
        "{message}"
    );
}

#[test]
fn an_unterminated_literal() {
    assert_eq!(
        error("01 R.\n   05 A PIC X(3) VALUE 'ABC.\n"),
        "bad.cpy: line 2, column 24: expected a closing quote on the literal, found end of file"
    );
}

#[test]
fn entries_under_an_elementary_item_and_names_that_cannot_be_told_apart() {
    assert!(error("01 R.\n   05 A PIC X.\n      10 B PIC X.\n")
        .starts_with("bad.cpy: line 3, column 7: level 10 cannot be under A (line 2)"));
    assert!(error("01 R.\n   05 A PIC X.\n   05 A PIC 9.\n").starts_with(
        "bad.cpy: line 3, column 1: expected names unique at one level, found `a` again (first at line 2)"
    ));
}

#[test]
fn fixed_form_errors_count_columns_from_the_sequence_area() {
    let file = CopybookFile {
        origin: "fixed.cpy",
        text: "000100 01  R.\n000200     05  A PIC X(3) VALUES.\n",
        charset: Charset::Utf8,
    };
    let options = ImportOptions {
        message: Some("T1".into()),
        ..ImportOptions::default()
    };
    let message = copybook::import(file, None, &options)
        .unwrap_err()
        .to_string();
    assert_eq!(
        message,
        "fixed.cpy: line 2, column 33: expected a value after VALUE, found `.`"
    );
}

mod never_panics {
    use proptest::prelude::*;
    use proptest::sample::{select, Index};

    use super::*;

    const FILES: &[&str] = &[
        "customer.cpy",
        "signs.cpy",
        "binary.cpy",
        "packed.cpy",
        "occurs.cpy",
        "odo.cpy",
        "nested_odo.cpy",
        "continuation.cpy",
        "collisions.cpy",
        "screening.cpy",
        "fragment.cpy",
        "scaled.cpy",
        "redefines.cpy",
        "redefines_table.cpy",
    ];

    fn try_both_formats(text: &str) {
        for format in [SourceFormat::Fixed, SourceFormat::Free] {
            let options = ImportOptions {
                message: Some("T1".into()),
                format,
                ..ImportOptions::default()
            };
            let file = CopybookFile {
                origin: "random.cpy",
                text,
                charset: Charset::Utf8,
            };
            let _ = copybook::import(file, None, &options);
        }
    }

    /// Words of copybooks, so that random entries get past the lexer and the parser.
    const WORDS: &[&str] = &[
        "01",
        "05",
        "10",
        "15",
        "88",
        "66",
        "77",
        "A",
        "B",
        "C",
        "N",
        "FILLER",
        "PIC",
        "X(3)",
        "9(2)",
        "S9(5)V99",
        "SVPP9",
        "99PP",
        "N(2)",
        "ZZ9.99",
        "COMP",
        "COMP-3",
        "COMP-5",
        "COMP-1",
        "OCCURS",
        "1",
        "3",
        "TO",
        "TIMES",
        "DEPENDING",
        "ON",
        "REDEFINES",
        "VALUE",
        "'X'",
        "SIGN",
        "LEADING",
        "SEPARATE",
        "USAGE",
        "JUSTIFIED",
        ".",
        ".",
        ".",
        "\n",
        "\n      -    ",
    ];

    proptest! {
        #[test]
        fn random_entries_are_imported_or_refused(words in proptest::collection::vec(select(WORDS), 0..80)) {
            try_both_formats(&format!("       {}", words.join(" ")));
        }

        #[test]
        fn random_text_is_imported_or_refused(text in "[ -~\n\t가-힣é]{0,300}") {
            try_both_formats(&text);
        }

        #[test]
        fn damaged_copybooks_are_imported_or_refused(
            file in select(FILES),
            at in any::<Index>(),
            replacement in "[ -~\n]{0,3}",
            cut in any::<bool>(),
        ) {
            let path = format!("{}/tests/copybooks/{file}", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(path).unwrap();
            let i = at.index(text.len() + 1);
            let damaged = if cut {
                text[..i].to_owned()
            } else {
                format!("{}{replacement}{}", &text[..i], &text[(i + 1).min(text.len())..])
            };
            try_both_formats(&damaged);
        }
    }
}

/// Imports `text` in the fixed format (the default) and returns the error message.
fn fixed_error(text: &str) -> String {
    let options = ImportOptions {
        message: Some("T1".into()),
        ..ImportOptions::default()
    };
    let file = CopybookFile {
        origin: "bad.cpy",
        text,
        charset: Charset::Utf8,
    };
    match copybook::import(file, None, &options) {
        Ok(toml) => panic!("imported:\n{toml}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn numbers_longer_than_a_layout_holds_are_refused_at_their_line() {
    assert_eq!(
        error("01 R.\n 05 P PIC S9(40) COMP-3.\n"),
        "bad.cpy: line 2, column 2: a packed item of 40 digits (at most 31) has no layout \
         equivalent"
    );
    assert_eq!(
        error("01 R.\n 05 N PIC S9(39).\n"),
        "bad.cpy: line 2, column 2: a numeric item of 39 digits (at most 38) has no layout \
         equivalent"
    );
}

#[test]
fn p_scaling_past_what_a_layout_holds_is_refused_at_its_line() {
    // Trailing `P`s add digits after the stored ones, leading ones before them.
    assert_eq!(
        error("01 R.\n 05 N PIC 9(30)P(10).\n"),
        "bad.cpy: line 2, column 2: a numeric item of 30 digits scaled by 10 `P` positions (40 \
         digits written out, at most 38) has no layout equivalent"
    );
    assert_eq!(
        error("01 R.\n 05 N PIC SVP(9)9(30) COMP-3.\n"),
        "bad.cpy: line 2, column 2: a packed item of 30 digits scaled by 9 `P` positions (39 \
         digits written out, at most 38) has no layout equivalent"
    );
    assert_eq!(
        error("01 R.\n 05 N PIC 9(4)P(19) COMP-5.\n"),
        "bad.cpy: line 2, column 2: a COMP-5 item of up to 20 digits scaled by 19 `P` positions \
         (39 digits written out, at most 38) has no layout equivalent"
    );
    // Up to 38 digits written out imports.
    let options = ImportOptions {
        message: Some("T1".into()),
        format: SourceFormat::Free,
        ..ImportOptions::default()
    };
    let file = CopybookFile {
        origin: "ok.cpy",
        text: "01 R.\n 05 N PIC 9(30)P(8).\n 05 M PIC 9(4)P(18) COMP-5.\n",
        charset: Charset::Utf8,
    };
    let toml = copybook::import(file, None, &options).unwrap_or_else(|e| panic!("{e}"));
    assert!(toml.contains("scale = -8"), "{toml}");
    protocol_mci::Layout::from_toml(&toml, "ok.cpy", "ok").unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_free_format_copybook_read_as_fixed_is_told_to_try_format_free() {
    let message = fixed_error("01 CUSTOMER-REC.\n   05 CUST-NAME PIC X(10).\n");
    assert!(
        message.starts_with("bad.cpy: line ")
            && message.ends_with(
                " (the copybook looks free-format, its code starting before column 8: try \
                 --format free)"
            ),
        "{message}"
    );
    // A fixed-format copybook's own mistake gets no such hint.
    let message = fixed_error("000100 01  R.\n000200     05  A PIC X(3) VALUES.\n");
    assert_eq!(
        message,
        "bad.cpy: line 2, column 33: expected a value after VALUE, found `.`"
    );
}

#[test]
fn text_past_column_72_of_the_fixed_format_is_warned_of_once() {
    let file = |text| CopybookFile {
        origin: "wide.cpy",
        text,
        charset: Charset::Utf8,
    };
    let code = format!("{:7}01  R.", "");
    let wide = format!(
        "{code}\n{:6}*{:70}COMMENT\n{:>72}X(10).\n{:>72}SEQ00004\n",
        "", "", "05 NAME PIC", "05 CODE PIC X."
    );
    assert_eq!(
        copybook::warnings(file(&wide), SourceFormat::Fixed),
        [
            "wide.cpy: line 3: columns 73 and on hold `X(10).` (and on 1 more line), ignored in \
          the fixed format (the identification area): if code runs past column 72, use \
          --format free"
        ]
    );
    assert!(copybook::warnings(file(&wide), SourceFormat::Free).is_empty());
    assert!(copybook::warnings(file(&code), SourceFormat::Fixed).is_empty());
}

#[test]
fn records_of_two_sizes_need_a_length_prefix() {
    let text = "01 REQ.\n 05 A PIC X(180).\n01 RESP.\n 05 B PIC X(27).\n";
    let file = CopybookFile {
        origin: "good.cpy",
        text,
        charset: Charset::Utf8,
    };
    let mut options = ImportOptions {
        message: Some("T1".into()),
        format: SourceFormat::Free,
        ..ImportOptions::default()
    };
    assert_eq!(
        copybook::import(file, None, &options)
            .unwrap_err()
            .to_string(),
        "--prefix none: expected a request and a response record of one size (frames without a \
         length prefix all have one size), found the request REQ (line 1) of 180 bytes and the \
         response RESP (line 3) of 27 bytes: give the frames' length prefix (--prefix ascii or \
         binary with --prefix-length and --counts)"
    );
    options.framing.prefix = protocol_mci::layout::config::PrefixKind::Ascii;
    options.framing.prefix_length = Some(8);
    options.framing.counts = Some(protocol_mci::layout::config::LengthCounts::Frame);
    let toml = copybook::import(file, None, &options).unwrap();
    protocol_mci::Layout::from_toml(&toml, "good", "good").unwrap();
}
