//! Parking a thread on a future: the one driver behind every `_blocking` method.
//!
//! `block_on` polls the same future that `.await` would, with a waker that unparks this
//! thread, so the blocking and async forms cannot drift apart (STYLE.md, async-channel's
//! model). It spins briefly before parking, which saves an OS wake-up when the peer answers
//! within a few hundred nanoseconds, and then sleeps on a mutex and condition variable (never
//! on raw `thread::park`, see VERIFICATION.md on loom#249).
//!
//! # Invariants
//!
//! `state` is `EMPTY`, `NOTIFIED` or `SLEEPING`; every change is a read-modify-write of that
//! one atomic, so all of them are totally ordered.
//!
//! 1. A wake stores `NOTIFIED` (a `Release` swap) and the parked thread consumes it (an
//!    `Acquire` compare-exchange back to `EMPTY`), so what the waker's caller did before
//!    waking is visible after the wait, and a wake before the wait is not lost: it is still
//!    there to consume.
//! 2. Only the parked thread sets `SLEEPING`, while it holds `lock`, and it keeps the lock
//!    until `Condvar::wait` releases it. A wake that swaps out `SLEEPING` takes `lock` before
//!    it notifies, so it notifies only once the sleeper waits: the notification cannot fall
//!    between the sleeper's announcement and its wait. A wake that finds `EMPTY` or
//!    `NOTIFIED` (the thread is spinning, or polling its future) touches neither the lock
//!    nor the condition variable: one atomic swap.
//! 3. A waiting thread uses no CPU after the bounded spin and yields (G8).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

use crate::sync::{spin_hint, wait, wait_timeout, AtomicUsize, Condvar, Mutex, Ordering};

/// Busy spins before parking, then yields (none under loom, where spinning only grows the
/// state space). About a microsecond of spinning covers a peer that answers at once; the
/// yields (each a few hundred nanoseconds to a few microseconds, some tens of microseconds
/// in all) cover a peer that is itself being scheduled, which on a loaded machine is the
/// common case of a rendezvous. Measured on a blocking ping-pong (2 vCPUs): with 8 yields
/// about 3% of the round trips ended in a sleep and cost 1.4–2.2 µs each on average, with
/// 32 or more almost none did and a round trip cost 0.9–1.2 µs. After that the thread
/// sleeps, so a parked thread uses no CPU (G8).
///
/// Under shuttle a "spin" is a yield to the scheduler (`spin_hint`); a couple of rounds keep
/// the "woken while spinning" path explored without stretching every execution (longer
/// executions dilute PCT's priority-change points).
const SPIN_LIMIT: u32 = if cfg!(loom) {
    0
} else if cfg!(shuttle) {
    2
} else {
    64
};
const YIELD_LIMIT: u32 = if cfg!(loom) {
    0
} else if cfg!(shuttle) {
    1
} else {
    64
};

/// Values of `Parker::state`.
const EMPTY: usize = 0;
const NOTIFIED: usize = 1;
const SLEEPING: usize = 2;

#[derive(Debug)]
struct Parker {
    state: AtomicUsize,
    /// Held by the sleeper from its announcement until it waits (invariant 2).
    lock: Mutex<()>,
    cv: Condvar,
}

impl Parker {
    fn new() -> Parker {
        Parker {
            state: AtomicUsize::new(EMPTY),
            lock: Mutex::new(()),
            cv: Condvar::new(),
        }
    }

