//! A store that cannot be read now (degraded and not open here; a fleet database away is the
//! same [`crate::store::StoreError::is_unavailable`]): every route that reads it answers 503 in
//! its own form, a page for a browser and JSON for the API, never a 500; the routes that do not
//! read it go on answering.

use super::*;
use crate::admin::routes::{Answer, GET_ROUTES};
use crate::store::shared::{SharedDb, SledSettings};
use crate::store::{Reader, StoreStats};

/// An admin listener whose store directory has no open database.
fn unavailable() -> (tempfile::TempDir, AdminState) {
    let dir = tempfile::tempdir().unwrap();
    let shared = SharedDb::empty(&dir.path().join("store"), SledSettings::default());
    let state = AdminState {
        reader: Reader::new(Arc::new(shared)),
        stats: Arc::new(StoreStats::default()),
        policies: Arc::new(Policies::new),
        view: Arc::new(crate::review::ReviewView::default),
        token: Arc::new(|| None),
        allowed_hosts: Arc::new(Vec::new),
        metrics: Arc::new(|| "shadowgate_up 1\n".to_owned()),
        reload: None,
        engines: None,
        replay: None,
        cutover: None,
        draining: Default::default(),
    };
    // As the writer has it while its database is not open.
    state
        .stats
        .degraded
        .store(true, std::sync::atomic::Ordering::Relaxed);
    (dir, state)
}

#[test]
fn every_route_reading_the_store_is_503_in_its_own_form_while_it_cannot_be_read() {
    let (_dir, state) = unavailable();
    // Routes that read no store, or report on it rather than from it; a sled store has no
    // fleet to list, up or not.
    let not_reading = [
        ("/livez", StatusCode::OK),
        // Ready, saying the store drops records (the live path never depends on it).
        ("/readyz", StatusCode::OK),
        ("/metrics", StatusCode::OK),
        ("/api/v1/health", StatusCode::OK),
        ("/api/v1/instances", StatusCode::NOT_FOUND),
    ];
    for route in GET_ROUTES {
        let path = if route.with_id {
            format!("{}{}", route.path, "0".repeat(23) + "1")
        } else {
            route.path.to_owned()
        };
        // The parameters a route needs to read anything: a strategy, a batch run.
        let needed: Vec<&str> = [("strategy", "strategy=loan"), ("run", "run=nightly")]
            .into_iter()
            .filter(|(key, _)| route.takes.contains(key))
            .map(|(_, pair)| pair)
            .collect();
        let uri = format!("{path}?{}", needed.join("&"));
        let (status, headers, body) = call(&state, "GET", &uri, None);
        if let Some((_, expected)) = not_reading.iter().find(|(p, _)| *p == route.path) {
            assert_eq!(status, *expected, "{uri}: {body}");
            continue;
        }
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{uri}: {body}");
        match route.answer {
            Answer::Json => {
                let error = json(&body)["error"].as_str().unwrap().to_owned();
                assert!(error.contains("store"), "{uri}: {error}");
            }
            Answer::Page => {
                assert_eq!(headers["content-type"], "text/html; charset=utf-8", "{uri}");
                assert!(body.contains("503 Service Unavailable"), "{uri}: {body}");
                assert!(body.contains("could not be read"), "{uri}: {body}");
            }
        }
    }
    // The report cannot link back to itself: it offers itself again.
    let (_, _, page) = call(&state, "GET", "/", None);
    assert!(page.contains("reload the report"), "{page}");
    let (_, _, page) = call(&state, "GET", "/mismatches", None);
    assert!(page.contains("back to the report"), "{page}");
}

#[test]
fn a_triage_change_while_the_store_cannot_be_written_is_503_as_json_and_as_a_form() {
    let (_dir, state) = unavailable();
    let change = r#"{"strategy": "loan", "signature": "sig-grade", "state": "investigating", "by": "kim.j"}"#;
    let (status, _, body) = post(&state, "/api/v1/triage", "application/json", change);
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let form = "strategy=loan&signature=sig-grade&state=investigating&by=kim.j";
    let (status, headers, body) = post(
        &state,
        "/api/v1/triage",
        "application/x-www-form-urlencoded",
        form,
    );
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
}
