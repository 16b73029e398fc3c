//! The token, `/readyz` and `GET /api/v1/health`: what is said without the token (kinds) and
//! with it (the words of whoever failed), and the engines' health on the summary and the page.

use super::*;

#[test]
fn the_token_guards_everything_but_health() {
    let f = fixture(Some("s3cret"));
    for path in ["/livez", "/readyz"] {
        assert_eq!(
            call(&f.state, "GET", path, None).0,
            StatusCode::OK,
            "{path}"
        );
    }
    for path in [
        "/",
        "/metrics",
        "/api/v1/summary",
        "/api/v1/health",
        "/api/v1/mismatches",
        "/api/v1/groups?strategy=loan",
        "/api/v1/readiness",
        "/mismatches/000000000000000000000001",
    ] {
        for token in [None, Some("wrong")] {
            let (status, headers, _) = call(&f.state, "GET", path, token);
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{path} {token:?}");
            assert!(headers["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer"));
        }
        assert_ne!(
            call(&f.state, "GET", path, Some("s3cret")).0,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }
    assert_eq!(
        call(&f.state, "POST", "/api/v1/reload", None).0,
        StatusCode::UNAUTHORIZED
    );
}

#[test]
fn readyz_fails_while_stopping() {
    let f = fixture(None);
    assert_eq!(
        api::readyz(&f.state, true).status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(call(&f.state, "GET", "/readyz", None).0, StatusCode::OK);
}

#[test]
fn a_rotated_token_takes_effect_and_the_old_one_stops_working() {
    let mut f = fixture(None);
    let current = Arc::new(std::sync::Mutex::new(Some("old".to_owned())));
    let reads = current.clone();
    f.state.token = Arc::new(move || reads.lock().unwrap().clone());
    assert_eq!(
        call(&f.state, "GET", "/metrics", Some("old")).0,
        StatusCode::OK
    );
    *current.lock().unwrap() = Some("new".to_owned());
    let old = call(&f.state, "GET", "/metrics", Some("old")).0;
    assert_eq!(old, StatusCode::UNAUTHORIZED);
    assert_eq!(
        call(&f.state, "GET", "/metrics", Some("new")).0,
        StatusCode::OK
    );
}

pub(super) fn engine(name: &str, up: bool, live_for: &[&str]) -> EngineStatus {
    EngineStatus {
        engine: name.to_owned(),
        protocol: "mci".to_owned(),
        live_for: live_for.iter().map(|s| (*s).to_owned()).collect(),
        shadow_for: vec!["other".to_owned()],
        up,
        checked: true,
        since: "2026-11-29T10:00:00.000000Z".to_owned(),
        last_error: (!up).then(|| "connect".to_owned()),
        last_error_at: (!up).then(|| "2026-11-29T10:00:00.000000Z".to_owned()),
        last_error_detail: (!up)
            .then(|| "10.0.0.7:7001: Connection refused (os error 111)".to_owned()),
        endpoint: Some("10.0.0.7:7001".to_owned()),
    }
}

#[test]
fn readyz_names_each_live_engine_down_by_its_failure_and_the_health_route_in_full() {
    let mut f = fixture(Some("s3cret"));
    f.state.engines = Some(Arc::new(|| {
        vec![
            engine("legacy", false, &["loan", "card"]),
            engine("new-engine", false, &[]),
            engine("fine", true, &["deposit"]),
        ]
    }));
    let (status, _, body) = call(&f.state, "GET", "/readyz", None);
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let ready: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["reason"], r#"live engine "legacy": unreachable"#);
    // The kind only: no since, no last error's time, no list of strategies.
    assert!(ready.get("strategies").is_none(), "{body}");
    assert!(!body.contains("2026-11-29"), "{body}");
    assert!(!body.contains("10.0.0.7"), "no address in {body}");
    // In full behind the token: each strategy with its engine, since when, its last failure.
    assert_eq!(
        call(&f.state, "GET", "/api/v1/health", None).0,
        StatusCode::UNAUTHORIZED
    );
    let (status, _, body) = call(&f.state, "GET", "/api/v1/health", Some("s3cret"));
    assert_eq!(status, StatusCode::OK);
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["status"], "not_ready");
    let down = health["strategies"].as_array().unwrap();
    let named: Vec<_> = down
        .iter()
        .map(|d| {
            (
                d["strategy"].as_str().unwrap(),
                d["engine"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(named, [("loan", "legacy"), ("card", "legacy")]);
    assert_eq!(down[0]["last_error"], "connect");
    assert_eq!(
        down[0]["last_error_detail"],
        "10.0.0.7:7001: Connection refused (os error 111)"
    );
    assert_eq!(down[0]["endpoint"], "10.0.0.7:7001");
    assert_eq!(down[0]["since"], "2026-11-29T10:00:00.000000Z");
    // The words of whoever failed, with the address: never in `/readyz` (checked above).
    assert_eq!(
        health["reasons"][0]["detail"],
        r#"live engine "legacy" at 10.0.0.7:7001 down since 2026-11-29T10:00:00.000000Z, last error at 2026-11-29T10:00:00.000000Z: 10.0.0.7:7001: Connection refused (os error 111); live for loan, card"#
    );
    assert_eq!(health["engines"].as_array().unwrap().len(), 3, "{body}");
    // A down shadow engine alone does not make the gateway unready.
    f.state.engines = Some(Arc::new(|| vec![engine("new-engine", false, &[])]));
    assert_eq!(call(&f.state, "GET", "/readyz", None).0, StatusCode::OK);
}

/// A spooling store's reason holds the server's words (a user name, here): `/readyz` says the
/// kind only, `/api/v1/health` behind the token says it all.
#[test]
fn readyz_says_the_kind_of_a_store_outage_and_the_health_route_its_words() {
    let f = fixture(Some("s3cret"));
    let server_said = r#"postgres refused the login (store backend failed to connect to postgres: FATAL: password authentication failed for user "shadowgate" (SQLSTATE 28P01))"#;
    f.state
        .stats
        .spooling
        .store(true, std::sync::atomic::Ordering::Relaxed);
    f.state
        .stats
        .set_spooling_reason(Some(crate::store::SpoolingReason {
            kind: "login refused",
            detail: server_said.to_owned(),
        }));
    let (status, _, body) = call(&f.state, "GET", "/readyz", None);
    assert_eq!(status, StatusCode::OK, "spooling keeps the gateway ready");
    let ready: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["detail"], "store spooling: login refused");
    for secret in ["password", "shadowgate", "SQLSTATE", "FATAL", "postgres"] {
        assert!(!body.contains(secret), "{secret} in {body}");
    }
    let (status, _, body) = call(&f.state, "GET", "/api/v1/health", Some("s3cret"));
    assert_eq!(status, StatusCode::OK);
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["status"], "ready");
    assert_eq!(health["spooling"]["kind"], "store spooling: login refused");
    assert_eq!(
        health["spooling"]["detail"],
        format!("store spooling: {server_said}, records and totals kept locally")
    );
    // Not ready for another reason, still spooling: both are said.
    let (status, _, body) = call(&f.state, "GET", "/readyz?", None);
    assert_eq!(status, StatusCode::OK, "{body}");
    let stopping = api::readyz(&f.state, true);
    assert_eq!(stopping.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = futures::executor::block_on(stopping.into_body().collect())
        .unwrap()
        .to_bytes();
    let ready: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        ready,
        serde_json::json!({
            "status": "not_ready",
            "reason": "shutting down",
            "detail": "store spooling: login refused",
        })
    );
}

#[test]
fn the_summary_and_the_page_show_engine_health() {
    let mut f = fixture(None);
    let (_, _, body) = call(&f.state, "GET", "/api/v1/summary", None);
    let summary: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(
        summary.get("engines").is_none(),
        "no engines without a gateway"
    );
    f.state.engines = Some(Arc::new(|| vec![engine("legacy", false, &["loan"])]));
    let (_, _, body) = call(&f.state, "GET", "/api/v1/summary", None);
    let summary: Summary = serde_json::from_str(&body).unwrap();
    assert_eq!(summary.engines.unwrap()[0].state(), "down");
    let (status, _, page) = call(&f.state, "GET", "/", None);
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<td>legacy</td><td>mci</td><td>live for loan; shadow for other</td><td><span class=\"blocked\">down</span></td>"),
        "{page}"
    );
    // In the page's zone (UTC here), as every time on the page; the API keeps RFC 3339.
    assert!(
        page.contains("connect at 2026-11-29 10:00:00 +00:00"),
        "{page}"
    );
}

/// A store that drops records keeps the gateway ready: `/readyz` says it in `detail`, beside the
/// spooling kind when both hold, so a load balancer never cuts core banking's connections for the
/// review side (on a database a fleet shares, it would cut every gateway's at once).
#[test]
fn a_degraded_store_keeps_the_gateway_ready_and_says_so() {
    let f = fixture(Some("s3cret"));
    let ordering = std::sync::atomic::Ordering::Relaxed;
    f.state.stats.degraded.store(true, ordering);
    let (status, _, body) = call(&f.state, "GET", "/readyz", None);
    assert_eq!(status, StatusCode::OK, "{body}");
    let ready: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        ready,
        serde_json::json!({
            "status": "ready",
            "detail": "store degraded: records are being dropped",
        })
    );
    let (_, _, body) = call(&f.state, "GET", "/api/v1/health", Some("s3cret"));
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["status"], "ready");
    assert_eq!(health["store_degraded"], true);
    assert_eq!(health["reasons"], serde_json::json!([]));
    // A full spool: spooling and dropping, both said.
    f.state.stats.spooling.store(true, ordering);
    f.state
        .stats
        .set_spooling_reason(Some(crate::store::SpoolingReason {
            kind: "unreachable",
            detail: "postgres unreachable (connection refused)".to_owned(),
        }));
    let (status, _, body) = call(&f.state, "GET", "/readyz", None);
    assert_eq!(status, StatusCode::OK, "{body}");
    let ready: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        ready["detail"],
        "store spooling: unreachable; store degraded: records are being dropped"
    );
    // Not ready for its own reason, the store still said.
    let stopping = api::readyz(&f.state, true);
    assert_eq!(stopping.status(), StatusCode::SERVICE_UNAVAILABLE);
}

