//! Grouping signatures: which fields differ, independent of indices and values.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::comparison::Difference;

/// Identifies the set of differing fields (indices collapsed), so that mismatches group as
/// "only `body.limit_amount` differs: 1,203 requests".
///
/// The id is a 64-bit FNV-1a hash of the sorted field list, in 16 hex digits. FNV-1a is fixed
/// by its definition, unlike std's randomly seeded hasher, so the id is the same across runs,
/// processes, versions and platforms and can be stored.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Signature {
    /// 16 lowercase hex digits.
    pub id: String,
    /// The differing fields, collapsed (`body.offers[*].rate`), sorted, without repeats.
    pub fields: Vec<String>,
}

impl Signature {
    /// The signature of a list of differences; an empty list has the signature of no fields.
    pub fn of(differences: &[Difference]) -> Self {
        let mut fields: Vec<String> = differences.iter().map(Difference::field).collect();
        fields.sort_unstable();
        fields.dedup();
        let mut hash = Fnv1a::new();
        for field in &fields {
            hash.write(field.as_bytes());
            // A separator no field contains, so ["a", "b"] and ["ab"] hash differently.
            hash.write(b"\n");
        }
        Self {
            id: format!("{:016x}", hash.finish()),
            fields,
        }
    }
}

impl fmt::Display for Signature {
    /// `3f2a9c0d1e4b5a67 body.limit_amount, body.offers[*].rate`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.id, self.fields.join(", "))
    }
}

/// 64-bit FNV-1a (<http://www.isthe.com/chongo/tech/comp/fnv/>).
struct Fnv1a(u64);

impl Fnv1a {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Self {
        Self(Self::OFFSET_BASIS)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(Self::PRIME);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_reference_vectors() {
        let hash = |text: &str| {
            let mut h = Fnv1a::new();
            h.write(text.as_bytes());
            h.finish()
        };
        assert_eq!(hash(""), 0xcbf29ce484222325);
        assert_eq!(hash("a"), 0xaf63dc4c8601ec8c);
        assert_eq!(hash("foobar"), 0x85944171f73967e8);
    }
}
