//! Rule patterns: `body.offers[*].rate`, `header.*_at`, `body.reasons[0]`.
//!
//! A pattern is a path whose steps may be wildcards: `[*]` is any index, `*` alone is any key,
//! and `*` inside a key matches any run of characters (`*_at` matches `issued_at`). A pattern
//! names fields at exactly its depth; there is no recursive wildcard, so a rule never reaches
//! further than its author can see from the pattern.
//!
//! A key that holds a character the syntax uses (`.`, `[`, `]`, `"`, `*`, `\`, whitespace) is
//! written quoted between brackets, `body["loan.rate"]`, with `"` and `\` escaped by `\`; a
//! quoted key is literal (`["*"]` is the key `*`), as engines' keys are free text.

use thiserror::Error;

use crate::text::same_text;

/// One step of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PatternSegment {
    Key(String),
    AnyKey,
    Glob(Glob),
    Index(usize),
    AnyIndex,
    /// `[shadow:N]`: only in a path ([`Pattern::parse_path`]), never in a rule's pattern.
    ShadowIndex(usize),
}

/// A key with `*` in it, kept as the literal parts between the stars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Glob {
    parts: Vec<String>,
}

/// A parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    segments: Vec<PatternSegment>,
}

/// Why a pattern (or a path) could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PatternError {
    /// The pattern is empty.
    #[error("empty pattern")]
    Empty,
    /// Two dots in a row, or a dot at the start or end.
    #[error("empty key at character {0}")]
    EmptyKey(usize),
    /// A `[` without its `]`.
    #[error("unclosed `[` at character {0}")]
    UnclosedBracket(usize),
    /// A quoted key (`["a.b"]`) without its closing `"`.
    #[error("unclosed `\"` at character {0}")]
    UnclosedQuote(usize),
    /// A `]` without its `[`.
    #[error("unexpected `]` at character {0}")]
    StrayBracket(usize),
    /// Something other than digits or `*` between brackets.
    #[error("expected an index or `*` between brackets at character {at}, found `{found}`")]
    BadIndex {
        /// Character offset of the `[`.
        at: usize,
        /// What was between the brackets.
        found: String,
    },
    /// A rule's pattern named an element only a shadow decision has (`[shadow:2]`), which a
    /// path of a difference may do, but which names no element a rule can reach.
    #[error(
        "a pattern names elements by index or `*`, not `[shadow:{index}]` (at character {at})"
    )]
    ShadowIndexInPattern {
        /// Character offset of the `[`.
        at: usize,
        /// The shadow's index.
        index: usize,
    },
    /// A concrete path (not a pattern) contained a wildcard.
    #[error("a path cannot contain wildcards")]
    WildcardInPath,
}

impl Pattern {
    /// Parses pattern text; character offsets in errors count Unicode characters from zero.
    pub(crate) fn parse(text: &str) -> Result<Self, PatternError> {
        Self::parse_text(text, false)
    }

    /// Parses the text of a pattern or of a difference's path, which may also name an element
    /// only the shadow has (`[shadow:2]`).
    pub(crate) fn parse_path(text: &str) -> Result<Self, PatternError> {
        Self::parse_text(text, true)
    }

