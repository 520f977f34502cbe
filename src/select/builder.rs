//! [`Select`]: a select over cases known only at run time (Go's `reflect.Select`, E).
#![forbid(unsafe_code)]

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::case::{Case, RecvCase, SendCase};
use super::engine::{Engine, Outcome};
use crate::chan::Chan;
use crate::error::SendError;
use crate::waiter::block_on;
use crate::{Receiver, Sender};

/// A case that can also hand out its typed result.
trait AnyCase: Case {
    fn result(&mut self) -> &mut dyn Any;
    fn chan_addr(&self) -> usize;
    fn is_send(&self) -> bool;
}

struct RecvOp<'a, T> {
    case: RecvCase<T, &'a Chan<T>>,
    addr: usize,
}

struct SendOp<'a, T> {
    case: SendCase<T, &'a Chan<T>>,
    addr: usize,
}

macro_rules! forward_case {
    ($ty:ident) => {
        impl<T> Case for $ty<'_, T> {
            fn is_nil(&self) -> bool {
                self.case.is_nil()
            }
            fn try_now(&mut self) -> bool {
                self.case.try_now()
            }
            fn register(
                &mut self,
                owner: &mut crate::waiter::Owner<'_>,
                index: usize,
            ) -> super::case::Registered {
                self.case.register(owner, index)
            }
            fn complete(&mut self) {
                self.case.complete()
            }
            fn withdraw(&mut self) {
                self.case.withdraw()
            }
            fn abandon_claimed(&mut self) {
                self.case.abandon_claimed()
            }
        }
    };
}
forward_case!(RecvOp);
forward_case!(SendOp);

impl<T: 'static> AnyCase for RecvOp<'_, T> {
    fn result(&mut self) -> &mut dyn Any {
        &mut self.case.result
    }
    fn chan_addr(&self) -> usize {
        self.addr
    }
    fn is_send(&self) -> bool {
        false
    }
}

impl<T: 'static> AnyCase for SendOp<'_, T> {
    fn result(&mut self) -> &mut dyn Any {
        &mut self.case.result
    }
    fn chan_addr(&self) -> usize {
        self.addr
    }
    fn is_send(&self) -> bool {
        true
    }
}

fn addr<T>(c: Option<&Chan<T>>) -> usize {
    c.map_or(0, |c| c as *const Chan<T> as usize)
}

/// A select whose cases are added at run time: Go's `reflect.Select`.
///
/// Add cases with [`recv`](Self::recv) and [`send`](Self::send) (each returns the case's
/// index), then run it once with [`select_blocking`](Self::select_blocking),
/// [`select`](Self::select) (async), [`try_select`](Self::try_select) (Go's `default`) or
/// [`select_timeout`](Self::select_timeout). The chosen case is completed exactly once, with
/// the guarantees of [`select!`](crate::select!); read its result from the
/// [`SelectedOperation`].
///
/// # Examples
///
/// ```
/// use gochan::{bounded, Select};
///
/// let chans: Vec<_> = (0..5).map(|_| bounded::<usize>(1)).collect();
/// chans[3].0.try_send(30).unwrap();
///
/// let mut sel = Select::new();
/// for (_, rx) in &chans {
///     sel.recv(rx);
/// }
/// let op = sel.select_blocking();
/// assert_eq!(op.index(), 3);
/// assert_eq!(op.recv(&chans[3].1), Some(30));
/// ```
pub struct Select<'a> {
    cases: Vec<Box<dyn AnyCase + Send + 'a>>,
    biased: bool,
}

impl Default for Select<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Select<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Select")
            .field("cases", &self.cases.len())
            .field("biased", &self.biased)
            .finish()
    }
}

impl<'a> Select<'a> {
    /// An empty select. With no cases it waits forever, as Go's empty `select` (B6.1).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let sel = gochan::Select::new();
    /// assert!(sel.is_empty());
    /// // No case can ever be ready: it gives up at once with a default...
    /// let sel = sel.try_select().unwrap_err();
    /// // ...and at the deadline with a timeout.
    /// assert!(sel.select_timeout(Duration::from_millis(1)).is_err());
    /// ```
    pub fn new() -> Self {
        Select {
            cases: Vec::new(),
            biased: false,
        }
    }

