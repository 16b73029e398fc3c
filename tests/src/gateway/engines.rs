//! Fake engines that answer loan-screening requests with a decision, so tests can tell the
//! engines apart by the grade they give.

use bytes::Bytes;
use protocol_mci::FrameCodec;

use super::frames::{answer_frame, decision, http_answer, layout};
use crate::fake::{FakeHttpBuilder, FakeMciBuilder};
use crate::FakeEngine;

/// The limit every decision of these engines grants.
pub const LIMIT: &str = "30000000";

/// An mci engine answering each request frame with an approval of `grade`.
pub fn mci_deciding(grade: &str) -> FakeMciBuilder<FrameCodec> {
    let body = decision(grade, LIMIT);
    FakeEngine::mci(|| layout().framer())
        .reply(move |request| Bytes::from(answer_frame(request, &body)))
}

/// An http engine answering each request with result `0000` and an approval of `grade`.
pub fn http_deciding(grade: &str) -> FakeHttpBuilder {
    let answer = http_answer(&decision(grade, LIMIT));
    FakeEngine::http().reply(move |_| answer.clone())
}
