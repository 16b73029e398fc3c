#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Properties of `compare` over arbitrary decisions.

use comparator::{compare, DiffKind, Difference, Path, Rules, RulesConfig, Segment};
use proptest::prelude::*;
use serde_json::{Map, Number, Value};

/// Exact decimal text as a JSON number: integers, scaled decimals, exponents.
fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (any::<i64>(), 0u32..6).prop_map(|(n, scale)| {
            let digits = n.unsigned_abs().to_string();
            let padded = format!("{digits:0>width$}", width = scale as usize + 1);
            let (int, frac) = padded.split_at(padded.len() - scale as usize);
            let sign = if n < 0 { "-" } else { "" };
            if frac.is_empty() {
                format!("{sign}{int}")
            } else {
                format!("{sign}{int}.{frac}")
            }
        }),
        (1u32..999, -5i32..5).prop_map(|(m, e)| format!("{m}e{e}")),
    ]
    .prop_map(|text| Value::Number(text.parse::<Number>().unwrap()))
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "decision",
            "rate",
            "offers",
            "code",
            "issued_at",
            "고객명",
            "사유"
        ])
        .prop_map(str::to_owned),
        "[a-z_]{1,6}",
    ]
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        "[a-zA-Z0-9 가-힣]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|fields| Value::Object(fields.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Objects whose keys are free text: dots, brackets, quotes, stars, backslashes, spaces.
fn free_text_value() -> impl Strategy<Value = Value> {
    let key = "[a-b.\\[\\]\" *\\\\$가]{0,4}";
    let leaf = prop_oneof![Just(Value::Null), any::<bool>().prop_map(Value::Bool)];
    leaf.prop_recursive(3, 24, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::vec((key, inner), 0..4)
                .prop_map(|fields| Value::Object(fields.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// The value a path names in `value`, step by step.
fn at<'v>(value: &'v Value, path: &Path) -> Option<&'v Value> {
    path.segments()
        .iter()
        .try_fold(value, |value, segment| match segment {
            Segment::Key(key) => value.get(key),
            Segment::Index(index) | Segment::ShadowIndex(index) => value.get(index),
        })
}

/// A fixed set of rules touching common keys, so the properties also hold under rules.
fn some_rules() -> Rules {
    let config: RulesConfig = serde_json::from_str(
        r#"{
            "ignore": ["*.issued_at"],
            "tolerance": [{"path": "*.rate", "absolute": "0.01"}],
            "unordered": [{"path": "offers"}, {"path": "*.offers", "key": ["code"]}],
            "normalise": [{"path": "*.code", "trim": true, "ignore_case": true}],
            "value_map": [{"path": "decision", "map": {"Y": "APPROVE"}}],
            "severity": {"critical": ["decision"], "minor": ["*.사유"]}
        }"#,
    )
    .unwrap();
    config.validate().unwrap()
}

/// A difference with its sides (and kind, for missing/extra) swapped.
fn swapped(d: &Difference) -> (String, DiffKind, Option<Value>, Option<Value>) {
    let kind = match d.kind {
        DiffKind::MissingInShadow => DiffKind::ExtraInShadow,
        DiffKind::ExtraInShadow => DiffKind::MissingInShadow,
        other => other,
    };
    (d.path.to_string(), kind, d.shadow.clone(), d.live.clone())
}

fn key_of(d: &Difference) -> (String, DiffKind, Option<Value>, Option<Value>) {
    (d.path.to_string(), d.kind, d.live.clone(), d.shadow.clone())
}

fn sorted(mut items: Vec<(String, DiffKind, Option<Value>, Option<Value>)>) -> Vec<String> {
    items.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    items.iter().map(|item| format!("{item:?}")).collect()
}

/// Offers with few distinct codes, so keys repeat, and a rate a tolerance can blur.
fn offers() -> impl Strategy<Value = Vec<Value>> {
    let offer = (0u8..3, 0u8..3, 0u8..4).prop_map(|(code, term, rate)| {
        let text = format!(
            r#"{{"code": "P{code}", "term": {term}, "rate": 4.50{rate}}}"#,
            term = 12 * (term + 1)
        );
        text.parse::<Value>().unwrap()
    });
    prop::collection::vec(offer, 0..8)
}

/// An array and a random permutation of it.
fn permuted<T: Clone + std::fmt::Debug>(
    items: impl Strategy<Value = Vec<T>>,
) -> impl Strategy<Value = (Vec<T>, Vec<T>)> {
    items.prop_flat_map(|items| {
        let shuffled = Just(items.clone()).prop_shuffle();
        (Just(items), shuffled)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_decision_equals_itself(x in value(), offers in offers()) {
        // Nothing reported and nothing hidden, whatever the rules: what lets a walk pass over a
        // part both decisions share (`Node::same`).
        let with_offers = serde_json::json!({"offers": offers.clone(), "x": {"offers": offers}});
        for x in [&x, &with_offers] {
            for rules in [Rules::none(), some_rules()] {
                let comparison = compare(x, x, &rules);
                prop_assert!(comparison.is_match());
                prop_assert!(comparison.suppressed.is_empty(), "{:?}", comparison.suppressed);
            }
        }
    }

    #[test]
    fn swapping_sides_swaps_missing_and_extra(live in value(), shadow in value()) {
        // Without rules every pairing is positional, so the reports mirror each other exactly.
        let forward = compare(&live, &shadow, &Rules::none());
        let backward = compare(&shadow, &live, &Rules::none());
        let expected = sorted(forward.differences.iter().map(swapped).collect());
        let actual = sorted(backward.differences.iter().map(key_of).collect());
        prop_assert_eq!(expected, actual);
        prop_assert_eq!(forward.signature(), backward.signature());
    }

    #[test]
    fn swapping_sides_keeps_the_verdict_under_rules(live in value(), shadow in value()) {
        let rules = some_rules();
        let forward = compare(&live, &shadow, &rules);
        let backward = compare(&shadow, &live, &rules);
        prop_assert_eq!(forward.is_match(), backward.is_match());
        let missing = |c: &comparator::Comparison, kind| c.differences.iter().filter(|d| d.kind == kind).count();
        prop_assert_eq!(missing(&forward, DiffKind::MissingInShadow), missing(&backward, DiffKind::ExtraInShadow));
        prop_assert_eq!(missing(&forward, DiffKind::ExtraInShadow), missing(&backward, DiffKind::MissingInShadow));
    }

    #[test]
    fn rescaled_numbers_are_equal(n in any::<i64>(), zeros in 0usize..5) {
        let live: Value = format!("{{\"a\": {n}.5}}").parse::<Value>().unwrap();
        let shadow: Value = format!("{{\"a\": {n}.5{}}}", "0".repeat(zeros)).parse::<Value>().unwrap();
        prop_assert!(compare(&live, &shadow, &Rules::none()).is_match());
    }

    #[test]
    fn a_permutation_with_repeated_keys_is_a_match((live, shadow) in permuted(offers())) {
        let live = Value::Array(live);
        let shadow = Value::Array(shadow);
        for rules in [
            r#"{"unordered": [{"path": "offers", "key": ["code"]}]}"#,
            r#"{"unordered": [{"path": "offers", "key": ["code"]}],
                "tolerance": [{"path": "offers[*].rate", "absolute": "0.001"}]}"#,
            r#"{"unordered": [{"path": "offers"}],
                "tolerance": [{"path": "offers[*].rate", "absolute": "0.001"}]}"#,
        ] {
            let rules = serde_json::from_str::<RulesConfig>(rules).unwrap().validate().unwrap();
            let mut l = Map::new();
            l.insert("offers".to_owned(), live.clone());
            let mut s = Map::new();
            s.insert("offers".to_owned(), shadow.clone());
            let comparison = compare(&Value::Object(l), &Value::Object(s), &rules);
            prop_assert!(comparison.is_match(), "{:?}", comparison.differences);
        }
    }

    #[test]
    fn a_permutation_of_any_elements_is_a_match((live, shadow) in permuted(prop::collection::vec(value(), 0..6))) {
        let mut l = Map::new();
        l.insert("offers".to_owned(), Value::Array(live));
        let mut s = Map::new();
        s.insert("offers".to_owned(), Value::Array(shadow));
        let comparison = compare(&Value::Object(l), &Value::Object(s), &some_rules());
        prop_assert!(comparison.is_match(), "{:?}", comparison.differences);
    }

    #[test]
    fn every_path_reads_back_and_names_the_values_it_reports(live in free_text_value(), shadow in free_text_value()) {
        // `{"a.b": 1}` and `{"a": {"b": 1}}` must not share a path: each path parses back to
        // itself and leads, step by step, to the two values reported at it.
        for d in compare(&live, &shadow, &Rules::none()).differences {
            let text = d.path.to_string();
            let parsed = text.parse::<Path>();
            prop_assert_eq!(parsed.as_ref(), Ok(&d.path), "{}", text);
            if d.kind != DiffKind::ArrayLength {
                prop_assert_eq!(at(&live, &d.path), d.live.as_ref(), "{}", text);
                prop_assert_eq!(at(&shadow, &d.path), d.shadow.as_ref(), "{}", text);
            }
        }
    }
}