    /// Tries cases in the order they were added instead of at random.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded::<i32>(2);
    /// tx.try_send(1).unwrap();
    /// let mut sel = gochan::Select::new();
    /// sel.set_biased(true);
    /// let first = sel.recv(&rx);
    /// let _second = sel.recv(&rx);
    /// assert_eq!(sel.select_blocking().index(), first);
    /// ```
    pub fn set_biased(&mut self, biased: bool) -> &mut Self {
        self.biased = biased;
        self
    }

    /// Adds a receive case; returns its index. `None` is Go's nil channel (never ready).
    ///
    /// The case is ready when a message is buffered or a sender waits (unbuffered), and
    /// also once the channel is closed and drained, when it receives `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded::<i32>(1);
    /// let mut sel = gochan::Select::new();
    /// let nil = sel.recv::<i32>(None);
    /// let real = sel.recv(&rx);
    /// assert_eq!((nil, real), (0, 1));
    /// tx.try_send(9).unwrap();
    /// let op = sel.select_blocking();
    /// assert_eq!(op.index(), real, "a nil case is never chosen");
    /// assert_eq!(op.recv(&rx), Some(9));
    /// ```
    pub fn recv<T: Send + 'static>(&mut self, rx: impl Into<Option<&'a Receiver<T>>>) -> usize {
        let chan = rx.into().and_then(|r| r.raw());
        self.cases.push(Box::new(RecvOp {
            addr: addr(chan),
            case: RecvCase::new(chan),
        }));
        self.cases.len() - 1
    }

    /// Adds a send case carrying `msg`; returns its index. `None` is Go's nil channel. If
    /// the case is not chosen, the message is dropped with the select, never delivered.
    ///
    /// The case is ready when a receiver waits or the buffer has room, and also once the
    /// channel is closed, when it gives the message back in `Err`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (full_tx, full_rx) = gochan::bounded::<i32>(1);
    /// let (tx, rx) = gochan::bounded::<i32>(1);
    /// full_tx.try_send(0).unwrap();
    ///
    /// let mut sel = gochan::Select::new();
    /// let _blocked = sel.send(&full_tx, 1);
    /// let open = sel.send(&tx, 2);
    /// let op = sel.select_blocking();
    /// assert_eq!(op.index(), open);
    /// op.send(&tx).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(2));
    /// // The case that was not chosen delivered nothing.
    /// assert_eq!(full_rx.try_recv(), Ok(0));
    /// assert!(full_rx.try_recv().unwrap_err().is_empty());
    /// ```
    pub fn send<T: Send + 'static>(
        &mut self,
        tx: impl Into<Option<&'a Sender<T>>>,
        msg: T,
    ) -> usize {
        let chan = tx.into().map(|s| s.raw());
        self.cases.push(Box::new(SendOp {
            addr: addr(chan),
            case: SendCase::new(chan, msg),
        }));
        self.cases.len() - 1
    }

    /// The number of cases added.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded::<i32>(1);
    /// let mut sel = gochan::Select::new();
    /// assert_eq!(sel.len(), 0);
    /// sel.recv(&rx);
    /// sel.send(&tx, 1);
    /// sel.recv::<i32>(None); // a nil case counts too
    /// assert_eq!(sel.len(), 3);
    /// ```
    pub fn len(&self) -> usize {
        self.cases.len()
    }

    /// Whether no case was added.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = gochan::bounded::<i32>(1);
    /// let mut sel = gochan::Select::new();
    /// assert!(sel.is_empty());
    /// sel.recv(&rx);
    /// assert!(!sel.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
    }

    fn run(
        mut self,
        has_default: bool,
        deadline: Option<Instant>,
    ) -> Result<SelectedOperation<'a>, Select<'a>> {
        let mut engine = Engine::new(has_default, self.biased);
        let outcome = {
            let mut cases: Vec<&mut (dyn Case + Send)> = self
                .cases
                .iter_mut()
                .map(|c| c.as_mut() as &mut (dyn Case + Send))
                .collect();
            let mut fut = Driver {
                engine: &mut engine,
                cases: &mut cases,
            };
            match block_on(&mut fut, deadline) {
                Some(o) => Some(o),
                None => fut.engine.abort(fut.cases).map(Outcome::Case),
            }
        };
        match outcome {
            Some(Outcome::Case(index)) => Ok(SelectedOperation {
                cases: self.cases,
                index,
            }),
            _ => Err(self),
        }
    }

    /// Waits for a case and completes it.
    ///
    /// # Blocking
    ///
    /// Parks the thread until a case can proceed (forever if there is none).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded::<&str>(0);
    /// let (_idle_tx, idle_rx) = gochan::bounded::<&str>(0);
    /// std::thread::spawn(move || tx.send_blocking("late").unwrap());
    ///
    /// let mut sel = gochan::Select::new();
    /// let _idle = sel.recv(&idle_rx);
    /// let busy = sel.recv(&rx);
    /// let op = sel.select_blocking(); // waits for the thread's send
    /// assert_eq!(op.index(), busy);
    /// assert_eq!(op.recv(&rx), Some("late"));
    /// ```
    pub fn select_blocking(self) -> SelectedOperation<'a> {
        match self.run(false, None) {
            Ok(op) => op,
            Err(_) => unreachable!("a select without default or deadline completes a case"),
        }
    }

    /// Completes a case that is ready now, or gives the select back: Go's `default`. It is
    /// linearizable: it gives up only if at one instant no case was ready (G4).
    ///
    /// # Errors
    ///
    /// The unchanged `Select` when no case was ready.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = gochan::bounded::<i32>(1);
    /// let mut sel = gochan::Select::new();
    /// sel.recv(&rx);
    /// assert!(sel.try_select().is_err());
    /// ```
    pub fn try_select(self) -> Result<SelectedOperation<'a>, Select<'a>> {
        self.run(true, None)
    }

    /// Waits at most `timeout` for a case.
    ///
    /// # Errors
    ///
    /// The unchanged `Select` when the time ran out.
    ///
    /// # Blocking
    ///
    /// Parks the thread until a case can proceed or the time runs out.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let (_idle_tx, idle_rx) = gochan::bounded::<i32>(0);
    /// let (tx, rx) = gochan::bounded::<i32>(1);
    ///
    /// let mut sel = gochan::Select::new();
    /// sel.recv(&idle_rx);
    /// let start = Instant::now();
    /// let mut sel = sel.select_timeout(Duration::from_millis(5)).unwrap_err();
    /// assert!(start.elapsed() >= Duration::from_millis(5));
    ///
    /// // The select comes back unchanged and can be extended and run again.
    /// assert_eq!(sel.len(), 1);
    /// let i = sel.recv(&rx);
    /// tx.try_send(7).unwrap();
    /// let op = sel.select_timeout(Duration::from_secs(10)).unwrap();
    /// assert_eq!(op.index(), i);
    /// assert_eq!(op.recv(&rx), Some(7));
    /// ```
    pub fn select_timeout(self, timeout: Duration) -> Result<SelectedOperation<'a>, Select<'a>> {
        match Instant::now().checked_add(timeout) {
            Some(d) => self.run(false, Some(d)),
            None => Ok(self.select_blocking()),
        }
    }

    /// Waits for a case in async code.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future commits no case (see [`select!`](crate::select!)).
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let (tx, rx) = gochan::bounded::<i32>(1);
    /// let mut sel = gochan::Select::new();
    /// let i = sel.send(&tx, 5);
    /// let op = sel.select().await;
    /// assert_eq!(op.index(), i);
    /// assert!(op.send(&tx).is_ok());
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// # });
    /// ```
    pub fn select(self) -> SelectBuilderFuture<'a> {
        let biased = self.biased;
        SelectBuilderFuture {
            select: Some(self),
            engine: Engine::new(false, biased),
        }
    }
}

