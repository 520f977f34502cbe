//! Timer channels with Go 1.23 semantics (go-reference D): `after`, `tick`, `never`, `Timer`,
//! `Ticker`, `sleep`.
//!
//! Timing tests use generous margins: they assert lower bounds ("not before") freely, and
//! upper bounds only where the slack is a few hundred milliseconds. Tests that count the timer
//! thread's entries (`gochan::time::pending_timers()`, process-wide) take the `TIMERS` lock
//! for writing; every other test that makes timers takes it for reading, so the counts are
//! not disturbed by tests running in parallel.

use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::task::{Context, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

use gochan::time::{pending_timers, sleep, Ticker, Timer};
use gochan::{
    after, bounded, never, select, select_blocking, tick, RecvTimeoutError, TryRecvError,
};

static TIMERS: RwLock<()> = RwLock::new(());

/// For tests that make timers but do not count them.
fn shared() -> RwLockReadGuard<'static, ()> {
    TIMERS.read().unwrap_or_else(|e| e.into_inner())
}

/// For tests that count the timer thread's entries.
fn exclusive() -> RwLockWriteGuard<'static, ()> {
    TIMERS.write().unwrap_or_else(|e| e.into_inner())
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

const HOUR: Duration = Duration::from_secs(3600);
const PATIENCE: Duration = Duration::from_secs(20);

struct Noop;
impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

fn poll_once_is_pending<F: Future>(fut: F) -> bool {
    let waker = Waker::from(Arc::new(Noop));
    let mut cx = Context::from_waker(&waker);
    pin!(fut).poll(&mut cx).is_pending()
}

// ---------------------------------------------------------------------------------------------
// after: the value is the scheduled instant
// ---------------------------------------------------------------------------------------------

/// go-reference D3, D6, D2.4: `after(d)` delivers once, not before `start + d`, and the value
/// is the scheduled instant: not before `start + d`, not after it was received.
#[test]
fn after_delivers_the_scheduled_instant() {
    let _g = shared();
    let start = Instant::now();
    let rx = after(ms(20));
    let at = rx.recv_blocking().expect("a timer channel never closes");
    let received = Instant::now();
    assert!(at >= start + ms(20), "the value is before the deadline");
    assert!(received >= start + ms(20), "delivered early");
    assert!(at <= received);
    // Once only.
    assert_eq!(rx.recv_timeout(ms(50)), Err(RecvTimeoutError::Timeout));

    // The same through a select and in async code.
    let start = Instant::now();
    let at = select_blocking! { recv(after(ms(10))) -> v => v.unwrap() };
    assert!(at >= start + ms(10));
    let start = Instant::now();
    let at = futures::executor::block_on(async { after(ms(10)).recv().await.unwrap() });
    assert!(at >= start + ms(10));

    // Zero fires at once.
    assert!(after(Duration::ZERO).recv_timeout(PATIENCE).is_ok());
}

/// go-reference D2.4 (TestAfterTimes): read long after its deadline, the value is still the
/// scheduled instant, not the time of the read.
#[test]
fn after_value_read_late_is_the_scheduled_instant() {
    let _g = shared();
    let pause = ms(300);
    let start = Instant::now();
    let rx = after(ms(10));
    thread::sleep(pause);
    let at = rx.try_recv().expect("the deadline has passed: ready");
    assert!(at >= start + ms(10));
    assert!(
        at < start + pause,
        "the value is the read time, not the scheduled time"
    );
}

/// go-reference D3: a duration too large to add to now never fires.
#[test]
fn after_huge_duration_never_fires() {
    let _g = shared();
    assert_eq!(
        after(Duration::MAX).recv_timeout(ms(30)),
        Err(RecvTimeoutError::Timeout)
    );
    let t = Timer::new(Duration::MAX);
    assert_eq!(t.receiver().try_recv(), Err(TryRecvError::Empty));
}

// ---------------------------------------------------------------------------------------------
// Nothing left behind (D2.3, G8)
// ---------------------------------------------------------------------------------------------

