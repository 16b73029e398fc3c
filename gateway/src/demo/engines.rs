//! Starting the demo engines: in the demo's process, or alone for benchmarks
//! (`shadowgate demo-engine --kind legacy|modern|legacy-http|modern-mci --listen ADDR
//! [--delay-ms N]`), and
//! the demo's synthetic requests as HTTP bodies for HTTP load tools (`--print-requests N`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, ValueEnum};
use protocol_mci::Layout;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::legacy::Policied;
use super::modern::Noise;
use super::strategy::{LEGACY, MODERN};
use super::traffic::{Traffic, KST_OFFSET_MICROS};
use super::{legacy, modern};

/// The demo engines' accept queue (the kernel caps it at `net.core.somaxconn`).
const DEMO_BACKLOG: usize = 4096;

/// Which engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// MCI frames over TCP, the legacy policy.
    Legacy,
    /// HTTP/JSON, the new engine's policy.
    Modern,
    /// HTTP/JSON with the legacy policy and clock: a live engine for HTTP-to-HTTP benchmarks.
    LegacyHttp,
    /// MCI frames with the new engine's policy and clock: a shadow engine for MCI-to-MCI
    /// benchmarks.
    ModernMci,
}

/// `shadowgate demo-engine`: one demo engine alone, for benchmarks.
#[derive(Debug, Clone, Args)]
pub struct DemoEngineArgs {
    /// Which engine (not needed with `--print-requests`).
    #[arg(long, value_enum, required_unless_present = "print_requests")]
    pub kind: Option<Kind>,
    /// Address to listen on.
    #[arg(long, required_unless_present = "print_requests")]
    pub listen: Option<SocketAddr>,
    /// Extra delay before every answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub delay_ms: u64,
    /// Instead of serving: print this many of the demo's synthetic requests as HTTP ingress
    /// bodies (`{"header", "body"}`), one a line (for HTTP load tools), and exit.
    #[arg(long)]
    pub print_requests: Option<usize>,
    /// A share of the HTTP engines' answers (`modern`, `legacy-http`) made non-deterministic,
    /// per million calls: such an answer's `message` carries a reference of its own (`승인 (ref
    /// 3F09A2)`), drawn per call, so the same request asked twice may be answered differently
    /// (to try `confirm_mismatches` by hand).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    pub noise_ppm: u32,
    /// Seed of the printed requests (their correlation ids carry its last 10 digits, so two
    /// seeds' batches never share one).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Running demo engines; stopped by [`Engines::stop`].
#[derive(Debug)]
pub struct Engines {
    /// Where the legacy engine listens.
    pub legacy: SocketAddr,
    /// Where the new engine listens.
    pub modern: SocketAddr,
    tasks: TaskTracker,
    shutdown: CancellationToken,
}

impl Engines {
    /// Starts both engines on free loopback ports.
    pub async fn start(layout: Arc<Layout>) -> anyhow::Result<Engines> {
        let (tasks, shutdown) = (TaskTracker::new(), CancellationToken::new());
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        let legacy = spawn(
            Kind::Legacy,
            any,
            Duration::ZERO,
            Noise::none(),
            &layout,
            &tasks,
            &shutdown,
        )
        .await?;
        let modern = spawn(
            Kind::Modern,
            any,
            Duration::ZERO,
            Noise::none(),
            &layout,
            &tasks,
            &shutdown,
        )
        .await?;
        Ok(Engines {
            legacy,
            modern,
            tasks,
            shutdown,
        })
    }

