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
//! 1. `notified` is set by a wake *under the lock*, and `park` re-checks it under the lock
//!    before each wait, so a notification is never lost. (Setting it before taking the lock
//!    is not enough: nothing would then order the store after an earlier consuming `swap`,
//!    and loom finds the execution where the wake is swallowed.) The spin reads it without
//!    the lock, which can only miss a wake and fall through to the locked path.
//! 2. A waiting thread uses no CPU after the bounded spin (G8).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

use crate::sync::{spin_hint, wait, wait_timeout, AtomicBool, Condvar, Mutex, Ordering};

/// Spins before parking (none under loom, where spinning only grows the state space).
const SPIN_LIMIT: u32 = if cfg!(loom) { 0 } else { 200 };

#[derive(Debug)]
struct Parker {
    notified: AtomicBool,
    lock: Mutex<()>,
    cv: Condvar,
}

impl Parker {
    fn new() -> Parker {
        Parker {
            notified: AtomicBool::new(false),
            lock: Mutex::new(()),
            cv: Condvar::new(),
        }
    }

    /// Consumes a pending notification.
    fn take(&self) -> bool {
        // Acquire pairs with the Release store in `wake_by_ref`: what the waker's caller did
        // before waking is visible after the wait.
        self.notified.swap(false, Ordering::Acquire)
    }

    /// Waits until notified or until `deadline`. Returns `false` on timeout.
    fn park(&self, deadline: Option<Instant>) -> bool {
        for _ in 0..SPIN_LIMIT {
            if self.take() {
                return true;
            }
            spin_hint();
        }
        let mut guard = self.lock.lock();
        loop {
            if self.take() {
                return true;
            }
            match deadline {
                None => guard = wait(&self.cv, guard),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return false;
                    }
                    guard = wait_timeout(&self.cv, guard, d - now);
                }
            }
        }
    }
}

impl Wake for Parker {
    fn wake(self: StdArc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &StdArc<Self>) {
        // Invariant 1.
        let guard = self.lock.lock();
        // Release pairs with the Acquire swap in `take`.
        self.notified.store(true, Ordering::Release);
        drop(guard);
        self.cv.notify_one();
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
    #[cfg(not(loom))]
    {
        thread_local! {
            static CACHED: (StdArc<Parker>, Waker) = new_waker();
        }
        // A waker made by a nested `block_on` on the same thread would share the flag; the
        // futures of this crate never block inside `poll`, so one cached parker is enough.
        CACHED.with(|(parker, waker)| run(fut, deadline, parker, waker))
    }
    #[cfg(loom)]
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
