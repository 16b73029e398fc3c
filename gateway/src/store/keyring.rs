//! The keys raw payloads are encrypted with, read from `[store] encryption_key_file`.
//!
//! The file holds one key per line, `KEY_ID = BASE64`, where the base64 text decodes to 32 bytes
//! (an AES-256 key, e.g. `openssl rand -base64 32`); blank lines and lines starting with `#` are
//! ignored. The first key encrypts new payloads; the others only decrypt (rotation: put the new
//! key first, keep the old ones listed while their payloads should stay readable). Removing a key
//! makes every payload sealed with it unreadable for good (crypto-shredding). Key ids are stored
//! in clear beside each payload, so they must not be secrets: a date (`2026-11`) is typical.
//! [`new_key_line`] draws a new key line, for key files the program writes (the demo's).

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use ring::aead::{LessSafeKey, UnboundKey, AES_256_GCM};
use ring::rand::{SecureRandom, SystemRandom};

/// Bytes of an AES-256 key.
pub const KEY_LEN: usize = 32;

/// Longest key id: it is stored with every payload.
pub const MAX_KEY_ID_LEN: usize = 64;

/// One key, by id.
pub(crate) struct NamedKey {
    pub(crate) id: String,
    pub(crate) key: LessSafeKey,
}

/// The keys of one key file: the first encrypts, all decrypt.
pub struct KeyRing {
    keys: Vec<NamedKey>,
}

/// A key file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("store.encryption_key_file {}: {kind}", path.display())]
pub struct KeyFileError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong with it.
    pub kind: KeyFileErrorKind,
}

/// What is wrong with a key file.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileErrorKind {
    /// The file cannot be read.
    #[error("cannot read: {0}")]
    Read(#[source] std::io::Error),
    /// No key in it.
    #[error("expected at least one `KEY_ID = BASE64` line, found none")]
    Empty,
    /// A line that is not `KEY_ID = BASE64`.
    #[error("line {line}: expected `KEY_ID = BASE64`, found {found}")]
    Syntax {
        /// 1-based line number.
        line: usize,
        /// What was found (never the key material).
        found: &'static str,
    },
    /// A key id with other characters than letters, digits, `-`, `_`, `.`, or too long.
    #[error("line {line}: expected a key id of 1 to {MAX_KEY_ID_LEN} letters, digits, '-', '_' or '.', found {id}")]
    BadId {
        /// 1-based line number.
        line: usize,
        /// The id given, described, never quoted (it may be key material: `described_id`).
        id: String,
    },
    /// The same id twice.
    #[error("line {line}: key id {id} is listed twice")]
    Duplicate {
        /// 1-based line number.
        line: usize,
        /// The repeated id, quoted (a valid id: not key material).
        id: String,
    },
    /// The key text is not base64 of 32 bytes.
    #[error("line {line}: expected base64 of {KEY_LEN} bytes for key {id}, found {found}")]
    BadKey {
        /// 1-based line number.
        line: usize,
        /// The key's id, quoted (a valid id: not key material).
        id: String,
        /// What it decoded to (a length or "invalid base64"; never the key).
        found: String,
    },
}

impl KeyRing {
    /// Reads and checks a key file.
    pub fn load(path: &Path) -> Result<Self, KeyFileError> {
        let error = |kind| KeyFileError {
            path: path.to_path_buf(),
            kind,
        };
        let text = std::fs::read_to_string(path).map_err(|e| error(KeyFileErrorKind::Read(e)))?;
        Self::parse(&text).map_err(error)
    }

