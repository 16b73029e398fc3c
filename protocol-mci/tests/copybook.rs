//! COBOL copybook import: each copybook of `tests/copybooks/` (each exercising different clauses)
//! imports into a layout that loads from a file, and a sample record round-trips byte for byte.
//! Copybooks with P scaling and REDEFINES are in
//! `copybook_scaling_redefines.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod copybook_support;

use copybook_support::{bytes, import, load, options, round_trip, try_import};
use protocol_mci::copybook::{ImportOptions, SourceFormat};
use protocol_mci::layout::config::{Endian, LengthCounts, PrefixKind};
use protocol_mci::Direction;

fn num(value: &serde_json::Value) -> String {
    value.to_string().trim_matches('"').to_owned()
}

#[test]
fn groups_zoned_numbers_filler_values_and_88_levels() {
    let toml = import("customer.cpy", None, &options("CUST01"));
    assert!(toml.contains("# line 6: 05 CUST-ID PIC X(8)"), "{toml}");
    assert!(
        !toml.contains("cust_active"),
        "88-levels are skipped: {toml}"
    );
    let layout = load("customer", &toml);
    let frame = b"CUST01C0000001AJOHN      SMITH       00012345J0500000   202007";
    let message = round_trip(&layout, Direction::Request, frame);
    let body = &message["body"];
    assert_eq!(body["last_name"], "SMITH");
    assert_eq!(num(&body["cust_balance"]), "-1234.51");
    assert_eq!(num(&body["cust_limit"]), "5000.00");
    assert_eq!(num(&body["since_month"]), "7");
    round_trip(&layout, Direction::Response, frame);
}

#[test]
fn every_sign_clause_of_zoned_numbers() {
    let toml = import("signs.cpy", None, &options("SIGN"));
    assert!(toml.contains("sign = \"overpunch_leading\""), "{toml}");
    let layout = load("signs", &toml);
    let frame = b"SIGN012NA234+1234500042-4{007+12-03";
    let body = round_trip(&layout, Direction::Request, frame)["body"].clone();
    assert_eq!(num(&body["amt_trailing"]), "-12.5");
    assert_eq!(num(&body["amt_leading"]), "1234");
    assert_eq!(num(&body["amt_lead_sep"]), "123.45");
    assert_eq!(num(&body["amt_trail_sep"]), "-42");
    assert_eq!(num(&body["amt_default"]), "40");
    assert_eq!(num(&body["inner_b"]), "-3");
}

#[test]
fn comp_binary_comp4_bounded_and_comp5_native_little_endian() {
    let options = ImportOptions {
        native_endian: Endian::Little,
        ..options("BIN1")
    };
    let toml = import("binary.cpy", None, &options);
    assert!(toml.contains(
        "{ name = \"native_half\", type = \"binary\", length = 2, signed = true, endian = \"little\" }"
    ), "{toml}");
    assert!(toml.contains("{ name = \"small_count\", type = \"binary\", length = 2, digits = 4 }"));
    assert!(
        toml.contains("PIC S9(3)V99 COMP SYNC (no slack bytes added"),
        "{toml}"
    );
    let layout = load("binary", &toml);
    let frame = bytes(&[
        b"BIN1",
        &[0, 42],
        &[0xFF, 0xFE],
        &[0x00, 0x01, 0xE2, 0x40],
        &[0, 0, 0, 0, 0, 0, 0, 1],
        &[0x39, 0x30],
        &[0xFF, 0xFF, 0xFF, 0xFF],
        &[0xFF, 0xFF, 0xCF, 0xC7],
        &[0, 7],
        &[0, 0, 0, 0],
    ]);
    let body = round_trip(&layout, Direction::Request, &frame)["body"].clone();
    assert_eq!(num(&body["signed_half"]), "-2");
    assert_eq!(num(&body["full_word"]), "123456");
    assert_eq!(
        num(&body["native_half"]),
        "12345",
        "COMP-5 is not bounded by PIC S9(4)"
    );
    assert_eq!(num(&body["native_word"]), "4294967295");
    assert_eq!(num(&body["rate"]), "-123.45");
    assert_eq!(num(&body["g_one"]), "7");
    // PIC 9(4) COMP holds at most 9999 even though two bytes could hold more.
    let mut beyond = frame.clone();
    beyond[4..6].copy_from_slice(&[0x27, 0x10]);
    assert!(layout.decode(Direction::Request, &beyond).is_err());
}

