//! The `shadowgate` command line.

use clap::Parser;

/// Shadow-deployment gateway for credit-decisioning strategies.
#[derive(Debug, Parser)]
#[command(name = "shadowgate", version, about)]
struct Cli {}

fn main() -> anyhow::Result<()> {
    let _cli = Cli::parse();
    Ok(())
}
