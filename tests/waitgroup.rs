//! `gochan::sync::WaitGroup`: Go's `sync.WaitGroup`, blocking and async, under tokio (both
//! flavors), `futures::executor` and plain threads.
//!
//! The first tests port Go's own (`src/sync/waitgroup_test.go`): `TestWaitGroup` and
//! `TestWaitGroupMisuse`.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::thread;
use std::time::Duration;

use futures::task::noop_waker;
use gochan::sync::{WaitFuture, WaitGroup};

/// Polls `fut` once with a waker that does nothing.
fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    let waker = noop_waker();
    Pin::new(fut).poll(&mut Context::from_waker(&waker))
}

/// Go's `TestWaitGroup`: `n` goroutines each mark `wg1` done and wait on `wg2`; the main
/// goroutine waits on `wg1`, checks that nobody got past `wg2`, then releases them.
#[test]
fn go_test_wait_group() {
    for _ in 0..8 {
        let (wg1, wg2) = (WaitGroup::new(), WaitGroup::new());
        let n = 16;
        wg1.add(n);
        wg2.add(n);
        let (exited_tx, exited) = gochan::bounded::<()>(n);
        let mut handles = Vec::new();
        for _ in 0..n {
            let (wg1, wg2, exited_tx) = (wg1.clone(), wg2.clone(), exited_tx.clone());
            handles.push(thread::spawn(move || {
                wg1.done();
                wg2.wait_blocking();
                exited_tx.send_blocking(()).unwrap();
            }));
        }
        wg1.wait_blocking();
        for _ in 0..n {
            assert!(
                exited.try_recv().is_err(),
                "a worker got past wg2.wait before wg2.done"
            );
            wg2.done();
        }
        for _ in 0..n {
            exited.recv_blocking().unwrap(); // every worker leaves
        }
        for h in handles {
            h.join().unwrap();
        }
    }
}

/// Go's `TestWaitGroupMisuse`: more `Done` than `Add` panics.
#[test]
#[should_panic(expected = "negative counter")]
fn go_test_wait_group_misuse() {
    let wg = WaitGroup::new();
    wg.add(1);
    wg.done();
    wg.done();
}

#[test]
fn misuse_leaves_the_counter_at_zero() {
    let wg = WaitGroup::new();
    let w = wg.clone();
    let r = thread::spawn(move || w.done()).join();
    assert!(r.is_err(), "done at zero panics");
    wg.wait_blocking(); // still usable, still zero
    wg.add(1);
    wg.done();
    wg.wait_blocking();
}

#[test]
fn zero_counter_is_ready_at_once() {
    let wg = WaitGroup::new();
    wg.wait_blocking();
    futures::executor::block_on(wg.wait());
    assert!(poll_once(&mut wg.wait()).is_ready());
    let wg = WaitGroup::default(); // Go's zero value works too
    wg.wait_blocking();
    wg.add(0); // Go's Add(0) changes nothing
    wg.wait_blocking();
}

#[test]
fn blocking_wait_sees_every_worker_write() {
    let wg = WaitGroup::new();
    let sum = Arc::new(AtomicUsize::new(0));
    for i in 1..=32 {
        wg.add(1);
        let (wg, sum) = (wg.clone(), sum.clone());
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(1));
            // Relaxed: the happens-before edge comes from done -> wait.
            sum.fetch_add(i, Ordering::Relaxed);
            wg.done();
        });
    }
    wg.wait_blocking();
    assert_eq!(sum.load(Ordering::Relaxed), (1..=32).sum());
}

#[test]
fn several_waiters_are_all_released() {
    let wg = WaitGroup::new();
    wg.add(1);
    let waiters: Vec<_> = (0..4)
        .map(|_| {
            let wg = wg.clone();
            thread::spawn(move || wg.wait_blocking())
        })
        .collect();
    thread::sleep(Duration::from_millis(20));
    assert!(
        waiters.iter().all(|h| !h.is_finished()),
        "nobody leaves early"
    );
    wg.done();
    for h in waiters {
        h.join().unwrap();
    }
}

#[test]
fn async_wait_under_futures_executor() {
    let wg = WaitGroup::new();
    let count = Arc::new(AtomicUsize::new(0));
    for _ in 0..8 {
        wg.add(1);
        let (wg, count) = (wg.clone(), count.clone());
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(2));
            count.fetch_add(1, Ordering::Relaxed);
            wg.done();
        });
    }
    futures::executor::block_on(wg.wait());
    assert_eq!(count.load(Ordering::Relaxed), 8);
}

