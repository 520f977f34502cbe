//! Loom models of the waiters, driven through the public API: several peers race to complete
//! one parked operation, and exactly one wins. A parked `recv_blocking` waits in a plain
//! waiter (`src/waiter/plain.rs`), which its peers race to take off the wait list; a parked
//! `select_blocking!` in a claim-once record (`src/waiter/record.rs`), which its peers on
//! different channels race to claim.
#![cfg(loom)]

mod common;

use common::model_outcomes;
use gochan::bounded;
use loom::thread;

/// Two `try_send`s race to complete one parked receive on an unbuffered channel.
///
/// A `try_send` on capacity 0 succeeds only by claiming a parked receiver's record, so at most
/// one of them can succeed (record invariant 1). A sender that is told `Ok` must have handed
/// its message to the receiver (nothing lost). If both lose (the receiver had not parked
/// yet), main wakes the receiver with a third message.
#[test]
fn two_try_sends_claim_one_parked_recv() {
    model_outcomes(
        "two_try_sends_claim_one_parked_recv",
        &["first won", "second won", "neither"],
        || {
            let (tx, rx) = bounded::<u32>(0);
            let tx1 = tx.clone();
            let r = thread::spawn(move || rx.recv_blocking());
            let s1 = thread::spawn(move || tx1.try_send(1).is_ok());
            let ok2 = tx.try_send(2).is_ok();
            let ok1 = s1.join().unwrap();
            assert!(!(ok1 && ok2), "one parked receive was completed twice");
            if !ok1 && !ok2 {
                tx.send_blocking(3).unwrap();
            }
            let got = r.join().unwrap();
            let (expected, label) = match (ok1, ok2) {
                (true, _) => (1, "first won"),
                (_, true) => (2, "second won"),
                _ => (3, "neither"),
            };
            assert_eq!(got, Some(expected), "a sender told Ok lost its message");
            label
        },
    );
}

/// Two blocking senders race to complete one parked receive: the winner hands its message
/// over, the loser stays queued with its message and completes with the next receive.
#[test]
fn two_blocking_sends_one_parked_recv_loser_queues() {
    model_outcomes(
        "two_blocking_sends_one_parked_recv_loser_queues",
        &["1 first", "2 first"],
        || {
            let (tx, rx) = bounded::<u32>(0);
            let tx1 = tx.clone();
            let s1 = thread::spawn(move || tx1.send_blocking(1).unwrap());
            let s2 = thread::spawn(move || tx.send_blocking(2).unwrap());
            let a = rx.recv_blocking().unwrap();
            // The loser is still queued (or has not arrived yet): this receive completes it.
            let b = rx.recv_blocking().unwrap();
            assert!(a != b && a + b == 3, "got {a} and {b}");
            s1.join().unwrap();
            s2.join().unwrap();
            // Both senders are gone (which closed the channel) and nothing is left behind.
            assert!(rx.try_recv().unwrap_err().is_closed());
            if a == 1 {
                "1 first"
            } else {
                "2 first"
            }
        },
    );
}

/// `close` races a send to complete a parked receive. The receiver gets the message exactly
/// when the send reports `Ok`; otherwise it sees the close (`None`) and the sender gets its
/// message back. With capacity 1 a buffered message survives the close (G2).
fn close_races_send_on_parked_recv(cap: usize) -> &'static str {
    let (tx, rx) = bounded::<u32>(cap);
    let tx1 = tx.clone();
    // Main keeps a receiver, so the receiving thread's exit does not close the channel.
    let rx1 = rx.clone();
    let r = thread::spawn(move || rx1.recv_blocking());
    let s = thread::spawn(move || tx1.send_blocking(1));
    assert!(tx.close());
    let sent = s.join().unwrap();
    let got = r.join().unwrap();
    let label = match sent {
        Ok(()) => {
            assert_eq!(got, Some(1), "a sent message was lost");
            "sent"
        }
        Err(e) => {
            assert_eq!(e.into_inner(), 1);
            assert_eq!(got, None, "a refused message was delivered");
            "refused"
        }
    };
    assert!(
        rx.try_recv().unwrap_err().is_closed(),
        "a message was left behind"
    );
    label
}

#[test]
fn close_races_send_on_parked_recv_cap0() {
    model_outcomes(
        "close_races_send_on_parked_recv_cap0",
        &["sent", "refused"],
        || close_races_send_on_parked_recv(0),
    );
}

#[test]
fn close_races_send_on_parked_recv_cap1() {
    model_outcomes(
        "close_races_send_on_parked_recv_cap1",
        &["sent", "refused"],
        || close_races_send_on_parked_recv(1),
    );
}

/// `close` on one channel and a send on another race to claim one parked select: exactly one
/// claim wins. If the close won, the select reports the closed case (`None`) and the message
/// stays in its channel; if the send won, the select has the message.
#[test]
fn close_and_send_race_to_claim_parked_select() {
    model_outcomes(
        "close_and_send_race_to_claim_parked_select",
        &["close won", "send won"],
        || {
            let (tx1, rx1) = bounded::<u32>(0);
            let (tx2, rx2) = bounded::<u32>(1);
            let keep = tx2.clone();
            let c = thread::spawn(move || assert!(tx1.close()));
            let s = thread::spawn(move || tx2.try_send(2).unwrap());
            let r = gochan::select_blocking! {
                recv(rx1) -> v => { assert_eq!(v, None); 0 },
                recv(rx2) -> v => { assert_eq!(v, Some(2)); 1 },
            };
            c.join().unwrap();
            s.join().unwrap();
            let left = common::drain(&rx2);
            drop(keep);
            if r == 0 {
                assert_eq!(left, vec![2], "the losing case took the message too");
                "close won"
            } else {
                assert!(left.is_empty(), "the message was delivered twice");
                "send won"
            }
        },
    );
}
