//! `gochan::context` beyond Go's own tests: `done()` in `select!`, async and blocking waits,
//! scale (100 000-node trees, a 100 000-deep chain, a million short-lived children),
//! resources (children and timers leave nothing behind), contexts dropped while still
//! observed, and the wire helpers.
//!
//! Every wait has a generous limit that only turns a hang into a failure; nothing asserts
//! that anything is fast.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use gochan::context::{
    decode_grpc_timeout, encode_grpc_timeout, AfterFunc, CancelCauseFunc, CancelFunc, Cause,
    Context, Error, WireError,
};
use gochan::{bounded, RecvTimeoutError, TryRecvError};

const PATIENCE: Duration = Duration::from_secs(20);
const SETTLE: Duration = Duration::from_millis(30);

fn is_done(ctx: &Context) -> bool {
    ctx.done().try_recv() == Err(TryRecvError::Closed)
}

#[test]
fn public_types_are_send_sync() {
    fn send_sync<T: Send + Sync>() {}
    fn clone<T: Clone>() {}
    send_sync::<Context>();
    clone::<Context>();
    send_sync::<CancelFunc>();
    send_sync::<CancelCauseFunc>();
    send_sync::<AfterFunc>();
    send_sync::<Error>();
    send_sync::<Cause>();
    send_sync::<WireError>();
    fn error<T: std::error::Error + Send + Sync + 'static>() {}
    error::<Error>();
    error::<WireError>();
}

#[test]
fn done_in_select_blocking() {
    let (ctx, cancel) = Context::background().with_cancel();
    let (tx, rx) = bounded::<u32>(0);
    let worker = thread::spawn(move || {
        let mut got = Vec::new();
        loop {
            gochan::select_blocking! {
                recv(ctx.done()) -> v => {
                    assert_eq!(v, None);
                    return (got, ctx.err());
                },
                recv(rx) -> v => got.push(v.unwrap()),
            }
        }
    });
    for i in 0..3 {
        tx.send_blocking(i).unwrap();
    }
    cancel.cancel();
    let (got, err) = worker.join().unwrap();
    assert_eq!(got, vec![0, 1, 2]);
    assert_eq!(err, Some(Error::Canceled));
}

#[test]
fn done_in_select_async() {
    let (ctx, cancel) = Context::background().with_timeout(Duration::from_secs(3600));
    let (tx, rx) = bounded::<u32>(1);
    let c2 = ctx.clone();
    // The future is built on the thread that polls it: a `select!` future holds its cases as
    // `dyn Case`, which is not `Send` (reported to the lead).
    let t = thread::spawn(move || {
        futures::executor::block_on(async move {
            let mut n = 0;
            loop {
                gochan::select! {
                    recv(c2.done()) -> _ => return (n, c2.err()),
                    recv(rx) -> v => n += v.unwrap(),
                }
            }
        })
    });
    tx.send_blocking(5).unwrap();
    tx.send_blocking(6).unwrap();
    // The second send completed, so the first value was taken; cancel after the buffer drains.
    let start = Instant::now();
    while !tx.is_empty() && start.elapsed() < PATIENCE {
        thread::yield_now();
    }
    cancel.cancel();
    let (n, err) = t.join().unwrap();
    assert_eq!(n, 11);
    assert_eq!(err, Some(Error::Canceled));
}

#[test]
fn done_in_select_with_deadline() {
    let (ctx, _cancel) = Context::background().with_timeout(Duration::from_millis(20));
    let (_tx, rx) = bounded::<u32>(0);
    let timed_out = gochan::select_blocking! {
        recv(rx) -> _ => false,
        recv(ctx.done()) -> _ => true,
        recv(gochan::after(PATIENCE)) -> _ => false,
    };
    assert!(timed_out);
    assert_eq!(ctx.err(), Some(Error::DeadlineExceeded));
}

#[test]
fn done_recv_async_returns_none_after_cancel() {
    // futures' executor
    let (ctx, cancel) = Context::background().with_cancel();
    let c2 = ctx.clone();
    let t =
        thread::spawn(move || futures::executor::block_on(async move { c2.done().recv().await }));
    thread::sleep(SETTLE);
    cancel.cancel();
    assert_eq!(t.join().unwrap(), None);
    assert_eq!(futures::executor::block_on(ctx.done().recv()), None);

    // tokio, multi-thread and current-thread
    for multi in [true, false] {
        let rt = if multi {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .build()
                .unwrap()
        } else {
            tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap()
        };
        let (ctx, cancel) = Context::background().with_cancel();
        let c2 = ctx.clone();
        let waiter = rt.spawn(async move { c2.done().recv().await });
        rt.block_on(async {
            tokio::task::yield_now().await;
            cancel.cancel();
            assert_eq!(waiter.await.unwrap(), None);
        });
    }
}

