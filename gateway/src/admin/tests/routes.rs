//! The `GET` route table: every route refuses a parameter it does not take, in its own form (a
//! page or JSON), takes the ones it lists, and every link the pages render is a route that
//! takes what the link sends. A path no route has is a page under `/`, JSON under `/api/`.

use super::*;
use crate::admin::routes::{Answer, GetRoute, GET_ROUTES};

/// A record id of the fixture: the `{id}` of the routes that take one.
fn record_id(state: &AdminState) -> String {
    let (_, _, list) = call(state, "GET", "/api/v1/mismatches", None);
    json(&list)["records"][0]["id"].as_str().unwrap().to_owned()
}

/// The path of `route` with `id` after it when it takes one.
fn path_of(route: &GetRoute, id: &str) -> String {
    if route.with_id {
        format!("{}{id}", route.path)
    } else {
        route.path.to_owned()
    }
}

#[test]
fn every_get_route_refuses_a_parameter_it_does_not_take_in_its_own_form() {
    let f = fixture(None);
    let id = record_id(&f.state);
    for route in GET_ROUTES {
        let uri = format!("{}?strategy%5F=loan", path_of(route, &id));
        let (status, headers, body) = call(&f.state, "GET", &uri, None);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        let message = if route.takes.is_empty() {
            "strategy_: expected no parameter (this route takes no parameters), found one"
                .to_owned()
        } else {
            format!(
                "strategy_: expected a parameter this route takes ({}), found one it does not \
                 take",
                route.takes.join(", ")
            )
        };
        match route.answer {
            Answer::Json => assert_eq!(json(&body), serde_json::json!({ "error": message })),
            Answer::Page => {
                assert_eq!(headers["content-type"], "text/html; charset=utf-8", "{uri}");
                assert!(
                    body.contains("<h1>Parameter not taken</h1>"),
                    "{uri}: {body}"
                );
                assert!(body.contains(&html::escape(&message)), "{uri}: {body}");
            }
        }
    }
    // A query without parameters is none.
    for uri in ["/api/v1/summary?", "/?&"] {
        assert_eq!(call(&f.state, "GET", uri, None).0, StatusCode::OK, "{uri}");
    }
}

#[test]
fn every_get_route_takes_the_parameters_it_lists_and_is_served() {
    let f = fixture(None);
    let id = record_id(&f.state);
    let value = |key: &str| match key {
        "strategy" => "loan".to_owned(),
        "kind" => "mismatch".to_owned(),
        "signature" => "sig-grade".to_owned(),
        "since" | "from" => "2026-01-01T00%3A00%3A00Z".to_owned(),
        // After since: a window that holds no time is refused.
        "until" => "2026-01-02T00%3A00%3A00Z".to_owned(),
        "limit" => "5".to_owned(),
        "cursor" => id.clone(),
        "order" => "oldest".to_owned(),
        "run" => "no-such-run".to_owned(),
        "group" => "0".to_owned(),
        other => panic!("a value for {other}"),
    };
    for route in GET_ROUTES {
        let query: Vec<String> = route
            .takes
            .iter()
            .map(|key| format!("{key}={}", value(key)))
            .collect();
        let uri = format!("{}?{}", path_of(route, &id), query.join("&"));
        let (status, _, body) = call(&f.state, "GET", &uri, None);
        assert!(!body.contains("expected a parameter"), "{uri}: {body}");
        // Served by its own handler: never the answer to a path no route has.
        assert!(!body.contains("no such route"), "{uri}: {body}");
        assert!(!body.contains("Page not found"), "{uri}: {body}");
        assert!(
            status.is_success() || status == StatusCode::NOT_FOUND,
            "{uri}: {status} {body}"
        );
    }
}

/// Without the token every guarded route answers 401 in its own form, with `WWW-Authenticate`:
/// an error page where a browser asked for a page, JSON elsewhere; a path no route has, as its
/// 404 would be (a page, JSON under `/api/`).
#[test]
fn every_guarded_route_refuses_a_request_without_the_token_in_its_own_form() {
    let f = fixture(Some("s3cret"));
    let message = "missing or wrong bearer token (authorization: Bearer <token>)";
    let routes = GET_ROUTES
        .iter()
        .filter(|route| !["/livez", "/readyz"].contains(&route.path))
        .map(|route| (path_of(route, "000000000000000000000001"), route.answer));
    let unrouted = [
        ("/nope".to_owned(), Answer::Page),
        ("/api/v1/nope".to_owned(), Answer::Json),
        ("/api/v1/reload".to_owned(), Answer::Json),
    ];
    for (path, answer) in routes.chain(unrouted) {
        for token in [None, Some("wrong")] {
            let (status, headers, body) = call(&f.state, "GET", &path, token);
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{path} {token:?}");
            assert_eq!(
                headers["www-authenticate"], "Bearer realm=\"shadowgate\"",
                "{path}"
            );
            match answer {
                Answer::Json => {
                    assert_eq!(
                        json(&body),
                        serde_json::json!({ "error": message }),
                        "{path}"
                    )
                }
                Answer::Page => {
                    assert_eq!(
                        headers["content-type"], "text/html; charset=utf-8",
                        "{path}"
                    );
                    let at = |needle: &str| {
                        body.find(needle)
                            .unwrap_or_else(|| panic!("{path}: {needle}: {body}"))
                    };
                    assert!(at("<h1>Bearer token required</h1>") < at("401 Unauthorized"));
                    assert!(body.contains(&html::escape(message)), "{path}: {body}");
                }
            }
        }
    }
}

