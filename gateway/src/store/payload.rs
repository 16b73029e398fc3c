//! Raw payloads at rest: the request as received and the live answer of a failing case, sealed
//! with AES-256-GCM so replay can resend them, while nobody reading the store files can.
//!
//! A sealed value is `version (1) · key id length (1) · key id · nonce (12) · ciphertext · tag
//! (16)`. The nonce is random per value; the associated data is the record's storage key, so a
//! payload moved under another record does not open. The clear text is `request length (4, big
//! endian) · request · live answer`. Payloads live in their own space ([`super::Space::Payloads`])
//! keyed by record id: the record format does not change, and retention prunes them with the
//! records' days.

use std::fmt;

use bytes::Bytes;
use ring::aead::{Aad, Nonce, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};

use super::id::RecordId;
use super::keyring::KeyRing;

/// Format version of a sealed payload.
const VERSION: u8 = 1;

/// The clear payload of one record: what replay needs to ask an engine again.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct RawPayload {
    /// The request frame as received (for the HTTP ingress: the frame its JSON encodes to).
    pub request: Bytes,
    /// The live answer frame, as core banking received it.
    pub live_answer: Bytes,
}

impl fmt::Debug for RawPayload {
    /// Lengths only: raw payloads never reach a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "RawPayload {{ request: {} bytes, live_answer: {} bytes }}",
            self.request.len(),
            self.live_answer.len()
        )
    }
}

/// Why a sealed payload could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// Its key is no longer in the key file (rotated out or shredded).
    #[error("unreadable: key {0:?} is not in the key file (removed: payloads sealed with it are shredded)")]
    KeyRemoved(String),
    /// The bytes are not a sealed payload of a known version.
    #[error("unreadable: expected a sealed payload of version {VERSION}, found {0}")]
    Malformed(&'static str),
    /// Authentication failed: the bytes were altered, or the key with this id is another one.
    #[error("unreadable: payload does not authenticate with key {0:?} (altered, or the key was replaced)")]
    Forged(String),
    /// No random nonce could be drawn (sealing only).
    #[error("cannot seal: the system random generator failed")]
    Random,
}

impl RawPayload {
    /// Encrypts this payload for record `id` with the ring's current key.
    pub fn seal(&self, keys: &KeyRing, id: RecordId) -> Result<Vec<u8>, PayloadError> {
        let key = keys.current();
        let mut nonce = [0_u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| PayloadError::Random)?;
        let mut text = Vec::with_capacity(4 + self.request.len() + self.live_answer.len() + 16);
        let request_len = u32::try_from(self.request.len()).unwrap_or(u32::MAX);
        text.extend_from_slice(&request_len.to_be_bytes());
        text.extend_from_slice(&self.request);
        text.extend_from_slice(&self.live_answer);
        key.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(id.to_key()),
                &mut text,
            )
            .map_err(|_| PayloadError::Malformed("a payload too large to seal"))?;
        let id_bytes = key.id.as_bytes();
        let mut sealed = Vec::with_capacity(2 + id_bytes.len() + NONCE_LEN + text.len());
        sealed.push(VERSION);
        // Key ids are at most 64 bytes (`keyring::MAX_KEY_ID_LEN`).
        sealed.push(u8::try_from(id_bytes.len()).unwrap_or(u8::MAX));
        sealed.extend_from_slice(id_bytes);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&text);
        Ok(sealed)
    }

    /// Decrypts the payload of record `id`.
    pub fn open(sealed: &[u8], keys: &KeyRing, id: RecordId) -> Result<Self, PayloadError> {
        let (key_id, nonce, text) = split(sealed)?;
        let key = keys
            .find(key_id)
            .ok_or_else(|| PayloadError::KeyRemoved(key_id.to_owned()))?;
        let mut text = text.to_vec();
        let nonce = Nonce::try_assume_unique_for_key(nonce)
            .map_err(|_| PayloadError::Malformed("a short nonce"))?;
        let clear = key
            .key
            .open_in_place(nonce, Aad::from(id.to_key()), &mut text)
            .map_err(|_| PayloadError::Forged(key_id.to_owned()))?;
        let (len, rest) = clear
            .split_first_chunk::<4>()
            .ok_or(PayloadError::Malformed("no request length"))?;
        let len = u32::from_be_bytes(*len) as usize;
        if len > rest.len() {
            return Err(PayloadError::Malformed("a request longer than the payload"));
        }
        let (request, live_answer) = rest.split_at(len);
        Ok(Self {
            request: Bytes::copy_from_slice(request),
            live_answer: Bytes::copy_from_slice(live_answer),
        })
    }

    /// The id of the key a sealed payload needs (stored in clear).
    pub fn key_id(sealed: &[u8]) -> Result<&str, PayloadError> {
        split(sealed).map(|(id, _, _)| id)
    }
}

