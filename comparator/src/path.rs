//! Paths to fields inside a decision, printed as `body.offers[2].rate`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::pattern::{Pattern, PatternError, PatternSegment};

/// One step from a value to a child: an object key or an array index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// A field of an object.
    Key(String),
    /// An element of an array, counted from zero.
    Index(usize),
}

/// Where a difference sits, from the root of the decision.
///
/// Displays as `body.offers[2].rate`; the root itself displays as `$`. Serialises as that text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Path {
    segments: Vec<Segment>,
}

/// A borrowed step, kept on the walker's stack so the equal path costs no allocation.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Step<'a> {
    Key(&'a str),
    Index(usize),
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
                Segment::Key(key) => push_key(&mut out, key),
                Segment::Index(_) => out.push_str("[*]"),
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
            })
            .collect();
        Self { segments }
    }
}

fn push_key(out: &mut String, key: &str) {
    if !out.is_empty() {
        out.push('.');
    }
    out.push_str(key);
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.segments.is_empty() {
            return f.write_str("$");
        }
        for (at, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Key(key) if at == 0 => f.write_str(key)?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

impl FromStr for Path {
    type Err = PatternError;

    /// Parses `body.offers[2].rate` (or `$` for the root); wildcards are refused.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == "$" {
            return Ok(Self::default());
        }
        let pattern = Pattern::parse(text)?;
        let segments = pattern
            .segments()
            .iter()
            .map(|segment| match segment {
                PatternSegment::Key(key) => Ok(Segment::Key(key.clone())),
                PatternSegment::Index(index) => Ok(Segment::Index(*index)),
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
}
