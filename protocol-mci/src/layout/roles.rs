//! Header roles: which header fields hold the correlation id, the request/response flag, the
//! result code and the time to live.
//!
//! `[roles]` names them by path (`sys.guid`); the legacy `[header]` keys (`correlation_field`,
//! `flag_field`, ...) name fields of its one section and are turned into the same paths
//! (`header.guid`). A role path must name a field of at least one header; a message whose header
//! lacks it simply has no such role.

use serde::Deserialize;

use super::config::HeaderConfig;
use super::field::{Field, Kind};
use super::header::{FieldPath, Header};
use super::ttl::{Ttl, TtlConfig};
use super::validate::Problems;

/// `[roles]` as written in the layout file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolesConfig {
    /// Path of the field identifying one exchange end to end (e.g. `sys.guid`).
    #[serde(default)]
    pub correlation: Option<String>,
    /// The request/response flag.
    #[serde(default)]
    pub flag: Option<FlagConfig>,
    /// The result code of a response.
    #[serde(default)]
    pub result: Option<ResultConfig>,
    /// The request's time to live (paths in `field` and `flag_field`).
    #[serde(default)]
    pub ttl: Option<TtlConfig>,
}

/// `[roles.flag]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagConfig {
    /// Path of the flag field.
    pub field: String,
    /// Flag value of a request.
    pub request: String,
    /// Flag value of a response.
    pub response: String,
}

/// `[roles.result]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultConfig {
    /// Path of the result code field.
    pub field: String,
    /// Result codes of a successful response; any other selects the message's error body.
    #[serde(default)]
    pub ok: Vec<String>,
}

/// Validated roles.
#[derive(Debug, Clone, Default)]
pub(crate) struct Roles {
    /// Correlation id.
    pub correlation: Option<FieldPath>,
    /// Flag field, request value, response value.
    pub flag: Option<(FieldPath, String, String)>,
    /// Result field and the successful values.
    pub result: Option<(FieldPath, Vec<String>)>,
    /// Time to live.
    pub ttl: Option<Ttl>,
}

/// Resolves field paths against every header of a layout.
pub(crate) struct Resolver<'a> {
    /// Every header.
    pub headers: &'a [Header],
    /// Paths written as bare field names of the legacy `[header]`.
    pub legacy: bool,
}

impl Resolver<'_> {
    /// The path and the field it names in the first header that has it.
    pub fn field(&self, text: &str) -> Option<(FieldPath, &Field)> {
        let text = match self.legacy && !text.contains('.') {
            true => format!("header.{text}"),
            false => text.to_owned(),
        };
        self.headers.iter().find_map(|header| {
            let path = header.path(&text)?;
            let field = header.field(&path)?;
            Some((path, field))
        })
    }

    /// A path naming a text field, or a problem at `key`.
    pub fn text(&self, text: &str, key: &str, problems: &mut Problems) -> Option<FieldPath> {
        match self.field(text) {
            Some((path, field)) if matches!(field.kind, Kind::Text(_)) => Some(path),
            _ if self.legacy => {
                problems.add(key, format!("{text:?} is not a text field of the header"));
                None
            }
            _ => {
                problems.add(
                    key,
                    format!("expected a text header field as section.field, found {text:?}"),
                );
                None
            }
        }
    }
}

impl Roles {
    /// Validates `[roles]`.
    pub(crate) fn build(
        config: &RolesConfig,
        resolver: &Resolver<'_>,
        problems: &mut Problems,
    ) -> Roles {
        Roles {
            correlation: config
                .correlation
                .as_ref()
                .and_then(|c| resolver.text(c, "roles.correlation", problems)),
            flag: config.flag.as_ref().and_then(|f| {
                let path = resolver.text(&f.field, "roles.flag.field", problems)?;
                Some((path, f.request.clone(), f.response.clone()))
            }),
            result: config.result.as_ref().and_then(|r| {
                let path = resolver.text(&r.field, "roles.result.field", problems)?;
                Some((path, r.ok.clone()))
            }),
            ttl: config
                .ttl
                .as_ref()
                .map(|ttl| Ttl::build(ttl, "roles.ttl", resolver, problems)),
        }
    }

    /// Validates the legacy role keys of `[header]`, with their old key paths.
    pub(crate) fn legacy(
        config: &HeaderConfig,
        resolver: &Resolver<'_>,
        problems: &mut Problems,
    ) -> Roles {
        let flag = match (
            &config.flag_field,
            &config.request_flag,
            &config.response_flag,
        ) {
            (Some(field), Some(req), Some(resp)) => resolver
                .text(field, "header.flag_field", problems)
                .map(|p| (p, req.clone(), resp.clone())),
            (None, None, None) => None,
            _ => {
                problems.add(
                    "header",
                    "flag_field, request_flag and response_flag go together",
                );
                None
            }
        };
        let result = config.result_field.as_ref().and_then(|field| {
            let path = resolver.text(field, "header.result_field", problems)?;
            Some((path, config.ok_results.clone()))
        });
        let correlation = config
            .correlation_field
            .as_ref()
            .and_then(|field| resolver.text(field, "header.correlation_field", problems));
        let ttl = config
            .ttl
            .as_ref()
            .map(|ttl| Ttl::build(ttl, "header.ttl", resolver, problems));
        Roles {
            correlation,
            flag,
            result,
            ttl,
        }
    }

    /// Whether any legacy role key of `[header]` is set (they cannot be mixed with `[roles]`).
    pub(crate) fn any_legacy(config: &HeaderConfig) -> bool {
        config.flag_field.is_some()
            || config.request_flag.is_some()
            || config.response_flag.is_some()
            || config.result_field.is_some()
            || config.correlation_field.is_some()
            || !config.ok_results.is_empty()
            || config.ttl.is_some()
    }
}