    fn parse_text(text: &str, path: bool) -> Result<Self, PatternError> {
        if text.is_empty() {
            return Err(PatternError::Empty);
        }
        let chars: Vec<char> = text.chars().collect();
        let mut segments = Vec::new();
        let mut at = 0;
        // A key is expected at the start and after every dot; after `]` only `.` or `[` follow.
        let mut expect_key = true;
        while at < chars.len() {
            match chars[at] {
                '[' if chars.get(at + 1) == Some(&'"') => {
                    let (key, len) = quoted_key(&chars[at..], at)?;
                    segments.push(PatternSegment::Key(key));
                    at += len;
                    expect_key = false;
                }
                '[' => {
                    let close = chars[at..]
                        .iter()
                        .position(|&c| c == ']')
                        .ok_or(PatternError::UnclosedBracket(at))?;
                    let inner: String = chars[at + 1..at + close].iter().collect();
                    let segment = parse_index(&inner, at)?;
                    if let (PatternSegment::ShadowIndex(index), false) = (&segment, path) {
                        let index = *index;
                        return Err(PatternError::ShadowIndexInPattern { at, index });
                    }
                    segments.push(segment);
                    at += close + 1;
                    expect_key = false;
                }
                ']' => return Err(PatternError::StrayBracket(at)),
                '.' if expect_key => return Err(PatternError::EmptyKey(at)),
                '.' => {
                    at += 1;
                    expect_key = true;
                    if at == chars.len() {
                        return Err(PatternError::EmptyKey(at));
                    }
                }
                _ if !expect_key => return Err(PatternError::EmptyKey(at)),
                _ => {
                    let len = chars[at..]
                        .iter()
                        .position(|&c| matches!(c, '.' | '[' | ']'))
                        .unwrap_or(chars.len() - at);
                    let key: String = chars[at..at + len].iter().collect();
                    segments.push(key_segment(key));
                    at += len;
                    expect_key = false;
                }
            }
        }
        Ok(Self { segments })
    }

    pub(crate) fn segments(&self) -> &[PatternSegment] {
        &self.segments
    }
}

/// The key quoted in `["…"]` at the start of `chars` (which starts at character `at`), and
/// how many characters it took, brackets included.
fn quoted_key(chars: &[char], at: usize) -> Result<(String, usize), PatternError> {
    let mut key = String::new();
    let mut next = 2;
    loop {
        match chars.get(next) {
            None => return Err(PatternError::UnclosedQuote(at + 1)),
            Some('"') => break,
            Some('\\') => {
                let escaped = chars
                    .get(next + 1)
                    .ok_or(PatternError::UnclosedQuote(at + 1))?;
                key.push(*escaped);
                next += 2;
            }
            Some(c) => {
                key.push(*c);
                next += 1;
            }
        }
    }
    match chars.get(next + 1) {
        Some(']') => Ok((key, next + 2)),
        _ => Err(PatternError::UnclosedBracket(at)),
    }
}

/// Whether `key` must be quoted (`["a.b"]`) to be read back as one literal key.
pub(crate) fn needs_quotes(key: &str) -> bool {
    key.is_empty()
        || key == "$"
        || key
            .chars()
            .any(|c| matches!(c, '.' | '[' | ']' | '"' | '*' | '\\') || c.is_whitespace())
}

