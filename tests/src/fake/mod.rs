//! Fake engines for tests: real servers on `127.0.0.1:0`, configured by small builders, stopped
//! when dropped.
//!
//! # Layout
//! - `http`: [`FakeHttpBuilder`] / [`FakeHttp`], plain or TLS (optionally requiring a client
//!   certificate), HTTP/1.1.
//! - `mci`: [`FakeMciBuilder`] / [`FakeMci`], persistent TCP connections, one frame at a time.
//! - `dual`: [`FakeDualMci`], a dual-socket engine answering on its own socket, as scripted.
//! - `framing`: [`AsciiLengthCodec`], the test framer (4 ASCII digits counting what follows).
//! - `gauge`: [`Gauge`], a current/peak counter for in-flight requests and open connections.

mod dual;
mod framing;
mod gauge;
mod http;
mod mci;

pub use dual::FakeDualMci;
pub use framing::{frame, payload, AsciiLengthCodec};
pub use gauge::Gauge;
pub use http::{FakeHttp, FakeHttpBuilder};
pub use mci::{FakeMci, FakeMciBuilder};

use tokio_util::codec::Decoder;

/// Entry point of the fake engine builders.
pub struct FakeEngine;

impl FakeEngine {
    /// A fake HTTP engine; by default it answers 200 with `{"header": {}, "body": <request body>}`.
    pub fn http() -> FakeHttpBuilder {
        FakeHttpBuilder::new()
    }

    /// A fake MCI engine reading frames with framers made by `new_framer`; by default it echoes
    /// each frame.
    pub fn mci<D>(new_framer: impl Fn() -> D + Send + Sync + 'static) -> FakeMciBuilder<D>
    where
        D: Decoder<Item = bytes::BytesMut> + Send + 'static,
    {
        FakeMciBuilder::new(new_framer)
    }
}
