//! L3: the public handles, [`Sender`] and [`Receiver`], and the constructors.
#![forbid(unsafe_code)]

use std::fmt;
use std::time::{Duration, Instant};

use crate::chan::{Chan, RecvNow, SendNow};
use crate::error::{RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError};
use crate::future::{OwnedRecv, OwnedSend, RecvFuture, SendFuture};
use crate::sync::{Arc, Mutex, Ordering};
use crate::waiter::block_on;

/// Creates a channel of capacity `cap`: Go's `make(chan T, cap)`.
///
/// Capacity 0 is Go's unbuffered channel: a send completes only when a receiver has taken the
/// message (a rendezvous, G3). Otherwise up to `cap` messages wait in the buffer. Memory for
/// the buffer is taken as it fills, so a large capacity costs nothing until it is used.
///
/// # Panics
///
/// If `cap` messages of `T` could never fit in memory (more than `isize::MAX` bytes), with a
/// message naming the limit. Go panics with `makechan: size out of range` (A2.3).
///
/// # Examples
///
/// ```
/// let (tx, rx) = gochan::bounded(2);
/// tx.send_blocking(1).unwrap();
/// tx.send_blocking(2).unwrap();
/// assert!(tx.try_send(3).is_err()); // full
/// assert_eq!(rx.recv_blocking(), Some(1));
/// assert_eq!(rx.capacity(), Some(2));
/// ```
pub fn bounded<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    pair(Chan::new(Some(cap), false, None))
}

/// Creates a channel with an unbounded buffer: a send never waits.
///
/// The buffer gives memory back as it drains.
///
/// # Examples
///
/// ```
/// let (tx, rx) = gochan::unbounded();
/// for i in 0..1000 {
///     tx.try_send(i).unwrap();
/// }
/// assert_eq!(rx.len(), 1000);
/// assert_eq!(rx.capacity(), None);
/// ```
pub fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
    pair(Chan::new(None, false, None))
}

fn pair<T>(chan: Chan<T>) -> (Sender<T>, Receiver<T>) {
    let chan = Arc::new(chan);
    // Relaxed: nobody else can see the channel yet.
    chan.sender_handles.store(1, Ordering::Relaxed);
    chan.receiver_handles.store(1, Ordering::Relaxed);
    (
        Sender::from_chan(chan.clone()),
        Receiver::from_chan(Some(chan)),
    )
}

/// A receiver over a channel that only the crate can feed or close (timers, `done()`).
pub(crate) fn receiver_of<T>(chan: Arc<Chan<T>>) -> Receiver<T> {
    // Relaxed: as for `Clone`; the caller holds a reference.
    chan.receiver_handles.fetch_add(1, Ordering::Relaxed);
    Receiver::from_chan(Some(chan))
}

/// A channel that only the crate closes: `close()` on its handles is refused, and dropping
/// every receiver does not close it. The context's `done()` channel is one.
#[allow(dead_code)] // used by the context module
pub(crate) fn sealed<T>() -> Arc<Chan<T>> {
    Arc::new(Chan::new(Some(0), true, None))
}

/// A receiver that never receives anything: Go's nil channel (A3).
pub(crate) fn nil_receiver<T>() -> Receiver<T> {
    Receiver::from_chan(None)
}

/// The sending half of a channel. Clone it for more senders; the last one dropped closes the
/// channel (G2).
///
/// # Examples
///
/// ```
/// let (tx, rx) = gochan::unbounded();
/// let tx2 = tx.clone();
/// assert_eq!(tx.sender_count(), 2);
/// tx.try_send(1).unwrap();
/// tx2.try_send(2).unwrap();
/// drop(tx);
/// assert!(!rx.is_closed(), "one sender is still alive");
/// drop(tx2);
/// assert!(rx.is_closed(), "the last sender closed the channel");
/// assert_eq!(rx.iter().collect::<Vec<_>>(), vec![1, 2]);
/// ```
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
    /// The send in flight through `Sink` (behind a lock only so the handle stays `Sync`).
    pub(crate) sink: Mutex<Option<OwnedSend<T>>>,
}

