//! The future behind `select!`, `select_blocking!` and [`Select`](crate::Select), and the
//! traits that turn a macro argument into a case.
#![forbid(unsafe_code)]

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::case::{Case, RecvCase, SendCase};
use super::engine::{Engine, Outcome};
use crate::chan::Chan;
use crate::waiter::block_on;
use crate::{Receiver, Sender};

/// Waits for one of a set of cases (see [`select!`](crate::select!)).
///
/// `select!` uses it with `C = dyn Case + Send`, so the future is `Send` (and can be
/// spawned) whenever the messages are; `select_blocking!` with `C = dyn Case`.
///
/// # Cancel safety
///
/// Dropping it while it waits commits no case; a message already handed to a receive case
/// goes back to its channel (G6).
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct SelectFuture<'a, 'b, C: Case + ?Sized + 'b = dyn Case + Send> {
    cases: &'a mut [&'b mut C],
    engine: Engine,
}

impl<'a, 'b, C: Case + ?Sized + 'b> SelectFuture<'a, 'b, C> {
    /// A select over `cases`.
    pub fn new(cases: &'a mut [&'b mut C], has_default: bool, biased: bool) -> Self {
        SelectFuture {
            cases,
            engine: Engine::new(has_default, biased),
        }
    }
}

// The cases are borrowed, never pinned.
impl<C: Case + ?Sized> Unpin for SelectFuture<'_, '_, C> {}

impl<C: Case + ?Sized> Future for SelectFuture<'_, '_, C> {
    type Output = Outcome;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        let this = self.get_mut();
        this.engine.poll(cx, this.cases)
    }
}

impl<C: Case + ?Sized> Drop for SelectFuture<'_, '_, C> {
    fn drop(&mut self) {
        self.engine.cancel(self.cases);
    }
}

impl<C: Case + ?Sized> std::fmt::Debug for SelectFuture<'_, '_, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelectFuture")
            .field("cases", &self.cases.len())
            .field("waiting", &self.engine.is_waiting())
            .finish()
    }
}

/// Runs a select on this thread (the body of `select_blocking!`).
pub fn select_blocking(cases: &mut [&mut dyn Case], has_default: bool, biased: bool) -> Outcome {
    let mut fut = SelectFuture::new(cases, has_default, biased);
    block_on(&mut fut, None).expect("a wait without a deadline completes")
}

/// What a `recv(..)` case accepts: a receiver, a reference to one, or an `Option` of either
/// (`None` is Go's nil channel).
#[diagnostic::on_unimplemented(
    message = "`recv(..)` in a select needs a `Receiver`, not `{Self}`",
    label = "expected a `Receiver<T>`, `&Receiver<T>` or an `Option` of one",
    note = "to send, write `send(sender, message) -> result => body`"
)]
pub trait RecvArg<T> {
    /// The case for this argument.
    fn recv_case(&self) -> RecvCase<T, &Chan<T>>;
}

impl<T> RecvArg<T> for Receiver<T> {
    fn recv_case(&self) -> RecvCase<T, &Chan<T>> {
        RecvCase::new(self.raw())
    }
}

impl<T> RecvArg<T> for &Receiver<T> {
    fn recv_case(&self) -> RecvCase<T, &Chan<T>> {
        RecvCase::new(self.raw())
    }
}

impl<T> RecvArg<T> for Option<Receiver<T>> {
    fn recv_case(&self) -> RecvCase<T, &Chan<T>> {
        RecvCase::new(self.as_ref().and_then(|r| r.raw()))
    }
}

impl<T> RecvArg<T> for Option<&Receiver<T>> {
    fn recv_case(&self) -> RecvCase<T, &Chan<T>> {
        RecvCase::new(self.and_then(|r| r.raw()))
    }
}

/// What a `send(..)` case accepts: a sender, a reference to one, or an `Option` of either.
#[diagnostic::on_unimplemented(
    message = "`send(..)` in a select needs a `Sender`, not `{Self}`",
    label = "expected a `Sender<T>`, `&Sender<T>` or an `Option` of one",
    note = "to receive, write `recv(receiver) -> value => body`"
)]
pub trait SendArg<T> {
    /// The case for this argument, holding `msg`.
    fn send_case(&self, msg: T) -> SendCase<T, &Chan<T>>;
}

impl<T> SendArg<T> for Sender<T> {
    fn send_case(&self, msg: T) -> SendCase<T, &Chan<T>> {
        SendCase::new(Some(self.raw()), msg)
    }
}

impl<T> SendArg<T> for &Sender<T> {
    fn send_case(&self, msg: T) -> SendCase<T, &Chan<T>> {
        SendCase::new(Some(self.raw()), msg)
    }
}

impl<T> SendArg<T> for Option<Sender<T>> {
    fn send_case(&self, msg: T) -> SendCase<T, &Chan<T>> {
        SendCase::new(self.as_ref().map(|s| s.raw()), msg)
    }
}

impl<T> SendArg<T> for Option<&Sender<T>> {
    fn send_case(&self, msg: T) -> SendCase<T, &Chan<T>> {
        SendCase::new(self.map(|s| s.raw()), msg)
    }
}