struct Driver<'e, 'c, 'd> {
    engine: &'e mut Engine,
    cases: &'c mut [&'d mut (dyn Case + Send)],
}

impl Future for Driver<'_, '_, '_> {
    type Output = Outcome;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        let this = self.get_mut();
        this.engine.poll(cx, this.cases)
    }
}

impl Drop for Driver<'_, '_, '_> {
    fn drop(&mut self) {
        self.engine.cancel(self.cases);
    }
}

/// The future returned by [`Select::select`].
///
/// It resolves to the [`SelectedOperation`] of the one case it completed.
///
/// # Cancel safety
///
/// Dropping it commits no case: a message a sender had already handed to one of its receive
/// cases goes back to the channel, as for [`RecvFuture`](crate::RecvFuture).
///
/// # Examples
///
/// ```
/// use std::future::Future;
/// use std::pin::Pin;
/// use std::task::Context;
///
/// let (tx, rx) = gochan::bounded::<i32>(0);
/// let waker = futures::task::noop_waker();
/// let mut cx = Context::from_waker(&waker);
///
/// let mut sel = gochan::Select::new();
/// sel.recv(&rx);
/// let mut fut = sel.select();
/// assert!(Pin::new(&mut fut).poll(&mut cx).is_pending());
/// tx.try_send(1).unwrap(); // taken by the waiting receive case
/// drop(fut); // commits nothing: the message is not lost
/// assert_eq!(rx.try_recv(), Ok(1));
///
/// // Awaited, it completes the case.
/// let mut sel = gochan::Select::new();
/// let i = sel.recv(&rx);
/// std::thread::spawn(move || tx.send_blocking(2).unwrap());
/// let op = futures::executor::block_on(sel.select());
/// assert_eq!(op.index(), i);
/// assert_eq!(op.recv(&rx), Some(2));
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct SelectBuilderFuture<'a> {
    select: Option<Select<'a>>,
    engine: Engine,
}

