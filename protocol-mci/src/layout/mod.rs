//! Layouts: one file describes a bank interface's framing, header and messages.
//!
//! [`Layout::from_file`] reads TOML ([`config::LayoutConfig`]), validates everything and reports
//! every problem at once with the file and the key path. The validated [`Layout`] cannot be
//! invalid; the codec walks it.

pub mod config;
pub mod control;
pub mod field;
mod sections;
mod ttl;
mod validate;

use std::collections::HashMap;
use std::path::Path;

use self::config::LayoutConfig;
use self::field::{Field, Kind};
use self::sections::{framing, message_layout};
use self::ttl::Ttl;
pub use self::ttl::TtlValue;
use self::validate::{PrefixSlot, Problems};
use crate::error::{LayoutError, LayoutProblem};
use crate::framing::Framing;

/// A validated layout.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Human name (the file stem when not given).
    pub name: String,
    /// Framing of every frame.
    pub framing: Framing,
    /// Header fields (frame coordinates; the prefix bytes are skipped).
    pub header: Vec<Field>,
    /// Header length in bytes, prefix included.
    pub header_len: usize,
    /// Index of the discriminator in `header`.
    pub(crate) discriminator: usize,
    /// Request/response flag: header index and the two values.
    pub(crate) flag: Option<(usize, String, String)>,
    /// Result code: header index and the successful values.
    pub(crate) result: Option<(usize, Vec<String>)>,
    /// Correlation id field: header index.
    pub(crate) correlation: Option<usize>,
    /// The request's time to live, if the header carries one.
    pub(crate) ttl: Option<Ttl>,
    /// Messages by discriminator value.
    pub(crate) messages: HashMap<String, MessageLayout>,
    /// Control frames, in declaration order.
    pub(crate) controls: Vec<control::Control>,
}

/// Bodies of one message.
#[derive(Debug, Clone)]
pub struct MessageLayout {
    /// Discriminator value.
    pub code: String,
    /// For people.
    pub description: Option<String>,
    /// Request body.
    pub request: Vec<Field>,
    /// Successful response body.
    pub response: Vec<Field>,
    /// Error response body.
    pub error: Option<Vec<Field>>,
}