/// `href` resolved against the page at `base` (a path, maybe with a query), as a browser
/// resolves a relative link; `None` for a link within the page or off the site.
fn resolve(base: &str, href: &str) -> Option<String> {
    let href = href.split('#').next().unwrap_or("").replace("&amp;", "&");
    if href.is_empty() || href.contains("://") {
        return None;
    }
    let (href_path, query) = match href.split_once('?') {
        Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
        None => (href.clone(), None),
    };
    let base_path = base.split('?').next().unwrap_or("/");
    let joined = if href_path.starts_with('/') {
        href_path
    } else {
        let dir = &base_path[..=base_path.rfind('/').unwrap_or(0)];
        format!("{dir}{href_path}")
    };
    let mut segments: Vec<&str> = Vec::new();
    let parts: Vec<&str> = joined.split('/').skip(1).collect();
    for (i, segment) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        match *segment {
            "." if last => segments.push(""),
            "." => {}
            ".." => {
                segments.pop();
                if last {
                    segments.push("");
                }
            }
            s => segments.push(s),
        }
    }
    let path = format!("/{}", segments.join("/"));
    Some(match query {
        Some(query) => format!("{path}?{query}"),
        None => path,
    })
}

/// Every `href` of a page.
fn links(page: &str) -> Vec<String> {
    page.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_link_the_pages_render_is_served_with_what_it_sends() {
    assert_eq!(resolve("/mismatches/1", "../"), Some("/".to_owned()));
    assert_eq!(resolve("/", "./"), Some("/".to_owned()));
    assert_eq!(
        resolve("/mismatches?x=1", "mismatches?a=1&amp;b=2#top"),
        Some("/mismatches?a=1&b=2".to_owned())
    );
    assert_eq!(resolve("/batches", "#example-0"), None);

    // A batch run beside the records, and more records than a page shows (a next page link).
    let extra = (0..3).map(|_| mismatch("loan", "이*")).collect();
    let f = fixture_of(None, extra, Some(crate::admin::batch_page::tests::run()));
    let mut seen = std::collections::BTreeSet::from(["/".to_owned()]);
    let mut queue = vec!["/".to_owned(), "/mismatches?limit=2".to_owned()];
    while let Some(page) = queue.pop() {
        let (status, headers, body) = call(&f.state, "GET", &page, None);
        assert!(status.is_success(), "{page}: {status} {body}");
        if !headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
        {
            continue;
        }
        for href in links(&body) {
            let Some(target) = resolve(&page, &href) else {
                continue;
            };
            if seen.insert(target.clone()) {
                queue.push(target);
            }
        }
    }
    for expected in ["/mismatches/", "/batches?run=", "signature=", "cursor="] {
        assert!(
            seen.iter().any(|page| page.contains(expected)),
            "a link to {expected}: {seen:?}"
        );
    }
}

#[test]
fn a_path_no_route_has_is_a_page_outside_the_api_and_json_inside_it() {
    let f = fixture(None);
    for (path, back) in [
        ("/nope", "./"),
        ("/ui/overview", "../"),
        ("/mismatches/1/raw/", "../../../"),
    ] {
        let (status, headers, body) = call(&f.state, "GET", path, None);
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            headers["content-type"], "text/html; charset=utf-8",
            "{path}"
        );
        let at = |needle: &str| {
            body.find(needle)
                .unwrap_or_else(|| panic!("{needle}: {body}"))
        };
        let (heading, status_line) = (at("<h1>Page not found</h1>"), at("404 Not Found"));
        assert!(heading < status_line, "{body}");
        assert!(body.contains(&format!("no page at {path}")), "{body}");
        assert!(
            body.contains(&format!("<a href=\"{back}\">back to the report</a>")),
            "{path}: {body}"
        );
        assert_eq!(resolve(path, back), Some("/".to_owned()), "{path}");
    }
    for path in ["/api/v1/nope", "/api/v2/summary", "/api"] {
        let (status, headers, body) = call(&f.state, "GET", path, None);
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(headers["content-type"], "application/json", "{path}");
        assert_eq!(json(&body), serde_json::json!({ "error": "no such route" }));
    }
    // A route's wrong method is still a 405 naming the methods it has, an id route's included.
    let (status, headers, _) = call(&f.state, "POST", "/mismatches/1", None);
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(headers["allow"], "GET");
    // The token is asked for before a path is looked up.
    let f = fixture(Some("s3cret"));
    assert_eq!(
        call(&f.state, "GET", "/nope", None).0,
        StatusCode::UNAUTHORIZED
    );
}