impl std::fmt::Debug for SelectBuilderFuture<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelectBuilderFuture")
            .finish_non_exhaustive()
    }
}

impl<'a> Future for SelectBuilderFuture<'a> {
    type Output = SelectedOperation<'a>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<SelectedOperation<'a>> {
        let this = self.get_mut();
        let sel = this.select.as_mut().expect("polled after completion");
        let mut cases: Vec<&mut (dyn Case + Send)> = sel
            .cases
            .iter_mut()
            .map(|c| c.as_mut() as &mut (dyn Case + Send))
            .collect();
        match this.engine.poll(cx, &mut cases) {
            Poll::Ready(Outcome::Case(index)) => {
                drop(cases);
                let sel = this.select.take().expect("present until completion");
                Poll::Ready(SelectedOperation {
                    cases: sel.cases,
                    index,
                })
            }
            Poll::Ready(Outcome::Default) => unreachable!("no default in an async Select"),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for SelectBuilderFuture<'_> {
    fn drop(&mut self) {
        if let Some(sel) = self.select.as_mut() {
            let mut cases: Vec<&mut (dyn Case + Send)> = sel
                .cases
                .iter_mut()
                .map(|c| c.as_mut() as &mut (dyn Case + Send))
                .collect();
            self.engine.cancel(&mut cases);
        }
    }
}

/// The case a [`Select`] completed. Read its result with [`recv`](Self::recv) or
/// [`send`](Self::send), passing the same channel the case was added with.
///
/// # Examples
///
/// ```
/// let (num_tx, _num_rx) = gochan::bounded::<i32>(0); // no receiver waits: never ready
/// let (word_tx, word_rx) = gochan::bounded::<&str>(1);
/// word_tx.try_send("ready").unwrap();
///
/// let mut sel = gochan::Select::new();
/// let send_num = sel.send(&num_tx, 5);
/// let recv_word = sel.recv(&word_rx);
/// let op = sel.select_blocking();
/// match op.index() {
///     i if i == recv_word => assert_eq!(op.recv(&word_rx), Some("ready")),
///     i if i == send_num => panic!("the send had no receiver"),
///     _ => unreachable!(),
/// }
/// ```
pub struct SelectedOperation<'a> {
    cases: Vec<Box<dyn AnyCase + Send + 'a>>,
    index: usize,
}

impl std::fmt::Debug for SelectedOperation<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelectedOperation")
            .field("index", &self.index)
            .finish()
    }
}