fn parse_index(inner: &str, at: usize) -> Result<PatternSegment, PatternError> {
    if inner == "*" {
        return Ok(PatternSegment::AnyIndex);
    }
    let bad = || PatternError::BadIndex {
        at,
        found: inner.to_owned(),
    };
    let (digits, segment): (_, fn(usize) -> PatternSegment) = match inner.strip_prefix("shadow:") {
        Some(digits) => (digits, PatternSegment::ShadowIndex),
        None => (inner, PatternSegment::Index),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    digits.parse().map(segment).map_err(|_| bad())
}

fn key_segment(key: String) -> PatternSegment {
    if key == "*" {
        PatternSegment::AnyKey
    } else if key.contains('*') {
        PatternSegment::Glob(Glob {
            parts: key.split('*').map(str::to_owned).collect(),
        })
    } else {
        PatternSegment::Key(key)
    }
}

impl Glob {
    /// Whether `key` matches: first part is a prefix, last a suffix, the middle ones in order.
    #[inline]
    pub(crate) fn matches(&self, key: &str) -> bool {
        if let [first, last] = self.parts.as_slice() {
            // One star (`*_at`, `x_*`), the usual glob: a prefix and a suffix that do not overlap.
            let (key, first, last) = (key.as_bytes(), first.as_bytes(), last.as_bytes());
            return key.len() >= first.len() + last.len()
                && same_text(&key[..first.len()], first)
                && same_text(&key[key.len() - last.len()..], last);
        }
        self.matches_stars(key)
    }

    /// [`Glob::matches`] for two stars or more.
    fn matches_stars(&self, key: &str) -> bool {
        let (Some(first), Some(last)) = (self.parts.first(), self.parts.last()) else {
            return false;
        };
        let Some(mut rest) = key.strip_prefix(first.as_str()) else {
            return false;
        };
        let middle = &self.parts[1..self.parts.len().saturating_sub(1)];
        for part in middle {
            match rest.find(part.as_str()) {
                Some(found) => rest = &rest[found + part.len()..],
                None => return false,
            }
        }
        rest.len() >= last.len() && rest.ends_with(last.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_wildcards() {
        let pattern = Pattern::parse("body.offers[*].rate").unwrap();
        assert_eq!(pattern.segments().len(), 4);
        assert_eq!(pattern.segments()[2], PatternSegment::AnyIndex);
        assert!(matches!(
            Pattern::parse("header.*_at").unwrap().segments()[1],
            PatternSegment::Glob(_)
        ));
        assert_eq!(
            Pattern::parse("*").unwrap().segments(),
            &[PatternSegment::AnyKey]
        );
        assert_eq!(Pattern::parse("a[0][1]").unwrap().segments().len(), 3);
    }

    #[test]
    fn rejects_malformed() {
        assert_eq!(Pattern::parse(""), Err(PatternError::Empty));
        assert_eq!(Pattern::parse("a..b"), Err(PatternError::EmptyKey(2)));
        assert_eq!(Pattern::parse("a."), Err(PatternError::EmptyKey(2)));
        assert_eq!(Pattern::parse("a[*"), Err(PatternError::UnclosedBracket(1)));
        assert_eq!(Pattern::parse("a]"), Err(PatternError::StrayBracket(1)));
        assert_eq!(Pattern::parse("a[0]b"), Err(PatternError::EmptyKey(4)));
        assert!(matches!(
            Pattern::parse("a[x]"),
            Err(PatternError::BadIndex { at: 1, .. })
        ));
        // A path may name an element only the shadow has; a rule's pattern may not.
        assert_eq!(
            Pattern::parse("a[shadow:2]"),
            Err(PatternError::ShadowIndexInPattern { at: 1, index: 2 })
        );
        assert_eq!(
            Pattern::parse_path("a[shadow:2]").unwrap().segments()[1],
            PatternSegment::ShadowIndex(2)
        );
        assert!(Pattern::parse_path("a[shadow:]").is_err());
    }

    #[test]
    fn a_quoted_key_is_one_literal_key() {
        let key = |text: &str| PatternSegment::Key(text.to_owned());
        let pattern = Pattern::parse(r#"body["loan.rate"].x"#).unwrap();
        assert_eq!(
            pattern.segments(),
            [key("body"), key("loan.rate"), key("x")]
        );
        let pattern = Pattern::parse(r#"["*"][0]["a\"b\\c]"]"#).unwrap();
        assert_eq!(
            pattern.segments(),
            [key("*"), PatternSegment::Index(0), key("a\"b\\c]")]
        );
        assert_eq!(
            Pattern::parse(r#"a["b"#),
            Err(PatternError::UnclosedQuote(2))
        );
        assert_eq!(
            Pattern::parse(r#"a["b"x"#),
            Err(PatternError::UnclosedBracket(1))
        );
        assert_eq!(Pattern::parse(r#"a["b"]c"#), Err(PatternError::EmptyKey(6)));
        assert!(needs_quotes("a.b") && needs_quotes("고객 이름") && needs_quotes(""));
        assert!(!needs_quotes("고객이름") && !needs_quotes("sent_at"));
    }

    #[test]
    fn globs_match_inside_keys() {
        let PatternSegment::Glob(glob) = key_segment("*_at".into()) else {
            panic!()
        };
        assert!(glob.matches("issued_at"));
        assert!(glob.matches("_at"));
        assert!(!glob.matches("issued_by"));
        let PatternSegment::Glob(glob) = key_segment("a*b*a".into()) else {
            panic!()
        };
        assert!(glob.matches("abba"));
        assert!(!glob.matches("aba_"));
        assert!(glob.matches("aba"));
        assert!(!glob.matches("ab"));
        let PatternSegment::Glob(glob) = key_segment("ab*ba".into()) else {
            panic!()
        };
        assert!(glob.matches("abba"));
        assert!(glob.matches("ab_ba"));
        assert!(!glob.matches("aba"));
        assert!(!glob.matches("abb"));
    }
}
