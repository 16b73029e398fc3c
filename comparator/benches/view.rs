#![allow(clippy::expect_used, missing_docs)] // Setup of fixed inputs: a failure is a broken benchmark.
//! The walk over a typed decision, as the gateway holds a decoded frame (decimals as scaled
//! integers, dates as parts), on the loan-screening pair of `compare.rs` with its rates within
//! tolerance and its timestamps compared: dates given to the comparator as text written on
//! demand (`Leaf::Spelled`, as before) against dates with a key (`Leaf::Keyed`).

use std::fmt;
use std::hint::black_box;

use comparator::{compare, Keyed, Leaf, Node, Rules, RulesConfig, Scaled, Shape};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{Map, Value};

const LIVE: &str = r#"{
 "header": {"tx_code": "LNS0001", "guid": "20250101090000123456789012345678", "channel": "MB",
  "branch": "0123", "teller": "T0099", "resp_code": "0000", "resp_msg": "정상처리",
  "sent_at": "20250101090000", "recv_at": "20250101090001", "seq": 1, "flag": "S", "version": "01"},
 "body": {"cust_no": "1234567890", "app_no": "A202501010001", "product": "CREDIT_LOAN",
  "decision": "APPROVE", "grade": "A2", "score": 812, "limit_amount": 35000000, "rate": 5.250,
  "base_rate": 3.500, "spread": 1.750, "term_months": 36, "repayment": "EQUAL_PAYMENT",
  "dti": 28.41, "dsr": 31.07, "income": 72000000, "existing_debt": 12000000,
  "collateral": "NONE", "guarantor": "N", "kyc": "PASS", "message": "대출 승인",
  "strategy_version": "2025.01", "decided_at": "20250101090001", "applied_on": "20241230",
  "valid_until": "20250131", "first_payment_on": "20250215",
  "offers": [
   {"product_code": "LN01", "amount": 35000000, "rate": 5.250, "term": 36, "fee": 0, "type": "FIXED", "expires_on": "20250110"},
   {"product_code": "LN02", "amount": 30000000, "rate": 4.900, "term": 24, "fee": 15000, "type": "FLOAT", "expires_on": "20250110"},
   {"product_code": "LN03", "amount": 20000000, "rate": 4.500, "term": 12, "fee": 15000, "type": "FLOAT", "expires_on": "20250110"}],
  "reasons": [{"code": "R01", "text": "신용점수 양호"}, {"code": "R07", "text": "소득 확인"},
   {"code": "R12", "text": "부채비율 적정"}]}
}"#;

/// The shadow: rates written at other scales and within tolerance, another receive time.
const SHADOW: &str = r#"{
 "header": {"tx_code": "LNS0001", "guid": "20250101090000123456789012345678", "channel": "MB",
  "branch": "0123", "teller": "T0099", "resp_code": "0000", "resp_msg": "정상처리",
  "sent_at": "20250101090000", "recv_at": "20250101090002", "seq": 1, "flag": "S", "version": "01"},
 "body": {"cust_no": "1234567890", "app_no": "A202501010001", "product": "CREDIT_LOAN",
  "decision": "APPROVE", "grade": "A2", "score": 812, "limit_amount": 35000000, "rate": 5.2504,
  "base_rate": 3.5, "spread": 1.7504, "term_months": 36, "repayment": "EQUAL_PAYMENT",
  "dti": 28.4103, "dsr": 31.0701, "income": 72000000, "existing_debt": 12000000,
  "collateral": "NONE", "guarantor": "N", "kyc": "PASS", "message": "대출 승인",
  "strategy_version": "2025.01", "decided_at": "20250101090001", "applied_on": "20241230",
  "valid_until": "20250131", "first_payment_on": "20250215",
  "offers": [
   {"product_code": "LN01", "amount": 35000000, "rate": 5.2502, "term": 36, "fee": 0, "type": "FIXED", "expires_on": "20250110"},
   {"product_code": "LN02", "amount": 30000000, "rate": 4.9003, "term": 24, "fee": 15000, "type": "FLOAT", "expires_on": "20250110"},
   {"product_code": "LN03", "amount": 20000000, "rate": 4.4999, "term": 12, "fee": 15000, "type": "FLOAT", "expires_on": "20250110"}],
  "reasons": [{"code": "R01", "text": "신용점수 양호"}, {"code": "R07", "text": "소득 확인"},
   {"code": "R12", "text": "부채비율 적정"}]}
}"#;

