//! L3: the named futures of the channel handles: one plain receive or send, which waits in a
//! plain waiter (`waiter/plain.rs`). `.await` and the `_blocking` forms (which run these
//! futures on a parked thread) share it; `select!` has its own engine (`select/engine.rs`).
#![forbid(unsafe_code)]

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::chan::Chan;
use crate::error::SendError;
use crate::sync::Arc;
use crate::waiter::{Key, Plain};

/// The future returned by [`Receiver::recv`](crate::Receiver::recv).
///
/// It resolves to `Some(message)`, or to `None` once the channel is closed and drained.
///
/// # Cancel safety
///
/// Dropping it never loses a message: if a sender had already handed it one, the message goes
/// to another waiting receiver or back to the front of the channel (DESIGN G6).
///
/// # Examples
///
/// A receive that is dropped after a sender handed it a message loses nothing:
///
/// ```
/// use std::future::Future;
/// use std::pin::Pin;
/// use std::task::Context;
///
/// let (tx, rx) = gochan::bounded(0);
/// let waker = futures::task::noop_waker();
/// let mut cx = Context::from_waker(&waker);
///
/// let mut fut = rx.recv();
/// assert!(Pin::new(&mut fut).poll(&mut cx).is_pending());
/// // Unbuffered: the send succeeds only because the future is waiting to receive.
/// tx.try_send(42).unwrap();
/// drop(fut); // never polled again
/// assert_eq!(rx.try_recv(), Ok(42));
///
/// // Closed and drained: the future resolves to `None`.
/// drop(tx);
/// assert_eq!(futures::executor::block_on(rx.recv()), None);
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct RecvFuture<'a, T> {
    op: RecvOp<T, &'a Chan<T>>,
}

impl<'a, T> RecvFuture<'a, T> {
    pub(crate) fn new(chan: Option<&'a Chan<T>>) -> Self {
        RecvFuture {
            op: RecvOp::new(chan),
        }
    }

    /// Stops waiting. Returns the message if one arrived meanwhile (nothing is dropped).
    pub(crate) fn abort(&mut self) -> Option<Option<T>> {
        self.op.abort()
    }
}

impl<T> Future for RecvFuture<'_, T> {
    type Output = Option<T>;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        Pin::new(&mut self.op).poll(cx)
    }
}

impl<T> std::fmt::Debug for RecvFuture<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecvFuture")
            .field("waiting", &self.op.is_waiting())
            .finish_non_exhaustive()
    }
}

/// The future returned by [`Sender::send`](crate::Sender::send).
///
/// It resolves to `Ok(())` once a receiver took the message (unbuffered) or it is buffered,
/// and to `Err(SendError(message))` if the channel is closed.
///
/// # Cancel safety
///
/// A send completes at the instant a receiver takes the message (or it enters the buffer),
/// as in Go, even if the future has not been polled since. So dropping the future either
/// finds the send completed (the message is with a receiver or in the buffer) or cancels it
/// (the message was never visible to any receiver and is dropped with the future). A message
/// is never delivered twice, and never both delivered and returned.
///
/// # Examples
///
/// ```
/// use std::future::Future;
/// use std::pin::Pin;
/// use std::task::{Context, Poll};
///
/// let (tx, rx) = gochan::bounded(0);
/// let waker = futures::task::noop_waker();
/// let mut cx = Context::from_waker(&waker);
///
/// // Dropped while waiting: the send is cancelled and no receiver ever sees the message.
/// let mut fut = tx.send(1);
/// assert!(Pin::new(&mut fut).poll(&mut cx).is_pending());
/// drop(fut);
/// assert!(rx.try_recv().unwrap_err().is_empty());
///
/// // Taken by a receiver while waiting: the send has completed before it is polled again.
/// let mut fut = tx.send(2);
/// assert!(Pin::new(&mut fut).poll(&mut cx).is_pending());
/// assert_eq!(rx.try_recv(), Ok(2));
/// assert_eq!(Pin::new(&mut fut).poll(&mut cx), Poll::Ready(Ok(())));
///
/// // Closed: the message comes back.
/// rx.close();
/// let err = futures::executor::block_on(tx.send(3)).unwrap_err();
/// assert_eq!(err.into_inner(), 3);
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct SendFuture<'a, T> {
    op: SendOp<T, &'a Chan<T>>,
}

impl<'a, T> SendFuture<'a, T> {
    pub(crate) fn new(chan: Option<&'a Chan<T>>, msg: T) -> Self {
        SendFuture {
            op: SendOp::new(chan, msg),
        }
    }

