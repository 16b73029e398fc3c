//! The demo end to end in-process: its mismatches are exactly the divergent segment, under one
//! signature, and the other divergences are hidden by their rules.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use super::strategy::{decide, Application, LEGACY, MODERN, SELF_EMPLOYED};
use super::*;
use crate::store::{ListQuery, RecordKind};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mismatches_are_exactly_the_divergent_segment() {
    let data = tempfile::tempdir().unwrap();
    let args = DemoArgs {
        requests: 300,
        connections: 3,
        data_dir: data.path().join("demo"),
        seed: 1,
        mci_address: "127.0.0.1:0".parse().unwrap(),
        admin_address: "127.0.0.1:0".parse().unwrap(),
        exit: true,
    };
    let demo = start(&args, false).await.unwrap();
    assert_eq!((demo.sent.answered, demo.sent.errors), (300, 0));

    // The segment: self-employed applicants whose limit the two policies actually decide apart.
    let mut expected = BTreeSet::new();
    let mut other_segment_diffs = 0;
    for request in &demo.sent.requests {
        let app = Application::from_body(&request.body).unwrap();
        let differs = decide(&LEGACY, &app).limit_amount != decide(&MODERN, &app).limit_amount;
        if differs && app.cust_type == SELF_EMPLOYED {
            expected.insert(request.header["guid"].as_str().unwrap().to_owned());
        } else if differs {
            other_segment_diffs += 1;
        }
    }
    assert_eq!(other_segment_diffs, 0);
    assert!(
        expected.len() >= 20,
        "segment too small: {}",
        expected.len()
    );

    let reader = demo.running.store.reader();
    let query = ListQuery {
        limit: 1_000,
        ..ListQuery::default()
    };
    let records = reader.list(&query).unwrap().records;
    assert!(records
        .iter()
        .all(|r| r.mismatch.kind == RecordKind::Mismatch));
    // Stored with their raw requests, encrypted with the demo's key: `replay` can send them.
    for record in &records {
        assert!(
            reader.sealed_payload(record.id).unwrap().is_some(),
            "{}",
            record.id
        );
    }
    let found: BTreeSet<String> = records
        .iter()
        .map(|r| r.mismatch.correlation_id.clone())
        .collect();
    assert_eq!(found, expected);

    let summary = reader.summary().unwrap();
    assert_eq!(summary.len(), 1);
    assert_eq!(summary[0].mismatches, expected.len() as u64);
    assert_eq!(summary[0].matches, 300 - expected.len() as u64);
    let groups = reader.groups(STRATEGY).unwrap();
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(
        groups[0].differing_paths,
        ["body.limit_amount", "body.offers[*].limit"]
    );

    // The other divergences happened, and the gateway counted what their rules hid.
    let suppressed = reader.suppressed().unwrap();
    let hid = |rule: &str| {
        suppressed[0]
            .rules
            .iter()
            .find(|r| r.rule.to_string() == rule)
            .map_or(0, |r| r.count)
    };
    assert_eq!(hid("ignore header.sent_at"), 300);
    assert!(hid("tolerance body.rate") > 0, "{suppressed:?}");
    assert!(hid("tolerance body.offers[*].rate") > 0, "{suppressed:?}");
    assert!(hid("unordered body.offers") > 0, "{suppressed:?}");

    let mut printed = Vec::new();
    tokio::task::block_in_place(|| report::print(&demo, &mut printed, true)).unwrap();
    let printed = String::from_utf8(printed).unwrap();
    assert!(printed.contains("body.limit_amount"), "{printed}");
    assert!(printed.contains("ignore header.sent_at"), "{printed}");
    assert!(printed.contains("HTML report  http://"), "{printed}");
    let replay = "replay       shadowgate replay --config";
    assert!(printed.contains(replay), "{printed}");
    // `--by`: where $USER and $LOGNAME are unset (a container), replay refuses to run without it.
    let strategy = format!("--strategy {STRATEGY} --by demo   (");
    assert!(printed.contains(&strategy), "{printed}");
    // `demo --exit`: the gateway stops after the report, so no URL of it is advertised.
    let mut exiting = Vec::new();
    tokio::task::block_in_place(|| report::print(&demo, &mut exiting, false)).unwrap();
    let exiting = String::from_utf8(exiting).unwrap();
    let advice = &exiting[exiting.find("the gateway has stopped").unwrap()..];
    assert!(!advice.contains("http://"), "{advice}");
    assert!(advice.contains("shadowgate report --config"), "{advice}");
    demo.stop().await;
}

