//! The triage routes: a change's state read as the CLI reads it, an unknown one refusing the
//! whole change.

use super::*;
use crate::triage::TriageState;

/// The group's triage as `GET /api/v1/triage` shows it, and the audit trail's length.
fn triage_now(state: &AdminState) -> (Value, usize) {
    let (_, _, body) = call(state, "GET", "/api/v1/triage?strategy=loan", None);
    let (_, _, audit) = call(state, "GET", "/api/v1/audit", None);
    let entries = json(&audit)["entries"].as_array().map_or(0, Vec::len);
    (json(&body)["groups"][0]["triage"].clone(), entries)
}

#[test]
fn an_unknown_or_blank_state_refuses_the_whole_change_in_the_form_and_the_api() {
    let f = fixture(None);
    let before = triage_now(&f.state);
    let expected = |found: &str| {
        format!(
            "group loan/sig-grade: state: expected one of new, investigating, fix_deployed, \
             verified, accepted_difference, not_a_defect, found {found}"
        )
    };
    for (state, found) in [("xyz", "\"xyz\""), ("", "nothing"), ("+", "nothing")] {
        let (status, headers, body) = post(
            &f.state,
            "/api/v1/triage",
            FORM,
            &format!("strategy=loan&signature=sig-grade&by=kim&state={state}&assignee=lee&note=n"),
        );
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{state:?}: {body}"
        );
        assert_eq!(headers["content-type"], "text/html; charset=utf-8");
        assert!(
            body.contains(&html::escape(&expected(found))),
            "{state:?}: {body}"
        );
        assert_eq!(triage_now(&f.state), before, "{state:?}: nothing applied");
    }
    let (status, _, body) = post(
        &f.state,
        "/api/v1/triage",
        "application/json",
        r#"{"strategy": "loan", "signature": "sig-grade", "by": "kim", "state": "xyz", "assignee": "lee"}"#,
    );
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        json(&body),
        serde_json::json!({ "error": expected("\"xyz\"") })
    );
    assert_eq!(triage_now(&f.state), before, "nothing applied");
}

#[test]
fn the_api_and_the_form_take_the_states_as_the_cli_spells_them() {
    let f = fixture(None);
    let (status, _, body) = post(
        &f.state,
        "/api/v1/triage",
        "application/json",
        r#"{"strategy": "loan", "signature": "sig-grade", "by": "kim", "state": "fix-deployed"}"#,
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(json(&body)["triage"]["state"], "fix_deployed");
    let (status, _, body) = post(
        &f.state,
        "/api/v1/triage",
        FORM,
        "strategy=loan&signature=sig-grade&by=kim&state=not+a+defect",
    );
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(
        triage_now(&f.state).0["state"],
        TriageState::NotADefect.as_str()
    );
    // The CLI's JSON with no state (`null`) changes the rest and keeps the state.
    let (status, _, body) = post(
        &f.state,
        "/api/v1/triage",
        "application/json",
        r#"{"strategy": "loan", "signature": "sig-grade", "by": "kim", "state": null, "assignee": "lee"}"#,
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (
            &json(&body)["triage"]["state"],
            &json(&body)["triage"]["assignee"]
        ),
        (&Value::from("not_a_defect"), &Value::from("lee"))
    );
}

#[test]
fn each_strategys_card_has_its_own_id_and_a_saved_form_leads_back_to_it() {
    // A strategy name that needs escaping in the page and percent-encoding in the link.
    let other = "loan 한도";
    let f = fixture_with(None, vec![mismatch(other, "김*")]);
    let (_, _, page) = call(&f.state, "GET", "/", None);
    assert_eq!(page.matches("id=\"triage-loan\"").count(), 1, "{page}");
    // No whitespace in an id: the name percent-encoded, as in the redirect's fragment.
    let id = "id=\"triage-loan%20%ED%95%9C%EB%8F%84\"";
    assert_eq!(page.matches(id).count(), 1, "{page}");
    assert!(!page.contains("id=\"triage\""), "{page}");
    for (strategy, encoded, location) in [
        ("loan", "loan", "../../#triage-loan"),
        (
            other,
            "loan%20%ED%95%9C%EB%8F%84",
            "../../#triage-loan%20%ED%95%9C%EB%8F%84",
        ),
    ] {
        let (status, headers, body) = post(
            &f.state,
            "/api/v1/triage",
            FORM,
            &format!("strategy={encoded}&signature=sig-grade&by=kim&state=investigating"),
        );
        assert_eq!(status, StatusCode::SEE_OTHER, "{strategy}: {body}");
        assert_eq!(headers["location"], location, "{strategy}");
        assert!(body.contains(&format!("href=\"{location}\"")), "{body}");
    }
    // Refused, the page links back to the card too; with no strategy, to the page.
    let (status, _, body) = post(
        &f.state,
        "/api/v1/triage",
        FORM,
        "strategy=loan%20%ED%95%9C%EB%8F%84&signature=sig-grade&by=kim&state=verified",
    );
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.contains("href=\"../../#triage-loan%20%ED%95%9C%EB%8F%84\""),
        "{body}"
    );
    let (status, _, body) = post(&f.state, "/api/v1/triage", FORM, "by=kim&state=new");
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("href=\"../../\""), "{body}");
}