/// The receiving half of a channel. Clone it for more receivers; the last one dropped closes
/// the channel and drops what is buffered (G2).
///
/// # Examples
///
/// ```
/// let (tx, rx) = gochan::bounded(2);
/// let rx2 = rx.clone();
/// tx.try_send("a").unwrap();
/// tx.try_send("b").unwrap();
/// // Every receiver takes from the same queue: each message goes to exactly one.
/// assert_eq!(rx.try_recv(), Ok("a"));
/// assert_eq!(rx2.try_recv(), Ok("b"));
/// drop(rx);
/// drop(rx2);
/// assert!(tx.try_send("c").unwrap_err().is_closed());
/// ```
pub struct Receiver<T> {
    /// `None` is a channel that never fires (`never()`, Background's `done()`).
    pub(crate) chan: Option<Arc<Chan<T>>>,
    /// The receive in flight through `Stream` (behind a lock only so the handle stays `Sync`).
    pub(crate) stream: Mutex<Option<OwnedRecv<T>>>,
}

impl<T> Sender<T> {
    /// Sends `msg`, waiting for a receiver (unbuffered) or for room in the buffer.
    ///
    /// The returned future resolves to `Err(SendError(msg))` if the channel is closed before
    /// the message could be sent; a message that went out stays out.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the message if the channel is or becomes closed.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it completes means the message was not sent (it is dropped
    /// with the future); see [`SendFuture`].
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let (tx, rx) = gochan::bounded(1);
    /// tx.send(7).await.unwrap();
    /// assert_eq!(rx.recv().await, Some(7));
    /// # });
    /// ```
    #[inline]
    pub fn send(&self, msg: T) -> SendFuture<'_, T> {
        SendFuture::new(Some(&self.chan), msg)
    }

    /// Sends `msg`, parking the thread until it is sent or the channel closes.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the message if the channel is or becomes closed.
    ///
    /// # Blocking
    ///
    /// Spins briefly, then parks the thread without using CPU until a receiver or a free
    /// slot turns up. Do not call it inside async code.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(0);
    /// let t = std::thread::spawn(move || rx.recv_blocking());
    /// tx.send_blocking("hi").unwrap();
    /// assert_eq!(t.join().unwrap(), Some("hi"));
    /// ```
    #[inline]
    pub fn send_blocking(&self, msg: T) -> Result<(), SendError<T>> {
        // The attempt that needs no waiting, without setting up a wait.
        match self.chan.try_send(msg) {
            SendNow::Full(m) => self.send_blocking_wait(m),
            out => out.into_result(),
        }
    }

    /// The wait of `send_blocking`, kept out of line (see `Receiver::recv_blocking_wait`).
    #[inline(never)]
    fn send_blocking_wait(&self, msg: T) -> Result<(), SendError<T>> {
        let msg = match self.chan.send_spinning(msg) {
            SendNow::Full(m) => m,
            out => return out.into_result(),
        };
        let mut fut = self.send(msg);
        block_on(&mut fut, None).expect("a wait without a deadline completes")
    }

    /// Sends `msg` only if that needs no waiting: a receiver is waiting or the buffer has
    /// room. This is Go's `select` with one send case and a `default`.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`], with the message.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = gochan::bounded(1);
    /// assert!(tx.try_send(1).is_ok());
    /// assert!(tx.try_send(2).unwrap_err().is_full());
    /// ```
    #[inline]
    pub fn try_send(&self, msg: T) -> Result<(), TrySendError<T>> {
        match self.chan.try_send(msg) {
            SendNow::Sent => Ok(()),
            SendNow::Closed(m) => Err(TrySendError::Closed(m)),
            SendNow::Full(m) => Err(TrySendError::Full(m)),
        }
    }

    /// Sends `msg`, waiting at most `timeout`.
    ///
    /// # Errors
    ///
    /// [`SendTimeoutError::Timeout`] or [`SendTimeoutError::Closed`], with the message.
    ///
    /// # Blocking
    ///
    /// Parks the thread as [`send_blocking`](Self::send_blocking) does, until the deadline.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let (tx, _rx) = gochan::bounded(0);
    /// let err = tx.send_timeout(1, Duration::from_millis(5)).unwrap_err();
    /// assert!(err.is_timeout());
    /// ```
    pub fn send_timeout(&self, msg: T, timeout: Duration) -> Result<(), SendTimeoutError<T>> {
        match Instant::now().checked_add(timeout) {
            Some(d) => self.send_deadline(msg, d),
            None => self.send_blocking(msg).map_err(Into::into),
        }
    }

    /// Sends `msg`, waiting until `deadline` at most.
    ///
    /// # Errors
    ///
    /// [`SendTimeoutError::Timeout`] or [`SendTimeoutError::Closed`], with the message.
    ///
    /// # Blocking
    ///
    /// Parks the thread as [`send_blocking`](Self::send_blocking) does, until the deadline.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let (tx, rx) = gochan::bounded(1);
    /// tx.send_deadline(1, Instant::now() + Duration::from_secs(1)).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn send_deadline(&self, msg: T, deadline: Instant) -> Result<(), SendTimeoutError<T>> {
        let mut fut = self.send(msg);
        match block_on(&mut fut, Some(deadline)) {
            Some(r) => r.map_err(Into::into),
            None => match fut.abort() {
                Ok(r) => r.map_err(Into::into),
                Err(m) => Err(SendTimeoutError::Timeout(m)),
            },
        }
    }
}

