//! Fleet mode's acceptance (issue 18): three gateway processes behind a real HAProxy (the recipe
//! `deploy/fleet/haproxy.cfg`), one real PostgreSQL, MCI clients on HAProxy's address.
//!
//! Each gateway has its own live engine (identical fakes, on real sockets) that notes the number
//! of every frame it answers: `seen[k]`, what gateway `k` forwarded. One shadow engine disagrees
//! on known frames: number % 5 == 0 (another grade) and == 1 (another limit), two groups.
//!
//! 1. Known traffic: the fleet's totals and groups in PostgreSQL are exactly the expected ones,
//!    every instance got some, and each instance's totals are exactly what its engine saw.
//! 2. Gateway `gw-2` is SIGKILLed while clients send, the others keep answering, and it is
//!    restarted on the same ports and local spool; HAProxy takes it back. Then, precisely:
//!    - a surviving instance stored exactly the mismatching frames its engine saw, once each,
//!      and counted exactly the matches;
//!    - the killed instance stored no record twice and none it did not see, its mismatch counter
//!      equals its records (records and totals commit together), and it lost at most the
//!      comparisons of its unflushed window ([`LOST_BOUND`]): those its engine answered but its
//!      writer had not committed when it died;
//!    - every frame a client got an answer for was answered by exactly one engine, and, if it
//!      mismatched, is stored exactly once in the fleet, or is one of the killed instance's lost
//!      comparisons; frames without an answer are those in flight on connections the kill cut.
//! 3. The migration team's review, `shadowgate report --format json` over the fleet's database,
//!    shows the same totals and groups as the tables, and each instance's totals in its breakdown.
//!
//! `fallback`: the recipe's backups while no gateway is ready (one live engine down for all):
//! connections spread over every gateway, and cut once HAProxy marks a gateway up again.
//!
//! `drain`: a planned stop of one gateway (`http-check disable-on-404`): HAProxy stops sending it
//! connections without cutting its open ones, which it closes when quiet; no frame lost.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use protocol_mci::FrameCodec;
use serde_json::Value;
use shadowgate_tests::fake::{FakeHttp, FakeMci, FakeMciBuilder};
use shadowgate_tests::gateway::{answer_frame, decision, http_answer, layout, Listener, LIMIT};
use shadowgate_tests::haproxy::{Backend, TestHaproxy};
use shadowgate_tests::postgres::TestPostgres;
use shadowgate_tests::process::{free_address, write_config, GatewayProcess};
use shadowgate_tests::{FakeEngine, TestGateway};

use crate::support::fleet_gateway_with;

const CHILD: &str = "haproxy::gateway_child";
/// Clients on HAProxy's address, each one frame at a time.
const CLIENTS: u64 = 6;
/// Frames per client of the known traffic.
const PER_CLIENT: u64 = 20;
/// The killed instance's unflushed window, at most: comparisons in flight and those its writer
/// had queued but not committed (group commits every `flush_interval_ms`, 10 ms here) when it died.
/// With six clients sending one frame at a time this is a handful to a few dozen on a loaded
/// machine (21 seen at a load average of 20); the bound leaves room for a slower one. The lost
/// ones must also be among the last [`LOST_BOUND`] frames it saw before the kill: a window at the
/// end, not holes anywhere.
const LOST_BOUND: usize = 128;
/// Bound on every wait of this test for something to happen.
const WAIT: Duration = Duration::from_secs(60);
/// The limit the shadow engine grants on frames numbered 1 mod 5.
const OTHER_LIMIT: &str = "29000000";
const KILLED: usize = 1;

mod checks;
mod clients;
mod drain;
mod fallback;

use checks::{
    check_clients, check_exact, check_groups, check_killed, check_report, read_tables, wait_tables,
    Tables,
};
use clients::{known_client, running_client, Sent};

shadowgate_tests::gateway_child!("the gateway process of the fleet test, run by it with --ignored");

/// One gateway of the fleet, its live engine and what that engine saw.
struct Member {
    name: String,
    mci: SocketAddr,
    admin: SocketAddr,
    config: PathBuf,
    seen: Arc<Mutex<Vec<u64>>>,
    _live: FakeMci,
    process: Option<GatewayProcess>,
}

