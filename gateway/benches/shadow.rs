//! The shadow side's CPU step on the demo's decision pairs (loan screening, both engines'
//! answers as frames, the demo's rules): the comparator's walk over `serde_json::Value` trees
//! against its walk over typed views of the frames, and the whole step before and after (decode
//! both answers, build what the comparator walks, compare), for a pair that matches under the
//! rules (the common case) and one that does not.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use comparator::{compare, Rules, RulesConfig};
use criterion::{criterion_group, Criterion};
use protocol_mci::{Direction, Layout};
use serde_json::Value;
use shadowgate::demo::{legacy, modern, traffic::Traffic};
use shadowgate::pipeline::answer_message;
use shadowgate::pipeline::decision::DecisionNode;

const LAYOUT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../config/layouts/loan-screening.toml"
);

/// config/demo.toml's rules for loan screening.
const RULES: &str = r#"{
  "ignore": ["header.sent_at"],
  "tolerance": [{"path": "body.rate", "absolute": "0.001"},
                {"path": "body.offers[*].rate", "absolute": "0.001"}],
  "unordered": [{"path": "body.offers", "key": ["product_code"]}],
  "severity": {"critical": ["body.decision", "body.limit_amount", "body.offers[*].limit", "body.rate"]}
}"#;

/// The first demo request whose two answers (legacy, new engine) match under the rules or not,
/// as `want_match` says, as answer frames.
fn demo_pair(layout: &Layout, rules: &Rules, want_match: bool) -> (Vec<u8>, Vec<u8>) {
    let mut traffic = Traffic::new(42, "bch");
    for _ in 0..1000 {
        let request = traffic.next_request();
        let live = layout
            .encode(Direction::Response, &legacy::answer(layout, &request))
            .unwrap();
        let json = serde_json::json!({
            "tx_code": "LNS0001", "header": request.header, "body": request.body,
        });
        let answer = modern::answer(&json).unwrap();
        let message = answer_message(layout, &request.header, answer);
        let shadow = layout.encode(Direction::Response, &message).unwrap();
        let (l, s) = (
            layout.decode_view(Direction::Response, &live).unwrap(),
            layout.decode_view(Direction::Response, &shadow).unwrap(),
        );
        let (l, s) = (
            DecisionNode::root(layout, &l),
            DecisionNode::root(layout, &s),
        );
        if compare(l, s, rules).is_match() == want_match {
            return (live, shadow);
        }
    }
    panic!("no demo pair that matches: {want_match}");
}

/// One demo pair, prepared for every variant.
struct Pair {
    live: Vec<u8>,
    shadow: Vec<u8>,
    live_json: Value,
    shadow_json: Value,
}

impl Pair {
    fn new(layout: &Layout, rules: &Rules, want_match: bool) -> Pair {
        let (live, shadow) = demo_pair(layout, rules, want_match);
        let decode = |frame| layout.decode(Direction::Response, frame).unwrap();
        let (live_json, shadow_json) = (
            layout.into_json(decode(&live)),
            layout.into_json(decode(&shadow)),
        );
        Pair {
            live,
            shadow,
            live_json,
            shadow_json,
        }
    }
}

/// Before: both frames decoded to Messages, moved into the layout's JSON, compared.
fn step_value(layout: &Layout, rules: &Rules, live: &[u8], shadow: &[u8]) -> bool {
    let decode = |frame| layout.decode(Direction::Response, frame).unwrap();
    let (l, s) = (
        layout.into_json(decode(live)),
        layout.into_json(decode(shadow)),
    );
    compare(&l, &s, rules).is_match()
}

/// After: both frames decoded to views, compared.
fn step_view(layout: &Layout, rules: &Rules, live: &[u8], shadow: &[u8]) -> bool {
    let view = |frame| layout.decode_view(Direction::Response, frame).unwrap();
    let (l, s) = (view(live), view(shadow));
    let (l, s) = (
        DecisionNode::root(layout, &l),
        DecisionNode::root(layout, &s),
    );
    compare(l, s, rules).is_match()
}

fn setup() -> (Layout, Rules) {
    let layout = Layout::from_file(LAYOUT).unwrap();
    let config: RulesConfig = serde_json::from_str(RULES).unwrap();
    (layout, config.validate().unwrap())
}

fn shadow_bench(c: &mut Criterion) {
    let (layout, rules) = setup();
    for (name, want_match) in [("match", true), ("mismatch", false)] {
        let pair = Pair::new(&layout, &rules, want_match);
        let view = |frame| layout.decode_view(Direction::Response, frame).unwrap();
        let (lv, sv) = (view(&pair.live), view(&pair.shadow));
        let mut group = c.benchmark_group(format!("demo pair, {name}"));
        group.bench_function("walk: Value", |b| {
            b.iter(|| {
                compare(
                    black_box(&pair.live_json),
                    black_box(&pair.shadow_json),
                    &rules,
                )
            })
        });
        group.bench_function("walk: view", |b| {
            b.iter(|| {
                let (l, s) = (
                    DecisionNode::root(&layout, black_box(&lv)),
                    DecisionNode::root(&layout, black_box(&sv)),
                );
                compare(l, s, &rules)
            })
        });
        group.bench_function("step: decode to Value + walk", |b| {
            b.iter(|| {
                step_value(
                    &layout,
                    &rules,
                    black_box(&pair.live),
                    black_box(&pair.shadow),
                )
            })
        });
        group.bench_function("step: decode to view + walk", |b| {
            b.iter(|| {
                step_view(
                    &layout,
                    &rules,
                    black_box(&pair.live),
                    black_box(&pair.shadow),
                )
            })
        });
        group.finish();
    }
}

/// `SHADOW_BENCH_LOOP=variant,match|mismatch,N`: runs one variant N times in a plain loop and
/// exits, for instruction counts without criterion's own work (`valgrind --tool=callgrind`,
/// once with N and once with 0; the difference over N is one iteration). Variants: `walk_value`,
/// `walk_view`, `step_value`, `step_view`.
fn instruction_loop(spec: &str) {
    let mut parts = spec.split(',');
    let (variant, kind, times) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts
            .next()
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0),
    );
    let (layout, rules) = setup();
    let pair = Pair::new(&layout, &rules, kind == "match");
    let view = |frame| layout.decode_view(Direction::Response, frame).unwrap();
    let (lv, sv) = (view(&pair.live), view(&pair.shadow));
    let mut matched = 0;
    for _ in 0..times {
        let is_match = match variant {
            "walk_value" => compare(
                black_box(&pair.live_json),
                black_box(&pair.shadow_json),
                &rules,
            )
            .is_match(),
            "walk_view" => compare(
                DecisionNode::root(&layout, black_box(&lv)),
                DecisionNode::root(&layout, black_box(&sv)),
                &rules,
            )
            .is_match(),
            "step_value" => step_value(
                &layout,
                &rules,
                black_box(&pair.live),
                black_box(&pair.shadow),
            ),
            "step_view" => step_view(
                &layout,
                &rules,
                black_box(&pair.live),
                black_box(&pair.shadow),
            ),
            other => panic!("unknown variant {other:?}"),
        };
        matched += usize::from(is_match);
    }
    println!("{variant} {kind}: {matched} of {times} matched");
}

criterion_group!(benches, shadow_bench);

fn main() {
    if let Ok(spec) = std::env::var("SHADOW_BENCH_LOOP") {
        return instruction_loop(&spec);
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
