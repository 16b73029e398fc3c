//! The `shadowgate` command line.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use protocol_mci::Direction;
use shadowgate::cli::table::padded;
use shadowgate::cli::{LayoutCommand, MismatchesCommand};
use shadowgate::config::raw::ShadowScheduling;
use shadowgate::config::{self, Config, LogFormat, Secrets};
use shadowgate::review::plural;
use shadowgate::server::{ReloadSource, Running};
use shadowgate::store::postgres::{BackendKind, SslMode};

/// Every frame allocates many small, short-lived values (decoded fields, JSON maps, hyper
/// buffers) on two worker threads: glibc malloc spent ~17% of the gateway's CPU per frame on
/// them, mimalloc's per-thread free lists far less.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Shadow-deployment gateway for credit-decisioning strategies.
#[derive(Debug, Parser)]
#[command(name = "shadowgate", version = shadowgate::version::LONG_VERSION, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve with a config file (SIGHUP reloads it, SIGTERM/SIGINT stop gracefully).
    Run {
        /// The config file.
        #[arg(long)]
        config: PathBuf,
        /// Seconds to finish answers and comparisons in flight at shutdown.
        #[arg(long, default_value_t = 10)]
        grace_seconds: u64,
        /// Seconds to drain before stopping on SIGTERM/SIGINT: `/readyz` answers 404 (no new
        /// connections; HAProxy's `http-check disable-on-404`) and each MCI connection is closed
        /// at its first quiet moment, so core banking reconnects elsewhere with nothing in
        /// flight. A second signal stops at once. 0: stop without a drain.
        #[arg(long, default_value_t = 0)]
        drain_seconds: u64,
    },
    /// Validate a config and its layouts; print strategies, engines and listeners. An admin
    /// token, when the config names one, must be present and readable (it is never printed).
    CheckConfig {
        /// The config file.
        #[arg(long)]
        config: PathBuf,
        /// Check the structure without reading secrets (the admin token, the PostgreSQL password
        /// variable, the store's encryption key file), e.g. in CI.
        #[arg(long)]
        no_secrets: bool,
    },
    /// Decode a frame from stdin into JSON on stdout (a control frame: its entry and answer).
    Decode {
        /// The layout file.
        #[arg(long)]
        layout: PathBuf,
        /// Which body the frame carries.
        #[arg(long, value_enum, default_value_t = Side::Request)]
        direction: Side,
    },
    /// Encode JSON from stdin into a frame on stdout.
    Encode {
        /// The layout file.
        #[arg(long)]
        layout: PathBuf,
        /// Which body the frame carries.
        #[arg(long, value_enum, default_value_t = Side::Request)]
        direction: Side,
        /// The message to encode as (`[messages.NAME]`), for a message that only the frame's
        /// length selects; by default the JSON's key values select it.
        #[arg(long)]
        message: Option<String>,
    },
    /// Run the whole product locally: two diverging engines, the gateway, traffic, the report.
    Demo(shadowgate::demo::DemoArgs),
    /// One demo engine alone (the legacy or the new policy, over MCI or HTTP), for trying the
    /// gateway by hand and for benchmarks.
    DemoEngine(shadowgate::demo::DemoEngineArgs),
    /// Send MCI frames: closed loop or open loop at a fixed rate; latency percentiles.
    Loadgen(shadowgate::loadgen::LoadgenArgs),
    /// Per strategy: counts, mismatch rate with its 95% upper bound, groups, what the rules hid,
    /// cutover readiness.
    Report(shadowgate::cli::ReportArgs),
    /// List recorded mismatches, or show one with both decisions side by side.
    Mismatches {
        #[command(subcommand)]
        command: shadowgate::cli::MismatchesCommand,
    },
    /// Triage of mismatch groups: list with states, show with the audit trail, set a state.
    Groups {
        #[command(subcommand)]
        command: shadowgate::cli::GroupsCommand,
    },
    /// The hash-chained audit trail (triage changes, starts, reloads, cutover sign-offs): list
    /// it, or verify the chain.
    Audit {
        #[command(subcommand)]
        command: shadowgate::cli::AuditCommand,
    },
    /// Cutover sign-off: `cutover sign` is refused unless the strategy is ready; it records the
    /// evidence in the audit trail and writes the report (HTML and JSON). `cutover list` shows
    /// each sign-off with the routing change it approved.
    Cutover {
        #[command(subcommand)]
        command: shadowgate::cli::CutoverCommand,
    },
    /// Send stored failing cases to an engine again (default: the engine that shadowed them) and tell,
    /// per case, fixed or still differing; exit status 3 when any case is not fixed (1: an error).
    Replay(shadowgate::cli::ReplayArgs),
    /// Layout files: `layout import --copybook FILE.cpy` writes one from a COBOL copybook.
    Layout {
        #[command(subcommand)]
        command: shadowgate::cli::LayoutCommand,
    },
    /// Compare two batch outputs table against table (fixed-length, CSV, JSON Lines, PostgreSQL)
    /// with a strategy's rules; exit status 3 when some key does not match.
    Reconcile(shadowgate::cli::ReconcileArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Side {
    Request,
    Response,
}

impl From<Side> for Direction {
    fn from(side: Side) -> Direction {
        match side {
            Side::Request => Direction::Request,
            Side::Response => Direction::Response,
        }
    }
}

fn main() -> ExitCode {
    match dispatch(Cli::parse().command) {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that went away (`shadowgate report | head -1`) read as far as it wanted.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        // A replay that ran and left cases not fixed: 3, as reconcile's keys that do not match.
        Err(e) if e.is::<shadowgate::cli::NotFixed>() => {
            let _ = writeln!(io::stderr(), "error: {}", error_text(&e));
            ExitCode::from(shadowgate::cli::EXIT_NOT_MATCHING)
        }
        // A replay whose engine failed on cases it did not get to judge: 4, so a pipeline can
        // retry rather than roll back.
        Err(e) if e.is::<shadowgate::cli::NotReplayed>() => {
            let _ = writeln!(io::stderr(), "error: {}", error_text(&e));
            ExitCode::from(shadowgate::cli::EXIT_NOT_REPLAYED)
        }
        Err(e) => {
            // Not `{e:?}`: with RUST_BACKTRACE=1 (common on servers) anyhow would add a
            // backtrace, and a wrong flag or a locked store is the user's to fix, not a bug.
            let _ = writeln!(io::stderr(), "error: {}", error_text(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and those of its causes that it does not already quote, on one line.
fn error_text(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn dispatch(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Run {
            config,
            grace_seconds,
            drain_seconds,
        } => run(
            &config,
            Duration::from_secs(grace_seconds),
            Duration::from_secs(drain_seconds),
        ),
        Command::CheckConfig { config, no_secrets } => {
            let secrets = if no_secrets {
                Secrets::Skip
            } else {
                Secrets::Read
            };
            to_stdout(|out| check_config(&config, secrets, out))
        }
        Command::Decode { layout, direction } => {
            to_stdout(|out| shadowgate::cli::frame::decode(&layout, direction.into(), out))
        }
        Command::Encode {
            layout,
            direction,
            message,
        } => to_stdout(|out| {
            shadowgate::cli::frame::encode(&layout, direction.into(), message.as_deref(), out)
        }),
        Command::Demo(args) => shadowgate::demo::run(&args),
        Command::DemoEngine(args) => shadowgate::demo::engines::run_engine(&args),
        Command::Loadgen(args) => shadowgate::loadgen::run(&args),
        Command::Report(args) => to_stdout(|out| shadowgate::cli::run_report(&args, out)),
        Command::Mismatches { command } => match command {
            MismatchesCommand::List(args) => to_stdout(|out| shadowgate::cli::run_list(&args, out)),
            MismatchesCommand::Show(args) => to_stdout(|out| shadowgate::cli::run_show(&args, out)),
        },
        Command::Groups { command } => match command {
            shadowgate::cli::GroupsCommand::List(args) => {
                to_stdout(|out| shadowgate::cli::run_groups_list(&args, out))
            }
            shadowgate::cli::GroupsCommand::Show(args) => {
                to_stdout(|out| shadowgate::cli::run_groups_show(&args, out))
            }
            shadowgate::cli::GroupsCommand::Set(args) => {
                to_stdout(|out| shadowgate::cli::run_groups_set(&args, out))
            }
        },
        Command::Audit { command } => to_stdout(|out| shadowgate::cli::run_audit(&command, out)),
        Command::Cutover { command } => {
            to_stdout(|out| shadowgate::cli::run_cutover(&command, out))
        }
        Command::Replay(args) => to_stdout(|out| shadowgate::cli::run_replay(&args, out)),
        Command::Layout { command } => match command {
            LayoutCommand::Import(args) => to_stdout(|out| shadowgate::cli::run_import(&args, out)),
        },
        Command::Reconcile(args) => {
            let mut finished = shadowgate::cli::Finished::Clean;
            to_stdout(|out| {
                finished = shadowgate::cli::run_reconcile(&args, out)?;
                Ok(())
            })?;
            match finished.exit_status() {
                0 => Ok(()),
                status => std::process::exit(i32::from(status)),
            }
        }
    }
}

/// Runs a command that prints its result on the locked stdout, errors handled. A reader that
/// went away (`shadowgate check-config … | head -1`) ends the command quietly: what it printed
/// was read as far as wanted, so that is no failure. The standard library ignores SIGPIPE, so a
/// closed pipe shows as a `BrokenPipe` error on the next write (or the final flush).
fn to_stdout(print: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    let done = print(&mut out).and_then(|()| Ok(out.flush()?));
    match done {
        Err(e) if is_broken_pipe(&e) => Ok(()),
        done => done,
    }
}

fn run(path: &Path, grace: Duration, drain: Duration) -> anyhow::Result<()> {
    // First, so that no page of the allocator's arena is faulted in as a 2 MiB huge page.
    let huge_pages = shadowgate::runtime::memory::disable_transparent_huge_pages();
    let config = match config::load(path) {
        Ok(config) => config,
        Err(error) => {
            // Printed like check-config prints them: errors and warnings apart.
            print_problems(path, &error.problems);
            std::process::exit(1);
        }
    };
    init_logging(&config);
    if let Err(error) = huge_pages {
        tracing::warn!(%error, "resident memory may be tens of MiB higher");
    }
    let runtime = runtime_builder(config.runtime.worker_threads)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let running = Running::start(config).await?;
        use tokio::signal::unix::{signal, SignalKind};
        let mut hangup = signal(SignalKind::hangup())?;
        let mut terminate = signal(SignalKind::terminate())?;
        loop {
            tokio::select! {
                // Logged (source, result, every error) by the reload itself.
                _ = hangup.recv() => {
                    let _ = running.reload_off_the_live_path(path, ReloadSource::Signal).await;
                }
                _ = terminate.recv() => break,
                _ = tokio::signal::ctrl_c() => break,
            }
        }
        let second = async {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        };
        running.drain(drain, second).await;
        tracing::info!("shutting down");
        running.shutdown(grace).await;
        Ok(())
    })
}

/// The live path's runtime for `[runtime] worker_threads` (0: one per core this process may
/// use). With one worker it is tokio's current-thread scheduler on the main thread: the same
/// one thread for listeners and engine calls, without the multi-thread scheduler's work
/// stealing, inject queue and cross-thread wake-ups (the shadow work has its own threads).
fn runtime_builder(worker_threads: usize) -> tokio::runtime::Builder {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    match worker_threads {
        1 => tokio::runtime::Builder::new_current_thread(),
        0 if cores == 1 => tokio::runtime::Builder::new_current_thread(),
        0 => tokio::runtime::Builder::new_multi_thread(),
        n => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(n);
            builder
        }
    }
}

/// Validates the file and what only this machine can tell (binding, the store directory, DNS),
/// all in one run; prints errors and warnings apart and exits non-zero only on errors.
fn check_config(path: &Path, secrets: Secrets, out: &mut dyn Write) -> anyhow::Result<()> {
    let checked = config::check_with(path, secrets);
    let failed = print_problems(path, &checked.problems);
    let config = match checked.config {
        Some(config) if !failed => config,
        _ => std::process::exit(1),
    };
    // Warnings went to stderr: say so here too, for whoever reads only this output.
    match checked.problems.iter().filter(|p| !p.is_error()).count() {
        0 => writeln!(out, "config {} is valid", path.display())?,
        1 => writeln!(
            out,
            "config {} is valid, with 1 warning (on stderr)",
            path.display()
        )?,
        n => writeln!(
            out,
            "config {} is valid, with {n} warnings (on stderr)",
            path.display()
        )?,
    }
    writeln!(out, "listeners:")?;
    for l in &config.mci_listeners {
        writeln!(
            out,
            "  mci   {} {} (layout {})",
            padded(&l.name, 16),
            l.address,
            l.layout
        )?;
    }
    if let Some(h) = &config.http_listener {
        writeln!(out, "  http  {:<16} {}", "http", h.address)?;
    }
    if let Some(a) = &config.admin_listener {
        // Where the token comes from, never the token.
        let auth = match (&a.token_source, &a.token) {
            (None, _) => "no token: open to any client that reaches this address".to_owned(),
            (Some(source), Some(_)) => format!("bearer token from {source}"),
            (Some(source), None) => format!("bearer token from {source}, not read: --no-secrets"),
        };
        writeln!(out, "  admin {:<16} {} ({auth})", "admin", a.address)?;
    }
    writeln!(out, "layouts:")?;
    for (name, layout) in &config.layouts {
        let codes = layout.message_codes().join(", ");
        writeln!(out, "  {} messages {codes}", padded(name, 20))?;
    }
    writeln!(out, "engines:")?;
    for (name, engine) in &config.engines {
        let (protocol, target) = (engine.protocol(), engine.target());
        writeln!(out, "  {} {protocol:<5} {target}", padded(name, 20))?;
    }
    writeln!(out, "strategies:")?;
    for (name, s) in &config.strategies {
        writeln!(
            out,
            "  {} tx {} {}",
            padded(name, 20),
            s.tx_codes.join(","),
            engines_line(s)
        )?;
    }
    writeln!(
        out,
        "review: times and days in {} (daily charts of {})",
        config.review.zone_name(),
        plural(config.review.chart_days.into(), "day")
    )?;
    write_machinery(&config, out)?;
    Ok(())
}

/// A strategy's engines for the summary: `live legacy shadow new-engine (100% sampled)`, or
/// `live new-engine, no shadow` (no sampling to speak of).
fn engines_line(strategy: &config::StrategySpec) -> String {
    match &strategy.shadow {
        Some(shadow) => {
            let sample = f64::from(strategy.sample_ppm) / 10_000.0;
            format!("live {} shadow {shadow} ({sample}% sampled)", strategy.live)
        }
        None => format!("live {}, no shadow", strategy.live),
    }
}

/// The effective `[runtime]`, `[shadow]` and `[store]` settings, defaults included: what decides
/// how the gateway shares its cores and how much a crash can lose.
fn write_machinery(config: &Config, out: &mut dyn Write) -> anyhow::Result<()> {
    // The runtime counts the cores this process may use (its CPU affinity, e.g. `taskset`
    // or systemd's `CPUAffinity=`), as tokio does for `worker_threads = 0`.
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let threads = match config.runtime.worker_threads {
        0 if cores == 1 => {
            "one thread per core it may use, 1 here: tokio's single-threaded (current_thread) scheduler".to_owned()
        }
        0 => format!("one worker thread per core it may use, {cores} here"),
        1 => "1 thread: tokio's single-threaded (current_thread) scheduler".to_owned(),
        n if n > cores => {
            let cores = plural(cores as u64, "core");
            format!("{n} worker threads on {cores} it may use")
        }
        n => format!("{n} worker threads"),
    };
    writeln!(
        out,
        "runtime ([runtime] worker_threads): {threads} (listeners, live path, engine calls)"
    )?;
    let shadow = &config.shadow;
    let queue = plural(shadow.queue_capacity as u64, "comparison");
    // `idle` has no nice value (SCHED_IDLE ignores it; the config warns when one is set).
    let class = match shadow.scheduling {
        ShadowScheduling::Idle => "scheduling idle".to_owned(),
        other => format!("scheduling {} at nice {}", other.as_str(), shadow.nice),
    };
    if shadow.workers == 0 {
        writeln!(
            out,
            "shadow work ([shadow] workers = 0): no thread of its own; a task on the runtime \
             above, in turns with the live path's tasks, queue {queue} (the store writer: \
             {class})"
        )?;
    } else {
        writeln!(
            out,
            "shadow work: {}, {class}, queue {queue}, gather {} ms",
            plural(shadow.workers as u64, "worker"),
            shadow.gather_ms
        )?;
    }
    let store = &config.store;
    let at = match store.backend {
        BackendKind::Sled => format!("sled at {}", lexical(&store.path).display()),
        BackendKind::Postgres => {
            // The URL holds no password: validation refuses one.
            let pg = &store.postgres;
            let instance = instance_line(pg.instance.as_deref(), pg.instance_name());
            let tls = match pg.sslmode {
                SslMode::VerifyFull => "TLS, verify-full",
                SslMode::Disable => "no TLS",
            };
            format!(
                "postgres at {} (a fleet's shared database; instance {instance}; {tls})",
                pg.url
            )
        }
    };
    writeln!(
        out,
        "store: {at}, a group commit every {} ms or {} (a crash loses the batch being \
         gathered and what the queues hold), records kept {}",
        store.flush_interval_ms,
        plural(store.batch_max_records as u64, "record"),
        plural(store.retention_days.into(), "day")
    )?;
    if let Some(keys) = &store.encryption_key_file {
        // A secret, like the admin token: with --no-secrets the file was not even opened.
        let read = match config.secrets {
            Secrets::Read => "",
            Secrets::Skip => ", not read: --no-secrets",
        };
        writeln!(
            out,
            "raw cases: stored encrypted with the keys in {}{read}",
            lexical(keys).display()
        )?;
    }
    Ok(())
}

/// The fleet instance name check-config shows: the one set, or the host name it resolves to
/// (`resolved`), said to be the host's, as the gateway would take it.
fn instance_line(configured: Option<&str>, resolved: Option<String>) -> String {
    match (configured, resolved) {
        (Some(name), _) => name.to_owned(),
        (None, Some(host)) => format!("{host} (this host's name)"),
        (None, None) => "none: no host name found; set [store.postgres] instance".to_owned(),
    }
}

/// `path` without `.` and with `dir/..` folded, for people: `config/../data/store` reads as
/// `data/store` (the gateway itself opens the path as configured).
fn lexical(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Prints errors, then warnings, each under a count, on stderr; true when there is an error.
fn print_problems(path: &Path, problems: &[config::Problem]) -> bool {
    let (errors, warnings): (Vec<_>, Vec<_>) = problems.iter().cloned().partition(|p| p.is_error());
    // A closed stderr leaves nowhere to say so; the exit status still tells.
    let _ = write_problems(path, &errors, &warnings, &mut io::stderr().lock());
    !errors.is_empty()
}

fn write_problems(
    path: &Path,
    errors: &[config::Problem],
    warnings: &[config::Problem],
    out: &mut dyn Write,
) -> io::Result<()> {
    let subject = format!("config {}", path.display());
    config::write_list(out, &subject, "error", errors)?;
    config::write_list(out, &subject, "warning", warnings)
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.logging.level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only on a terminal: a log file or a journal gets plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match config.logging.format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use tokio::runtime::RuntimeFlavor;

    use super::{
        check_config, config, engines_line, instance_line, runtime_builder, write_machinery,
    };

    /// A valid config with one listener, engine and strategy, then `extra`.
    fn loaded(dir: &std::path::Path, extra: &str) -> config::Config {
        let layout = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../config/layouts/loan-screening.toml");
        let text = format!(
            "[[listeners.mci]]\nname = \"core\"\naddress = \"127.0.0.1:0\"\nlayout = \"loan\"\n\n\
             [layouts]\nloan = {layout:?}\n\n[engines.legacy]\nprotocol = \"mci\"\n\
             address = \"127.0.0.1:7001\"\nlayout = \"loan\"\n\n[strategies.loan]\n\
             layout = \"loan\"\ntx_codes = [\"LNS0001\"]\nlive = \"legacy\"\n\n{extra}"
        );
        let path = dir.join("shadowgate.toml");
        std::fs::write(&path, text).unwrap();
        config::load(&path).unwrap()
    }

    #[test]
    fn the_effective_settings_count_one_of_each_in_the_singular() {
        let dir = tempfile::tempdir().unwrap();
        let one = "[shadow]\nworkers = 1\nqueue_capacity = 1\n\n\
                   [store]\npath = \"store\"\nbatch_max_records = 1\nretention_days = 1\n";
        let mut out = Vec::new();
        write_machinery(&loaded(dir.path(), one), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("shadow work: 1 worker, "), "{text}");
        assert!(text.contains(", queue 1 comparison, "), "{text}");
        assert!(
            text.contains(" or 1 record (a crash ") && text.ends_with("records kept 1 day\n"),
            "{text}"
        );
        let two = "[shadow]\nworkers = 2\nqueue_capacity = 2\n\n\
                   [store]\npath = \"store\"\nbatch_max_records = 2\nretention_days = 2\n";
        let mut out = Vec::new();
        write_machinery(&loaded(dir.path(), two), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("shadow work: 2 workers, "), "{text}");
        assert!(text.contains(", queue 2 comparisons, "), "{text}");
        assert!(
            text.contains(" or 2 records (a crash ") && text.ends_with("records kept 2 days\n"),
            "{text}"
        );
    }

    /// `--no-secrets` leaves the store's key file unread, and the summary says so: a missing
    /// one fails only the check that reads it.
    #[test]
    fn no_secrets_does_not_read_the_key_file_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let keys = "[store]\npath = \"store\"\nencryption_key_file = \"secrets/keys\"\n";
        let layout = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../config/layouts/loan-screening.toml");
        let path = dir.path().join("shadowgate.toml");
        std::fs::write(
            &path,
            format!(
                "[[listeners.mci]]\nname = \"core\"\naddress = \"127.0.0.1:0\"\n\
                 layout = \"loan\"\n\n[layouts]\nloan = {layout:?}\n\n[engines.legacy]\n\
                 protocol = \"mci\"\naddress = \"127.0.0.1:7001\"\nlayout = \"loan\"\n\n\
                 [strategies.loan]\nlayout = \"loan\"\ntx_codes = [\"LNS0001\"]\n\
                 live = \"legacy\"\n\n{keys}"
            ),
        )
        .unwrap();
        let read = config::check_with(&path, config::Secrets::Read);
        let refused: Vec<_> = read.problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(refused, ["store.encryption_key_file (line 21, column 23)"]);
        let mut out = Vec::new();
        check_config(&path, config::Secrets::Skip, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let keys = dir.path().join("secrets/keys");
        let said = format!(
            "raw cases: stored encrypted with the keys in {}, not read: --no-secrets\n",
            keys.display()
        );
        assert!(text.ends_with(&said), "{text}");
    }

    /// An unset instance is shown as the host name the gateway takes, not as a placeholder.
    #[test]
    fn an_unset_instance_shows_the_host_name_it_resolves_to() {
        assert_eq!(
            instance_line(Some("gw-seoul-1"), Some("host-a".into())),
            "gw-seoul-1"
        );
        assert_eq!(
            instance_line(None, Some("host-a".into())),
            "host-a (this host's name)"
        );
        assert!(instance_line(None, None).starts_with("none: no host name found"));
    }

    fn flavor(worker_threads: usize) -> RuntimeFlavor {
        let runtime = runtime_builder(worker_threads)
            .enable_all()
            .build()
            .unwrap();
        runtime.handle().runtime_flavor()
    }

    #[test]
    fn a_strategy_without_a_shadow_reads_no_shadow_and_no_sampling() {
        let mut strategy = config::StrategySpec {
            name: "loan-screening".into(),
            layout: "loan".into(),
            tx_codes: vec!["LNS0001".into()],
            path: "/x".into(),
            live: "new-engine".into(),
            shadow: None,
            sample_ppm: 1_000_000,
            shadow_max_in_flight: 256,
            shadow_timeout: Duration::from_secs(5),
            confirm_mismatches: false,
            rules: Arc::new(comparator::Rules::none()),
            readiness: Default::default(),
        };
        assert_eq!(engines_line(&strategy), "live new-engine, no shadow");
        strategy.live = "legacy".into();
        strategy.shadow = Some("new-engine".into());
        strategy.sample_ppm = 125_000;
        assert_eq!(
            engines_line(&strategy),
            "live legacy shadow new-engine (12.5% sampled)"
        );
    }

    #[test]
    fn one_thread_is_the_current_thread_scheduler() {
        assert_eq!(flavor(1), RuntimeFlavor::CurrentThread);
        assert_eq!(flavor(2), RuntimeFlavor::MultiThread);
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let expected = match cores {
            1 => RuntimeFlavor::CurrentThread,
            _ => RuntimeFlavor::MultiThread,
        };
        assert_eq!(flavor(0), expected);
    }
}