#[test]
fn async_wait_on_a_local_pool_with_async_workers() {
    use futures::executor::LocalPool;
    use futures::task::LocalSpawnExt;

    let mut pool = LocalPool::new();
    let wg = WaitGroup::new();
    let (tx, rx) = gochan::unbounded::<usize>();
    for i in 0..5 {
        wg.add(1);
        let (wg, tx) = (wg.clone(), tx.clone());
        pool.spawner()
            .spawn_local(async move {
                gochan::time::sleep(Duration::from_millis(1)).await;
                tx.send(i).await.unwrap();
                wg.done();
            })
            .unwrap();
    }
    drop(tx);
    pool.run_until(wg.wait());
    let mut got: Vec<usize> = rx.try_iter().collect();
    got.sort_unstable();
    assert_eq!(got, vec![0, 1, 2, 3, 4]);
}

#[test]
fn async_wait_under_tokio_multi_thread() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let wg = WaitGroup::new();
        let count = Arc::new(AtomicUsize::new(0));
        for i in 0..64u64 {
            wg.add(1);
            let (wg, count) = (wg.clone(), count.clone());
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_micros(i * 10)).await;
                count.fetch_add(1, Ordering::Relaxed);
                wg.done();
            });
        }
        wg.wait().await;
        assert_eq!(count.load(Ordering::Relaxed), 64);
    });
}

#[test]
fn async_wait_under_tokio_current_thread() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let wg = WaitGroup::new();
        wg.add(3);
        for _ in 0..3 {
            let wg = wg.clone();
            tokio::spawn(async move {
                tokio::task::yield_now().await;
                wg.done();
            });
        }
        // Several waiters on one task set, all released by the last done.
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let wg = wg.clone();
                tokio::spawn(async move { wg.wait().await })
            })
            .collect();
        wg.wait().await;
        for w in waiters {
            w.await.unwrap();
        }
    });
}

#[test]
fn tokio_task_waits_for_plain_threads() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let wg = WaitGroup::new();
    wg.add(2);
    for _ in 0..2 {
        let wg = wg.clone();
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(5));
            wg.done();
        });
    }
    rt.block_on(wg.wait());
}

#[test]
fn the_counter_is_read_at_the_first_poll() {
    let wg = WaitGroup::new();
    let mut fut = wg.wait(); // not polled yet
    wg.add(1);
    assert!(
        poll_once(&mut fut).is_pending(),
        "the add came before the first poll"
    );
    wg.done();
    assert!(poll_once(&mut fut).is_ready());
}

#[test]
fn a_waiter_of_one_round_is_not_held_by_the_next() {
    let wg = WaitGroup::new();
    wg.add(1);
    let mut first = wg.wait();
    assert!(poll_once(&mut first).is_pending());
    wg.done(); // round 1 ends
    wg.add(1); // round 2 starts before the waiter runs again
    assert!(poll_once(&mut first).is_ready(), "round 1 ended");
    let mut second = wg.wait();
    assert!(poll_once(&mut second).is_pending(), "round 2 is still open");
    wg.done();
    assert!(poll_once(&mut second).is_ready());
}

#[test]
fn dropping_a_pending_wait_changes_nothing() {
    let wg = WaitGroup::new();
    wg.add(1);
    let mut dropped = wg.wait();
    assert!(poll_once(&mut dropped).is_pending());
    drop(dropped);
    let other = {
        let wg = wg.clone();
        thread::spawn(move || wg.wait_blocking())
    };
    thread::sleep(Duration::from_millis(10));
    assert!(!other.is_finished());
    wg.done();
    other.join().unwrap();
}

#[test]
fn reuse_over_many_rounds() {
    let wg = WaitGroup::new();
    for round in 0..200 {
        let n = round % 5 + 1;
        wg.add(n);
        for _ in 0..n {
            let wg = wg.clone();
            thread::spawn(move || wg.done());
        }
        wg.wait_blocking();
    }
}

#[test]
fn debug_shows_the_counter() {
    let wg = WaitGroup::new();
    wg.add(2);
    assert_eq!(format!("{wg:?}"), "WaitGroup { count: 2 }");
    wg.done();
    wg.done();
    assert_eq!(format!("{wg:?}"), "WaitGroup { count: 0 }");
}

#[test]
fn auto_traits() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<WaitGroup>();
    send::<WaitFuture>();
    fn unpin<T: Unpin>() {}
    unpin::<WaitFuture>();
}