#[test]
fn comp3_packed_decimal_odd_and_even_digits() {
    let toml = import("packed.cpy", None, &options("PK01"));
    assert!(
        toml.contains("type = \"packed\", length = 6, digits = 10, scale = 2"),
        "{toml}"
    );
    let layout = load("packed", &toml);
    let frame = bytes(&[
        b"PK01",
        &[0x00, 0x12, 0x34, 0x56, 0x7C],
        &[0x09, 0x99, 0x99, 0x99, 0x99, 0x9C],
        &[0x12, 0x34, 0x5F],
        &[0x3D],
        &[0x12, 0x3D],
    ]);
    let body = round_trip(&layout, Direction::Request, &frame)["body"].clone();
    assert_eq!(num(&body["balance"]), "12345.67");
    assert_eq!(num(&body["even_amount"]), "99999999.99");
    assert_eq!(num(&body["unsigned_qty"]), "12345");
    assert_eq!(num(&body["small"]), "-3");
    assert_eq!(num(&body["p_one"]), "-123");
}

#[test]
fn fixed_occurs_of_items_and_groups_nested_with_keys_and_indexes() {
    let toml = import("occurs.cpy", None, &options("OCC1"));
    assert!(toml.contains("{ name = \"filler_1\", type = \"filler\", length = 4, pad = \"0\" }"));
    let layout = load("occurs", &toml);
    let frame = bytes(&[
        b"OCC12026",
        &[
            0x00, 0x12, 0x34, 0x5C, 0x00, 0x00, 0x00, 0x0C, 0x99, 0x99, 0x99, 0x9D,
        ],
        b"BR1001002003BR2004005006AABBCC0000",
    ]);
    let body = round_trip(&layout, Direction::Request, &frame)["body"].clone();
    assert_eq!(num(&body["month_amount"][0]["value"]), "123.45");
    assert_eq!(num(&body["month_amount"][2]["value"]), "-99999.99");
    assert_eq!(body["branch_table"][1]["branch_code"], "BR2");
    assert_eq!(
        num(&body["branch_table"][1]["daily_count"][2]["value"]),
        "6"
    );
    assert_eq!(body["codes"][2]["code_key"], "CC");
}

fn odo_options(compact: bool) -> ImportOptions {
    let mut options = options("LNS01");
    options.framing.prefix = PrefixKind::Ascii;
    options.framing.prefix_length = Some(4);
    options.framing.counts = Some(LengthCounts::AfterPrefix);
    options.compact_odo = compact;
    options
}

#[test]
fn occurs_depending_on_compact_with_two_records_as_request_and_response() {
    let toml = import("odo.cpy", None, &odo_options(true));
    assert!(
        toml.contains("count = \"loan_count\", max = 5, mode = \"compact\""),
        "{toml}"
    );
    let layout = load("odo", &toml);
    let request = b"0042LNS01APP00102KB  0001000NH  00020000050000";
    let body = round_trip(&layout, Direction::Request, request)["body"].clone();
    assert_eq!(body["loans"].as_array().map(Vec::len), Some(2));
    assert_eq!(num(&body["loans"][1]["loan_balance"]), "2000");
    assert_eq!(num(&body["requested"]), "50000");
    let response = round_trip(&layout, Direction::Response, b"0010LNS01AR001")["body"].clone();
    assert_eq!(response["reason"], "R001");
}

#[test]
fn occurs_depending_on_padded_when_asked() {
    let toml = import("odo.cpy", None, &odo_options(false));
    assert!(
        toml.contains("count = \"loan_count\", max = 5, fields"),
        "{toml}"
    );
    let layout = load("odo-padded", &toml);
    let unused = " ".repeat(33);
    let request = format!("0075LNS01APP00102KB  0001000NH  0002000{unused}0050000");
    round_trip(&layout, Direction::Request, request.as_bytes());
}