/// The data directory holds a key file only its owner can read, and the config written beside it
/// loads with encryption on: the demo's failing cases are stored for `replay`.
#[tokio::test]
async fn setup_writes_an_owner_only_key_file_the_config_encrypts_with() {
    let data = tempfile::tempdir().unwrap();
    let args = DemoArgs {
        requests: 1,
        connections: 1,
        data_dir: data.path().join("demo"),
        seed: 1,
        mci_address: "127.0.0.1:0".parse().unwrap(),
        admin_address: "127.0.0.1:0".parse().unwrap(),
        exit: true,
    };
    let engines = Engines::start(Arc::new(layout().unwrap())).await.unwrap();
    let path = setup::prepare(&args, &engines).unwrap();
    // A second run replaces the key, still owner-only.
    let path_again = setup::prepare(&args, &engines).unwrap();
    engines.stop().await;
    assert_eq!(path, path_again);
    let keys = args.data_dir.join(setup::KEY_FILE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&keys).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
    }
    let config = crate::config::load(&path).unwrap();
    assert_eq!(
        config.store.encryption_key_file.as_deref(),
        Some(keys.as_path())
    );
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
    let ring = crate::store::KeyRing::load(&keys).unwrap();
    assert_eq!(ring.ids().collect::<Vec<_>>(), ["demo"]);
}

/// A `--data-dir` holding someone's config, key file and store is refused before anything is
/// written there; a directory a demo run wrote (or an empty one) is the demo's.
#[tokio::test]
async fn a_data_dir_the_demo_did_not_write_is_refused_untouched() {
    let data = tempfile::tempdir().unwrap();
    let mine = data.path().join("mine");
    std::fs::create_dir_all(mine.join("store")).unwrap();
    std::fs::write(mine.join(setup::CONFIG_FILE), "# my gateway\n").unwrap();
    std::fs::write(mine.join(setup::KEY_FILE), "2026-12 = my key\n").unwrap();
    let args = |dir: &std::path::Path| DemoArgs {
        requests: 1,
        connections: 1,
        data_dir: dir.to_path_buf(),
        seed: 1,
        mci_address: "127.0.0.1:0".parse().unwrap(),
        admin_address: "127.0.0.1:0".parse().unwrap(),
        exit: true,
    };
    let engines = Engines::start(Arc::new(layout().unwrap())).await.unwrap();
    let refused = setup::prepare(&args(&mine), &engines)
        .unwrap_err()
        .to_string();
    assert_eq!(
        refused,
        format!(
            "--data-dir {}: expected an empty directory or one `shadowgate demo` wrote, found one \
             it did not write (keys, shadowgate.toml, store); the demo replaces shadowgate.toml \
             and keys there and empties store/: give another --data-dir",
            mine.display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(mine.join(setup::KEY_FILE)).unwrap(),
        "2026-12 = my key\n"
    );
    assert!(mine.join("store").is_dir());
    // An empty directory, then the same directory again: the demo's.
    let empty = data.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    setup::prepare(&args(&empty), &engines).unwrap();
    setup::prepare(&args(&empty), &engines).unwrap();
    // A demo directory from before the marker: its key file says the demo wrote it.
    std::fs::remove_file(empty.join(setup::MARKER_FILE)).unwrap();
    setup::prepare(&args(&empty), &engines).unwrap();
    // A file of the user's beside the demo's: refused, naming only it.
    std::fs::write(empty.join("notes.txt"), "mine\n").unwrap();
    let refused = setup::prepare(&args(&empty), &engines)
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("found one it did not write (notes.txt);"),
        "{refused}"
    );
    // A file where the directory goes.
    let file = empty.join("notes.txt");
    let refused = setup::prepare(&args(&file), &engines)
        .unwrap_err()
        .to_string();
    assert_eq!(
        refused,
        format!(
            "--data-dir {}: expected a directory, found a file",
            file.display()
        )
    );
    engines.stop().await;
}

