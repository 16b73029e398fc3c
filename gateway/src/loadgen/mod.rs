//! `shadowgate loadgen`: MCI frames to one or more addresses, with latency percentiles.
//!
//! - **Closed loop** (default): each of `--connections` connections keeps `--pipeline` frames in
//!   flight and sends the next as soon as an answer comes back: the throughput ceiling.
//! - **Open loop** (`--rate R`): frames go out on a fixed timeline, `R` per second spread over the
//!   connections, whatever the answers do; latency runs from the intended send time, so a stall
//!   shows in full (no coordinated omission).
//!
//! Several `--address`es are measured in alternating rounds (`--rounds`), so drift on the machine
//! (frequency, neighbours) hits them alike: that is how the benchmark compares the gateway with a
//! direct call. Frames come from the demo's synthetic generator, each with its own correlation id.
//!
//! # Layout
//! - `frames`: the frame pool and correlation ids.
//! - `connection`: one connection's share of a round.
//! - `summary`: tallies, HdrHistogram percentiles, JSON and text summaries.
//! - `verdict`: whether a run passes (`--max-failed-ratio`, `--max-error-ratio`), and the hints
//!   at a wrong address or a short `--timeout-ms`.

pub mod connection;
pub mod frames;
pub mod summary;
mod verdict;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use protocol_mci::Layout;
use tokio::sync::mpsc;
use tokio::time::Instant;

use self::connection::{drive, Share};
use self::frames::FramePool;
use self::summary::{Shape, Summary, Tally};
pub use self::verdict::{error_frame_notes, verdict};

/// Intended send times a connection may have waiting.
const PACER_BACKLOG: usize = 100_000;
/// Distinct requests in the frame pool (sends cycle through them with fresh correlation ids).
const POOL_SIZE: usize = 1_024;

/// `shadowgate loadgen`.
#[derive(Debug, Clone, Args)]
pub struct LoadgenArgs {
    /// Where to send frames; repeat to compare targets in alternating rounds.
    #[arg(long = "address", required = true)]
    pub addresses: Vec<SocketAddr>,
    /// Connections per target.
    #[arg(long, default_value_t = 4)]
    pub connections: usize,
    /// Frames per target and round (split over the connections).
    #[arg(long, conflicts_with = "duration")]
    pub requests: Option<u64>,
    /// Seconds per target and round [default: 10 when --requests is not given].
    #[arg(long)]
    pub duration: Option<f64>,
    /// Open loop: frames per second per target, on a fixed timeline. Without it: closed loop.
    #[arg(long)]
    pub rate: Option<f64>,
    /// Frames in flight per connection at most [default: 1 closed loop, 10000 open loop].
    #[arg(long)]
    pub pipeline: Option<usize>,
    /// Rounds; each measures every target once, in turn.
    #[arg(long, default_value_t = 1)]
    pub rounds: u32,
    /// Seconds of unmeasured load per target before the first round.
    #[arg(long, default_value_t = 0.0)]
    pub warmup: f64,
    /// An answer later than this is a timeout (the connection is then closed).
    #[arg(long, default_value_t = 5_000)]
    pub timeout_ms: u64,
    /// Layout file of the frames [default: the embedded loan-screening layout].
    #[arg(long)]
    pub layout: Option<PathBuf>,
    /// Seed of the synthetic requests.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// Exit non-zero when a target left more than this fraction of its requests unanswered
    /// (timed out, lost, never sent; error frames are answers).
    #[arg(long, default_value_t = 0.01)]
    pub max_failed_ratio: f64,
    /// Exit non-zero when more than this fraction of a target's answers are error frames (a
    /// result code that is not ok). The default, 1, never fails a run for them, as a benchmark
    /// of a gateway whose engine is down wants; a smoke test gives 0 or a small fraction.
    #[arg(long, default_value_t = 1.0)]
    pub max_error_ratio: f64,
}

/// How one round loads one target.
#[derive(Debug, Clone)]
struct Plan {
    connections: usize,
    frames: Option<u64>,
    duration: Option<Duration>,
    rate: Option<f64>,
    depth: usize,
    timeout: Duration,
}

