//! Loom models of the channel flavors: send, receive and close with two or three threads.
#![cfg(loom)]

mod common;

use common::model_outcomes;
use gochan::{bounded, unbounded};
use gochan_loom_tests::model;
use loom::thread;

/// Unbuffered rendezvous: the send completes only with the receive (G3).
#[test]
fn zero_send_recv() {
    model("zero_send_recv", || {
        let (tx, rx) = bounded::<u32>(0);
        let t = thread::spawn(move || tx.send_blocking(7).unwrap());
        assert_eq!(rx.recv_blocking(), Some(7));
        t.join().unwrap();
    });
}

/// A buffered channel at capacity 1 with two senders: both messages arrive, once each.
#[test]
fn array_two_senders() {
    model("array_two_senders", || {
        let (tx, rx) = bounded::<u32>(1);
        let tx2 = tx.clone();
        let t1 = thread::spawn(move || tx.send_blocking(1).unwrap());
        let t2 = thread::spawn(move || tx2.send_blocking(2).unwrap());
        let a = rx.recv_blocking().unwrap();
        let b = rx.recv_blocking().unwrap();
        assert_eq!(a + b, 3);
        t1.join().unwrap();
        t2.join().unwrap();
    });
}

/// Unbounded: a message sent before close is received, then `None` (G2).
#[test]
fn list_send_then_close() {
    model("list_send_then_close", || {
        let (tx, rx) = unbounded::<u32>();
        let t = thread::spawn(move || {
            tx.send_blocking(1).unwrap();
            drop(tx);
        });
        assert_eq!(rx.recv_blocking(), Some(1));
        assert_eq!(rx.recv_blocking(), None);
        t.join().unwrap();
    });
}

/// A receiver blocked on an empty channel is woken by close (no lost wake-up, G8).
#[test]
fn close_wakes_blocked_receiver() {
    model("close_wakes_blocked_receiver", || {
        let (tx, rx) = bounded::<u32>(0);
        let t = thread::spawn(move || rx.recv_blocking());
        assert!(tx.close());
        assert_eq!(t.join().unwrap(), None);
    });
}

/// A sender blocked on a full channel gets its message back when it closes (G2).
#[test]
fn close_returns_blocked_senders_message() {
    model("close_returns_blocked_senders_message", || {
        let (tx, rx) = bounded::<u32>(1);
        tx.try_send(1).unwrap();
        let t = thread::spawn(move || tx.send_blocking(2));
        rx.close();
        let r = t.join().unwrap();
        // Either the second send got in before close (then it is buffered) or it failed.
        match r {
            Ok(()) => {
                assert_eq!(rx.try_recv(), Ok(1));
                assert_eq!(rx.try_recv(), Ok(2));
            }
            Err(e) => {
                assert_eq!(e.into_inner(), 2);
                assert_eq!(rx.try_recv(), Ok(1));
            }
        }
    });
}

/// The parker's timeout path (`waiter/parker.rs`): a receive whose deadline has already
/// passed queues, announces its sleep and withdraws the announcement, while a sender tries to
/// hand it a message (capacity 0: only a queued receiver can take one). Nothing is lost: a
/// send that succeeded is received, and a receive that timed out means the send found no
/// receiver. Both orders must be explored.
#[test]
fn recv_deadline_passed_vs_try_send() {
    model_outcomes(
        "recv_deadline_passed_vs_try_send",
        &["received", "timed out"],
        || {
            let (tx, rx) = bounded::<u32>(0);
            // A clone: the last sender's drop would close the channel.
            let tx2 = tx.clone();
            let t = thread::spawn(move || tx2.try_send(7).is_ok());
            let got = rx.recv_deadline(std::time::Instant::now());
            let sent = t.join().unwrap();
            drop(tx);
            match got {
                Ok(v) => {
                    assert!(sent && v == 7, "received {v} without a send");
                    "received"
                }
                Err(e) => {
                    assert!(e.is_timeout(), "an open channel reported {e:?}");
                    assert!(!sent, "a message handed to the receive was lost");
                    "timed out"
                }
            }
        },
    );
}