/// The marker says what the demo writes; one made by hand (empty) or another program's is refused,
/// saying what it holds, and the directory left untouched; an older demo's marker (its first
/// line alone) is still the demo's.
#[tokio::test]
async fn only_a_marker_the_demo_wrote_makes_a_data_dir_the_demos() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("demo");
    let args = DemoArgs {
        requests: 1,
        connections: 1,
        data_dir: dir.clone(),
        seed: 1,
        mci_address: "127.0.0.1:0".parse().unwrap(),
        admin_address: "127.0.0.1:0".parse().unwrap(),
        exit: true,
    };
    let engines = Engines::start(Arc::new(layout().unwrap())).await.unwrap();
    let marker = dir.join(setup::MARKER_FILE);
    setup::prepare(&args, &engines).unwrap();
    assert_eq!(
        std::fs::read_to_string(&marker).unwrap(),
        "shadowgate demo data directory\nwritten by `shadowgate demo`, which on every run \
         replaces shadowgate.toml, loan-screening.toml and keys and empties store/\n"
    );
    let refused = |found: &str| {
        format!(
            "--data-dir {}: .shadowgate-demo: expected the marker `shadowgate demo` writes \
             (first line \"shadowgate demo data directory\"), found {found}; the demo replaces \
             shadowgate.toml and keys there and empties store/: give another --data-dir",
            dir.display()
        )
    };
    // Made by hand beside the user's own files: refused, the files as they were.
    std::fs::write(dir.join(setup::CONFIG_FILE), "# my gateway\n").unwrap();
    std::fs::write(&marker, "").unwrap();
    let error = setup::prepare(&args, &engines).unwrap_err().to_string();
    assert_eq!(error, refused("an empty file"));
    std::fs::write(&marker, "mine, do not touch\nsecond line\n").unwrap();
    let error = setup::prepare(&args, &engines).unwrap_err().to_string();
    assert_eq!(error, refused("the first line \"mine, do not touch\""));
    std::fs::write(&marker, "x".repeat(70)).unwrap();
    let error = setup::prepare(&args, &engines).unwrap_err().to_string();
    assert_eq!(
        error,
        refused(&format!("the first line {:?}…", "x".repeat(60)))
    );
    assert_eq!(
        std::fs::read_to_string(dir.join(setup::CONFIG_FILE)).unwrap(),
        "# my gateway\n"
    );
    // The marker of a demo from before it listed its files: still the demo's.
    std::fs::write(&marker, "shadowgate demo data directory\n").unwrap();
    setup::prepare(&args, &engines).unwrap();
    assert!(std::fs::read_to_string(&marker)
        .unwrap()
        .starts_with("shadowgate demo data directory\nwritten by"));
    engines.stop().await;
}

/// `demo-engine --kind legacy-http`, the live engine of the HTTP benchmark against nginx, decides
/// as the legacy MCI engine does: the same bodies, so the HTTP gateway's mismatches are the demo's.
#[test]
fn the_legacy_policy_over_http_decides_as_the_legacy_engine() {
    let layout = layout().unwrap();
    let mut traffic = traffic::Traffic::new(7, "TST");
    let mut self_employed = 0;
    for _ in 0..100 {
        let request = traffic.next_request();
        let over_mci = legacy::answer(&layout, &request);
        let contract = serde_json::to_value(&request).unwrap();
        let over_http =
            modern::answer_with(&LEGACY, traffic::KST_OFFSET_MICROS, &contract).unwrap();
        assert_eq!(
            over_http["body"],
            serde_json::Value::Object(over_mci.body.clone())
        );
        assert_eq!(over_http["header"]["resp_code"], "0000");
        // The modern engine is still the one that differs, on the self-employed segment.
        let modern = modern::answer(&contract).unwrap();
        if request.body["cust_type"] == SELF_EMPLOYED {
            self_employed += 1;
        } else {
            assert_eq!(
                modern["body"]["limit_amount"],
                over_http["body"]["limit_amount"]
            );
        }
    }
    assert!(self_employed > 0);
}

