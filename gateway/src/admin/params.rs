//! Query strings into filters: `?strategy=loan&kind=mismatch&from=2026-11-21T00:00:00Z&limit=50`.

use crate::review::{check_window, parse_kind as kind, parse_time};
use crate::store::ListQuery;

/// The parameters `GET /api/v1/mismatches` (and the records page) takes; `from` is `since`'s
/// alias.
pub(super) const LIST_PARAMS: &[&str] = &[
    "strategy",
    "kind",
    "signature",
    "since",
    "from",
    "until",
    "limit",
    "cursor",
    "order",
];

/// The filters of `GET /api/v1/mismatches` (`strategy`, `kind`, `signature`, `from`, `until`,
/// `limit`, `cursor`, `order=newest|oldest`); newest first unless asked otherwise.
pub fn list_query(query: &str) -> Result<ListQuery, String> {
    let mut list = ListQuery {
        newest_first: true,
        ..ListQuery::default()
    };
    // The key `since` was given as, for a window refused below.
    let mut since = "since";
    for (key, value) in pairs(query) {
        let value = value.as_str();
        match key.as_str() {
            "strategy" => list.strategy = Some(value.to_owned()),
            "kind" => list.kind = Some(kind(value)?),
            "signature" => list.signature = Some(value.to_owned()),
            // The error names the key as given: the README says `since`, `from` is its alias.
            key @ ("from" | "since") => {
                since = if key == "from" { "from" } else { "since" };
                list.from_micros = Some(parse_time(value).map_err(|e| format!("{key}: {e}"))?)
            }
            "until" => {
                list.until_micros = Some(parse_time(value).map_err(|e| format!("until: {e}"))?)
            }
            "limit" => {
                list.limit = value
                    .parse()
                    .map_err(|_| format!("limit: {value:?} is not a number"))?;
            }
            "cursor" => list.cursor = Some(value.parse().map_err(|e| format!("cursor: {e}"))?),
            "order" => {
                list.newest_first = match value {
                    "newest" => true,
                    "oldest" => false,
                    _ => return Err(format!("order: {value:?}: expected newest or oldest")),
                }
            }
            other => return Err(unknown(other, LIST_PARAMS)),
        }
    }
    check_window(list.from_micros, list.until_micros, [since, "until"])?;
    Ok(list)
}

/// Refuses the first parameter of `query` that `takes` does not list, naming it and the ones
/// the route takes: a misspelt `?strateg=loan` must not read as no filter at all.
pub(crate) fn only(query: &str, takes: &[&str]) -> Result<(), String> {
    match first_unknown(query, takes) {
        Some(key) => Err(unknown(&key, takes)),
        None => Ok(()),
    }
}

/// The first key of `query` (a query string or a form body), decoded, that `takes` does not
/// list.
pub(crate) fn first_unknown(query: &str, takes: &[&str]) -> Option<String> {
    pairs(query)
        .map(|(key, _)| key)
        .find(|key| !takes.contains(&key.as_str()))
}

/// The 400 text for a parameter `key` that a route taking `takes` does not take.
fn unknown(key: &str, takes: &[&str]) -> String {
    if takes.is_empty() {
        return format!("{key}: expected no parameter (this route takes no parameters), found one");
    }
    format!(
        "{key}: expected a parameter this route takes ({}), found one it does not take",
        takes.join(", ")
    )
}

/// The value of `key` in a query string.
pub(crate) fn param(query: &str, key: &str) -> Option<String> {
    pairs(query).find(|(k, _)| k == key).map(|(_, v)| v)
}

/// Decoded `key=value` pairs.
fn pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query.split('&').filter(|p| !p.is_empty()).map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (decode(key), decode(value))
    })
}

/// Percent-decoding, with `+` as a space (HTML forms); invalid escapes stay as written.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |at: usize| bytes.get(at).and_then(|h| (*h as char).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'%', Some(high), Some(low)) => {
                // Two hex digits make at most 255.
                out.push(u8::try_from(high * 16 + low).unwrap_or(b'?'));
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes a query value (everything but unreserved characters).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{parse_rfc3339, RecordKind};

    #[test]
    fn a_bad_time_is_named_by_the_key_it_was_given_under() {
        for key in ["since", "from", "until"] {
            let error = list_query(&format!("{key}=bad")).unwrap_err();
            assert!(error.starts_with(&format!("{key}: \"bad\": ")), "{error}");
        }
    }

    #[test]
    fn a_window_that_holds_no_time_is_refused_naming_since_as_given() {
        for key in ["since", "from"] {
            assert_eq!(
                list_query(&format!("{key}=2026-12-04&until=2026-12-01")).unwrap_err(),
                format!(
                    "{key}: expected a time before until (2026-12-01T00:00:00.000000Z), found \
                     2026-12-04T00:00:00.000000Z, after it"
                )
            );
        }
        assert!(list_query("since=2026-12-01&until=2026-12-04").is_ok());
    }

    #[test]
    fn a_parameter_the_route_does_not_take_is_named_with_the_ones_it_does() {
        assert_eq!(only("strategy=loan", &["strategy"]), Ok(()));
        assert_eq!(only("", &["strategy"]), Ok(()));
        assert_eq!(
            only("strategy=loan&strateg%79=x&foo=1", &["strategy"]),
            Err(
                "foo: expected a parameter this route takes (strategy), found one it does not \
                 take"
                    .to_owned()
            ),
            "the first unknown one, keys decoded (strateg%79 is strategy)"
        );
        assert_eq!(
            only("strateg=zzz", &["strategy", "run"]).unwrap_err(),
            "strateg: expected a parameter this route takes (strategy, run), found one it does \
             not take"
        );
        assert_eq!(
            only("strategy=x", &[]).unwrap_err(),
            "strategy: expected no parameter (this route takes no parameters), found one"
        );
        assert_eq!(only("", &[]), Ok(()));
    }

    #[test]
    fn filters_parse_with_encoded_times() {
        let query = list_query(
            "strategy=loan%20screening&kind=unencodable&from=2026-11-21T09%3A00%3A00%2B09%3A00&until=1800000000000000&limit=5&order=oldest",
        )
        .unwrap();
        assert_eq!(query.strategy.as_deref(), Some("loan screening"));
        assert_eq!(query.kind, Some(RecordKind::Unencodable));
        assert_eq!(query.from_micros, parse_rfc3339("2026-11-21T00:00:00Z"));
        assert_eq!(query.until_micros, Some(1_800_000_000_000_000));
        assert_eq!(query.limit, 5);
        assert!(!query.newest_first);
        assert!(list_query("").unwrap().newest_first);
        for bad in [
            "kind=bad",
            "from=yesterday",
            "limit=x",
            "cursor=zz",
            "colour=red",
        ] {
            assert!(list_query(bad).is_err(), "{bad}");
        }
        assert_eq!(
            list_query("strategy=loan&colour=red").unwrap_err(),
            "colour: expected a parameter this route takes (strategy, kind, signature, since, \
             from, until, limit, cursor, order), found one it does not take"
        );
        assert_eq!(encode("a b+c/é"), "a%20b%2Bc%2F%C3%A9");
        assert_eq!(decode(&encode("a b+c/é")), "a b+c/é");
    }
}