/// go-reference D2.3 (TestTimerGC), G8: 10,000 `after(1h)` (and as many `tick`, `Timer` and
/// `Ticker`) created and dropped leave the timer thread's entries where they were.
#[test]
fn dropped_timers_leave_nothing_behind() {
    let _g = exclusive();
    let base = pending_timers();
    for _ in 0..10_000 {
        drop(after(HOUR));
    }
    assert_eq!(pending_timers(), base, "after()");
    for _ in 0..10_000 {
        drop(tick(HOUR));
    }
    assert_eq!(pending_timers(), base, "tick()");
    for _ in 0..10_000 {
        drop(Timer::new(HOUR));
    }
    assert_eq!(pending_timers(), base, "Timer::new");
    for _ in 0..10_000 {
        drop(Ticker::new(HOUR));
    }
    assert_eq!(pending_timers(), base, "Ticker::new");
    for _ in 0..10_000 {
        let t = Timer::new(HOUR);
        t.stop();
    }
    assert_eq!(pending_timers(), base, "Timer::new + stop");
    // Kept alive but never waited on: still nothing scheduled at the end.
    let kept: Vec<_> = (0..1000).map(|_| after(HOUR)).collect();
    drop(kept);
    assert_eq!(pending_timers(), base, "kept, then dropped");
}

/// G8: a timer receiver that was waited on (so the timer thread holds an entry for it)
/// removes that entry when it is dropped: a select that waited on `after(1h)` and won another
/// case, a `recv_timeout` that gave up on `after(1h)`, an async select dropped while waiting,
/// and a `Timer` that was waited on and then stopped.
#[test]
fn waited_on_timers_leave_nothing_behind_when_dropped() {
    let _g = exclusive();
    let base = pending_timers();

    // A select that timed out on one after() and won another case. While it waits, the
    // timer thread holds one entry for the after().
    let (tx, rx) = bounded::<i32>(0);
    let selecting = thread::spawn(move || {
        select_blocking! {
            recv(rx) -> v => v,
            recv(after(HOUR)) -> _ => None,
        }
    });
    let deadline = Instant::now() + PATIENCE;
    while pending_timers() != base + 1 {
        assert!(
            Instant::now() < deadline,
            "the waiting select scheduled no timer"
        );
        thread::sleep(ms(1));
    }
    tx.send_blocking(1).unwrap();
    assert_eq!(selecting.join().unwrap(), Some(1));
    assert_eq!(pending_timers(), base, "a select that won another case");

    // A select whose short after() won over a long one.
    let got = select_blocking! {
        recv(after(HOUR)) -> _ => "hour",
        recv(after(ms(10))) -> _ => "short",
    };
    assert_eq!(got, "short");
    assert_eq!(pending_timers(), base, "a select won by another timer");

    // recv_timeout that gave up.
    let long = after(HOUR);
    assert_eq!(long.recv_timeout(ms(10)), Err(RecvTimeoutError::Timeout));
    drop(long);
    assert_eq!(pending_timers(), base, "recv_timeout on after(1h)");

    // An async select dropped while waiting.
    let (_tx2, rx2) = bounded::<i32>(0);
    assert!(poll_once_is_pending(async {
        select! {
            recv(rx2) -> _ => {},
            recv(after(HOUR)) -> _ => {},
        }
    }));
    assert_eq!(pending_timers(), base, "a dropped async select");

    // A Timer waited on, then stopped (and then dropped).
    let t = Timer::new(HOUR);
    assert_eq!(
        t.receiver().recv_timeout(ms(5)),
        Err(RecvTimeoutError::Timeout)
    );
    assert!(t.stop());
    assert_eq!(pending_timers(), base, "a stopped Timer");
    drop(t);
    let t = Timer::new(HOUR);
    assert_eq!(
        t.receiver().recv_timeout(ms(5)),
        Err(RecvTimeoutError::Timeout)
    );
    drop(t);
    assert_eq!(pending_timers(), base, "a dropped Timer");

    // A sleep future polled once and dropped.
    assert!(poll_once_is_pending(sleep(HOUR)));
    assert_eq!(pending_timers(), base, "a dropped sleep");
}

// ---------------------------------------------------------------------------------------------
// Timer::stop / Timer::reset (D4, D5)
// ---------------------------------------------------------------------------------------------