/// `demo-engine --kind modern-mci`, the shadow engine of the MCI-to-MCI benchmark rows, decides
/// as the HTTP new engine does (the same bodies), and its answer fits the response layout.
#[test]
fn the_new_policy_over_mci_decides_as_the_http_new_engine() {
    let layout = layout().unwrap();
    let mut traffic = traffic::Traffic::new(11, "TST");
    for _ in 0..100 {
        let request = traffic.next_request();
        let over_mci = legacy::answer_with(&layout, &MODERN, 0, &request);
        let over_http = modern::answer(&serde_json::to_value(&request).unwrap()).unwrap();
        assert_eq!(
            over_http["body"],
            serde_json::Value::Object(over_mci.body.clone())
        );
        assert_eq!(over_mci.header["resp_code"], "0000");
        let frame = layout
            .encode(protocol_mci::Direction::Response, &over_mci)
            .unwrap();
        assert!(!frame.is_empty());
    }
}

#[test]
fn printed_requests_of_two_seeds_never_share_a_correlation_id() {
    let guids = |seed: u64| -> Vec<String> {
        let mut traffic = engines::printed(seed);
        (0..3)
            .map(|_| {
                traffic.next_request().header["guid"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    let (one, two) = (guids(1), guids(2));
    assert!(
        one.iter().all(|guid| !two.contains(guid)),
        "{one:?} {two:?}"
    );
    // The same seed prints the same ids (and the same requests): a batch can be sent again.
    assert_eq!(guids(1), one);
    assert!(one[0].ends_with("000000000001000000001"), "{one:?}");
    assert!(one.iter().all(|guid| guid.len() == 32), "{one:?}");
    // A seed beyond 10 digits keeps its last 10.
    let largest = guids(u64::MAX);
    assert!(largest[0].ends_with("03709551615000000001"), "{largest:?}");
}

/// `demo-engine --noise-ppm`: a noisy answer is the policy's with a reference after its
/// `message` (still fitting the response layout), drawn per call at about the asked share; the
/// MCI kinds refuse it.
#[test]
fn noise_marks_about_its_share_of_answers_and_only_over_http() {
    use super::modern::Noise;
    let layout = layout().unwrap();
    let mut traffic = traffic::Traffic::new(13, "NOI");
    for n in 0..50 {
        let request = traffic.next_request();
        let contract = serde_json::to_value(&request).unwrap();
        let plain = modern::answer_noisy(&MODERN, 0, &contract, None).unwrap();
        let noisy = modern::answer_noisy(&MODERN, 0, &contract, Some(0x3F_09A2 + n)).unwrap();
        let message =
            |answer: &serde_json::Value| answer["body"]["message"].as_str().unwrap().to_owned();
        assert_eq!(
            message(&noisy),
            format!("{} (ref {:06X})", message(&plain), 0x3F_09A2 + n)
        );
        let mut without = noisy.clone();
        without["body"]["message"] = plain["body"]["message"].clone();
        without["header"]["sent_at"] = plain["header"]["sent_at"].clone();
        assert_eq!(without, plain, "only the message differs");
        let message: protocol_mci::Message = serde_json::from_value(noisy).unwrap();
        let selected = layout.message(traffic::TX_CODE).unwrap();
        let frame = layout
            .encode_as(protocol_mci::Direction::Response, selected, &message)
            .unwrap();
        let back = layout
            .decode_as(protocol_mci::Direction::Response, selected, &frame)
            .unwrap();
        assert_eq!(
            back.body["message"], message.body["message"],
            "fits its 80 bytes"
        );
    }

    let share = |ppm: u32| {
        let noise = Noise::new(ppm);
        (0..4_000).filter(|_| noise.strikes().is_some()).count()
    };
    assert_eq!(share(0), 0);
    assert_eq!(share(1_000_000), 4_000);
    let half = share(500_000);
    assert!((1_600..=2_400).contains(&half), "{half} of 4,000");

    let refused = engines::run_engine(&DemoEngineArgs {
        kind: Some(engines::Kind::Legacy),
        listen: Some("127.0.0.1:0".parse().unwrap()),
        delay_ms: 0,
        print_requests: None,
        noise_ppm: 10,
        seed: 1,
    })
    .unwrap_err()
    .to_string();
    assert!(
        refused
            .contains("--noise-ppm applies to the HTTP engines (modern, legacy-http), not legacy"),
        "{refused}"
    );
}
