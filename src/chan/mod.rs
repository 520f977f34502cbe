//! L2: the channel core, one algorithm for every capacity (Go's `hchan`, go-reference A4–A8).
//!
//! A channel is a buffer (empty and unused at capacity 0), two wait lists and a closed flag
//! under one lock. Operations complete *on behalf of* parked peers: a send hands its message
//! straight to the oldest waiting receiver, a receive that frees a slot moves the oldest
//! blocked sender's message into it (A5.2), so a woken waiter never retries and nobody barges
//! (A6.2). Timer channels add a [`Source`] that produces a value when it is due.
//!
//! # Invariants (all under `Chan::state`)
//!
//! 1. A15.2: a non-empty buffer means no claimable receiver is queued; a buffer below its
//!    capacity means no claimable sender is queued. (Entries of selects claimed elsewhere may
//!    linger until their owner withdraws them; every dequeue skips and drops them, A6.3.)
//! 2. `closed` never goes back to `false`. Closing claims every queued entry: receivers see
//!    an empty slot, senders find their message still in theirs (A8.2).
//! 3. The buffer can exceed its capacity only by messages *given back* by a receive that was
//!    claimed and then dropped (DESIGN G6); they are the oldest messages and go to its front.
//! 4. A select's entry is claimed only by a thread holding this lock (waiter invariant 2),
//!    and a plain waiter is taken off its list only under it (the operation is committed to
//!    the taker then; it finishes the waiter once the lock is released, `plain.rs`
//!    invariant 3). Wakers are woken after the lock is released (A6.1), as are dropped
//!    messages, so user code (`Waker::wake`, `Drop`) never runs under the lock; between a
//!    plain waiter's removal and its completion no user code runs at all ([`Deferred`]).
//!    The exception is `Waker::clone` (and `will_wake`) when a waiter registers or replaces
//!    its waker, as with every waker-based channel. The functions that take the guard by
//!    value declare it after their `Deferred`, so an unwinding panic releases the lock
//!    before the `Deferred` runs.
//!
//! The atomics beside the lock are snapshots for the lock-free getters (`len`, `is_closed`,
//! blocked counts); they are written under the lock and read `Relaxed`/`Acquire`, and no
//! decision of the protocol is taken on them.

mod ops;

use std::collections::VecDeque;
use std::task::Waker;
use std::time::Instant;

use crate::sync::{Arc, AtomicBool, AtomicUsize, Ordering, SpinGuard, SpinLock};
use crate::waiter::{Entry, Key, Link, Record, WaitList};

pub(crate) use ops::{RecvNow, Reg, SendNow};

/// A producer of values for a timer channel (`after`, `tick`): values are computed when
/// received, so a stopped or reset timer can never deliver a stale one (Go 1.23, D2.5).
pub(crate) trait Source<T>: Send {
    /// Whether a value is due at `now`.
    fn ready(&self, now: Instant) -> bool;
    /// Takes the value due at `now`, if any.
    fn take(&mut self, now: Instant) -> Option<T>;
    /// A receiver is about to wait: make sure the timer thread will call `Chan::pump`.
    fn on_wait(&mut self);
    /// The timer thread is calling `Chan::pump` for the wake-up `on_wait` arranged.
    fn on_fire(&mut self) {}
    /// A value `take` produced was not delivered after all (its receiver was claimed
    /// elsewhere, or dropped): the source owns it again, unless it was stopped or re-armed
    /// since, in which case the value is stale and dropped (D4.2, D5.2).
    fn restore(&mut self, value: T);
    /// Stops (`None`) or re-arms the source; returns whether a value was pending (Go's
    /// `Stop`/`Reset` result, D4.1, D5.1).
    fn control(&mut self, _rearm: Option<(Instant, Option<std::time::Duration>)>) -> bool {
        false
    }
}

/// A waiter as stored on a wait list: one case of a select, whose record several channels may
/// race to claim, or a plain send or receive, which only this channel completes.
pub(crate) enum Waiter<T> {
    Entry(Arc<Entry<T>>),
    Plain(Link<T>),
}

pub(crate) struct State<T> {
    pub(crate) buf: VecDeque<T>,
    pub(crate) closed: bool,
    pub(crate) senders: WaitList<Waiter<T>>,
    pub(crate) receivers: WaitList<Waiter<T>>,
    pub(crate) source: Option<Box<dyn Source<T>>>,
    /// Entries taken off the wait lists, kept for later registrations to reuse once their
    /// owners have dropped them (`ops::new_entry`): a steady stream of waits allocates
    /// nothing. Two, because in a rendezvous each side's entry is still held by its owner
    /// when the other side registers.
    pub(crate) spare: [Option<Arc<Entry<T>>>; 2],
}