#[test]
fn nested_occurs_depending_on_with_a_signed_binary_count_and_binary_prefix() {
    let mut options = options("PF01");
    options.framing.prefix = PrefixKind::Binary;
    options.framing.prefix_length = Some(2);
    options.framing.counts = Some(LengthCounts::AfterPrefix);
    let toml = import("nested_odo.cpy", None, &options);
    assert!(
        toml.contains("(written unsigned: it counts a table)"),
        "{toml}"
    );
    assert!(toml.contains("count = \"txn_count\", max = 9"), "{toml}");
    let layout = load("nested-odo", &toml);
    let after_prefix = bytes(&[
        b"PF01",
        &[0x00, 0x02],
        b"ACC000000102",
        &[0x00, 0x10, 0x00, 0x0C],
        b"D",
        &[0x00, 0x00, 0x50, 0x0D],
        b"C",
        b"ACC000000200",
        b"END",
    ]);
    let len = u16::try_from(after_prefix.len()).unwrap().to_be_bytes();
    let frame = bytes(&[&len, &after_prefix]);
    let body = round_trip(&layout, Direction::Request, &frame)["body"].clone();
    assert_eq!(num(&body["accounts"][0]["txns"][0]["txn_amt"]), "100.00");
    assert_eq!(num(&body["accounts"][0]["txns"][1]["txn_amt"]), "-5.00");
    assert_eq!(
        body["accounts"][1]["txns"].as_array().map(Vec::len),
        Some(0)
    );
    assert_eq!(body["trailer_mark"], "END");
}

#[test]
fn continuation_lines_sequence_numbers_debug_lines_and_comments() {
    let toml = import("continuation.cpy", None, &options("CONT"));
    assert!(toml.contains("# line 8: 05 SPLIT-NAME PIC X(5)"), "{toml}");
    assert!(
        toml.contains("# line 6: 05 LONG-AMOUNT PIC S9(9)V99"),
        "{toml}"
    );
    assert!(!toml.contains("debug_only"), "{toml}");
    let layout = load("continuation", &toml);
    let frame = format!("CONT{:<40}0000001234EHELLO042", "THIS LITERAL IS CONTINUED");
    let body = round_trip(&layout, Direction::Request, frame.as_bytes())["body"].clone();
    assert_eq!(num(&body["long_amount"]), "123.45");
    assert_eq!(body["split_name"], "HELLO");
    assert_eq!(num(&body["after_debug"]), "42");
}

#[test]
fn colliding_names_get_their_group_prefix_national_justified_and_edited_pictures() {
    let toml = import("collisions.cpy", None, &options("PTY1"));
    assert!(
        toml.contains("{ name = \"branch_no\", type = \"text\", length = 4, align = \"right\" }")
    );
    let layout = load("collisions", &toml);
    let (name, _, _) = encoding_rs::EUC_KR.encode("홍길동");
    let frame = bytes(&[
        b"PTY1",
        &name,
        b"  SEOUL     04524BUSAN     48058GILDNG    12 1,234.50 ",
    ]);
    let body = round_trip(&layout, Direction::Request, &frame)["body"].clone();
    assert_eq!(body["party_name"], "홍길동");
    assert_eq!(body["home_address_city"], "SEOUL");
    assert_eq!(body["work_address_zip"], "48058");
    assert_eq!(body["nickname"], "GILDNG");
    assert_eq!(body["branch_no"], "12");
    assert_eq!(body["print_amount"], " 1,234.50");
}

fn screening_options() -> ImportOptions {
    let mut options = options("LNS0001");
    options.format = SourceFormat::Free;
    options.discriminator = Some("HDR-TX-CODE".into());
    options.request = Some("SCREEN-REQUEST".into());
    options.response = Some("screen_response".into());
    options.framing.prefix = PrefixKind::Ascii;
    options.framing.prefix_length = Some(8);
    options.framing.counts = Some(LengthCounts::Frame);
    options.framing.trailer = Some("@@".into());
    options
}

#[test]
fn header_copybook_named_records_free_format_prefix_and_trailer() {
    let toml = import("screening.cpy", Some("header.cpy"), &screening_options());
    assert!(toml.contains("discriminator = \"hdr_tx_code\""), "{toml}");
    assert!(toml.contains("max_frame = 69"), "{toml}");
    let layout = load("screening", &toml);
    let header = "GUID0000000000000001LNS0001 S0000       ";
    let request = bytes(&[
        b"00000069",
        header.as_bytes(),
        b"CUST00000042",
        &[0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x0F],
        b"@@",
    ]);
    let message = round_trip(&layout, Direction::Request, &request);
    assert_eq!(message["header"]["hdr_tx_code"], "LNS0001");
    assert_eq!(num(&message["body"]["income"]), "50000000");
    let response = bytes(&[
        b"00000058",
        header.as_bytes(),
        b"A",
        &[0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x0C],
        b"@@",
    ]);
    round_trip(&layout, Direction::Response, &response);
}

