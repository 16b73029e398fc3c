//! Every page the admin serves is titled `shadowgate: ` and a lowercase name (`shadowgate:
//! triage change refused`, `shadowgate: mismatch 0000… in loan`), so tabs and history read
//! alike, and its heading is in sentence case (`Triage change refused`, `Mismatch 0000… in
//! loan`).

use super::*;

/// The text of the page's first `tag` element (empty when it has none).
fn element<'a>(page: &'a str, tag: &str) -> &'a str {
    let open = format!("<{tag}>");
    let Some(start) = page.find(&open).map(|at| at + open.len()) else {
        return "";
    };
    let end = page[start..]
        .find(&format!("</{tag}>"))
        .map_or(start, |at| start + at);
    &page[start..end]
}

fn title(page: &str) -> &str {
    element(page, "title")
}

#[test]
fn every_page_title_is_shadowgate_and_a_lowercase_name() {
    let f = fixture(None);
    let (_, _, list) = call(&f.state, "GET", "/api/v1/mismatches", None);
    let id = json(&list)["records"][0]["id"].as_str().unwrap().to_owned();
    let get = |uri: &str| call(&f.state, "GET", uri, None);
    let form = |fields: &str| post(&f.state, "/api/v1/triage", FORM, fields);
    let pages = [
        ("summary", get("/")),
        ("records", get("/mismatches")),
        ("record", get(&format!("/mismatches/{id}"))),
        ("bad record id", get("/mismatches/nonsense")),
        ("no batch run", get("/batches?run=none")),
        ("no such page", get("/ui/overview")),
        ("parameter not taken", get("/?strategy=loan")),
        (
            "refused change",
            form("strategy=loan&signature=sig-grade&by=kim&state=verified"),
        ),
        (
            "saved change",
            form("strategy=loan&signature=sig-grade&by=kim&state=investigating"),
        ),
    ];
    for (what, (status, headers, page)) in pages {
        assert_eq!(
            headers["content-type"], "text/html; charset=utf-8",
            "{what}: {status}"
        );
        let title = title(&page);
        let name = title.strip_prefix("shadowgate: ").unwrap_or("");
        assert!(
            name.starts_with(|c: char| c.is_ascii_lowercase()),
            "{what}: {title:?}"
        );
        // The saved change's answer is a redirect whose body is a link, without a heading.
        if status != StatusCode::SEE_OTHER {
            let heading = element(&page, "h1");
            let first = heading.chars().find(|c| c.is_alphabetic());
            assert!(
                first.is_some_and(char::is_uppercase),
                "{what}: heading {heading:?}"
            );
            assert!(!heading.starts_with("shadowgate"), "{what}: {heading:?}");
        }
    }
}

#[test]
fn a_record_page_title_names_its_kind_as_its_heading_does() {
    let Event::Record(mut failed) = mismatch("deposit", "김*") else {
        unreachable!()
    };
    failed.kind = RecordKind::ShadowError;
    let f = fixture_with(None, vec![Event::Record(failed)]);
    for (strategy, title_kind, heading_kind) in [
        ("loan", "mismatch", "Mismatch"),
        ("deposit", "shadow error", "Shadow error"),
    ] {
        let uri = format!("/api/v1/mismatches?strategy={strategy}");
        let (_, _, list) = call(&f.state, "GET", &uri, None);
        let id = json(&list)["records"][0]["id"].as_str().unwrap().to_owned();
        let (status, _, page) = call(&f.state, "GET", &format!("/mismatches/{id}"), None);
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(
            title(&page),
            format!("shadowgate: {title_kind} {id} in {strategy}")
        );
        assert_eq!(
            element(&page, "h1"),
            format!("{heading_kind} {id} in {strategy}")
        );
    }
}

#[test]
fn an_error_page_says_what_went_wrong_in_words_and_shows_its_status() {
    let f = fixture(None);
    let missing = "0000000000000001ffffffff";
    let pages = [
        ("/mismatches/nonsense", 400, "not a record id", "nonsense"),
        (
            &format!("/mismatches/{missing}") as &str,
            404,
            "record not found",
            &format!("no record {missing} (unknown, or removed by retention)") as &str,
        ),
        (
            "/mismatches?limit=x",
            400,
            "records filter not understood",
            "limit",
        ),
        (
            "/batches",
            400,
            "batch run not named",
            "run: expected a run id, found none",
        ),
        (
            "/batches?run=r&group=one",
            400,
            "not a batch group number",
            "\"one\"",
        ),
        (
            "/batches?run=none",
            404,
            "batch run not found",
            "no batch run none",
        ),
    ];
    for (uri, code, what, message) in pages {
        let (status, _, page) = call(&f.state, "GET", uri, None);
        assert_eq!(status.as_u16(), code, "{uri}: {page}");
        assert_eq!(title(&page), format!("shadowgate: {what}"), "{uri}");
        let heading = element(&page, "h1");
        assert_eq!(heading.to_lowercase(), what, "{uri}: {page}");
        // The status stays in view under the heading, and the details under it.
        let status_line = format!("<p class=\"muted status\">{status}</p>");
        assert!(page.contains(&status_line), "{uri}: {page}");
        let details = page.split(&status_line).nth(1).unwrap_or("");
        assert!(details.contains(&escape(message)), "{uri}: {page}");
    }
}
