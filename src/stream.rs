//! `futures_core::Stream` for [`Receiver`] and `futures_sink::Sink` for [`Sender`].
#![forbid(unsafe_code)]

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_sink::Sink;

use crate::error::SendError;
use crate::future::{OwnedRecv, OwnedSend};
use crate::{Receiver, Sender};

/// The messages of the channel until it is closed and drained.
///
/// # Cancel safety
///
/// As for [`Receiver::recv`]: dropping the stream while it waits loses no message.
///
/// # Examples
///
/// ```
/// use futures::StreamExt;
/// # futures::executor::block_on(async {
/// let (tx, rx) = gochan::unbounded();
/// for i in 0..3 { tx.try_send(i).unwrap(); }
/// drop(tx);
/// assert_eq!(rx.collect::<Vec<_>>().await, vec![0, 1, 2]);
/// # });
/// ```
impl<T> Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        let Some(chan) = &this.chan else {
            return Poll::Pending;
        };
        let mut slot = this.stream.lock();
        let fut = slot.get_or_insert_with(|| OwnedRecv::owned(chan.clone()));
        match Pin::new(fut).poll(cx) {
            Poll::Ready(v) => {
                *slot = None;
                Poll::Ready(v)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Sends through the channel; `poll_ready` and `poll_flush` wait for the previous message to
/// be sent (taken by a receiver, at capacity 0). `poll_close` flushes but does not close the
/// channel, which other senders may share: drop the handles or call
/// [`Sender::close`](crate::Sender::close).
///
/// # Examples
///
/// ```
/// use futures::SinkExt;
/// # futures::executor::block_on(async {
/// let (mut tx, rx) = gochan::bounded(1);
/// tx.send(4).await.unwrap(); // SinkExt::send
/// assert_eq!(rx.try_recv(), Ok(4));
/// # });
/// ```
impl<T> Sink<T> for Sender<T> {
    type Error = SendError<T>;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        self.poll_flush(cx)
    }

    fn start_send(self: Pin<&mut Self>, item: T) -> Result<(), SendError<T>> {
        let this = self.get_mut();
        let fut = OwnedSend::owned(this.raw_arc().clone(), item);
        let old = this.sink.lock().replace(fut);
        debug_assert!(old.is_none(), "start_send without poll_ready");
        Ok(())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        let this = self.get_mut();
        let mut slot = this.sink.lock();
        let Some(fut) = slot.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        match Pin::new(fut).poll(cx) {
            Poll::Ready(r) => {
                *slot = None;
                Poll::Ready(r)
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        self.poll_flush(cx)
    }
}
