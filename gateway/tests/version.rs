//! `shadowgate --version`, the real binary: the crate version and the git commit of the source
//! tree it was built from (`gateway/build.rs`), or `unknown` outside a git checkout.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

/// What `gateway/build.rs` should have found: the short HEAD of this source tree.
fn expected_commit() -> String {
    if let Ok(commit) = std::env::var("SHADOWGATE_COMMIT") {
        return commit;
    }
    Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8(output.stdout).unwrap().trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned())
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let output = Command::new(env!("CARGO_BIN_EXE_shadowgate"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).unwrap();
    let wanted = format!(
        "shadowgate {} (commit {})\n",
        env!("CARGO_PKG_VERSION"),
        expected_commit()
    );
    assert_eq!(printed, wanted);
}
