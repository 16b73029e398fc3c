//! The append-only audit trail: each entry carries the SHA-256 of the previous one, so a later
//! edit, insertion or removal of an entry breaks the chain from that entry on.

use ring::digest::{digest, SHA256};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audited change.
///
/// In JSON (stored and answered) the name of who made it is `by`, and also `who`, its name
/// before: entries stored before `by` existed have only `who`, and a gateway rolled back to an
/// earlier version, or an earlier CLI reading the audit API, reads only `who`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "StoredEntry", try_from = "StoredEntry")]
pub struct AuditEntry {
    /// Position in the trail, from 1, without gaps.
    pub seq: u64,
    /// When, microseconds since the epoch.
    pub time_micros: u64,
    /// Who made it: the name given with the request (`shadowgate` for automatic changes).
    pub by: String,
    /// What kind of change (`triage`).
    pub action: String,
    /// What it is about (`loan-screening/3f2a9c0d1e4b5a67`).
    pub subject: String,
    /// The state before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The state after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Free text: the note, the assignee, the link, the rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Structured content kept in the chain: a cutover sign-off's evidence, a reload's linkage
    /// ([`crate::cutover`]). Absent from triage entries, whose hashes stay as they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<serde_json::Value>,
    /// SHA-256 (hex) of the previous entry; [`GENESIS`] for the first.
    pub prev_hash: String,
    /// SHA-256 (hex) of this entry's fields above, as JSON.
    pub hash: String,
}

/// An [`AuditEntry`] as JSON: `by` and its deprecated twin `who`, either of which may be missing
/// from what is read, not both.
#[derive(Serialize, Deserialize)]
struct StoredEntry {
    seq: u64,
    time_micros: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    who: Option<String>,
    action: String,
    subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    evidence: Option<serde_json::Value>,
    prev_hash: String,
    hash: String,
}

impl From<AuditEntry> for StoredEntry {
    fn from(entry: AuditEntry) -> Self {
        Self {
            seq: entry.seq,
            time_micros: entry.time_micros,
            who: Some(entry.by.clone()),
            by: Some(entry.by),
            action: entry.action,
            subject: entry.subject,
            from: entry.from,
            to: entry.to,
            note: entry.note,
            evidence: entry.evidence,
            prev_hash: entry.prev_hash,
            hash: entry.hash,
        }
    }
}

impl TryFrom<StoredEntry> for AuditEntry {
    type Error = &'static str;

    fn try_from(stored: StoredEntry) -> Result<Self, Self::Error> {
        // `by` wins: it is what is shown and hashed (under `who`'s name), so an edited `by` fails
        // `verify`; `who` alone is an entry stored before `by` existed.
        let Some(by) = stored.by.or(stored.who) else {
            return Err("missing field `by`");
        };
        Ok(Self {
            seq: stored.seq,
            time_micros: stored.time_micros,
            by,
            action: stored.action,
            subject: stored.subject,
            from: stored.from,
            to: stored.to,
            note: stored.note,
            evidence: stored.evidence,
            prev_hash: stored.prev_hash,
            hash: stored.hash,
        })
    }
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("audit entry {seq}: {kind}")]
pub struct ChainError {
    /// The first entry that does not fit.
    pub seq: u64,
    /// How it does not fit.
    pub kind: ChainErrorKind,
}

/// How an entry does not fit the chain.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChainErrorKind {
    /// Its content does not hash to its stored hash: it was altered.
    #[error("expected hash {expected}, found {found}: the entry was altered")]
    Altered {
        /// The hash of its content.
        expected: String,
        /// The stored hash.
        found: String,
    },
    /// It does not point at the entry before it: one was removed, inserted or re-hashed.
    #[error("expected prev_hash {expected} (the entry before), found {found}")]
    Unlinked {
        /// The previous entry's hash.
        expected: String,
        /// Its stored `prev_hash`.
        found: String,
    },
    /// Its sequence number is not the next one.
    #[error("expected sequence number {expected}, found {found}")]
    Gap {
        /// The next number.
        expected: u64,
        /// Its number.
        found: u64,
    },
}

/// The fields that are hashed: everything but the hash itself.
#[derive(Serialize)]
struct Hashed<'a> {
    seq: u64,
    time_micros: u64,
    // Hashed under its first name, so entries keep the hashes they were sealed with.
    #[serde(rename = "who")]
    by: &'a str,
    action: &'a str,
    subject: &'a str,
    from: &'a Option<String>,
    to: &'a Option<String>,
    note: &'a Option<String>,
    // Skipped when absent, so entries written before it existed hash as they did.
    #[serde(skip_serializing_if = "absent")]
    evidence: &'a Option<serde_json::Value>,
    prev_hash: &'a str,
}

