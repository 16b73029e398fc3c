//! The parts of [`super::spec::build`]: each source, the rules and the key, each problem with
//! its key path.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use protocol_mci::charset::Charset;
use protocol_mci::{Direction, Layout};

use super::config::{
    DirectionConfig, FieldType, OrderConfig, ReconcileConfig, RecordsConfig, SourceConfig,
    SourceKind,
};
use super::key::KeySpec;
use super::mapping::{Field, Mapping};
use super::spec::{Input, Side, SourceSpec};
use crate::config::{Found, Problem, Problems};
use crate::review::ReadinessConfig;

/// Default deadline of each wait on a database.
const DEFAULT_TIMEOUT_MS: u64 = 30_000;

/// One side, or `None` with its problems pushed.
pub(super) fn source(
    side: Side,
    config: &SourceConfig,
    base: &Path,
    problems: &mut Vec<String>,
) -> Option<SourceSpec> {
    let before = problems.len();
    let mut problem = |key: &str, text: String| problems.push(format!("{side}.{key}: {text}"));
    let file = |problem: &mut dyn FnMut(&str, String)| match &config.path {
        Some(path) => Some(base.join(path)),
        None => {
            problem("path", "expected the file to read, found nothing".into());
            None
        }
    };
    let mut fields = mapping(config, &mut problem);
    let input = match config.kind {
        SourceKind::Csv => {
            let delimiter = match config.delimiter.as_deref().unwrap_or(",").as_bytes() {
                [byte] if byte.is_ascii() => Some(*byte),
                _ => {
                    let found = config.delimiter.clone().unwrap_or_default();
                    problem(
                        "delimiter",
                        format!("expected one ASCII character, found {found:?}"),
                    );
                    None
                }
            };
            let charset = charset(config, &mut problem);
            file(&mut problem)
                .zip(delimiter)
                .map(|(path, delimiter)| Input::Csv {
                    path,
                    delimiter,
                    charset,
                })
        }
        SourceKind::Jsonl => {
            let charset = charset(config, &mut problem);
            file(&mut problem).map(|path| Input::Jsonl { path, charset })
        }
        SourceKind::Fixed => {
            let path = file(&mut problem);
            fixed(config, base, &mut fields, &mut problem)
                .zip(path)
                .map(|((layout, message), path)| Input::Fixed {
                    path,
                    layout,
                    message,
                    direction: match config.direction {
                        Some(DirectionConfig::Request) => Direction::Request,
                        _ => Direction::Response,
                    },
                    newline: config.records != Some(RecordsConfig::BackToBack),
                })
        }
        SourceKind::Postgres => {
            let url = config
                .url
                .clone()
                .filter(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"));
            if url.is_none() {
                problem("url", "expected postgres://user@host:port/database".into());
            }
            if config.query.is_none() {
                problem("query", "expected the SQL query, found nothing".into());
            }
            let timeout = Duration::from_millis(config.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS));
            url.zip(config.query.clone())
                .map(|(url, query)| Input::Postgres {
                    url,
                    query,
                    timeout,
                })
        }
    };
    if let (Some(found), SourceKind::Fixed | SourceKind::Postgres) = (&config.charset, config.kind)
    {
        problem(
            "charset",
            format!(
                "only a csv or jsonl source has a charset (a layout has its own; PostgreSQL \
                 sends UTF-8), found {found:?}"
            ),
        );
    }
    let input = input?;
    if problems.len() > before {
        return None;
    }
    Some(SourceSpec {
        side,
        input,
        mapping: Mapping { fields },
        presorted: config.order != Some(OrderConfig::Unsorted),
    })
}

/// The charset of a text file source: `utf-8` unless `charset` names another.
fn charset(config: &SourceConfig, problem: &mut dyn FnMut(&str, String)) -> Charset {
    let Some(name) = &config.charset else {
        return Charset::Utf8;
    };
    let known = [Charset::Utf8, Charset::Cp949, Charset::EucKr];
    match known
        .into_iter()
        .find(|c| c.name() == name.to_ascii_lowercase())
    {
        Some(charset) => charset,
        None => {
            let names: Vec<&str> = known.iter().map(|c| c.name()).collect();
            problem(
                "charset",
                format!("expected one of {}, found {name:?}", names.join(", ")),
            );
            Charset::Utf8
        }
    }
}