impl<T> Receiver<T> {
    fn chan(&self) -> Option<&Chan<T>> {
        self.chan.as_deref()
    }

    /// Receives a message, waiting until one arrives or the channel is closed and drained.
    ///
    /// Resolves to `None` once the channel is closed and empty: Go's `v, ok := <-ch` with
    /// `ok == false`.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future never loses a message; see [`RecvFuture`].
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let (tx, rx) = gochan::unbounded();
    /// tx.send(1).await.unwrap();
    /// drop(tx);
    /// assert_eq!(rx.recv().await, Some(1));
    /// assert_eq!(rx.recv().await, None);
    /// # });
    /// ```
    #[inline]
    pub fn recv(&self) -> RecvFuture<'_, T> {
        RecvFuture::new(self.chan())
    }

    /// Receives a message, parking the thread until one arrives or the channel is closed and
    /// drained (`None`).
    ///
    /// # Blocking
    ///
    /// Spins briefly, then parks the thread without using CPU. Do not call it inside async
    /// code.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(1);
    /// std::thread::spawn(move || tx.send_blocking(5).unwrap());
    /// assert_eq!(rx.recv_blocking(), Some(5));
    /// assert_eq!(rx.recv_blocking(), None);
    /// ```
    #[inline]
    pub fn recv_blocking(&self) -> Option<T> {
        // The attempt that needs no waiting, without setting up a wait.
        match self.chan().map(Chan::try_recv) {
            Some(RecvNow::Got(v)) => Some(v),
            Some(RecvNow::Closed) => None,
            Some(RecvNow::Empty) | None => self.recv_blocking_wait(),
        }
    }

    /// The wait of `recv_blocking`, kept out of line so that the path that needs no wait
    /// stays small: a short spin, then the parked wait.
    #[inline(never)]
    fn recv_blocking_wait(&self) -> Option<T> {
        if let Some(chan) = self.chan() {
            match chan.recv_spinning() {
                RecvNow::Got(v) => return Some(v),
                RecvNow::Closed => return None,
                RecvNow::Empty => {}
            }
        }
        let mut fut = self.recv();
        block_on(&mut fut, None).expect("a wait without a deadline completes")
    }

    /// Receives a message only if that needs no waiting.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if nothing is buffered and no sender waits,
    /// [`TryRecvError::Closed`] if the channel is closed and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(1);
    /// assert!(rx.try_recv().unwrap_err().is_empty());
    /// tx.try_send(3).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(3));
    /// ```
    #[inline]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        match self.chan().map(Chan::try_recv) {
            Some(RecvNow::Got(v)) => Ok(v),
            Some(RecvNow::Closed) => Err(TryRecvError::Closed),
            Some(RecvNow::Empty) | None => Err(TryRecvError::Empty),
        }
    }

    /// Receives a message, waiting at most `timeout`.
    ///
    /// # Errors
    ///
    /// [`RecvTimeoutError::Timeout`] or [`RecvTimeoutError::Closed`] (closed and drained).
    ///
    /// # Blocking
    ///
    /// Parks the thread as [`recv_blocking`](Self::recv_blocking) does, until the deadline.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let (_tx, rx) = gochan::bounded::<u8>(1);
    /// assert!(rx.recv_timeout(Duration::from_millis(5)).unwrap_err().is_timeout());
    /// ```
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        match Instant::now().checked_add(timeout) {
            Some(d) => self.recv_deadline(d),
            None => self.recv_blocking().ok_or(RecvTimeoutError::Closed),
        }
    }

    /// Receives a message, waiting until `deadline` at most.
    ///
    /// # Errors
    ///
    /// [`RecvTimeoutError::Timeout`] or [`RecvTimeoutError::Closed`] (closed and drained).
    ///
    /// # Blocking
    ///
    /// Parks the thread as [`recv_blocking`](Self::recv_blocking) does, until the deadline.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let (tx, rx) = gochan::bounded::<u8>(1);
    /// drop(tx);
    /// let r = rx.recv_deadline(Instant::now() + Duration::from_secs(1));
    /// assert!(r.unwrap_err().is_closed());
    /// ```
    pub fn recv_deadline(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        let mut fut = self.recv();
        let got = match block_on(&mut fut, Some(deadline)) {
            Some(v) => Some(v),
            None => fut.abort(),
        };
        match got {
            Some(Some(v)) => Ok(v),
            Some(None) => Err(RecvTimeoutError::Closed),
            None => Err(RecvTimeoutError::Timeout),
        }
    }

    /// A blocking iterator over messages until the channel is closed and drained: Go's
    /// `for v := range ch`.
    ///
    /// # Blocking
    ///
    /// Each `next` parks as [`recv_blocking`](Self::recv_blocking) does.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::unbounded();
    /// for i in 0..3 { tx.try_send(i).unwrap(); }
    /// drop(tx);
    /// assert_eq!(rx.iter().collect::<Vec<_>>(), vec![0, 1, 2]);
    /// ```
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { rx: self }
    }

    /// An iterator over the messages available now; it never waits.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::unbounded();
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// assert_eq!(rx.try_iter().sum::<i32>(), 3);
    /// ```
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter { rx: self }
    }
}

