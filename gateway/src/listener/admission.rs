//! [`Admission`]: the MCI listener's table of open connections, with what each is doing.
//!
//! At the cap, a new connection is admitted by closing the longest-idle one (no frame in flight;
//! longest since its last frame or answer), so idle connections (an L4 health-check storm, a
//! client that opens more than it uses) can never lock core banking out. Only when every
//! connection has a frame in flight is the new one refused.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The open connections of one listener, at most `cap`.
#[derive(Debug)]
pub struct Admission {
    cap: usize,
    /// Origin of [`Entry::last_active`] (milliseconds since it).
    origin: Instant,
    table: Mutex<Table>,
}

#[derive(Debug, Default)]
struct Table {
    next_id: u64,
    entries: HashMap<u64, Arc<Entry>>,
}

#[derive(Debug)]
struct Entry {
    /// Milliseconds since [`Admission::origin`] of the last frame received or answer written.
    last_active: AtomicU64,
    /// Frames in flight.
    busy: AtomicUsize,
    /// Cancelled when the connection is evicted to make room.
    evict: CancellationToken,
}

/// What became of a new connection.
#[derive(Debug)]
pub enum Admitted {
    /// Below the cap: admitted.
    Free(Member),
    /// At the cap: admitted by evicting the longest-idle connection.
    Evicting(Member),
    /// At the cap with every connection busy: refused.
    Refused,
}

/// One admitted connection's place in the table; dropping it frees the place.
#[derive(Debug)]
pub struct Member {
    id: u64,
    entry: Arc<Entry>,
    admission: Arc<Admission>,
}

impl Admission {
    /// A table of at most `cap` connections.
    pub fn new(cap: usize) -> Arc<Admission> {
        Arc::new(Admission {
            cap,
            origin: Instant::now(),
            table: Mutex::new(Table::default()),
        })
    }

    /// Admits a new connection: into a free place, or into the place of the longest-idle one
    /// (which is told to close), or not at all when every connection is busy.
    pub fn admit(self: &Arc<Self>) -> Admitted {
        let mut table = self.lock();
        let evicting = table.entries.len() >= self.cap;
        if evicting {
            let victim = table
                .entries
                .iter()
                .filter(|(_, e)| e.busy.load(Ordering::Acquire) == 0 && !e.evict.is_cancelled())
                // Ties (same millisecond) go to the older connection: ids grow.
                .min_by_key(|(id, e)| (e.last_active.load(Ordering::Acquire), **id))
                .map(|(id, _)| *id);
            let Some(victim) = victim.and_then(|id| table.entries.remove(&id)) else {
                return Admitted::Refused;
            };
            victim.evict.cancel();
        }
        let id = table.next_id;
        table.next_id += 1;
        let entry = Arc::new(Entry {
            last_active: AtomicU64::new(self.now_ms()),
            busy: AtomicUsize::new(0),
            evict: CancellationToken::new(),
        });
        table.entries.insert(id, entry.clone());
        let member = Member {
            id,
            entry,
            admission: self.clone(),
        };
        if evicting {
            Admitted::Evicting(member)
        } else {
            Admitted::Free(member)
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        // A map of ids: consistent whatever panicked while holding it.
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Member {
    /// Records activity (a frame received, answers written) with `busy` frames now in flight.
    pub fn active(&self, busy: usize) {
        self.entry.busy.store(busy, Ordering::Release);
        let now = self.admission.now_ms();
        self.entry.last_active.store(now, Ordering::Release);
    }

    /// Cancelled when this connection was evicted to admit another.
    pub fn evicted(&self) -> &CancellationToken {
        &self.entry.evict
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        let mut table = self.admission.lock();
        // An evicted member was removed already; its id is never reused.
        table.entries.remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn member(admitted: Admitted) -> Member {
        match admitted {
            Admitted::Free(m) | Admitted::Evicting(m) => m,
            Admitted::Refused => panic!("refused"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn at_the_cap_the_longest_idle_connection_makes_room() {
        let admission = Admission::new(3);
        let oldest = member(admission.admit());
        tokio::time::advance(Duration::from_secs(1)).await;
        let busy_but_older = member(admission.admit());
        tokio::time::advance(Duration::from_secs(1)).await;
        let recent = member(admission.admit());
        oldest.active(0);
        busy_but_older.active(1);
        tokio::time::advance(Duration::from_secs(1)).await;
        recent.active(0);
        // `oldest` was last active at 2 s, `recent` at 3 s, `busy_but_older` has a frame in flight.
        let newcomer = admission.admit();
        assert!(matches!(newcomer, Admitted::Evicting(_)), "{newcomer:?}");
        assert!(oldest.evicted().is_cancelled(), "the longest idle was kept");
        assert!(
            !recent.evicted().is_cancelled(),
            "a more recent one was evicted"
        );
        assert!(
            !busy_but_older.evicted().is_cancelled(),
            "a busy one was evicted"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn when_every_connection_is_busy_the_new_one_is_refused() {
        let admission = Admission::new(2);
        let a = member(admission.admit());
        let b = member(admission.admit());
        a.active(1);
        b.active(3);
        assert!(matches!(admission.admit(), Admitted::Refused));
        b.active(0);
        assert!(matches!(admission.admit(), Admitted::Evicting(_)));
        assert!(b.evicted().is_cancelled());
        assert!(!a.evicted().is_cancelled());
    }

    #[tokio::test(start_paused = true)]
    async fn a_closed_connection_frees_its_place() {
        let admission = Admission::new(1);
        let only = member(admission.admit());
        only.active(1);
        assert!(matches!(admission.admit(), Admitted::Refused));
        drop(only);
        assert!(matches!(admission.admit(), Admitted::Free(_)));
    }
}