impl SelectedOperation<'_> {
    /// The index of the chosen case, as returned when it was added.
    ///
    /// # Examples
    ///
    /// ```
    /// let chans: Vec<_> = (0..3).map(|_| gochan::bounded::<i32>(1)).collect();
    /// let mut sel = gochan::Select::new();
    /// let indices: Vec<usize> = chans.iter().map(|(_, rx)| sel.recv(rx)).collect();
    /// assert_eq!(indices, vec![0, 1, 2]);
    /// chans[2].0.try_send(1).unwrap();
    /// assert_eq!(sel.select_blocking().index(), indices[2]);
    /// ```
    pub fn index(&self) -> usize {
        self.index
    }

    /// The result of the chosen receive case: `Some(message)`, or `None` if the channel was
    /// closed and drained.
    ///
    /// # Panics
    ///
    /// If the chosen case is not a receive on `rx` (a bug in the caller).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded::<i32>(1);
    /// tx.try_send(3).unwrap();
    /// let mut sel = gochan::Select::new();
    /// sel.recv(&rx);
    /// assert_eq!(sel.select_blocking().recv(&rx), Some(3));
    ///
    /// // Closed and drained: the case is ready and receives `None`.
    /// drop(tx);
    /// let mut sel = gochan::Select::new();
    /// sel.recv(&rx);
    /// assert_eq!(sel.select_blocking().recv(&rx), None);
    /// ```
    pub fn recv<T: 'static>(mut self, rx: &Receiver<T>) -> Option<T> {
        let case = &mut self.cases[self.index];
        assert!(
            !case.is_send() && case.chan_addr() == addr(rx.raw()),
            "SelectedOperation::recv: case {} is not a receive on this channel",
            self.index
        );
        let slot = case
            .result()
            .downcast_mut::<Option<Option<T>>>()
            .expect("the case's channel carries T");
        slot.take().expect("the chosen case has a result")
    }

    /// The result of the chosen send case: `Err` gives the message back if the channel was
    /// closed.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the message if the channel was closed.
    ///
    /// # Panics
    ///
    /// If the chosen case is not a send on `tx` (a bug in the caller).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded::<String>(1);
    /// let mut sel = gochan::Select::new();
    /// sel.send(&tx, "sent".to_string());
    /// assert!(sel.select_blocking().send(&tx).is_ok());
    /// assert_eq!(rx.try_recv().as_deref(), Ok("sent"));
    ///
    /// // Closed: the case is ready and gives the message back.
    /// rx.close();
    /// let mut sel = gochan::Select::new();
    /// sel.send(&tx, "kept".to_string());
    /// let err = sel.select_blocking().send(&tx).unwrap_err();
    /// assert_eq!(err.into_inner(), "kept");
    /// ```
    pub fn send<T: 'static>(mut self, tx: &Sender<T>) -> Result<(), SendError<T>> {
        let case = &mut self.cases[self.index];
        assert!(
            case.is_send() && case.chan_addr() == addr(Some(tx.raw())),
            "SelectedOperation::send: case {} is not a send on this channel",
            self.index
        );
        let slot = case
            .result()
            .downcast_mut::<Option<Result<(), SendError<T>>>>()
            .expect("the case's channel carries T");
        slot.take().expect("the chosen case has a result")
    }
}
