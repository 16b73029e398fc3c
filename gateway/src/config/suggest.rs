//! "Did you mean": the known config key nearest to a misspelt one (`max_inflight` →
//! `max_in_flight`), for the unknown-key errors of [`super::load`].
//!
//! The known keys are the field names serde's derive gives the config's structs, read from the
//! derive itself (`serde_aux`'s `serde_introspect`), so a key added to a struct is known here
//! without a list to keep. A name is suggested when it is at most a quarter of the typed key's length away in
//! edit distance (at least 2 edits), or the same but for `_`, `-` and case; a key that is
//! nowhere near any known key gets no suggestion. [`nearest`] applies the same measure to other
//! names: the fields of a group's element that an `unordered` rule's `key` names, and the
//! layouts and engines a reference names ([`undeclared`]).

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde_aux::serde_introspection::serde_introspect as fields_of;

use super::problem::Found;
use super::raw;

/// The known key nearest to `typed`, if one is near enough; never `typed` itself (a key known
/// in another section is not a misspelling).
pub(super) fn did_you_mean(typed: &str) -> Option<&'static str> {
    nearest(typed, known_keys().iter().copied())
}

/// The name of `names` nearest to `typed`, by the same measure as [`did_you_mean`]: for names
/// the config does not declare itself (a layout's field names, a reconciliation's mapped paths).
pub(crate) fn nearest<'n>(
    typed: &str,
    names: impl IntoIterator<Item = &'n str>,
) -> Option<&'n str> {
    let folded = fold(typed);
    let limit = (typed.chars().count() / 4).max(2);
    names
        .into_iter()
        .filter(|&name| name != typed)
        .map(|name| match fold(name) == folded {
            true => (0, name),
            false => (strsim::levenshtein(typed, name), name),
        })
        .filter(|&(distance, _)| distance <= limit)
        .min()
        .map(|(_, name)| name)
}

/// A reference to a name declared in a section of the file (`live = "legcy"` for an engine of
/// `[engines]`) that names none of them: what was expected, every declared name listed, and what
/// was found, with the declared name nearest to it (`"legcy" (did you mean "legacy"?)`). `what`
/// is the thing with its article (`an engine`), `section` the table (`[engines]`).
pub(super) fn undeclared<'n>(
    what: &str,
    section: &str,
    found: &str,
    declared: impl IntoIterator<Item = &'n str> + Clone,
) -> (String, Found) {
    let names: Vec<&str> = declared.clone().into_iter().collect();
    let expected = match names.as_slice() {
        [] => format!("{what} declared in {section} (none is)"),
        names => format!("{what} declared in {section} ({})", names.join(", ")),
    };
    let found = match nearest(found, declared) {
        Some(near) => Found::because(found, format!("did you mean {near:?}?")),
        None => Found::text(found),
    };
    (expected, found)
}

/// The sections of the file that take `key`, as the README's table names them
/// (`[strategies.<name>]`): for a key written in the wrong section, which is no misspelling
/// (`[shadow] confirm_mismatches`). Empty for a key no section takes.
pub(super) fn sections_of(key: &str) -> Vec<&'static str> {
    sections()
        .iter()
        .filter(|(_, keys)| keys.contains(&key))
        .map(|(section, _)| *section)
        .collect()
}

