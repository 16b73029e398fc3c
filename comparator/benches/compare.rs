#![allow(clippy::expect_used)] // Setup of fixed inputs: a failure is a broken benchmark, not a runtime error.
//! Throughput of `compare` on a realistic loan-screening decision pair (~1 KB, ~60 fields,
//! two arrays) under a typical strategy's rules: on parsed values (the gateway's case), and
//! with parsing both JSON texts included.

use std::hint::black_box;

use comparator::{compare, Rules, RulesConfig};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::Value;

/// The live decision; the shadow differs in ignored timestamps, a rate within tolerance,
/// offers in another order and a legacy reason code, so every rule does some work.
const LIVE: &str = r#"{
 "header": {"tx_code": "LNS0001", "guid": "20250101090000123456789012345678", "channel": "MB",
  "branch": "0123", "teller": "T0099", "resp_code": "0000", "resp_msg": "정상처리",
  "sent_at": "20250101090000", "recv_at": "20250101090001", "seq": 1, "flag": "S", "version": "01"},
 "body": {"cust_no": "1234567890", "app_no": "A202501010001", "product": "CREDIT_LOAN",
  "decision": "APPROVE", "grade": "A2", "score": 812, "limit_amount": 35000000, "rate": 5.250,
  "base_rate": 3.500, "spread": 1.750, "term_months": 36, "repayment": "EQUAL_PAYMENT",
  "dti": 28.41, "dsr": 31.07, "income": 72000000, "existing_debt": 12000000,
  "collateral": "NONE", "guarantor": "N", "manual_review": false, "fraud_flag": false,
  "kyc": "PASS", "message": "대출 승인", "strategy_version": "2025.01", "decided_at": "20250101090001",
  "offers": [
   {"product_code": "LN01", "amount": 35000000, "rate": 5.250, "term": 36, "fee": 0, "type": "FIXED"},
   {"product_code": "LN02", "amount": 30000000, "rate": 4.900, "term": 24, "fee": 15000, "type": "FLOAT"},
   {"product_code": "LN03", "amount": 20000000, "rate": 4.500, "term": 12, "fee": 15000, "type": "FLOAT"}],
  "reasons": [{"code": "R01", "text": "신용점수 양호"}, {"code": "R07", "text": "소득 확인"},
   {"code": "R12", "text": "부채비율 적정"}]}
}"#;

const SHADOW: &str = r#"{
 "header": {"tx_code": "LNS0001", "guid": "20250101090000123456789012345678", "channel": "MB",
  "branch": "0123", "teller": "T0099", "resp_code": "0000", "resp_msg": "정상처리",
  "sent_at": "20250101090000", "recv_at": "20250101090002", "seq": 1, "flag": "S", "version": "01"},
 "body": {"cust_no": "1234567890", "app_no": "A202501010001", "product": "CREDIT_LOAN",
  "decision": "APPROVE", "grade": "A2", "score": 812, "limit_amount": 35000000, "rate": 5.25,
  "base_rate": 3.5, "spread": 1.75, "term_months": 36, "repayment": "EQUAL_PAYMENT",
  "dti": 28.41, "dsr": 31.0701, "income": 72000000, "existing_debt": 12000000,
  "collateral": "NONE", "guarantor": "N", "manual_review": false, "fraud_flag": false,
  "kyc": "PASS", "message": "대출 승인", "strategy_version": "2025.01", "decided_at": "20250101090002",
  "offers": [
   {"product_code": "LN01", "amount": 35000000, "rate": 5.25, "term": 36, "fee": 0, "type": "FIXED"},
   {"product_code": "LN03", "amount": 20000000, "rate": 4.5, "term": 12, "fee": 15000, "type": "FLOAT"},
   {"product_code": "LN02", "amount": 30000000, "rate": 4.9, "term": 24, "fee": 15000, "type": "FLOAT"}],
  "reasons": [{"code": "LOW_RISK", "text": "신용점수 양호"}, {"code": "R07", "text": "소득 확인"},
   {"code": "R12", "text": "부채비율 적정"}]}
}"#;

const RULES: &str = r#"{
  "ignore": ["header.*_at", "body.decided_at"],
  "tolerance": [{"path": "body.dsr", "absolute": "0.001"}, {"path": "body.offers[*].rate", "absolute": "0.0005"}],
  "unordered": [{"path": "body.offers", "key": ["product_code"]}],
  "normalise": [{"path": "header.resp_msg", "trim": true}],
  "value_map": [{"path": "body.reasons[*].code", "map": {"R01": "LOW_RISK"}}],
  "severity": {"critical": ["body.decision", "body.limit_amount", "body.rate", "body.offers[*].rate"],
               "minor": ["body.message", "body.reasons[*].text"]}
}"#;

fn rules() -> Rules {
    let config: RulesConfig = serde_json::from_str(RULES).expect("benchmark rules parse");
    config.validate().expect("benchmark rules are valid")
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("benchmark decision parses")
}

fn bench(c: &mut Criterion) {
    let rules = rules();
    let (live, shadow) = (parse(LIVE), parse(SHADOW));
    let mut changed = shadow.clone();
    changed["body"]["offers"][2]["rate"] = parse("4.95");
    assert!(
        compare(&live, &shadow, &rules).is_match(),
        "the pair matches under the rules"
    );
    assert_eq!(compare(&live, &changed, &rules).differences.len(), 1);

    let mut group = c.benchmark_group("compare");
    group.throughput(Throughput::Elements(1));
    group.bench_function("parsed/match", |b| {
        b.iter(|| compare(black_box(&live), black_box(&shadow), &rules))
    });
    group.bench_function("parsed/one_difference", |b| {
        b.iter(|| compare(black_box(&live), black_box(&changed), &rules))
    });
    // A separately parsed copy: comparing a value with itself would let every string compare
    // hit the same memory, which flatters the number.
    let copy = parse(LIVE);
    group.bench_function("parsed/equal_copy_no_rules", |b| {
        let none = Rules::none();
        b.iter(|| compare(black_box(&live), black_box(&copy), &none))
    });
    group.bench_function("parse_and_compare/match", |b| {
        b.iter(|| {
            let live = parse(black_box(LIVE));
            let shadow = parse(black_box(SHADOW));
            compare(&live, &shadow, &rules)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