/// After a run that did not stop cleanly, `/api/v1/health` says so with that run's start and pid;
/// the gateway stays ready (what was lost is lost, serving is not at stake).
#[test]
fn health_says_how_the_previous_run_ended() {
    let mut f = fixture(Some("s3cret"));
    let health = |f: &Fixture| {
        let (_, _, body) = call(&f.state, "GET", "/api/v1/health", Some("s3cret"));
        serde_json::from_str::<serde_json::Value>(&body).unwrap()
    };
    // The fixture's store is new: nothing known about a previous run.
    let fresh = health(&f);
    assert_eq!(fresh["previous_run"], "unknown");
    assert_eq!(fresh["previous_run_started_at"], serde_json::Value::Null);
    assert_eq!(fresh["previous_run_pid"], serde_json::Value::Null);
    let stats = Arc::new(crate::store::StoreStats::default());
    stats.set_previous_run(crate::store::PreviousRun::Unclean(crate::store::RunStart {
        started_at: 1_764_763_200_123_456,
        pid: 4242,
    }));
    f.state.stats = stats;
    let unclean = health(&f);
    assert_eq!(unclean["status"], "ready");
    assert_eq!(unclean["previous_run"], "unclean");
    assert_eq!(
        unclean["previous_run_started_at"],
        "2025-12-03T12:00:00.123456Z"
    );
    assert_eq!(unclean["previous_run_pid"], 4242);
    let (status, _, body) = call(&f.state, "GET", "/readyz", None);
    assert_eq!(status, StatusCode::OK, "{body}");
    let ready: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready, serde_json::json!({"status": "ready"}));
}
