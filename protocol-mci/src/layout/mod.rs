//! Layouts: one file describes a bank interface's framing, headers and messages.
//!
//! - `config`: the file format; `header`: headers made of sections, field paths; `roles`: header
//!   roles by path; `select`: how a frame selects its message; `build`: the parts around the
//!   messages; `sections`: framing and message bodies; `control`: control frames; `ttl`: the
//!   header's time to live; `validate`: field lists; `paths`: the paths an answer can have;
//!   `wrong_type`: a value of the wrong type in words rather than Rust type names.
//!
//! [`Layout::from_file`] reads TOML ([`config::LayoutConfig`]), validates everything and reports
//! every problem at once with the file and the key path. The validated [`Layout`] cannot be
//! invalid; the codec walks it.

mod build;
pub mod config;
pub mod control;
pub mod field;
pub mod header;
mod paths;
mod roles;
mod sections;
mod select;
mod ttl;
mod validate;
mod wrong_type;

use std::path::Path;

use self::build::{body_section, headers, key, message_header, roles};
use self::config::{LayoutConfig, MaskKind};
use self::field::Field;
use self::header::{FieldPath, Header};
pub use self::paths::{AnswerArea, AnswerField, AreaKind, PushKey};
use self::roles::{Resolver, Roles};
use self::sections::{framing, message_layout};
use self::select::Selection;
pub use self::ttl::TtlValue;
use self::validate::{PrefixSlot, Problems};
pub use self::wrong_type::found_in_words;
use crate::error::{LayoutError, LayoutProblem};
use crate::framing::Framing;

/// A validated layout.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Human name (the file stem when not given).
    pub name: String,
    /// Framing of every frame.
    pub framing: Framing,
    /// Length of the main header in bytes, prefix included (0 when the layout has none).
    pub header_len: usize,
    /// Every header; the legacy `[header]` is the one called `header`.
    pub(crate) headers: Vec<Header>,
    /// Index of the main header: the key is read from it and messages use it by default.
    pub(crate) main: Option<usize>,
    /// JSON key of the body in a layout with named sections; `None` for `{"header", "body"}`.
    pub(crate) body_section: Option<String>,
    /// Header roles by path.
    pub(crate) roles: Roles,
    /// How frames select their message.
    pub(crate) select: Selection,
    /// Messages, sorted by name.
    pub(crate) messages: Vec<MessageLayout>,
    /// Masked fields' paths of each message (as [`Layout::masked_paths`] gives them), in the
    /// order of `messages`, then those of a frame read without a message (its main header's):
    /// built once, read by every stored record.
    pub(crate) masked: Vec<Vec<(String, MaskKind)>>,
    /// Control frames, in declaration order.
    pub(crate) controls: Vec<control::Control>,
    /// What loads but may not decode as meant, each at its key path.
    pub(crate) warnings: Vec<LayoutProblem>,
}

