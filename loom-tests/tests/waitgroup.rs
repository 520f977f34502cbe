//! Loom models of `gochan::sync::WaitGroup`: no lost wake-up between the last `done` and a
//! waiter, happens-before from every `done` to the `wait` it releases, and rounds that do not
//! hold back the waiters of an earlier round (the invariants in `src/waitgroup.rs`).
#![cfg(loom)]

mod common;

use std::pin::Pin;
use std::task::Poll;

use common::{model_outcomes, poll_once};
use gochan::sync::WaitGroup;
use loom::cell::UnsafeCell;
use loom::sync::atomic::AtomicBool;
use loom::sync::atomic::Ordering::SeqCst;
use loom::sync::Arc;
use loom::thread;

/// A worker writes through a plain cell, then `done`; the main thread `wait_blocking`s and
/// reads it. loom reports a data race if `done` does not happen before the return of `wait`.
#[test]
fn done_happens_before_wait_blocking_returns() {
    gochan_loom_tests::model("done_happens_before_wait_blocking_returns", || {
        let wg = WaitGroup::new();
        let cell = Arc::new(UnsafeCell::new(0u32));
        wg.add(1);
        let (w, c) = (wg.clone(), cell.clone());
        let t = thread::spawn(move || {
            // SAFETY: the only access before `done`; the reader waits for `done`.
            c.with_mut(|p| unsafe { *p = 7 });
            w.done();
        });
        wg.wait_blocking();
        // SAFETY: `done` happened before `wait_blocking` returned (the property checked).
        assert_eq!(cell.with(|p| unsafe { *p }), 7);
        t.join().unwrap();
    });
}

/// The async waiter's first poll races with the last `done`: it is either ready at once or
/// woken later, never left asleep.
#[test]
fn first_poll_vs_last_done() {
    model_outcomes(
        "first_poll_vs_last_done",
        &["ready at the first poll", "woken by the last done"],
        || {
            let wg = WaitGroup::new();
            wg.add(2);
            let (a, b) = (wg.clone(), wg.clone());
            let ta = thread::spawn(move || a.done());
            let tb = thread::spawn(move || b.done());
            let mut fut = wg.wait();
            let label = match poll_once(Pin::new(&mut fut)) {
                Poll::Ready(()) => "ready at the first poll",
                Poll::Pending => {
                    loom::future::block_on(fut);
                    "woken by the last done"
                }
            };
            ta.join().unwrap();
            tb.join().unwrap();
            label
        },
    );
}

/// A worker ends round 1 and at once starts round 2, racing with a waiter's first poll. A
/// waiter that joined round 1 must be released by round 1's last `done`, although the counter
/// is above zero again by the time it is polled next (invariant 3). One that first polls
/// after the `add` waits for round 2 (invariant 4).
#[test]
fn a_new_round_does_not_hold_back_an_old_waiter() {
    model_outcomes(
        "a_new_round_does_not_hold_back_an_old_waiter",
        &[
            "polled before the done: round 1",
            "polled during the done: round 1",
            "saw zero between the rounds",
            "joined round 2",
        ],
        || {
            let wg = WaitGroup::new();
            wg.add(1);
            let started = Arc::new(AtomicBool::new(false));
            let (w, s) = (wg.clone(), started.clone());
            let t = thread::spawn(move || {
                s.store(true, SeqCst);
                w.done(); // round 1 ends
                w.add(1); // round 2 starts
            });
            let mut fut = wg.wait();
            let first = poll_once(Pin::new(&mut fut));
            let before_done = !started.load(SeqCst);
            t.join().unwrap();
            let label = match first {
                Poll::Ready(()) => "saw zero between the rounds",
                Poll::Pending => match poll_once(Pin::new(&mut fut)) {
                    Poll::Ready(()) if before_done => "polled before the done: round 1",
                    Poll::Ready(()) => "polled during the done: round 1",
                    Poll::Pending => {
                        assert!(!before_done, "a waiter of round 1 is held by round 2");
                        wg.done();
                        loom::future::block_on(fut);
                        "joined round 2"
                    }
                },
            };
            if label != "joined round 2" {
                wg.done(); // end round 2
            }
            wg.wait_blocking();
            label
        },
    );
}