    /// Stops waiting: `Ok(result)` if the send completed meanwhile, else `Err(message)`.
    pub(crate) fn abort(&mut self) -> Result<Result<(), SendError<T>>, T> {
        self.op.abort()
    }
}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.op).poll(cx)
    }
}

impl<T> std::fmt::Debug for SendFuture<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SendFuture")
            .field("waiting", &self.op.is_waiting())
            .finish_non_exhaustive()
    }
}

/// One plain receive over a borrowed (`&Chan`) or owned (`Arc<Chan>`) channel: the state
/// machine behind `RecvFuture`, `Stream` and `sleep`. It completes at once when it can, and
/// otherwise waits in a [`Plain`] waiter that only its channel completes (`waiter/plain.rs`).
pub(crate) struct RecvOp<T, C: Deref<Target = Chan<T>>> {
    chan: Option<C>,
    /// The queued waiter and its key on the channel's receive list.
    wait: Option<(Key, Plain<T>)>,
    done: bool,
}

/// A receive that owns its channel handle (for `Stream`, `sleep` and `WaitGroup`, which
/// cannot borrow).
pub(crate) type OwnedRecv<T> = RecvOp<T, Arc<Chan<T>>>;

impl<T, C: Deref<Target = Chan<T>>> RecvOp<T, C> {
    pub(crate) fn new(chan: Option<C>) -> Self {
        RecvOp {
            chan,
            wait: None,
            done: false,
        }
    }

    /// Stops waiting: `Some(result)` if a sender (or a close) completed the receive first.
    fn abort(&mut self) -> Option<Option<T>> {
        let (key, plain) = self.wait.take()?;
        self.done = true;
        let chan = self
            .chan
            .as_deref()
            .expect("only a channel queues a waiter");
        give_up(chan, key, plain, false).err()
    }

    /// Whether the receive is queued and waiting for a sender.
    fn is_waiting(&self) -> bool {
        self.wait.is_some()
    }

    /// A poll while queued. Out of line, so the first poll stays small.
    #[inline(never)]
    fn poll_waiting(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let chan = self
            .chan
            .as_deref()
            .expect("only a channel queues a waiter");
        let out = poll_queued(chan, &mut self.wait, false, cx.waker());
        self.done = out.is_ready();
        out
    }

    /// The receive is dropped while queued: a message handed to it goes on to another
    /// receiver or back to the front of the channel (G6).
    #[inline(never)]
    fn drop_waiting(&mut self) {
        if let Some(Some(msg)) = self.abort() {
            if let Some(chan) = self.chan.as_deref() {
                chan.give_back(msg);
            }
        }
    }
}

impl<T> OwnedRecv<T> {
    /// A receive on `chan` that holds its own reference.
    pub(crate) fn owned(chan: Arc<Chan<T>>) -> Self {
        RecvOp::new(Some(chan))
    }
}

// The message is never pinned: the future only moves it in and out by value, and the waiter
// lives in its own allocation.
impl<T, C: Deref<Target = Chan<T>>> Unpin for RecvOp<T, C> {}

impl<T, C: Deref<Target = Chan<T>>> Future for RecvOp<T, C> {
    type Output = Option<T>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        if this.wait.is_some() {
            return this.poll_waiting(cx);
        }
        assert!(!this.done, "a completed receive was polled again");
        // A nil channel never delivers (A3.4): wait forever, woken by nobody.
        let Some(chan) = this.chan.as_deref() else {
            return Poll::Pending;
        };
        match chan.recv_or_wait(cx.waker()) {
            Ok(v) => {
                this.done = true;
                Poll::Ready(v)
            }
            Err(wait) => {
                this.wait = Some(wait);
                Poll::Pending
            }
        }
    }
}

impl<T, C: Deref<Target = Chan<T>>> Drop for RecvOp<T, C> {
    #[inline]
    fn drop(&mut self) {
        if self.wait.is_some() {
            self.drop_waiting();
        }
    }
}

impl<T, C: Deref<Target = Chan<T>>> std::fmt::Debug for RecvOp<T, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecvOp")
            .field("waiting", &self.is_waiting())
            .finish_non_exhaustive()
    }
}

/// One plain send over a borrowed or owned channel: the state machine behind `SendFuture`
/// and `Sink`. While it waits, its message is in its waiter's slot.
pub(crate) struct SendOp<T, C: Deref<Target = Chan<T>>> {
    chan: Option<C>,
    /// The message until the send is tried, and after a nil channel's wait.
    msg: Option<T>,
    wait: Option<(Key, Plain<T>)>,
    done: bool,
}

/// A send that owns its channel handle (for `Sink`).
pub(crate) type OwnedSend<T> = SendOp<T, Arc<Chan<T>>>;