/// go-reference D4.1, D4.3: `stop` on a pending timer returns true; a second `stop` false;
/// afterwards nothing is receivable (and the channel is not closed).
#[test]
fn timer_stop_pending_then_again() {
    let _g = shared();
    let t = Timer::new(ms(30));
    assert!(t.stop(), "stop on a pending timer");
    assert!(!t.stop(), "second stop");
    assert_eq!(
        t.receiver().try_recv(),
        Err(TryRecvError::Empty),
        "not closed, nothing there"
    );
    assert_eq!(
        t.receiver().recv_timeout(ms(80)),
        Err(RecvTimeoutError::Timeout),
        "a stopped timer fired"
    );
}

/// go-reference D4.1, D4.5: `stop` after the value was received returns false, and there is
/// nothing more to receive.
#[test]
fn timer_stop_after_received() {
    let _g = shared();
    let t = Timer::new(ms(5));
    t.receiver().recv_timeout(PATIENCE).expect("fires");
    assert!(!t.stop(), "stop after the value was received");
    assert_eq!(t.receiver().try_recv(), Err(TryRecvError::Empty));
}

/// go-reference D4.2 (tick_test TestChan): the deadline has passed but the value was not
/// received: `stop` returns true, and then no value is receivable (no stale value).
#[test]
fn timer_stop_after_deadline_before_receive() {
    let _g = shared();
    let t = Timer::new(ms(1));
    thread::sleep(ms(20));
    assert!(t.stop(), "the value was not received: stop stops it");
    assert_eq!(
        t.receiver().try_recv(),
        Err(TryRecvError::Empty),
        "stale value after stop"
    );
    assert_eq!(
        t.receiver().recv_timeout(ms(50)),
        Err(RecvTimeoutError::Timeout)
    );
    assert!(!t.stop());
}

/// go-reference D5.1, D5.3: `reset` on a fired timer whose value was received returns false
/// and re-arms it; `reset` on a pending timer returns true and moves its deadline.
#[test]
fn timer_reset_results() {
    let _g = shared();
    let t = Timer::new(ms(5));
    t.receiver().recv_timeout(PATIENCE).expect("fires");
    let reset_at = Instant::now();
    assert!(!t.reset(ms(20)), "reset on a fired and received timer");
    let at = t
        .receiver()
        .recv_timeout(PATIENCE)
        .expect("fires again after reset");
    assert!(at >= reset_at + ms(20), "the re-armed timer fired early");

    let t = Timer::new(HOUR);
    let reset_at = Instant::now();
    assert!(t.reset(ms(10)), "reset on a pending timer");
    let at = t
        .receiver()
        .recv_timeout(PATIENCE)
        .expect("fires at the new deadline");
    assert!(at >= reset_at + ms(10));

    // Reset on a stopped timer: it was not pending.
    let t = Timer::new(HOUR);
    assert!(t.stop());
    assert!(!t.reset(ms(5)), "reset on a stopped timer");
    assert!(
        t.receiver().recv_timeout(PATIENCE).is_ok(),
        "a reset timer fires"
    );
}

/// go-reference D5.2: after `reset` no value of the earlier setting can be received, even if
/// its deadline had passed; `reset` of such a timer returns true (it was running, not received).
#[test]
fn timer_reset_leaves_no_stale_value() {
    let _g = shared();
    let t = Timer::new(ms(1));
    thread::sleep(ms(20));
    assert!(
        t.reset(HOUR),
        "the value was not received: the timer was still running"
    );
    assert_eq!(
        t.receiver().try_recv(),
        Err(TryRecvError::Empty),
        "stale value after reset"
    );
    assert_eq!(
        t.receiver().recv_timeout(ms(50)),
        Err(RecvTimeoutError::Timeout)
    );

    let t = Timer::new(ms(1));
    thread::sleep(ms(20));
    let reset_at = Instant::now();
    assert!(t.reset(ms(30)));
    let at = t
        .receiver()
        .recv_timeout(PATIENCE)
        .expect("fires after the reset");
    assert!(
        at >= reset_at + ms(30),
        "the value of the old setting was delivered"
    );
    assert_eq!(
        t.receiver().recv_timeout(ms(50)),
        Err(RecvTimeoutError::Timeout),
        "twice"
    );
}

// ---------------------------------------------------------------------------------------------
// Ticker (D8)
// ---------------------------------------------------------------------------------------------

