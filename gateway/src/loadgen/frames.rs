//! Frames to send: a pool of synthetic requests encoded once, each send getting a fresh
//! correlation id written over the template's, so the gateway sees distinct requests without the
//! generator encoding a frame per send.

use std::ops::Range;

use anyhow::{bail, Context};
use bytes::Bytes;
use protocol_mci::{Direction, Layout};

use crate::demo::traffic::{now_micros, Traffic};

/// Encoded requests with the byte range of their correlation id.
#[derive(Debug)]
pub struct FramePool {
    frames: Vec<(Vec<u8>, Range<usize>)>,
    ids: Traffic,
    micros: u64,
}

impl FramePool {
    /// `size` requests from the demo's generator with `seed`.
    pub fn new(layout: &Layout, seed: u64, size: usize) -> anyhow::Result<FramePool> {
        let Some(field) = layout.correlation_field() else {
            bail!("the layout has no correlation field");
        };
        let mut traffic = Traffic::new(seed, "LGN");
        let mut frames = Vec::with_capacity(size);
        for _ in 0..size.max(1) {
            let request = traffic.next_request();
            let frame = layout
                .encode(Direction::Request, &request)
                .context("a synthetic request does not fit the layout")?;
            let id = field.text(&request.header);
            let Some(range) = id.and_then(|id| find(&frame, id.as_bytes())) else {
                bail!("correlation id not found in the encoded frame");
            };
            frames.push((frame, range));
        }
        Ok(FramePool {
            frames,
            ids: traffic,
            micros: now_micros(),
        })
    }

    /// The frame for send number `sequence` (unique across connections and rounds).
    pub fn frame(&self, sequence: u64) -> Bytes {
        let (template, range) = &self.frames[(sequence % self.frames.len() as u64) as usize];
        let mut frame = template.clone();
        let id = self.ids.guid(self.micros, sequence);
        if id.len() == range.len() {
            frame[range.clone()].copy_from_slice(id.as_bytes());
        }
        Bytes::from(frame)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<Range<usize>> {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|start| start..start + needle.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_send_gets_its_own_correlation_id() {
        let layout = crate::demo::layout().unwrap();
        let pool = FramePool::new(&layout, 3, 4).unwrap();
        let (a, b) = (pool.frame(1), pool.frame(5));
        let (a, b) = (
            layout.decode(Direction::Request, &a).unwrap(),
            layout.decode(Direction::Request, &b).unwrap(),
        );
        assert_eq!(a.body, b.body);
        assert_ne!(a.header["guid"], b.header["guid"]);
        assert!(a.header["guid"]
            .as_str()
            .unwrap()
            .ends_with("000000000000000000001"));
    }
}
