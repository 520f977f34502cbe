#![cfg(loom)]
//! loom models of the context tree (src/context/tree.rs): concurrent cancels, a child born
//! while its parent is cancelled, after_func against stop, done() against cancel, and the
//! last-handle detach against a parent's cancel. Deadlines are not modelled (no time under
//! loom); every cancellation path they use is the plain `cancel` modelled here.
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR=target/loom
//! cargo test --profile loom -p gochan-loom-tests --test context -- --nocapture`

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc as StdArc;
use std::time::Instant;

use gochan::context::{Cause, Context, Error};
use gochan::TryRecvError;
use loom::thread;

/// Runs a model and prints how many executions it explored and how long it took.
fn model<F: Fn() + Sync + Send + 'static>(name: &str, f: F) {
    let runs = StdArc::new(AtomicUsize::new(0));
    let r = runs.clone();
    let start = Instant::now();
    let mut b = loom::model::Builder::new();
    if std::env::var("LOOM_MAX_BRANCHES").is_err() {
        b.max_branches = 10_000;
    }
    b.check(move || {
        r.fetch_add(1, Ordering::Relaxed);
        f();
    });
    eprintln!(
        "loom context::{name}: {} iterations in {:?}",
        runs.load(Ordering::Relaxed),
        start.elapsed()
    );
}

fn is_done(ctx: &Context) -> bool {
    ctx.done().try_recv() == Err(TryRecvError::Closed)
}

fn custom(msg: &'static str) -> Cause {
    StdArc::new(std::io::Error::other(msg))
}

/// A parent and its child cancelled at once from two threads: each cancel returns with its
/// whole subtree cancelled (the child's walk and the parent's walk meet), the child never
/// cancels the parent, and the parent's child set ends empty.
#[test]
fn cancel_parent_and_child_concurrently() {
    model("cancel_parent_and_child_concurrently", || {
        let (parent, cancel_parent) = Context::background().with_cancel();
        let (child, cancel_child) = parent.with_cancel();
        let (grandchild, _keep) = child.with_cancel();
        let _ = grandchild.done();
        let (c1, g1) = (child.clone(), grandchild.clone());
        let a = thread::spawn(move || {
            cancel_parent.cancel();
            assert!(
                is_done(&c1) && is_done(&g1),
                "parent's cancel returned early"
            );
        });
        let g2 = grandchild.clone();
        let b = thread::spawn(move || {
            cancel_child.cancel();
            assert!(is_done(&g2), "child's cancel returned early");
        });
        a.join().unwrap();
        b.join().unwrap();
        assert_eq!(parent.err(), Some(Error::Canceled));
        assert_eq!(child.err(), Some(Error::Canceled));
        assert_eq!(parent.child_count(), 0);
    });
}

/// The same node cancelled by two threads: the loser waits for the winner's walk, so both
/// return with the grandchild cancelled.
#[test]
fn cancel_same_node_twice() {
    model("cancel_same_node_twice", || {
        let (parent, cancel) = Context::background().with_cancel_cause();
        let (child, _k1) = parent.with_cancel();
        let (grandchild, _k2) = child.with_cancel();
        let cancel = loom::sync::Arc::new(cancel);
        let (c2, g2) = (cancel.clone(), grandchild.clone());
        let a = thread::spawn(move || {
            c2.cancel(Some(custom("a")));
            assert!(is_done(&g2));
        });
        cancel.cancel(Some(custom("b")));
        assert!(is_done(&grandchild));
        a.join().unwrap();
        // One cause won, and the whole tree carries it.
        let won = parent.cause().unwrap();
        assert!(StdArc::ptr_eq(&won, &grandchild.cause().unwrap()));
    });
}