impl<T> State<T> {
    /// The wait list of senders (`send`) or of receivers.
    pub(crate) fn waiters(&mut self, send: bool) -> &mut WaitList<Waiter<T>> {
        if send {
            &mut self.senders
        } else {
            &mut self.receivers
        }
    }
}

/// The shared part of a channel.
pub struct Chan<T> {
    state: SpinLock<State<T>>,
    /// `None` for unbounded.
    cap: Option<usize>,
    /// The allocation a draining buffer shrinks down to: its capacity, at least
    /// `ops::SHRINK_FLOOR` slots (see `ops::shrink`).
    shrink_floor: usize,
    /// Only the owner (a context) may close a sealed channel; `close()` on a handle is refused.
    sealed: bool,
    /// Live `Sender` handles; the last one to go closes the channel (G2).
    pub(crate) sender_handles: AtomicUsize,
    /// Live `Receiver` handles; the last one to go closes and drains (G2).
    pub(crate) receiver_handles: AtomicUsize,
    len: AtomicUsize,
    closed: AtomicBool,
    blocked_senders: AtomicUsize,
    blocked_receivers: AtomicUsize,
}

impl<T> std::fmt::Debug for Chan<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chan")
            .field("cap", &self.cap)
            .field("len", &self.len())
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

/// What a channel operation leaves to do once the lock is released (invariant 4): plain
/// waiters to complete (taken off a wait list under the lock, waiter `plain.rs` invariant 3),
/// wakers to wake, messages to drop. A claimer takes a select record's waker under the lock
/// (waiter invariant 6), so nothing here refers to a record. The first completion and the
/// first waker are kept inline: most operations complete or wake at most one peer, and
/// allocate nothing here.
///
/// It does its work when dropped, so even a panic between a completion's start (under the
/// lock) and its end cannot leave a plain waiter's owner waiting for it.
pub(crate) struct Deferred<T> {
    done: Option<Done<T>>,
    waker: Option<Waker>,
    /// Everything beyond the first completion and the first waker (a close, a timer's
    /// pump, a drain), in one vector so that the common case checks three fields.
    rest: Vec<Later<T>>,
}

/// A plain waiter taken off a wait list, to complete after the lock is released.
enum Done<T> {
    /// A receive, handed this message.
    Recv(Link<T>, T),
    /// A send whose message was taken, or any waiter of a closed channel: the slot is final.
    Slot(Link<T>),
}

/// One more thing for [`Deferred`] to do.
enum Later<T> {
    Done(Done<T>),
    Wake(Waker),
    Drop(T),
}

impl<T> Default for Deferred<T> {
    #[inline]
    fn default() -> Self {
        Deferred {
            done: None,
            waker: None,
            rest: Vec::new(),
        }
    }
}

impl<T> Deferred<T> {
    /// Takes the waker of `record`, which the caller has just claimed under the channel
    /// lock, to wake it after the lock is released.
    #[inline]
    pub(crate) fn wake(&mut self, record: &Record) {
        if let Some(w) = record.take_waker() {
            if self.waker.is_none() {
                self.waker = Some(w);
            } else {
                self.rest.push(Later::Wake(w));
            }
        }
    }

    #[inline]
    fn push_done(&mut self, done: Done<T>) {
        if self.done.is_none() {
            self.done = Some(done);
        } else {
            self.rest.push(Later::Done(done));
        }
    }

    /// A plain receive taken off the wait list, to be handed `msg` once the lock is released.
    #[inline]
    pub(crate) fn complete_recv(&mut self, link: Link<T>, msg: T) {
        self.push_done(Done::Recv(link, msg));
    }

    /// A plain waiter taken off the wait list whose slot is final (its message taken, or its
    /// channel closed), to complete once the lock is released.
    #[inline]
    pub(crate) fn complete(&mut self, link: Link<T>) {
        self.push_done(Done::Slot(link));
    }

    /// A message to drop once the lock is released.
    pub(crate) fn drop_later(&mut self, msg: T) {
        self.rest.push(Later::Drop(msg));
    }

    /// Completes, wakes and drops (see the type's docs; call it after unlocking).
    #[inline]
    pub(crate) fn run(self) {
        drop(self);
    }

    /// Completes every plain waiter first (no user code runs in between, so an owner waiting
    /// for one is not kept waiting by a waker), then wakes, then drops; a panicking `Drop` of
    /// a message cannot leave a waiter asleep, since every waiter is woken before.
    #[inline(never)]
    fn run_slow(&mut self) {
        let first = self.done.take().and_then(finish);
        if !self.rest.is_empty() {
            self.run_rest(first);
            return;
        }
        if let Some(w) = first {
            w.wake();
        }
        if let Some(w) = self.waker.take() {
            w.wake();
        }
    }

