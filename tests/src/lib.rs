//! End-to-end tests of shadowgate.
//!
//! This crate will hold small builders for fake engines (`FakeEngine::http().reply(..)`,
//! `FakeEngine::mci()`), started on loopback port 0, and tests that drive the real gateway through
//! real sockets: passthrough, translation, shadow isolation, reload, TLS, malformed frames.
