//! What the fleet's tables hold, and the checks of the acceptance test against what the engines
//! answered and the clients received (the parent module says what they mean).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use shadowgate::store::{chunk, MismatchRecord};
use shadowgate_tests::gateway::STRATEGY;
use shadowgate_tests::postgres::TestPostgres;

use super::{mismatches, number, sorted, Member, Sent, CLIENTS, LOST_BOUND, WAIT};

/// An instance that ran to the end: exactly what its engine saw, each once.
pub(super) fn check_exact(m: &Member, tables: &Tables) {
    let seen = m.seen();
    let expected: Vec<u64> = sorted(seen.iter().copied().filter(|n| mismatches(*n)));
    let stored = sorted(tables.records_of(&m.name));
    assert_eq!(
        stored, expected,
        "{}: records vs mismatching frames seen",
        m.name
    );
    let (matches, mismatches) = tables.counters[&m.name];
    assert_eq!(mismatches as usize, expected.len(), "{}", m.name);
    assert_eq!((matches + mismatches) as usize, seen.len(), "{}", m.name);
}

/// The killed instance: nothing twice, nothing unseen, at most [`LOST_BOUND`] lost, all from the
/// end of what it saw before the kill (`at_kill`). Returns the mismatching frames it saw but
/// never stored.
pub(super) fn check_killed(m: &Member, tables: &Tables, at_kill: &[u64]) -> BTreeSet<u64> {
    let seen = m.seen();
    let stored = sorted(tables.records_of(&m.name));
    let unique: BTreeSet<u64> = stored.iter().copied().collect();
    assert_eq!(
        unique.len(),
        stored.len(),
        "{}: a record stored twice",
        m.name
    );
    let expected: BTreeSet<u64> = seen.iter().copied().filter(|n| mismatches(*n)).collect();
    assert!(
        unique.is_subset(&expected),
        "{}: records it never saw",
        m.name
    );
    let (matches, mismatches) = tables.counters[&m.name];
    assert_eq!(
        mismatches as usize,
        stored.len(),
        "{}: counted vs stored",
        m.name
    );
    let counted = (matches + mismatches) as usize;
    assert!(
        counted <= seen.len(),
        "{}: counted {counted} > seen {}",
        m.name,
        seen.len()
    );
    let lost = seen.len() - counted;
    assert!(lost <= LOST_BOUND, "{}: lost {lost} comparisons", m.name);
    eprintln!(
        "{}: saw {}, counted {counted}, lost {lost}",
        m.name,
        seen.len()
    );
    let lost: BTreeSet<u64> = expected.difference(&unique).copied().collect();
    let window: BTreeSet<u64> = at_kill.iter().rev().take(LOST_BOUND).copied().collect();
    assert!(
        lost.is_subset(&window),
        "{}: lost frames {lost:?} outside the last {LOST_BOUND} before the kill",
        m.name
    );
    lost
}

/// Each fleet group holds one kind of mismatch, and its size is its records'.
pub(super) fn check_groups(tables: &Tables) {
    let mut kinds: BTreeMap<&str, (BTreeSet<u64>, i64)> = BTreeMap::new();
    for (_, n, signature) in &tables.records {
        let entry = kinds.entry(signature).or_default();
        entry.0.insert(n % 5);
        entry.1 += 1;
    }
    assert_eq!(
        kinds.len(),
        2,
        "two kinds of mismatch, two groups: {kinds:?}"
    );
    for (signature, (residues, records)) in kinds {
        assert_eq!(residues.len(), 1, "group {signature} mixes kinds");
        assert_eq!(
            tables.groups[signature], records,
            "group {signature}'s size"
        );
    }
}

/// What the clients received against what the fleet stored.
pub(super) fn check_clients(sent: &Sent, fleet: &[Member], tables: &Tables, lost: &BTreeSet<u64>) {
    let answered = sent.answered.lock().unwrap().clone();
    let unanswered = sent.unanswered.lock().unwrap().clone();
    let mut answered_by: BTreeMap<u64, usize> = BTreeMap::new();
    for n in fleet.iter().flat_map(Member::seen) {
        *answered_by.entry(n).or_default() += 1;
    }
    let mut stored: BTreeMap<u64, usize> = BTreeMap::new();
    for (_, n, _) in &tables.records {
        *stored.entry(*n).or_default() += 1;
    }
    for n in &answered {
        assert_eq!(
            answered_by.get(n),
            Some(&1),
            "frame {n}: engines that answered it"
        );
        if mismatches(*n) {
            let once = stored.get(n) == Some(&1);
            assert!(
                once || lost.contains(n),
                "frame {n}: stored {:?}",
                stored.get(n)
            );
        }
    }
    assert!(stored.values().all(|c| *c == 1), "a frame stored twice");
    // One frame in flight per client when its connection is cut, and a client may be cut once
    // more by HAProxy's retries before the killed gateway is marked down.
    assert!(
        unanswered.len() as u64 <= 2 * CLIENTS,
        "unanswered frames: {unanswered:?}"
    );
    eprintln!(
        "clients: {} answered, {} unanswered; {} mismatching frames lost on the killed gateway",
        answered.len(),
        unanswered.len(),
        lost.len()
    );
}

