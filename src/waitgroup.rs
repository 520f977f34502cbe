//! Go's `sync.WaitGroup`: a counter of outstanding work that tasks and threads wait on.
//!
//! # Invariants
//!
//! 1. `State::count` is the number of `add`s not yet matched by a `done`. It never goes below
//!    zero: a `done` at zero panics before it changes anything.
//! 2. `State::gate` is `Some` exactly while `count > 0`. Each such stretch (a *generation*,
//!    from the `add` that lifts the count off zero to the `done` that brings it back) has its
//!    own sealed channel, which nothing ever sends on.
//! 3. The `done` that brings `count` to zero takes the generation's channel out of the state
//!    under the lock and closes it after unlocking. Closing wakes every waiter of that
//!    generation (each receives `None`); an `add` that starts the next generation makes a new
//!    channel, so a waiter of the old one is never held back by the new work.
//! 4. A waiter reads the state under the lock on its first poll: `count == 0` means it is done
//!    at once; otherwise it keeps a handle on the current channel and waits for it to close.
//!
//! One lock (`Shared::state`) is taken, and the channel's own lock only after ours is
//! released, so locks never nest. Happens-before as in Go: everything before a `done` is
//! visible after the `wait` it releases, through the state lock (fast path) or through the
//! channel close (its Release store pairs with the receiver's Acquire load).
#![forbid(unsafe_code)]

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::chan::Chan;
use crate::channel::sealed;
use crate::future::OwnedRecv;
use crate::sync::{Arc, Mutex};
use crate::waiter::block_on;

/// Waits for a collection of tasks or threads to finish: Go's `sync.WaitGroup`.
///
/// [`add`](Self::add) counts work that is about to start, [`done`](Self::done) marks one
/// piece finished, and [`wait`](Self::wait) (async) or [`wait_blocking`](Self::wait_blocking)
/// (threads) returns once the counter is zero. Clones share the counter, so each worker can
/// own one; unlike Go, there is no need to pass a pointer.
///
/// Like Go, call `add` *before* starting the work it counts (not inside the worker), so that
/// a `wait` cannot see zero before the work began. A group can be reused: once the counter
/// is back at zero, new `add`s start a new round.
///
/// It needs no runtime: the same group can be awaited from tokio, smol or
/// `futures::executor` and waited on from a plain thread.
///
/// # Examples
///
/// ```
/// use gochan::sync::WaitGroup;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
///
/// let wg = WaitGroup::new();
/// let hits = Arc::new(AtomicUsize::new(0));
/// for _ in 0..4 {
///     wg.add(1); // before the thread starts, as in Go
///     let (wg, hits) = (wg.clone(), hits.clone());
///     std::thread::spawn(move || {
///         hits.fetch_add(1, Ordering::Relaxed);
///         wg.done();
///     });
/// }
/// wg.wait_blocking();
/// assert_eq!(hits.load(Ordering::Relaxed), 4);
/// ```
#[derive(Clone)]
pub struct WaitGroup {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    /// Protects the counter and the current generation's channel (invariants 1 and 2).
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    count: usize,
    /// The channel the current generation's waiters wait on; `Some` iff `count > 0`.
    gate: Option<Arc<Chan<()>>>,
}

impl WaitGroup {
    /// A group with a counter of zero: [`wait`](Self::wait) returns at once.
    ///
    /// # Examples
    ///
    /// ```
    /// let wg = gochan::sync::WaitGroup::new();
    /// wg.wait_blocking(); // nothing to wait for
    /// ```
    pub fn new() -> WaitGroup {
        WaitGroup {
            shared: Arc::new(Shared::default()),
        }
    }

    /// Adds `n` to the counter: Go's `wg.Add(n)` for positive `n`. `add(0)` does nothing.
    ///
    /// Call it before starting the work it counts. Going from zero to more than zero starts
    /// a new round: waiters of the previous round are not held back by it.
    ///
    /// # Panics
    ///
    /// If the counter would overflow `usize`.
    ///
    /// # Examples
    ///
    /// ```
    /// let wg = gochan::sync::WaitGroup::new();
    /// wg.add(2);
    /// wg.done();
    /// wg.done();
    /// wg.wait_blocking();
    /// ```
    pub fn add(&self, n: usize) {
        if n == 0 {
            return;
        }
        let mut st = self.shared.state.lock();
        let Some(count) = st.count.checked_add(n) else {
            drop(st);
            panic!("gochan::sync::WaitGroup::add: the counter overflowed");
        };
        if st.count == 0 {
            // Invariant 2: a new generation gets its own channel.
            st.gate = Some(sealed());
        }
        st.count = count;
    }