/// go-reference D8.2: a receiver that comes back after 5 periods finds exactly one tick
/// waiting (carrying the oldest undelivered scheduled instant), and then ticks resume on the
/// original grid (`first + k·period`).
#[test]
fn ticker_slow_receiver_gets_one_tick_then_the_grid() {
    let _g = shared();
    let period = ms(20);
    let start = Instant::now();
    let t = Ticker::new(period);
    thread::sleep(period * 5);
    let back = Instant::now();
    let first = t.receiver().try_recv().expect("a tick is waiting");
    assert!(first >= start + period);
    assert!(first < back, "the tick carries its scheduled instant");
    // Ticks were dropped, not queued: anything else available now is a new grid instant.
    while let Ok(v) = t.receiver().try_recv() {
        assert!(
            v >= back,
            "a second old tick was queued: {:?} before the return",
            back - v
        );
    }
    let next = t.receiver().recv_timeout(PATIENCE).expect("ticks resume");
    assert!(next >= back, "resumed with an old tick");
    let gap = (next - first).as_nanos();
    assert_eq!(
        gap % period.as_nanos(),
        0,
        "the next tick is off the grid by {gap} ns"
    );
    assert!(next - first >= period * 4, "missed ticks were not dropped");
    let after_next = t.receiver().recv_timeout(PATIENCE).unwrap();
    assert_eq!((after_next - next).as_nanos() % period.as_nanos(), 0);
    assert!(after_next > next);
}

/// go-reference D8.3: after `stop` no tick arrives (within 3 periods), not even one whose
/// instant had passed before the stop.
#[test]
fn ticker_stop_then_no_tick() {
    let _g = shared();
    let period = ms(10);
    let t = Ticker::new(period);
    t.receiver().recv_timeout(PATIENCE).expect("ticks");
    thread::sleep(period * 2); // a tick is due and not received
    t.stop();
    assert_eq!(
        t.receiver().try_recv(),
        Err(TryRecvError::Empty),
        "stale tick after stop"
    );
    assert_eq!(
        t.receiver().recv_timeout(period * 3),
        Err(RecvTimeoutError::Timeout)
    );
}

/// go-reference D8.4: `reset` restarts the ticker with the new period, the next tick `d` after
/// the call, with no stale tick; `reset` on a stopped ticker restarts it.
#[test]
fn ticker_reset() {
    let _g = shared();
    let t = Ticker::new(ms(5));
    thread::sleep(ms(15)); // a tick is due
    let reset_at = Instant::now();
    t.reset(ms(30));
    let v = t
        .receiver()
        .recv_timeout(PATIENCE)
        .expect("ticks after reset");
    assert!(v >= reset_at + ms(30), "a stale tick, or the old period");
    let w = t.receiver().recv_timeout(PATIENCE).unwrap();
    assert!(w > v);
    assert_eq!((w - v).as_nanos() % ms(30).as_nanos(), 0, "the new period");

    t.stop();
    let reset_at = Instant::now();
    t.reset(ms(10));
    let v = t
        .receiver()
        .recv_timeout(PATIENCE)
        .expect("a reset restarts a stopped ticker");
    assert!(v >= reset_at + ms(10));
}

/// go-reference D8.1: a zero period is a bug, as in Go's `NewTicker`.
#[test]
#[should_panic(expected = "period must be positive")]
fn ticker_zero_period_panics() {
    let _ = Ticker::new(Duration::ZERO);
}