#[test]
fn done_recv_blocking_wakes_on_cancel() {
    let (ctx, cancel) = Context::background().with_cancel_cause();
    let c2 = ctx.clone();
    let t = thread::spawn(move || (c2.done().recv_blocking(), c2.err()));
    thread::sleep(SETTLE);
    cancel.cancel(None);
    assert_eq!(t.join().unwrap(), (None, Some(Error::Canceled)));
}

#[test]
fn done_is_the_same_channel_and_closed_when_first_asked_late() {
    let (ctx, cancel) = Context::background().with_cancel();
    let a = ctx.done();
    let b = ctx.with_value(1u8).done();
    assert!(a.same_channel(&b));
    cancel.cancel();
    assert!(a.is_closed());

    // First asked after the cancel: a closed channel.
    let (ctx, cancel) = Context::background().with_cancel();
    cancel.cancel();
    let d = ctx.done();
    assert!(d.is_closed());
    assert!(ctx.done().same_channel(&d));
    // A sealed channel refuses close() from a handle.
    let (ctx, _cancel) = Context::background().with_cancel();
    assert!(!ctx.done().close());
    assert!(!is_done(&ctx));
}

#[test]
fn observing_done_sees_err() {
    // Whoever sees done() closed also sees err() set (err is stored before the close).
    for _ in 0..200 {
        let (ctx, cancel) = Context::background().with_cancel();
        let c2 = ctx.clone();
        let t = thread::spawn(move || {
            assert_eq!(c2.done().recv_blocking(), None);
            c2.err()
        });
        cancel.cancel();
        assert_eq!(t.join().unwrap(), Some(Error::Canceled));
    }
}

#[test]
fn display() {
    let bg = Context::background();
    let (c, _k) = bg.with_value(7u32).with_cancel_cause();
    assert_eq!(
        c.to_string(),
        "context.Background.WithValue(u32).WithCancel"
    );
    let (d, _k2) = Context::todo()
        .without_cancel()
        .with_timeout(Duration::from_secs(60));
    let s = d.to_string();
    assert!(
        s.starts_with("context.TODO.WithoutCancel.WithDeadline("),
        "{s}"
    );
    assert!(s.ends_with("s])"), "{s}");
    // C8.1: a later deadline under an earlier one is a plain cancel context.
    let (e, _k3) = d.with_deadline(Instant::now() + Duration::from_secs(3600));
    assert!(e.to_string().ends_with("]).WithCancel"), "{e}");
    assert!(format!("{e:?}").contains("WithCancel"));
}

#[test]
fn deadlines_only_shrink_and_the_cause_is_dropped() {
    let why: Cause = Arc::new(std::fmt::Error);
    let early = Instant::now() + Duration::from_millis(20);
    let (parent, _k) = Context::background().with_deadline(early);
    let (child, _k2) = parent.with_deadline_cause(early + Duration::from_secs(3600), why.clone());
    assert_eq!(child.deadline(), Some(early));
    assert_eq!(
        child.done().recv_timeout(PATIENCE),
        Err(RecvTimeoutError::Closed)
    );
    assert_eq!(child.err(), Some(Error::DeadlineExceeded));
    let cause = child.cause().unwrap();
    assert_eq!(
        cause.downcast_ref::<Error>(),
        Some(&Error::DeadlineExceeded),
        "the parent's cause"
    );

    // An equal deadline makes a timer context of its own, with its own cause.
    let d = Instant::now() + Duration::from_millis(20);
    let (parent, _k) = Context::background().with_deadline(d);
    let (child, _k2) = parent.with_deadline_cause(d, why.clone());
    assert!(child.to_string().ends_with("])"), "{child}");
    assert_eq!(
        child.done().recv_timeout(PATIENCE),
        Err(RecvTimeoutError::Closed)
    );
    assert_eq!(child.err(), Some(Error::DeadlineExceeded));
    // Which of the two timers fires first is not specified; the cause is one of the two.
    let c = child.cause().unwrap();
    assert!(Arc::ptr_eq(&c, &why) || c.downcast_ref::<Error>() == Some(&Error::DeadlineExceeded));

    // A huge timeout means no deadline.
    let (c, _k) = Context::background().with_timeout(Duration::MAX);
    assert!(c.deadline().is_none());
    assert_eq!(c.err(), None);
}