    /// Marks one unit of work finished: Go's `wg.Done()`, which is `wg.Add(-1)`. When the
    /// counter reaches zero, every waiter is released.
    ///
    /// # Panics
    ///
    /// If the counter is already zero (more `done`s than `add`s). Go panics the same way
    /// (`sync: negative WaitGroup counter`): it is a bug in the caller, not a state to handle.
    /// The counter is left at zero.
    ///
    /// # Examples
    ///
    /// ```
    /// let wg = gochan::sync::WaitGroup::new();
    /// wg.add(1);
    /// let worker = wg.clone();
    /// std::thread::spawn(move || worker.done());
    /// wg.wait_blocking();
    /// ```
    ///
    /// ```should_panic
    /// let wg = gochan::sync::WaitGroup::new();
    /// wg.done(); // panics: nothing was added
    /// ```
    pub fn done(&self) {
        let gate = {
            let mut st = self.shared.state.lock();
            if st.count == 0 {
                drop(st);
                panic!(
                    "gochan::sync::WaitGroup::done: negative counter (more `done` calls than `add`)"
                );
            }
            st.count -= 1;
            if st.count > 0 {
                return;
            }
            st.gate.take()
        };
        // Invariant 3: close after unlocking, so the channel's lock never nests in ours.
        if let Some(gate) = gate {
            gate.close();
        }
    }

    /// Waits until the counter is zero: Go's `wg.Wait()`, as a future that needs no runtime.
    ///
    /// The future reads the counter when it is first polled, not when `wait` is called. It
    /// completes once that round's counter reaches zero, even if a new round has started by
    /// the time it is polled again.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future has no effect on the counter or on other waiters.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let wg = gochan::sync::WaitGroup::new();
    /// wg.add(1);
    /// let worker = wg.clone();
    /// std::thread::spawn(move || worker.done());
    /// wg.wait().await;
    /// # });
    /// ```
    pub fn wait(&self) -> WaitFuture {
        WaitFuture {
            shared: self.shared.clone(),
            gate: None,
        }
    }

    /// Parks the thread until the counter is zero: Go's `wg.Wait()` on a thread.
    ///
    /// # Blocking
    ///
    /// Parks the thread without using CPU (after a short spin) until the last `done` of the
    /// round. Do not call it inside async code; use [`wait`](Self::wait) there.
    ///
    /// # Examples
    ///
    /// ```
    /// let wg = gochan::sync::WaitGroup::new();
    /// let handles: Vec<_> = (0..3)
    ///     .map(|i| {
    ///         wg.add(1);
    ///         let wg = wg.clone();
    ///         std::thread::spawn(move || {
    ///             let _ = i * 2;
    ///             wg.done();
    ///         })
    ///     })
    ///     .collect();
    /// wg.wait_blocking();
    /// # for h in handles { h.join().unwrap(); }
    /// ```
    pub fn wait_blocking(&self) {
        let mut fut = self.wait();
        block_on(&mut fut, None).expect("a wait without a deadline completes");
    }
}

impl Default for WaitGroup {
    /// The same as [`WaitGroup::new`]: Go's zero-value `sync.WaitGroup` is ready to use.
    fn default() -> WaitGroup {
        WaitGroup::new()
    }
}

impl fmt::Debug for WaitGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.shared.state.lock().count;
        f.debug_struct("WaitGroup").field("count", &count).finish()
    }
}

/// The future returned by [`WaitGroup::wait`]; it completes when the counter is zero.
///
/// # Cancel safety
///
/// Dropping it has no effect on the counter or on other waiters.
///
/// # Examples
///
/// ```
/// use gochan::sync::{WaitFuture, WaitGroup};
///
/// let wg = WaitGroup::new();
/// let fut: WaitFuture = wg.wait();
/// futures::executor::block_on(fut); // the counter is zero: ready at once
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WaitFuture {
    shared: Arc<Shared>,
    /// The receive on this round's channel, made on the first poll that finds work pending.
    gate: Option<OwnedRecv<()>>,
}

impl Future for WaitFuture {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if this.gate.is_none() {
            // Invariant 4.
            let st = this.shared.state.lock();
            match &st.gate {
                None => return Poll::Ready(()),
                Some(chan) => this.gate = Some(OwnedRecv::owned(chan.clone())),
            }
        }
        let recv = this.gate.as_mut().expect("set above");
        // Nothing is ever sent on the channel: `Ready` means it was closed (invariant 3).
        Pin::new(recv).poll(cx).map(|_| ())
    }
}

impl fmt::Debug for WaitFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitFuture")
            .field("waiting", &self.gate.is_some())
            .finish_non_exhaustive()
    }
}
