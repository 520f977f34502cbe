//! `gochan::group::Group`: Go's errgroup, driven by whichever executor polls `wait`.
//!
//! The `errgroup_*` tests port the tests of `golang.org/x/sync/errgroup` (`errgroup_test.go`):
//! `TestZeroGroup`, `TestWithContext`, `TestTryGo` and `TestGoLimit`. Go's
//! `Wait` can be called again on the same group; ours takes the group by value, so where Go
//! reuses one group the port builds a fresh one. `TestCancelCause` has no port: the group's
//! error type is generic, so the context's cause stays `Canceled`.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use futures::task::noop_waker;
use gochan::context::{Context, Error as CtxError};
use gochan::group::{Group, WaitFuture};
use gochan::time::sleep;

/// Yields to the executor once: wakes itself and returns `Pending` the first time.
struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

fn yield_now() -> YieldNow {
    YieldNow(false)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TestErr(&'static str);

const ERR1: TestErr = TestErr("errgroup_test: 1");
const ERR2: TestErr = TestErr("errgroup_test: 2");

/// errgroup's `TestZeroGroup`: a zero `Group` (here `Group::new()` / `default()`) returns
/// the first error of the functions it ran.
#[test]
fn errgroup_test_zero_group() {
    let cases: &[&[Option<TestErr>]] = &[
        &[],
        &[None],
        &[Some(ERR1)],
        &[Some(ERR1), None],
        &[Some(ERR1), None, Some(ERR2)],
    ];
    for errs in cases {
        // Go calls Wait after each Go on one group; the port waits on each prefix.
        let mut first: Option<TestErr> = None;
        for i in 0..errs.len() {
            let mut g = Group::default();
            for e in &errs[..=i] {
                let e = *e;
                g.go(async move { e.map_or(Ok(()), Err) });
            }
            if first.is_none() {
                first = errs[i];
            }
            assert_eq!(
                g.wait_blocking().err(),
                first,
                "after the first {} of {errs:?}",
                i + 1
            );
        }
    }
}

/// errgroup's `TestWithContext`: `Wait` returns the first error, and the derived context is
/// done afterwards in every case, errors or not.
#[test]
fn errgroup_test_with_context() {
    let cases: &[(&[Option<TestErr>], Option<TestErr>)] = &[
        (&[], None),
        (&[None], None),
        (&[Some(ERR1)], Some(ERR1)),
        (&[Some(ERR1), None], Some(ERR1)),
        (&[Some(ERR1), None, Some(ERR2)], Some(ERR1)),
    ];
    for &(errs, want) in cases {
        let (mut g, ctx) = Group::with_context(&Context::background());
        for e in errs {
            let e = *e;
            g.go(async move { e.map_or(Ok(()), Err) });
        }
        assert_eq!(g.wait_blocking().err(), want, "{errs:?}");
        assert!(
            ctx.done().try_recv().is_err() && ctx.done().is_closed(),
            "{errs:?}: ctx.done() was not closed after wait"
        );
        assert_eq!(ctx.err(), Some(CtxError::Canceled));
    }
}

/// errgroup's `TestTryGo`: with a limit of n, n `TryGo`s succeed and the next fails; after
/// `Wait` there is room again; a new limit of 1 admits exactly one; a limit of 0 none.
#[test]
fn errgroup_test_try_go() {
    let n = 42;
    let (tx, rx) = gochan::bounded::<()>(0);
    let make = |tx: gochan::Sender<()>| async move {
        tx.send(()).await.unwrap();
        Ok::<(), TestErr>(())
    };

    let mut g = Group::new();
    g.set_limit(n);
    for i in 0..n {
        assert!(
            g.try_go(make(tx.clone())).is_ok(),
            "TryGo failed at call {i}"
        );
    }
    assert!(
        g.try_go(make(tx.clone())).is_err(),
        "TryGo succeeded beyond the limit"
    );
    let rx2 = rx.clone();
    let drain = std::thread::spawn(move || {
        for _ in 0..n {
            rx2.recv_blocking().unwrap();
        }
    });
    assert_eq!(g.wait_blocking(), Ok(()));
    drain.join().unwrap();

    // After Wait (a fresh group: ours is consumed), TryGo succeeds again.
    let mut g = Group::new();
    g.set_limit(n);
    assert!(g.try_go(make(tx.clone())).is_ok());
    let rx2 = rx.clone();
    let drain = std::thread::spawn(move || rx2.recv_blocking().unwrap());
    assert_eq!(g.wait_blocking(), Ok(()));
    drain.join().unwrap();

    // Switch the limit.
    let mut g = Group::new();
    g.set_limit(1);
    assert!(g.try_go(make(tx.clone())).is_ok());
    assert!(g.try_go(make(tx.clone())).is_err());
    let drain = std::thread::spawn(move || rx.recv_blocking().unwrap());
    assert_eq!(g.wait_blocking(), Ok(()));
    drain.join().unwrap();

    // Block all calls.
    let mut g = Group::new();
    g.set_limit(0);
    for _ in 0..1 << 10 {
        assert!(
            g.try_go(make(tx.clone())).is_err(),
            "TryGo succeeded with limit 0"
        );
    }
    assert_eq!(g.wait_blocking(), Ok(()));
}

/// errgroup's `TestGoLimit`: with `SetLimit(10)`, more than a thousand functions never have
/// more than 10 active at once.
#[test]
fn errgroup_test_go_limit() {
    const LIMIT: usize = 10;
    let active = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let mut g = Group::new();
    g.set_limit(LIMIT);
    for i in 0..=(1 << 10) {
        let (active, peak) = (active.clone(), peak.clone());
        g.go(async move {
            let n = active.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(n, Ordering::SeqCst);
            if n > LIMIT {
                return Err(format!("saw {n} active futures; want <= {LIMIT}"));
            }
            if i % 64 == 0 {
                sleep(Duration::from_micros(1)).await;
            } else {
                yield_now().await;
            }
            active.fetch_sub(1, Ordering::SeqCst);
            Ok(())
        });
    }
    assert_eq!(g.wait_blocking(), Ok(()));
    assert_eq!(
        peak.load(Ordering::SeqCst),
        LIMIT,
        "the limit is used in full"
    );
    assert_eq!(active.load(Ordering::SeqCst), 0);
}

/// A panic in a future comes out of the poll of `wait`.
#[test]
fn a_panic_in_a_future_comes_out_of_wait() {
    let mut g = Group::<TestErr>::new();
    g.go(async { Ok(()) });
    g.go(async { panic!("errgroup_test: panicked") });
    let got = catch_unwind(AssertUnwindSafe(|| g.wait_blocking()));
    let payload = got.expect_err("the panic propagates");
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"errgroup_test: panicked")
    );
}