/// The methods both handles share.
macro_rules! common_methods {
    ($chan:ident, $doc_handle:literal) => {
        /// Closes the channel. Returns `true` if this call closed it, `false` if it was
        /// already closed (where Go would panic, A8.1).
        ///
        /// Buffered messages stay receivable; blocked senders get their messages back in
        /// `Err`; blocked receivers of an empty channel get `None`.
        ///
        /// # Examples
        ///
        /// ```
        #[doc = $doc_handle]
        /// assert!(h.close());
        /// assert!(!h.close());
        /// assert!(h.is_closed());
        /// ```
        pub fn close(&self) -> bool {
            match self.$chan() {
                Some(c) if !c.is_sealed() => c.close(),
                _ => false,
            }
        }

        /// Whether the channel is closed.
        ///
        /// # Examples
        ///
        /// ```
        #[doc = $doc_handle]
        /// assert!(!h.is_closed());
        /// ```
        pub fn is_closed(&self) -> bool {
            self.$chan().is_some_and(|c| c.is_closed())
        }

        /// The number of buffered messages (Go's `len(ch)`). A snapshot: it orders nothing.
        ///
        /// # Examples
        ///
        /// ```
        #[doc = $doc_handle]
        /// assert_eq!(h.len(), 0);
        /// ```
        pub fn len(&self) -> usize {
            self.$chan().map_or(0, |c| c.len())
        }

        /// Whether no message is buffered.
        ///
        /// # Examples
        ///
        /// ```
        #[doc = $doc_handle]
        /// assert!(h.is_empty());
        /// ```
        pub fn is_empty(&self) -> bool {
            self.len() == 0
        }

        /// Whether the buffer is full (always true at capacity 0, never for unbounded).
        ///
        /// # Examples
        ///
        /// ```
        #[doc = $doc_handle]
        /// assert!(!h.is_full());
        /// ```
        pub fn is_full(&self) -> bool {
            match self.$chan() {
                Some(c) => !c.has_room(c.len()),
                None => true,
            }
        }

        /// The buffer's capacity (Go's `cap(ch)`), `None` if unbounded.
        ///
        /// # Examples
        ///
        /// ```
        #[doc = $doc_handle]
        /// assert_eq!(h.capacity(), Some(4));
        /// ```
        pub fn capacity(&self) -> Option<usize> {
            self.$chan().map_or(Some(0), |c| c.capacity())
        }

        /// The number of live [`Sender`] handles.
        ///
        /// # Examples
        ///
        /// ```
        #[doc = $doc_handle]
        /// assert_eq!(h.sender_count(), 1);
        /// ```
        pub fn sender_count(&self) -> usize {
            // Relaxed: a snapshot.
            self.$chan()
                .map_or(0, |c| c.sender_handles.load(Ordering::Relaxed))
        }

        /// The number of live [`Receiver`] handles.
        ///
        /// # Examples
        ///
        /// ```
        #[doc = $doc_handle]
        /// assert_eq!(h.receiver_count(), 1);
        /// ```
        pub fn receiver_count(&self) -> usize {
            // Relaxed: a snapshot.
            self.$chan()
                .map_or(0, |c| c.receiver_handles.load(Ordering::Relaxed))
        }

        /// The number of senders blocked on this channel right now (a snapshot, for
        /// monitoring: a select waiting on several channels counts on each).
        ///
        /// # Examples
        ///
        /// ```
        #[doc = $doc_handle]
        /// assert_eq!(h.blocked_senders(), 0);
        /// ```
        pub fn blocked_senders(&self) -> usize {
            self.$chan().map_or(0, |c| c.blocked_senders())
        }

        /// The number of receivers blocked on this channel right now (a snapshot, as for
        /// [`blocked_senders`](Self::blocked_senders)).
        ///
        /// # Examples
        ///
        /// ```
        #[doc = $doc_handle]
        /// assert_eq!(h.blocked_receivers(), 0);
        /// ```
        pub fn blocked_receivers(&self) -> usize {
            self.$chan().map_or(0, |c| c.blocked_receivers())
        }
    };
}