#[test]
fn who_asks_is_by_in_the_api_and_its_audit_and_the_deprecated_who_still_works() {
    let f = fixture(None);
    let change = |names: &str, state: &str| {
        post(
            &f.state,
            "/api/v1/triage",
            "application/json",
            &format!(
                r#"{{"strategy": "loan", "signature": "sig-grade", {names}, "state": "{state}"}}"#
            ),
        )
    };
    let (status, _, body) = change(r#""who": "kim""#, "investigating");
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(json(&body)["triage"]["updated_by"], "kim");

    let before = triage_now(&f.state);
    let (status, _, body) = change(r#""by": "lee", "who": "kim""#, "fix_deployed");
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        json(&body)["error"],
        "group loan/sig-grade: by and who: expected one name (who is the deprecated name of by), \
         found by \"lee\" and who \"kim\""
    );
    assert_eq!(triage_now(&f.state), before, "nothing applied");

    let (status, _, body) = change(r#""by": "lee""#, "fix_deployed");
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, _, audit) = call(&f.state, "GET", "/api/v1/audit", None);
    let entries = &json(&audit)["entries"];
    // `who` stays beside `by` for readers of the name before.
    for (at, name) in [(0, "kim"), (1, "lee")] {
        assert_eq!(entries[at]["by"], name, "{audit}");
        assert_eq!(entries[at]["who"], name, "{audit}");
    }
}

#[test]
fn the_form_takes_who_as_the_api_does_and_refuses_two_names_with_a_page() {
    let f = fixture(None);
    let form = |fields: &str| {
        post(
            &f.state,
            "/api/v1/triage",
            FORM,
            &format!("strategy=loan&signature=sig-grade&{fields}"),
        )
    };
    let before = triage_now(&f.state);
    let (status, headers, body) = form("by=lee&who=kim&state=investigating");
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    let reason = "group loan/sig-grade: by and who: expected one name (who is the deprecated \
                  name of by), found by \"lee\" and who \"kim\"";
    assert!(body.contains(&html::escape(reason)), "{body}");
    assert!(body.contains("<a href=\"../../#triage-loan\">"), "{body}");
    assert_eq!(triage_now(&f.state), before, "nothing applied");

    let (status, _, body) = form("who=kim&state=investigating");
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let (triage, _) = triage_now(&f.state);
    assert_eq!(triage["updated_by"], "kim", "{triage}");
}

#[test]
fn a_misspelt_key_is_400_and_a_change_of_nothing_is_refused_unaudited() {
    let f = fixture(None);
    let json_post = |body: &str| post(&f.state, "/api/v1/triage", "application/json", body);
    let (status, _, body) = json_post(
        r#"{"strategy": "loan", "signature": "sig-grade", "by": "kim", "state": "fix_deployed"}"#,
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    let before = triage_now(&f.state);

    let (status, _, body) = json_post(
        r#"{"strategy": "loan", "signature": "sig-grade", "by": "kim", "stat": "investigating"}"#,
    );
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let error = json(&body)["error"].as_str().unwrap().to_owned();
    assert!(
        error.starts_with(
            "body: expected a triage change as JSON, found unknown field `stat`, expected one of \
             `strategy`, `signature`, `by`, `who`, `state`,"
        ),
        "{error}"
    );
    assert_eq!(triage_now(&f.state), before, "nothing applied");

    let nothing = "group loan/sig-grade: expected something to change (state, assignee, note, \
                   link or rule), found nothing the group does not have already (state \
                   fix_deployed)";
    for body in [
        r#"{"strategy": "loan", "signature": "sig-grade", "by": "kim"}"#,
        r#"{"strategy": "loan", "signature": "sig-grade", "by": "kim", "state": "fix-deployed"}"#,
        r#"{"strategy": "loan", "signature": "sig-grade", "by": "kim", "note": " "}"#,
    ] {
        let (status, _, answer) = json_post(body);
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_eq!(json(&answer)["error"], nothing, "{body}");
        assert_eq!(triage_now(&f.state), before, "{body}: nothing audited");
    }
    // A note alone is a change: it is the audit entry's own.
    let (status, _, body) = json_post(
        r#"{"strategy": "loan", "signature": "sig-grade", "by": "kim", "note": "deployed 1.4"}"#,
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(triage_now(&f.state).1, before.1 + 1);

    // Sent again as the group has them: the refusal names each field sent, not the state alone.
    let same = r#"{"strategy": "loan", "signature": "sig-grade", "by": "kim",
                   "state": "fix_deployed", "assignee": "kim.j", "link": "https://t/MIG-7"}"#;
    let (status, _, body) = json_post(same);
    assert_eq!(status, StatusCode::OK, "{body}");
    let before = triage_now(&f.state);
    let (status, _, answer) = json_post(same);
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(
        json(&answer)["error"],
        "group loan/sig-grade: expected something to change (state, assignee, note, link or \
         rule), found nothing the group does not have already (state fix_deployed, assignee \
         \"kim.j\", link \"https://t/MIG-7\")"
    );
    assert_eq!(triage_now(&f.state), before, "nothing audited");
}

#[test]
fn a_signoff_request_with_a_key_it_does_not_take_is_refused() {
    let refused = super::json_body::read::<crate::cutover::SignRequest>(
        br#"{"strategy": "loan", "bye": "kim"}"#,
        "a sign-off request",
    )
    .unwrap_err();
    assert!(
        refused.contains("found unknown field `bye`, expected one of `strategy`, `by`, `note`"),
        "{refused}"
    );
}

#[test]
fn a_signoff_refused_for_its_request_has_no_blockers_key_and_a_blocked_one_lists_them() {
    use crate::cutover::{CutoverError, CutoverErrorKind};
    let mut f = fixture(None);
    f.state.cutover = Some(Arc::new(|request: crate::cutover::SignRequest| {
        let kind = match request.by.trim().is_empty() {
            true => CutoverErrorKind::NoName,
            false => CutoverErrorKind::Blocked {
                blockers: vec!["min_comparisons: 1 comparisons so far".to_owned()],
            },
        };
        Err(CutoverError::new(&request.strategy, kind))
    }));
    let sign = |body: &str| post(&f.state, "/api/v1/cutover/sign", "application/json", body);
    let (status, _, body) = sign(r#"{"strategy": "loan"}"#);
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let answer = json(&body);
    assert_eq!(
        answer,
        serde_json::json!({
            "error": "cutover sign-off of loan: by: expected the name of who signs, found nothing"
        })
    );
    let (status, _, body) = sign(r#"{"strategy": "loan", "by": "choi"}"#);
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        json(&body)["blockers"],
        serde_json::json!(["min_comparisons: 1 comparisons so far"])
    );
}

/// The fields of the page's first triage form as a browser posts them: each named input with
/// its value (`value` attribute, `fill` for one the user types in, else blank) and the select
/// with its selected option, in the page's order, form-encoded.
fn rendered_form(page: &str, fill: &[(&str, &str)]) -> String {
    let start = page
        .find("<form ")
        .unwrap_or_else(|| panic!("a form: {page}"));
    let form = &page[start..start + page[start..].find("</form>").unwrap()];
    let attribute = |tag: &str, name: &str| {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(tag[at..at + tag[at..].find('"')?].to_owned())
    };
    let mut fields = Vec::new();
    for tag in form.split('<').skip(1) {
        let tag = &tag[..tag.find('>').unwrap()];
        let Some(name) = attribute(tag, "name") else {
            continue;
        };
        let value = if tag.starts_with("select") {
            let options = &form[form.find(tag).unwrap()..];
            let selected = options.find(" selected>").unwrap();
            let open = options[..selected].rfind("<option").unwrap();
            attribute(&options[open..], "value").unwrap()
        } else {
            let typed = fill.iter().find(|(field, _)| *field == name);
            match (attribute(tag, "value"), typed) {
                (_, Some((_, typed))) => (*typed).to_owned(),
                (Some(value), None) => value.replace("&amp;", "&"),
                (None, None) => String::new(),
            }
        };
        fields.push(format!("{name}={}", encode_param(&value)));
    }
    fields.join("&")
}

#[test]
fn the_form_the_page_renders_is_taken_as_posted_and_an_unknown_field_is_refused_by_name() {
    let f = fixture(None);
    let (_, _, page) = call(&f.state, "GET", "/", None);
    let posted = rendered_form(&page, &[("by", "kim"), ("note", "grade table")]);
    for field in [
        "strategy=loan",
        "signature=sig-grade",
        "state=new",
        "by=kim",
        "assignee=&",
        "rule=",
    ] {
        assert!(posted.contains(field), "{field}: {posted}");
    }
    let before = triage_now(&f.state);
    let (status, _, body) = post(&f.state, "/api/v1/triage", FORM, &posted);
    assert_eq!(status, StatusCode::SEE_OTHER, "{posted}: {body}");
    let after = triage_now(&f.state);
    assert_eq!(after.0["note"], "grade table");
    assert_eq!(after.1, before.1 + 1, "audited");

    // The same form with a field it does not have: refused by name, nothing applied.
    let (status, headers, body) = post(
        &f.state,
        "/api/v1/triage",
        FORM,
        &format!("{posted}&stat=verified"),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert!(body.contains("<h1>Triage change refused</h1>"), "{body}");
    assert!(
        body.contains("The triage change of group loan/sig-grade was not saved."),
        "{body}"
    );
    let reason = "stat: expected a field of the triage form (strategy, signature, by, who, \
                  state, assignee, note, link, rule, seen_updated_micros), found one it does not \
                  have";
    assert!(body.contains(&html::escape(reason)), "{body}");
    assert!(body.contains("<a href=\"../../#triage-loan\">"), "{body}");
    assert_eq!(triage_now(&f.state), after, "nothing applied");
    // The JSON refuses a key it does not have the same way, in its own words.
    let (status, _, body) = post(
        &f.state,
        "/api/v1/triage",
        "application/json",
        r#"{"strategy": "loan", "signature": "sig-grade", "by": "kim", "stat": "verified"}"#,
    );
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        json(&body)["error"].as_str().unwrap().contains("`stat`"),
        "{body}"
    );
}

#[test]
fn a_refused_form_post_is_answered_with_a_page_and_a_json_call_with_json() {
    let f = fixture(None);
    let page = |status: StatusCode, headers: &http::HeaderMap, body: &str, reason: &str| {
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(headers["content-type"], "text/html; charset=utf-8");
        assert!(body.contains(reason), "{body}");
        // Relative, as the page's links: it works under a proxy's path prefix.
        assert!(body.contains("<a href=\"../../#triage-loan\">"), "{body}");
    };
    let (status, headers, body) = post(
        &f.state,
        "/api/v1/triage",
        FORM,
        "strategy=loan&signature=sig-grade&by=kim&state=accepted_difference&rule=",
    );
    page(
        status,
        &headers,
        &body,
        "group loan/sig-grade: rule: expected the rule that covers an accepted difference, found nothing",
    );
    assert!(body.contains("group loan/sig-grade to accepted_difference was not saved"));
    let (status, headers, body) = post(
        &f.state,
        "/api/v1/triage",
        FORM,
        "strategy=loan&signature=sig-grade&by=kim&state=verified",
    );
    page(
        status,
        &headers,
        &body,
        "group loan/sig-grade: expected state fix_deployed before verified, found new",
    );
    let (status, headers, body) = post(
        &f.state,
        "/api/v1/triage",
        FORM,
        "strategy=loan&signature=%3Cb%3E&by=kim&state=investigating",
    );
    page(
        status,
        &headers,
        &body,
        "group loan/&lt;b&gt;: expected a mismatch group of the store, found none",
    );
    assert!(!body.contains("<b>"), "escaped: {body}");

    // The CLI's JSON call keeps its JSON answer, word for word.
    let (status, headers, body) = post(
        &f.state,
        "/api/v1/triage",
        "application/json",
        r#"{"strategy": "loan", "signature": "sig-grade", "by": "kim", "state": "verified"}"#,
    );
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(
        json(&body),
        serde_json::json!({"error": "group loan/sig-grade: expected state fix_deployed before verified, found new"})
    );
    let (_, _, audit) = call(&f.state, "GET", "/api/v1/audit", None);
    assert_eq!(
        json(&audit)["entries"],
        serde_json::json!([]),
        "nothing saved"
    );
}

#[test]
fn a_saved_form_post_goes_back_to_the_page_by_a_relative_link() {
    let f = fixture(None);
    let (_, _, page) = call(&f.state, "GET", "/", None);
    // The form posts relative to the page; the redirect is relative to the form's action.
    assert!(page.contains("action=\"api/v1/triage\""), "{page}");
    let (status, headers, _) = post(
        &f.state,
        "/api/v1/triage",
        FORM,
        "strategy=loan&signature=sig-grade&by=kim&state=investigating",
    );
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "../../#triage-loan");
    let (status, _, body) = post(
        &f.state,
        "/api/v1/triage",
        "application/json",
        r#"{"strategy": "loan", "signature": "sig-grade", "by": "kim", "state": "fix_deployed"}"#,
    );
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json(&body)["triage"]["state"], "fix_deployed");
}

#[test]
fn a_form_loaded_before_another_change_cannot_undo_it_and_the_api_refuses_a_stale_change() {
    let mut f = fixture(None);
    let seoul = || crate::review::ReviewView::named("Asia/Seoul").unwrap();
    f.state.view = Arc::new(seoul);
    // park.h loads the page: the form carries the triage's time as read (never triaged: 0).
    let (_, _, page) = call(&f.state, "GET", "/", None);
    assert!(
        page.contains("<input type=\"hidden\" name=\"seen_updated_micros\" value=\"0\">"),
        "{page}"
    );
    let stale = rendered_form(&page, &[("by", "park.h"), ("note", "grade table")]);
    assert!(stale.contains("state=new"), "{stale}");
    assert!(stale.contains("seen_updated_micros=0"), "{stale}");
    // choi.m sets the group to investigating (on another gateway, say).
    let (status, _, body) = post(
        &f.state,
        "/api/v1/triage",
        "application/json",
        r#"{"strategy": "loan", "signature": "sig-grade", "by": "choi.m", "state": "investigating"}"#,
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    let changed = triage_now(&f.state);
    let micros = changed.0["updated_micros"].as_u64().unwrap();
    let expected = |at: String| {
        format!(
            "group loan/sig-grade: changed since you read it: by choi.m at {at}, now \
             investigating; read it again"
        )
    };

    // park.h's form, `new` still selected: refused, nothing undone; the page's time in its zone.
    let (status, _, body) = post(&f.state, "/api/v1/triage", FORM, &stale);
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.contains("<h1>Triage change refused</h1>"), "{body}");
    let on_the_page = expected(seoul().time(micros));
    assert!(on_the_page.contains(" +09:00, now"), "{on_the_page}");
    assert!(body.contains(&html::escape(&on_the_page)), "{body}");
    assert_eq!(triage_now(&f.state), changed, "nothing applied");

    // The API the same way, in JSON; made from the triage as it is now, it is applied.
    let change = |seen: u64| {
        format!(
            r#"{{"strategy": "loan", "signature": "sig-grade", "by": "park.h", "state": "new",
                "note": "grade table", "seen_updated_micros": {seen}}}"#
        )
    };
    let (status, _, body) = post(&f.state, "/api/v1/triage", "application/json", &change(0));
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let in_utc = expected(crate::store::format_micros(micros));
    assert_eq!(json(&body), serde_json::json!({ "error": in_utc }));
    assert_eq!(triage_now(&f.state), changed, "nothing applied");
    let (status, _, body) = post(
        &f.state,
        "/api/v1/triage",
        "application/json",
        &change(micros),
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(json(&body)["triage"]["state"], "new");

    // The page made now carries the new time.
    let (_, _, page) = call(&f.state, "GET", "/", None);
    let now = triage_now(&f.state).0["updated_micros"].as_u64().unwrap();
    let hidden = format!("<input type=\"hidden\" name=\"seen_updated_micros\" value=\"{now}\">");
    assert!(page.contains(&hidden), "{page}");
}