fn absent(value: &&Option<serde_json::Value>) -> bool {
    value.is_none()
}

impl AuditEntry {
    /// The SHA-256 of the entry's content, in hex.
    pub fn content_hash(&self) -> String {
        let hashed = Hashed {
            seq: self.seq,
            time_micros: self.time_micros,
            by: &self.by,
            action: &self.action,
            subject: &self.subject,
            from: &self.from,
            to: &self.to,
            note: &self.note,
            evidence: &self.evidence,
            prev_hash: &self.prev_hash,
        };
        // Serialising plain strings and numbers cannot fail; an empty input would only make the
        // hash of the entry wrong, which `verify` reports.
        let bytes = serde_json::to_vec(&hashed).unwrap_or_default();
        hex(digest(&SHA256, &bytes).as_ref())
    }

    /// Sets `hash` from the content.
    pub fn seal(mut self) -> Self {
        self.hash = self.content_hash();
        self
    }
}

/// Checks the whole trail, oldest first; names the first entry that breaks it.
pub fn verify(entries: &[AuditEntry]) -> Result<(), ChainError> {
    let mut previous = GENESIS.to_owned();
    for (at, entry) in entries.iter().enumerate() {
        let fail = |kind| ChainError {
            seq: entry.seq,
            kind,
        };
        let expected_seq = at as u64 + 1;
        if entry.seq != expected_seq {
            return Err(fail(ChainErrorKind::Gap {
                expected: expected_seq,
                found: entry.seq,
            }));
        }
        let content = entry.content_hash();
        if content != entry.hash {
            return Err(fail(ChainErrorKind::Altered {
                expected: content,
                found: entry.hash.clone(),
            }));
        }
        if entry.prev_hash != previous {
            return Err(fail(ChainErrorKind::Unlinked {
                expected: previous,
                found: entry.prev_hash.clone(),
            }));
        }
        previous.clone_from(&entry.hash);
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: u64) -> Vec<AuditEntry> {
        let mut previous = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let entry = AuditEntry {
                    seq,
                    time_micros: seq * 1_000,
                    by: "kim".into(),
                    action: "triage".into(),
                    subject: "loan/abc".into(),
                    from: Some("new".into()),
                    to: Some("investigating".into()),
                    note: None,
                    evidence: None,
                    prev_hash: previous.clone(),
                    hash: String::new(),
                }
                .seal();
                previous.clone_from(&entry.hash);
                entry
            })
            .collect()
    }

    #[test]
    fn an_altered_removed_or_resealed_entry_is_named() {
        let entries = chain(4);
        assert_eq!(verify(&entries), Ok(()));
        assert_eq!(
            hex(digest(&SHA256, b"abc").as_ref()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );

        let mut altered = entries.clone();
        altered[2].by = "lee".into();
        let error = verify(&altered).unwrap_err();
        assert_eq!(error.seq, 3);
        assert!(
            error.to_string().contains("the entry was altered"),
            "{error}"
        );

        let mut resealed = altered.clone();
        resealed[2] = resealed[2].clone().seal();
        let error = verify(&resealed).unwrap_err();
        assert_eq!(error.seq, 4, "the next entry no longer points at it");

        let mut removed = entries.clone();
        removed.remove(1);
        assert_eq!(verify(&removed).unwrap_err().seq, 3);
    }

    #[test]
    fn an_entry_stored_with_who_alone_loads_and_keeps_its_hash() {
        // As stored before `by`: the hash is that of the JSON with `who`.
        let stored = format!(
            r#"{{"seq":1,"time_micros":1000,"who":"kim","action":"triage","subject":"loan/abc",
            "from":"new","to":"investigating","prev_hash":"{GENESIS}",
            "hash":"67cdb24cda36224d7af66e6071ff66135f9a1afc09aa79b3ac2038fc63cd0012"}}"#
        );
        let entry: AuditEntry = serde_json::from_str(&stored).unwrap();
        assert_eq!(entry.by, "kim");
        assert_eq!(verify(std::slice::from_ref(&entry)), Ok(()));
        assert_eq!(entry, chain(1)[0]);

        let written = serde_json::to_value(&entry).unwrap();
        assert_eq!(
            (&written["by"], &written["who"]),
            (&"kim".into(), &"kim".into())
        );
        let read: AuditEntry = serde_json::from_value(written).unwrap();
        assert_eq!(read, entry);
        let nobody = stored.replace(r#""who":"kim","#, "");
        let error = serde_json::from_str::<AuditEntry>(&nobody).unwrap_err();
        assert!(error.to_string().contains("missing field `by`"), "{error}");
    }
}