#[test]
fn three_records_need_request_and_response_named() {
    let mut options = screening_options();
    options.request = None;
    let error = try_import("screening.cpy", Some("header.cpy"), &options).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("SCREEN-REQUEST, SCREEN-RESPONSE, SCREEN-ERROR"),
        "{error}"
    );
    options.request = Some("SCREEN-REQUESTS".into());
    let error = try_import("screening.cpy", Some("header.cpy"), &options).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("expected a record named SCREEN-REQUESTS"),
        "{error}"
    );
    let mut options = screening_options();
    options.discriminator = None;
    let error = try_import("screening.cpy", Some("header.cpy"), &options).unwrap_err();
    assert!(error.to_string().contains("--discriminator"), "{error}");
    options.discriminator = Some("HDR-GUIDE".into());
    assert!(try_import("screening.cpy", Some("header.cpy"), &options).is_err());
}

#[test]
fn a_fragment_without_01_level_is_one_record_and_needs_a_message_code() {
    let anonymous = ImportOptions::default();
    let error = try_import("fragment.cpy", None, &anonymous).unwrap_err();
    assert!(error.to_string().contains("give --message"), "{error}");
    let toml = import("fragment.cpy", None, &options("FRAG"));
    let layout = load("fragment", &toml);
    let body =
        round_trip(&layout, Direction::Request, b"FRAGABCD000123456-000654321")["body"].clone();
    assert_eq!(num(&body["frag_gross"]), "-1234.56");
    assert_eq!(num(&body["frag_net"]), "6543.21");
}

/// A fixed-form line whose code (from column 8) is padded to column 72 in CP949 bytes, followed
/// by an identification area.
fn cp949_line(sequence: &str, indicator: char, code: &str) -> String {
    let width: usize = code.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    format!(
        "{sequence}{indicator}{code}{}KOREAN01",
        " ".repeat(65 - width)
    )
}

#[test]
fn cp949_copybooks_count_columns_in_bytes() {
    let text = [
        cp949_line("000100", '*', " 고객 기본 정보: 이름과 등급"),
        cp949_line("000200", ' ', "01  CUSTOMER-BASICS."),
        cp949_line(
            "000300",
            ' ',
            "    05  CUST-NAME   PIC X(20) VALUE '홍길동'.",
        ),
        cp949_line("000400", ' ', "    05  CUST-GRADE  PIC X(4)  VALUE '우수'."),
    ]
    .join("\n");
    let file = protocol_mci::copybook::CopybookFile {
        origin: "korean.cpy",
        text: &text,
        charset: protocol_mci::charset::Charset::Cp949,
    };
    let toml = protocol_mci::copybook::import(file, None, &options("KR01"))
        .unwrap_or_else(|e| panic!("{e}"));
    let layout = load("cp949", &toml);
    let (name, _, _) = encoding_rs::EUC_KR.encode("홍길동");
    let (grade, _, _) = encoding_rs::EUC_KR.encode("우수");
    let frame = bytes(&[b"KR01", &name, &[b' '; 14], &grade]);
    let body = round_trip(&layout, Direction::Request, &frame)["body"].clone();
    assert_eq!(body["cust_name"], "홍길동");
    assert_eq!(body["cust_grade"], "우수");
    // Error columns count bytes too: `OOPS` is at column 51 (49 counted in characters).
    let bad = cp949_line(
        "000500",
        ' ',
        "    05  CUST-GRADE  PIC X(4)  VALUE '우수' OOPS.",
    );
    let text = format!("{text}\n{bad}");
    let file = protocol_mci::copybook::CopybookFile {
        text: &text,
        ..file
    };
    let error = protocol_mci::copybook::import(file, None, &options("KR01")).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("korean.cpy: line 5, column 51: expected a clause"),
        "{error}"
    );
}
