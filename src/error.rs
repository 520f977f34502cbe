//! Every error the crate returns. Go panics on a send to a closed channel; here the send
//! fails and gives its message back, so nothing is lost (DESIGN §1).
#![forbid(unsafe_code)]

use std::fmt;

/// The channel was closed: the message comes back.
///
/// Returned by [`Sender::send`](crate::Sender::send) and
/// [`Sender::send_blocking`](crate::Sender::send_blocking).
///
/// # Examples
///
/// ```
/// let (tx, rx) = gochan::bounded(1);
/// rx.close();
/// let err = tx.send_blocking("hello").unwrap_err();
/// assert_eq!(err.into_inner(), "hello");
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct SendError<T>(pub T);

impl<T> SendError<T> {
    /// The message that was not sent.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(1);
    /// drop(rx);
    /// let err = tx.send_blocking(String::from("lost?")).unwrap_err();
    /// assert_eq!(err.into_inner(), "lost?");
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// Why [`Sender::try_send`](crate::Sender::try_send) did not send; the message comes back.
///
/// # Examples
///
/// ```
/// use gochan::TrySendError;
/// let (tx, rx) = gochan::bounded(1);
/// tx.try_send(1).unwrap();
/// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
/// rx.close();
/// assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum TrySendError<T> {
    /// No receiver was waiting and the buffer had no room.
    Full(T),
    /// The channel is closed.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The message that was not sent.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(0);
    /// // Unbuffered with no receiver waiting: full.
    /// assert_eq!(tx.try_send(1).unwrap_err().into_inner(), 1);
    /// rx.close();
    /// assert_eq!(tx.try_send(2).unwrap_err().into_inner(), 2);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(m) | TrySendError::Closed(m) => m,
        }
    }

    /// Whether the send failed because the channel was full.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(1);
    /// tx.try_send(1).unwrap();
    /// let err = tx.try_send(2).unwrap_err();
    /// assert!(err.is_full());
    /// assert!(!err.is_closed());
    /// rx.close();
    /// assert!(!tx.try_send(3).unwrap_err().is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, TrySendError::Full(_))
    }

    /// Whether the send failed because the channel was closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(1);
    /// drop(rx);
    /// let err = tx.try_send(1).unwrap_err();
    /// assert!(err.is_closed());
    /// assert!(!err.is_full());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, TrySendError::Closed(_))
    }
}

/// Why [`Sender::send_timeout`](crate::Sender::send_timeout) did not send; the message comes
/// back.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use gochan::SendTimeoutError;
/// let (tx, _rx) = gochan::bounded(0);
/// let err = tx.send_timeout(5, Duration::from_millis(1)).unwrap_err();
/// assert_eq!(err, SendTimeoutError::Timeout(5));
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum SendTimeoutError<T> {
    /// The deadline passed before a receiver or a free slot turned up.
    Timeout(T),
    /// The channel is closed.
    Closed(T),
}

impl<T> SendTimeoutError<T> {
    /// The message that was not sent.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let (tx, rx) = gochan::bounded(0);
    /// let err = tx.send_timeout(vec![1, 2], Duration::from_millis(1)).unwrap_err();
    /// assert_eq!(err.into_inner(), vec![1, 2]);
    /// rx.close();
    /// let err = tx.send_timeout(vec![3], Duration::from_secs(1)).unwrap_err();
    /// assert_eq!(err.into_inner(), vec![3]);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            SendTimeoutError::Timeout(m) | SendTimeoutError::Closed(m) => m,
        }
    }

    /// Whether the deadline passed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let (tx, _rx) = gochan::bounded(0);
    /// let err = tx.send_timeout(1, Duration::from_millis(1)).unwrap_err();
    /// assert!(err.is_timeout());
    /// assert!(!err.is_closed());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, SendTimeoutError::Timeout(_))
    }

    /// Whether the channel was closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let (tx, rx) = gochan::bounded(0);
    /// drop(rx);
    /// let err = tx.send_timeout(1, Duration::from_secs(1)).unwrap_err();
    /// assert!(err.is_closed());
    /// assert!(!err.is_timeout());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, SendTimeoutError::Closed(_))
    }
}