/// Key id, nonce and ciphertext of a sealed value.
fn split(sealed: &[u8]) -> Result<(&str, &[u8], &[u8]), PayloadError> {
    let [version, id_len, rest @ ..] = sealed else {
        return Err(PayloadError::Malformed("fewer than 2 bytes"));
    };
    if *version != VERSION {
        return Err(PayloadError::Malformed("another version"));
    }
    let id_len = usize::from(*id_len);
    if rest.len() < id_len + NONCE_LEN {
        return Err(PayloadError::Malformed("a truncated header"));
    }
    let (id, rest) = rest.split_at(id_len);
    let id = std::str::from_utf8(id).map_err(|_| PayloadError::Malformed("a key id not UTF-8"))?;
    let (nonce, text) = rest.split_at(NONCE_LEN);
    Ok((id, nonce, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_A: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const KEY_B: &str = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

    fn ring(text: &str) -> KeyRing {
        KeyRing::parse(text).unwrap()
    }

    fn payload() -> RawPayload {
        RawPayload {
            request: Bytes::from_static(b"0042LNS0001 HONG GILDONG 9001011234567 000015000000"),
            live_answer: Bytes::from_static(b"0020LNS0001 APPROVED"),
        }
    }

    #[test]
    fn sealed_payloads_hide_the_text_and_open_with_the_same_key_and_record() {
        let keys = ring(&format!("k1 = {KEY_A}"));
        let id = RecordId { micros: 7, seq: 1 };
        let sealed = payload().seal(&keys, id).unwrap();
        let clear = payload();
        assert!(!sealed.windows(7).any(|w| w == b"GILDONG"));
        assert!(!sealed.windows(13).any(|w| w == &clear.request[25..38]));
        assert_eq!(RawPayload::key_id(&sealed).unwrap(), "k1");
        assert_eq!(RawPayload::open(&sealed, &keys, id).unwrap(), clear);
        // Two seals of the same payload differ: the nonce is random.
        assert_ne!(payload().seal(&keys, id).unwrap(), sealed);
        // Under another record's id it does not authenticate.
        let other = RecordId { micros: 7, seq: 2 };
        assert_eq!(
            RawPayload::open(&sealed, &keys, other),
            Err(PayloadError::Forged("k1".into()))
        );
    }

    #[test]
    fn rotation_keeps_old_payloads_readable_and_removal_shreds_them() {
        let id = RecordId { micros: 9, seq: 0 };
        let old = payload().seal(&ring(&format!("k1 = {KEY_A}")), id).unwrap();
        let rotated = ring(&format!("k2 = {KEY_B}\nk1 = {KEY_A}"));
        let new = payload().seal(&rotated, id).unwrap();
        assert_eq!(RawPayload::key_id(&new).unwrap(), "k2");
        assert_eq!(RawPayload::open(&old, &rotated, id).unwrap(), payload());
        let shredded = ring(&format!("k2 = {KEY_B}"));
        let error = RawPayload::open(&old, &shredded, id).unwrap_err();
        assert_eq!(error, PayloadError::KeyRemoved("k1".into()));
        assert!(error.to_string().starts_with("unreadable: key \"k1\""));
        assert_eq!(RawPayload::open(&new, &shredded, id).unwrap(), payload());
        // A key listed under the old id but different does not open it either.
        let replaced = ring(&format!("k1 = {KEY_B}"));
        assert!(matches!(
            RawPayload::open(&old, &replaced, id),
            Err(PayloadError::Forged(_))
        ));
        assert_eq!(
            format!("{:?}", payload()),
            "RawPayload { request: 51 bytes, live_answer: 20 bytes }"
        );
    }
}