impl Member {
    fn start(&mut self) {
        self.process = Some(GatewayProcess::start(CHILD, &self.config, self.admin));
    }

    /// SIGTERM: a graceful stop that flushes its store.
    fn stop(&mut self) {
        self.process.take().unwrap().terminate();
    }

    fn backend(&self) -> Backend {
        Backend {
            name: self.name.clone(),
            mci: self.mci,
            admin: self.admin,
        }
    }

    /// The numbers of the frames its live engine answered, in order.
    fn seen(&self) -> Vec<u64> {
        self.seen.lock().unwrap().clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_gateways_behind_haproxy_count_every_answered_frame_once_across_a_sigkill() {
    let db = TestPostgres::start_async().await;
    let dir = tempfile::tempdir().unwrap();
    let shadow = shadow_engine().start().await;
    let mut fleet = Vec::new();
    for k in 1..=3 {
        fleet.push(member(&db, &shadow, dir.path().join(format!("gw-{k}")), k).await);
    }
    tokio::task::block_in_place(|| fleet.iter_mut().for_each(Member::start));
    let backends: Vec<Backend> = fleet.iter().map(Member::backend).collect();
    let haproxy = tokio::task::block_in_place(|| TestHaproxy::start(&backends));
    let sent = Arc::new(Sent::default());

    known_traffic(&db, &fleet, haproxy.addr(), &sent).await;
    let at_kill = kill_and_restart(&mut fleet, haproxy.addr(), &sent).await;
    tokio::task::block_in_place(|| fleet.iter_mut().for_each(Member::stop));

    let tables = read_tables(&db).await;
    check_groups(&tables);
    let mut lost = BTreeSet::new();
    for (k, m) in fleet.iter().enumerate() {
        if k == KILLED {
            lost = check_killed(m, &tables, &at_kill);
        } else {
            check_exact(m, &tables);
        }
    }
    check_clients(&sent, &fleet, &tables, &lost);
    let config = fleet[0].config.clone();
    tokio::task::spawn_blocking(move || check_report(&config, &tables))
        .await
        .unwrap();
    drop(haproxy);
    db.delete_async().await;
}

/// Stage 1: known traffic through HAProxy, then exact fleet totals and groups, every gateway
/// used, each exactly what its engine answered.
async fn known_traffic(db: &TestPostgres, fleet: &[Member], haproxy: SocketAddr, sent: &Arc<Sent>) {
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let numbers = (c * PER_CLIENT + 1..=(c + 1) * PER_CLIENT).collect::<Vec<_>>();
            tokio::spawn(known_client(haproxy, numbers, Arc::clone(sent)))
        })
        .collect();
    for client in clients {
        client.await.unwrap();
    }
    let known = CLIENTS * PER_CLIENT;
    assert_eq!(sent.answered.lock().unwrap().len() as u64, known);
    let counted = |t: &Tables| t.counters.values().map(|(m, x)| m + x).sum::<i64>();
    let tables = wait_tables(db, |t| counted(t) == known as i64).await;
    let mismatching = (1..=known).filter(|n| mismatches(*n)).count() as i64;
    let fleet_totals = tables
        .counters
        .values()
        .fold((0, 0), |(m, x), (dm, dx)| (m + dm, x + dx));
    assert_eq!(fleet_totals, (known as i64 - mismatching, mismatching));
    assert_eq!(tables.groups.len(), 2, "{:?}", tables.groups);
    assert!(tables.groups.values().all(|c| *c == mismatching / 2));
    for m in fleet {
        let (matches, mismatches) = tables.counters[&m.name];
        assert!(matches + mismatches > 0, "HAProxy sent {} nothing", m.name);
        check_exact(m, &tables);
    }
    check_groups(&tables);
}

