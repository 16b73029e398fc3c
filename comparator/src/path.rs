//! Paths to fields inside a decision, printed as `body.offers[2].rate`.
//!
//! An index is the live decision's, but for an element only the shadow has inside an
//! `unordered` array: `body.offers[shadow:2]` is the shadow's element 2, which no live element
//! was paired with (the live element 2 may be another one).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::pattern::{needs_quotes, Pattern, PatternError, PatternSegment};

/// One step from a value to a child: an object key or an array index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// A field of an object.
    Key(String),
    /// An element of an array, counted from zero: the live decision's index.
    Index(usize),
    /// An element only the shadow has, in an `unordered` array, by its index in the shadow's
    /// array: `offers[shadow:2]`.
    ShadowIndex(usize),
}

/// Where a difference sits, from the root of the decision.
///
/// Displays as `body.offers[2].rate` (`body.offers[shadow:2]` for an element only the shadow
/// has, see [`Segment::ShadowIndex`]); the root itself displays as `$`. Serialises as that text.
///
/// A key that holds `.`, `[`, `]`, `"`, `*`, `\` or whitespace (or is empty, or `$`) is quoted
/// between brackets, `\` and `"` escaped by `\`: `{"a.b": 1}` is at `["a.b"]`, `{"a": {"b": 1}}`
/// at `a.b`. Every other key, Korean names included, is written as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Path {
    segments: Vec<Segment>,
}

/// A borrowed step, kept on the walker's stack so the equal path costs no allocation.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Step<'a> {
    Key(&'a str),
    Index(usize),
    /// An element of an `unordered` array that no live element was paired with: rules match it
    /// by this index like any other, the path says it is the shadow's.
    ShadowIndex(usize),
}

impl Path {
    /// The steps from the root.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The path with every index replaced by `[*]` (`body.offers[*].rate`): a closed set of
    /// field names, fit for grouping and for metric labels.
    pub fn collapsed(&self) -> String {
        let mut out = String::new();
        for segment in &self.segments {
            match segment {
                Segment::Key(key) => Self::push_key(&mut out, key),
                Segment::Index(_) | Segment::ShadowIndex(_) => out.push_str("[*]"),
            }
        }
        if out.is_empty() {
            out.push('$');
        }
        out
    }

    pub(crate) fn from_steps(steps: &[Step<'_>]) -> Self {
        let segments = steps
            .iter()
            .map(|step| match *step {
                Step::Key(key) => Segment::Key(key.to_owned()),
                Step::Index(index) => Segment::Index(index),
                Step::ShadowIndex(index) => Segment::ShadowIndex(index),
            })
            .collect();
        Self { segments }
    }

    /// Appends the step to `key` to path text, as a path displays it: `.rate`, or quoted
    /// between brackets when the key holds a character the syntax uses (`["loan.rate"]`, see
    /// [`Path`]). For callers that write paths of their own (a side-by-side view's rows) and
    /// must name fields alike.
    pub fn push_key(text: &mut String, key: &str) {
        if needs_quotes(key) {
            text.push_str("[\"");
            for c in key.chars() {
                if matches!(c, '"' | '\\') {
                    text.push('\\');
                }
                text.push(c);
            }
            text.push_str("\"]");
            return;
        }
        if !text.is_empty() {
            text.push('.');
        }
        text.push_str(key);
    }

    /// Appends the step to the (live) element `index` to path text: `[2]`.
    pub fn push_index(text: &mut String, index: usize) {
        text.push('[');
        text.push_str(&index.to_string());
        text.push(']');
    }

    /// Appends the step to the shadow's element `index`, which only the shadow has, to path
    /// text: `[shadow:2]` (see [`Segment::ShadowIndex`]).
    pub fn push_shadow_index(text: &mut String, index: usize) {
        text.push_str(SHADOW_INDEX);
        text.push_str(&index.to_string());
        text.push(']');
    }
}

impl Step<'_> {
    /// Appends this step to path text, as a path displays it.
    pub(crate) fn push_to(self, text: &mut String) {
        match self {
            Step::Key(key) => Path::push_key(text, key),
            Step::Index(index) => Path::push_index(text, index),
            Step::ShadowIndex(index) => Path::push_shadow_index(text, index),
        }
    }
}

/// How a shadow index opens: `[shadow:2]`.
pub(crate) const SHADOW_INDEX: &str = "[shadow:";

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.segments.is_empty() {
            return f.write_str("$");
        }
        let mut text = String::new();
        for segment in &self.segments {
            match segment {
                Segment::Key(key) => Self::push_key(&mut text, key),
                Segment::Index(index) => Self::push_index(&mut text, *index),
                Segment::ShadowIndex(index) => Self::push_shadow_index(&mut text, *index),
            }
        }
        f.write_str(&text)
    }
}

impl FromStr for Path {
    type Err = PatternError;

    /// Parses `body.offers[2].rate`, `body.offers[shadow:2]` (or `$` for the root); wildcards
    /// are refused.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == "$" {
            return Ok(Self::default());
        }
        let pattern = Pattern::parse_path(text)?;
        let segments = pattern
            .segments()
            .iter()
            .map(|segment| match segment {
                PatternSegment::Key(key) => Ok(Segment::Key(key.clone())),
                PatternSegment::Index(index) => Ok(Segment::Index(*index)),
                PatternSegment::ShadowIndex(index) => Ok(Segment::ShadowIndex(*index)),
                _ => Err(PatternError::WildcardInPath),
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { segments })
    }
}

impl Serialize for Path {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Path {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_and_collapses() {
        let path: Path = "body.offers[2].rate".parse().unwrap();
        assert_eq!(path.to_string(), "body.offers[2].rate");
        assert_eq!(path.collapsed(), "body.offers[*].rate");
        assert_eq!(Path::default().to_string(), "$");
        assert!("body.offers[*]".parse::<Path>().is_err());
    }

    #[test]
    fn an_element_only_the_shadow_has_is_named_as_the_shadows_and_reads_back() {
        let path: Path = "body.offers[shadow:2].rate".parse().unwrap();
        assert_eq!(path.segments()[2], Segment::ShadowIndex(2));
        assert_eq!(path.to_string(), "body.offers[shadow:2].rate");
        assert_eq!(path.collapsed(), "body.offers[*].rate");
        let json = serde_json::to_string(&path).unwrap();
        assert_eq!(serde_json::from_str::<Path>(&json).unwrap(), path);
        assert!("body.offers[live:2]".parse::<Path>().is_err());
    }
}