#[test]
fn not_done_before_the_deadline() {
    let d = Instant::now() + Duration::from_millis(50);
    let (ctx, _k) = Context::background().with_deadline(d);
    assert_eq!(
        ctx.done().recv_timeout(PATIENCE),
        Err(RecvTimeoutError::Closed)
    );
    assert!(Instant::now() >= d, "done before its deadline");
}

/// The subtree of a 100 000-context tree is cancelled, every done() closed, in both shapes.
#[test]
fn cancel_wide_tree_of_100k() {
    let (root, cancel) = Context::background().with_cancel();
    let mut all = Vec::with_capacity(100_000);
    let mut funcs = Vec::with_capacity(100_000);
    // 1 + 316 + 316 * 316 ≈ 100k: a root with 316 children of 316 children each.
    for _ in 0..316 {
        let (c, f) = root.with_cancel();
        for _ in 0..316 {
            let (g, gf) = c.with_cancel();
            let _ = g.done(); // make every channel exist
            all.push(g);
            funcs.push(gf);
        }
        all.push(c);
        funcs.push(f);
    }
    assert!(all.len() >= 100_000);
    assert_eq!(root.child_count(), 316);
    cancel.cancel();
    for c in &all {
        assert!(is_done(c));
        assert_eq!(c.child_count(), 0);
    }
    assert_eq!(root.child_count(), 0);
    drop(funcs);
}

#[test]
fn cancel_chain_of_100k() {
    let (root, cancel) = Context::background().with_cancel();
    let mut chain = Vec::with_capacity(100_000);
    let mut funcs = Vec::with_capacity(100_000);
    let mut cur = root.clone();
    for i in 0..100_000 {
        let (c, f) = if i % 3 == 0 {
            cur.with_value(i).with_cancel()
        } else {
            cur.with_cancel()
        };
        if i % 10 == 0 {
            let _ = c.done();
        }
        chain.push(c.clone());
        funcs.push(f);
        cur = c;
    }
    cancel.cancel();
    for c in &chain {
        assert!(is_done(c));
    }
    // Dropping a 100k-deep chain (contexts first, leaf last) must not overflow the stack.
    drop(cur);
    drop(chain);
    drop(funcs);
    drop(root);
}

#[test]
fn drop_chain_of_100k_without_cancel() {
    // Disarmed cancel functions: the chain is freed by dropping the contexts alone, leaf
    // first, iteratively.
    let (root, _cancel) = Context::background().with_cancel();
    let mut cur = root.clone();
    for i in 0..100_000 {
        let (c, f) = if i % 2 == 0 {
            cur.with_cancel()
        } else {
            cur.with_value(i).with_cancel()
        };
        f.disarm();
        cur = c;
    }
    assert_eq!(root.child_count(), 1);
    drop(cur);
    assert_eq!(root.child_count(), 0, "the whole chain left the root");
}

#[test]
fn drop_chain_of_100k_cancel_funcs_first() {
    // Every cancel function dropped (which cancels) while the contexts are alive, then the
    // chain dropped root first.
    let mut chain = Vec::new();
    let mut cur = Context::background();
    let mut funcs = Vec::new();
    for _ in 0..100_000 {
        let (c, f) = cur.with_cancel();
        chain.push(c.clone());
        funcs.push(f);
        cur = c;
    }
    drop(cur);
    funcs.reverse();
    drop(funcs); // leaf first: each cancel is a leaf cancel
    assert!(chain.iter().all(is_done));
    drop(chain);
}

#[test]
fn million_uncancelled_children_leave_the_parent() {
    let (parent, _cancel) = Context::background().with_cancel();
    for _ in 0..1_000_000 {
        let (c, f) = parent.with_cancel();
        f.disarm();
        drop(c);
    }
    assert_eq!(parent.child_count(), 0);
    // And with the cancel function dropped instead (which cancels).
    for _ in 0..100_000 {
        let (_c, _f) = parent.with_cancel();
    }
    assert_eq!(parent.child_count(), 0);
}

#[test]
fn dropped_timer_children_leave_no_timer() {
    let before = gochan::time::pending_timers();
    let (parent, _cancel) = Context::background().with_cancel();
    for i in 0..20_000 {
        let (c, f) = parent.with_timeout(Duration::from_secs(3600));
        if i % 2 == 0 {
            f.disarm(); // dropped uncancelled: the timer must go with it
            drop(c);
        }
    }
    assert_eq!(parent.child_count(), 0);
    // Other tests in this binary may hold a few timers meanwhile.
    let after = gochan::time::pending_timers();
    assert!(
        after < before + 1000,
        "timers left behind: {before} -> {after}"
    );
}