/// The fleet's tables: per instance (matches, mismatches); group sizes by signature over the
/// fleet; every record as (instance, frame number, signature).
#[derive(Debug, Default)]
pub(super) struct Tables {
    pub(super) counters: BTreeMap<String, (i64, i64)>,
    pub(super) groups: BTreeMap<String, i64>,
    pub(super) records: Vec<(String, u64, String)>,
}

impl Tables {
    fn records_of<'a>(&'a self, instance: &'a str) -> impl Iterator<Item = u64> + 'a {
        self.records
            .iter()
            .filter(move |(i, _, _)| i == instance)
            .map(|(_, n, _)| *n)
    }
}

pub(super) async fn read_tables(db: &TestPostgres) -> Tables {
    let mut tables = Tables::default();
    let counters = "SELECT instance, matches, mismatches FROM shadowgate_counters \
                    WHERE strategy = $1";
    for (instance, matches, mismatches) in db.query(counters, &[&STRATEGY]).await {
        tables.counters.insert(instance, (matches, mismatches));
    }
    let groups = "SELECT signature, sum(count)::int8 FROM shadowgate_groups \
                  WHERE strategy = $1 GROUP BY signature";
    tables.groups = db.query(groups, &[&STRATEGY]).await.into_iter().collect();
    let chunks: Vec<(String, Vec<u8>)> = db
        .query("SELECT instance, value FROM shadowgate_records", &[])
        .await;
    for (instance, value) in chunks {
        let records: Vec<MismatchRecord> = chunk::decode_all("record", &value).unwrap();
        for record in records {
            let n = number(&record.mismatch.correlation_id);
            tables
                .records
                .push((instance.clone(), n, record.mismatch.signature));
        }
    }
    tables
}

/// The tables once `until` holds for them (bounded by [`WAIT`]).
pub(super) async fn wait_tables(db: &TestPostgres, until: impl Fn(&Tables) -> bool) -> Tables {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let tables = read_tables(db).await;
        if until(&tables) {
            return tables;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the tables never got there: {tables:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The review the migration team reads, `shadowgate report --config … --format json` over the
/// fleet's database (run with any member's config, the gateways stopped), agrees with the tables:
/// the strategy's totals are the fleet's sums, its groups the tables' groups, and the
/// per-instance breakdown each instance's own totals.
pub(super) fn check_report(config: &std::path::Path, tables: &Tables) {
    use shadowgate::cli::{self, Format, ReportArgs, SourceArgs};
    let args = ReportArgs {
        source: SourceArgs {
            store: None,
            config: Some(config.to_path_buf()),
            from: None,
            token_env: None,
        },
        strategy: None,
        format: Format::Json,
        daily: false,
    };
    let mut out = Vec::new();
    cli::run_report(&args, &mut out).unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let strategy = report["summary"]["strategies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["strategy"] == STRATEGY)
        .unwrap_or_else(|| panic!("{STRATEGY} missing from the report: {report}"));
    let (matches, mismatches) = tables
        .counters
        .values()
        .fold((0, 0), |(m, x), (dm, dx)| (m + dm, x + dx));
    assert_eq!(strategy["matches"].as_i64(), Some(matches), "{strategy}");
    assert_eq!(
        strategy["mismatches"].as_i64(),
        Some(mismatches),
        "{strategy}"
    );
    let groups: BTreeMap<String, i64> = report["groups"][STRATEGY]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let signature = g["signature"].as_str().unwrap().to_owned();
            (signature, g["count"].as_i64().unwrap())
        })
        .collect();
    assert_eq!(groups, tables.groups, "report groups vs tables");
    let breakdown: BTreeMap<String, i64> = report["summary"]["fleet"]["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let name = i["instance"].as_str().unwrap().to_owned();
            (name, i["comparisons"].as_i64().unwrap())
        })
        .collect();
    let expected: BTreeMap<String, i64> = tables
        .counters
        .iter()
        .map(|(name, (m, x))| (name.clone(), m + x))
        .collect();
    assert_eq!(breakdown, expected, "per-instance breakdown vs tables");
}
