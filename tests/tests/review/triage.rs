//! Triage end to end, through a running gateway's admin API and the CLI (`groups set --from`):
//! a group goes new → investigating → fix deployed → verified, new mismatches of its signature
//! reopen it, and the audit trail lists every step in order with who and when, its chain intact.

use std::time::Duration;

use serde_json::Value;
use shadowgate::cli::{self, AuditCommand, GroupArgs, GroupsSetArgs, SourceArgs};
use shadowgate::triage::TriageState;

use crate::support::{Scenario, STRATEGY, TOKEN_ENV};

fn remote(scenario: &Scenario) -> SourceArgs {
    SourceArgs {
        store: None,
        config: None,
        from: Some(scenario.admin.clone()),
        token_env: Some(TOKEN_ENV.to_owned()),
    }
}

/// Runs a CLI function off the async workers (its client has its own runtime).
async fn run(command: impl FnOnce(&mut Vec<u8>) -> anyhow::Result<()> + Send + 'static) -> String {
    let out = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        command(&mut out).map(|()| out)
    })
    .await
    .unwrap()
    .unwrap_or_else(|e| panic!("{e:#}"));
    String::from_utf8(out).unwrap()
}

async fn groups(scenario: &Scenario) -> Vec<Value> {
    let (status, _, body) = scenario
        .get(&format!("/api/v1/triage?strategy={STRATEGY}"))
        .await;
    assert_eq!(status, 200, "{body}");
    let value: Value = serde_json::from_str(&body).unwrap();
    value["groups"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_goes_to_verified_reopens_when_it_grows_and_every_step_is_audited() {
    let readiness = "min_comparisons = 100\nmin_clean_days = 0";
    let seoul = "[review]\ntime_zone = \"Asia/Seoul\"\n";
    let scenario = Scenario::start_with(true, readiness, seoul, |_| {}).await;
    scenario.traffic(9).await;
    // The counters `traffic` waits for can be committed before the groups (seen once in CI
    // under load: no group yet): wait for the group itself, bounded.
    let deadline = tokio::time::Instant::now() + crate::support::DEADLINE;
    let group = loop {
        let first = groups(&scenario).await;
        let found = first.into_iter().find(|g| {
            g["group"]["differing_paths"]
                .as_array()
                .is_some_and(|p| !p.is_empty())
        });
        if let Some(group) = found {
            break group;
        }
        assert!(tokio::time::Instant::now() < deadline, "no mismatch group");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(group["triage"]["state"], "new");
    let signature = group["group"]["signature"].as_str().unwrap().to_owned();
    let count = group["group"]["count"].as_u64().unwrap();

    let steps = [
        ("kim", TriageState::Investigating),
        ("kim", TriageState::FixDeployed),
        ("lee", TriageState::Verified),
    ];
    for (by, state) in steps {
        let args = GroupsSetArgs {
            group: GroupArgs {
                source: remote(&scenario),
                strategy: STRATEGY.to_owned(),
                signature: signature.clone(),
            },
            by: by.to_owned(),
            state: Some(state),
            assignee: Some("kim".to_owned()),
            note: Some(format!("step {state}")),
            link: Some("https://tickets.example/MIG-7".to_owned()),
            rule: None,
        };
        let printed = run(move |out| cli::run_groups_set(&args, out)).await;
        assert!(printed.contains(&format!("{state} (by {by})")), "{printed}");
    }
    // `verified` only after a deployed fix: refused with the reason.
    let (status, body) = post_json(
        &scenario,
        &format!(r#"{{"strategy": "{STRATEGY}", "signature": "{signature}", "by": "x", "state": "accepted_difference", "rule": "ignore body.nothing"}}"#),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains(
            "expected a rule of the strategy (ignore header.sent_at, ignore body.message)"
        ),
        "{body}"
    );

    // The same requests again: the group grows past its verified count and reopens by itself.
    let mut client =
        shadowgate_tests::gateway::MciClient::connect(scenario.running.mci_addresses[0]).await;
    for i in 0..9 {
        client.call(&crate::support::request_frame(i)).await;
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let reopened = loop {
        let now = groups(&scenario).await;
        let g = now
            .into_iter()
            .find(|g| g["group"]["signature"] == signature.as_str())
            .unwrap();
        if g["triage"]["reopened"] == true {
            break g;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not reopened: {g:#}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(reopened["triage"]["state"], "new");
    assert!(reopened["group"]["count"].as_u64().unwrap() > count);

    let (status, _, body) = scenario.get("/api/v1/audit").await;
    assert_eq!(status, 200, "{body}");
    let audit: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(audit["chain_ok"], true, "{body}");
    let entries = audit["entries"].as_array().unwrap();
    assert_eq!(
        entries[0]["action"], "start",
        "the gateway's start comes first"
    );
    let trail: Vec<(String, String, String)> = entries[1..]
        .iter()
        .map(|e| {
            assert!(e["time_micros"].as_u64().unwrap() > 0);
            (
                e["by"].as_str().unwrap().to_owned(),
                e["from"].as_str().unwrap().to_owned(),
                e["to"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let step = |by: &str, from: &str, to: &str| (by.to_owned(), from.to_owned(), to.to_owned());
    assert_eq!(
        trail,
        [
            step("kim", "new", "investigating"),
            step("kim", "investigating", "fix_deployed"),
            step("lee", "fix_deployed", "verified"),
            step("shadowgate", "verified", "new"),
        ]
    );
    let times: Vec<u64> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_object().unwrap()["time_micros"].as_u64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");

    // The CLI shows the same trail and verifies the chain through the API.
    let show = GroupArgs {
        source: remote(&scenario),
        strategy: STRATEGY.to_owned(),
        signature: signature.clone(),
    };
    let shown = run(move |out| cli::run_groups_show(&show, out)).await;
    assert!(
        shown.contains("state: new (reopened by itself after verified)"),
        "{shown}"
    );
    let verified_step = format!("lee {STRATEGY}/{signature} fix_deployed → verified");
    assert!(shown.contains(&verified_step), "{shown}");
    assert!(shown.contains("reopened by itself: "), "{shown}");
    let verify = AuditCommand::Verify(remote(&scenario));
    let verified = run(move |out| cli::run_audit(&verify, out)).await;
    assert!(
        verified.contains("5 entries, hash chain intact"),
        "{verified}"
    );

    // `verified` again, on the reopened group: refused, naming who set the state and when, in
    // the review's zone from the CLI and in UTC in the API's JSON.
    let again = GroupsSetArgs {
        group: show_args(&scenario, &signature),
        by: "lee".to_owned(),
        state: Some(TriageState::Verified),
        assignee: None,
        note: None,
        link: None,
        rule: None,
    };
    let refused = tokio::task::spawn_blocking(move || {
        cli::run_groups_set(&again, &mut Vec::new()).unwrap_err()
    })
    .await
    .unwrap()
    .to_string();
    let said = "expected state fix_deployed before verified, found new (set by shadowgate at ";
    assert!(refused.contains(said), "{refused}");
    assert!(refused.contains(" +09:00)"), "{refused}");
    let (status, body) = post_json(
        &scenario,
        &format!(r#"{{"strategy": "{STRATEGY}", "signature": "{signature}", "by": "lee", "state": "verified"}}"#),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains(said) && body.contains("Z)"), "{body}");
}

/// The group of `signature`, read through the scenario's admin API.
fn show_args(scenario: &Scenario, signature: &str) -> GroupArgs {
    GroupArgs {
        source: remote(scenario),
        strategy: STRATEGY.to_owned(),
        signature: signature.to_owned(),
    }
}

/// A POST of JSON to `/api/v1/triage` with the scenario's token: status and body.
async fn post_json(scenario: &Scenario, body: &str) -> (u16, String) {
    use bytes::Bytes;
    use http_body_util::{BodyExt, Full};
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let request = http::Request::post(format!("{}/api/v1/triage", scenario.admin))
        .header(
            "authorization",
            format!("Bearer {}", scenario.token.unwrap()),
        )
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap();
    let response = tokio::time::timeout(Duration::from_secs(20), client.request(request))
        .await
        .unwrap()
        .unwrap();
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

/// Where [`token_proxy`] mounts the admin listener, as a reverse proxy serving several tools does.
const PREFIX: &str = "/shadowgate";

/// A proxy in front of the admin listener that adds the bearer token to every request, as the
/// README says a browser reaches the page: the deployment the page's forms are made for. It
/// serves the admin listener under [`PREFIX`] (its URL is returned with it) and nothing else, so
/// a link or redirect that leaves the prefix finds nothing. It keeps every redirect's `location`
/// it passed on (a fragment never reaches a server: this is where the test sees it). It passes
/// the browser's host on as `x-forwarded-host` (the admin listener refuses a post whose origin
/// is another host's), and serves the test's harness page at `/harness.html`, beside the prefix:
/// a page of the proxy's origin, as the report it serves is.
async fn token_proxy(admin: String, token: &'static str) -> (String, Redirects, Harness) {
    use bytes::Bytes;
    use http_body_util::{BodyExt, Full};
    use hyper::service::service_fn;
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::{TokioExecutor, TokioIo};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let redirects = Redirects::default();
    let harness = Harness::default();
    let (seen, page) = (redirects.clone(), harness.clone());
    tokio::spawn(async move {
        let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
        while let Ok((stream, _)) = listener.accept().await {
            let (client, admin, seen, page) =
                (client.clone(), admin.clone(), seen.clone(), page.clone());
            tokio::spawn(async move {
                let service = service_fn(move |request: http::Request<hyper::body::Incoming>| {
                    let (client, admin, seen) = (client.clone(), admin.clone(), seen.clone());
                    let page = page.clone();
                    async move {
                        let (mut parts, body) = request.into_parts();
                        let body = body.collect().await?.to_bytes();
                        let asked = parts.uri.path_and_query().unwrap().as_str();
                        if asked == "/harness.html" {
                            let html = page.lock().unwrap().clone();
                            let harness = http::Response::builder()
                                .header("content-type", "text/html; charset=utf-8")
                                .body(Full::new(Bytes::from(html)))
                                .unwrap();
                            return Ok(harness);
                        }
                        let Some(path) = asked.strip_prefix(PREFIX) else {
                            let outside = http::Response::builder()
                                .status(404)
                                .body(Full::new(Bytes::from_static(b"not under the prefix")))
                                .unwrap();
                            return Ok(outside);
                        };
                        let path = if path.starts_with('/') {
                            path.to_owned()
                        } else {
                            format!("/{path}")
                        };
                        let target = format!("{admin}{path}");
                        parts.uri = target.parse().unwrap();
                        parts
                            .headers
                            .insert("authorization", format!("Bearer {token}").parse().unwrap());
                        if let Some(host) = parts.headers.remove("host") {
                            parts.headers.insert("x-forwarded-host", host);
                        }
                        let request = http::Request::from_parts(parts, Full::new(body));
                        let answer = client.request(request).await.unwrap();
                        let (parts, body) = answer.into_parts();
                        if let Some(location) = parts.headers.get("location") {
                            let location = location.to_str().unwrap().to_owned();
                            seen.lock().unwrap().push(location);
                        }
                        let body = body.collect().await.unwrap().to_bytes();
                        Ok::<_, hyper::Error>(http::Response::from_parts(parts, Full::new(body)))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (format!("http://{address}{PREFIX}"), redirects, harness)
}

/// The `location` of every redirect [`token_proxy`] passed on, in order.
type Redirects = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// The page [`token_proxy`] serves at `/harness.html`.
type Harness = std::sync::Arc<std::sync::Mutex<String>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_change_posted_through_the_page_form_in_chromium_shows_on_the_page() {
    let scenario = Scenario::start(true, "min_comparisons = 100\nmin_clean_days = 0").await;
    scenario.traffic(9).await;
    let (proxy, redirects, harness) =
        token_proxy(scenario.admin.clone(), scenario.token.unwrap()).await;
    let (status, _, page) = scenario.get("/").await;
    assert_eq!(status, 200);
    // Each strategy's triage card has its own id, where a saved change leads back to.
    let card = format!("id=\"triage-{STRATEGY}\"");
    assert!(page.contains(&card), "{page}");
    // The page's first triage form, filled in as a person would: a state, a name, a note.
    let start = page
        .find("<form method=\"post\" action=\"api/v1/triage\"")
        .unwrap_or_else(|| panic!("no triage form on the page: {page}"));
    let form = &page[start..start + page[start..].find("</form>").unwrap() + "</form>".len()];
    let signature = form
        .split("name=\"signature\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let filled = form
        .replace(
            "action=\"api/v1/triage\"",
            &format!("action=\"{proxy}/api/v1/triage\""),
        )
        .replace(" selected", "")
        .replace(
            "<option value=\"investigating\">",
            "<option value=\"investigating\" selected>",
        )
        .replace(
            "<input name=\"by\" placeholder=\"your name\" required>",
            "<input name=\"by\" value=\"park.j\">",
        )
        .replace(
            "<input name=\"note\" placeholder=\"note\">",
            "<input name=\"note\" value=\"looking at grades\">",
        );
    // The harness page submits the form on load; the gateway's page itself has no script. It
    // is served by the proxy, so the post has the page's origin, as the report's own form has.
    *harness.lock().unwrap() = format!(
        "<!doctype html><html><body onload=\"document.forms[0].submit()\">{filled}</body></html>"
    );
    let url = format!("{}/harness.html", proxy.strip_suffix(PREFIX).unwrap());
    let dom = tokio::task::spawn_blocking(move || crate::chromium::dump_dom_after_navigation(&url))
        .await
        .unwrap();
    let text = crate::chromium::visible_text(&dom);
    // After the post, the browser followed the redirect to the page (under the proxy's prefix:
    // the redirect is relative), which shows the change.
    assert!(
        text.contains(&format!("{signature} investigating")) && text.contains("looking at grades"),
        "{text}"
    );
    assert!(text.contains("by park.j"), "{text}");
    // To the strategy's own triage card (relative, so under the prefix), not the first one's.
    let redirects = redirects.lock().unwrap().clone();
    assert!(!redirects.is_empty(), "no redirect");
    for location in &redirects {
        assert_eq!(location, &format!("../../#triage-{STRATEGY}"));
    }
    assert!(dom.contains(&card), "{dom}");
    let (_, _, body) = scenario.get("/api/v1/audit").await;
    let audit: Value = serde_json::from_str(&body).unwrap();
    // After the gateway's start entry.
    let entry = &audit["entries"][1];
    assert_eq!(entry["by"], "park.j", "{body}");
    assert_eq!(entry["to"], "investigating", "{body}");
    assert_eq!(entry["note"], "looking at grades", "{body}");
}