    /// Parses the text of a key file.
    pub fn parse(text: &str) -> Result<Self, KeyFileErrorKind> {
        let mut keys: Vec<NamedKey> = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            // A key pasted without its id (`openssl rand -base64 32` alone): its text before the
            // padding `=` would otherwise be read, and shown, as an id.
            if base64::engine::general_purpose::STANDARD
                .decode(trimmed)
                .is_ok_and(|bytes| bytes.len() == KEY_LEN)
            {
                return Err(KeyFileErrorKind::Syntax {
                    line,
                    found: "a key without its id (the line is base64 of 32 bytes; not shown)",
                });
            }
            let Some((id, encoded)) = trimmed.split_once('=') else {
                return Err(KeyFileErrorKind::Syntax {
                    line,
                    found: "no '='",
                });
            };
            let (id, encoded) = (id.trim(), encoded.trim());
            // An id is stored in clear beside each payload: one that looks like key material (a
            // key, or part of one, pasted where the id goes) is refused, not stored.
            let id_ok = (1..=MAX_KEY_ID_LEN).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
                && !looks_like_key_material(id);
            if !id_ok {
                let id = described_id(id);
                return Err(KeyFileErrorKind::BadId { line, id });
            }
            if keys.iter().any(|k| k.id == id) {
                let id = format!("{id:?}");
                return Err(KeyFileErrorKind::Duplicate { line, id });
            }
            let bad = |found: String| KeyFileErrorKind::BadKey {
                line,
                id: format!("{id:?}"),
                found,
            };
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_err(|_| bad("invalid base64".to_owned()))?;
            if bytes.len() != KEY_LEN {
                return Err(bad(format!("{} bytes", bytes.len())));
            }
            let key = UnboundKey::new(&AES_256_GCM, &bytes)
                .map_err(|_| bad("a key AES-256-GCM refuses".to_owned()))?;
            keys.push(NamedKey {
                id: id.to_owned(),
                key: LessSafeKey::new(key),
            });
        }
        if keys.is_empty() {
            return Err(KeyFileErrorKind::Empty);
        }
        Ok(Self { keys })
    }

    /// The key new payloads are sealed with: the file's first.
    pub(crate) fn current(&self) -> &NamedKey {
        // `parse` refuses a file without keys, so there is always a first one.
        &self.keys[0]
    }

    /// The key with this id, if it is still listed.
    pub(crate) fn find(&self, id: &str) -> Option<&NamedKey> {
        self.keys.iter().find(|k| k.id == id)
    }

    /// The ids, current first.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|k| k.id.as_str())
    }
}

/// Shortest id taken for key material when it looks like base64 ([`looks_like_key_material`]).
const KEY_LIKE_ID_LEN: usize = 16;

/// Whether an id looks like key material rather than a name: at least [`KEY_LIKE_ID_LEN`]
/// characters of base64's own alphabet (letters, digits, `+`, `/`, `=`: none of the `-`, `_` or
/// `.` a name such as `2026-11` or `payload.v2` has), mixing upper case, lower case and digits as
/// random base64 does. A key, or any long part of one, pasted where the id goes is caught; a
/// name written that way (`PayloadKey2026Nov`) is refused too, and the error says why.
fn looks_like_key_material(id: &str) -> bool {
    let chars = || id.chars();
    chars().count() >= KEY_LIKE_ID_LEN
        && chars().all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c))
        && chars().any(|c| c.is_ascii_uppercase())
        && chars().any(|c| c.is_ascii_lowercase())
        && chars().any(|c| c.is_ascii_digit())
}

/// An id that is not a valid one, as an error describes it without quoting it (it may be key
/// material): its length, and what is wrong with it.
fn described_id(id: &str) -> String {
    let count = id.chars().count();
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
    let why = if count == 0 {
        return "no id before the '='".to_owned();
    } else if count > MAX_KEY_ID_LEN {
        "too long".to_owned()
    } else if let Some(at) = id.chars().position(|c| !allowed(c)) {
        format!("a character not allowed at character {}", at + 1)
    } else {
        "it looks like key material (base64 of mixed case and digits): name keys by date, \
         such as 2026-11"
            .to_owned()
    };
    format!("an id of {count} characters ({why}; not shown)")
}

/// A new key file line, `KEY_ID = BASE64`, holding a fresh random AES-256 key (what
/// `openssl rand -base64 32` makes by hand), for key files the program writes itself (the demo's).
/// Fails only when the system random generator does.
pub fn new_key_line(id: &str) -> Result<String, ring::error::Unspecified> {
    let mut key = [0_u8; KEY_LEN];
    SystemRandom::new().fill(&mut key)?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(key);
    Ok(format!("{id} = {encoded}\n"))
}

impl fmt::Debug for KeyRing {
    /// Ids only: key material never reaches a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("ids", &self.ids().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_A: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    #[test]
    fn the_first_key_is_current_and_comments_are_skipped() {
        let text = format!("# rotated 2026-11\n2026-11 = {KEY_A}\n\nold.1={KEY_A}\n");
        let ring = KeyRing::parse(&text).unwrap();
        assert_eq!(ring.current().id, "2026-11");
        assert!(ring.find("old.1").is_some());
        assert!(ring.find("gone").is_none());
        assert_eq!(
            format!("{ring:?}"),
            r#"KeyRing { ids: ["2026-11", "old.1"] }"#
        );
    }

