//! Loom models of the plain waiter (`src/waiter/plain.rs`): the waiter of a lone `recv()` or
//! `send()` future, which only its channel completes, under the channel lock, and whose owner
//! reads its slot without that lock once it sees `done`. Loom checks every access to the
//! waiter's cells, so a read of the slot that is not ordered after the peer's write fails
//! here even when the values look right.
#![cfg(loom)]

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Wake, Waker};

use common::{drops, model_outcomes, poll_once, Tracked};
use gochan::bounded;
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::thread;

/// A waker that records that it was woken.
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: StdArc<Self>) {
        self.0.store(true, Ordering::Release);
    }
}

/// Capacity 0. Main polls `rx.recv()` once (queued as a waiting receiver), then drops it while
/// a thread `try_send`s. Either the send found the receiver and handed it the message, which
/// the dropped future then gives back to the channel (G6), or it found no receiver and kept
/// its message. The message is dropped exactly once either way.
#[test]
fn recv_future_dropped_vs_try_send_cap0() {
    model_outcomes(
        "recv_future_dropped_vs_try_send_cap0",
        &["handed over, then given back", "no receiver found"],
        || {
            let (tx, rx) = bounded::<Tracked>(0);
            let (msg, counter) = Tracked::new(1);
            let mut fut = rx.recv();
            assert!(poll_once(Pin::new(&mut fut)).is_pending());
            let s = thread::spawn(move || tx.try_send(msg).map_err(|e| e.is_full()));
            drop(fut);
            let sent = s.join().unwrap();
            let left = rx.try_recv().map(|m| m.value);
            let label = match (sent, left) {
                (Ok(()), Ok(1)) => "handed over, then given back",
                (Err(true), Err(e)) if e.is_closed() => "no receiver found",
                other => panic!("unexpected outcome {other:?}"),
            };
            drop(rx);
            assert_eq!(drops(&counter), 1, "the message was leaked or duplicated");
            label
        },
    );
}

/// Capacity 0. Main polls `rx.recv()` with one waker, then polls it again with another while a
/// thread sends. The second poll either sees the completion, or leaves the new waker in the
/// waiter, and then the sender wakes that one: a waker swap never loses the wake-up (G8).
#[test]
fn new_waker_vs_completion_cap0() {
    model_outcomes(
        "new_waker_vs_completion_cap0",
        &["ready on the second poll", "woken through the new waker"],
        || {
            let (tx, rx) = bounded::<u32>(0);
            let mut fut = rx.recv();
            assert!(poll_once(Pin::new(&mut fut)).is_pending());
            let s = thread::spawn(move || tx.try_send(7).is_ok());
            let flag = StdArc::new(Flag(AtomicBool::new(false)));
            let waker = Waker::from(flag.clone());
            let polled = Pin::new(&mut fut).poll(&mut Context::from_waker(&waker));
            let sent = s.join().unwrap();
            match polled {
                Poll::Ready(v) => {
                    assert!(sent, "the receive completed without a send");
                    assert_eq!(v, Some(7));
                    "ready on the second poll"
                }
                Poll::Pending if sent => {
                    assert!(
                        flag.0.load(Ordering::Acquire),
                        "the sender completed the receive but did not wake its new waker"
                    );
                    assert_eq!(poll_once(Pin::new(&mut fut)), Poll::Ready(Some(7)));
                    "woken through the new waker"
                }
                Poll::Pending => panic!("a send to a waiting receiver failed"),
            }
        },
    );
}

/// Capacity 1, full. A queued `send()` future is dropped while a receiver takes the buffered
/// message and, in the same step, moves the waiting sender's message into the buffer
/// (A5.2). The message is in the channel afterwards exactly when the sender's abort lost
/// that race; otherwise it dies with the future.
#[test]
fn send_future_dropped_vs_refill_cap1() {
    model_outcomes(
        "plain_send_future_dropped_vs_refill_cap1",
        &["moved into the buffer", "withdrawn and dropped"],
        || {
            let (tx, rx) = bounded::<Tracked>(1);
            let (first, _) = Tracked::new(1);
            tx.try_send(first).unwrap();
            let (msg, counter) = Tracked::new(2);
            let mut fut = tx.send(msg);
            assert!(poll_once(Pin::new(&mut fut)).is_pending());
            let rx2 = rx.clone();
            let r = thread::spawn(move || rx2.try_recv().map(|m| m.value));
            drop(fut);
            assert_eq!(r.join().unwrap(), Ok(1));
            let label = match rx.try_recv().map(|m| m.value) {
                Ok(2) => "moved into the buffer",
                Err(e) if e.is_empty() => "withdrawn and dropped",
                other => panic!("unexpected receive {other:?}"),
            };
            drop((tx, rx));
            assert_eq!(drops(&counter), 1, "the message was leaked or duplicated");
            label
        },
    );
}
