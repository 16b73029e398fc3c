//! Validation of `[strategies.<name>]`: layouts, transaction codes, engines, rules, readiness.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use protocol_mci::Layout;

use super::build::{positive, Problems};
use super::raw::{EngineConfig, Protocol, StrategyConfig};
use super::StrategySpec;

/// Validates strategies, including which transaction codes they claim.
pub(super) fn strategies(
    configs: &BTreeMap<String, StrategyConfig>,
    layouts: &BTreeMap<String, Arc<Layout>>,
    engines: &BTreeMap<String, EngineConfig>,
    problems: &mut Problems,
) -> BTreeMap<String, StrategySpec> {
    let mut claimed: HashMap<(String, String), String> = HashMap::new();
    let mut out = BTreeMap::new();
    for (name, s) in configs {
        let key = format!("strategies.{name}");
        let layout = layouts.get(&s.layout);
        if layout.is_none() {
            problems.push(format!(
                "{key}.layout: no layout named {:?} in [layouts]",
                s.layout
            ));
        }
        if s.tx_codes.is_empty() {
            problems.push(format!(
                "{key}.tx_codes: list at least one transaction code"
            ));
        }
        for code in &s.tx_codes {
            if layout.is_some_and(|l| l.message(code).is_none()) {
                problems.push(format!(
                    "{key}.tx_codes: {code:?} is not a message of layout {:?}",
                    s.layout
                ));
            }
            if let Some(other) = claimed.insert((s.layout.clone(), code.clone()), name.clone()) {
                problems.push(format!(
                    "{key}.tx_codes: {code:?} is already routed to strategy {other:?}"
                ));
            }
        }
        let mut uses_http = false;
        for (role, engine) in [("live", Some(&s.live)), ("shadow", s.shadow.as_ref())] {
            let Some(engine) = engine else { continue };
            match engines.get(engine) {
                None => problems.push(format!("{key}.{role}: no engine named {engine:?}")),
                Some(e) if e.protocol == Protocol::Mci && e.layout.as_ref() != Some(&s.layout) => {
                    problems.push(format!(
                        "{key}.{role}: mci engine {engine:?} speaks layout {:?}, the strategy uses {:?}",
                        e.layout.as_deref().unwrap_or(""),
                        s.layout
                    ))
                }
                Some(e) => uses_http |= e.protocol != Protocol::Mci,
            }
        }
        if s.shadow.as_ref() == Some(&s.live) {
            problems.push(format!("{key}.shadow: must differ from live"));
        }
        let path = s.path.clone().unwrap_or_default();
        if uses_http && !path.starts_with('/') {
            problems.push(format!(
                "{key}.path: an http engine needs a path starting with '/'"
            ));
        }
        if !(0.0..=100.0).contains(&s.shadow_sample_percent) {
            problems.push(format!(
                "{key}.shadow_sample_percent: must be between 0 and 100"
            ));
        }
        positive(
            s.shadow_max_in_flight as u64,
            &format!("{key}.shadow_max_in_flight"),
            problems,
        );
        positive(
            s.shadow_timeout_ms,
            &format!("{key}.shadow_timeout_ms"),
            problems,
        );
        let rules = match s.rules.validate() {
            Ok(rules) => rules,
            Err(err) => {
                problems.push(format!("{key}.rules: {err}"));
                comparator::Rules::none()
            }
        };
        problems.extend(s.readiness.problems(&format!("{key}.readiness")));
        out.insert(
            name.clone(),
            StrategySpec {
                name: name.clone(),
                layout: s.layout.clone(),
                tx_codes: s.tx_codes.clone(),
                path,
                live: s.live.clone(),
                shadow: s.shadow.clone(),
                sample_ppm: (s.shadow_sample_percent.clamp(0.0, 100.0) * 10_000.0).round() as u32,
                shadow_max_in_flight: s.shadow_max_in_flight,
                shadow_timeout: Duration::from_millis(s.shadow_timeout_ms),
                rules: Arc::new(rules),
                readiness: s.readiness.clone(),
            },
        );
    }
    out
}