/// One message: its header and bodies.
#[derive(Debug, Clone)]
pub struct MessageLayout {
    /// Name (`[messages.NAME]`); with the legacy discriminator, its value (the transaction code).
    pub code: String,
    /// For people.
    pub description: Option<String>,
    /// Index of its header in the layout; `None` for body-only frames.
    pub(crate) header: Option<usize>,
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
        Layout::from_file_with_text(path).map(|(layout, _)| layout)
    }

    /// Reads and validates a layout file, and gives the text it was read from (read once, so a
    /// digest of the text is the layout's however the file changes afterwards).
    pub fn from_file_with_text(path: impl AsRef<Path>) -> Result<(Layout, String), LayoutError> {
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
        let layout = Layout::from_toml(&text, &origin, stem.as_deref().unwrap_or("layout"))?;
        Ok((layout, text))
    }

    /// Parses and validates layout TOML; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str, default_name: &str) -> Result<Layout, LayoutError> {
        let config: LayoutConfig = toml::from_str(text).map_err(|e| {
            // TOML's text, its last line (serde's message) in words rather than Rust types.
            let said = e.message().trim_end();
            let message = e.to_string().replace(said, &wrong_type::in_words(said));
            LayoutError {
                origin: origin.to_owned(),
                problems: vec![LayoutProblem {
                    path: String::new(),
                    message: message.trim_end().replace('\n', "\n    "),
                }],
            }
        })?;
        Layout::from_config(config, origin, default_name)
    }

    /// Validates a parsed layout.
    pub fn from_config(
        config: LayoutConfig,
        origin: &str,
        default_name: &str,
    ) -> Result<Layout, LayoutError> {
        config.charset.prepare();
        let mut problems = Problems {
            list: Vec::new(),
            warnings: Vec::new(),
            charset: config.charset,
            pad_edge: config.pad_edge,
        };
        let framing = framing(&config.framing, &mut problems);
        let slot = PrefixSlot {
            at: framing.offset,
            width: framing.prefix_width(),
        };
        let (headers, main) = headers(&config, slot, &mut problems);
        let resolver = Resolver {
            headers: &headers,
            legacy: config.header.is_some(),
        };
        let roles = roles(&config, &resolver, &mut problems);
        let main_header = main.map(|i| &headers[i]);
        let key = key(&config, main_header, &mut problems);
        let body_section = body_section(&config, &headers, &mut problems);
        if config.messages.is_empty() {
            problems.add("messages", "a layout needs at least one message");
        }
        let named: Vec<_> = config.messages.iter().collect();
        let select = Selection::build(key, &named, &mut problems);
        let keyed: Vec<usize> = select.by_key.values().copied().collect();
        let messages: Vec<MessageLayout> = named
            .iter()
            .enumerate()
            .map(|(index, (code, message))| {
                let header = message_header(code, message, &headers, main, &mut problems);
                if keyed.contains(&index) && header != main {
                    problems.add(
                        &format!("messages.{code}.header"),
                        "expected the main header: a message selected by key is read with it",
                    );
                }
                let len = header.map_or(0, |i| headers[i].len);
                message_layout(code, message, (header, len), &framing, &mut problems)
            })
            .collect();
        build::unreachable(&messages, &select, &headers, &framing, &mut problems);
        let controls = control::controls(&config.control, &framing, &mut problems);
        if !problems.list.is_empty() {
            return Err(LayoutError {
                origin: origin.to_owned(),
                problems: problems.list,
            });
        }
        let mut layout = Layout {
            name: config.name.unwrap_or_else(|| default_name.to_owned()),
            framing,
            header_len: main_header.map_or(0, |h| h.len),
            headers,
            main,
            body_section,
            roles,
            select,
            messages,
            masked: Vec::new(),
            controls,
            warnings: problems.warnings,
        };
        layout.masked = (layout.messages.iter().map(Some))
            .chain([None])
            .map(|message| layout.collect_masked_paths(message))
            .collect();
        Ok(layout)
    }

    /// What loads but may not decode as meant (a redefines area without a selector whose base
    /// view is shorter than another view), each at its key path: `check-config` and
    /// `layout import` print them, start-up logs them.
    pub fn warnings(&self) -> &[LayoutProblem] {
        &self.warnings
    }

    /// The message named `code` (with the legacy discriminator: its value).
    pub fn message(&self, code: &str) -> Option<&MessageLayout> {
        self.message_index(code).map(|i| &self.messages[i])
    }

    /// Where the message named `code` is in `messages`: a binary search (they are sorted by
    /// name), a few short comparisons where hashing the code cost more on every frame.
    pub(crate) fn message_index(&self, code: &str) -> Option<usize> {
        self.messages
            .binary_search_by(|m| m.code.as_str().cmp(code))
            .ok()
    }

    /// Names of every message, sorted.
    pub fn message_codes(&self) -> Vec<&str> {
        self.messages.iter().map(|m| m.code.as_str()).collect()
    }

    /// The main header: the key is read from it, error answers are written with it.
    pub fn main_header(&self) -> Option<&Header> {
        self.main.map(|i| &self.headers[i])
    }

    /// The header a message uses, if any.
    pub fn header_of(&self, message: &MessageLayout) -> Option<&Header> {
        message.header.map(|i| &self.headers[i])
    }

    /// The header field at `path` in any header.
    pub fn header_field(&self, path: &FieldPath) -> Option<&Field> {
        self.headers.iter().find_map(|h| h.field(path))
    }

    /// Paths of the header fields whose values select a message, in order.
    pub fn key_fields(&self) -> &[FieldPath] {
        &self.select.key
    }

    /// The JSON key of the body: `body`, or the layout's `body_section`.
    pub fn body_key(&self) -> &str {
        self.body_section.as_deref().unwrap_or("body")
    }

    /// Whether the JSON keeps named sections (`{"sys", "biz", "data"}`) instead of
    /// `{"header", "body"}`.
    pub fn is_sectioned(&self) -> bool {
        self.body_section.is_some()
    }

    /// Request/response flag: field path, request value, response value.
    pub fn flag(&self) -> Option<(&FieldPath, &str, &str)> {
        let (path, req, resp) = self.roles.flag.as_ref()?;
        Some((path, req, resp))
    }

    /// Path of the header field holding the correlation id, if the layout names one.
    pub fn correlation_field(&self) -> Option<&FieldPath> {
        self.roles.correlation.as_ref()
    }

    /// Result code field path and the successful values.
    pub fn result(&self) -> Option<(&FieldPath, &[String])> {
        let (path, ok) = self.roles.result.as_ref()?;
        Some((path, ok))
    }

    /// The request's time to live from its decoded header ([`TtlValue::None`] when the layout
    /// declares no TTL or the header says it does not apply).
    pub fn ttl<H>(&self, header: &H) -> TtlValue
    where
        H: crate::json::JsonObject + ?Sized,
        H::Node: crate::json::JsonNode<Object = H>,
    {
        self.roles
            .ttl
            .as_ref()
            .map_or(TtlValue::None, |ttl| ttl.of(header))
    }

    /// [`Layout::ttl`] for a decoded header view ([`crate::MessageView::header`]).
    pub fn ttl_view(&self, header: &crate::view::Object<'_>) -> TtlValue {
        self.roles
            .ttl
            .as_ref()
            .map_or(TtlValue::None, |ttl| ttl.of_view(header))
    }

    /// Names (within their section) of the TTL's seconds field and of its flag field, if the
    /// layout declares a TTL.
    pub fn ttl_fields(&self) -> Option<(&str, Option<&str>)> {
        let (field, flag) = self.roles.ttl.as_ref()?.paths();
        // A validated TTL always has its seconds field.
        let field = field?.field.as_str();
        Some((field, flag.map(|f| f.field.as_str())))
    }
}