/// Why [`Receiver::try_recv`](crate::Receiver::try_recv) returned no message.
///
/// # Examples
///
/// ```
/// use gochan::TryRecvError;
/// let (tx, rx) = gochan::bounded::<i32>(1);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(PartialEq, Eq, Clone, Copy, Debug)]
pub enum TryRecvError {
    /// Nothing was buffered and no sender was waiting.
    Empty,
    /// The channel is closed and drained.
    Closed,
}

impl TryRecvError {
    /// Whether the channel was empty (and still open).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded::<i32>(1);
    /// let err = rx.try_recv().unwrap_err();
    /// assert!(err.is_empty());
    /// assert!(!err.is_closed());
    /// drop(tx);
    /// assert!(!rx.try_recv().unwrap_err().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        matches!(self, TryRecvError::Empty)
    }

    /// Whether the channel was closed and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(1);
    /// tx.try_send(1).unwrap();
    /// drop(tx);
    /// // A closed channel still hands out what is buffered...
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// // ...and reports closed only once drained.
    /// let err = rx.try_recv().unwrap_err();
    /// assert!(err.is_closed());
    /// assert!(!err.is_empty());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, TryRecvError::Closed)
    }
}

/// Why [`Receiver::recv_timeout`](crate::Receiver::recv_timeout) returned no message.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use gochan::RecvTimeoutError;
/// let (_tx, rx) = gochan::bounded::<i32>(0);
/// assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::Timeout));
/// ```
#[derive(PartialEq, Eq, Clone, Copy, Debug)]
pub enum RecvTimeoutError {
    /// The deadline passed before a message arrived.
    Timeout,
    /// The channel is closed and drained.
    Closed,
}

impl RecvTimeoutError {
    /// Whether the deadline passed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let (_tx, rx) = gochan::bounded::<i32>(0);
    /// let err = rx.recv_timeout(Duration::from_millis(1)).unwrap_err();
    /// assert!(err.is_timeout());
    /// assert!(!err.is_closed());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, RecvTimeoutError::Timeout)
    }

    /// Whether the channel was closed and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let (tx, rx) = gochan::bounded(1);
    /// tx.try_send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.recv_timeout(Duration::from_secs(1)), Ok(1));
    /// let err = rx.recv_timeout(Duration::from_secs(1)).unwrap_err();
    /// assert!(err.is_closed());
    /// assert!(!err.is_timeout());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, RecvTimeoutError::Closed)
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Debug for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendTimeoutError::Timeout(_) => f.write_str("Timeout(..)"),
            SendTimeoutError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sending on a closed channel")
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("sending on a full channel"),
            TrySendError::Closed(_) => f.write_str("sending on a closed channel"),
        }
    }
}

impl<T> fmt::Display for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendTimeoutError::Timeout(_) => f.write_str("timed out waiting to send"),
            SendTimeoutError::Closed(_) => f.write_str("sending on a closed channel"),
        }
    }
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("receiving on an empty channel"),
            TryRecvError::Closed => f.write_str("receiving on a closed channel"),
        }
    }
}

impl fmt::Display for RecvTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvTimeoutError::Timeout => f.write_str("timed out waiting to receive"),
            RecvTimeoutError::Closed => f.write_str("receiving on a closed channel"),
        }
    }
}

impl<T> std::error::Error for SendError<T> {}
impl<T> std::error::Error for TrySendError<T> {}
impl<T> std::error::Error for SendTimeoutError<T> {}
impl std::error::Error for TryRecvError {}
impl std::error::Error for RecvTimeoutError {}

impl<T> From<SendError<T>> for TrySendError<T> {
    fn from(e: SendError<T>) -> Self {
        TrySendError::Closed(e.0)
    }
}

impl<T> From<SendError<T>> for SendTimeoutError<T> {
    fn from(e: SendError<T>) -> Self {
        SendTimeoutError::Closed(e.0)
    }
}
