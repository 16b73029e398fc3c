//! End-to-end tests of `shadowgate reconcile`: generated batch outputs with known differences,
//! read from fixed-length files, CSV, JSON Lines and a real PostgreSQL, give exactly those
//! outcomes and signatures; unsorted input is detected and sorted; runs are stored and reported.

// Tests: a panic is a failed test with a location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod example;
mod files;
mod generator;
mod nothing_hidden;
mod postgres;
mod support;
