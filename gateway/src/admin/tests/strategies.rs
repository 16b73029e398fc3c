//! A strategy name the store never counted and the config does not name (a misspelt one) is
//! refused by every route that filters on it, never answered as a strategy without records; a
//! configured strategy without records yet is not unknown. A parameter a read does not take (a
//! misspelt `?strateg=`) is refused too, never read as no filter.

use super::*;
use crate::review::Policy;

const JSON: &str = "application/json";

/// The fixture (strategy `loan` counted, with one group) with `card` configured but never
/// compared.
fn with_card_configured() -> Fixture {
    let mut f = fixture(None);
    f.state.policies = Arc::new(|| {
        let mut policies = Policies::new();
        policies.insert("card".to_owned(), Policy::default());
        policies
    });
    f
}

#[test]
fn a_misspelt_strategy_is_404_on_the_reads_naming_what_there_is() {
    let f = with_card_configured();
    let refusal = "strategy: this store has counted no strategy named \"lon\" (it has counted: \
                   loan; configured, not counted yet: card)";
    for uri in [
        "/api/v1/mismatches?strategy=lon",
        "/api/v1/mismatches?strategy=lon&kind=mismatch",
        "/api/v1/groups?strategy=lon",
        "/api/v1/triage?strategy=lon",
        "/api/v1/replays?strategy=lon",
    ] {
        let (status, _, body) = call(&f.state, "GET", uri, None);
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}: {body}");
        assert_eq!(json(&body)["error"], refusal, "{uri}");
    }
    // The page says it in a sentence, with the same list.
    let (status, _, page) = call(&f.state, "GET", "/mismatches?strategy=lon", None);
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(
            "counted no strategy named <code>lon</code> (it has counted: loan; \
                       configured, not counted yet: card)"
        ),
        "{page}"
    );
}

#[test]
fn a_configured_strategy_without_records_is_empty_not_unknown() {
    let f = with_card_configured();
    let (status, _, body) = call(&f.state, "GET", "/api/v1/mismatches?strategy=card", None);
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(json(&body)["records"], serde_json::json!([]));
    for uri in [
        "/api/v1/groups?strategy=card",
        "/api/v1/triage?strategy=card",
        "/api/v1/replays?strategy=card",
    ] {
        let (status, _, body) = call(&f.state, "GET", uri, None);
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
        assert_eq!(json(&body)["groups"], serde_json::json!([]), "{uri}");
    }
    let (_, _, page) = call(&f.state, "GET", "/mismatches?strategy=card", None);
    assert!(page.contains("No records match."), "{page}");
    assert!(!page.contains("counted no strategy"), "{page}");
    // A counted strategy is known without a config.
    let bare = fixture(None);
    let (status, _, _) = call(&bare.state, "GET", "/api/v1/groups?strategy=loan", None);
    assert_eq!(status, StatusCode::OK);
}

#[test]
fn a_parameter_a_read_does_not_take_is_400_naming_it_and_the_ones_it_takes() {
    let f = with_card_configured();
    let strategy_only = |key: &str| {
        format!(
            "{key}: expected a parameter this route takes (strategy), found one it does not take"
        )
    };
    for (uri, refusal) in [
        (
            "/api/v1/replays?strateg=zzz&foo=1",
            strategy_only("strateg"),
        ),
        ("/api/v1/groups?strategy=loan&foo=1", strategy_only("foo")),
        (
            "/api/v1/triage?strategy=loan&stat=new",
            strategy_only("stat"),
        ),
        (
            "/api/v1/mismatches?strategy=loan&colour=red",
            "colour: expected a parameter this route takes (strategy, kind, signature, since, \
             from, until, limit, cursor, order), found one it does not take"
                .to_owned(),
        ),
    ] {
        let (status, _, body) = call(&f.state, "GET", uri, None);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert_eq!(json(&body)["error"], refusal, "{uri}");
    }
    // Without a strategy, the replays of every strategy, as before.
    let (status, _, body) = call(&f.state, "GET", "/api/v1/replays", None);
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(json(&body)["runs"], serde_json::json!([]));
}

#[test]
fn a_triage_change_of_a_misspelt_strategy_is_refused_with_the_strategies_there_are() {
    let f = with_card_configured();
    let change = |strategy: &str| {
        format!(
            r#"{{"strategy": "{strategy}", "signature": "sig-grade", "by": "kim", "state": "investigating"}}"#
        )
    };
    let (status, _, body) = post(&f.state, "/api/v1/triage", JSON, &change("lon"));
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        json(&body)["error"],
        "group lon/sig-grade: strategy: this store has counted no strategy named \"lon\" (it \
         has counted: loan; configured, not counted yet: card)"
    );
    // A configured strategy is known: its group is what is missing.
    let (status, _, body) = post(&f.state, "/api/v1/triage", JSON, &change("card"));
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        json(&body)["error"],
        "group card/sig-grade: expected a mismatch group of the store, found none"
    );
}
