//! Loom models of `gochan::group::Group`: the ready list that routes wake-ups from other
//! threads to the futures of a group loses none (invariants 2 and 3 in `src/group.rs`), and
//! the first error cancels the group's context, which wakes the futures waiting on it.
#![cfg(loom)]

use gochan::context::Context;
use gochan::group::Group;
use gochan::{bounded, unbounded};
use loom::thread;

/// Two futures of one group wait on two channels that two threads feed. Every wake-up comes
/// from another thread, and each must reach the right future for `wait` to return.
#[test]
fn wakes_from_two_threads_reach_their_futures() {
    gochan_loom_tests::model("wakes_from_two_threads_reach_their_futures", || {
        let (tx1, rx1) = bounded::<u32>(1);
        let (tx2, rx2) = bounded::<u32>(1);
        let (sum_tx, sum_rx) = unbounded::<u32>();
        let mut g = Group::<()>::new();
        for rx in [rx1, rx2] {
            let sum_tx = sum_tx.clone();
            g.go(async move {
                let v = rx.recv().await.expect("a value comes");
                sum_tx.try_send(v).unwrap();
                Ok(())
            });
        }
        let t1 = thread::spawn(move || tx1.try_send(1).unwrap());
        let t2 = thread::spawn(move || tx2.try_send(2).unwrap());
        assert_eq!(loom::future::block_on(g.wait()), Ok(()));
        t1.join().unwrap();
        t2.join().unwrap();
        assert_eq!(sum_rx.try_iter().sum::<u32>(), 3);
    });
}

/// One future fails when a thread tells it to; the other waits on the group's context. The
/// failure cancels the context, which must wake the waiting future, so `wait` returns the
/// error.
#[test]
fn the_first_error_wakes_the_context_waiters() {
    gochan_loom_tests::model("the_first_error_wakes_the_context_waiters", || {
        let (mut g, ctx) = Group::<&'static str>::with_context(&Context::background());
        let (fail_tx, fail_rx) = bounded::<()>(1);
        let watcher = ctx.clone();
        g.go(async move {
            watcher.done().recv().await; // None: cancelled
            Ok(())
        });
        g.go(async move {
            fail_rx.recv().await;
            Err("failed")
        });
        let t = thread::spawn(move || fail_tx.try_send(()).unwrap());
        assert_eq!(loom::future::block_on(g.wait()), Err("failed"));
        t.join().unwrap();
        assert!(ctx.err().is_some());
    });
}