/// A child created while another thread cancels its parent with a cause: it is either born
/// cancelled or reached by the walk, and always carries the parent's error and cause.
#[test]
fn child_creation_races_parent_cancel() {
    model("child_creation_races_parent_cancel", || {
        let (parent, cancel) = Context::background().with_cancel_cause();
        let cause = custom("parent");
        let c2 = cause.clone();
        let a = thread::spawn(move || cancel.cancel(Some(c2)));
        let (child, _k) = parent.with_cancel();
        a.join().unwrap();
        assert!(is_done(&child));
        assert_eq!(child.err(), Some(Error::Canceled));
        assert!(StdArc::ptr_eq(&child.cause().unwrap(), &cause));
        assert_eq!(parent.child_count(), 0);
    });
}

/// after_func against stop: exactly one of "f ran" and "stop returned true".
#[test]
fn after_func_vs_stop() {
    model("after_func_vs_stop", || {
        let (ctx, cancel) = Context::background().with_cancel();
        let (tx, rx) = gochan::bounded::<()>(1);
        let reg = ctx.after_func(move || tx.try_send(()).unwrap());
        let a = thread::spawn(move || cancel.cancel());
        let stopped = reg.stop();
        a.join().unwrap();
        // f sends before it ends; a stopped f is dropped with its sender, closing rx.
        let ran = rx.recv_blocking().is_some();
        assert!(ran != stopped, "ran = {ran}, stopped = {stopped}");
        assert!(!reg.stop());
        assert_eq!(ctx.child_count(), 0);
    });
}

/// A thread blocked in `done().recv_blocking()` (its channel created before or after the
/// cancel) wakes with `None`, and then sees the error.
#[test]
fn done_blocking_vs_cancel() {
    model("done_blocking_vs_cancel", || {
        let (ctx, cancel) = Context::background().with_cancel();
        let c2 = ctx.clone();
        let a = thread::spawn(move || {
            assert_eq!(c2.done().recv_blocking(), None);
            assert_eq!(c2.err(), Some(Error::Canceled));
        });
        cancel.cancel();
        a.join().unwrap();
    });
}

/// The async form: `done().recv().await` in `block_on` on one thread, cancel on another.
#[test]
fn done_async_vs_cancel() {
    model("done_async_vs_cancel", || {
        let (parent, cancel) = Context::background().with_cancel();
        let child = parent.with_value(1u8);
        let a = thread::spawn(move || {
            let got = loom::future::block_on(async { child.done().recv().await });
            assert_eq!(got, None);
            assert_eq!(child.err(), Some(Error::Canceled));
        });
        cancel.cancel();
        a.join().unwrap();
    });
}

/// The last handle of a child (its cancel disarmed) dropped while the parent is cancelled:
/// an observed child (a done receiver is alive) is closed by the parent either way; an
/// unobserved one leaves; the parent's set ends empty.
#[test]
fn release_vs_parent_cancel() {
    model("release_vs_parent_cancel", || {
        let (parent, cancel) = Context::background().with_cancel();
        let (watched, f1) = parent.with_cancel();
        f1.disarm();
        let (unwatched, f2) = parent.with_cancel();
        f2.disarm();
        let done = watched.done();
        let a = thread::spawn(move || {
            drop(watched);
            drop(unwatched);
        });
        cancel.cancel();
        a.join().unwrap();
        assert!(
            done.is_closed(),
            "an observed child missed its parent's cancel"
        );
        assert_eq!(parent.child_count(), 0);
    });
}

/// A grandchild created under a child while another thread cancels the root: the walk
/// reaches it through the child, or it is born cancelled; either way it ends cancelled with
/// the root's cause, and no set keeps it.
#[test]
fn grandchild_creation_races_root_cancel() {
    model("grandchild_creation_races_root_cancel", || {
        let (root, cancel) = Context::background().with_cancel_cause();
        let (child, _k) = root.with_value(1u8).with_cancel();
        let cause = custom("root");
        let c2 = cause.clone();
        let a = thread::spawn(move || cancel.cancel(Some(c2)));
        let (grandchild, _k2) = child.with_cancel();
        a.join().unwrap();
        assert!(is_done(&grandchild));
        assert!(StdArc::ptr_eq(&grandchild.cause().unwrap(), &cause));
        assert_eq!(root.child_count() + child.child_count(), 0);
    });
}