/// The mapping's fields; duplicate target paths are problems.
fn mapping(config: &SourceConfig, problem: &mut dyn FnMut(&str, String)) -> Vec<Field> {
    let mut fields: Vec<Field> = Vec::with_capacity(config.fields.len());
    if config.fields.is_empty() {
        problem("fields", "expected at least one field, found none".into());
    }
    for (i, field) in config.fields.iter().enumerate() {
        let valid_path = !field.path.is_empty() && field.path.split('.').all(|s| !s.is_empty());
        if !valid_path {
            problem(
                &format!("fields[{i}].path"),
                format!("expected a dotted path, found {:?}", field.path),
            );
        } else if fields.iter().any(|f| f.path == field.path) {
            problem(
                &format!("fields[{i}].path"),
                format!("{} is mapped twice", field.path),
            );
        }
        if let Some(format) = &field.format {
            if field.kind != Some(FieldType::Date) {
                problem(
                    &format!("fields[{i}].format"),
                    format!("only a date has a format, found {format:?}"),
                );
            }
        }
        fields.push(Field {
            path: field.path.clone(),
            column: field.column.clone().unwrap_or_else(|| field.path.clone()),
            kind: field.kind.unwrap_or_default(),
            format: field.format.clone(),
            mask: field.mask,
            key: false,
        });
    }
    fields
}

/// The layout and message of a fixed-length source; fields marked `mask` in the layout are
/// masked by their column.
fn fixed(
    config: &SourceConfig,
    base: &Path,
    fields: &mut [Field],
    problem: &mut dyn FnMut(&str, String),
) -> Option<(Arc<Layout>, String)> {
    let Some(layout_path) = &config.layout else {
        problem(
            "layout",
            "expected the layout file of the records, found nothing".into(),
        );
        return None;
    };
    let layout = match Layout::from_file(base.join(layout_path)) {
        Ok(layout) => layout,
        Err(e) => {
            problem("layout", e.to_string());
            return None;
        }
    };
    if !matches!(
        layout.framing.prefix,
        protocol_mci::framing::Prefix::Fixed { .. }
    ) {
        problem(
            "layout",
            "expected a layout with prefix = \"none\" and a size: records have no length prefix"
                .into(),
        );
        return None;
    }
    let message = match &config.message {
        Some(m) if layout.message(m).is_some() => m.clone(),
        found => {
            let codes = layout.message_codes().join(", ");
            problem(
                "message",
                format!("expected one of the layout's messages ({codes}), found {found:?}"),
            );
            return None;
        }
    };
    let masked = layout.masked_paths(&message);
    for field in fields.iter_mut() {
        if field.mask.is_none() {
            field.mask = masked
                .iter()
                .find(|(p, _)| *p == field.column)
                .map(|(_, k)| *k);
        }
    }
    Some((Arc::new(layout), message))
}

/// The rules, where they come from, and the readiness thresholds. An invalid inline rule is
/// said as `check-config` says a strategy's: at its key and line in `text`.
pub(super) fn rules(
    config: &ReconcileConfig,
    text: &str,
    base: &Path,
    problems: &mut Vec<String>,
) -> (Option<comparator::Rules>, String, ReadinessConfig) {
    let defaults = ReadinessConfig::default();
    match (&config.rules, &config.strategy, &config.gateway_config) {
        (Some(_), Some(_), _) => {
            problems.push("rules: give rules or strategy, not both".into());
            (None, String::new(), defaults)
        }
        (rules, None, _) => match rules.clone().unwrap_or_default().validate() {
            Ok(rules) => (Some(rules), "inline".into(), defaults),
            Err(e) => {
                // The comparator says what the rule's key takes and holds; the key path and its
                // line say which rule and field.
                problems.extend(e.errors.iter().map(|rule| {
                    let key = crate::config::located(text, &format!("rules.{}", rule.key));
                    let found = Found::value(rule.kind.found());
                    Problem::error(key, rule.kind.expected(), found).to_string()
                }));
                (None, String::new(), defaults)
            }
        },
        (None, Some(_), None) => {
            problems.push(
                "gateway_config: expected the config holding the strategy, found nothing".into(),
            );
            (None, String::new(), defaults)
        }
        (None, Some(name), Some(file)) => {
            match crate::config::load_without_secrets(&base.join(file)) {
                Err(e) => {
                    problems.push(format!("gateway_config: {e}"));
                    (None, String::new(), defaults)
                }
                Ok(gateway) => match gateway.strategies.get(name) {
                    Some(spec) => (
                        Some((*spec.rules).clone()),
                        format!("strategy {name}"),
                        spec.readiness.clone(),
                    ),
                    None => {
                        let names: Vec<&str> =
                            gateway.strategies.keys().map(String::as_str).collect();
                        problems.push(format!(
                            "strategy: expected one of {}, found {name:?}",
                            names.join(", ")
                        ));
                        (None, String::new(), defaults)
                    }
                },
            }
        }
    }
}

