//! The legacy engine: loan screening over MCI frames on persistent TCP connections, the way the
//! decisioning system core banking talks to today. Frames on one connection are answered in
//! order; the answer header echoes the request's with the response flag, result `0000` and the
//! engine's own clock (KST) in `sent_at`.
//!
//! [`serve_policy`] serves another policy over the same frames: the new engine's policy over MCI
//! (`demo-engine --kind modern-mci`, its clock on UTC as the HTTP one) is the shadow engine of the
//! benchmark rows that leave the HTTP client out (tests/bench/compare.sh, MCI-to-MCI).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use protocol_mci::{Direction, Layout, Message};
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::Framed;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, warn};

use super::strategy::{decide, Application, Policy, LEGACY};
use super::traffic::{now_micros, timestamp, KST_OFFSET_MICROS};

/// Result code of a request the engine cannot read.
const BAD_REQUEST: &str = "E100";

/// The legacy engine's answer to a decoded request.
pub fn answer(layout: &Layout, request: &Message) -> Message {
    answer_with(layout, &LEGACY, KST_OFFSET_MICROS, request)
}

/// The answer of `policy` to a decoded request, its clock `offset` microseconds ahead of UTC.
pub fn answer_with(layout: &Layout, policy: &Policy, offset: u64, request: &Message) -> Message {
    let mut header = request.header.clone();
    if let Some((flag, _, response)) = layout.flag() {
        flag.set(&mut header, response.into());
    }
    header.insert("resp_code".into(), "0000".into());
    header.insert("sent_at".into(), timestamp(now_micros(), offset).into());
    let body = match Application::from_body(&request.body) {
        Ok(app) => decide(policy, &app).to_body(),
        Err(reason) => {
            header.insert("resp_code".into(), BAD_REQUEST.into());
            let mut body = serde_json::Map::new();
            body.insert("error_message".into(), Value::String(reason));
            body
        }
    };
    Message { header, body }
}

/// Serves until `shutdown`; every answer waits `delay` first.
pub async fn serve(
    listener: TcpListener,
    layout: Arc<Layout>,
    delay: Duration,
    tasks: TaskTracker,
    shutdown: CancellationToken,
) {
    let engine = Policied {
        policy: LEGACY,
        offset: KST_OFFSET_MICROS,
        delay,
    };
    serve_policy(listener, layout, engine, tasks, shutdown).await;
}

/// How an MCI demo engine answers: its policy, its clock's offset from UTC in microseconds, and
/// the delay before every answer.
#[derive(Debug, Clone, Copy)]
pub struct Policied {
    /// The policy it decides with.
    pub policy: Policy,
    /// Its clock, microseconds ahead of UTC.
    pub offset: u64,
    /// Waited before every answer.
    pub delay: Duration,
}

/// As [`serve`], answering as `engine` says.
pub async fn serve_policy(
    listener: TcpListener,
    layout: Arc<Layout>,
    engine: Policied,
    tasks: TaskTracker,
    shutdown: CancellationToken,
) {
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    warn!(%error, "legacy engine: accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = shutdown.cancelled() => return,
        };
        let (layout, shutdown) = (layout.clone(), shutdown.clone());
        tasks.spawn(async move {
            tokio::select! {
                () = connection(stream, &layout, engine) => {}
                () = shutdown.cancelled() => {}
            }
        });
    }
}

async fn connection(stream: TcpStream, layout: &Layout, engine: Policied) {
    let _ = stream.set_nodelay(true);
    let mut frames = Framed::new(stream, layout.framer());
    while let Some(frame) = frames.next().await {
        let frame = match frame {
            Ok(frame) => frame,
            Err(error) => {
                debug!(%error, "legacy engine: framing lost; closing");
                return;
            }
        };
        let answer = match layout.decode(Direction::Request, &frame) {
            Ok(request) => {
                let answer = answer_with(layout, &engine.policy, engine.offset, &request);
                layout.encode(Direction::Response, &answer)
            }
            Err(error) => match layout.decode_header(&frame) {
                Ok(header) => layout.encode_error_answer(&header, BAD_REQUEST, &error.to_string()),
                Err(_) => return,
            },
        };
        let Ok(answer) = answer else {
            warn!("legacy engine: answer does not fit the layout; closing");
            return;
        };
        if !engine.delay.is_zero() {
            tokio::time::sleep(engine.delay).await;
        }
        if frames.send(Bytes::from(answer)).await.is_err() {
            return;
        }
    }
}