impl Layout {
    /// Reads and validates a layout file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Layout, LayoutError> {
        let path = path.as_ref();
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| LayoutError {
            origin: origin.clone(),
            problems: vec![LayoutProblem {
                path: String::new(),
                message: e.to_string(),
            }],
        })?;
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        Layout::from_toml(&text, &origin, stem.as_deref().unwrap_or("layout"))
    }

    /// Parses and validates layout TOML; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str, default_name: &str) -> Result<Layout, LayoutError> {
        let config: LayoutConfig = toml::from_str(text).map_err(|e| LayoutError {
            origin: origin.to_owned(),
            problems: vec![LayoutProblem {
                path: String::new(),
                message: e.to_string().trim_end().replace('\n', "\n    "),
            }],
        })?;
        Layout::from_config(config, origin, default_name)
    }

    /// Validates a parsed layout.
    pub fn from_config(
        config: LayoutConfig,
        origin: &str,
        default_name: &str,
    ) -> Result<Layout, LayoutError> {
        let mut problems = Problems {
            list: Vec::new(),
            charset: config.charset,
            pad_edge: config.pad_edge,
        };
        let framing = framing(&config.framing, &mut problems);
        let slot = PrefixSlot {
            at: framing.offset,
            width: framing.prefix_width(),
        };
        let (header, header_end) = validate::fields(
            &config.header.fields,
            "header.fields",
            0,
            Some(slot),
            &mut problems,
        );
        let header_len = header_end.unwrap_or_else(|| {
            problems.add("header.fields", "the header must have a fixed size");
            0
        });
        if header_len > 0 && header_len < framing.head_len() {
            problems.add("header.fields", "the header ends before the length prefix");
        }
        if config
            .header
            .length
            .is_some_and(|declared| declared != header_len)
        {
            problems.add(
                "header.length",
                format!("declared, fields add up to {header_len}"),
            );
        }
        let find = |name: &str, key: &str, problems: &mut Problems| {
            let index = header.iter().position(|f| f.name == name);
            if !index.is_some_and(|i| matches!(header[i].kind, Kind::Text(_))) {
                problems.add(key, format!("{name:?} is not a text field of the header"));
            }
            index
        };
        let discriminator = find(
            &config.header.discriminator,
            "header.discriminator",
            &mut problems,
        )
        .unwrap_or(0);
        let flag = match (
            &config.header.flag_field,
            &config.header.request_flag,
            &config.header.response_flag,
        ) {
            (Some(field), Some(req), Some(resp)) => find(field, "header.flag_field", &mut problems)
                .map(|i| (i, req.clone(), resp.clone())),
            (None, None, None) => None,
            _ => {
                problems.add(
                    "header",
                    "flag_field, request_flag and response_flag go together",
                );
                None
            }
        };
        let result = match &config.header.result_field {
            Some(field) => find(field, "header.result_field", &mut problems)
                .map(|i| (i, config.header.ok_results.clone())),
            None => None,
        };
        let correlation = match &config.header.correlation_field {
            Some(field) => find(field, "header.correlation_field", &mut problems),
            None => None,
        };
        let ttl = config
            .header
            .ttl
            .as_ref()
            .map(|ttl| Ttl::build(ttl, &header, &mut problems));
        if config.messages.is_empty() {
            problems.add("messages", "a layout needs at least one message");
        }
        let messages = config
            .messages
            .iter()
            .map(|(code, message)| {
                let m = message_layout(code, message, header_len, &framing, &mut problems);
                (code.clone(), m)
            })
            .collect();
        let controls = control::controls(&config.control, &framing, &mut problems);
        if !problems.list.is_empty() {
            return Err(LayoutError {
                origin: origin.to_owned(),
                problems: problems.list,
            });
        }
        Ok(Layout {
            name: config.name.unwrap_or_else(|| default_name.to_owned()),
            framing,
            header,
            header_len,
            discriminator,
            flag,
            result,
            correlation,
            ttl,
            messages,
            controls,
        })
    }

    /// The message selected by a discriminator value.
    pub fn message(&self, code: &str) -> Option<&MessageLayout> {
        self.messages.get(code)
    }

    /// Discriminator values of every message, sorted.
    pub fn message_codes(&self) -> Vec<&str> {
        let mut codes: Vec<&str> = self.messages.keys().map(String::as_str).collect();
        codes.sort_unstable();
        codes
    }

    /// Name of the header field that selects the message.
    pub fn discriminator_field(&self) -> &str {
        &self.header[self.discriminator].name
    }

    /// Request/response flag: field name, request value, response value.
    pub fn flag(&self) -> Option<(&str, &str, &str)> {
        let (i, req, resp) = self.flag.as_ref()?;
        Some((&self.header[*i].name, req, resp))
    }

    /// Name of the header field holding the correlation id, if the layout names one.
    pub fn correlation_field(&self) -> Option<&str> {
        self.correlation.map(|i| self.header[i].name.as_str())
    }

    /// Result code field name and the successful values.
    pub fn result(&self) -> Option<(&str, &[String])> {
        let (i, ok) = self.result.as_ref()?;
        Some((&self.header[*i].name, ok))
    }

    /// The request's time to live from its decoded header ([`TtlValue::None`] when the layout
    /// declares no TTL or the header says it does not apply).
    pub fn ttl(&self, header: &serde_json::Map<String, serde_json::Value>) -> TtlValue {
        self.ttl
            .as_ref()
            .map_or(TtlValue::None, |ttl| ttl.of(&self.header, header))
    }

    /// Names of the TTL's seconds field and of its flag field, if the layout declares a TTL.
    pub fn ttl_fields(&self) -> Option<(&str, Option<&str>)> {
        self.ttl.as_ref().map(|ttl| ttl.names(&self.header))
    }
}