const RULES: &str = r#"{
  "ignore": ["header.recv_at"],
  "tolerance": [{"path": "body.rate", "absolute": "0.001"}, {"path": "body.spread", "absolute": "0.001"},
                {"path": "body.dti", "absolute": "0.001"}, {"path": "body.dsr", "absolute": "0.001"},
                {"path": "body.offers[*].rate", "absolute": "0.0005"}],
  "unordered": [{"path": "body.offers", "key": ["product_code"]}],
  "severity": {"critical": ["body.decision", "body.limit_amount", "body.rate", "body.offers[*].rate"]}
}"#;

/// A decoded decision: what a frame's view holds.
enum Typed {
    Object(Vec<(String, Typed)>),
    Array(Vec<Typed>),
    Text(String),
    Decimal(Decimal),
    Date(Date),
}

/// `mantissa × 10^-scale`, written as its JSON number.
struct Decimal {
    mantissa: i128,
    scale: u32,
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.scale == 0 {
            return write!(f, "{}", self.mantissa);
        }
        let (sign, abs) = (
            if self.mantissa < 0 { "-" } else { "" },
            self.mantissa.unsigned_abs(),
        );
        let unit = 10u128.pow(self.scale);
        let width = self.scale as usize;
        write!(f, "{sign}{}.{:0width$}", abs / unit, abs % unit)
    }
}

/// A date (and a time, when it has one), written as ISO text.
struct Date {
    parts: [u32; 6],
    timed: bool,
}

impl Date {
    fn key(&self) -> u128 {
        let packed = self
            .parts
            .iter()
            .fold(0u128, |key, &p| (key << 16) | u128::from(p));
        (packed << 1) | u128::from(self.timed)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [y, mo, d, h, mi, s] = self.parts;
        write!(f, "{y:04}-{mo:02}-{d:02}")?;
        if self.timed {
            write!(f, "T{h:02}:{mi:02}:{s:02}")?;
        }
        Ok(())
    }
}

fn typed(key: &str, value: &Value) -> Typed {
    match value {
        Value::Object(map) => {
            Typed::Object(map.iter().map(|(k, v)| (k.clone(), typed(k, v))).collect())
        }
        Value::Array(elements) => Typed::Array(elements.iter().map(|v| typed("", v)).collect()),
        Value::Number(n) => {
            let text = n.to_string();
            let scale = text.find('.').map_or(0, |at| text.len() - at - 1);
            let digits: String = text.chars().filter(|c| *c != '.').collect();
            Typed::Decimal(Decimal {
                mantissa: digits.parse().expect("a plain number"),
                scale: scale as u32,
            })
        }
        Value::String(s)
            if key.ends_with("_at") || key.ends_with("_on") || key.ends_with("_until") =>
        {
            let n = |at: usize| s.get(at..at + 2).map_or(0, |d| d.parse().expect("digits"));
            Typed::Date(Date {
                parts: [
                    s[..4].parse().expect("a year"),
                    n(4),
                    n(6),
                    n(8),
                    n(10),
                    n(12),
                ],
                timed: s.len() > 8,
            })
        }
        Value::String(s) => Typed::Text(s.clone()),
        _ => unreachable!("the bench decisions hold objects, arrays, numbers and strings"),
    }
}

/// A node of a [`Typed`] tree; `keyed` says how its dates are given to the comparator.
#[derive(Clone, Copy)]
struct View<'a> {
    node: &'a Typed,
    keyed: bool,
}

