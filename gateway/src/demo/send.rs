//! Sending the demo's frames through the gateway over a few MCI connections, with a progress bar.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use indicatif::{ProgressBar, ProgressStyle};
use protocol_mci::{Direction, Layout, Message};
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

use super::traffic::Traffic;
use super::DemoArgs;

/// Bound on one answer.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// What was sent.
#[derive(Debug)]
pub struct Sent {
    /// Every request, in generation order.
    pub requests: Vec<Message>,
    /// Answers with result `0000`.
    pub answered: u64,
    /// Error answers, connection failures and timeouts.
    pub errors: u64,
    /// Connections used.
    pub connections: usize,
    /// From the first frame to the last answer.
    pub elapsed: Duration,
}

/// Generates `args.requests` applications and sends them round-robin over `args.connections`
/// connections to `address`, one frame in flight per connection.
pub async fn send(
    args: &DemoArgs,
    layout: &Arc<Layout>,
    address: SocketAddr,
    progress: bool,
) -> anyhow::Result<Sent> {
    let mut traffic = Traffic::new(args.seed, "SGD");
    let requests: Vec<Message> = (0..args.requests).map(|_| traffic.next_request()).collect();
    let connections = args.connections.clamp(1, requests.len().max(1));
    let mut shares = vec![Vec::new(); connections];
    for (i, request) in requests.iter().enumerate() {
        let frame = layout
            .encode(Direction::Request, request)
            .context("a synthetic request does not fit the layout")?;
        shares[i % connections].push(Bytes::from(frame));
    }
    let bar = if progress {
        ProgressBar::new(requests.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} frames {per_sec} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let (answered, errors) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for frames in shares {
        let (layout, bar) = (layout.clone(), bar.clone());
        let (answered, errors) = (answered.clone(), errors.clone());
        tasks.spawn(async move {
            let total = frames.len() as u64;
            let done = connection(address, &layout, frames, &bar, &answered).await;
            errors.fetch_add(total - done, Ordering::Relaxed);
        });
    }
    while tasks.join_next().await.is_some() {}
    bar.finish_and_clear();
    Ok(Sent {
        requests,
        answered: answered.load(Ordering::Relaxed),
        errors: errors.load(Ordering::Relaxed),
        connections,
        elapsed: started.elapsed(),
    })
}

/// Sends `frames` one after the other; returns how many got an ok answer.
async fn connection(
    address: SocketAddr,
    layout: &Layout,
    frames: Vec<Bytes>,
    bar: &ProgressBar,
    answered: &AtomicU64,
) -> u64 {
    let Ok(stream) = TcpStream::connect(address).await else {
        return 0;
    };
    let _ = stream.set_nodelay(true);
    let ok_codes = layout
        .result()
        .map(|(field, ok)| (field.to_owned(), ok.to_vec()));
    let mut framed = Framed::new(stream, layout.framer());
    let mut ok = 0;
    for frame in frames {
        if framed.send(frame).await.is_err() {
            break;
        }
        let Ok(Some(Ok(answer))) = tokio::time::timeout(ANSWER_TIMEOUT, framed.next()).await else {
            break;
        };
        let fine = match (&ok_codes, layout.decode_header(&answer)) {
            (Some((field, codes)), Ok(header)) => field
                .text(&header)
                .is_some_and(|code| codes.iter().any(|c| c == code)),
            (None, Ok(_)) => true,
            (_, Err(_)) => false,
        };
        if fine {
            ok += 1;
            answered.fetch_add(1, Ordering::Relaxed);
        }
        bar.inc(1);
    }
    ok
}
