//! `GET /api/v1/batches`: the stored batch reconciliation runs (`shadowgate reconcile --store`)
//! with their verdicts, `{"batches": [...]}`, oldest first; what `report` prints beside the
//! online strategies.

use bytes::Bytes;
use http_body_util::Full;
use serde_json::json;

use super::api::{store_error, to_json};
use crate::review::Review;

type Response = http::Response<Full<Bytes>>;

/// The runs, or the store's error.
pub(super) fn list(review: &Review) -> Response {
    match review.batches() {
        Ok(batches) => to_json(&json!({ "batches": batches })),
        Err(error) => store_error(&error),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use http_body_util::BodyExt;

    use super::*;
    use crate::review::Policies;
    use crate::store::{save_reconcile, Reader, ReconcileCounts, ReconcileRun};

    #[test]
    fn a_stored_run_is_answered_with_its_verdict() {
        let dir = tempfile::tempdir().unwrap();
        let run = ReconcileRun {
            name: "borrower-review".into(),
            run_id: "0000000000000001-borrower-review".into(),
            started_micros: 1,
            finished_micros: 2,
            legacy: "csv legacy.csv".into(),
            new: "postgres SELECT 1".into(),
            rules: "inline".into(),
            key: vec!["cust_no".into()],
            ordering: Vec::new(),
            counts: ReconcileCounts {
                keys: 2,
                matched: 1,
                only_in_new: 1,
                ..ReconcileCounts::default()
            },
            groups: Vec::new(),
            suppressed: Vec::new(),
            thresholds: None,
            bad_rows: Vec::new(),
        };
        save_reconcile(dir.path(), &run).unwrap();
        let review = Review::new(Reader::open(dir.path()).unwrap(), Policies::new());
        let response = list(&review);
        assert_eq!(response.status(), http::StatusCode::OK);
        let body = futures::executor::block_on(response.into_body().collect()).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&body.to_bytes()).unwrap();
        let batch = &value["batches"][0];
        assert_eq!(batch["run"]["counts"]["only_in_new"], 1);
        assert_eq!(batch["rate"]["failures"], 1);
        assert_eq!(batch["readiness"]["status"], "blocked");
    }
}