/// Runs the load; one summary per address, in argument order.
pub async fn measure(args: &LoadgenArgs) -> anyhow::Result<Vec<Summary>> {
    let layout = Arc::new(match &args.layout {
        Some(path) => crate::cli::layout::load(path)?,
        None => crate::demo::layout()?,
    });
    let pool = Arc::new(FramePool::new(&layout, args.seed, POOL_SIZE)?);
    if args.connections == 0 || args.rounds == 0 {
        bail!("--connections and --rounds must be at least 1");
    }
    for (option, ratio) in [
        ("--max-failed-ratio", args.max_failed_ratio),
        ("--max-error-ratio", args.max_error_ratio),
    ] {
        if !(0.0..=1.0).contains(&ratio) {
            bail!("{option} must be a fraction from 0 to 1");
        }
    }
    if args.rate.is_some_and(|r| !(r > 0.0 && r.is_finite())) {
        bail!("--rate must be a positive number of frames per second");
    }
    let depth = args
        .pipeline
        .unwrap_or(if args.rate.is_some() { 10_000 } else { 1 })
        .max(1);
    let duration = match (args.requests, args.duration) {
        (Some(_), _) => None,
        (None, d) => Some(Duration::from_secs_f64(d.unwrap_or(10.0).max(0.001))),
    };
    let plan = Plan {
        connections: args.connections,
        frames: args.requests,
        duration,
        rate: args.rate,
        depth,
        timeout: Duration::from_millis(args.timeout_ms),
    };
    let mut sequence = 0;
    if args.warmup > 0.0 {
        let warmup = Plan {
            frames: None,
            duration: Some(Duration::from_secs_f64(args.warmup)),
            ..plan.clone()
        };
        for address in &args.addresses {
            round(*address, &warmup, &layout, &pool, &mut sequence).await;
        }
    }
    let mut totals: Vec<(Tally, Duration)> =
        vec![(Tally::new(), Duration::ZERO); args.addresses.len()];
    for _ in 0..args.rounds {
        for (address, total) in args.addresses.iter().zip(totals.iter_mut()) {
            let started = Instant::now();
            let tally = round(*address, &plan, &layout, &pool, &mut sequence).await;
            total.1 += started.elapsed();
            total.0.merge(&tally);
        }
    }
    Ok(args
        .addresses
        .iter()
        .zip(&totals)
        .map(|(address, (tally, elapsed))| {
            let shape = Shape {
                address: address.to_string(),
                rate: args.rate,
                connections: args.connections,
                pipeline: depth,
            };
            Summary::new(&shape, tally, *elapsed)
        })
        .collect())
}

/// One round against one target: every connection's share, run concurrently.
async fn round(
    address: SocketAddr,
    plan: &Plan,
    layout: &Arc<Layout>,
    pool: &Arc<FramePool>,
    sequence: &mut u64,
) -> Tally {
    let start = Instant::now() + Duration::from_millis(5);
    let until = plan.duration.map(|d| start + d);
    let connections = plan.connections as u64;
    let mut tasks = tokio::task::JoinSet::new();
    let mut pacer = Vec::new();
    for i in 0..connections {
        let frames = plan
            .frames
            .map(|n| n / connections + u64::from(i < n % connections));
        let ticks = plan.rate.map(|_| {
            let (tx, rx) = mpsc::channel(PACER_BACKLOG);
            pacer.push(tx);
            rx
        });
        let share = Share {
            address,
            // Disjoint ranges of send numbers: correlation ids stay unique.
            first_sequence: *sequence + i * (1 << 40),
            frames,
            until,
            ticks,
            depth: plan.depth,
            timeout: plan.timeout,
        };
        tasks.spawn(drive(share, layout.clone(), pool.clone()));
    }
    let pacer = plan.rate.map(|rate| {
        let (frames, interval) = (plan.frames, Duration::from_secs_f64(1.0 / rate));
        tokio::task::spawn_blocking(move || pace(&pacer, start, interval, frames, until))
    });
    *sequence += 1 << 48;
    let mut tally = Tally::new();
    while let Some(done) = tasks.join_next().await {
        if let Ok(done) = done {
            tally.merge(&done);
        }
    }
    // Intended sends the pacer could not hand to a connection (it had given up): never sent.
    if let Some(pacer) = pacer {
        tally.not_sent += pacer.await.unwrap_or(0);
    }
    tally
}

/// Hands out intended send times, one every `interval` from `start`, to the connections in turn,
/// until `frames` or `until`, and returns how many it could not hand out (their connection had
/// given up: never sent). Sleeping happens here, on a thread; a connection that is behind finds
/// its backlog of intended times waiting (bounded: beyond it the pacer waits, and the times it
/// then hands out are still the timeline's). Once every connection has given up, the rest of the
/// timeline is counted without waiting for it.
fn pace(
    connections: &[mpsc::Sender<Instant>],
    start: Instant,
    interval: Duration,
    frames: Option<u64>,
    until: Option<Instant>,
) -> u64 {
    let mut refused = 0;
    for k in 0u64.. {
        if frames.is_some_and(|n| k >= n) {
            break;
        }
        let intended = start + interval.mul_f64(k as f64);
        if until.is_some_and(|u| intended >= u) {
            break;
        }
        let Some(connection) = connections.get((k % connections.len().max(1) as u64) as usize)
        else {
            break;
        };
        let wait = intended.saturating_duration_since(Instant::now());
        if !wait.is_zero() && !connections.iter().all(mpsc::Sender::is_closed) {
            std::thread::sleep(wait);
        }
        // A connection that gave up has closed its receiver; the others go on.
        if connection.blocking_send(intended).is_err() {
            refused += 1;
        }
    }
    refused
}

/// `shadowgate loadgen`: runs the load and prints the summaries.
pub fn run(args: &LoadgenArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let summaries = runtime.block_on(measure(args))?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &serde_json::json!({ "targets": summaries }))?;
        std::io::Write::write_all(&mut out, b"\n")?;
    } else {
        for summary in &summaries {
            summary.print(&mut out)?;
        }
    }
    std::io::Write::flush(&mut out)?;
    for note in error_frame_notes(&summaries, args.max_error_ratio) {
        eprintln!("{note}");
    }
    verdict(&summaries, args.max_failed_ratio, args.max_error_ratio)
}

#[cfg(test)]
mod tests;
