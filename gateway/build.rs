//! Stamps the gateway with the git commit it was built from, as the `SHADOWGATE_COMMIT`
//! compile-time variable (`shadowgate --version`, the `commit` label of `shadowgate_build_info`).
//!
//! The commit is `git rev-parse --short HEAD` run in the source tree; `unknown` when the tree is
//! not a git checkout (a source tarball) or git is not installed, so a build never fails for it.
//! A packager building outside git can set `SHADOWGATE_COMMIT` in the environment instead.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=SHADOWGATE_COMMIT");
    let here = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let commit = match std::env::var("SHADOWGATE_COMMIT") {
        Ok(commit) if !commit.trim().is_empty() => commit.trim().to_owned(),
        _ => {
            watch_head(&here);
            git(&here, &["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".to_owned())
        }
    };
    println!("cargo:rustc-env=SHADOWGATE_COMMIT={commit}");
}

/// Asks cargo to run this script again when HEAD moves: a checkout rewrites `HEAD` (in the
/// worktree's own git directory), a commit rewrites the branch's ref (in the common directory, or
/// `packed-refs` after `git pack-refs`). Only files that exist are named: cargo reruns the script
/// on every build for a missing one.
fn watch_head(here: &Path) {
    let Some(git_dir) = git(here, &["rev-parse", "--git-dir"]) else {
        return;
    };
    let common = git(here, &["rev-parse", "--git-common-dir"]).unwrap_or_else(|| git_dir.clone());
    let (git_dir, common) = (here.join(git_dir), here.join(common));
    let mut watched = vec![git_dir.join("HEAD"), common.join("packed-refs")];
    if let Some(branch) = git(here, &["symbolic-ref", "-q", "HEAD"]) {
        watched.push(common.join(&branch));
        watched.push(git_dir.join(branch));
    }
    for path in watched.into_iter().filter(|path| path.is_file()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// The trimmed output of a git command run in `dir`, or `None` when git is missing or fails.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let text = text.trim();
    (output.status.success() && !text.is_empty()).then(|| text.to_owned())
}