    /// [`run_slow`](Self::run_slow) with more than one completion or waker, or messages to
    /// drop.
    #[inline(never)]
    fn run_rest(&mut self, first: Option<Waker>) {
        let mut wakers = Vec::new();
        let mut drops = Vec::new();
        for item in std::mem::take(&mut self.rest) {
            match item {
                Later::Done(d) => wakers.extend(finish(d)),
                Later::Wake(w) => wakers.push(w),
                Later::Drop(m) => drops.push(m),
            }
        }
        if let Some(w) = first {
            w.wake();
        }
        if let Some(w) = self.waker.take() {
            w.wake();
        }
        for w in wakers {
            w.wake();
        }
        drop(drops);
    }
}

impl<T> Drop for Deferred<T> {
    #[inline]
    fn drop(&mut self) {
        if self.done.is_none() && self.waker.is_none() && self.rest.is_empty() {
            return;
        }
        self.run_slow();
    }
}

/// Completes one plain waiter; returns its waker.
#[inline]
fn finish<T>(done: Done<T>) -> Option<Waker> {
    match done {
        Done::Recv(link, msg) => link.complete_recv(msg),
        Done::Slot(link) => link.finish(),
    }
}

impl<T> Chan<T> {
    /// A new channel; `cap == None` is unbounded, `Some(0)` unbuffered.
    pub(crate) fn new(
        cap: Option<usize>,
        sealed: bool,
        source: Option<Box<dyn Source<T>>>,
    ) -> Chan<T> {
        if let Some(c) = cap {
            check_capacity::<T>(c);
        }
        let initial = cap.unwrap_or(0).min(32);
        Chan {
            state: SpinLock::new(State {
                buf: VecDeque::with_capacity(initial),
                closed: false,
                senders: WaitList::default(),
                receivers: WaitList::default(),
                source,
                spare: [None, None],
            }),
            cap,
            shrink_floor: cap.unwrap_or(0).max(ops::SHRINK_FLOOR),
            sealed,
            sender_handles: AtomicUsize::new(0),
            receiver_handles: AtomicUsize::new(0),
            len: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
            blocked_senders: AtomicUsize::new(0),
            blocked_receivers: AtomicUsize::new(0),
        }
    }

