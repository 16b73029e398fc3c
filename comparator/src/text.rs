//! Equality of short byte strings without a call into `memcmp`.
//!
//! Keys and most values in a decision are a few bytes long, and the walk compares one of each
//! per field. A library call per comparison costs more than the comparison itself; two
//! overlapping fixed-size loads compare any text of 4 to 16 bytes and compile to a handful of
//! instructions.

/// Whether `a` and `b` are the same bytes.
#[inline]
pub(crate) fn same_text(a: &[u8], b: &[u8]) -> bool {
    let len = a.len();
    if len != b.len() {
        return false;
    }
    match len {
        0..4 => a.iter().zip(b).all(|(x, y)| x == y),
        4..=8 => a[..4] == b[..4] && a[len - 4..] == b[len - 4..],
        9..=16 => a[..8] == b[..8] && a[len - 8..] == b[len - 8..],
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_every_length() {
        let text = "abcdefghijklmnopqrstuvwxyz가나다".as_bytes();
        for len in 0..text.len() {
            let a = &text[..len];
            assert!(same_text(a, a.to_vec().as_slice()));
            for at in 0..len {
                let mut b = a.to_vec();
                b[at] ^= 1;
                assert!(!same_text(a, &b), "length {len}, byte {at}");
            }
            assert!(!same_text(a, &text[..len + 1]));
        }
    }
}