impl<T> Sender<T> {
    fn from_chan(chan: Arc<Chan<T>>) -> Self {
        Sender {
            chan,
            sink: Mutex::new(None),
        }
    }

    fn chan_opt(&self) -> Option<&Chan<T>> {
        Some(&self.chan)
    }

    common_methods!(chan_opt, "let (h, _rx) = gochan::bounded::<i32>(4);");

    /// Whether `self` and `other` belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = gochan::bounded::<i32>(1);
    /// let (tx2, _rx2) = gochan::bounded::<i32>(1);
    /// assert!(tx.same_channel(&tx.clone()));
    /// assert!(!tx.same_channel(&tx2));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    pub(crate) fn raw(&self) -> &Chan<T> {
        &self.chan
    }

    pub(crate) fn raw_arc(&self) -> &Arc<Chan<T>> {
        &self.chan
    }
}

impl<T> Receiver<T> {
    fn from_chan(chan: Option<Arc<Chan<T>>>) -> Self {
        Receiver {
            chan,
            stream: Mutex::new(None),
        }
    }

    fn chan_opt(&self) -> Option<&Chan<T>> {
        self.chan()
    }

    common_methods!(chan_opt, "let (_tx, h) = gochan::bounded::<i32>(4);");

    /// Whether `self` and `other` belong to the same channel (two `never()` receivers do not).
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = gochan::bounded::<i32>(1);
    /// assert!(rx.same_channel(&rx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        match (&self.chan, &other.chan) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    pub(crate) fn raw(&self) -> Option<&Chan<T>> {
        self.chan()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        // Relaxed: the caller holds a handle, so the count cannot reach zero meanwhile.
        self.chan.sender_handles.fetch_add(1, Ordering::Relaxed);
        Sender::from_chan(self.chan.clone())
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        // AcqRel: the last handle sees every other handle's work before it closes.
        if self.chan.sender_handles.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.chan.close();
        }
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        if let Some(c) = &self.chan {
            // Relaxed: as in `Sender::clone`.
            c.receiver_handles.fetch_add(1, Ordering::Relaxed);
        }
        Receiver::from_chan(self.chan.clone())
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if let Some(c) = &self.chan {
            // AcqRel: as in `Sender::drop`. A sealed channel belongs to its owner, who
            // decides when it closes.
            if c.receiver_handles.fetch_sub(1, Ordering::AcqRel) == 1 && !c.is_sealed() {
                c.disconnect_receivers();
            }
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").field("chan", &*self.chan).finish()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.chan {
            Some(c) => f.debug_struct("Receiver").field("chan", &**c).finish(),
            None => f.write_str("Receiver(never)"),
        }
    }
}

