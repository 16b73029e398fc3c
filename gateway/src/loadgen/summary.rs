//! Counting and reporting: per-connection tallies merged per target, HdrHistogram percentiles,
//! the JSON summary and the text one.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::time::Duration;

use hdrhistogram::Histogram;
use protocol_mci::Layout;
use serde::Serialize;

/// Largest latency the histograms hold, in microseconds (longer ones are clamped to it).
const MAX_MICROS: u64 = 60_000_000;

/// What one connection (or, merged, one target) observed.
#[derive(Debug, Clone)]
pub struct Tally {
    /// From the intended send time to the answer.
    pub latency: Histogram<u64>,
    /// From the actual send time to the answer.
    pub service: Histogram<u64>,
    /// Frames written.
    pub sent: u64,
    /// Answers with an ok result code.
    pub ok: u64,
    /// Error answers by result code.
    pub error_frames: BTreeMap<String, u64>,
    /// Answers whose header does not decode.
    pub undecodable: u64,
    /// Frames given up after the answer timeout.
    pub timeouts: u64,
    /// Failed connects, broken connections and failed writes.
    pub connection_errors: u64,
    /// Connects refused: nothing listens at the address.
    pub refused: u64,
    /// Frames in flight on a connection that broke.
    pub lost: u64,
    /// Frames never sent because the target could not be reached.
    pub not_sent: u64,
    /// Connections that answered in HTTP (`HTTP/…`) instead of a frame: an HTTP or admin
    /// listener, not an MCI one.
    pub http_answers: u64,
    /// Connections the target closed with nothing in flight (a drain for a planned stop, an
    /// idle timeout): reopened for the next frame, nothing lost.
    pub closed_idle: u64,
}

impl Tally {
    /// Empty.
    pub fn new() -> Tally {
        // 3 significant digits up to a minute: always valid bounds.
        let histogram = || {
            Histogram::new_with_bounds(1, MAX_MICROS, 3)
                .unwrap_or_else(|_| Histogram::new(3).unwrap_or_else(|_| unreachable!()))
        };
        Tally {
            latency: histogram(),
            service: histogram(),
            sent: 0,
            ok: 0,
            error_frames: BTreeMap::new(),
            undecodable: 0,
            timeouts: 0,
            connection_errors: 0,
            refused: 0,
            lost: 0,
            not_sent: 0,
            http_answers: 0,
            closed_idle: 0,
        }
    }

    /// Counts an answer that took `latency` from its intended send time.
    pub fn answered(
        &mut self,
        layout: &Layout,
        frame: &[u8],
        latency: Duration,
        service: Duration,
    ) {
        let micros = |d: Duration| {
            u64::try_from(d.as_micros())
                .unwrap_or(u64::MAX)
                .clamp(1, MAX_MICROS)
        };
        self.latency.saturating_record(micros(latency));
        self.service.saturating_record(micros(service));
        let header = match layout.decode_header(frame) {
            Ok(header) => header,
            Err(_) => {
                self.undecodable += 1;
                return;
            }
        };
        match layout.result() {
            Some((field, ok)) => {
                let code = field.text(&header).unwrap_or("");
                if ok.iter().any(|c| c == code) {
                    self.ok += 1;
                } else {
                    *self.error_frames.entry(code.to_owned()).or_default() += 1;
                }
            }
            None => self.ok += 1,
        }
    }

    /// Adds `other` into this tally.
    pub fn merge(&mut self, other: &Tally) {
        let _ = self.latency.add(&other.latency);
        let _ = self.service.add(&other.service);
        self.sent += other.sent;
        self.ok += other.ok;
        for (code, n) in &other.error_frames {
            *self.error_frames.entry(code.clone()).or_default() += n;
        }
        self.undecodable += other.undecodable;
        self.timeouts += other.timeouts;
        self.connection_errors += other.connection_errors;
        self.refused += other.refused;
        self.lost += other.lost;
        self.not_sent += other.not_sent;
        self.http_answers += other.http_answers;
        self.closed_idle += other.closed_idle;
    }
}

impl Default for Tally {
    fn default() -> Self {
        Tally::new()
    }
}

/// The summary of one target.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Target address.
    pub address: String,
    /// `closed` or `open`.
    pub mode: &'static str,
    /// Target rate for the open loop, frames per second.
    pub rate: Option<f64>,
    /// Connections.
    pub connections: usize,
    /// Frames in flight per connection at most.
    pub pipeline: usize,
    /// Measured seconds (all rounds).
    pub seconds: f64,
    /// Frames written.
    pub sent: u64,
    /// Answers with an ok result code.
    pub ok: u64,
    /// Answers (ok or error frames) per second.
    pub throughput: f64,
    /// Connections the target closed with nothing in flight (reopened; nothing lost).
    pub closed_idle: u64,
    /// Everything that went wrong.
    pub errors: Errors,
    /// Microseconds from the intended send time to the answer.
    pub latency_us: Percentiles,
    /// Microseconds from the actual send time to the answer.
    pub service_us: Percentiles,
}