struct Fields<'a> {
    entries: std::slice::Iter<'a, (String, Typed)>,
    keyed: bool,
}

impl<'a> Iterator for Fields<'a> {
    type Item = (&'a str, View<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let keyed = self.keyed;
        self.entries
            .next()
            .map(|(k, node)| (k.as_str(), View { node, keyed }))
    }
}

/// How a date is given to the comparator.
fn date_leaf(date: &Date, keyed: bool) -> Leaf<'_> {
    if keyed {
        return Leaf::Keyed(Keyed {
            key: date.key(),
            text: date,
        });
    }
    Leaf::Spelled(date)
}

impl<'a> Node<'a> for View<'a> {
    type Fields = Fields<'a>;

    fn shape(self) -> Shape<'a> {
        match self.node {
            Typed::Object(_) => Shape::Object,
            Typed::Array(_) => Shape::Array,
            Typed::Text(text) => Shape::Leaf(Leaf::Text(text)),
            Typed::Decimal(d) => Shape::Leaf(Leaf::Decimal(Scaled {
                mantissa: d.mantissa,
                scale: d.scale as i32,
                text: d,
            })),
            Typed::Date(date) => Shape::Leaf(date_leaf(date, self.keyed)),
        }
    }

    fn fields(self) -> Fields<'a> {
        let entries: &'a [(String, Typed)] = match self.node {
            Typed::Object(entries) => entries,
            _ => &[],
        };
        Fields {
            entries: entries.iter(),
            keyed: self.keyed,
        }
    }

    fn field(self, name: &str) -> Option<Self> {
        self.fields().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    fn len(self) -> usize {
        match self.node {
            Typed::Object(entries) => entries.len(),
            Typed::Array(elements) => elements.len(),
            _ => 0,
        }
    }

    fn element(self, index: usize) -> Option<Self> {
        match self.node {
            Typed::Array(elements) => elements.get(index).map(|node| View {
                node,
                keyed: self.keyed,
            }),
            _ => None,
        }
    }

    fn to_value(self) -> Value {
        match self.node {
            Typed::Object(_) => Value::Object(
                self.fields()
                    .map(|(k, v)| (k.to_owned(), v.to_value()))
                    .collect::<Map<_, _>>(),
            ),
            Typed::Array(elements) => Value::Array(
                elements
                    .iter()
                    .map(|node| {
                        View {
                            node,
                            keyed: self.keyed,
                        }
                        .to_value()
                    })
                    .collect(),
            ),
            Typed::Text(text) => Value::String(text.clone()),
            Typed::Decimal(d) => serde_json::from_str(&d.to_string()).expect("a number"),
            Typed::Date(date) => Value::String(date.to_string()),
        }
    }
}

fn bench(c: &mut Criterion) {
    let config: RulesConfig = serde_json::from_str(RULES).expect("benchmark rules parse");
    let rules: Rules = config.validate().expect("benchmark rules are valid");
    let parse = |text| {
        typed(
            "",
            &serde_json::from_str::<Value>(text).expect("benchmark decision parses"),
        )
    };
    let (live, shadow) = (parse(LIVE), parse(SHADOW));
    let view = |node, keyed| View { node, keyed };
    for keyed in [false, true] {
        assert!(
            compare(view(&live, keyed), view(&shadow, keyed), &rules).is_match(),
            "the pair matches under the rules"
        );
    }
    let mut group = c.benchmark_group("view");
    group.throughput(Throughput::Elements(1));
    group.bench_function("match/dates_spelled", |b| {
        b.iter(|| {
            compare(
                view(black_box(&live), false),
                view(black_box(&shadow), false),
                &rules,
            )
        })
    });
    group.bench_function("match/dates_keyed", |b| {
        b.iter(|| {
            compare(
                view(black_box(&live), true),
                view(black_box(&shadow), true),
                &rules,
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
