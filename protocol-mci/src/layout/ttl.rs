//! The header's time to live ("keep time", 유지시간): how many seconds the caller waits for the
//! answer, optionally switched on and off by a flag field.
//!
//! `[header.ttl]` (or `[roles.ttl]`, by path) names an unsigned integer header field holding seconds and, optionally, a text
//! flag field and the flag values meaning "the TTL applies". Without a flag a TTL of 0 means "no
//! TTL" (bank headers fill unused keep times with zeros); with the flag set, 0 means the caller
//! has already given up. The codec does not act on it: [`super::Layout::ttl`] reads it for the
//! gateway, which turns it into the call's deadline.

use std::time::Duration;

use serde::Deserialize;

use super::field::{Kind, SignKind};
use super::header::FieldPath;
use super::roles::Resolver;
use super::validate::Problems;
use crate::json::{JsonNode, JsonObject, Shape};
use crate::view::{FieldValue, Object};

/// `[header.ttl]` as written in the layout file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TtlConfig {
    /// Header field holding the time to live in seconds (an unsigned integer field).
    pub field: String,
    /// Header text field saying whether the TTL applies; without it the TTL applies when it is
    /// not 0.
    #[serde(default)]
    pub flag_field: Option<String>,
    /// Values of `flag_field` meaning "the TTL applies"; any other value means it does not.
    #[serde(default)]
    pub applies: Vec<String>,
}

/// A validated TTL declaration: header field paths.
#[derive(Debug, Clone)]
pub(crate) struct Ttl {
    /// The seconds field.
    field: Option<FieldPath>,
    /// The flag field and the values meaning "applies".
    flag: Option<(FieldPath, Vec<String>)>,
}

/// What a request's header says about its time to live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TtlValue {
    /// No TTL applies: the layout declares none, the flag says not applied, the field is blank,
    /// or it is 0 without a flag.
    None,
    /// The caller waits this long from when the frame was received (zero: already expired).
    Within(Duration),
}

impl Ttl {
    /// Validates a TTL declaration (`[header.ttl]` or `[roles.ttl]`, named by `key`) against the
    /// headers.
    pub(crate) fn build(
        config: &TtlConfig,
        key: &str,
        resolver: &Resolver<'_>,
        problems: &mut Problems,
    ) -> Ttl {
        let found = resolver.field(&config.field);
        let unsigned = found.as_ref().is_some_and(|(_, field)| match &field.kind {
            Kind::Number(n) => n.scale == 0 && n.sign == SignKind::None,
            Kind::Packed(p) => p.scale == 0 && !p.signed,
            Kind::Binary(b) => b.scale == 0 && !b.signed,
            _ => false,
        });
        if !unsigned {
            problems.add(
                &format!("{key}.field"),
                format!(
                    "expected an unsigned integer header field (number, packed or binary, \
                     scale 0), found {:?}",
                    config.field
                ),
            );
        }
        let flag = match (&config.flag_field, config.applies.is_empty()) {
            (Some(name), false) => {
                let found = resolver.field(name);
                if !found
                    .as_ref()
                    .is_some_and(|(_, field)| matches!(field.kind, Kind::Text(_)))
                {
                    problems.add(
                        &format!("{key}.flag_field"),
                        format!("expected a text field of the header, found {name:?}"),
                    );
                }
                let applies = config.applies.iter().map(|v| v.trim().to_owned()).collect();
                found.map(|(path, _)| (path, applies))
            }
            (Some(_), true) => {
                problems.add(
                    &format!("{key}.applies"),
                    "expected the flag values meaning \"applies\", found none",
                );
                None
            }
            (None, false) => {
                problems.add(
                    &format!("{key}.applies"),
                    "expected a flag_field for these values, found none",
                );
                None
            }
            (None, true) => None,
        };
        Ttl {
            field: found.map(|(path, _)| path),
            flag,
        }
    }

    /// The TTL a decoded header carries, in any JSON form.
    pub(crate) fn of<H>(&self, header: &H) -> TtlValue
    where
        H: JsonObject + ?Sized,
        H::Node: JsonNode<Object = H>,
    {
        if let Some((flag, applies)) = &self.flag {
            let set = flag
                .text_in(header)
                .is_some_and(|v| applies.iter().any(|a| a == v.trim()));
            if !set {
                return TtlValue::None;
            }
        }
        let seconds = self.field.as_ref().and_then(|f| f.get_in(header));
        // Validated unsigned and integral; a value beyond u64 is no limit worth keeping. A
        // number's text read as `u64` is what `Value::as_u64` reads (serde_json's
        // `arbitrary_precision` parses the text the same way).
        let seconds = seconds.and_then(|value| match value.shape() {
            Shape::Number(text) => text.parse::<u64>().ok(),
            _ => None,
        });
        match seconds {
            Some(0) if self.flag.is_none() => TtlValue::None,
            Some(seconds) => TtlValue::Within(Duration::from_secs(seconds)),
            None => TtlValue::None,
        }
    }

    /// [`Ttl::of`] for a decoded header view: the same answer without a `Value` header.
    pub(crate) fn of_view(&self, header: &Object<'_>) -> TtlValue {
        if let Some((flag, applies)) = &self.flag {
            let set = flag
                .text_view(header)
                .is_some_and(|v| applies.iter().any(|a| a == v.trim()));
            if !set {
                return TtlValue::None;
            }
        }
        let seconds = match self.field.as_ref().and_then(|f| f.get_view(header)) {
            // Validated unsigned and integral (scale 0): the mantissa is the whole number.
            Some(FieldValue::Decimal(d)) if d.scale() == 0 => u64::try_from(d.mantissa()).ok(),
            _ => None,
        };
        match seconds {
            Some(0) if self.flag.is_none() => TtlValue::None,
            Some(seconds) => TtlValue::Within(Duration::from_secs(seconds)),
            None => TtlValue::None,
        }
    }

    /// The paths of the seconds field and of the flag field.
    pub(crate) fn paths(&self) -> (Option<&FieldPath>, Option<&FieldPath>) {
        (self.field.as_ref(), self.flag.as_ref().map(|(f, _)| f))
    }
}
