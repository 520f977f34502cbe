//! Loom models of cancel safety for send futures (G6): a pending `send()` future dropped while
//! a receiver races to take its message. Either the receiver got the message (the send had
//! been claimed, so it did happen) or it did not (the message is dropped with the future);
//! never both, never lost. The message counts its drops: it is dropped exactly once, so it
//! is neither leaked in a slot nor duplicated.
#![cfg(loom)]

mod common;

use std::pin::Pin;
use std::task::Poll;

use common::{drops, model_outcomes, poll_once, Tracked};
use gochan::bounded;
use loom::thread;

/// Whether the second poll of the send future reported completion (`Ready(Err)` is a bug:
/// the channel is open).
fn send_completed(p: &Poll<Result<(), gochan::SendError<Tracked>>>) -> bool {
    match p {
        Poll::Ready(Ok(())) => true,
        Poll::Ready(Err(e)) => panic!("a send on an open channel failed: {e:?}"),
        Poll::Pending => false,
    }
}

/// Capacity 0. Main polls `tx.send(m)` once (`Pending`: it is queued as a blocked sender),
/// then a thread `try_recv`s while main polls once more and drops the future.
///
/// - The second poll says `Ready(Ok)` ⇒ the receiver got the message.
/// - The receiver got nothing ⇒ the message died with the future, and is not in the channel.
/// - The receiver got it although the second poll said `Pending`: the claim came between
///   that poll and the drop, so the send did happen and the drop does not undo it.
#[test]
fn send_future_dropped_vs_try_recv_cap0() {
    model_outcomes(
        "send_future_dropped_vs_try_recv_cap0",
        &[
            "completed, received",
            "claimed after the poll, received",
            "dropped unsent",
        ],
        || {
            let (tx, rx) = bounded::<Tracked>(0);
            let rx_keep = rx.clone();
            let (msg, counter) = Tracked::new(1);
            let mut fut = tx.send(msg);
            assert!(poll_once(Pin::new(&mut fut)).is_pending());
            let r = thread::spawn(move || rx.try_recv().map(|m| m.value));
            let completed = send_completed(&poll_once(Pin::new(&mut fut)));
            drop(fut);
            let got = r.join().unwrap();
            assert!(
                rx_keep.try_recv().unwrap_err().is_empty(),
                "a dropped send left its message in the channel"
            );
            drop((tx, rx_keep));
            assert_eq!(drops(&counter), 1, "the message was leaked or duplicated");
            match (completed, got) {
                (true, Ok(1)) => "completed, received",
                (true, other) => panic!("the send completed but the receiver got {other:?}"),
                (false, Ok(1)) => "claimed after the poll, received",
                (false, Err(e)) if e.is_empty() => "dropped unsent",
                (false, other) => panic!("unexpected receive {other:?}"),
            }
        },
    );
}

/// Capacity 0 with a receiver that blocks. Main polls the send future once, then polls it
/// again and drops it while the receiver waits; then main closes the channel, which releases
/// the receiver if the message never reached it.
#[test]
fn send_future_dropped_vs_blocking_recv_cap0() {
    model_outcomes(
        "send_future_dropped_vs_blocking_recv_cap0",
        &[
            "completed, received",
            "claimed after the poll, received",
            "dropped unsent",
        ],
        || {
            let (tx, rx) = bounded::<Tracked>(0);
            let (msg, counter) = Tracked::new(1);
            let mut fut = tx.send(msg);
            assert!(poll_once(Pin::new(&mut fut)).is_pending());
            let r = thread::spawn(move || rx.recv_blocking().map(|m| m.value));
            let completed = send_completed(&poll_once(Pin::new(&mut fut)));
            drop(fut);
            // The receiver may be gone already (its exit closes the channel): ignore the result.
            tx.close();
            let got = r.join().unwrap();
            drop(tx);
            assert_eq!(drops(&counter), 1, "the message was leaked or duplicated");
            match (completed, got) {
                (true, Some(1)) => "completed, received",
                (true, other) => panic!("the send completed but the receiver got {other:?}"),
                (false, Some(1)) => "claimed after the poll, received",
                (false, None) => "dropped unsent",
                (false, other) => panic!("unexpected receive {other:?}"),
            }
        },
    );
}

/// Capacity 1, full: the pending send is a blocked sender. A receiver's `try_recv` takes the
/// buffered message and, in the same step, moves the blocked sender's message into the freed
/// slot (claiming the send, go-reference A5.2). Dropping the future races that claim: the
/// message is in the buffer afterwards exactly when the send was claimed, and a send that
/// reported `Ready(Ok)` was claimed.
#[test]
fn send_future_dropped_vs_refill_cap1() {
    model_outcomes(
        "send_future_dropped_vs_refill_cap1",
        &[
            "completed, buffered",
            "claimed after the poll, buffered",
            "dropped unsent",
        ],
        || {
            let (tx, rx) = bounded::<Tracked>(1);
            let rx_keep = rx.clone();
            let (first, first_counter) = Tracked::new(0);
            tx.try_send(first).unwrap();
            let (msg, counter) = Tracked::new(1);
            let mut fut = tx.send(msg);
            assert!(poll_once(Pin::new(&mut fut)).is_pending());
            let r = thread::spawn(move || rx.try_recv().map(|m| m.value));
            let completed = send_completed(&poll_once(Pin::new(&mut fut)));
            drop(fut);
            assert_eq!(r.join().unwrap(), Ok(0), "the buffered message comes first");
            let left: Vec<u32> = std::iter::from_fn(|| rx_keep.try_recv().ok())
                .map(|m| m.value)
                .collect();
            drop((tx, rx_keep));
            assert_eq!(drops(&first_counter), 1);
            assert_eq!(drops(&counter), 1, "the message was leaked or duplicated");
            match (completed, left.as_slice()) {
                (true, [1]) => "completed, buffered",
                (true, other) => panic!("the send completed but the channel holds {other:?}"),
                (false, [1]) => "claimed after the poll, buffered",
                (false, []) => "dropped unsent",
                (false, other) => panic!("unexpected channel contents {other:?}"),
            }
        },
    );
}