#[test]
fn first_error_in_time_wins() {
    futures::executor::block_on(async {
        let mut g = Group::new();
        g.go(async {
            sleep(Duration::from_millis(30)).await;
            Err("slow")
        });
        g.go(async {
            sleep(Duration::from_millis(5)).await;
            Err("fast")
        });
        g.go(async { Ok(()) });
        assert_eq!(g.wait().await, Err("fast"));
    });
}

#[test]
fn every_future_runs_to_the_end_after_an_error() {
    let finished = Arc::new(AtomicUsize::new(0));
    let mut g = Group::new();
    g.set_limit(2); // queued ones still start after the error, as in Go
    g.go(async { Err(ERR1) });
    for _ in 0..5 {
        let finished = finished.clone();
        g.go(async move {
            sleep(Duration::from_millis(2)).await;
            finished.fetch_add(1, Ordering::SeqCst);
            Ok(())
        });
    }
    assert_eq!(g.wait_blocking(), Err(ERR1));
    assert_eq!(finished.load(Ordering::SeqCst), 5);
}

#[test]
fn the_first_error_cancels_the_context_and_others_see_it() {
    let (mut g, ctx) = Group::with_context(&Context::background());
    let saw_live = Arc::new(AtomicUsize::new(0));
    {
        let (ctx, saw_live) = (ctx.clone(), saw_live.clone());
        g.go(async move {
            if ctx.err().is_none() {
                saw_live.fetch_add(1, Ordering::SeqCst); // not cancelled before the error
            }
            ctx.done().recv().await; // returns None once the group fails
            assert_eq!(ctx.err(), Some(CtxError::Canceled));
            Ok(())
        });
    }
    {
        let ctx = ctx.clone();
        g.go(async move {
            gochan::select! {
                recv(ctx.done()) -> _ => Ok(()),
                recv(gochan::after(Duration::from_secs(30))) -> _ => Err(ERR2),
            }
        });
    }
    g.go(async {
        sleep(Duration::from_millis(5)).await;
        Err(ERR1)
    });
    assert_eq!(ctx.err(), None, "nothing ran before wait");
    assert_eq!(g.wait_blocking(), Err(ERR1));
    assert_eq!(saw_live.load(Ordering::SeqCst), 1);
}

