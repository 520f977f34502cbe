//! Go's `golang.org/x/sync/errgroup`: run a set of fallible futures, get the first error.
//!
//! A [`Group`] does not spawn anything. [`Group::go`] only stores the future; the future
//! returned by [`Group::wait`] polls every stored future itself, on whatever executor polls
//! it (or on the calling thread, for [`Group::wait_blocking`]). So the group works with tokio,
//! smol, `futures::executor` or no runtime at all. To run the futures in parallel on several
//! threads, hand each one to your runtime's `spawn` and give the group the join handle.
//!
//! # Invariants (of [`WaitFuture`])
//!
//! 1. `running` holds at most `limit` futures; the rest wait in `queued`, in the order of
//!    `go`. A future moves from `queued` to a free slot only when fewer than `limit` run, so
//!    the limit holds at every instant.
//! 2. A slot's index is in the ready list at most once (`Ready::flagged`). The slot's waker
//!    puts it there and wakes the task that polls the group; only that task takes it out, and
//!    it clears the flag *before* polling the slot, so a wake that arrives during that poll
//!    queues the slot again and is never lost.
//! 3. A slot is polled only after its index came off the ready list, and each newly filled
//!    slot is put on the list once, so it gets its first poll. A late wake meant for the
//!    slot's previous future costs the new one a spurious poll, which futures allow.
//! 4. `first_err` is written once, by the first future that ends in `Err`; that write cancels
//!    the group's context. Later errors are dropped, as errgroup drops them.
//!
//! The ready list's lock is a leaf: nothing is polled, woken or dropped while it is held.
#![forbid(unsafe_code)]

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
// `std::task::Wake` is implemented for std's `Arc` only (as in `waiter/parker.rs`).
use std::sync::Arc as StdArc;
use std::task::{Context as TaskContext, Poll, Wake, Waker};

use crate::context::{CancelFunc, Context};
use crate::sync::Mutex;
use crate::waiter::block_on;

type BoxFuture<E> = Pin<Box<dyn Future<Output = Result<(), E>> + Send + 'static>>;

/// How many futures one poll of a [`WaitFuture`] may poll before it yields to the executor
/// (it then wakes itself), so that futures that keep waking each other cannot starve the
/// other tasks of a cooperative executor.
const POLL_BUDGET: usize = 256;

/// A set of fallible futures that are run together, with the first error returned: Go's
/// `errgroup.Group`.
///
/// Add futures with [`go`](Self::go), then [`wait`](Self::wait) (async) or
/// [`wait_blocking`](Self::wait_blocking) (a thread). Waiting runs every future to the end,
/// as errgroup's `Wait` does, and returns the first error. A group made with
/// [`with_context`](Self::with_context) also cancels its context at the first error, so the
/// other futures can stop early by watching [`Context::done`].
///
/// Differences from Go:
/// - Nothing runs before `wait` is polled: the group drives the futures itself, on the task
///   that awaits `wait` (or the thread of `wait_blocking`). They run concurrently, not in
///   parallel; spawn on a runtime and add the join handle if you need threads.
/// - `go` never blocks. Beyond the [limit](Self::set_limit) futures are queued and start as
///   running ones finish.
/// - `wait` takes the group by value, so a group is waited on once. A group dropped without
///   `wait` drops its futures (they never ran) and cancels its context.
///
/// # Examples
///
/// ```
/// use gochan::group::Group;
///
/// let mut g = Group::new();
/// for i in 0..5 {
///     g.go(async move {
///         if i == 3 {
///             Err(format!("job {i} failed"))
///         } else {
///             Ok(())
///         }
///     });
/// }
/// assert_eq!(g.wait_blocking(), Err("job 3 failed".to_string()));
/// ```
pub struct Group<E> {
    /// The futures added so far, in the order of `go`.
    futures: VecDeque<BoxFuture<E>>,
    /// At most this many run at once; `usize::MAX` means no limit.
    limit: usize,
    /// Cancels the context of `with_context`; `None` for `new`.
    cancel: Option<CancelFunc>,
}