    #[test]
    fn a_new_key_line_loads_and_holds_a_new_key() {
        let (one, two) = (new_key_line("demo").unwrap(), new_key_line("demo").unwrap());
        assert!(one.starts_with("demo = ") && one.ends_with('\n'), "{one}");
        assert_ne!(one, two, "each line draws its own key");
        let ring = KeyRing::parse(&one).unwrap();
        assert_eq!(ring.ids().collect::<Vec<_>>(), ["demo"]);
    }

    #[test]
    fn bad_files_say_which_line_and_never_echo_a_key() {
        let shown = |text: &str| KeyRing::parse(text).unwrap_err().to_string();
        assert_eq!(
            shown("# nothing\n"),
            "expected at least one `KEY_ID = BASE64` line, found none"
        );
        assert_eq!(
            shown("k1 = c2hvcnQ=\n"),
            r#"line 1: expected base64 of 32 bytes for key "k1", found 5 bytes"#
        );
        assert_eq!(
            shown(&format!("k1 = {KEY_A}\nk1 = {KEY_A}")),
            r#"line 2: key id "k1" is listed twice"#
        );
        assert_eq!(
            shown(&format!("k 1 = {KEY_A}")),
            "line 1: expected a key id of 1 to 64 letters, digits, '-', '_' or '.', found an id of \
             3 characters (a character not allowed at character 2; not shown)"
        );
        assert_eq!(
            shown("just text"),
            "line 1: expected `KEY_ID = BASE64`, found no '='"
        );
    }

    /// A key where its id goes, in any form, is never in the error: its base64 has `+` and `/`
    /// (a bad id), or only letters and digits before its padding (then read as an id with an
    /// empty key), or is cut, doubled, or pasted on both sides of the `=`.
    #[test]
    fn a_key_pasted_without_or_as_its_id_is_never_shown() {
        let shown = |text: &str| KeyRing::parse(text).unwrap_err().to_string();
        // Keys of each kind: with `+` and `/`, letters and digits only.
        let keys = [
            "g9HmjcHugM44oyF12Kl+g0fy/s4IU0veBDsaiTsHpVw=",
            "aL3Pxb2S690tdqPrBvua9gNnNKPSvNBsmZwnkBPNhiQ=",
        ];
        for key in keys {
            let bare = key.trim_end_matches('=');
            let lines = [
                key.to_owned(),
                format!("{key}\n"),
                format!("{bare} = "),
                format!("{key} = {KEY_A}"),
                format!("{key}{key}"),
                key[..40].to_owned(),
                format!("{} = {}", &key[..40], &key[..20]),
                format!("k1 = {KEY_A}\n{bare}= {KEY_A}\n{bare}= {KEY_A}"),
                // A key cut short where the id goes (the trial's), with and without `+`/`/`.
                format!("{} = {KEY_A}", &key[..30]),
                format!("{} = {KEY_A}", &key[..16]),
                format!("{} = {KEY_A}", &key[20..40]),
            ];
            for text in lines {
                let error = shown(&text);
                for part in [bare, &bare[..20], &bare[20..]] {
                    assert!(!error.contains(part), "{text:?}: {error}");
                }
                assert!(error.starts_with("line "), "{error}");
            }
        }
        assert_eq!(
            shown(keys[1]),
            "line 1: expected `KEY_ID = BASE64`, found a key without its id (the line is base64 \
             of 32 bytes; not shown)"
        );
        assert_eq!(
            shown(&format!("{} = {KEY_A}", keys[0])),
            "line 1: expected a key id of 1 to 64 letters, digits, '-', '_' or '.', found an id \
             of 43 characters (a character not allowed at character 20; not shown)"
        );
        assert_eq!(
            shown(&format!("{} = {KEY_A}", &keys[1][..30])),
            "line 1: expected a key id of 1 to 64 letters, digits, '-', '_' or '.', found an id \
             of 30 characters (it looks like key material (base64 of mixed case and digits): name \
             keys by date, such as 2026-11; not shown)"
        );
        // Names stay names.
        for id in [
            "2026-11",
            "payload.v2",
            "old_1",
            "k1",
            "PAYLOADKEY2026NOV1",
            "keyfornovember",
        ] {
            assert!(KeyRing::parse(&format!("{id} = {KEY_A}")).is_ok(), "{id}");
        }
    }
}
