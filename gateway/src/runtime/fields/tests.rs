//! Every path shape the comparator can report lands on a declared label, and only a path
//! outside the layout on `other`.

use comparator::{compare, RulesConfig};
use serde_json::Value;

use super::*;

const LAYOUT: &str = r#"
    [framing]
    prefix = "ascii"
    prefix_length = 4
    counts = "after_prefix"
    max_frame = 999
    [header]
    discriminator = "tx"
    fields = [
      { name = "tx", type = "text", length = 4 },
      { name = "resp_code", type = "text", length = 4 },
      { name = "reserved", type = "filler", length = 4 },
    ]
    [messages.T001]
    request = [{ name = "n", type = "number", length = 1 }]
    response = [
      { name = "rate", type = "number", length = 6, scale = 3 },
      { name = "offer_cnt", type = "number", length = 1 },
      { name = "offers", type = "group", count = "offer_cnt", max = 3, fields = [
        { name = "code", type = "text", length = 4 },
        { name = "limit", type = "number", length = 6 },
        { name = "fee_cnt", type = "number", length = 1 },
        { name = "fees", type = "group", count = "fee_cnt", max = 2, fields = [
          { name = "amount", type = "number", length = 4 },
        ] },
      ] },
    ]
    error = [{ name = "error_message", type = "text", length = 10 }]
"#;

fn fields() -> Vec<String> {
    let layout = Layout::from_toml(LAYOUT, "t", "t").unwrap();
    decision_fields(&layout, &["T001".to_owned()])
}

fn decision(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// The collapsed paths of the differences between the two decisions, under `rules`.
fn reported(live: &str, shadow: &str, rules: &str) -> Vec<String> {
    let rules: RulesConfig = serde_json::from_str(rules).unwrap();
    let comparison = compare(
        &decision(live),
        &decision(shadow),
        &rules.validate().unwrap(),
    );
    assert!(!comparison.is_match(), "{live} vs {shadow}");
    comparison.differences.iter().map(|d| d.field()).collect()
}

const BASE: &str = r#"{"header": {"tx": "T001", "resp_code": "0000"}, "body": {"rate": 4.500,
    "offer_cnt": 2, "offers": [{"code": "P100", "limit": 100, "fee_cnt": 1, "fees": [{"amount": 1}]},
    {"code": "P200", "limit": 200, "fee_cnt": 0, "fees": []}]}}"#;

#[test]
fn the_labels_are_the_layout_paths_groups_and_elements() {
    let expected = [
        "body.error_message",
        "body.offer_cnt",
        "body.offers",
        "body.offers[*]",
        "body.offers[*].code",
        "body.offers[*].fee_cnt",
        "body.offers[*].fees",
        "body.offers[*].fees[*]",
        "body.offers[*].fees[*].amount",
        "body.offers[*].limit",
        "body.rate",
        "header.resp_code",
        "header.tx",
    ];
    assert_eq!(fields(), expected);
}

#[test]
fn every_path_shape_the_comparator_reports_has_a_declared_label() {
    let known = fields();
    let ordered = "{}";
    let unordered = r#"{"unordered": [{"path": "body.offers", "key": ["code"]}]}"#;
    let shapes: Vec<(&str, String, &str, Vec<&str>)> = vec![
        (
            "leaf",
            BASE.replace("4.500", "4.600"),
            ordered,
            vec!["body.rate"],
        ),
        (
            "header field",
            BASE.replace("\"0000\"", "\"9999\""),
            ordered,
            vec!["header.resp_code"],
        ),
        (
            "nested group field",
            BASE.replace("\"limit\": 200", "\"limit\": 201"),
            ordered,
            vec!["body.offers[*].limit"],
        ),
        (
            "field of a group in a group",
            BASE.replace("\"amount\": 1", "\"amount\": 2"),
            ordered,
            vec!["body.offers[*].fees[*].amount"],
        ),
        (
            "element removed",
            BASE.replace(
                ",\n    {\"code\": \"P200\", \"limit\": 200, \"fee_cnt\": 0, \"fees\": []}",
                "",
            )
            .replace("\"offer_cnt\": 2", "\"offer_cnt\": 1"),
            ordered,
            vec!["body.offer_cnt", "body.offers", "body.offers[*]"],
        ),
        (
            "element added, unordered",
            BASE.replace(
                "\"fees\": []}]",
                "\"fees\": []}, {\"code\": \"P300\", \"limit\": 1, \"fee_cnt\": 0, \"fees\": []}]",
            ),
            unordered,
            vec!["body.offers", "body.offers[*]"],
        ),
        (
            "element of a group in a group added",
            BASE.replace("[{\"amount\": 1}]", "[{\"amount\": 1}, {\"amount\": 1}]"),
            ordered,
            vec!["body.offers[*].fees", "body.offers[*].fees[*]"],
        ),
        (
            "whole group missing",
            BASE.replace("\"offers\": [", "\"gone\": ["),
            ordered,
            vec!["body.offers", "other"],
        ),
        (
            "whole group of another type",
            r#"{"header": {"tx": "T001", "resp_code": "0000"}, "body": {"rate": 4.500,
                "offer_cnt": 2, "offers": null}}"#
                .to_owned(),
            ordered,
            vec!["body.offers"],
        ),
        (
            "unknown path",
            BASE.replace("\"rate\": 4.500", "\"rate\": 4.500, \"x\": 1"),
            ordered,
            vec!["other"],
        ),
    ];
    for (shape, shadow, rules, labels) in shapes {
        let found: Vec<String> = reported(BASE, &shadow, rules)
            .into_iter()
            .map(|field| {
                if known.contains(&field) {
                    field
                } else {
                    "other".to_owned()
                }
            })
            .collect();
        assert_eq!(found, labels, "{shape}");
    }
}

#[test]
fn the_views_of_a_redefines_area_are_labels_and_the_area_is_not() {
    let toml = LAYOUT.replace(
        r#"error = [{ name = "error_message", type = "text", length = 10 }]"#,
        r#"error = [
          { name = "kind", type = "text", length = 1 },
          { name = "detail", type = "redefines", selector = "kind", alternatives = [
            { name = "card", when = ["C"], fields = [{ name = "card_no", type = "text", length = 4 }] },
            { name = "loan", when = ["L"], fields = [{ name = "months", type = "number", length = 3 }] },
          ] },
        ]"#,
    );
    let layout = Layout::from_toml(&toml, "t", "t").unwrap();
    let fields = decision_fields(&layout, &["T001".to_owned()]);
    for label in [
        "body.card",
        "body.card.card_no",
        "body.kind",
        "body.loan",
        "body.loan.months",
    ] {
        assert!(fields.contains(&label.to_owned()), "{label} in {fields:?}");
    }
    assert!(!fields.iter().any(|f| f.contains("detail")), "{fields:?}");
}