/// go-reference D8.5: `tick(0)` is Go's nil channel: it never fires.
#[test]
fn tick_zero_never_fires() {
    let _g = shared();
    let t = tick(Duration::ZERO);
    assert_eq!(t.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(t.recv_timeout(ms(50)), Err(RecvTimeoutError::Timeout));
    let got = select_blocking! {
        recv(t) -> _ => "tick(0)",
        recv(after(ms(20))) -> _ => "after",
    };
    assert_eq!(got, "after");
}

/// `tick(d)` delivers repeatedly on its grid.
#[test]
fn tick_delivers_on_its_grid() {
    let _g = shared();
    let start = Instant::now();
    let t = tick(ms(5));
    let a = t.recv_timeout(PATIENCE).unwrap();
    let b = t.recv_timeout(PATIENCE).unwrap();
    let c = t.recv_timeout(PATIENCE).unwrap();
    assert!(a >= start + ms(5));
    assert!(a < b && b < c);
    assert_eq!((b - a).as_nanos() % ms(5).as_nanos(), 0);
    assert_eq!((c - a).as_nanos() % ms(5).as_nanos(), 0);
}

// ---------------------------------------------------------------------------------------------
// sleep, never, several waiters
// ---------------------------------------------------------------------------------------------

/// go-reference D1: the `sleep` future needs no particular runtime: it works under tokio
/// (current-thread and multi-thread) and `futures::executor`, waits at least `d`, and a zero
/// `d` returns at once.
#[test]
fn sleep_under_several_executors() {
    let _g = shared();
    let d = ms(20);

    let start = Instant::now();
    futures::executor::block_on(sleep(d));
    assert!(start.elapsed() >= d, "futures::executor");

    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let start = Instant::now();
    rt.block_on(sleep(d));
    assert!(start.elapsed() >= d, "tokio current-thread");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let start = Instant::now();
    rt.block_on(async {
        let h = tokio::spawn(async move {
            sleep(d).await;
            Instant::now()
        });
        assert!(h.await.unwrap() >= start + d, "tokio::spawn");
    });

    futures::executor::block_on(sleep(Duration::ZERO));
    // Many concurrent sleeps on one task.
    let start = Instant::now();
    futures::executor::block_on(futures::future::join_all((1..=20).map(|i| sleep(ms(i)))));
    assert!(start.elapsed() >= ms(20));
}

/// go-reference A3 / DESIGN: `never()` never fires, in a select or alone.
#[test]
fn never_never_fires() {
    let _g = shared();
    let got = select_blocking! {
        recv(never::<u8>()) -> _ => "never",
        recv(after(ms(20))) -> _ => "after",
    };
    assert_eq!(got, "after");
    let got = futures::executor::block_on(async {
        select! {
            recv(never::<u8>()) -> _ => "never",
            recv(after(ms(20))) -> _ => "after",
        }
    });
    assert_eq!(got, "after");
    let n = never::<u8>();
    assert_eq!(n.recv_timeout(ms(20)), Err(RecvTimeoutError::Timeout));
    assert!(poll_once_is_pending(n.recv()));
    let d = select_blocking! { recv(n) -> _ => false, default => true };
    assert!(d);
}

/// go-reference D9 (TestMultiWakeupTimer): two threads waiting on one timer's channel (one in
/// a plain receive, one in a select): exactly one of them gets the fire.
#[test]
fn two_waiters_on_one_timer_exactly_one_gets_it() {
    let _g = shared();
    for _ in 0..3 {
        let t = Timer::new(ms(30));
        let (a, b) = thread::scope(|s| {
            let a = s.spawn(|| t.receiver().recv_timeout(ms(300)).ok());
            let b = s.spawn(|| {
                select_blocking! {
                    recv(t.receiver()) -> v => v,
                    recv(after(ms(300))) -> _ => None,
                }
            });
            (a.join().unwrap(), b.join().unwrap())
        });
        assert!(
            a.is_some() != b.is_some(),
            "exactly one waiter gets the fire: {a:?} / {b:?}"
        );
    }
}

/// go-reference D9 (tick_test TestChan "with two goroutines waiting"): `stop` wakes no waiter;
/// two threads blocked on a stopped timer's channel never receive anything.
#[test]
fn stop_wakes_no_waiter() {
    let _g = shared();
    let t = Timer::new(ms(60));
    let (a, b) = thread::scope(|s| {
        let a = s.spawn(|| t.receiver().recv_timeout(ms(200)));
        let b = s.spawn(|| t.receiver().recv_timeout(ms(200)));
        thread::sleep(ms(10));
        assert!(t.stop());
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_eq!(a, Err(RecvTimeoutError::Timeout));
    assert_eq!(b, Err(RecvTimeoutError::Timeout));
}

/// go-reference D9: a ticker's ticks are shared among waiters, each delivered to one of them.
#[test]
fn ticker_ticks_go_to_one_waiter_each() {
    let _g = shared();
    let t = Ticker::new(ms(5));
    let got: Vec<Vec<Instant>> = thread::scope(|s| {
        let hs: Vec<_> = (0..3)
            .map(|_| {
                s.spawn(|| {
                    (0..4)
                        .map(|_| t.receiver().recv_timeout(PATIENCE).unwrap())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut all: Vec<Instant> = got.into_iter().flatten().collect();
    all.sort();
    let n = all.len();
    all.dedup();
    assert_eq!(all.len(), n, "a tick was delivered to two waiters");
}
