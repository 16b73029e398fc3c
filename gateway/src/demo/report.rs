//! What the demo prints: the traffic it sent, then `shadowgate report` read from the running
//! gateway's admin API (counts, groups, what each rule hid, readiness), then where to look next.

use std::io::Write;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context;

use super::{Demo, STRATEGY};
use crate::cli::{self, Format, ReportArgs, SourceArgs};
use crate::server::{self, Running};

/// Hands the store what the rules hid so far (the gateway sends these tallies about once a
/// second) and waits (at most 5 s) until everything sent to the store so far is committed, so the
/// report counts every comparison: a tally the gateway's own timer took a moment earlier may
/// still wait for its group commit (up to `flush_interval_ms`), with nothing left for this call.
pub async fn flush_suppressed(running: &Running) {
    let stats = running.store.stats();
    server::flush_suppressed(&running.gateway.runtime(), &running.store.recorder());
    let accepted = stats.events_accepted.load(Ordering::SeqCst);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while stats.events_committed.load(Ordering::SeqCst) < accepted
        && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The admin listener's URL.
pub fn admin_url(demo: &Demo) -> Option<String> {
    demo.running.admin_address.map(|a| format!("http://{a}"))
}

/// Prints the demo's report, then where to look next: the admin URLs while the gateway keeps
/// `serving`, only what works on its store once it stops (`--exit`). Blocking: it reads the admin
/// API with the review CLI's own client, so call it outside the async runtime (or in
/// `block_in_place`).
pub fn print(demo: &Demo, out: &mut dyn Write, serving: bool) -> anyhow::Result<()> {
    let sent = &demo.sent;
    writeln!(
        out,
        "sent {} synthetic loan applications over {} MCI connections in {:.1} s: \
         {} live answers, {} errors\n",
        sent.requests.len(),
        sent.connections,
        sent.elapsed.as_secs_f64(),
        sent.answered,
        sent.errors
    )?;
    let url = admin_url(demo).context("the demo config has no admin listener")?;
    let args = ReportArgs {
        source: SourceArgs {
            store: None,
            config: None,
            from: Some(url.clone()),
            token_env: None,
        },
        strategy: None,
        format: Format::Text,
        daily: false,
    };
    cli::run_report(&args, out)?;
    let config = demo.config_path.display();
    writeln!(out)?;
    if !serving {
        // The gateway stops with the demo: its URLs would lead nowhere.
        writeln!(out, "the gateway has stopped; its store stays for review:")?;
        writeln!(out, "report       shadowgate report --config {config}")?;
        writeln!(
            out,
            "mismatches   shadowgate mismatches list --config {config}"
        )?;
        writeln!(out, "{}", replay_line(demo, false))?;
        return Ok(());
    }
    writeln!(out, "HTML report  {url}/")?;
    writeln!(out, "metrics      {url}/metrics")?;
    writeln!(out, "mismatches   shadowgate mismatches list --from {url}")?;
    for address in &demo.running.mci_addresses {
        writeln!(
            out,
            "more load    shadowgate loadgen --address {address} --rate 500 --duration 10"
        )?;
    }
    writeln!(
        out,
        "afterwards   shadowgate report --config {config}   (the store stays in {})",
        demo.running.gateway.runtime().config.store.path.display()
    )?;
    writeln!(out, "{}", replay_line(demo, true))?;
    Ok(())
}

/// How to replay the demo's failing cases (stored with their raw requests: the demo writes a
/// key file). Replay reads a stopped gateway's store, and its cases go to the engine that
/// shadowed them, which stops with the demo: the line says to start that engine again alone, on
/// the address the config names.
fn replay_line(demo: &Demo, serving: bool) -> String {
    let when = if serving {
        "after Ctrl-C, with "
    } else {
        "with "
    };
    format!(
        "replay       shadowgate replay --config {} --strategy {STRATEGY} --by demo   ({when}the \
         new engine back: shadowgate demo-engine --kind modern --listen {} &)",
        demo.config_path.display(),
        demo.engines.modern
    )
}
