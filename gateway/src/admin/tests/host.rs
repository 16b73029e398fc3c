//! DNS rebinding: a request addressed to a host name the listener does not answer to is 421
//! before anything else (the token, the origin) is looked at, naming the host and the config key;
//! IP literals, `localhost` and names under it always go on, listed names too, and elsewhere than on loopback any
//! name while none is listed.

use super::*;

/// A `GET` of `uri` with `Host: host` (and an HTTP/2 `:authority` when the uri has one) to a
/// listener on loopback or not.
fn get(state: &AdminState, loopback: bool, uri: &str, host: &str) -> (StatusCode, String) {
    let request = http::Request::builder().uri(uri).header("host", host);
    let (status, _, body) = send_to(state, loopback, request, Bytes::new());
    (status, body)
}

fn allowing(names: &[&str]) -> Fixture {
    let mut f = fixture(Some("secret"));
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    f.state.allowed_hosts = Arc::new(move || names.clone());
    f
}

#[test]
fn a_rebinding_name_on_loopback_is_421_naming_the_host_and_the_key() {
    let f = allowing(&[]);
    for uri in ["/api/v1/summary", "/", "/livez", "/api/v1/reload"] {
        let (status, body) = get(&f.state, true, uri, "evil.example:9190");
        assert_eq!(status, StatusCode::MISDIRECTED_REQUEST, "{uri}: {body}");
        assert_eq!(
            json(&body)["error"],
            "host: expected an IP address, localhost, a name under .localhost or a name in \
             listeners.admin.allowed_hosts (none listed), found \"evil.example:9190\" (a page of \
             another site can reach this listener by a name of its own that resolves here: DNS \
             rebinding)",
            "{uri}"
        );
    }
    // A forwarded host does not stand in for the Host a rebinding page cannot set.
    let request = http::Request::builder()
        .uri("/livez")
        .header("host", "evil.example")
        .header("x-forwarded-host", "127.0.0.1");
    let (status, _, _) = send(&f.state, request, Bytes::new());
    assert_eq!(status, StatusCode::MISDIRECTED_REQUEST);
    // An HTTP/2 request's authority is its host.
    let request = http::Request::builder().uri("http://evil.example:9190/livez");
    let (status, _, _) = send(&f.state, request, Bytes::new());
    assert_eq!(status, StatusCode::MISDIRECTED_REQUEST);
}

#[test]
fn literals_localhost_and_listed_names_go_on() {
    let f = allowing(&["review.bank.example"]);
    for host in [
        "127.0.0.1:9190",
        "[::1]:9190",
        "localhost:9190",
        "LOCALHOST",
        "FOO.LOCALHOST.",
        "[::ffff:127.0.0.1]",
        "review.bank.example",
        "Review.Bank.Example.:443",
    ] {
        let (status, body) = get(&f.state, true, "/livez", host);
        assert_eq!(status, StatusCode::OK, "{host}: {body}");
        // Past the host, the token is asked for as before.
        let (status, _) = get(&f.state, true, "/api/v1/summary", host);
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{host}");
    }
    let (status, body) = get(&f.state, true, "/livez", "evil.example");
    assert_eq!(status, StatusCode::MISDIRECTED_REQUEST);
    assert!(
        body.contains("listeners.admin.allowed_hosts (review.bank.example), found"),
        "{body}"
    );
    // A bare IPv6 address is no Host (RFC 3986 §3.2.2): its colons read as a port.
    let (status, body) = get(&f.state, true, "/livez", "::1");
    assert_eq!(status, StatusCode::MISDIRECTED_REQUEST);
    assert!(body.contains(r#"found \"::1\""#), "{body}");
    // A request without a Host (HTTP/1.0) is no browser's.
    let request = http::Request::builder().uri("/livez");
    assert_eq!(send(&f.state, request, Bytes::new()).0, StatusCode::OK);
}

#[test]
fn elsewhere_than_loopback_any_name_goes_on_until_one_is_listed() {
    let open = allowing(&[]);
    let (status, _) = get(&open.state, false, "/livez", "gw.bank.example:9190");
    assert_eq!(status, StatusCode::OK, "today's deployments keep working");
    let listed = allowing(&["gw.bank.example"]);
    for (host, status) in [
        ("gw.bank.example:9190", StatusCode::OK),
        ("10.1.2.3:9190", StatusCode::OK),
        ("evil.example:9190", StatusCode::MISDIRECTED_REQUEST),
    ] {
        assert_eq!(
            get(&listed.state, false, "/livez", host).0,
            status,
            "{host}"
        );
    }
}
