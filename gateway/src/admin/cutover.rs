//! `POST /api/v1/cutover/sign` (JSON `{"strategy", "by", "note"}`): a sign-off on the running
//! gateway, judged by the config it runs; 200 with the sign-off and `time_zone` (the review's,
//! for the report's times), 422 with the blocking reasons when the strategy is not ready or a
//! group that differs on a critical field is open. `GET /api/v1/cutover/signoffs`: every
//! sign-off, oldest first.

use bytes::Bytes;
use http::StatusCode;
use serde_json::json;

use super::SignFn;
use crate::cutover::{signoffs, CutoverError, SignRequest};
use crate::listener::server;
use crate::store::Reader;

type Response = http::Response<http_body_util::Full<Bytes>>;

/// `POST /api/v1/cutover/sign`; `time_zone` is `[review] time_zone`, the zone of the report.
pub(super) fn sign(sign: Option<&SignFn>, body: &Bytes, time_zone: &str) -> Response {
    let Some(sign) = sign else {
        return server::json_error(
            StatusCode::NOT_FOUND,
            "this gateway was not started from a config file",
        );
    };
    let request = match super::json_body::read::<SignRequest>(body, "a sign-off request") {
        Ok(request) => request,
        Err(message) => return server::json_error(StatusCode::BAD_REQUEST, &message),
    };
    match sign(request) {
        Ok(signoff) => server::json(
            StatusCode::OK,
            &json!({ "signoff": signoff, "time_zone": time_zone }),
        ),
        Err(error) => failed(&error),
    }
}

/// `GET /api/v1/cutover/signoffs`.
pub(super) fn list(reader: &Reader) -> Response {
    match signoffs(reader) {
        Ok(all) => server::json(StatusCode::OK, &json!({ "signoffs": all })),
        Err(error) => failed(&error),
    }
}

fn failed(error: &CutoverError) -> Response {
    if !error.is_refused() {
        let status = super::api::store_failure(error, error.is_unavailable());
        return server::json_error(status, &error.to_string());
    }
    // `blockers` only when refused for readiness: a refusal of the request itself has none, and
    // says so by leaving the key out rather than by `null`.
    let mut body = json!({ "error": error.to_string() });
    if let Some(blockers) = error.blockers() {
        body["blockers"] = json!(blockers);
    }
    server::json(StatusCode::UNPROCESSABLE_ENTITY, &body)
}
