//! The demo's data directory: the embedded config with its addresses filled in, the embedded
//! layout next to it, a fresh key file (so failing cases are stored for `replay`) and a fresh
//! store.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};

use super::{DemoArgs, Engines, CONFIG, LAYOUT};
use crate::store::keyring::new_key_line;

/// Name of the config file written into the data directory.
pub const CONFIG_FILE: &str = "shadowgate.toml";
/// Name of the layout file written next to it (the config refers to it).
pub const LAYOUT_FILE: &str = "loan-screening.toml";
/// Name of the key file written next to it (`[store] encryption_key_file` in the config).
pub const KEY_FILE: &str = "keys";
/// Name of the file that marks a directory as the demo's: only such a directory (or an empty
/// one) is written into, since each run replaces its config and key file and empties its store.
pub const MARKER_FILE: &str = ".shadowgate-demo";
/// The first line of the [`MARKER_FILE`] the demo writes (the whole marker of versions before it
/// listed its files): a marker is the demo's only when it starts so, so an empty one made by hand
/// (`touch`) does not make a directory the demo's.
const MARKER_LINE: &str = "shadowgate demo data directory";
/// The first line of the key file the demo writes: it marks the directories of demo runs from
/// before [`MARKER_FILE`].
const KEY_FILE_HEADER: &str =
    "# Written by `shadowgate demo` for its store, replaced on every run.";

/// Writes config and layout into `args.data_dir`, empties its store; returns the config's path.
pub fn prepare(args: &DemoArgs, engines: &Engines) -> anyhow::Result<PathBuf> {
    let dir = &args.data_dir;
    refuse_foreign(dir)?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(dir.join(MARKER_FILE), marker())
        .with_context(|| format!("writing {}", dir.join(MARKER_FILE).display()))?;
    let store = dir.join("store");
    if store.exists() {
        // Demo data only: each run starts counting from zero so its report is its own.
        std::fs::remove_dir_all(&store)
            .with_context(|| format!("emptying the demo store {}", store.display()))?;
    }
    std::fs::write(dir.join(LAYOUT_FILE), LAYOUT)
        .with_context(|| format!("writing {}", dir.join(LAYOUT_FILE).display()))?;
    write_key_file(dir)?;
    let path = dir.join(CONFIG_FILE);
    std::fs::write(&path, render(args, engines))
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// What the demo writes into its [`MARKER_FILE`]: [`MARKER_LINE`], then the files it replaces.
fn marker() -> String {
    format!(
        "{MARKER_LINE}\nwritten by `shadowgate demo`, which on every run replaces {CONFIG_FILE}, \
         {LAYOUT_FILE} and {KEY_FILE} and empties store/\n"
    )
}

/// Refuses a `--data-dir` that holds anything but a demo's files: the demo would overwrite a
/// config and a key file there (shredding every payload sealed with the key) and empty a store.
/// A missing or empty directory, or one a demo run wrote (its [`MARKER_FILE`] starting with
/// [`MARKER_LINE`], or the key file of a run from before the marker), is the demo's; a marker
/// that does not start so is refused, saying what it holds.
fn refuse_foreign(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() && !dir.is_dir() {
        bail!(
            "--data-dir {}: expected a directory, found a file",
            dir.display()
        );
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    let names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let demo_keys = std::fs::read_to_string(dir.join(KEY_FILE))
        .is_ok_and(|text| text.starts_with(KEY_FILE_HEADER));
    let has_marker = names.iter().any(|n| n == MARKER_FILE);
    if has_marker {
        refuse_foreign_marker(dir)?;
    }
    let marked = has_marker || demo_keys;
    // In a directory the demo wrote, only what it writes; in any other, nothing.
    let demos = [CONFIG_FILE, LAYOUT_FILE, KEY_FILE, MARKER_FILE, "store"];
    let mut names: Vec<String> = names
        .into_iter()
        .filter(|n| !(marked && demos.contains(&n.as_str())))
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    names.sort();
    let shown = names.len().min(5);
    let more = match names.len() - shown {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    Err(anyhow!(
        "--data-dir {}: expected an empty directory or one `shadowgate demo` wrote, found one \
         it did not write ({}{more}); the demo replaces {CONFIG_FILE} and {KEY_FILE} there and \
         empties store/: give another --data-dir",
        dir.display(),
        names[..shown].join(", ")
    ))
}

/// Refuses `dir`'s [`MARKER_FILE`] unless its first line is [`MARKER_LINE`], naming what it
/// found instead: an empty file, another first line, or why it cannot be read.
fn refuse_foreign_marker(dir: &Path) -> anyhow::Result<()> {
    let found = match std::fs::read(dir.join(MARKER_FILE)) {
        Ok(bytes) if bytes.is_empty() => "an empty file".to_owned(),
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let first = text.lines().next().unwrap_or_default();
            if first == MARKER_LINE {
                return Ok(());
            }
            let shown: String = first.chars().take(60).collect();
            let cut = if shown.len() < first.len() { "…" } else { "" };
            format!("the first line {shown:?}{cut}")
        }
        Err(e) => format!("one that cannot be read ({e})"),
    };
    bail!(
        "--data-dir {}: {MARKER_FILE}: expected the marker `shadowgate demo` writes (first line \
         {MARKER_LINE:?}), found {found}; the demo replaces {CONFIG_FILE} and {KEY_FILE} there \
         and empties store/: give another --data-dir",
        dir.display()
    )
}

/// Writes `dir/keys`: one new random key, readable by its owner only (mode 0600, as
/// `check-config` asks of key files). The previous run's key is replaced: its store is emptied
/// too, so no stored payload needs it.
pub fn write_key_file(dir: &Path) -> anyhow::Result<PathBuf> {
    let path = dir.join(KEY_FILE);
    let at = || format!("writing the demo's key file {}", path.display());
    let line = new_key_line("demo")
        .map_err(|_| anyhow!("drawing the demo's key: the system random generator failed"))?;
    if let Err(e) = std::fs::remove_file(&path) {
        if e.kind() != std::io::ErrorKind::NotFound {
            return Err(e).with_context(at);
        }
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).with_context(at)?;
    let text = format!("{KEY_FILE_HEADER}\n{line}");
    file.write_all(text.as_bytes()).with_context(at)?;
    Ok(path)
}

/// The embedded config with the addresses filled in.
pub fn render(args: &DemoArgs, engines: &Engines) -> String {
    CONFIG
        .replace("@MCI_ADDRESS@", &args.mci_address.to_string())
        .replace("@ADMIN_ADDRESS@", &args.admin_address.to_string())
        .replace("@LEGACY_ADDRESS@", &engines.legacy.to_string())
        .replace("@MODERN_ADDRESS@", &engines.modern.to_string())
}

/// Writes what [`prepare`] writes (config, layout, key file) into `dir` for a test that builds
/// the demo's runtime on engines at `legacy` and `modern` (never called unless the test does);
/// returns the config's path. Listeners on port 0.
#[cfg(test)]
pub(crate) fn write_for_test(dir: &Path, legacy: &str, modern: &str) -> PathBuf {
    let config = CONFIG
        .replace("@MCI_ADDRESS@", "127.0.0.1:0")
        .replace("@ADMIN_ADDRESS@", "127.0.0.1:0")
        .replace("@LEGACY_ADDRESS@", legacy)
        .replace("@MODERN_ADDRESS@", modern);
    std::fs::write(dir.join(LAYOUT_FILE), LAYOUT).unwrap();
    write_key_file(dir).unwrap();
    let path = dir.join(CONFIG_FILE);
    std::fs::write(&path, config).unwrap();
    path
}