#[test]
fn observed_orphan_is_still_cancelled_by_its_parent() {
    let (parent, cancel) = Context::background().with_cancel();
    let (child, f) = parent.with_cancel();
    f.disarm();
    let done = child.done();
    let (tx, ran) = bounded::<&str>(1);
    let _reg = child
        .with_value(1u8)
        .after_func(move || tx.send_blocking("ran").unwrap());
    drop(child);
    assert_eq!(
        parent.child_count(),
        1,
        "an observed child stays registered"
    );
    assert!(!done.is_closed());
    cancel.cancel();
    assert!(done.is_closed(), "the parent's cancel reached the orphan");
    assert_eq!(ran.recv_timeout(PATIENCE), Ok("ran"));
    assert_eq!(parent.child_count(), 0);
}

#[test]
fn observed_orphan_still_times_out() {
    // No cancellable parent, no handle, no cancel function: only the deadline is left.
    let (child, f) = Context::background().with_timeout(Duration::from_millis(20));
    f.disarm();
    let done = child.done();
    drop(child);
    assert_eq!(done.recv_timeout(PATIENCE), Err(RecvTimeoutError::Closed));
}

#[test]
fn unobserved_orphan_leaves_even_if_done_was_asked() {
    let (parent, _cancel) = Context::background().with_cancel();
    let (child, f) = parent.with_cancel();
    f.disarm();
    drop(child.done()); // the receiver is gone again
    drop(child);
    assert_eq!(parent.child_count(), 0);
}

#[test]
fn child_of_cancelled_parent_is_not_registered() {
    let (parent, cancel) = Context::background().with_cancel();
    cancel.cancel();
    let (c, _k) = parent.with_cancel();
    let (t, _k2) = parent.with_timeout(Duration::from_secs(3600));
    assert!(is_done(&c) && is_done(&t));
    assert_eq!(
        t.err(),
        Some(Error::Canceled),
        "the parent's error, not the deadline's"
    );
    assert_eq!(parent.child_count(), 0);
}

#[test]
fn cancel_func_moved_to_another_thread() {
    let (ctx, cancel) = Context::background().with_cancel();
    let holder = thread::spawn(move || {
        thread::sleep(SETTLE);
        drop(cancel); // Go's deferred cancel, run by whoever owns it now
    });
    assert_eq!(
        ctx.done().recv_timeout(PATIENCE),
        Err(RecvTimeoutError::Closed)
    );
    holder.join().unwrap();
    let shared = Arc::new(Context::background().with_cancel());
    let s2 = shared.clone();
    thread::spawn(move || s2.1.cancel()).join().unwrap();
    assert!(is_done(&shared.0));
}

