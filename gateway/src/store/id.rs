//! Record ids: the record's storage key, printed as hex.
//!
//! The key is 8 bytes of big-endian microseconds since the epoch followed by a 4-byte big-endian
//! sequence number, so byte order is time order and a range scan is a time range. The id is that
//! key in lowercase hex: stable, URL-safe and usable as a pagination cursor.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::time::Day;

/// Length of a key in bytes.
pub const KEY_LEN: usize = 12;

/// The identity and storage key of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct RecordId {
    /// When the writer accepted the record, microseconds since the epoch.
    pub micros: u64,
    /// Tie-breaker among records of the same microsecond.
    pub seq: u32,
}

/// Text that is not a record id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a record id (24 lowercase hex digits), found {text:?}")]
pub struct InvalidId {
    /// The rejected text (ids carry no sensitive data, so it is safe to echo).
    pub text: String,
}

impl RecordId {
    /// The storage key.
    pub fn to_key(self) -> [u8; KEY_LEN] {
        let mut key = [0; KEY_LEN];
        key[..8].copy_from_slice(&self.micros.to_be_bytes());
        key[8..].copy_from_slice(&self.seq.to_be_bytes());
        key
    }

    /// Reads a storage key; `None` when it has the wrong length.
    pub fn from_key(key: &[u8]) -> Option<Self> {
        let key: &[u8; KEY_LEN] = key.try_into().ok()?;
        let (micros, seq) = key.split_at(8);
        Some(Self {
            micros: u64::from_be_bytes(micros.try_into().ok()?),
            seq: u32::from_be_bytes(seq.try_into().ok()?),
        })
    }

    /// The UTC day segment that holds this record.
    pub fn day(self) -> Day {
        Day::of(self.micros)
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}{:08x}", self.micros, self.seq)
    }
}

impl FromStr for RecordId {
    type Err = InvalidId;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidId {
            text: text.chars().take(64).collect(),
        };
        let well_formed = text.len() == 2 * KEY_LEN
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !well_formed {
            return Err(invalid());
        }
        let micros = text.get(..16).and_then(|h| u64::from_str_radix(h, 16).ok());
        let seq = text.get(16..).and_then(|h| u32::from_str_radix(h, 16).ok());
        match (micros, seq) {
            (Some(micros), Some(seq)) => Ok(Self { micros, seq }),
            _ => Err(invalid()),
        }
    }
}

impl From<RecordId> for String {
    fn from(id: RecordId) -> Self {
        id.to_string()
    }
}

impl TryFrom<String> for RecordId {
    type Error = InvalidId;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_sort_like_their_keys() {
        let early = RecordId {
            micros: 1_700_000_000_000_000,
            seq: 7,
        };
        let late = RecordId {
            micros: 1_700_000_000_000_001,
            seq: 0,
        };
        assert_eq!(early.to_string(), "00060a24181e400000000007");
        assert_eq!(early.to_string().parse(), Ok(early));
        assert_eq!(RecordId::from_key(&early.to_key()), Some(early));
        assert!(early.to_key() < late.to_key());
        assert!(early.to_string() < late.to_string());
    }

    #[test]
    fn malformed_ids_are_rejected() {
        for text in [
            "",
            "00060a24181e40000000000",
            "00060A24181E400000000007",
            "../etc/passwd",
        ] {
            assert!(text.parse::<RecordId>().is_err(), "{text}");
        }
        assert_eq!(RecordId::from_key(&[0; 11]), None);
    }
}
