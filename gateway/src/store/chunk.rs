//! Record chunks (format version 3): the records of one group commit stored a few per key.
//!
//! sled keeps ≈20 bytes of memory per key whatever the value's size (README, Memory), so one key
//! per record made resident memory grow with every record stored. The writer now stores up to
//! [`CHUNK_RECORDS`] consecutive records of one day under one key, the first record's id, as
//! `[3][count: u32 BE][last record's key: 12 bytes][zstd frame of a JSON array]`. The header lets
//! a reader skip a chunk, retention count records and a restarted writer find its last id
//! without decompressing. Keys stay record ids in time order, so a record is found in the chunk
//! with the greatest key at or before its id. Values of versions 1 and 2 (one record per key,
//! written by builds before) read as chunks of one.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::codec::{self, CodecError, Encoded, FORMAT_JSON, FORMAT_ZSTD, ZSTD_LEVEL};
use super::id::KEY_LEN;

/// Version byte of a chunk of records.
pub const FORMAT_CHUNK: u8 = 3;

/// Most records in one chunk. The demo's records are ≈2.2 KB of JSON, so 16 compress to
/// ≈3.6 KB (0.76 GB for 3.4 M records in the memory benchmark), and a lookup by id decompresses
/// at most 16 records.
pub const CHUNK_RECORDS: usize = 16;

/// Largest chunk value in bytes, unless it holds a single record: a larger chunk is written as
/// two halves. sled 0.34 stores a tree node whose serialized size (+ a 32-byte header) passes
/// `segment_size / 4 - 20` bytes (131,052 with the default 512 KiB segments) as a separate
/// blob file, written and removed outside its log; the limit is per node, not per value, and a
/// leaf holds up to 17 entries (it splits past 16). 17 chunks of 6 KiB with their keys make a
/// ≈105 KB leaf, so record leaves stay inline in the log.
pub const CHUNK_MAX_BYTES: usize = 6 * 1024;

/// Bytes before the zstd frame: version, count, last key.
const HEADER_LEN: usize = 1 + 4 + KEY_LEN;

/// What a chunk's header says, read without decompressing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Records in the value.
    pub count: u64,
    /// Key of its last record (for versions 1 and 2: the value's own key).
    pub last_key: [u8; KEY_LEN],
}

/// Reads the header of the value stored under `key`.
pub fn span(what: &'static str, key: &[u8], value: &[u8]) -> Result<Span, CodecError> {
    match value.first() {
        None => Err(CodecError::Empty { what }),
        Some(&FORMAT_JSON | &FORMAT_ZSTD) => {
            let last_key = key.try_into().map_err(|_| CodecError::Header {
                what,
                expected: KEY_LEN,
                found: key.len(),
            })?;
            Ok(Span { count: 1, last_key })
        }
        Some(&FORMAT_CHUNK) => {
            let header = value.get(..HEADER_LEN).ok_or(CodecError::Header {
                what,
                expected: HEADER_LEN,
                found: value.len(),
            })?;
            let mut count = [0; 4];
            count.copy_from_slice(&header[1..5]);
            let mut last_key = [0; KEY_LEN];
            last_key.copy_from_slice(&header[5..]);
            Ok(Span {
                count: u64::from(u32::from_be_bytes(count)),
                last_key,
            })
        }
        Some(&found) => Err(CodecError::UnknownVersion { what, found }),
    }
}

/// Decodes every record of a value of version 1, 2 or 3, in stored (time) order.
pub fn decode_all<T: DeserializeOwned>(
    what: &'static str,
    value: &[u8],
) -> Result<Vec<T>, CodecError> {
    if value.first() != Some(&FORMAT_CHUNK) {
        return codec::decode(what, value).map(|one| vec![one]);
    }
    let frame = value.get(HEADER_LEN..).ok_or(CodecError::Header {
        what,
        expected: HEADER_LEN,
        found: value.len(),
    })?;
    // Streaming: a damaged frame header cannot make us allocate what it claims.
    let plain =
        zstd::stream::decode_all(frame).map_err(|source| CodecError::Zstd { what, source })?;
    serde_json::from_slice(&plain).map_err(|source| CodecError::Json {
        what,
        version: FORMAT_CHUNK,
        source,
    })
}

/// The writer's chunk builder: records are added one by one (one that cannot be encoded is
/// refused alone), then compressed together; buffers and the zstd context are reused.
pub(crate) struct ChunkEncoder {
    json: Vec<u8>,
    count: u32,
    last_key: [u8; KEY_LEN],
    /// Plain bytes of the chunk's records as single values (version byte + JSON each).
    raw_len: usize,
    compressor: zstd::bulk::Compressor<'static>,
}

impl ChunkEncoder {
    /// A new encoder; fails only if zstd cannot allocate its context.
    pub fn new() -> Result<Self, CodecError> {
        let compressor =
            zstd::bulk::Compressor::new(ZSTD_LEVEL).map_err(|source| CodecError::Zstd {
                what: "record",
                source,
            })?;
        Ok(Self {
            json: Vec::new(),
            count: 0,
            last_key: [0; KEY_LEN],
            raw_len: 0,
            compressor,
        })
    }

    /// Adds `value`, whose key is `key`; on error the chunk is as it was.
    pub fn push<T: Serialize>(
        &mut self,
        what: &'static str,
        key: [u8; KEY_LEN],
        value: &T,
    ) -> Result<(), CodecError> {
        let mark = self.json.len();
        self.json.push(if self.count == 0 { b'[' } else { b',' });
        if let Err(source) = serde_json::to_writer(&mut self.json, value) {
            self.json.truncate(mark);
            return Err(CodecError::Json {
                what,
                version: FORMAT_CHUNK,
                source,
            });
        }
        // The '[' or ',' stands in for the version byte a single record would carry, so the raw
        // byte counter means what it meant before chunks.
        self.raw_len += self.json.len() - mark;
        self.count += 1;
        self.last_key = key;
        Ok(())
    }

    /// Compresses the records added into one value and starts a new chunk; `None` when empty.
    pub fn finish(&mut self, what: &'static str) -> Option<Result<Encoded, CodecError>> {
        if self.count == 0 {
            return None;
        }
        self.json.push(b']');
        let frame = self.compressor.compress(&self.json);
        let encoded = frame
            .map(|frame| {
                let mut bytes = Vec::with_capacity(HEADER_LEN + frame.len());
                bytes.push(FORMAT_CHUNK);
                bytes.extend_from_slice(&self.count.to_be_bytes());
                bytes.extend_from_slice(&self.last_key);
                bytes.extend_from_slice(&frame);
                Encoded {
                    bytes,
                    raw_len: self.raw_len,
                }
            })
            .map_err(|source| CodecError::Zstd { what, source });
        self.json.clear();
        self.count = 0;
        self.raw_len = 0;
        Some(encoded)
    }
}

#[cfg(test)]
mod tests;