#[test]
fn after_func_runs_once_under_racing_cancels() {
    for _ in 0..50 {
        let (ctx, cancel) = Context::background().with_cancel_cause();
        let runs = Arc::new(AtomicUsize::new(0));
        let regs: Vec<AfterFunc> = (0..4)
            .map(|_| {
                let r = runs.clone();
                ctx.after_func(move || {
                    r.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        let cancel = Arc::new(cancel);
        let barrier = Arc::new(Barrier::new(3));
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let (c, b) = (cancel.clone(), barrier.clone());
                thread::spawn(move || {
                    b.wait();
                    c.cancel(None);
                })
            })
            .collect();
        barrier.wait();
        let stopped = regs.iter().filter(|r| r.stop()).count();
        for t in ts {
            t.join().unwrap();
        }
        let start = Instant::now();
        while runs.load(Ordering::SeqCst) + stopped < 4 && start.elapsed() < PATIENCE {
            thread::sleep(Duration::from_millis(1));
        }
        thread::sleep(Duration::from_millis(2));
        assert_eq!(
            runs.load(Ordering::SeqCst) + stopped,
            4,
            "each function ran or was stopped, once"
        );
    }
}

#[test]
fn concurrent_children_and_cancel() {
    for _ in 0..20 {
        let (root, cancel) = Context::background().with_cancel();
        let barrier = Arc::new(Barrier::new(4));
        let makers: Vec<_> = (0..3)
            .map(|_| {
                let (root, b) = (root.clone(), barrier.clone());
                thread::spawn(move || {
                    b.wait();
                    let mut kept = Vec::new();
                    for i in 0..500 {
                        let (c, f) = root.with_cancel();
                        let (g, gf) = c.with_timeout(Duration::from_secs(3600));
                        if i % 2 == 0 {
                            kept.push((c, f, g, gf));
                        }
                    }
                    kept
                })
            })
            .collect();
        barrier.wait();
        cancel.cancel();
        for m in makers {
            for (c, _f, g, _gf) in m.join().unwrap() {
                assert!(is_done(&c) && is_done(&g), "a child escaped the cancel");
            }
        }
        assert_eq!(root.child_count(), 0);
    }
}

#[test]
fn wire_round_trip() {
    let mut d = Duration::from_nanos(1);
    let units = [
        Duration::from_nanos(1),
        Duration::from_micros(1),
        Duration::from_millis(1),
        Duration::from_secs(1),
        Duration::from_secs(60),
        Duration::from_secs(3600),
    ];
    while d < Duration::from_secs(3600 * 24 * 365 * 100) {
        for extra in [Duration::ZERO, Duration::from_nanos(1), d / 3] {
            let t = d + extra;
            let s = encode_grpc_timeout(t);
            let digits = &s[..s.len() - 1];
            assert!(digits.len() <= 8, "{s}");
            let back = decode_grpc_timeout(&s).unwrap();
            assert!(back >= t, "{t:?} -> {s} -> {back:?}: rounded down");
            let unit = match s.chars().last().unwrap() {
                'n' => units[0],
                'u' => units[1],
                'm' => units[2],
                'S' => units[3],
                'M' => units[4],
                'H' => units[5],
                c => panic!("unit {c}"),
            };
            assert!(back - t < unit, "{t:?} -> {s}: more than one unit off");
        }
        d = d * 7 / 3;
    }
    assert_eq!(encode_grpc_timeout(Duration::ZERO), "0n");
    assert_eq!(
        encode_grpc_timeout(Duration::from_nanos(99_999_999)),
        "99999999n"
    );
    assert_eq!(
        encode_grpc_timeout(Duration::from_nanos(100_000_000)),
        "100000u"
    );
    assert_eq!(encode_grpc_timeout(Duration::MAX), "99999999H");
    assert_eq!(
        decode_grpc_timeout("99999999H"),
        Ok(Duration::from_secs(99_999_999 * 3600))
    );
    assert_eq!(decode_grpc_timeout("1M"), Ok(Duration::from_secs(60)));
    assert_eq!(decode_grpc_timeout("7u"), Ok(Duration::from_micros(7)));
    assert_eq!(decode_grpc_timeout("0n"), Ok(Duration::ZERO));
}

#[test]
fn wire_errors() {
    assert_eq!(decode_grpc_timeout(""), Err(WireError::Empty));
    assert_eq!(decode_grpc_timeout("S"), Err(WireError::MissingDigits));
    assert_eq!(decode_grpc_timeout("100"), Err(WireError::MissingDigits));
    assert_eq!(decode_grpc_timeout("10s"), Err(WireError::UnknownUnit('s')));
    assert_eq!(decode_grpc_timeout("1é"), Err(WireError::UnknownUnit('é')));
    assert_eq!(
        decode_grpc_timeout("+1S"),
        Err(WireError::InvalidDigit('+'))
    );
    assert_eq!(
        decode_grpc_timeout(" 1S"),
        Err(WireError::InvalidDigit(' '))
    );
    assert_eq!(
        decode_grpc_timeout("-1S"),
        Err(WireError::InvalidDigit('-'))
    );
    assert_eq!(
        decode_grpc_timeout("123456789n"),
        Err(WireError::TooManyDigits(9))
    );
    for e in [
        WireError::Empty,
        WireError::TooManyDigits(9),
        WireError::UnknownUnit('x'),
    ] {
        let s = e.to_string();
        assert!(
            !s.ends_with('.') && s.chars().next().unwrap().is_lowercase(),
            "{s}"
        );
    }
}

#[test]
fn wire_timeout_context() {
    let (parent, _k) = Context::background().with_timeout(Duration::from_secs(10));
    // A peer asks for more time than we have: the deadline stays ours.
    let (ctx, _k2) = parent.with_wire_timeout("1H").unwrap();
    assert_eq!(ctx.deadline(), parent.deadline());
    // Less time: the peer's.
    let (ctx, _k3) = parent.with_wire_timeout("20m").unwrap();
    assert!(ctx.deadline() < parent.deadline());
    assert_eq!(
        ctx.done().recv_timeout(PATIENCE),
        Err(RecvTimeoutError::Closed)
    );
    assert_eq!(ctx.err(), Some(Error::DeadlineExceeded));
    assert_eq!(ctx.remaining(), Some(Duration::ZERO));
    // Pass our deadline on: what we encode is never less than what is left.
    let left_before = parent.remaining().unwrap();
    let s = encode_grpc_timeout(parent.remaining().unwrap());
    assert!(decode_grpc_timeout(&s).unwrap() <= left_before + Duration::from_micros(1));
    assert!(parent.with_wire_timeout("soon").is_err());
}