    pub(crate) fn lock(&self) -> SpinGuard<'_, State<T>> {
        self.state.lock()
    }

    pub(crate) fn capacity(&self) -> Option<usize> {
        self.cap
    }

    /// Whether `len` more buffered messages leave room for one more.
    pub(crate) fn has_room(&self, len: usize) -> bool {
        self.cap.map_or(true, |c| len < c)
    }

    pub(crate) fn len(&self) -> usize {
        // Relaxed: a snapshot that creates no happens-before edge, as in Go (A9b.2).
        self.len.load(Ordering::Relaxed)
    }

    pub(crate) fn is_closed(&self) -> bool {
        // Acquire pairs with the Release store in `close_locked`, so a caller that sees
        // "closed" also sees what happened before the close (A11.2).
        self.closed.load(Ordering::Acquire)
    }

    pub(crate) fn is_sealed(&self) -> bool {
        self.sealed
    }

    pub(crate) fn blocked_senders(&self) -> usize {
        self.blocked_senders.load(Ordering::Relaxed)
    }

    pub(crate) fn blocked_receivers(&self) -> usize {
        self.blocked_receivers.load(Ordering::Relaxed)
    }

    /// Refreshes the snapshots after a change under the lock.
    pub(crate) fn publish(&self, st: &State<T>) {
        // Relaxed: snapshots only (module docs).
        self.len.store(st.buf.len(), Ordering::Relaxed);
        self.blocked_senders
            .store(st.senders.len(), Ordering::Relaxed);
        self.blocked_receivers
            .store(st.receivers.len(), Ordering::Relaxed);
    }

    /// Refreshes the length snapshot alone, after a change that queued or dequeued no waiter.
    #[inline]
    pub(crate) fn publish_len(&self, st: &State<T>) {
        // Relaxed: a snapshot only (module docs).
        self.len.store(st.buf.len(), Ordering::Relaxed);
    }

    /// Closes the channel. Returns `false` if it was already closed.
    pub(crate) fn close(&self) -> bool {
        let mut later = Deferred::default();
        let closed = {
            let mut st = self.lock();
            self.close_locked(&mut st, &mut later)
        };
        later.run();
        closed
    }

    fn close_locked(&self, st: &mut State<T>, later: &mut Deferred<T>) -> bool {
        if st.closed {
            return false;
        }
        st.closed = true;
        // Release pairs with the Acquire load in `is_closed`.
        self.closed.store(true, Ordering::Release);
        // Invariant 2: claim every waiter; slots stay as they are (waiter invariant 4).
        for w in st.receivers.drain().into_iter().chain(st.senders.drain()) {
            match w {
                Waiter::Entry(e) => {
                    if e.record.try_claim(e.case) {
                        later.wake(&e.record);
                    }
                }
                Waiter::Plain(link) => later.complete(link),
            }
        }
        st.source = None;
        self.publish(st);
        true
    }

    /// The last receiver is gone: close, and drop what is buffered (G2).
    pub(crate) fn disconnect_receivers(&self) {
        let mut later = Deferred::default();
        {
            let mut st = self.lock();
            self.close_locked(&mut st, &mut later);
            for m in st.buf.drain(..) {
                later.drop_later(m);
            }
            st.buf = VecDeque::new();
            self.publish(&st);
        }
        later.run();
    }

    /// Removes a select's registration that did not win, if it is still queued.
    pub(crate) fn withdraw(&self, key: Key, send: bool) {
        let mut st = self.lock();
        match st.waiters(send).remove(key) {
            Some(Waiter::Entry(e)) => {
                self.publish(&st);
                ops::keep_spare(&mut st, e);
            }
            Some(Waiter::Plain(_)) => unreachable!("a select's key names a select's entry"),
            None => {}
        }
    }

    /// Gives back a message that a dropped receive had been handed (G6): to the oldest
    /// waiting receiver, or to the front of the buffer (invariant 3). With no receiver
    /// handle left the message is dropped, as the rest of the buffer was.
    pub(crate) fn give_back(&self, msg: T) {
        let mut later = Deferred::default();
        {
            let mut st = self.lock();
            match ops::hand_to_receiver(&mut st, msg, None, &mut later) {
                Ok(()) => {}
                Err(msg) => {
                    // Acquire pairs with the AcqRel decrement of the last receiver handle.
                    if let Some(src) = st.source.as_mut() {
                        src.restore(msg);
                    } else if self.receiver_handles.load(Ordering::Acquire) == 0 {
                        later.drop_later(msg);
                    } else {
                        st.buf.push_front(msg);
                    }
                }
            }
            self.publish(&st);
        }
        later.run();
    }

    /// A timer fired: deliver due values to waiting receivers.
    pub(crate) fn pump(&self) {
        let mut later: Deferred<T> = Deferred::default();
        {
            let mut st = self.lock();
            if let Some(s) = st.source.as_mut() {
                s.on_fire();
            }
            let now = Instant::now();
            while st.receivers.len() > 0 {
                let Some(v) = st.source.as_mut().and_then(|s| s.take(now)) else {
                    break;
                };
                match ops::hand_to_receiver(&mut st, v, None, &mut later) {
                    Ok(()) => {}
                    Err(v) => {
                        // Every queued receiver was stale; the source keeps the value.
                        if let Some(s) = st.source.as_mut() {
                            s.restore(v);
                        }
                        break;
                    }
                }
            }
            if st.receivers.len() > 0 {
                if let Some(s) = st.source.as_mut() {
                    s.on_wait();
                }
            }
            self.publish(&st);
        }
        later.run();
    }
}

impl<T> Chan<T> {
    /// Stops or re-arms the channel's source (see [`Source::control`]), and arranges a
    /// wake-up if receivers are waiting.
    pub(crate) fn control(&self, rearm: Option<(Instant, Option<std::time::Duration>)>) -> bool {
        let mut st = self.lock();
        let waiting = st.receivers.len() > 0;
        match st.source.as_mut() {
            Some(s) => {
                let was = s.control(rearm);
                if waiting {
                    s.on_wait();
                }
                was
            }
            None => false,
        }
    }

    /// Installs the source of a timer channel (which needs the channel's address first).
    pub(crate) fn set_source(&self, source: Box<dyn Source<T>>) {
        self.lock().source = Some(source);
    }
}

/// Panics with a clear message if `cap` messages of `T` could never be allocated.
fn check_capacity<T>(cap: usize) {
    let size = std::mem::size_of::<T>();
    let limit = (isize::MAX as usize)
        .checked_div(size)
        .unwrap_or(usize::MAX);
    if cap > limit {
        panic!(
            "gochan::bounded: capacity {cap} exceeds the limit of {limit} messages of {size} bytes"
        );
    }
}
