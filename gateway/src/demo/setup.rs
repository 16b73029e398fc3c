//! The demo's data directory: the embedded config with its addresses filled in, the embedded
//! layout next to it, and a fresh store.

use std::path::PathBuf;

use anyhow::Context;

use super::{DemoArgs, Engines, CONFIG, LAYOUT};

/// Name of the config file written into the data directory.
pub const CONFIG_FILE: &str = "shadowgate.toml";
/// Name of the layout file written next to it (the config refers to it).
pub const LAYOUT_FILE: &str = "loan-screening.toml";

/// Writes config and layout into `args.data_dir`, empties its store; returns the config's path.
pub fn prepare(args: &DemoArgs, engines: &Engines) -> anyhow::Result<PathBuf> {
    let dir = &args.data_dir;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let store = dir.join("store");
    if store.exists() {
        // Demo data only: each run starts counting from zero so its report is its own.
        std::fs::remove_dir_all(&store)
            .with_context(|| format!("emptying the demo store {}", store.display()))?;
    }
    std::fs::write(dir.join(LAYOUT_FILE), LAYOUT)
        .with_context(|| format!("writing {}", dir.join(LAYOUT_FILE).display()))?;
    let path = dir.join(CONFIG_FILE);
    std::fs::write(&path, render(args, engines))
        .with_context(|| format!("writing {}", path.display()))?;
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
