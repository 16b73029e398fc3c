#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

use super::*;

/// A fake admin API on a thread: answers each path of `answers` (query included) with its JSON,
/// any other with 404 and a strategy refusal; every path asked is noted in the list returned.
fn admin_api(answers: Vec<(String, String)>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let asked = Arc::new(Mutex::new(Vec::new()));
    let noted = asked.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap() == 1 {
                head.push(byte[0]);
            }
            let head = String::from_utf8(head).unwrap();
            let path = head.split(' ').nth(1).unwrap_or_default().to_owned();
            noted.lock().unwrap().push(path.clone());
            let (status, body) = match answers.iter().find(|(p, _)| *p == path) {
                Some((_, body)) => ("200 OK", body.clone()),
                None => (
                    "404 Not Found",
                    r#"{"error":"strategy: no strategy named that"}"#.to_owned(),
                ),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, asked)
}

/// What a gateway with strategy `loan` (configured, nothing counted) answers, read from a store
/// of that config as the admin API reads it.
fn answers() -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let config = crate::config::tests::config(dir.path(), &[], "");
    std::fs::create_dir(dir.path().join("store")).unwrap();
    let local = Source::open(&SourceArgs {
        store: None,
        config: Some(config),
        from: None,
        token_env: None,
    })
    .unwrap();
    let summary = serde_json::to_string(&local.summary().unwrap()).unwrap();
    let groups = json!({ "groups": local.groups("loan").unwrap() }).to_string();
    let daily = serde_json::to_string(&local.daily().unwrap()).unwrap();
    [
        ("/api/v1/summary", summary),
        ("/api/v1/groups?strategy=loan", groups),
        ("/api/v1/batches", json!({ "batches": [] }).to_string()),
        ("/api/v1/daily", daily),
        (
            "/api/v1/replays",
            json!({ "groups": [], "runs": [] }).to_string(),
        ),
    ]
    .map(|(path, body)| (path.to_owned(), body))
    .into()
}

fn report_args(url: &str, strategy: &str, format: Format) -> ReportArgs {
    ReportArgs {
        source: SourceArgs {
            store: None,
            config: None,
            from: Some(url.to_owned()),
            token_env: None,
        },
        strategy: Some(strategy.to_owned()),
        format,
        daily: true,
    }
}

/// `report --strategy S --daily --from URL` reads each resource once: the strategy's groups are
/// also the check that it is known, and the daily series also gives the zone.
#[test]
fn a_report_from_a_running_gateway_asks_for_each_resource_once() {
    let answers = answers();
    let mut expected: Vec<String> = answers.iter().map(|(path, _)| path.clone()).collect();
    expected.sort();
    let (url, asked) = admin_api(answers);
    for format in [Format::Text, Format::Json] {
        asked.lock().unwrap().clear();
        let mut out = Vec::new();
        run_report(&report_args(&url, "loan", format), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("loan"), "{text}");
        let mut paths = asked.lock().unwrap().clone();
        paths.sort();
        assert_eq!(paths, expected, "{format:?}");
    }
    // A strategy the gateway does not know: refused with its words, after two requests.
    asked.lock().unwrap().clear();
    let error = run_report(&report_args(&url, "lon", Format::Text), &mut Vec::new()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("404 Not Found: strategy: no strategy named that"),
        "{error}"
    );
    let paths = asked.lock().unwrap().clone();
    assert_eq!(paths, ["/api/v1/summary", "/api/v1/groups?strategy=lon"]);
}
