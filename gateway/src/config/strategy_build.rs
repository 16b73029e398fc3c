//! Validation of `[strategies.<name>]`: layouts, transaction codes, engines, rules, readiness.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use super::build::{positive, Layouts};
use super::position::located;
use super::problem::{Found, Problems};
use super::raw::{EngineConfig, Protocol, StrategyConfig};
use super::rule_paths::unreachable_rules;
use super::StrategySpec;

/// Validates strategies, including which transaction codes they claim; a rule's problem has
/// its line in `text`, the file's.
pub(super) fn strategies(
    configs: &BTreeMap<String, StrategyConfig>,
    text: &str,
    layouts: &Layouts,
    engines: &BTreeMap<String, EngineConfig>,
    problems: &mut Problems,
) -> BTreeMap<String, StrategySpec> {
    let mut claimed: HashMap<(String, String), String> = HashMap::new();
    let mut out = BTreeMap::new();
    for (name, s) in configs {
        let key = format!("strategies.{name}");
        layouts.check(&format!("{key}.layout"), &s.layout, problems);
        let layout = layouts.loaded.get(&s.layout);
        if s.tx_codes.is_empty() {
            problems.error(
                format!("{key}.tx_codes"),
                "at least one transaction code",
                Found::value("[]"),
            );
        }
        for code in &s.tx_codes {
            if let Some(layout) = layout.filter(|l| l.message(code).is_none()) {
                problems.error(
                    format!("{key}.tx_codes"),
                    format!(
                        "messages of layout {:?} ({})",
                        s.layout,
                        layout.message_codes().join(", ")
                    ),
                    Found::text(code),
                );
            }
            if let Some(other) = claimed.insert((s.layout.clone(), code.clone()), name.clone()) {
                problems.error(
                    format!("{key}.tx_codes"),
                    format!("codes no other strategy of layout {:?} routes", s.layout),
                    Found::value(format!("{code:?}, already routed to strategy {other:?}")),
                );
            }
        }
        let mut uses_http = false;
        for (role, engine) in [("live", Some(&s.live)), ("shadow", s.shadow.as_ref())] {
            let Some(engine) = engine else { continue };
            match engines.get(engine) {
                None => {
                    let declared = engines.keys().map(String::as_str);
                    let (expected, found) =
                        super::suggest::undeclared("an engine", "[engines]", engine, declared);
                    problems.error(format!("{key}.{role}"), expected, found);
                }
                Some(e) if e.protocol == Protocol::Mci && e.layout.as_ref() != Some(&s.layout) => {
                    problems.error(
                        format!("{key}.{role}"),
                        format!("an engine that speaks the strategy's layout {:?}", s.layout),
                        Found::value(format!(
                            "mci engine {engine:?}, which speaks layout {:?}",
                            e.layout.as_deref().unwrap_or("")
                        )),
                    )
                }
                Some(e) => uses_http |= e.protocol != Protocol::Mci,
            }
        }
        if s.shadow.as_ref() == Some(&s.live) {
            problems.error(
                format!("{key}.shadow"),
                "an engine other than live",
                Found::text(&s.live),
            );
        }
        let path = s.path.clone().unwrap_or_default();
        if uses_http && !path.starts_with('/') {
            let found = s.path.as_deref().map_or(Found::nothing(), Found::text);
            problems.error(
                format!("{key}.path"),
                "a path starting with '/' (an http engine serves it)",
                found,
            );
        }
        if !super::ranges::PERCENT.holds_number(s.sample_percent()) {
            problems.error(
                format!("{key}.shadow_sample_percent"),
                format!("a percentage from {}", super::ranges::PERCENT.says()),
                Found::value(s.sample_percent()),
            );
        }
        positive(
            s.max_in_flight() as u64,
            &format!("{key}.shadow_max_in_flight"),
            problems,
        );
        positive(
            s.timeout_ms(),
            &format!("{key}.shadow_timeout_ms"),
            problems,
        );
        if s.shadow.is_none() {
            shadow_settings_without_shadow(name, s, problems);
        }
        let rules = match s.rules.validate() {
            Ok(rules) => {
                if let Some(layout) = layout {
                    let rules_key = format!("{key}.rules");
                    unreachable_rules(&rules_key, &s.rules, layout, &s.tx_codes, problems);
                }
                rules
            }
            Err(err) => {
                // The comparator says what the rule's key takes and holds; the key path and its
                // line say which rule and field.
                for rule in &err.errors {
                    problems.error(
                        located(text, &format!("{key}.rules.{}", rule.key)),
                        rule.kind.expected(),
                        Found::value(rule.kind.found()),
                    );
                }
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
                sample_ppm: (s.sample_percent().clamp(0.0, 100.0) * 10_000.0).round() as u32,
                shadow_max_in_flight: s.max_in_flight(),
                shadow_timeout: Duration::from_millis(s.timeout_ms()),
                confirm_mismatches: s.confirm_mismatches.unwrap_or(false),
                rules: Arc::new(rules),
                readiness: s.readiness.clone(),
            },
        );
    }
    out
}

/// A warning for each shadow setting declared on strategy `name`, which has no shadow engine:
/// it acts on nothing (a strategy cut over with its shadow removed, or a `shadow` key forgotten).
fn shadow_settings_without_shadow(name: &str, s: &StrategyConfig, problems: &mut Problems) {
    for (setting, value) in s.shadow_settings() {
        problems.warning(
            format!("strategies.{name}.{setting}"),
            format!(
                "no shadow setting on strategy {name:?}, which has no shadow engine (it acts \
                 only with `shadow = \"<engine>\"`)"
            ),
            Found::value(value),
        );
    }
}
