//! What another site's page could make an operator's browser post: refused by its `Origin` (or
//! `Referer`) and, on a JSON route, by its body type; curl-like clients and the page's own form
//! go on.

use super::*;

const CHANGE: &str =
    r#"{"strategy": "loan", "signature": "sig-grade", "by": "eve", "state": "not_a_defect"}"#;

/// A `POST` of `body` with `headers`.
fn post_with(
    state: &AdminState,
    uri: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (StatusCode, String) {
    let mut request = http::Request::builder().method("POST").uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let (status, _, body) = send(state, request, Bytes::from(body.to_owned()));
    (status, body)
}

/// How many entries the audit trail has.
fn audited(state: &AdminState) -> usize {
    let (_, _, audit) = call(state, "GET", "/api/v1/audit", None);
    json(&audit)["entries"].as_array().map_or(0, Vec::len)
}

#[test]
fn another_sites_post_is_refused_by_its_origin_or_referer_and_changes_nothing() {
    let f = fixture(None);
    let from_evil = |origin: &str| {
        format!(
            "{origin}: expected a request from the admin listener's own pages (host \
             127.0.0.1:9190), found one from http://evil.example{} (another site's page may \
             not change anything here)",
            if origin == "referer" { "/page" } else { "" }
        )
    };
    // The trial's forged triage change: a "simple" request (text/plain) with another origin.
    let (status, body) = post_with(
        &f.state,
        "/api/v1/triage",
        &[
            ("host", "127.0.0.1:9190"),
            ("origin", "http://evil.example"),
            ("content-type", "text/plain"),
        ],
        CHANGE,
    );
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(json(&body)["error"], from_evil("origin"));
    assert_eq!(audited(&f.state), 0, "nothing audited");
    // A reload (no body) and a replay, from a page that sends only a Referer.
    for (uri, headers) in [
        ("/api/v1/reload", vec![("origin", "http://evil.example")]),
        (
            "/api/v1/reload",
            vec![("referer", "http://evil.example/page")],
        ),
        ("/api/v1/replays", vec![("origin", "http://evil.example")]),
    ] {
        let mut headers = headers;
        headers.push(("host", "127.0.0.1:9190"));
        let (status, body) = post_with(&f.state, uri, &headers, "");
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}: {body}");
        assert_eq!(json(&body)["error"], from_evil(headers[0].0), "{uri}");
    }
    // A sandboxed page's origin is `null`: another site's all the same.
    let (status, _) = post_with(
        &f.state,
        "/api/v1/reload",
        &[("host", "127.0.0.1:9190"), ("origin", "null")],
        "",
    );
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[test]
fn the_pages_own_origin_and_clients_without_one_go_on() {
    let mut f = fixture(None);
    // A name the listener answers to (see `host`).
    f.state.allowed_hosts = Arc::new(|| vec!["gw.bank.example".to_owned()]);
    // The page's form, posted by a browser from the page: its origin is the listener's host
    // (a default port written or not), or the host a proxy forwarded.
    let cases = [
        vec![
            ("host", "127.0.0.1:9190"),
            ("origin", "http://127.0.0.1:9190"),
        ],
        vec![
            ("host", "gw.bank.example"),
            ("origin", "http://GW.bank.example:80"),
        ],
        vec![
            ("host", "127.0.0.1:9190"),
            ("x-forwarded-host", "review.bank.example"),
            ("origin", "https://review.bank.example"),
        ],
        vec![
            ("host", "127.0.0.1:9190"),
            ("referer", "http://127.0.0.1:9190/"),
        ],
    ];
    for (i, mut headers) in cases.into_iter().enumerate() {
        headers.push(("content-type", FORM_TYPE));
        // Each a change: a note the group does not have yet.
        let form = format!("strategy=loan&signature=sig-grade&by=kim&note=n{i}");
        let (status, body) = post_with(&f.state, "/api/v1/triage", &headers, &form);
        assert_eq!(status, StatusCode::SEE_OTHER, "{headers:?}: {body}");
    }
    assert_eq!(audited(&f.state), 4);
    // curl and the CLI send no origin: JSON goes on, and a reload without a body.
    let (status, _, body) = post(&f.state, "/api/v1/triage", "application/json", CHANGE);
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, _) = call(&f.state, "POST", "/api/v1/reload", None);
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the fixture's reload is refused"
    );
}

#[test]
fn a_json_route_refuses_a_body_of_another_type() {
    let f = fixture(None);
    for (uri, content_type, found) in [
        ("/api/v1/triage", Some("text/plain"), "text/plain"),
        ("/api/v1/triage", None, "a body without a content-type"),
        ("/api/v1/replays", Some(FORM_TYPE), FORM_TYPE),
        (
            "/api/v1/cutover/sign",
            Some("multipart/form-data; boundary=x"),
            "multipart/form-data; boundary=x",
        ),
        ("/api/v1/reload", Some("text/plain"), "text/plain"),
    ] {
        let mut headers = Vec::new();
        headers.extend(content_type.map(|t| ("content-type", t)));
        let (status, body) = post_with(&f.state, uri, &headers, CHANGE);
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{uri}: {body}");
        let expected = if uri == "/api/v1/triage" {
            "application/json (or application/x-www-form-urlencoded, the page's form)"
        } else {
            "application/json"
        };
        assert_eq!(
            json(&body)["error"],
            format!("content-type: expected {expected}, found {found}"),
            "{uri}"
        );
    }
    assert_eq!(audited(&f.state), 0, "nothing audited");
    // JSON with a charset is JSON.
    let (status, _, body) = post(
        &f.state,
        "/api/v1/triage",
        "Application/JSON; charset=utf-8",
        CHANGE,
    );
    assert_eq!(status, StatusCode::OK, "{body}");
}

const FORM_TYPE: &str = "application/x-www-form-urlencoded";
