//! Message selection: which message a frame (or a JSON message) is.
//!
//! In order: a message declaring `frame_length` is selected by the frame's length alone (no
//! header is decoded, so header-only or body-only frames of a fixed size need no key); then the
//! values of the key fields (`[select] key`, one or more header field paths read from the main
//! header) select the message declaring those values in `key`; then the `default = true`
//! message, if any. The legacy `header.discriminator` is a one-field key whose values are the
//! message names (`[messages.LNS0001]` is selected by `LNS0001`).

use std::collections::HashMap;

use foldhash::fast::RandomState;
use serde::Deserialize;

use super::config::MessageConfig;
use super::header::FieldPath;
use super::validate::Problems;

/// `[select]` as written in the layout file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectConfig {
    /// Header field paths (`sys.msg_type`) whose values together select a message.
    #[serde(default)]
    pub key: Vec<String>,
    /// The main header: the one the key is read from and messages use unless they say otherwise
    /// (needed when the layout declares more than one `[headers.NAME]`).
    #[serde(default)]
    pub header: Option<String>,
}

/// Validated selection rules; message indexes point into the layout's message list.
#[derive(Debug, Clone, Default)]
pub(crate) struct Selection {
    /// Key field paths in the main header.
    pub key: Vec<FieldPath>,
    /// Messages by their key values.
    /// Hashed with foldhash (SipHash was a fifth of selecting a frame's message): the key values
    /// come from core banking's frames, a trusted peer.
    pub by_key: HashMap<Vec<String>, usize, RandomState>,
    /// Messages by whole frame length.
    pub by_length: HashMap<usize, usize>,
    /// The catch-all message.
    pub default: Option<usize>,
}

impl Selection {
    /// Registers every message's selector, reporting clashes with the key path of the message
    /// that comes second. `messages` are in the layout's (sorted) order.
    pub(crate) fn build(
        key: Vec<FieldPath>,
        messages: &[(&String, &MessageConfig)],
        problems: &mut Problems,
    ) -> Selection {
        let mut selection = Selection {
            key,
            ..Selection::default()
        };
        let names: Vec<&str> = messages.iter().map(|(name, _)| name.as_str()).collect();
        for (index, (name, config)) in messages.iter().enumerate() {
            let base = format!("messages.{name}");
            if config.default {
                match selection.default {
                    Some(first) => problems.add(
                        &format!("{base}.default"),
                        format!(
                            "expected one default message, found a second one \
                             (messages.{} is the default)",
                            names[first]
                        ),
                    ),
                    None => selection.default = Some(index),
                }
            }
            if let Some(length) = config.frame_length {
                if let Some(&first) = selection.by_length.get(&length) {
                    problems.add(
                        &format!("{base}.frame_length"),
                        format!(
                            "expected a length no other message selects, found {length} \
                             (messages.{} has it)",
                            names[first]
                        ),
                    );
                } else {
                    selection.by_length.insert(length, index);
                }
            }
            let values = match &config.key {
                Some(values) => values.clone(),
                // The legacy discriminator: the message's name is its one key value.
                None if selection.key.len() == 1
                    && config.frame_length.is_none()
                    && !config.default =>
                {
                    vec![name.to_string()]
                }
                None => {
                    if config.frame_length.is_none() && !config.default {
                        problems.add(
                            &base,
                            "expected a way to select the message: `key`, `frame_length` or \
                             `default = true`, found none",
                        );
                    }
                    continue;
                }
            };
            selection.register(index, &names, &base, values, problems);
        }
        selection
    }

    /// Adds one message's key values.
    fn register(
        &mut self,
        index: usize,
        names: &[&str],
        base: &str,
        values: Vec<String>,
        problems: &mut Problems,
    ) {
        let at = format!("{base}.key");
        if self.key.is_empty() {
            problems.add(
                &at,
                "expected a selection key (`[select] key` or `header.discriminator`), found none",
            );
        } else if values.len() != self.key.len() {
            let fields: Vec<String> = self.key.iter().map(ToString::to_string).collect();
            problems.add(
                &at,
                format!(
                    "expected {} values (one per key field {}), found {}",
                    self.key.len(),
                    fields.join(", "),
                    values.len()
                ),
            );
        } else if let Some(&first) = self.by_key.get(&values) {
            problems.add(
                &at,
                format!(
                    "expected a key no other message has, found {values:?} (messages.{} has it)",
                    names[first]
                ),
            );
        } else {
            self.by_key.insert(values, index);
        }
    }

    /// The message the key values select, else the default.
    pub(crate) fn by_values(&self, values: &[String]) -> Option<usize> {
        self.by_key.get(values).copied().or(self.default)
    }
}