#[test]
fn context_follows_its_parent() {
    let (parent, cancel_parent) = Context::background().with_cancel();
    let (mut g, ctx) = Group::<TestErr>::with_context(&parent);
    let c = ctx.clone();
    g.go(async move {
        c.done().recv().await;
        Ok(())
    });
    cancel_parent.cancel();
    assert_eq!(g.wait_blocking(), Ok(()));
    assert_eq!(ctx.err(), Some(CtxError::Canceled));
}

#[test]
fn zero_group_waits_for_nothing() {
    assert_eq!(Group::<TestErr>::new().wait_blocking(), Ok(()));
    assert_eq!(
        futures::executor::block_on(Group::<TestErr>::default().wait()),
        Ok(())
    );
    let (g, ctx) = Group::<TestErr>::with_context(&Context::background());
    assert_eq!(ctx.err(), None);
    assert_eq!(g.wait_blocking(), Ok(()));
    assert_eq!(ctx.err(), Some(CtxError::Canceled), "cancelled after wait");
}

#[test]
fn dropping_the_group_cancels_its_context() {
    let (mut g, ctx) = Group::<TestErr>::with_context(&Context::background());
    g.go(async { Ok(()) });
    drop(g);
    assert_eq!(ctx.err(), Some(CtxError::Canceled));
}

/// Counts drops, to see that a dropped wait leaves nothing behind.
struct DropCount(Arc<AtomicUsize>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn dropping_the_wait_drops_every_future_and_cancels() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (mut g, ctx) = Group::<TestErr>::with_context(&Context::background());
    g.set_limit(2);
    for _ in 0..5 {
        let guard = DropCount(drops.clone());
        g.go(async move {
            let _guard = guard;
            futures::future::pending::<()>().await;
            Ok(())
        });
    }
    let mut fut: WaitFuture<TestErr> = g.wait();
    let waker = noop_waker();
    assert!(Pin::new(&mut fut)
        .poll(&mut TaskContext::from_waker(&waker))
        .is_pending());
    assert_eq!(ctx.err(), None);
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    drop(fut);
    assert_eq!(
        drops.load(Ordering::SeqCst),
        5,
        "running and queued futures"
    );
    assert_eq!(ctx.err(), Some(CtxError::Canceled));
}

#[test]
fn futures_talk_to_each_other_over_channels() {
    // Unbuffered channels between futures of one group: they run concurrently on one task.
    let (tx, rx) = gochan::bounded::<u32>(0);
    let (sum_tx, sum_rx) = gochan::bounded::<u32>(1);
    let mut g = Group::<String>::new();
    g.go(async move {
        for i in 1..=100 {
            tx.send(i).await.map_err(|e| e.to_string())?;
        }
        Ok(())
    });
    g.go(async move {
        let mut sum = 0;
        while let Some(v) = rx.recv().await {
            sum += v;
        }
        sum_tx.send(sum).await.map_err(|e| e.to_string())
    });
    assert_eq!(g.wait_blocking(), Ok(()));
    assert_eq!(sum_rx.try_recv(), Ok(5050));
}

