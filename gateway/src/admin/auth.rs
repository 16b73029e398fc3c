//! The bearer token check. The comparison takes the same time wherever the first wrong byte is,
//! so the token cannot be guessed byte by byte from response times.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode};
use http_body_util::Full;

use super::html::{error, Report};
use super::routes::{self, Answer};
use crate::listener::server;

/// Whether `headers` carry `authorization: Bearer <token>`; always true without a token.
pub(super) fn authorized(headers: &HeaderMap, token: Option<&str>) -> bool {
    let Some(token) = token else {
        return true;
    };
    let Some(given) = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
    else {
        return false;
    };
    constant_time_eq(given.trim().as_bytes(), token.as_bytes())
}

/// Why a request without the token is refused.
const REFUSED: &str = "missing or wrong bearer token (authorization: Bearer <token>)";

/// 401 with `www-authenticate: Bearer`, in the form of what `path` answers
/// ([`routes::answer_of`]): an error page where a browser asked for a page, JSON elsewhere.
pub(super) fn unauthorized(path: &str) -> http::Response<Full<Bytes>> {
    let status = StatusCode::UNAUTHORIZED;
    let mut response = match routes::answer_of(path) {
        Answer::Json => server::json_error(status, REFUSED),
        Answer::Page => error(status, "bearer token required", REFUSED, Report::of(path)),
    };
    response.headers_mut().insert(
        http::header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"shadowgate\""),
    );
    response
}

/// Compares every byte of the longer input whatever the contents; only the lengths leak.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut difference = u8::from(a.len() != b.len());
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        difference |= x ^ y;
    }
    std::hint::black_box(difference) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::AUTHORIZATION,
            HeaderValue::from_str(value).unwrap(),
        );
        headers
    }

    #[test]
    fn only_the_exact_bearer_token_passes() {
        assert!(authorized(&HeaderMap::new(), None));
        assert!(!authorized(&HeaderMap::new(), Some("s3cret")));
        assert!(authorized(&headers("Bearer s3cret"), Some("s3cret")));
        for wrong in [
            "Bearer s3cre",
            "Bearer s3cret2",
            "Bearer S3cret",
            "Basic s3cret",
            "s3cret",
        ] {
            assert!(!authorized(&headers(wrong), Some("s3cret")), "{wrong}");
        }
        assert!(!constant_time_eq(b"", b"x"));
        assert!(constant_time_eq(b"", b""));
    }
}