/// Every section of the config file, from the root to the rules, with the field names of its
/// struct.
fn sections() -> &'static [(&'static str, &'static [&'static str])] {
    static SECTIONS: OnceLock<Vec<(&'static str, &'static [&'static str])>> = OnceLock::new();
    SECTIONS.get_or_init(|| {
        vec![
            ("the top level of the file", fields_of::<raw::ConfigFile>()),
            ("[listeners]", fields_of::<raw::ListenersConfig>()),
            ("[[listeners.mci]]", fields_of::<raw::MciListenerConfig>()),
            ("[listeners.http]", fields_of::<raw::HttpListenerConfig>()),
            ("[listeners.admin]", fields_of::<raw::AdminListenerConfig>()),
            ("[engines.<name>]", fields_of::<raw::EngineConfig>()),
            ("[engines.<name>.tls]", fields_of::<raw::TlsConfig>()),
            ("[strategies.<name>]", fields_of::<raw::StrategyConfig>()),
            ("[response_codes]", fields_of::<raw::ResponseCodesConfig>()),
            ("[logging]", fields_of::<raw::LoggingConfig>()),
            ("[health]", fields_of::<raw::HealthConfig>()),
            ("[review]", fields_of::<raw::ReviewSectionConfig>()),
            ("[shadow]", fields_of::<raw::ShadowSectionConfig>()),
            ("[runtime]", fields_of::<raw::RuntimeSectionConfig>()),
            ("[store]", fields_of::<crate::store::StoreConfig>()),
            (
                "[store.postgres]",
                fields_of::<crate::store::postgres::PostgresConfig>(),
            ),
            (
                "[strategies.<name>.readiness]",
                fields_of::<crate::review::ReadinessConfig>(),
            ),
            (
                "[strategies.<name>.rules]",
                fields_of::<comparator::RulesConfig>(),
            ),
            (
                "[[strategies.<name>.rules.tolerance]]",
                fields_of::<comparator::ToleranceConfig>(),
            ),
            (
                "[[strategies.<name>.rules.unordered]]",
                fields_of::<comparator::UnorderedConfig>(),
            ),
            (
                "[[strategies.<name>.rules.normalise]]",
                fields_of::<comparator::NormaliseConfig>(),
            ),
            (
                "[[strategies.<name>.rules.value_map]]",
                fields_of::<comparator::ValueMapConfig>(),
            ),
            (
                "[strategies.<name>.rules.severity]",
                fields_of::<comparator::SeverityConfig>(),
            ),
            (
                "[strategies.<name>.rules] ignore",
                fields_of::<comparator::IgnoreConfig>(),
            ),
        ]
    })
}

/// Every field name of the config file's structs, from the root to the rules.
fn known_keys() -> &'static BTreeSet<&'static str> {
    static KEYS: OnceLock<BTreeSet<&'static str>> = OnceLock::new();
    KEYS.get_or_init(|| {
        sections()
            .iter()
            .flat_map(|(_, keys)| keys.iter().copied())
            .collect()
    })
}

/// Lower case without `_` and `-`: `Max-InFlight` and `max_in_flight` fold alike.
fn fold(key: &str) -> String {
    key.chars()
        .filter(|c| !matches!(c, '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misspellings_get_the_key_they_meant() {
        assert_eq!(did_you_mean("max_inflight"), Some("max_in_flight"));
        assert_eq!(
            did_you_mean("shadow_max_inflight"),
            Some("shadow_max_in_flight")
        );
        assert_eq!(did_you_mean("adress"), Some("address"));
        assert_eq!(
            did_you_mean("request-timeout-ms"),
            Some("request_timeout_ms")
        );
        assert_eq!(
            did_you_mean("Summary_Interval_MS"),
            Some("summary_interval_ms")
        );
        // Known keys of other sections, and names near nothing, get no suggestion.
        assert_eq!(did_you_mean("max_in_flight"), None);
        assert_eq!(did_you_mean("colour_scheme"), None);
    }

    #[test]
    fn an_undeclared_name_lists_the_declared_ones_and_suggests_the_nearest() {
        let said = |found: &str, declared: &[&str]| {
            let (expected, found) = undeclared("an engine", "[engines]", found, declared.to_vec());
            crate::config::Problem::error("strategies.loan.live", expected, found).to_string()
        };
        assert_eq!(
            said("legcy", &["legacy", "new-engine"]),
            "strategies.loan.live: expected an engine declared in [engines] (legacy, \
             new-engine), found \"legcy\" (did you mean \"legacy\"?)"
        );
        assert_eq!(
            said("mainframe", &["legacy", "new-engine"]),
            "strategies.loan.live: expected an engine declared in [engines] (legacy, \
             new-engine), found \"mainframe\""
        );
        assert_eq!(
            said("legacy", &[]),
            "strategies.loan.live: expected an engine declared in [engines] (none is), found \
             \"legacy\""
        );
    }

    #[test]
    fn a_key_of_other_sections_names_them() {
        assert_eq!(sections_of("confirm_mismatches"), ["[strategies.<name>]"]);
        assert_eq!(sections_of("workers"), ["[shadow]"]);
        assert_eq!(
            sections_of("token_file"),
            ["[listeners.admin]"],
            "a key of one section only"
        );
        assert!(sections_of("address").len() > 1);
        assert_eq!(sections_of("colour_scheme"), Vec::<&str>::new());
    }

    #[test]
    fn other_names_are_suggested_by_the_same_measure() {
        let fields = ["product_code", "limit", "rate", "term"];
        assert_eq!(nearest("prodcut_code", fields), Some("product_code"));
        assert_eq!(nearest("Product-Code", fields), Some("product_code"));
        assert_eq!(nearest("rate", fields), None);
        assert_eq!(nearest("customer", fields), None);
    }

    #[test]
    fn every_key_of_the_example_configs_is_known() {
        // A struct left out of `known_keys` would make its keys look unknown here.
        let keys = known_keys();
        for file in ["config/shadowgate.toml", "config/demo.toml"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join(file);
            let text = std::fs::read_to_string(&path).unwrap();
            let table: toml::Table = toml::from_str(&text).unwrap();
            let mut leaves = Vec::new();
            leaf_keys(&table, &mut leaves);
            for key in leaves {
                assert!(keys.contains(key.as_str()), "{file}: {key} is not known");
            }
        }
    }

    /// Keys whose values are not tables (tables' keys are names: engines, strategies), except
    /// under `[layouts]`, whose keys are layout names.
    fn leaf_keys(table: &toml::Table, out: &mut Vec<String>) {
        for (key, value) in table {
            match value {
                toml::Value::Table(_) if key == "layouts" => {}
                toml::Value::Table(inner) => leaf_keys(inner, out),
                toml::Value::Array(items) if items.iter().all(|i| i.is_table()) => {
                    out.push(key.clone());
                    for item in items.iter().filter_map(toml::Value::as_table) {
                        leaf_keys(item, out);
                    }
                }
                _ => out.push(key.clone()),
            }
        }
    }
}
