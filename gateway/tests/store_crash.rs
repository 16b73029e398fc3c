//! Durability under SIGKILL: a writer process is killed at random moments, again and again, and
//! every record it reported as flushed must be present and decode after reopening.
//!
//! The child is this same test executable, re-run with `--exact crash_child` and the store
//! directory in `SHADOWGATE_STORE_CRASH_CHILD`; without that variable `crash_child` does nothing.
//! Cycles default to 20; `SHADOWGATE_STORE_CRASH_CYCLES=200` (or `tests/store-crash.sh 200`) runs
//! more.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;
use shadowgate::outcome::ShadowOutcome;
use shadowgate::store::{
    Event, ListQuery, Mismatch, Reader, RecordId, RecordKind, Store, StoreConfig, WriterOptions,
};

const CHILD_ENV: &str = "SHADOWGATE_STORE_CRASH_CHILD";
const CYCLES_ENV: &str = "SHADOWGATE_STORE_CRASH_CYCLES";
const FLUSHED: &str = "flushed ";

/// Not a test of its own: the writer process the crash tests start and kill.
#[test]
#[ignore = "the child process of the crash tests, run by them with --ignored"]
fn crash_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let config = StoreConfig {
        path: dir.into(),
        batch_max_records: 64,
        ..StoreConfig::default()
    };
    // Written straight to the process's stdout, past the test harness's capture; an id is
    // printed only after the flush that made it durable.
    let on_flush = Arc::new(|ids: &[RecordId]| {
        let mut out = std::io::stdout().lock();
        for id in ids {
            writeln!(out, "{FLUSHED}{id}").unwrap();
        }
        out.flush().unwrap();
    });
    let options = WriterOptions {
        on_flush: Some(on_flush),
        ..WriterOptions::default()
    };
    let store = Store::open(&config, options).unwrap();
    let recorder = store.recorder();
    for n in 0u64.. {
        let strategy: Arc<str> = if n % 2 == 0 {
            "loan".into()
        } else {
            "card".into()
        };
        let _ = recorder.record(Event::Counted {
            strategy: Arc::clone(&strategy),
            outcome: ShadowOutcome::Match,
        });
        let _ = recorder.record(Event::Record(Box::new(record(strategy, n))));
        if n % 20 == 0 {
            std::thread::sleep(Duration::from_millis(3));
        }
    }
}

#[test]
fn flushed_records_survive_sigkill() {
    let cycles: u32 = std::env::var(CYCLES_ENV).map_or(20, |v| v.parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let mut rng = XorShift::seeded();
    let mut flushed_total = 0;
    for cycle in 0..cycles {
        let delay = Duration::from_millis(20 + rng.next() % 380);
        let flushed = run_and_kill(&store, delay);
        let reader = Reader::open(&store).unwrap_or_else(|e| panic!("cycle {cycle}: {e}"));
        for id in &flushed {
            let record = reader
                .get(*id)
                .unwrap_or_else(|e| panic!("cycle {cycle}: {e}"));
            let record =
                record.unwrap_or_else(|| panic!("cycle {cycle}: flushed record {id} is missing"));
            assert_eq!(record.id, *id);
        }
        flushed_total += flushed.len() as u64;
        let mismatches: u64 = reader.summary().unwrap().iter().map(|c| c.mismatches).sum();
        assert!(
            mismatches >= flushed_total,
            "cycle {cycle}: counters {mismatches} < flushed {flushed_total}"
        );
    }
    assert!(
        flushed_total > 0,
        "no cycle flushed anything: the child never got going"
    );
    // Every record on disk decodes, flushed-and-reported or not.
    let reader = Reader::open(&store).unwrap();
    let mut query = ListQuery {
        limit: 1_000,
        ..ListQuery::default()
    };
    let mut on_disk = 0;
    loop {
        let page = reader.list(&query).unwrap();
        on_disk += page.records.len() as u64;
        match page.next {
            Some(next) => query.cursor = Some(next),
            None => break,
        }
    }
    assert!(on_disk >= flushed_total);
    eprintln!("{cycles} cycles: {flushed_total} records reported flushed, {on_disk} on disk");
}

/// Runs the child for `delay`, SIGKILLs it, and returns the ids it reported as flushed.
fn run_and_kill(store: &Path, delay: Duration) -> Vec<RecordId> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, store)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines = std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut ids = Vec::new();
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 {
            // A line cut short by the kill has no newline and was never a complete report.
            if let Some(id) = line
                .strip_prefix(FLUSHED)
                .and_then(|rest| rest.strip_suffix('\n'))
            {
                ids.push(id.parse::<RecordId>().unwrap());
            }
            line.clear();
        }
        ids
    });
    std::thread::sleep(delay);
    child.kill().unwrap(); // SIGKILL on unix
    child.wait().unwrap();
    lines.join().unwrap()
}

fn record(strategy: Arc<str>, n: u64) -> Mismatch {
    Mismatch {
        strategy,
        kind: RecordKind::Mismatch,
        error_kind: None,
        tx_code: "LNS0001".into(),
        correlation_id: format!("crash-{n}"),
        live_engine: "legacy".into(),
        shadow_engine: "next".into(),
        differences: Vec::new(),
        signature: format!("sig-{}", n % 7),
        differing_paths: vec!["body.limit".into()],
        reason: None,
        request: json!({"body": {"cust_no": "******1234", "n": n}}).into(),
        live_decision: Some(json!({"body": {"limit": "1000.00"}}).into()),
        shadow_decision: Some(json!({"body": {"limit": "1000.01"}}).into()),
        live_latency_us: 900,
        shadow_latency_us: 1_100,
        payload: None,
        confirmation: None,
    }
}

/// Enough randomness for kill times, without a dependency.
struct XorShift(u64);

impl XorShift {
    fn seeded() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        Self(u64::from(nanos) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}
