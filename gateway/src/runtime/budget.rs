//! A strategy's shadow budget: how many shadow comparisons may be in flight at once.
//!
//! Taken on the live path (a request that starts a shadow call) and given back wherever the
//! comparison ends, often on a shadow worker. tokio's `Semaphore` gives permits back under its
//! waiter list's mutex, so a shadow worker preempted there (`scheduling = "idle"`) would stall a
//! live thread giving back its own permit. Nothing ever waits for this budget (a call with no
//! room is skipped and counted), so it is one atomic counter: taking is a compare-and-swap loop
//! that fails at once when the budget is spent, giving back a subtraction.
//!
//! A reload keeps a strategy's budget (`runtime::carry`): calls in flight on the runtime it
//! replaces hold permits of this counter, so they count against the new runtime's calls too,
//! and a changed `shadow_max_in_flight` applies to the same counter at once ([`ShadowBudget::set_max`]).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Up to `max` permits, taken without waiting.
#[derive(Debug)]
pub struct ShadowBudget {
    /// Changed by a reload while permits are held: atomic, read at every take.
    max: AtomicUsize,
    taken: AtomicUsize,
}

/// One comparison's share of the budget, given back on drop.
#[derive(Debug)]
pub struct BudgetPermit(Arc<ShadowBudget>);

impl ShadowBudget {
    /// A budget of `max` comparisons in flight.
    pub fn new(max: usize) -> Self {
        ShadowBudget {
            max: AtomicUsize::new(max),
            taken: AtomicUsize::new(0),
        }
    }

    /// Makes the maximum `max` from now on. Permits already taken stay valid; while more than
    /// `max` are held (a lowered maximum) none is given until enough come back.
    pub fn set_max(&self, max: usize) {
        self.max.store(max, Ordering::Release);
    }

    /// The maximum now.
    pub fn max(&self) -> usize {
        self.max.load(Ordering::Acquire)
    }

    /// A permit, or `None` at once when all `max` are taken.
    pub fn try_acquire(self: &Arc<Self>) -> Option<BudgetPermit> {
        let max = self.max();
        self.taken
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |taken| {
                (taken < max).then_some(taken + 1)
            })
            .ok()
            .map(|_| BudgetPermit(self.clone()))
    }

    /// Permits taken and not yet given back.
    pub fn in_use(&self) -> usize {
        self.taken.load(Ordering::Acquire)
    }
}

impl Drop for BudgetPermit {
    fn drop(&mut self) {
        self.0.taken.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_beyond_its_maximum_and_takes_again_once_given_back() {
        let budget = Arc::new(ShadowBudget::new(2));
        let first = budget.try_acquire().unwrap();
        let _second = budget.try_acquire().unwrap();
        assert!(budget.try_acquire().is_none());
        drop(first);
        assert_eq!(budget.in_use(), 1);
        assert!(budget.try_acquire().is_some());
    }

    #[test]
    fn a_changed_maximum_applies_at_once_to_permits_already_taken() {
        let budget = Arc::new(ShadowBudget::new(3));
        let held: Vec<_> = (0..3).filter_map(|_| budget.try_acquire()).collect();
        budget.set_max(1);
        assert!(budget.try_acquire().is_none(), "3 held, 1 allowed");
        drop(held);
        let one = budget.try_acquire();
        assert!(one.is_some());
        assert!(budget.try_acquire().is_none(), "the lowered maximum");
        budget.set_max(2);
        assert!(budget.try_acquire().is_some(), "a raised one too");
    }

    #[test]
    fn many_threads_never_hold_more_than_the_maximum() {
        let budget = Arc::new(ShadowBudget::new(3));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let budget = budget.clone();
                std::thread::spawn(move || {
                    let (mut granted, mut refused) = (0u64, 0u64);
                    for _ in 0..20_000 {
                        match budget.try_acquire() {
                            Some(permit) => {
                                granted += 1;
                                assert!(budget.in_use() <= 3, "the maximum holds");
                                drop(permit);
                            }
                            None => refused += 1,
                        }
                    }
                    granted + refused
                })
            })
            .collect();
        let tried: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(tried, 80_000);
        assert_eq!(budget.in_use(), 0, "every permit was given back");
    }
}