impl<E: Send + 'static> Group<E> {
    /// An empty group with no limit and no context: Go's zero-value `errgroup.Group`.
    ///
    /// # Examples
    ///
    /// ```
    /// let g = gochan::group::Group::<()>::new();
    /// assert_eq!(g.wait_blocking(), Ok(())); // nothing to run
    /// ```
    pub fn new() -> Group<E> {
        Group {
            futures: VecDeque::new(),
            limit: usize::MAX,
            cancel: None,
        }
    }

    /// A group and a context derived from `parent`: Go's `errgroup.WithContext`.
    ///
    /// The derived context is cancelled the first time a future of the group returns an
    /// error, or when [`wait`](Self::wait) returns, whichever comes first; also when the group
    /// (or its `wait` future) is dropped. Pass it to the futures so they can give up early.
    ///
    /// Its [cause](Context::cause) is [`Canceled`](crate::context::Error::Canceled): unlike
    /// Go's errgroup, which records the first error as the cause, the group's error type need
    /// not be an error the context can hold; `wait` returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// use gochan::context::Context;
    /// use gochan::group::Group;
    ///
    /// let (mut g, ctx) = Group::with_context(&Context::background());
    /// let watcher = ctx.clone();
    /// g.go(async move {
    ///     watcher.done().recv().await; // returns once the group fails
    ///     Ok(())
    /// });
    /// g.go(async { Err("boom") });
    /// assert_eq!(g.wait_blocking(), Err("boom"));
    /// assert!(ctx.err().is_some());
    /// ```
    pub fn with_context(parent: &Context) -> (Group<E>, Context) {
        let (ctx, cancel) = parent.with_cancel();
        let mut g = Group::new();
        g.cancel = Some(cancel);
        (g, ctx)
    }

    /// Runs at most `n` of the group's futures at once: Go's `g.SetLimit(n)`.
    ///
    /// The limit applies while [`wait`](Self::wait) runs: the first `n` futures start, and
    /// each one that finishes lets the next queued one (in the order of `go`) start. It can be
    /// changed any time before `wait`. `usize::MAX` means no limit, the default.
    ///
    /// A limit of 0 admits nothing, as in Go: [`try_go`](Self::try_go) always fails and
    /// [`go`](Self::go) panics (Go's `g.Go` would block forever).
    ///
    /// # Panics
    ///
    /// If `n` is 0 while the group holds futures: they could never run, and `wait` would
    /// never return.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// use gochan::group::Group;
    ///
    /// let running = Arc::new(AtomicUsize::new(0));
    /// let mut g = Group::<()>::new();
    /// g.set_limit(2);
    /// for _ in 0..6 {
    ///     let running = running.clone();
    ///     g.go(async move {
    ///         assert!(running.fetch_add(1, Ordering::SeqCst) < 2);
    ///         gochan::time::sleep(std::time::Duration::from_millis(2)).await;
    ///         running.fetch_sub(1, Ordering::SeqCst);
    ///         Ok(())
    ///     });
    /// }
    /// assert_eq!(g.wait_blocking(), Ok(()));
    /// ```
    pub fn set_limit(&mut self, n: usize) {
        assert!(
            n > 0 || self.futures.is_empty(),
            "gochan::group::Group::set_limit: a limit of 0 with futures in the group would never run them"
        );
        self.limit = n;
    }

    /// Adds `fut` to the group: Go's `g.Go(f)`.
    ///
    /// The future does not start now: it runs when [`wait`](Self::wait) is polled (or
    /// queues there behind the [limit](Self::set_limit)). `go` never blocks. Futures are
    /// first polled in the order they were added.
    ///
    /// # Panics
    ///
    /// If the limit is 0: the future could never run (Go's `g.Go` blocks forever).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut g = gochan::group::Group::<std::io::Error>::new();
    /// g.go(async { Ok(()) });
    /// assert!(g.wait_blocking().is_ok());
    /// ```
    pub fn go<F>(&mut self, fut: F)
    where
        F: Future<Output = Result<(), E>> + Send + 'static,
    {
        assert!(
            self.limit > 0,
            "gochan::group::Group::go: the limit is 0, so the future could never run"
        );
        self.futures.push_back(Box::pin(fut));
    }

    /// Adds `fut` only if it would start at once, without queueing behind the limit: Go's
    /// `g.TryGo(f)`.
    ///
    /// Since nothing finishes before [`wait`](Self::wait) runs, this accepts futures while
    /// the group holds fewer than the limit.
    ///
    /// # Errors
    ///
    /// Gives `fut` back, unstarted, if the group already holds `limit` futures.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut g = gochan::group::Group::<()>::new();
    /// g.set_limit(1);
    /// assert!(g.try_go(async { Ok(()) }).is_ok());
    /// assert!(g.try_go(async { Ok(()) }).is_err()); // the one slot is taken
    /// assert_eq!(g.wait_blocking(), Ok(()));
    /// ```
    pub fn try_go<F>(&mut self, fut: F) -> Result<(), F>
    where
        F: Future<Output = Result<(), E>> + Send + 'static,
    {
        if self.futures.len() >= self.limit {
            return Err(fut);
        }
        self.go(fut);
        Ok(())
    }

    /// Runs every future of the group to its end and returns the first error: Go's
    /// `g.Wait()`.
    ///
    /// The futures are polled by the returned future, at most `limit` at a time. Each one
    /// runs to completion even after an error (errgroup's rule); with a context from
    /// [`with_context`](Self::with_context), the first error cancels it so they can stop
    /// early. The context is cancelled when the wait returns, too.
    ///
    /// # Errors
    ///
    /// The error of the first future that failed; later errors are dropped.
    ///
    /// # Panics
    ///
    /// A panic in one of the futures comes out of the poll of this one.
    ///
    /// # Cancel safety
    ///
    /// Dropping the returned future drops every future of the group, running or queued, and
    /// cancels the group's context. Nothing of the group is left behind.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// use std::time::Duration;
    /// use gochan::{group::Group, time::sleep};
    ///
    /// let mut g = Group::new();
    /// g.go(async {
    ///     sleep(Duration::from_millis(20)).await;
    ///     Err("slow failure")
    /// });
    /// g.go(async { Err("fast failure") });
    /// assert_eq!(g.wait().await, Err("fast failure")); // the first to fail wins
    /// # });
    /// ```
    pub fn wait(self) -> WaitFuture<E> {
        WaitFuture {
            queued: self.futures,
            running: Vec::new(),
            free: Vec::new(),
            wakers: Vec::new(),
            ready: StdArc::new(Ready::default()),
            limit: self.limit,
            active: 0,
            first_err: None,
            cancel: self.cancel,
            finished: false,
        }
    }

    /// Runs every future of the group on this thread and returns the first error: Go's
    /// `g.Wait()` outside async code. See [`wait`](Self::wait).
    ///
    /// # Errors
    ///
    /// The error of the first future that failed; later errors are dropped.
    ///
    /// # Panics
    ///
    /// A panic in one of the futures propagates.
    ///
    /// # Blocking
    ///
    /// Polls the futures on this thread and parks it, without using CPU, while none of them
    /// can make progress. The futures must not need a runtime's context (a tokio timer, for
    /// one); this crate's channels, timers and contexts need none. Do not call it inside
    /// async code.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded::<u32>(0);
    /// let mut g = gochan::group::Group::<String>::new();
    /// g.go(async move {
    ///     tx.send(7).await.map_err(|e| e.to_string())
    /// });
    /// g.go(async move {
    ///     match rx.recv().await {
    ///         Some(7) => Ok(()),
    ///         other => Err(format!("got {other:?}")),
    ///     }
    /// });
    /// assert_eq!(g.wait_blocking(), Ok(()));
    /// ```
    pub fn wait_blocking(self) -> Result<(), E> {
        let mut fut = self.wait();
        block_on(&mut fut, None).expect("a wait without a deadline completes")
    }
}

