//! A bounded hand-off queue whose two sides never wait for each other.
//!
//! The live path's tokio threads push; the shadow workers, possibly `SCHED_IDLE` and preempted at
//! any instruction, pop. A lock either side can hold while the other waits for it would let a
//! preempted shadow thread stall a live answer for as long as the kernel keeps it off the CPU
//! (std's `sync_channel` has such a lock in its wake-up list, and its array flavour makes a sender
//! spin on a slot a preempted receiver is still reading). Here:
//!
//! - the bound is one counter: a push reserves a place with a `fetch_add` and refuses at once
//!   when the queue is full, so the queue never holds more than its capacity;
//! - each value sits in a slot of its own, guarded by a lock that is only ever *tried*: a slot
//!   held by a thread that was preempted is skipped, never waited for. A push probes from a ticket
//!   (so a quiet queue stays in submission order), a pop from where the last pop found a value.
//!
//! A reserved place whose slot is not filled yet, or a taken slot whose place is not yet given
//! back, makes the queue look fuller than it is for that instant: a push may then be refused
//! (counted by the caller like any full queue) and a pop may come back empty and look again
//! later. Neither waits. Waking a consumer is the caller's business (see the worker pool).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// A bounded multi-producer, multi-consumer queue that never blocks either side.
pub(crate) struct HandOff<T> {
    slots: Box<[Mutex<Option<T>>]>,
    /// Places reserved by pushes and not yet given back by pops: the bound.
    reserved: AtomicUsize,
    /// Push tickets; a push starts probing at its ticket modulo the capacity.
    tail: AtomicUsize,
    /// Where the next pop starts probing.
    head: AtomicUsize,
}

impl<T> HandOff<T> {
    /// A queue of `capacity` values (at least 1).
    pub fn new(capacity: usize) -> Self {
        let slots = (0..capacity.max(1)).map(|_| Mutex::new(None)).collect();
        HandOff {
            slots,
            reserved: AtomicUsize::new(0),
            tail: AtomicUsize::new(0),
            head: AtomicUsize::new(0),
        }
    }

    /// Queues `value`, or gives it back at once when the queue is full.
    pub fn push(&self, value: T) -> Result<(), T> {
        let capacity = self.slots.len();
        if self.reserved.fetch_add(1, Ordering::SeqCst) >= capacity {
            self.reserved.fetch_sub(1, Ordering::SeqCst);
            return Err(value);
        }
        // With a place reserved, fewer than `capacity` slots are full or being filled by others:
        // one is free. Two rounds cover a free slot briefly tried by a pop looking for a value.
        let start = self.tail.fetch_add(1, Ordering::Relaxed);
        for probe in 0..2 * capacity {
            let Ok(mut slot) = self.slots[(start + probe) % capacity].try_lock() else {
                continue;
            };
            if slot.is_none() {
                *slot = Some(value);
                return Ok(());
            }
        }
        // Every free slot was being looked at by pops the whole time: as good as full.
        self.reserved.fetch_sub(1, Ordering::SeqCst);
        Err(value)
    }

    /// Takes a queued value, or `None` when none is (or none can be taken without waiting).
    pub fn pop(&self) -> Option<T> {
        if self.reserved.load(Ordering::SeqCst) == 0 {
            return None;
        }
        let capacity = self.slots.len();
        let start = self.head.load(Ordering::Relaxed);
        for probe in 0..capacity {
            let index = (start + probe) % capacity;
            let Ok(mut slot) = self.slots[index].try_lock() else {
                continue;
            };
            if let Some(value) = slot.take() {
                drop(slot);
                self.head.store(index + 1, Ordering::Relaxed);
                self.reserved.fetch_sub(1, Ordering::SeqCst);
                return Some(value);
            }
        }
        None
    }

    /// The values queued or being queued.
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn len(&self) -> usize {
        self.reserved.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::Arc;

    use super::*;

    #[test]
    fn a_full_queue_refuses_and_gives_the_value_back() {
        let queue = HandOff::new(2);
        assert_eq!(queue.push(1), Ok(()));
        assert_eq!(queue.push(2), Ok(()));
        assert_eq!(queue.push(3), Err(3));
        assert_eq!(queue.len(), 2, "a refused push leaves nothing reserved");
        assert_eq!(queue.pop(), Some(1));
        assert_eq!(queue.push(4), Ok(()));
        assert_eq!(
            (queue.pop(), queue.pop(), queue.pop()),
            (Some(2), Some(4), None)
        );
        assert_eq!(queue.len(), 0);
    }

    #[test]
    fn a_slot_held_by_a_stalled_thread_is_skipped_not_waited_for() {
        let queue = HandOff::new(3);
        queue.push('a').unwrap();
        // A consumer preempted while it holds slot 0.
        let stalled = queue.slots[0].lock().unwrap();
        queue.push('b').unwrap();
        queue.push('c').unwrap();
        assert_eq!(queue.push('d'), Err('d'), "three places reserved: full");
        assert_eq!(
            (queue.pop(), queue.pop(), queue.pop()),
            (Some('b'), Some('c'), None)
        );
        drop(stalled);
        assert_eq!(queue.pop(), Some('a'));
    }

    #[test]
    fn many_threads_never_exceed_the_bound_and_lose_nothing() {
        const PRODUCERS: usize = 4;
        const EACH: usize = 20_000;
        let queue = Arc::new(HandOff::new(64));
        let refused = Arc::new(AtomicUsize::new(0));
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let (queue, refused) = (queue.clone(), refused.clone());
                std::thread::spawn(move || {
                    for i in 0..EACH {
                        if queue.push(p * EACH + i).is_err() {
                            refused.fetch_add(1, Ordering::Relaxed);
                        }
                        assert!(queue.len() <= 64 + PRODUCERS, "the bound holds");
                    }
                })
            })
            .collect();
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let queue = queue.clone();
                std::thread::spawn(move || {
                    let mut taken = Vec::new();
                    let mut idle = 0;
                    // Ends once the producers are done and the queue stayed empty a while.
                    while idle < 1_000_000 {
                        match queue.pop() {
                            Some(value) => {
                                taken.push(value);
                                idle = 0;
                            }
                            None => idle += 1,
                        }
                    }
                    taken
                })
            })
            .collect();
        for producer in producers {
            producer.join().unwrap();
        }
        let mut taken = BTreeSet::new();
        let mut count = 0;
        for consumer in consumers {
            for value in consumer.join().unwrap() {
                count += 1;
                taken.insert(value);
            }
        }
        while let Some(value) = queue.pop() {
            count += 1;
            taken.insert(value);
        }
        assert_eq!(count, taken.len(), "no value taken twice");
        assert_eq!(
            count + refused.load(Ordering::Relaxed),
            PRODUCERS * EACH,
            "every value was either taken or refused and counted"
        );
        assert_eq!(queue.len(), 0);
    }
}