#[test]
fn many_self_waking_futures_finish() {
    // More wake-ups than one poll's budget: the wait yields and resumes.
    let done = Arc::new(AtomicUsize::new(0));
    let mut g = Group::<TestErr>::new();
    for _ in 0..2000 {
        let done = done.clone();
        g.go(async move {
            for _ in 0..5 {
                yield_now().await;
            }
            done.fetch_add(1, Ordering::SeqCst);
            Ok(())
        });
    }
    assert_eq!(futures::executor::block_on(g.wait()), Ok(()));
    assert_eq!(done.load(Ordering::SeqCst), 2000);
}

#[test]
fn a_busy_group_does_not_starve_its_executor() {
    // On a current-thread runtime, another task makes progress while the group works.
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let ticks = Arc::new(AtomicUsize::new(0));
        let t = ticks.clone();
        let other = tokio::spawn(async move {
            loop {
                t.fetch_add(1, Ordering::SeqCst);
                tokio::task::yield_now().await;
            }
        });
        let mut g = Group::<TestErr>::new();
        for _ in 0..500 {
            g.go(async {
                for _ in 0..20 {
                    yield_now().await;
                }
                Ok(())
            });
        }
        assert_eq!(g.wait().await, Ok(()));
        other.abort();
        assert!(
            ticks.load(Ordering::SeqCst) > 1,
            "the other task ran meanwhile"
        );
    });
}

#[test]
fn under_tokio_multi_thread_with_spawned_work() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let (mut g, ctx) = Group::with_context(&Context::background());
        g.set_limit(4);
        let active = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        for i in 0..40u64 {
            let (active, peak, ctx) = (active.clone(), peak.clone(), ctx.clone());
            g.go(async move {
                if i <= 30 {
                    // Futures start in the order of `go`: job 30 has not started yet.
                    assert_eq!(ctx.err(), None, "job {i}");
                }
                let n = active.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(n, Ordering::SeqCst);
                // Parallel work: spawn on the runtime, hand the join handle to the group.
                let r = tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    i
                })
                .await
                .unwrap();
                active.fetch_sub(1, Ordering::SeqCst);
                if r == 30 {
                    Err(TestErr("job 30"))
                } else {
                    Ok(())
                }
            });
        }
        assert_eq!(g.wait().await, Err(TestErr("job 30")));
        assert!(peak.load(Ordering::SeqCst) <= 4);
        assert!(ctx.err().is_some());
    });
}

#[test]
fn under_tokio_current_thread() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut g = Group::new();
        for i in 0..10u64 {
            g.go(async move {
                tokio::time::sleep(Duration::from_millis(i)).await;
                if i == 7 {
                    Err(i)
                } else {
                    Ok(())
                }
            });
        }
        assert_eq!(g.wait().await, Err(7));
    });
}

#[test]
fn the_wait_future_can_run_on_another_task() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        let mut g = Group::<TestErr>::new();
        let (tx, rx) = gochan::bounded::<u8>(0);
        g.go(async move {
            tx.send(1).await.unwrap();
            Ok(())
        });
        let waiter = tokio::spawn(g.wait()); // WaitFuture is Send
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(waiter.await.unwrap(), Ok(()));
    });
}

#[test]
#[should_panic(expected = "the limit is 0")]
fn go_with_a_zero_limit_panics() {
    let mut g = Group::<TestErr>::new();
    g.set_limit(0);
    g.go(async { Ok(()) });
}

#[test]
#[should_panic(expected = "would never run them")]
fn a_zero_limit_over_queued_futures_panics() {
    let mut g = Group::<TestErr>::new();
    g.go(async { Ok(()) });
    g.set_limit(0);
}

#[test]
fn debug_output() {
    let mut g = Group::<TestErr>::new();
    g.set_limit(3);
    g.go(async { Ok(()) });
    assert_eq!(
        format!("{g:?}"),
        "Group { futures: 1, limit: 3, with_context: false }"
    );
}

#[test]
fn auto_traits() {
    fn send<T: Send>() {}
    fn unpin<T: Unpin>() {}
    send::<Group<TestErr>>();
    send::<WaitFuture<TestErr>>();
    unpin::<WaitFuture<TestErr>>();
}
