//! What this build is: the crate version and the git commit it was built from (stamped by
//! `gateway/build.rs`), for `shadowgate --version` and the `shadowgate_build_info` metric.

/// The crate version (`Cargo.toml`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The short git commit the binary was built from; `unknown` when built outside a git checkout.
pub const COMMIT: &str = env!("SHADOWGATE_COMMIT");

/// What `shadowgate --version` prints after the program name: `0.1.0 (commit 1a2b3c4)`.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("SHADOWGATE_COMMIT"),
    ")"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_version_names_version_and_commit() {
        assert_eq!(LONG_VERSION, format!("{VERSION} (commit {COMMIT})"));
        assert!(!COMMIT.is_empty());
        assert!(!COMMIT.contains(char::is_whitespace), "{COMMIT:?}");
    }
}
