//! The size of every future on the per-frame path (issue 19): a future is moved when it is
//! boxed, spawned or pushed into the listener's `FuturesOrdered`, and every byte of it is copied
//! then. A measurement, not a check: run with
//! `cargo test -p shadowgate --lib future_sizes -- --ignored --nocapture` (add `--release` for
//! the sizes a release build moves; a debug build's futures are larger).

use std::mem::size_of_val;
use std::sync::Arc;

use bytes::Bytes;
use protocol_mci::Direction;
use tokio::time::Instant;
use tracing::Instrument;

use super::exchange::Exchange;
use super::live_view::DecodedRequest;
use super::{shadow, Gateway};
use crate::demo;
use crate::demo::traffic::Traffic;
use crate::engine::Role;
use crate::metrics::Metrics;
use crate::runtime::{Engine, Runtime};

/// The demo's gateway (mci live engine, http shadow engine) on engines that are never called.
fn demo_gateway(dir: &std::path::Path) -> Arc<Gateway> {
    let path = demo::setup::write_for_test(dir, "127.0.0.1:9", "127.0.0.1:9");
    let config = crate::config::load(&path).unwrap();
    let metrics = Metrics::new("test");
    let runtime = Runtime::build(Arc::new(config), &metrics).unwrap();
    Gateway::new(runtime, None, metrics)
}

#[tokio::test]
#[ignore = "a measurement: run with --ignored --nocapture"]
async fn future_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = demo_gateway(dir.path());
    let runtime = gateway.runtime();
    let strategy = runtime.strategy(demo::STRATEGY).unwrap().clone();
    let layout = strategy.layout.clone();
    let request = Traffic::new(42, "bch").next_request();
    let frame = Bytes::from(layout.encode(Direction::Request, &request).unwrap());
    let request = DecodedRequest::decode(layout.clone(), frame.clone()).unwrap();
    let received = Instant::now();
    let exchange = Arc::new(Exchange::from_view(strategy.clone(), request, received));
    let shared = gateway.shared.clone();
    let layout_name: Arc<str> = Arc::from(demo::STRATEGY);
    let mut sizes: Vec<(&str, usize)> = Vec::new();
    let (g, name, f) = (gateway.clone(), layout_name.clone(), frame.clone());
    let per_frame = async move { g.handle_frame(&name, f).await };
    sizes.push((
        "listener::mci per-frame future (FuturesOrdered item)",
        size_of_val(&per_frame),
    ));
    sizes.push((
        "Gateway::handle_frame",
        size_of_val(&gateway.handle_frame(demo::STRATEGY, frame.clone())),
    ));
    let body = br#"{"header":{},"body":{}}"#;
    sizes.push((
        "Gateway::handle_message (HTTP ingress)",
        size_of_val(&gateway.handle_message(demo::STRATEGY, body)),
    ));
    sizes.push((
        "Gateway::live",
        size_of_val(&gateway.live(&exchange, received, super::Reply::Frame)),
    ));
    let span = tracing::Span::none();
    sizes.push((
        "Gateway::call_live",
        size_of_val(&gateway.call_live(&exchange, &span, super::Reply::Frame)),
    ));
    let engine = strategy.shadow.clone().unwrap();
    let (_live_tx, live_rx) = tokio::sync::oneshot::channel();
    let permit = strategy.shadow_budget.try_acquire().unwrap();
    let run = shadow::run(
        shared.clone(),
        exchange.clone(),
        engine.clone(),
        (permit, super::breaker::Pass::Closed),
        live_rx,
    );
    sizes.push(("shadow::run", size_of_val(&run)));
    let run = run.instrument(tracing::Span::none());
    sizes.push(("shadow::run instrumented (spawned)", size_of_val(&run)));
    drop(run);
    let deadline = Instant::now();
    sizes.push((
        "shadow::call",
        size_of_val(&shadow::call(
            &shared,
            &exchange,
            &engine,
            super::breaker::Pass::Closed,
            deadline,
        )),
    ));
    let live_request = exchange.engine_request(Role::Live);
    let shadow_request = exchange.engine_request(Role::Shadow);
    sizes.push((
        "Engine::call (http)",
        size_of_val(&engine.call(&frame, &shadow_request, None)),
    ));
    sizes.push((
        "Engine::call (mci)",
        size_of_val(&strategy.live.call(&frame, &live_request, None)),
    ));
    if let Engine::Http(http) = &*engine {
        sizes.push((
            "HttpEngine::receive_until",
            size_of_val(&http.receive_until(&shadow_request, None)),
        ));
    }
    if let Engine::Mci(mci) = &*strategy.live {
        sizes.push((
            "MciEngine::call_until",
            size_of_val(&mci.call_until(&frame, Role::Live, None)),
        ));
    }
    let read = |_: protocol_mci::json::JsonTree<'_>| ();
    sizes.push((
        "Engine::call_decoded (mci live)",
        size_of_val(
            &strategy
                .live
                .call_decoded(&frame, &live_request, None, &read),
        ),
    ));
    sizes.sort_by_key(|(_, size)| std::cmp::Reverse(*size));
    for (name, size) in &sizes {
        println!("{size:>7} bytes  {name}");
    }
    assert!(sizes.iter().all(|(_, size)| *size > 0));
}