/// Stage 2: clients send without pause; the [`KILLED`] gateway is SIGKILLed once it has taken
/// some, the others keep answering, it is restarted and HAProxy sends it traffic again. Returns
/// what its engine had answered at the kill.
async fn kill_and_restart(fleet: &mut [Member], haproxy: SocketAddr, sent: &Arc<Sent>) -> Vec<u64> {
    let next = Arc::new(AtomicU64::new(CLIENTS * PER_CLIENT + 1));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (next, stop, sent) = (Arc::clone(&next), Arc::clone(&stop), Arc::clone(sent));
            tokio::spawn(running_client(haproxy, next, stop, sent))
        })
        .collect();
    let answered = || sent.answered.lock().unwrap().len();
    let victim = Arc::clone(&fleet[KILLED].seen);
    let victim_seen = || victim.lock().unwrap().len();
    let (a0, v0) = (answered(), victim_seen());
    until("traffic on every gateway", || {
        answered() >= a0 + 60 && victim_seen() >= v0 + 10
    })
    .await;
    let process = fleet[KILLED].process.take().unwrap();
    tokio::task::block_in_place(|| process.kill());
    let at_kill = fleet[KILLED].seen();
    let a1 = answered();
    until("answers from the others", || answered() >= a1 + 60).await;
    tokio::task::block_in_place(|| fleet[KILLED].start());
    let v1 = victim_seen();
    until("HAProxy sending to the restarted gateway", || {
        victim_seen() >= v1 + 10
    })
    .await;
    stop.store(true, Ordering::SeqCst);
    for client in clients {
        client.await.unwrap();
    }
    at_kill
}

/// Gateway `gw-k`: its live engine started, its config written (fixed ports, its own spool).
async fn member(db: &TestPostgres, shadow: &FakeHttp, dir: PathBuf, k: usize) -> Member {
    std::fs::create_dir_all(&dir).unwrap();
    let name = format!("gw-{k}");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let live = recording_live(Arc::clone(&seen)).start().await;
    let mci = free_address();
    let timeout = ", connect_timeout_ms = 1000";
    let builder = fleet_gateway_with(&db.url(), &name, live.addr(), &shadow.url(), timeout)
        .address(Listener::Mci, mci)
        // The window `LOST_BOUND` is sized for (the default is 100 ms).
        .store_key("flush_interval_ms", "10");
    let (config, admin) = write_config(builder, &dir);
    Member {
        name,
        mci,
        admin,
        config,
        seen,
        _live: live,
        process: None,
    }
}

/// HAProxy's servers `gw-1`, `gw-2`, … for in-process gateways (MCI and admin addresses).
fn backends(fleet: &[TestGateway]) -> Vec<Backend> {
    fleet
        .iter()
        .enumerate()
        .map(|(k, g)| Backend {
            name: format!("gw-{}", k + 1),
            mci: g.mci_address(),
            admin: g.admin_address(),
        })
        .collect()
}

/// Waits (bounded by [`WAIT`]) until `condition` holds.
async fn until(what: &str, condition: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !condition() {
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A live engine answering every frame with grade L1, noting the frame's number first.
fn recording_live(seen: Arc<Mutex<Vec<u64>>>) -> FakeMciBuilder<FrameCodec> {
    let body = decision("L1", LIMIT);
    FakeEngine::mci(|| layout().framer()).reply(move |request| {
        let header = layout().decode_header(request).unwrap();
        seen.lock()
            .unwrap()
            .push(number(header["guid"].as_str().unwrap()));
        Bytes::from(answer_frame(request, &body))
    })
}

/// The shadow engine: another grade on frames numbered 0 mod 5, another limit on 1 mod 5.
fn shadow_engine() -> shadowgate_tests::fake::FakeHttpBuilder {
    FakeEngine::http().reply(|request: Value| {
        let n = number(request["header"]["guid"].as_str().unwrap());
        http_answer(&match n % 5 {
            0 => decision("N9", LIMIT),
            1 => decision("L1", OTHER_LIMIT),
            _ => decision("L1", LIMIT),
        })
    })
}

fn mismatches(n: u64) -> bool {
    n % 5 < 2
}

fn expected_answer(request: &[u8]) -> Vec<u8> {
    answer_frame(request, &decision("L1", LIMIT))
}

/// The number `n` of `guid(n)`.
fn number(guid: &str) -> u64 {
    guid[11..].parse().unwrap()
}

fn sorted(numbers: impl Iterator<Item = u64>) -> Vec<u64> {
    let mut numbers: Vec<u64> = numbers.collect();
    numbers.sort_unstable();
    numbers
}