    /// Stops both engines and waits (briefly) for their connections to close.
    pub async fn stop(self) {
        self.shutdown.cancel();
        self.tasks.close();
        let _ = tokio::time::timeout(Duration::from_secs(2), self.tasks.wait()).await;
    }
}

/// Binds `address` and serves the engine on it; returns the bound address. `noise` applies to
/// the HTTP kinds only.
#[allow(clippy::too_many_arguments)]
async fn spawn(
    kind: Kind,
    address: SocketAddr,
    delay: Duration,
    noise: Noise,
    layout: &Arc<Layout>,
    tasks: &TaskTracker,
    shutdown: &CancellationToken,
) -> anyhow::Result<SocketAddr> {
    // A benchmark's shadow calls may open hundreds of connections at once: std's queue of 128
    // would drop SYNs and make the gateway's 1 s connect timeout fail (`shadow_down`).
    let listener = crate::listener::bind::listen(address, DEMO_BACKLOG)
        .with_context(|| format!("demo {kind:?} engine: cannot bind {address}"))?;
    let bound = listener.local_addr()?;
    let (tasks2, shutdown2) = (tasks.clone(), shutdown.clone());
    match kind {
        Kind::Legacy => tasks.spawn(legacy::serve(
            listener,
            layout.clone(),
            delay,
            tasks2,
            shutdown2,
        )),
        Kind::Modern => tasks.spawn(modern::serve(listener, delay, noise, tasks2, shutdown2)),
        Kind::ModernMci => {
            let engine = Policied {
                policy: MODERN,
                offset: 0,
                delay,
            };
            tasks.spawn(legacy::serve_policy(
                listener,
                layout.clone(),
                engine,
                tasks2,
                shutdown2,
            ))
        }
        Kind::LegacyHttp => tasks.spawn(modern::serve_policy(
            listener,
            LEGACY,
            KST_OFFSET_MICROS,
            delay,
            noise,
            tasks2,
            shutdown2,
        )),
    };
    Ok(bound)
}

/// Runs one engine until Ctrl-C or SIGTERM (or prints requests, with `--print-requests`).
pub fn run_engine(args: &DemoEngineArgs) -> anyhow::Result<()> {
    let (kind, listen) = match (args.print_requests, args.kind, args.listen) {
        (Some(count), ..) => return print_requests(count, args.seed),
        (None, Some(kind), Some(listen)) => (kind, listen),
        (None, ..) => {
            anyhow::bail!("demo-engine: expected --kind KIND --listen ADDR, or --print-requests N")
        }
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let layout = Arc::new(super::layout()?);
        let (tasks, shutdown) = (TaskTracker::new(), CancellationToken::new());
        let delay = Duration::from_millis(args.delay_ms);
        if args.noise_ppm > 0 && matches!(kind, Kind::Legacy | Kind::ModernMci) {
            anyhow::bail!(
                "demo-engine: --noise-ppm applies to the HTTP engines (modern, legacy-http), not {}",
                kind.to_possible_value().map_or_else(|| format!("{kind:?}"), |v| v.get_name().to_owned())
            );
        }
        let noise = Noise::new(args.noise_ppm);
        let bound = spawn(kind, listen, delay, noise, &layout, &tasks, &shutdown).await?;
        let name = kind.to_possible_value().map(|v| v.get_name().to_owned());
        let name = name.unwrap_or_else(|| format!("{kind:?}"));
        eprintln!("demo {name} engine listening on {bound}");
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
        shutdown.cancel();
        Ok(())
    })
}

/// Prints `count` synthetic requests as `{"header", "body"}` JSON lines: what the gateway's HTTP
/// ingress takes, and enough for the demo's HTTP engines (they read `body`).
fn print_requests(count: usize, seed: u64) -> anyhow::Result<()> {
    use std::io::Write;
    let mut traffic = printed(seed);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for _ in 0..count {
        let request = traffic.next_request();
        let line = serde_json::to_string(&request).context("serialising a request")?;
        writeln!(out, "{line}").context("writing the requests to stdout")?;
    }
    out.flush().context("writing the requests to stdout")
}

/// The printed requests' generator: their correlation ids carry the seed (its last 10 digits,
/// then a 9-digit count: the sequence stays within `u64`), so batches printed with different
/// seeds below 10^10 never share one.
pub(super) fn printed(seed: u64) -> Traffic {
    Traffic::new(seed, "BEN").numbered_after((seed % 10_000_000_000) * 1_000_000_000)
}
