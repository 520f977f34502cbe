//! Loom models of the per-channel spare entries (`src/chan/ops.rs`, `new_entry`, and
//! `Entry::reuse` in `src/waiter/record.rs`): an entry taken off a wait list by a claimer or a
//! withdrawal is kept, and a later registration reuses it (and its record) only once nobody
//! else holds it. The races: the claimer keeps the entry while the owner still reads its slot,
//! the next registration checks it while the owner is finishing, and the reused record must
//! not be one a late claimer still wakes. The messages count their drops, so a slot that was
//! overwritten or read twice shows up as a leak or a double drop; the `debug_assert`s inside
//! `reuse` (the loom profile keeps them) check that a reused slot and record are empty.
//!
//! Only a select's cases queue entries: a plain send or receive waits in its own waiter
//! (`src/waiter/plain.rs`, modelled in `plain.rs`). So the receives whose entries are reused
//! below are one-case selects, and the plain operations beside them are the peers that
//! complete them.
#![cfg(loom)]

mod common;

use std::pin::Pin;
use std::task::Poll;

use common::{drops, model_outcomes, poll_once, Tracked};
use gochan::{bounded, select_blocking};
use gochan_loom_tests::model;
use loom::thread;

/// Capacity 0, three rounds between one plain sender and one receiver that selects on the
/// channel, both blocking: each round's select may reuse the entry the previous round left,
/// while the previous select is still taking its message out of it.
#[test]
fn rendezvous_rounds_reuse_entries() {
    model("rendezvous_rounds_reuse_entries", || {
        let (tx, rx) = bounded::<Tracked>(0);
        let (m1, c1) = Tracked::new(1);
        let (m2, c2) = Tracked::new(2);
        let (m3, c3) = Tracked::new(3);
        let t = thread::spawn(move || {
            for m in [m1, m2, m3] {
                tx.send_blocking(m).unwrap();
            }
        });
        let got: Vec<u32> = (0..3)
            .map(|_| select_blocking! { recv(rx) -> v => v.unwrap().value })
            .collect();
        t.join().unwrap();
        assert_eq!(got, [1, 2, 3]);
        for c in [c1, c2, c3] {
            assert_eq!(drops(&c), 1, "a message was leaked or duplicated");
        }
    });
}

/// Capacity 0: a parked receive (a one-case select) is completed by a plain sender while a
/// second sender, also a one-case select, registers and may find the first receive's entry as
/// the spare while its owner still holds it. The second sender's message must reach the next
/// receive.
#[test]
fn registration_meets_entry_still_held_by_its_owner() {
    model("registration_meets_entry_still_held_by_its_owner", || {
        let (tx, rx) = bounded::<Tracked>(0);
        let tx2 = tx.clone();
        let (m1, c1) = Tracked::new(1);
        let (m2, c2) = Tracked::new(2);
        let r = thread::spawn(move || {
            let a = select_blocking! { recv(rx) -> v => v.unwrap().value };
            let b = rx.recv_blocking().unwrap().value;
            (a, b)
        });
        let s = thread::spawn(move || select_blocking! { send(tx2, m2) -> res => res.unwrap() });
        tx.send_blocking(m1).unwrap();
        s.join().unwrap();
        let (a, b) = r.join().unwrap();
        assert!(a != b && a + b == 3, "got {a} and {b}");
        assert_eq!(
            (drops(&c1), drops(&c2)),
            (1, 1),
            "a message was leaked or duplicated"
        );
    });
}

/// Capacity 0: a receive future registered and then dropped while a thread `try_send`s; then
/// a second receive future registers and a second send completes it. Plain futures wait in
/// their own waiters, whose blocks the owner's thread keeps for its next wait
/// (`waiter/plain.rs`): under loom every block is fresh, so this models the hand-back of the
/// first message and the second wait on the same wait list.
#[test]
fn dropped_future_then_reuse() {
    model_outcomes(
        "dropped_future_then_reuse",
        &["handed to the dropped future", "refused"],
        || {
            let (tx, rx) = bounded::<Tracked>(0);
            let tx2 = tx.clone();
            let (m1, c1) = Tracked::new(1);
            let (m2, c2) = Tracked::new(2);
            let mut fut = rx.recv();
            assert!(poll_once(Pin::new(&mut fut)).is_pending());
            let t = thread::spawn(move || tx.try_send(m1).is_ok());
            drop(fut);
            let accepted = t.join().unwrap();
            let mut again = rx.recv();
            let outcome = if accepted {
                // Given back to the front of the channel: the next receive finds it at once.
                match poll_once(Pin::new(&mut again)) {
                    Poll::Ready(Some(m)) => assert_eq!(m.value, 1),
                    other => panic!("an accepted message was lost: {other:?}"),
                }
                "handed to the dropped future"
            } else {
                assert!(poll_once(Pin::new(&mut again)).is_pending());
                assert!(
                    tx2.try_send(m2).is_ok(),
                    "the registered receive was not found"
                );
                match poll_once(Pin::new(&mut again)) {
                    Poll::Ready(Some(m)) => assert_eq!(m.value, 2),
                    other => panic!("the second message was lost: {other:?}"),
                }
                "refused"
            };
            drop(again);
            drop((tx2, rx));
            assert_eq!(drops(&c1), 1, "the first message was leaked or duplicated");
            if outcome == "refused" {
                assert_eq!(drops(&c2), 1, "the second message was leaked or duplicated");
            }
            outcome
        },
    );
}

/// Capacity 0: the entry a one-case select leaves on `a` is reused by a select over `a` and `b`
/// (whose cases share one record) while a plain sender on `b` races to complete it; then a
/// one-case select reuses the entry the two-case select left on `a`. Every message arrives
/// once, at the operation it was meant for.
#[test]
fn spare_moves_between_one_case_and_two_case_selects() {
    model("spare_moves_between_one_case_and_two_case_selects", || {
        let (a_tx, a) = bounded::<Tracked>(0);
        let (b_tx, b) = bounded::<Tracked>(0);
        let (m1, c1) = Tracked::new(1);
        let (m2, c2) = Tracked::new(2);
        let (m3, c3) = Tracked::new(3);
        let a_sender = thread::spawn(move || {
            a_tx.send_blocking(m1).unwrap();
            a_tx
        });
        let first = select_blocking! { recv(a) -> v => v.unwrap().value };
        assert_eq!(first, 1);
        let a_tx = a_sender.join().unwrap();
        let b_sender = thread::spawn(move || b_tx.send_blocking(m2).is_ok());
        let got = select_blocking! {
            recv(a) -> v => (0, v.map(|m| m.value)),
            recv(b) -> v => (1, v.map(|m| m.value)),
        };
        assert_eq!(got, (1, Some(2)));
        assert!(b_sender.join().unwrap());
        let a_receiver =
            thread::spawn(move || select_blocking! { recv(a) -> v => v.map(|m| m.value) });
        a_tx.send_blocking(m3).unwrap();
        assert_eq!(a_receiver.join().unwrap(), Some(3));
        for c in [c1, c2, c3] {
            assert_eq!(drops(&c), 1, "a message was leaked or duplicated");
        }
    });
}