/// Error counts.
#[derive(Debug, Clone, Serialize)]
pub struct Errors {
    /// Frames given up after the answer timeout.
    pub timeouts: u64,
    /// Error answers by result code.
    pub error_frames: BTreeMap<String, u64>,
    /// Answers whose header does not decode.
    pub undecodable: u64,
    /// Failed connects, broken connections, failed writes.
    pub connection_errors: u64,
    /// Connects refused: nothing listens at the address.
    pub refused: u64,
    /// Frames in flight on a connection that broke.
    pub lost: u64,
    /// Frames never sent: the target could not be reached.
    pub not_sent: u64,
    /// Connections that answered in HTTP instead of a frame (an HTTP or admin listener).
    pub http_answers: u64,
}

/// Latency percentiles in microseconds.
#[derive(Debug, Clone, Serialize)]
pub struct Percentiles {
    /// Answers measured.
    pub count: u64,
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// Largest.
    pub max: u64,
    /// Mean.
    pub mean: f64,
}

impl Percentiles {
    fn of(h: &Histogram<u64>) -> Percentiles {
        Percentiles {
            count: h.len(),
            p50: h.value_at_quantile(0.50),
            p90: h.value_at_quantile(0.90),
            p99: h.value_at_quantile(0.99),
            p999: h.value_at_quantile(0.999),
            max: h.max(),
            mean: (h.mean() * 10.0).round() / 10.0,
        }
    }
}

/// How a target was loaded, for its summary.
#[derive(Debug, Clone)]
pub struct Shape {
    /// Target address.
    pub address: String,
    /// Target rate of the open loop.
    pub rate: Option<f64>,
    /// Connections.
    pub connections: usize,
    /// Frames in flight per connection at most.
    pub pipeline: usize,
}

impl Summary {
    /// The summary of `tally`, measured over `elapsed`.
    pub fn new(shape: &Shape, tally: &Tally, elapsed: Duration) -> Summary {
        let seconds = elapsed.as_secs_f64();
        let answers = tally.ok + tally.error_frames.values().sum::<u64>();
        Summary {
            address: shape.address.clone(),
            mode: if shape.rate.is_some() {
                "open"
            } else {
                "closed"
            },
            rate: shape.rate,
            connections: shape.connections,
            pipeline: shape.pipeline,
            seconds: (seconds * 1000.0).round() / 1000.0,
            sent: tally.sent,
            ok: tally.ok,
            throughput: if seconds > 0.0 {
                (answers as f64 / seconds).round()
            } else {
                0.0
            },
            closed_idle: tally.closed_idle,
            errors: Errors {
                timeouts: tally.timeouts,
                error_frames: tally.error_frames.clone(),
                undecodable: tally.undecodable,
                connection_errors: tally.connection_errors,
                refused: tally.refused,
                lost: tally.lost,
                not_sent: tally.not_sent,
                http_answers: tally.http_answers,
            },
            latency_us: Percentiles::of(&tally.latency),
            service_us: Percentiles::of(&tally.service),
        }
    }

    /// Requests that got no answer (timed out, lost, undecodable, never sent) and requests
    /// meant to be sent. An error frame is an answer: the target did its job. A round that could
    /// not send anything (no connection in a `--duration` round) counts as one failed request of
    /// one, so it can never pass for a clean run.
    pub fn failures(&self) -> (u64, u64) {
        let answered = self.ok + self.errors.error_frames.values().sum::<u64>();
        let attempted = self.sent + self.errors.not_sent;
        if attempted == 0 {
            return (u64::from(self.errors.connection_errors > 0), 1);
        }
        (attempted.saturating_sub(answered), attempted)
    }

    /// Prints the summary for people.
    pub fn print(&self, out: &mut impl Write) -> io::Result<()> {
        let mode = match self.rate {
            Some(rate) => format!("open loop at {rate} frames/s"),
            None => format!("closed loop, {} in flight per connection", self.pipeline),
        };
        writeln!(
            out,
            "{}: {mode}, {}, {:.1} s",
            self.address,
            crate::review::plural(self.connections as u64, "connection"),
            self.seconds
        )?;
        write!(
            out,
            "  sent {}  ok {}  throughput {} answers/s",
            self.sent, self.ok, self.throughput
        )?;
        match self.closed_idle {
            0 => writeln!(out)?,
            n => writeln!(out, "  closed by the target while idle {n} (reopened)")?,
        }
        let e = &self.errors;
        let frames: Vec<String> = e
            .error_frames
            .iter()
            .map(|(c, n)| format!("{c}={n}"))
            .collect();
        writeln!(
            out,
            "  errors: timeouts {}  error frames {}  undecodable {}  connection errors {} ({} refused)  lost {}  not sent {}",
            e.timeouts,
            if frames.is_empty() { "0".into() } else { frames.join(" ") },
            e.undecodable,
            e.connection_errors,
            e.refused,
            e.lost,
            e.not_sent
        )?;
        for (name, p) in [("latency", &self.latency_us), ("service", &self.service_us)] {
            writeln!(
                out,
                "  {name} µs: p50 {}  p90 {}  p99 {}  p99.9 {}  max {}  mean {}",
                p.p50, p.p90, p.p99, p.p999, p.max, p.mean
            )?;
        }
        Ok(())
    }
}