impl<E: Send + 'static> Default for Group<E> {
    /// The same as [`Group::new`].
    fn default() -> Group<E> {
        Group::new()
    }
}

impl<E> fmt::Debug for Group<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Group");
        d.field("futures", &self.futures.len());
        if self.limit != usize::MAX {
            d.field("limit", &self.limit);
        }
        d.field("with_context", &self.cancel.is_some()).finish()
    }
}

/// The ready list: slots whose waker fired since they were last polled.
#[derive(Default)]
struct Ready {
    /// Protects the list, its flags and the waker of the polling task (a leaf lock).
    inner: Mutex<ReadyInner>,
}

#[derive(Default)]
struct ReadyInner {
    /// Slot indices to poll, oldest first.
    list: Vec<usize>,
    /// `flagged[i]`: slot `i` is in `list` (invariant 2).
    flagged: Vec<bool>,
    /// The task polling the group.
    parent: Option<Waker>,
}

impl Ready {
    /// Puts `slot` on the list (once) and says whether the parent must be woken.
    fn push(&self, slot: usize) -> Option<Waker> {
        let mut r = self.inner.lock();
        if r.flagged[slot] {
            return None;
        }
        r.flagged[slot] = true;
        r.list.push(slot);
        r.parent.clone()
    }
}

/// The waker of one slot.
struct SlotWaker {
    ready: StdArc<Ready>,
    slot: usize,
}

impl Wake for SlotWaker {
    fn wake(self: StdArc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &StdArc<Self>) {
        // The parent is woken after the lock is released (the lock is a leaf).
        if let Some(parent) = self.ready.push(self.slot) {
            parent.wake();
        }
    }
}

