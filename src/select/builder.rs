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
                record: &crate::sync::Arc<crate::waiter::Record>,
                index: usize,
            ) -> super::case::Registered {
                self.case.register(record, index)
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
    pub fn len(&self) -> usize {
        self.cases.len()
    }

    /// Whether no case was added.
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
    pub fn index(&self) -> usize {
        self.index
    }

    /// The result of the chosen receive case: `Some(message)`, or `None` if the channel was
    /// closed and drained.
    ///
    /// # Panics
    ///
    /// If the chosen case is not a receive on `rx` (a bug in the caller).
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