/// A blocking iterator over a [`Receiver`]; see [`Receiver::iter`].
///
/// Each `next` waits for a message; the iterator ends once the channel is closed and drained.
///
/// # Examples
///
/// ```
/// let (tx, rx) = gochan::bounded(0);
/// std::thread::spawn(move || {
///     for i in 1..=3 {
///         tx.send_blocking(i).unwrap();
///     }
///     // `tx` is dropped here, which closes the channel and ends the loop below.
/// });
/// let mut got = Vec::new();
/// for v in &rx {
///     got.push(v);
/// }
/// assert_eq!(got, vec![1, 2, 3]);
/// assert!(rx.is_closed());
/// ```
#[derive(Debug)]
pub struct Iter<'a, T> {
    rx: &'a Receiver<T>,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.rx.recv_blocking()
    }
}

/// A non-blocking iterator over a [`Receiver`]; see [`Receiver::try_iter`].
///
/// It ends at the first moment no message is ready, even if the channel is still open.
///
/// # Examples
///
/// ```
/// let (tx, rx) = gochan::bounded(4);
/// tx.try_send(1).unwrap();
/// tx.try_send(2).unwrap();
/// assert_eq!(rx.try_iter().collect::<Vec<_>>(), vec![1, 2]);
/// // The channel is open but empty: the iterator ends at once instead of waiting.
/// assert_eq!(rx.try_iter().next(), None);
/// tx.try_send(3).unwrap();
/// assert_eq!(rx.try_iter().next(), Some(3));
/// ```
#[derive(Debug)]
pub struct TryIter<'a, T> {
    rx: &'a Receiver<T>,
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.rx.try_recv().ok()
    }
}

/// An owning blocking iterator over a [`Receiver`].
///
/// Made by `for v in rx` ([`IntoIterator`] for [`Receiver`]); like [`Iter`], it ends once the
/// channel is closed and drained.
///
/// # Examples
///
/// ```
/// let (tx, rx) = gochan::unbounded();
/// let consumer = std::thread::spawn(move || rx.into_iter().map(|v: i32| v * 10).sum::<i32>());
/// for i in 1..=4 {
///     tx.send_blocking(i).unwrap();
/// }
/// drop(tx);
/// assert_eq!(consumer.join().unwrap(), 100);
/// ```
#[derive(Debug)]
pub struct IntoIter<T> {
    rx: Receiver<T>,
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.rx.recv_blocking()
    }
}

impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    fn into_iter(self) -> IntoIter<T> {
        IntoIter { rx: self }
    }
}

impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}
