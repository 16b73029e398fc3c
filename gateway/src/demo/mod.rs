//! `shadowgate demo`: the whole product on one machine in one command.
//!
//! It starts a legacy engine (MCI frames over TCP), a new engine (HTTP/JSON) that re-implements
//! the strategy with the divergences a real migration finds, and the gateway on the embedded
//! `config/demo.toml`; sends synthetic loan applications through the gateway with a progress bar;
//! prints the report and keeps serving until Ctrl-C (or exits with `--exit`).
//!
//! The divergences, and what hides them:
//! - self-employed applicants (cust_type `02`): the new engine leaves `existing_debt` out of the
//!   limit. Nothing hides it: these are the mismatches (`body.limit_amount` and the offers'
//!   limits derived from it), and the only ones;
//! - the rate is truncated instead of rounded half up: `tolerance body.rate` (0.001);
//! - offers come by limit instead of product code: `unordered body.offers` keyed by product code;
//! - `sent_at` is the engine's clock, KST against UTC: `ignore header.sent_at`.
//!
//! # Layout
//! - `strategy`: the loan-screening strategy and the two engines' policies.
//! - `legacy`, `modern`: the two engines' servers.
//! - `engines`: starting them, here or alone (`shadowgate demo-engine`).
//! - `traffic`: the synthetic, seeded request generator (shared with `loadgen`).
//! - `setup`: the data directory, the embedded config and layout, the key file for `replay`.
//! - `send`: sending the frames with a progress bar.
//! - `report`: what the demo prints (the gateway's own `report`, read from its admin API).

pub mod engines;
pub mod legacy;
pub mod modern;
pub mod report;
pub mod send;
pub mod setup;
pub mod strategy;
pub mod traffic;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use protocol_mci::Layout;

use crate::server::Running;
pub use engines::{DemoEngineArgs, Engines};
pub use send::Sent;

/// The loan-screening layout, embedded so the demo runs from any directory.
pub const LAYOUT: &str = include_str!("../../../config/layouts/loan-screening.toml");
/// The demo's gateway config, with `@...@` placeholders for addresses.
pub const CONFIG: &str = include_str!("../../../config/demo.toml");
/// The strategy the demo exercises.
pub const STRATEGY: &str = "loan-screening";

/// `shadowgate demo`.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Frames to send.
    #[arg(long, default_value_t = 2000)]
    pub requests: usize,
    /// MCI connections to send them over.
    #[arg(long, default_value_t = 4)]
    pub connections: usize,
    /// Where the config, layout and store are written (the store is emptied first); a directory
    /// holding files the demo did not write is refused.
    #[arg(long, default_value = "data/demo")]
    pub data_dir: PathBuf,
    /// Seed of the synthetic customers.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The gateway's MCI listener.
    #[arg(long, default_value = "127.0.0.1:9100")]
    pub mci_address: SocketAddr,
    /// The admin listener (metrics, API, HTML report).
    #[arg(long, default_value = "127.0.0.1:9190")]
    pub admin_address: SocketAddr,
    /// Exit after the report instead of serving until Ctrl-C.
    #[arg(long)]
    pub exit: bool,
}

/// A demo that has sent its traffic: engines and gateway still running.
pub struct Demo {
    /// The gateway.
    pub running: Running,
    /// The two engines.
    pub engines: Engines,
    /// What was sent and how it was answered.
    pub sent: Sent,
    /// The config file written into the data directory.
    pub config_path: PathBuf,
}

/// The embedded layout.
pub fn layout() -> anyhow::Result<Layout> {
    Layout::from_toml(LAYOUT, "embedded loan-screening layout", STRATEGY).context("embedded layout")
}

/// Starts engines and gateway, sends the traffic and waits until every comparison is counted.
pub async fn start(args: &DemoArgs, progress: bool) -> anyhow::Result<Demo> {
    let layout = Arc::new(layout()?);
    let engines = Engines::start(layout.clone()).await?;
    let config_path = setup::prepare(args, &engines)?;
    let config = crate::config::load(&config_path)?;
    let running = Running::start(config).await.with_context(|| {
        "starting the gateway (choose other ports with --mci-address / --admin-address)"
    })?;
    let address = running
        .mci_addresses
        .first()
        .copied()
        .context("the demo config has no MCI listener")?;
    let sent = send::send(args, &layout, address, progress).await?;
    let expected = sent.requests.len() as u64;
    wait_for_comparisons(&running, expected).await;
    report::flush_suppressed(&running).await;
    Ok(Demo {
        running,
        engines,
        sent,
        config_path,
    })
}

impl Demo {
    /// Stops the gateway (flushing the store) and the engines.
    pub async fn stop(self) {
        self.running.shutdown(Duration::from_secs(5)).await;
        self.engines.stop().await;
    }
}

/// Waits until the store has counted `expected` comparisons (or skipped calls), at most 30 s.
async fn wait_for_comparisons(running: &Running, expected: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while tokio::time::Instant::now() < deadline {
        let counted: u64 = running
            .store
            .reader()
            .summary()
            .unwrap_or_default()
            .iter()
            .map(|c| c.comparisons() + c.skipped)
            .sum();
        if counted >= expected && running.gateway.shadow_tasks() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `shadowgate demo`: runs the demo, prints the report, serves until Ctrl-C unless `--exit`.
pub fn run(args: &DemoArgs) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let demo = runtime.block_on(start(args, true))?;
    // Outside `block_on`: the report reads the admin API with a blocking client; the gateway
    // keeps running on the runtime's worker threads meanwhile.
    let printed = report::print(&demo, &mut std::io::stdout().lock(), !args.exit);
    runtime.block_on(async {
        if printed.is_ok() && !args.exit {
            println!("\nserving until Ctrl-C");
            let _ = tokio::signal::ctrl_c().await;
        }
        demo.stop().await;
    });
    printed
}

#[cfg(test)]
mod tests;
