//! Log capture for tests: what a closure logs on this thread, as text ([`logged`]), and the
//! [`anchor`] a test's own capture calls before it installs its subscriber (the end-to-end
//! tests', feature `test-support`).
//!
//! `tracing` caches each callsite's interest process-wide, computed once by the first thread that
//! reaches it. With one dispatcher registered, that thread's own default decides: a sibling test
//! with no subscriber reaching the same line first caches "never", and the line is then dropped
//! for every thread, also inside a capture (a test saw 0 lines of 1 under the parallel harness).
//! [`logged`] keeps a second dispatcher registered for the life of the process, `Anchor`, which
//! answers "sometimes" for every callsite: interest is then decided per event by the thread's own
//! subscriber, and a capture sees its lines whatever ran first.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Dispatch, Event, Level, Metadata, Subscriber};

/// A subscriber that enables nothing and asks to be asked again for every callsite.
struct Anchor;

impl Subscriber for Anchor {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::sometimes()
    }
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        false
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// The anchor, registered once (a `Dispatch` stays registered while it lives).
static ANCHOR: OnceLock<Dispatch> = OnceLock::new();

/// Registers `Anchor` (once per process) and recomputes every callsite's interest, repairing
/// those a subscriber-less thread cached as "never" before: call it before installing a
/// thread's capturing subscriber.
pub fn anchor() {
    ANCHOR.get_or_init(|| Dispatch::new(Anchor));
    tracing::callsite::rebuild_interest_cache();
}

/// What `f` logs on this thread at `level` and above, as text without colours, and its result.
pub fn logged<T>(level: Level, f: impl FnOnce() -> T) -> (T, String) {
    anchor();
    #[derive(Clone, Default)]
    struct Text(Arc<Mutex<Vec<u8>>>);
    impl Write for Text {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let text = Text::default();
    let writer = text.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let result = tracing::subscriber::with_default(subscriber, f);
    let text = String::from_utf8(text.0.lock().unwrap().clone()).unwrap();
    (result, text)
}