/// The future returned by [`Group::wait`]: it runs the group's futures and resolves to the
/// first error, or `Ok(())`.
///
/// # Cancel safety
///
/// Dropping it drops every future of the group, running or queued, and cancels the group's
/// context.
///
/// # Examples
///
/// ```
/// use gochan::group::{Group, WaitFuture};
///
/// let mut g = Group::<&str>::new();
/// g.go(async { Ok(()) });
/// let fut: WaitFuture<&str> = g.wait();
/// assert_eq!(futures::executor::block_on(fut), Ok(()));
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WaitFuture<E> {
    /// Futures not started yet (invariant 1).
    queued: VecDeque<BoxFuture<E>>,
    /// The started futures; `None` is a free slot.
    running: Vec<Option<BoxFuture<E>>>,
    /// Indices of the free slots of `running`.
    free: Vec<usize>,
    /// `wakers[i]` wakes slot `i`.
    wakers: Vec<Waker>,
    ready: StdArc<Ready>,
    limit: usize,
    /// The number of `Some` slots in `running`.
    active: usize,
    /// Invariant 4.
    first_err: Option<E>,
    cancel: Option<CancelFunc>,
    /// Set once the result was returned.
    finished: bool,
}

// No field is ever pinned: the futures are boxed.
impl<E> Unpin for WaitFuture<E> {}

impl<E> WaitFuture<E> {
    /// Starts queued futures while fewer than `limit` run (invariant 1).
    fn admit(&mut self) {
        while self.active < self.limit {
            let Some(fut) = self.queued.pop_front() else {
                return;
            };
            let slot = match self.free.pop() {
                Some(i) => {
                    self.running[i] = Some(fut);
                    i
                }
                None => {
                    let i = self.running.len();
                    self.running.push(Some(fut));
                    self.ready.inner.lock().flagged.push(false);
                    self.wakers.push(Waker::from(StdArc::new(SlotWaker {
                        ready: self.ready.clone(),
                        slot: i,
                    })));
                    i
                }
            };
            self.active += 1;
            // Invariant 3: the first poll. No parent wake is needed: the caller polls next.
            let _ = self.ready.push(slot);
        }
    }

    fn cancel_context(&self) {
        if let Some(c) = &self.cancel {
            c.cancel();
        }
    }
}

impl<E> Future for WaitFuture<E> {
    type Output = Result<(), E>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Result<(), E>> {
        let this = self.get_mut();
        assert!(
            !this.finished,
            "gochan::group::WaitFuture polled after it completed"
        );
        let _old_waker = {
            let mut r = this.ready.inner.lock();
            match &r.parent {
                Some(w) if w.will_wake(cx.waker()) => None,
                // The old waker is dropped after the lock is released (the lock is a leaf).
                _ => r.parent.replace(cx.waker().clone()),
            }
        };
        this.admit();
        let mut budget = POLL_BUDGET;
        loop {
            let batch = std::mem::take(&mut this.ready.inner.lock().list);
            if batch.is_empty() {
                break;
            }
            let mut rest = batch.into_iter();
            for slot in rest.by_ref() {
                // Invariant 2: clear the flag before the poll.
                this.ready.inner.lock().flagged[slot] = false;
                let Some(fut) = this.running[slot].as_mut() else {
                    continue; // a late wake for a finished future
                };
                let mut slot_cx = TaskContext::from_waker(&this.wakers[slot]);
                if let Poll::Ready(res) = fut.as_mut().poll(&mut slot_cx) {
                    this.running[slot] = None;
                    this.free.push(slot);
                    this.active -= 1;
                    if let Err(e) = res {
                        if this.first_err.is_none() {
                            this.first_err = Some(e);
                            this.cancel_context();
                        }
                    }
                    this.admit();
                }
                budget -= 1;
                if budget == 0 {
                    break;
                }
            }
            if budget == 0 {
                // Put back what was not polled, ahead of newer wakes. Those slots are still
                // flagged, so no wake put them on the list again (invariant 2).
                let mut left: Vec<usize> = rest.collect();
                let mut r = this.ready.inner.lock();
                left.append(&mut r.list);
                r.list = left;
                let more = !r.list.is_empty();
                drop(r);
                if more {
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                break;
            }
        }
        if this.active == 0 && this.queued.is_empty() {
            this.finished = true;
            // errgroup cancels the context when Wait returns.
            this.cancel_context();
            return Poll::Ready(match this.first_err.take() {
                Some(e) => Err(e),
                None => Ok(()),
            });
        }
        Poll::Pending
    }
}

impl<E> fmt::Debug for WaitFuture<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitFuture")
            .field("running", &self.active)
            .field("queued", &self.queued.len())
            .field("failed", &self.first_err.is_some())
            .finish_non_exhaustive()
    }
}