/// Warnings about the inline `[rules]`, as `check-config` gives them about a strategy's: a
/// pattern that reaches no field the two sides' `fields` map (with the nearest mapped path), an
/// index past a group's maximum, an `unordered` key no element has. A strategy's rules are checked
/// against its layout by the gateway config's own check (`strategy` + `gateway_config`), and a
/// batch row need not hold every field an answer has, so they are not checked here. Each is at
/// its key and line in `text`, as the errors are.
pub(super) fn rule_warnings(
    config: &ReconcileConfig,
    text: &str,
    legacy: &SourceSpec,
    new: &SourceSpec,
) -> Vec<Problem> {
    let Some(rules) = &config.rules else {
        return Vec::new();
    };
    let mut fields: Vec<protocol_mci::AnswerField> = Vec::new();
    for field in legacy.mapping.fields.iter().chain(&new.mapping.fields) {
        // `body.cust_no` places `cust_no` inside the object `body`: both are fields of a row.
        let mut path = String::new();
        for key in field.path.split('.') {
            comparator::Path::push_key(&mut path, key);
            fields.push(protocol_mci::AnswerField {
                path: path.clone(),
                maxima: Vec::new(),
                element_keys: Vec::new(),
            });
        }
    }
    let mut problems = Problems::new();
    let whose = "the rows as the `fields` of legacy and new map them";
    let answers = crate::config::Answers::rows(fields, whose);
    crate::config::check_rules("rules", rules, &answers, &mut problems);
    crate::config::locate(text, problems.into_vec())
}

/// Warnings about a fixed-length side's layout, as `check-config` gives them about a gateway's
/// layouts: what loads but may not decode as meant (a REDEFINES without a selector whose base
/// view is shorter than another), at the side's `layout` key and line in `text`.
pub(super) fn layout_warnings(
    config: &ReconcileConfig,
    text: &str,
    legacy: &SourceSpec,
    new: &SourceSpec,
) -> Vec<Problem> {
    let mut problems = Problems::new();
    for (side, source) in [(&config.legacy, legacy), (&config.new, new)] {
        let (Input::Fixed { layout, .. }, Some(path)) = (&source.input, &side.layout) else {
            continue;
        };
        for p in layout.warnings() {
            problems.warning(
                format!("{}.layout", source.side),
                "a layout that reads every byte it describes",
                Found::because(path, format!("at {}: {}", p.path, p.message)),
            );
        }
    }
    crate::config::locate(text, problems.into_vec())
}

