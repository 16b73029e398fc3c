//! The review end to end: a real gateway whose shadow engine differs, its admin listener, the
//! report CLI, the HTML pages in headless Chromium, and a scan for sensitive values in clear.
//!
//! # Layout
//! - `support`: a layout with masked name, resident registration and account fields, fake
//!   engines that disagree, a gateway with an admin listener, an HTTP GET helper, captured logs.
//! - `masking`: no clear value in the sled files, the API, the pages or the logs.
//! - `api`: routes, token, filters, pagination, reload; the CLI against the store and the API.
//! - `chromium`: the pages as a person sees them, rendered by headless Chromium.
//! - `triage`: group triage through the API and the CLI, reopening, the audit trail.
//! - `cutover`: the cutover sign-off, its report in Chromium, reloads linked to it, tampering.
//! - `restart`: a restart with a swapped config linked to its sign-off, or unsigned; the page.
//! - `batch`: a stored batch run on the page beside the strategy, and its drill-down (Chromium).
//! - `fonts`: Korean text on the page renders as glyphs, not boxes (Chromium screenshots).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod batch;
mod chromium;
mod cutover;
mod fonts;
mod masking;
mod restart;
mod support;
mod triage;
