//! The versioned on-disk format: one version byte, then JSON, plain or zstd-compressed.
//!
//! JSON keeps decimal numbers as their exact text (serde_json's `arbitrary_precision`) and is
//! readable when someone inspects a store by hand; the version byte lets a later build change the
//! encoding and still say clearly what it finds on disk. Records are written compressed (at
//! first one a value, version [`FORMAT_ZSTD`]): a record's JSON shrinks ≈2.6× at zstd level 1,
//! and so do the disk it takes and sled's memory per record. Counters, groups and suppression
//! totals stay plain JSON (small, rewritten on every commit). [`decode`] reads both versions, so
//! a store written before records were compressed keeps working. Records are now stored a few
//! per value, format version 3 ([`super::chunk`]); `RecordEncoder` remains to write version 2
//! in tests of stores left by the builds before.

use serde::de::DeserializeOwned;
use serde::Serialize;

pub use super::chunk::FORMAT_CHUNK;

/// Plain JSON: counters, groups, suppression totals, and records written before compression.
pub const FORMAT_JSON: u8 = 1;
/// A zstd frame of JSON: records.
pub const FORMAT_ZSTD: u8 = 2;

/// zstd level 1: on the demo's records levels 1 to 9 all give 2.65–2.73×, and level 1 costs the
/// writer thread about half of level 3's CPU on a machine the live path shares.
pub(crate) const ZSTD_LEVEL: i32 = 1;

/// A value that could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The bytes were written by a build with another format.
    #[error(
        "{what}: unknown format version {found} (this build reads versions {FORMAT_JSON} to \
         {FORMAT_CHUNK})"
    )]
    UnknownVersion {
        /// What was being decoded (`record`, `counters`, `group`).
        what: &'static str,
        /// The version byte found.
        found: u8,
    },
    /// Zero bytes where a value should be.
    #[error("{what}: empty value, expected a version byte")]
    Empty {
        /// What was being decoded.
        what: &'static str,
    },
    /// A chunk of records where one value was expected (e.g. under the counters).
    #[error(
        "{what}: expected one value, found a chunk of records (format version {FORMAT_CHUNK})"
    )]
    Chunk {
        /// What was being decoded.
        what: &'static str,
    },
    /// A key or chunk header shorter than its format says.
    #[error("{what}: expected at least {expected} bytes of key or chunk header, found {found}")]
    Header {
        /// What was being decoded.
        what: &'static str,
        /// Bytes the format needs.
        expected: usize,
        /// Bytes there were.
        found: usize,
    },
    /// The JSON does not match the type.
    #[error("{what}: invalid JSON for format version {version}: {source}")]
    Json {
        /// What was being encoded or decoded.
        what: &'static str,
        /// The format version being written or read.
        version: u8,
        /// The serde error, with line and column.
        #[source]
        source: serde_json::Error,
    },
    /// zstd failed to compress, or the bytes after version 2 are not one whole zstd frame.
    #[error("{what}: expected a zstd frame for format version {FORMAT_ZSTD}: {source}")]
    Zstd {
        /// What was being encoded or decoded.
        what: &'static str,
        /// zstd's error (e.g. `Unknown frame descriptor`, `incomplete frame`).
        #[source]
        source: std::io::Error,
    },
}

/// A record encoded for the store, with its size before compression for the byte counters.
#[derive(Debug)]
pub(crate) struct Encoded {
    /// Version byte + zstd frame.
    pub bytes: Vec<u8>,
    /// Bytes of the plain form (version byte + JSON), what the record would take uncompressed.
    pub raw_len: usize,
}

/// A single-record encoder, version 2 (JSON then zstd), as builds before chunks wrote records;
/// only tests use it now, to build such stores.
#[cfg(test)]
pub(crate) struct RecordEncoder {
    json: Vec<u8>,
    compressor: zstd::bulk::Compressor<'static>,
}

#[cfg(test)]
impl RecordEncoder {
    /// A new encoder; fails only if zstd cannot allocate its context.
    pub fn new() -> Result<Self, CodecError> {
        let compressor =
            zstd::bulk::Compressor::new(ZSTD_LEVEL).map_err(|source| CodecError::Zstd {
                what: "record",
                source,
            })?;
        Ok(Self {
            json: Vec::new(),
            compressor,
        })
    }

    /// Encodes `value` as version [`FORMAT_ZSTD`] + a zstd frame of its JSON.
    pub fn encode<T: Serialize>(
        &mut self,
        what: &'static str,
        value: &T,
    ) -> Result<Encoded, CodecError> {
        self.json.clear();
        serde_json::to_writer(&mut self.json, value).map_err(|source| CodecError::Json {
            what,
            version: FORMAT_ZSTD,
            source,
        })?;
        let frame = self
            .compressor
            .compress(&self.json)
            .map_err(|source| CodecError::Zstd { what, source })?;
        let mut bytes = Vec::with_capacity(1 + frame.len());
        bytes.push(FORMAT_ZSTD);
        bytes.extend_from_slice(&frame);
        Ok(Encoded {
            bytes,
            raw_len: 1 + self.json.len(),
        })
    }
}

/// Encodes `value` as version [`FORMAT_JSON`] + JSON.
pub fn encode<T: Serialize>(what: &'static str, value: &T) -> Result<Vec<u8>, CodecError> {
    let mut bytes = vec![FORMAT_JSON];
    serde_json::to_writer(&mut bytes, value).map_err(|source| CodecError::Json {
        what,
        version: FORMAT_JSON,
        source,
    })?;
    Ok(bytes)
}

/// Decodes bytes written by [`encode`] (version [`FORMAT_JSON`]) or by the version 2 encoder of
/// builds before chunks ([`FORMAT_ZSTD`]; tests write it with `RecordEncoder::encode`).
pub fn decode<T: DeserializeOwned>(what: &'static str, bytes: &[u8]) -> Result<T, CodecError> {
    let json = |version, json: &[u8]| {
        serde_json::from_slice(json).map_err(|source| CodecError::Json {
            what,
            version,
            source,
        })
    };
    match bytes.split_first() {
        None => Err(CodecError::Empty { what }),
        Some((&FORMAT_JSON, plain)) => json(FORMAT_JSON, plain),
        Some((&FORMAT_ZSTD, frame)) => {
            // Streaming: a damaged frame header cannot make us allocate what it claims.
            let plain = zstd::stream::decode_all(frame)
                .map_err(|source| CodecError::Zstd { what, source })?;
            json(FORMAT_ZSTD, &plain)
        }
        Some((&FORMAT_CHUNK, _)) => Err(CodecError::Chunk { what }),
        Some((&found, _)) => Err(CodecError::UnknownVersion { what, found }),
    }
}

#[cfg(test)]
mod tests;