/// The key: every key path mapped on both sides with the same type.
pub(super) fn key(
    paths: &[String],
    legacy: Option<&SourceSpec>,
    new: Option<&SourceSpec>,
    problems: &mut Vec<String>,
) -> Option<KeySpec> {
    if paths.is_empty() {
        problems.push("key: expected at least one target path, found none".into());
        return None;
    }
    let (legacy, new) = (legacy?, new?);
    let mut fields = Vec::with_capacity(paths.len());
    for (i, path) in paths.iter().enumerate() {
        match (legacy.mapping.field(path), new.mapping.field(path)) {
            (Some(l), Some(n)) if l.kind == n.kind => fields.push((path.clone(), l.kind)),
            (Some(l), Some(n)) => problems.push(format!(
                "key[{i}]: {path} is {:?} in legacy and {:?} in new; a key has one type",
                l.kind, n.kind
            )),
            _ => problems.push(format!("key[{i}]: expected {path} mapped on both sides")),
        }
    }
    (fields.len() == paths.len()).then_some(KeySpec { fields })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::path::Path;

    use super::super::config::ReconcileConfig;
    use super::super::spec::build;

    /// A reconciliation of two JSON Lines sides mapping `body.cust_no` and `body.rate`, with
    /// `rules` as its rules (`[rules]` and what follows it; the sides take lines 3 to 10).
    fn built(rules: &str) -> Result<super::super::spec::Spec, Vec<String>> {
        let side = |name: &str| {
            format!(
                "[{name}]\nkind = \"jsonl\"\npath = \"{name}.jsonl\"\nfields = [\
                 {{ path = \"body.cust_no\" }}, {{ path = \"body.rate\", type = \"decimal\" }}]\n"
            )
        };
        let text = format!(
            "name = \"t\"\nkey = [\"body.cust_no\"]\n{}{}{rules}",
            side("legacy"),
            side("new")
        );
        let config: ReconcileConfig = toml::from_str(&text).unwrap();
        build(config, &text, Path::new("."))
    }

    /// A fixed side's layout that loads but may not decode as meant (a base view shorter than
    /// another, without a selector) is a warning at the side's `layout` key, as `check-config`
    /// says it of a gateway's layout; `reconcile` lists it before the run.
    #[test]
    fn a_fixed_sides_layout_that_reads_not_every_byte_is_a_warning_at_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let example =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/layouts/borrower-review.toml");
        let layout = std::fs::read_to_string(example).unwrap().replace(
            r#"{ name = "reserved", type = "filler", length = 16 },"#,
            r#"{ name = "detail", type = "redefines", alternatives = [
    { name = "short", fields = [{ name = "code", type = "text", length = 6 }] },
    { name = "long", fields = [{ name = "note", type = "text", length = 16 }] },
  ] },"#,
        );
        std::fs::write(dir.path().join("records.toml"), layout).unwrap();
        let text = "name = \"t\"\nkey = [\"body.cust_no\"]\n\n[legacy]\nkind = \"fixed\"\n\
                    path = \"legacy.dat\"\nlayout = \"records.toml\"\nmessage = \"REVIEW\"\n\
                    fields = [{ path = \"body.cust_no\", column = \"body.cust_no\" }]\n\n\
                    [new]\nkind = \"jsonl\"\npath = \"new.jsonl\"\n\
                    fields = [{ path = \"body.cust_no\" }]\n";
        let config: ReconcileConfig = toml::from_str(text).unwrap();
        let spec = build(config, text, dir.path()).unwrap();
        let warnings: Vec<String> = spec.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(
            warnings,
            [
                "legacy.layout (line 7, column 10): expected a layout that reads every byte it \
                 describes, found \"records.toml\" (at messages.REVIEW.response.detail: expected \
                 the base view (the first, which decoding reads without a `selector`) to be the \
                 longest, found base view \"short\" of 6 bytes and view \"long\" of 16 bytes, \
                 whose last 10 bytes would be read by nothing: add a `selector` and `when` \
                 values, or make the longest view the first)"
            ]
        );
    }

    /// The warnings of [`built`].
    fn warnings(rules: &str) -> Vec<String> {
        let spec = built(rules).unwrap();
        spec.warnings.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn an_invalid_inline_rule_is_said_at_its_key_and_line_as_check_config_says_it() {
        let problems = built(
            "[rules]\n\
             ignore = [\"body.rate\", \"body.rate\"]\n\
             severity = { critical = [\"body.offers[*.rate\"] }\n\
             [[rules.tolerance]]\npath = \"body.rate\"\n\
             absolute = \"0.01\"\nrelative = \"0.1\"\n\
             [[rules.tolerance]]\npath = \"body.cust_no\"\nabsolute = \"-1\"\n",
        )
        .err()
        .unwrap();
        // In the comparator's order: ignore, tolerance, severity.
        assert_eq!(
            problems,
            [
                "rules.ignore[1] (line 12, column 24): expected a pattern no other ignore rule \
                 has, found \"body.rate\" (ignore[0] has it)",
                // A rule written as its own table: where its header is.
                "rules.tolerance[0] (line 14, column 1): expected exactly one of `absolute` and \
                 `relative`, found both",
                "rules.tolerance[1].absolute (line 20, column 12): expected a non-negative \
                 decimal string such as \"0.01\", found \"-1\"",
                "rules.severity.critical[0] (line 13, column 26): expected a pattern such as \
                 `body.offers[*].rate`, found \"body.offers[*.rate\" (unclosed `[` at \
                 character 11)",
            ]
        );
    }

    #[test]
    fn inline_rules_that_reach_no_mapped_field_are_warnings_at_their_key_and_line() {
        let found = warnings(
            "[rules]\n\
             severity = { critical = [\"body.rate\", \"body\", \"body.rat\", \"trailer.sum\", \
             \"body.offers[0].rate\"] }\n",
        );
        let expected = "expected a pattern that reaches a field of the rows as the `fields` of \
                        legacy and new map them, found";
        assert_eq!(
            found,
            [
                format!(
                    "rules.severity.critical[2] (line 12, column 47): {expected} \"body.rat\" \
                     (did you mean `body.rate`?)"
                ),
                format!(
                    "rules.severity.critical[3] (line 12, column 59): {expected} \"trailer.sum\""
                ),
                // Rows never repeat: an index is said to reach nothing, with no suggestion.
                format!(
                    "rules.severity.critical[4] (line 12, column 74): {expected} \
                     \"body.offers[0].rate\" (an index reaches nothing: there are no arrays)"
                ),
            ]
        );
    }

    #[test]
    fn rules_that_all_reach_a_mapped_field_give_no_warning() {
        assert_eq!(
            warnings("[rules]\nignore = [\"body.*\"]\n"),
            Vec::<String>::new()
        );
        assert_eq!(warnings(""), Vec::<String>::new());
    }
}
