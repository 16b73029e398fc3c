//! The versioned on-disk format: one version byte, then JSON.
//!
//! JSON keeps decimal numbers as their exact text (serde_json's `arbitrary_precision`) and is
//! readable when someone inspects a store by hand; the version byte lets a later build change the
//! encoding and still say clearly what it finds on disk.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// The format version this build writes and reads.
pub const FORMAT_VERSION: u8 = 1;

/// A value that could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The bytes were written by a build with another format.
    #[error("{what}: unknown format version {found} (this build reads version {FORMAT_VERSION})")]
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
    /// The JSON does not match the type.
    #[error("{what}: invalid JSON for format version {FORMAT_VERSION}: {source}")]
    Json {
        /// What was being encoded or decoded.
        what: &'static str,
        /// The serde error, with line and column.
        #[source]
        source: serde_json::Error,
    },
}

/// Encodes `value` as version byte + JSON.
pub fn encode<T: Serialize>(what: &'static str, value: &T) -> Result<Vec<u8>, CodecError> {
    let mut bytes = vec![FORMAT_VERSION];
    serde_json::to_writer(&mut bytes, value).map_err(|source| CodecError::Json { what, source })?;
    Ok(bytes)
}

/// Decodes bytes written by [`encode`].
pub fn decode<T: DeserializeOwned>(what: &'static str, bytes: &[u8]) -> Result<T, CodecError> {
    match bytes.split_first() {
        None => Err(CodecError::Empty { what }),
        Some((&FORMAT_VERSION, json)) => {
            serde_json::from_slice(json).map_err(|source| CodecError::Json { what, source })
        }
        Some((&found, _)) => Err(CodecError::UnknownVersion { what, found }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn values_round_trip_with_exact_decimals() {
        let value: Value = serde_json::from_str(r#"{"rate":0.10000000000000000001}"#).unwrap();
        let bytes = encode("record", &value).unwrap();
        assert_eq!(bytes[0], FORMAT_VERSION);
        let back: Value = decode("record", &bytes).unwrap();
        assert_eq!(back.to_string(), r#"{"rate":0.10000000000000000001}"#);
    }

    #[test]
    fn unknown_versions_and_empty_values_are_clear_errors() {
        let err = decode::<Value>("record", &[9, b'{', b'}']).unwrap_err();
        assert_eq!(
            err.to_string(),
            "record: unknown format version 9 (this build reads version 1)"
        );
        let err = decode::<Value>("group", &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "group: empty value, expected a version byte"
        );
    }
}
