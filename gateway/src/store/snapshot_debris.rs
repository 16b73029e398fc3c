//! Half-written sled snapshots left by a full disk, which sled 0.34 would read as corruption.
//!
//! sled writes its snapshot when it opens a database: into `snap.<lsn>.generating`, then synced
//! and renamed to `snap.<lsn>`. On a full disk the file is created (an inode is free) but the
//! write fails, so the open fails (the store starts degraded, as it should) and leaves the empty
//! `.generating` file behind. At the next open, sled takes the snapshot file whose name sorts
//! last, `.generating` files included, and a newer lsn sorts after the good snapshot: it reads the
//! empty one and answers `Read corrupt data` forever, even once space is back, so the gateway
//! neither recovered in-process nor started again. A `.generating` file is by construction
//! incomplete (the rename happens only after its last byte is synced), and the log it summarises
//! is still whole, so removing it makes sled recover from the previous snapshot and the log.

use std::path::{Path, PathBuf};

/// Suffix sled gives a snapshot until it is complete.
const GENERATING: &str = ".generating";

/// Snapshot files in `dir` that sled never finished writing.
pub(crate) fn unfinished(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let unfinished = path
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| name.starts_with("snap.") && name.ends_with(GENERATING));
        if unfinished {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

/// Removes the unfinished snapshots of `dir`; returns how many there were. Called only after
/// sled reported corruption, so never while another process holds the directory (sled checks
/// its lock before it reads a snapshot).
pub(crate) fn remove_unfinished(dir: &Path) -> std::io::Result<usize> {
    let found = unfinished(dir)?;
    for path in &found {
        tracing::warn!(
            path = %path.display(),
            "removing a sled snapshot left half-written by a full disk; \
             the store recovers from the previous snapshot and its log"
        );
        std::fs::remove_file(path)?;
    }
    Ok(found.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unfinished_snapshots_are_found() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "snap.0000000000007EC7",
            "snap.00000000000224B6.generating",
            "conf",
            "db",
            "generating",
        ] {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        let found = unfinished(dir.path()).unwrap();
        assert_eq!(
            found,
            vec![dir.path().join("snap.00000000000224B6.generating")]
        );
        assert_eq!(remove_unfinished(dir.path()).unwrap(), 1);
        assert!(unfinished(dir.path()).unwrap().is_empty());
        assert!(dir.path().join("snap.0000000000007EC7").exists());
    }
}