impl<T, C: Deref<Target = Chan<T>>> SendOp<T, C> {
    pub(crate) fn new(chan: Option<C>, msg: T) -> Self {
        SendOp {
            chan,
            msg: Some(msg),
            wait: None,
            done: false,
        }
    }

    /// Stops waiting: `Ok(result)` if the send completed meanwhile (a receiver took the
    /// message, or a close gave it back), else `Err(message)`: it was never sent.
    fn abort(&mut self) -> Result<Result<(), SendError<T>>, T> {
        let Some((key, plain)) = self.wait.take() else {
            return Err(self.msg.take().expect("an unsent send holds its message"));
        };
        self.done = true;
        let chan = self
            .chan
            .as_deref()
            .expect("only a channel queues a waiter");
        match give_up(chan, key, plain, true) {
            Ok(msg) => Err(msg.expect("an unsent send holds its message")),
            Err(left) => Ok(sent(left)),
        }
    }

    /// Whether the send is queued and waiting for a receiver.
    fn is_waiting(&self) -> bool {
        self.wait.is_some()
    }

    /// A poll while queued (see `RecvOp::poll_waiting`).
    #[inline(never)]
    fn poll_waiting(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        let chan = self
            .chan
            .as_deref()
            .expect("only a channel queues a waiter");
        let out = poll_queued(chan, &mut self.wait, true, cx.waker()).map(sent);
        self.done = out.is_ready();
        out
    }

    /// The send is dropped while queued. If it did not send, its message drops with it (G6);
    /// one that completed meanwhile has sent, or holds a message a close gave back.
    #[inline(never)]
    fn drop_waiting(&mut self) {
        let _ = self.abort();
    }
}

/// A poll of a queued plain waiter (a receive's if `!send`): `Ready(slot)` once a peer or a
/// close completed it (plain invariant 5 says what the slot means), else `Pending` with
/// `waker` now in the waiter.
#[inline]
fn poll_queued<T>(
    chan: &Chan<T>,
    wait: &mut Option<(Key, Plain<T>)>,
    send: bool,
    waker: &Waker,
) -> Poll<Option<T>> {
    let (key, plain) = wait.as_ref().expect("called while queued");
    if !plain.is_done() {
        if chan.rewake(*key, send, waker) {
            return Poll::Pending;
        }
        // A peer took the waiter off the list and is completing it.
        plain.wait_done();
    }
    let (_, mut plain) = wait.take().expect("called while queued");
    Poll::Ready(plain.take_slot())
}

/// Gives up a queued plain waiter: `Ok(slot)` if it was still queued (the operation did not
/// happen; a send's slot holds its message), `Err(slot)` if a peer or a close completed it
/// first.
#[inline]
fn give_up<T>(
    chan: &Chan<T>,
    key: Key,
    mut plain: Plain<T>,
    send: bool,
) -> Result<Option<T>, Option<T>> {
    if !plain.is_done() {
        if let Some(link) = chan.unlink(key, send) {
            plain.unlinked(link);
            return Ok(plain.take_slot());
        }
        // A peer took the waiter off the list and is completing it.
        plain.wait_done();
    }
    Err(plain.take_slot())
}

/// The result of a completed send from what its slot still holds (plain invariant 5).
fn sent<T>(left: Option<T>) -> Result<(), SendError<T>> {
    match left {
        None => Ok(()),
        Some(m) => Err(SendError(m)),
    }
}

impl<T> OwnedSend<T> {
    /// A send on `chan` that holds its own reference.
    pub(crate) fn owned(chan: Arc<Chan<T>>, msg: T) -> Self {
        SendOp::new(Some(chan), msg)
    }
}

// As for `RecvOp`: the message is never pinned.
impl<T, C: Deref<Target = Chan<T>>> Unpin for SendOp<T, C> {}

impl<T, C: Deref<Target = Chan<T>>> Future for SendOp<T, C> {
    type Output = Result<(), SendError<T>>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.wait.is_some() {
            return this.poll_waiting(cx);
        }
        assert!(!this.done, "a completed send was polled again");
        // A nil channel never takes the message (A3.4): it stays here, woken by nobody.
        let Some(chan) = this.chan.as_deref() else {
            return Poll::Pending;
        };
        let msg = this.msg.take().expect("an unsent send holds its message");
        match chan.send_or_wait(msg, cx.waker()) {
            Ok(r) => {
                this.done = true;
                Poll::Ready(r.map_err(SendError))
            }
            Err(wait) => {
                this.wait = Some(wait);
                Poll::Pending
            }
        }
    }
}

impl<T, C: Deref<Target = Chan<T>>> Drop for SendOp<T, C> {
    #[inline]
    fn drop(&mut self) {
        if self.wait.is_some() {
            self.drop_waiting();
        }
    }
}