    /// Consumes a pending notification.
    fn take(&self) -> bool {
        // Acquire pairs with the Release swap in `wake_by_ref` (invariant 1).
        self.state
            .compare_exchange(NOTIFIED, EMPTY, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// Waits until notified or until `deadline`. Returns `false` on timeout.
    fn park(&self, deadline: Option<Instant>) -> bool {
        // Both limits are 0 under loom, where the loop must not run at all.
        #[allow(clippy::reversed_empty_ranges, clippy::absurd_extreme_comparisons)]
        for i in 0..SPIN_LIMIT + YIELD_LIMIT {
            // Relaxed: only a hint; the compare-exchange in `take` decides and synchronizes.
            if self.state.load(Ordering::Relaxed) == NOTIFIED && self.take() {
                return true;
            }
            if i < SPIN_LIMIT {
                spin_hint();
            } else {
                crate::sync::thread::yield_now();
            }
        }
        let mut guard = self.lock.lock();
        // Announce the sleep (invariant 2), unless a wake came first.
        if let Err(found) =
            self.state
                .compare_exchange(EMPTY, SLEEPING, Ordering::Relaxed, Ordering::Acquire)
        {
            debug_assert_eq!(found, NOTIFIED, "only the parked thread sleeps");
            // A swap, not a store: a second wake may have come since the compare-exchange
            // read the first (which may be a stale one from an earlier call), and the
            // Acquire must pair with the last wake's Release (invariant 1).
            let old = self.state.swap(EMPTY, Ordering::Acquire);
            debug_assert_eq!(old, NOTIFIED, "only the parked thread sleeps");
            return true;
        }
        loop {
            guard = match deadline {
                None => wait(&self.cv, guard),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        // Withdraw the announcement; a wake may have just come.
                        drop(guard);
                        return self.state.swap(EMPTY, Ordering::Acquire) == NOTIFIED;
                    }
                    wait_timeout(&self.cv, guard, d - now)
                }
            };
            if self.take() {
                return true;
            }
            // A spurious wake-up or the deadline: `state` is still `SLEEPING`.
        }
    }
}

impl Wake for Parker {
    fn wake(self: StdArc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &StdArc<Self>) {
        // Release pairs with the Acquire in `take` (invariant 1).
        if self.state.swap(NOTIFIED, Ordering::Release) == SLEEPING {
            // Invariant 2: the sleeper holds the lock until it waits.
            drop(self.lock.lock());
            self.cv.notify_one();
        }
    }
}

fn new_waker() -> (StdArc<Parker>, Waker) {
    let parker = StdArc::new(Parker::new());
    let waker = Waker::from(parker.clone());
    (parker, waker)
}

/// Runs `fut` to completion on this thread, or until `deadline`. On timeout it returns `None`
/// and leaves the future to the caller, who cancels it (and so gets its message back).
pub(crate) fn block_on<F: Future + Unpin>(
    fut: &mut F,
    deadline: Option<Instant>,
) -> Option<F::Output> {
    #[cfg(not(any(loom, shuttle)))]
    {
        thread_local! {
            static CACHED: (StdArc<Parker>, Waker) = new_waker();
        }
        // A waker made by a nested `block_on` on the same thread would share the flag; the
        // futures of this crate never block inside `poll`, so one cached parker is enough.
        CACHED.with(|(parker, waker)| run(fut, deadline, parker, waker))
    }
    // Under the model checkers a parker per call: their threads share one OS thread (so a
    // `thread_local!` would be shared between them), and their primitives must not outlive
    // the execution that created them.
    #[cfg(any(loom, shuttle))]
    {
        let (parker, waker) = new_waker();
        run(fut, deadline, &parker, &waker)
    }
}

fn run<F: Future + Unpin>(
    fut: &mut F,
    deadline: Option<Instant>,
    parker: &Parker,
    waker: &Waker,
) -> Option<F::Output> {
    let mut cx = Context::from_waker(waker);
    // A stale notification from an earlier call only costs one extra poll.
    loop {
        if let Poll::Ready(out) = Pin::new(&mut *fut).poll(&mut cx) {
            return Some(out);
        }
        if !parker.park(deadline) {
            // One last poll: the operation may have completed as the deadline passed.
            return match Pin::new(&mut *fut).poll(&mut cx) {
                Poll::Ready(out) => Some(out),
                Poll::Pending => None,
            };
        }
    }
}
