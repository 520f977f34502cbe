//! Ports of Go's own `select` tests (go-reference section B).
//!
//! Each test names the Go test or program it follows and the `go-reference.md` items it checks.
//! The tests are rewritten for Rust, not translated line by line: Go's panics are values here
//! (a send case on a closed channel is chosen with the message back in `Err`, B4), and "blocks
//! forever" is checked with a thread (or a future polled once) that must not have finished after
//! a short pause. No test asserts an upper bound on time; iteration counts are scaled down from
//! Go's so that the file runs in a few seconds in a debug build.

use std::cell::Cell;
use std::collections::HashSet;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

use gochan::{
    bounded, select, select_blocking, unbounded, Receiver, RecvTimeoutError, SendError, Sender,
    TryRecvError, TrySendError,
};

/// How long a test waits for something that must happen before it calls it a hang.
const PATIENCE: Duration = Duration::from_secs(20);

/// How long a test waits to see that something that must not happen does not happen.
const SHORT: Duration = Duration::from_millis(50);

/// Polls `cond` until it holds; panics with `what` if it does not within `PATIENCE`.
fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        thread::sleep(Duration::from_millis(1));
    }
}

/// Joins `handles`, but turns a hang (deadlock) into a test failure instead of a stuck test.
fn join_all_or_deadlock<R: Send + 'static>(
    what: &str,
    handles: Vec<thread::JoinHandle<R>>,
) -> Vec<R> {
    let (done_tx, done_rx) = unbounded::<()>();
    let watchers: Vec<_> = handles
        .into_iter()
        .map(|h| {
            let done_tx = done_tx.clone();
            thread::spawn(move || {
                let r = h.join();
                let _ = done_tx.send_blocking(());
                r
            })
        })
        .collect();
    drop(done_tx);
    for _ in 0..watchers.len() {
        match done_rx.recv_timeout(PATIENCE) {
            Ok(()) => {}
            Err(e) => panic!("{what}: a thread did not finish (deadlock?): {e:?}"),
        }
    }
    watchers
        .into_iter()
        .map(|w| match w.join().unwrap() {
            Ok(r) => r,
            Err(p) => std::panic::resume_unwind(p),
        })
        .collect()
}

/// A waker that nobody listens to.
struct Noop;
impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

/// Polls `fut` once; `true` if it completed.
fn completes_on_first_poll<F: Future>(fut: F) -> bool {
    let waker = Waker::from(Arc::new(Noop));
    let mut cx = Context::from_waker(&waker);
    let fut = pin!(fut);
    fut.poll(&mut cx).is_ready()
}

/// Runs `f` on a thread and checks that it has not finished after `SHORT`: Go's
/// `testBlock(always, f)` from test/chan/select3.go. The thread is left parked.
fn blocks_forever(what: &str, f: impl FnOnce() + Send + 'static) {
    let (done_tx, done_rx) = bounded::<()>(1);
    thread::spawn(move || {
        f();
        let _ = done_tx.send_blocking(());
    });
    assert_eq!(
        done_rx.recv_timeout(SHORT),
        Err(RecvTimeoutError::Timeout),
        "{what}: should block forever"
    );
}

/// Runs `f` on a thread and checks that it finishes: Go's `testBlock(never, f)`.
fn never_blocks(what: &str, f: impl FnOnce() + Send + 'static) {
    let (done_tx, done_rx) = bounded::<()>(1);
    thread::spawn(move || {
        f();
        let _ = done_tx.send_blocking(());
    });
    assert_eq!(
        done_rx.recv_timeout(PATIENCE),
        Ok(()),
        "{what}: should not block"
    );
}

// ---------------------------------------------------------------------------------------------
// runtime/chan_test.go
// ---------------------------------------------------------------------------------------------

/// Go: runtime/chan_test.go TestSelfSelect (go-reference B8.1, B8.2).
///
/// Two threads each run 1000 selects mixing a send and a receive on one channel (half of the
/// second thread's selects list the cases the other way round, here with `biased;` so that the
/// source order matters). On the unbuffered channel every received value comes from the other
/// thread; on the buffered one receiving one's own value is legal (B8.2). Nothing deadlocks.
#[test]
fn self_select() {
    for cap in [0usize, 10] {
        let (tx, rx) = bounded::<usize>(cap);
        let handles = (0..2usize)
            .map(|p| {
                let (tx, rx) = (tx.clone(), rx.clone());
                thread::spawn(move || {
                    for i in 0..1000 {
                        let got = if p == 0 || i % 2 == 0 {
                            select_blocking! {
                                send(tx, p) -> r => { r.unwrap(); None },
                                recv(rx) -> v => v,
                            }
                        } else {
                            select_blocking! {
                                biased;
                                recv(rx) -> v => v,
                                send(tx, p) -> r => { r.unwrap(); None },
                            }
                        };
                        if let Some(v) = got {
                            assert!(
                                cap != 0 || v != p,
                                "cap {cap}: thread {p} received its own value in iteration {i}"
                            );
                        }
                    }
                })
            })
            .collect();
        join_all_or_deadlock(&format!("self_select cap {cap}"), handles);
    }
}

/// Go: runtime/chan_test.go TestSelectStress, scaled from 100,000 to 1,000 values per sender
/// (go-reference B9, B2.2).
///
/// Four channels (two unbuffered, capacity 2 and 3). On each: one thread sends N values, one
/// receives N; one thread sends N values on each channel through a single 4-case send select,
/// and one receives N from each through a single 4-case receive select, dropping a channel's
/// case (Go's nil channel, here `None`) once its N are done. Counts and sums must be exact and
/// nothing may deadlock.
#[test]
fn select_stress() {
    const N: u64 = 1000;
    let chans: Vec<(Sender<u64>, Receiver<u64>)> =
        vec![bounded(0), bounded(0), bounded(2), bounded(3)];
    let received_sum = Arc::new((0..4).map(|_| AtomicUsize::new(0)).collect::<Vec<_>>());
    let received_count = Arc::new((0..4).map(|_| AtomicUsize::new(0)).collect::<Vec<_>>());
    let mut handles = Vec::new();
    for (k, (tx, rx)) in chans.iter().enumerate() {
        let tx = tx.clone();
        handles.push(thread::spawn(move || {
            for i in 0..N {
                tx.send_blocking(i).unwrap();
            }
        }));
        let rx = rx.clone();
        let (sum, count) = (received_sum.clone(), received_count.clone());
        handles.push(thread::spawn(move || {
            for _ in 0..N {
                let v = rx.recv_blocking().unwrap();
                sum[k].fetch_add(v as usize, Ordering::Relaxed);
                count[k].fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    {
        let txs: Vec<Sender<u64>> = chans.iter().map(|c| c.0.clone()).collect();
        handles.push(thread::spawn(move || {
            let mut n = [0u64; 4];
            let mut live: Vec<Option<&Sender<u64>>> = txs.iter().map(Some).collect();
            for _ in 0..4 * N {
                let k = select_blocking! {
                    send(live[3], n[3]) -> r => { r.unwrap(); 3 },
                    send(live[2], n[2]) -> r => { r.unwrap(); 2 },
                    send(live[1], n[1]) -> r => { r.unwrap(); 1 },
                    send(live[0], n[0]) -> r => { r.unwrap(); 0 },
                };
                n[k] += 1;
                if n[k] == N {
                    live[k] = None;
                }
            }
            assert_eq!(n, [N; 4]);
        }));
    }
    {
        let rxs: Vec<Receiver<u64>> = chans.iter().map(|c| c.1.clone()).collect();
        let (sum, count) = (received_sum.clone(), received_count.clone());
        handles.push(thread::spawn(move || {
            let mut n = [0u64; 4];
            let mut live: Vec<Option<&Receiver<u64>>> = rxs.iter().map(Some).collect();
            for _ in 0..4 * N {
                let (k, v) = select_blocking! {
                    recv(live[0]) -> v => (0, v),
                    recv(live[1]) -> v => (1, v),
                    recv(live[2]) -> v => (2, v),
                    recv(live[3]) -> v => (3, v),
                };
                let v = v.expect("no channel is closed");
                sum[k].fetch_add(v as usize, Ordering::Relaxed);
                count[k].fetch_add(1, Ordering::Relaxed);
                n[k] += 1;
                if n[k] == N {
                    live[k] = None;
                }
            }
            assert_eq!(n, [N; 4]);
        }));
    }
    join_all_or_deadlock("select_stress", handles);
    let per_sender_sum = (N * (N - 1) / 2) as usize;
    for (k, (_, rx)) in chans.iter().enumerate() {
        assert_eq!(
            received_count[k].load(Ordering::Relaxed),
            2 * N as usize,
            "channel {k}"
        );
        assert_eq!(
            received_sum[k].load(Ordering::Relaxed),
            2 * per_sender_sum,
            "channel {k}"
        );
        assert_eq!(
            rx.try_recv(),
            Err(TryRecvError::Empty),
            "channel {k} has leftovers"
        );
    }
}

/// Go: runtime/chan_test.go TestSelectFairness (go-reference B2.1, B11.1).
///
/// A 4-case select where two cases (buffered channels holding enough values) are always ready
/// and two (unbuffered channels nobody sends on) never are. Over 10,000 selects the count for
/// one ready case must be within 10σ = 500 of 5,000 (Go 1.22+'s bound). Go runs the select on
/// a second goroutine and ships the results over a channel; the distribution is the same on
/// one thread.
#[test]
fn select_fairness() {
    const TRIALS: usize = 10_000;
    let (c1_tx, c1) = bounded::<u8>(TRIALS + 1);
    let (c2_tx, c2) = bounded::<u8>(TRIALS + 1);
    for _ in 0..TRIALS + 1 {
        c1_tx.try_send(1).unwrap();
        c2_tx.try_send(2).unwrap();
    }
    let (_c3_tx, c3) = bounded::<u8>(0);
    let (_c4_tx, c4) = bounded::<u8>(0);
    let (mut cnt1, mut cnt2) = (0usize, 0usize);
    for _ in 0..TRIALS {
        let b = select_blocking! {
            recv(c3) -> v => v,
            recv(c4) -> v => v,
            recv(c1) -> v => v,
            recv(c2) -> v => v,
        };
        match b {
            Some(1) => cnt1 += 1,
            Some(2) => cnt2 += 1,
            other => panic!("unexpected select result {other:?}"),
        }
    }
    assert_eq!(cnt1 + cnt2, TRIALS);
    assert!(
        cnt1.abs_diff(TRIALS / 2) <= 500,
        "unfair select: {cnt1} vs {cnt2} over {TRIALS} trials"
    );
}

/// Go: runtime/chan_test.go TestPseudoRandomSend (go-reference B7.2, B11.2).
///
/// `select { send(c, 1), send(c, 0) }` 100 times: both values must be chosen more than 10
/// times, on an unbuffered channel (a receiver thread takes the values) and on one of
/// capacity 100.
#[test]
fn pseudo_random_send() {
    const N: usize = 100;
    for cap in [0, N] {
        let (tx, rx) = bounded::<usize>(cap);
        let receiver = thread::spawn(move || {
            (0..N)
                .map(|_| {
                    thread::yield_now();
                    rx.recv_blocking().unwrap()
                })
                .collect::<Vec<_>>()
        });
        for _ in 0..N {
            select_blocking! {
                send(tx, 1) -> r => r.unwrap(),
                send(tx, 0) -> r => r.unwrap(),
            }
        }
        let got = join_all_or_deadlock("pseudo_random_send", vec![receiver]).remove(0);
        let ones = got.iter().filter(|&&v| v == 1).count();
        let zeros = got.iter().filter(|&&v| v == 0).count();
        assert_eq!(ones + zeros, N);
        assert!(
            zeros > N / 10 && ones > N / 10,
            "want pseudo-random, got {zeros} zeros and {ones} ones (cap {cap})"
        );
    }
}

/// Go: runtime/chan_test.go TestSelectDuplicateChannel (go-reference B7.1, B10.7).
///
/// Thread A waits in `select { recv(c), recv(c), recv(d) }`, so it is queued twice on `c`;
/// thread B then waits in a plain `recv` on `c`. A send on `d` wakes A, which must take both of
/// its records off `c` cleanly: a later send on `c` then goes to B. (Go sleeps to order the
/// threads; here the test waits until the blocked-receiver counts say they are queued.)
#[test]
fn select_duplicate_channel() {
    let (c_tx, c) = bounded::<i32>(0);
    let (d_tx, d) = bounded::<i32>(0);
    let (e_tx, e) = bounded::<i32>(0);

    let a = {
        let (c, d) = (c.clone(), d.clone());
        thread::spawn(move || {
            let got = select_blocking! {
                recv(c) -> v => ("c", v),
                recv(c) -> v => ("c", v),
                recv(d) -> v => ("d", v),
            };
            e_tx.send_blocking(9).unwrap();
            got
        })
    };
    wait_until("A is queued on c and d", || {
        c.blocked_receivers() >= 1 && d.blocked_receivers() == 1
    });
    let queued_by_a = c.blocked_receivers();

    let b = {
        let c = c.clone();
        thread::spawn(move || c.recv_blocking())
    };
    wait_until("B is queued on c", || c.blocked_receivers() > queued_by_a);

    d_tx.send_blocking(7).unwrap(); // wakes A, which dequeues itself from c
    assert_eq!(e.recv_timeout(PATIENCE), Ok(9), "A tells us it is done");
    assert_eq!(c.blocked_receivers(), 1, "only B is left queued on c");
    c_tx.send_blocking(8).unwrap(); // must wake B, not a stale record of A
    assert_eq!(a.join().unwrap(), ("d", Some(7)));
    assert_eq!(b.join().unwrap(), Some(8));
    assert_eq!(c.blocked_receivers(), 0);
    assert_eq!(d.blocked_receivers(), 0);
}

/// Go: runtime/chan_test.go TestNonblockSelectRace (go-reference A9.1, B3.4, G4).
///
/// `c1` holds a value; concurrently, the main thread fills `c2` and then drains `c1`. At every
/// instant one of the two is ready, so a select over both with `default` must never take
/// `default`.
#[test]
fn nonblock_select_race() {
    for i in 0..3000 {
        let (c1_tx, c1) = bounded::<i32>(1);
        let (c2_tx, c2) = bounded::<i32>(1);
        c1_tx.try_send(1).unwrap();
        let (c1b, c2b) = (c1.clone(), c2.clone());
        let t = thread::spawn(move || {
            select_blocking! {
                recv(c1b) -> _ => true,
                recv(c2b) -> _ => true,
                default => false,
            }
        });
        c2_tx.send_blocking(1).unwrap();
        select_blocking! {
            recv(c1) -> _ => {},
            default => {},
        }
        assert!(
            t.join().unwrap(),
            "iteration {i}: no channel was ready (default taken)"
        );
    }
}

/// Go: runtime/chan_test.go TestNonblockSelectRace2 (go-reference A9.1, B3.4, G4).
///
/// As [`nonblock_select_race`], but `c2` is closed instead of filled: a closed channel is
/// ready to receive from, so `default` must never be taken.
#[test]
fn nonblock_select_race2() {
    for i in 0..3000 {
        let (c1_tx, c1) = bounded::<i32>(1);
        let (c2_tx, c2) = bounded::<i32>(0);
        c1_tx.try_send(1).unwrap();
        let (c1b, c2b) = (c1.clone(), c2.clone());
        let t = thread::spawn(move || {
            select_blocking! {
                recv(c1b) -> _ => true,
                recv(c2b) -> _ => true,
                default => false,
            }
        });
        assert!(c2_tx.close());
        select_blocking! {
            recv(c1) -> _ => {},
            default => {},
        }
        assert!(
            t.join().unwrap(),
            "iteration {i}: no channel was ready (default taken)"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// test/chan/select3.go: degenerate selects
// ---------------------------------------------------------------------------------------------

/// Go: test/chan/select3.go, "select {}" blocks forever (go-reference B6.1), in both forms.
#[test]
fn select3_empty_select_blocks_forever() {
    blocks_forever("select_blocking! {}", || select_blocking! {});
    assert!(!completes_on_first_poll(async {
        select! {}
    }));
}

/// Go: test/chan/select3.go: a select whose only cases use nil channels, and no default,
/// blocks forever: nil receive, nil send, and both (go-reference A3.4, B6.2).
#[test]
fn select3_only_nil_cases_block_forever() {
    let nil_rx: Option<&Receiver<i32>> = None;
    let nil_tx: Option<&Sender<i32>> = None;
    blocks_forever("nil recv", || {
        let nil_rx: Option<&Receiver<i32>> = None;
        select_blocking! { recv(nil_rx) -> _ => {} }
    });
    blocks_forever("nil send", || {
        let nil_tx: Option<&Sender<i32>> = None;
        select_blocking! { send(nil_tx, 1) -> _ => {} }
    });
    blocks_forever("nil send and recv", || {
        let (nil_rx, nil_tx): (Option<&Receiver<i32>>, Option<&Sender<i32>>) = (None, None);
        select_blocking! {
            recv(nil_rx) -> _ => {},
            send(nil_tx, 1) -> _ => {},
        }
    });
    assert!(!completes_on_first_poll(async {
        select! {
            recv(nil_rx) -> _ => {},
            send(nil_tx, 1) -> _ => {},
        }
    }));
    // `never()` is a nil receiver too.
    blocks_forever("never()", || {
        select_blocking! { recv(gochan::never::<i32>()) -> _ => {} }
    });
}

/// Go: test/chan/select3.go, "select should not get confused if it sees itself": a lone
/// thread selecting on a send and a receive of one unbuffered channel blocks forever
/// (go-reference B8.1).
#[test]
fn select3_select_does_not_communicate_with_itself() {
    blocks_forever("send and recv on one unbuffered channel", || {
        let (tx, rx) = bounded::<i32>(0);
        select_blocking! {
            send(tx, 1) -> _ => {},
            recv(rx) -> _ => {},
        }
    });
    let (tx, rx) = bounded::<i32>(0);
    assert!(!completes_on_first_poll(async {
        select! {
            send(tx, 1) -> _ => {},
            recv(rx) -> _ => {},
        }
    }));
}

/// Go: test/chan/select3.go: selects that must not block: a receive on a closed channel, a
/// select with `default` over channels that are not ready, and a select with only `default`
/// (go-reference B5, A5.3).
#[test]
fn select3_selects_that_never_block() {
    never_blocks("recv on a closed channel", || {
        let (tx, rx) = bounded::<i32>(0);
        tx.close();
        let v = select_blocking! { recv(rx) -> v => v };
        assert_eq!(v, None);
    });
    never_blocks("default over not-ready channels", || {
        let (tx, rx) = bounded::<i32>(0);
        let taken = select_blocking! {
            send(tx, 1) -> _ => "send",
            recv(rx) -> _ => "recv",
            default => "default",
        };
        assert_eq!(taken, "default");
    });
    never_blocks("default over nil channels", || {
        let (nil_rx, nil_tx): (Option<&Receiver<i32>>, Option<&Sender<i32>>) = (None, None);
        let taken = select_blocking! {
            send(nil_tx, 1) -> _ => "send",
            recv(nil_rx) -> _ => "recv",
            default => "default",
        };
        assert_eq!(taken, "default");
    });
    // `select { default: }` returns at once, in both forms.
    assert_eq!(select_blocking! { default => 7 }, 7);
    assert!(completes_on_first_poll(async {
        select! { default => {} }
    }));
}

/// Go: test/chan/select3.go and test/closedchan.go: a one-case select with `default` is the
/// non-blocking operation, and a one-case select without `default` the plain one
/// (go-reference B6.3). Checked against `try_recv`/`try_send` on empty, ready, full and
/// closed channels.
#[test]
fn select3_one_case_select_is_the_plain_operation() {
    fn sel_try_recv(rx: &Receiver<i32>) -> Result<i32, TryRecvError> {
        select_blocking! {
            recv(rx) -> v => v.ok_or(TryRecvError::Closed),
            default => Err(TryRecvError::Empty),
        }
    }
    fn sel_try_send(tx: &Sender<i32>, v: i32) -> Result<(), TrySendError<i32>> {
        select_blocking! {
            send(tx, v) -> r => r.map_err(|SendError(m)| TrySendError::Closed(m)),
            default => Err(TrySendError::Full(v)),
        }
    }
    for cap in [0usize, 1, 3] {
        let (tx, rx) = bounded::<i32>(cap);
        let (tx2, rx2) = bounded::<i32>(cap);
        // Empty.
        assert_eq!(sel_try_recv(&rx), Err(TryRecvError::Empty));
        assert_eq!(rx2.try_recv(), Err(TryRecvError::Empty));
        // Fill to capacity; one more is Full either way.
        for i in 0..cap as i32 {
            assert_eq!(sel_try_send(&tx, i), Ok(()));
            assert_eq!(tx2.try_send(i), Ok(()));
        }
        assert_eq!(sel_try_send(&tx, 99), Err(TrySendError::Full(99)));
        assert_eq!(tx2.try_send(99), Err(TrySendError::Full(99)));
        // Ready.
        for i in 0..cap as i32 {
            assert_eq!(sel_try_recv(&rx), Ok(i));
            assert_eq!(rx2.try_recv(), Ok(i));
        }
        // One-case blocking select = plain receive: gets a value from another thread.
        let t = {
            let tx = tx.clone();
            thread::spawn(move || tx.send_blocking(5).unwrap())
        };
        assert_eq!(select_blocking! { recv(rx) -> v => v }, Some(5));
        t.join().unwrap();
        // Closed: receive succeeds with None; send fails with the message back.
        tx.close();
        tx2.close();
        assert_eq!(sel_try_recv(&rx), Err(TryRecvError::Closed));
        assert_eq!(rx2.try_recv(), Err(TryRecvError::Closed));
        assert_eq!(sel_try_send(&tx, 3), Err(TrySendError::Closed(3)));
        assert_eq!(tx2.try_send(3), Err(TrySendError::Closed(3)));
        assert_eq!(select_blocking! { recv(rx) -> v => v }, None);
    }
}

// ---------------------------------------------------------------------------------------------
// test/chan/doubleselect.go
// ---------------------------------------------------------------------------------------------

/// Go: test/chan/doubleselect.go (go-reference B2.2, B10.8): a sender puts each counter value
/// through a 4-way send select over four unbuffered channels; four muxes forward what they get
/// onto one channel; the receiver checks that no value arrives twice (and, here, that none is
/// lost). Scaled from 100,000 values to 5,000.
#[test]
fn doubleselect_no_value_arrives_twice() {
    const N: u32 = 5000;
    let chans: Vec<(Sender<u32>, Receiver<u32>)> = (0..4).map(|_| bounded(0)).collect();
    let (mux_tx, mux_rx) = bounded::<u32>(0);
    let mut handles = Vec::new();
    {
        let txs: Vec<Sender<u32>> = chans.iter().map(|c| c.0.clone()).collect();
        handles.push(thread::spawn(move || {
            for i in 0..N {
                select_blocking! {
                    send(txs[0], i) -> r => r.unwrap(),
                    send(txs[1], i) -> r => r.unwrap(),
                    send(txs[2], i) -> r => r.unwrap(),
                    send(txs[3], i) -> r => r.unwrap(),
                }
            }
            // Dropping the senders closes the four channels (Go's deferred closes).
        }));
    }
    for (_, rx) in &chans {
        let rx = rx.clone();
        let out = mux_tx.clone();
        handles.push(thread::spawn(move || {
            for v in rx.iter() {
                out.send_blocking(v).unwrap();
            }
        }));
    }
    drop(chans);
    drop(mux_tx);
    let receiver = thread::spawn(move || {
        let mut seen = HashSet::new();
        for v in mux_rx.iter() {
            assert!(seen.insert(v), "got duplicate value {v}");
        }
        seen.len()
    });
    join_all_or_deadlock("doubleselect", handles);
    let seen = join_all_or_deadlock("doubleselect receiver", vec![receiver]).remove(0);
    assert_eq!(seen, N as usize, "values were lost");
}

// ---------------------------------------------------------------------------------------------
// test/ken/chan.go: send/select meshes
// ---------------------------------------------------------------------------------------------

/// Messages per channel in the ken meshes (Go sends 76 per channel).
const KEN_MESSAGES: u32 = 100;

/// What one side of a ken mesh did: messages sent and received.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Tally {
    sent: u32,
    received: u32,
}

fn ken_value(chan_id: u32, seq: u32) -> u32 {
    chan_id * 1000 + seq
}

/// Checks that `v` is the next value expected on channel `chan_id` (one sender per channel, so
/// values arrive in order, G1) and returns the next expected sequence number.
fn ken_expect(chan_id: u32, expected_seq: u32, v: Option<u32>) -> u32 {
    let v = v.unwrap_or_else(|| panic!("channel {chan_id} closed early"));
    assert_eq!(
        v,
        ken_value(chan_id, expected_seq),
        "channel {chan_id}: got {v}, expected seq {expected_seq}"
    );
    expected_seq + 1
}

type Chan = (u32, Sender<u32>, Receiver<u32>);

/// Go's `send(c)`: a plain sender of the channel's values.
fn ken_send(c: &Chan) -> thread::JoinHandle<Tally> {
    let (id, tx) = (c.0, c.1.clone());
    thread::spawn(move || {
        for seq in 0..KEN_MESSAGES {
            tx.send_blocking(ken_value(id, seq)).unwrap();
        }
        Tally {
            sent: KEN_MESSAGES,
            received: 0,
        }
    })
}

/// Go's `recv(c)`: a plain receiver that checks the channel's values.
fn ken_recv(c: &Chan) -> thread::JoinHandle<Tally> {
    let (id, rx) = (c.0, c.2.clone());
    thread::spawn(move || {
        let mut seq = 0;
        while seq < KEN_MESSAGES {
            seq = ken_expect(id, seq, rx.recv_blocking());
        }
        Tally {
            sent: 0,
            received: KEN_MESSAGES,
        }
    })
}

/// Go's `sel(r0..r3, s0..s3)`: one 8-case select loop receiving on up to four channels and
/// sending on up to four, dropping a case (Go's nil channel) once its channel is done.
fn ken_sel(recvs: [Option<&Chan>; 4], sends: [Option<&Chan>; 4]) -> thread::JoinHandle<Tally> {
    let recvs: Vec<Option<(u32, Receiver<u32>)>> = recvs
        .iter()
        .map(|c| c.map(|c| (c.0, c.2.clone())))
        .collect();
    let sends: Vec<Option<(u32, Sender<u32>)>> = sends
        .iter()
        .map(|c| c.map(|c| (c.0, c.1.clone())))
        .collect();
    thread::spawn(move || {
        enum Act {
            Recv(usize, Option<u32>),
            Sent(usize),
        }
        let mut r: Vec<Option<&Receiver<u32>>> =
            recvs.iter().map(|c| c.as_ref().map(|c| &c.1)).collect();
        let mut s: Vec<Option<&Sender<u32>>> =
            sends.iter().map(|c| c.as_ref().map(|c| &c.1)).collect();
        let rid: Vec<u32> = recvs
            .iter()
            .map(|c| c.as_ref().map_or(0, |c| c.0))
            .collect();
        let sid: Vec<u32> = sends
            .iter()
            .map(|c| c.as_ref().map_or(0, |c| c.0))
            .collect();
        let mut rseq = [0u32; 4];
        let mut sseq = [0u32; 4];
        let mut tally = Tally::default();
        while r.iter().any(Option::is_some) || s.iter().any(Option::is_some) {
            let act = select_blocking! {
                recv(r[0]) -> v => Act::Recv(0, v),
                recv(r[1]) -> v => Act::Recv(1, v),
                recv(r[2]) -> v => Act::Recv(2, v),
                recv(r[3]) -> v => Act::Recv(3, v),
                send(s[0], ken_value(sid[0], sseq[0])) -> res => { res.unwrap(); Act::Sent(0) },
                send(s[1], ken_value(sid[1], sseq[1])) -> res => { res.unwrap(); Act::Sent(1) },
                send(s[2], ken_value(sid[2], sseq[2])) -> res => { res.unwrap(); Act::Sent(2) },
                send(s[3], ken_value(sid[3], sseq[3])) -> res => { res.unwrap(); Act::Sent(3) },
            };
            match act {
                Act::Recv(k, v) => {
                    rseq[k] = ken_expect(rid[k], rseq[k], v);
                    tally.received += 1;
                    if rseq[k] == KEN_MESSAGES {
                        r[k] = None;
                    }
                }
                Act::Sent(k) => {
                    sseq[k] += 1;
                    tally.sent += 1;
                    if sseq[k] == KEN_MESSAGES {
                        s[k] = None;
                    }
                }
            }
        }
        tally
    })
}

fn ken_chans(cap: usize, n: u32) -> Vec<Chan> {
    (0..n)
        .map(|id| {
            let (tx, rx) = bounded(cap);
            (id, tx, rx)
        })
        .collect()
}

fn ken_check(name: &str, cap: usize, chans: usize, handles: Vec<thread::JoinHandle<Tally>>) {
    let tallies = join_all_or_deadlock(&format!("ken {name} cap {cap}"), handles);
    let sent: u32 = tallies.iter().map(|t| t.sent).sum();
    let received: u32 = tallies.iter().map(|t| t.received).sum();
    let want = KEN_MESSAGES * chans as u32;
    assert_eq!(
        (sent, received),
        (want, want),
        "ken {name} cap {cap}: totals"
    );
}

/// Go: test/ken/chan.go test2 to test6 (go-reference B9, G1): direct send to select receive,
/// select send to direct receive, select send to select receive, a mesh of two selects each
/// sending on four channels and receiving on four, and a mix of plain and select ends over
/// twelve channels; for capacities 0, 1, 10 and 100. Each channel has one sender and one
/// receiver, so its values must arrive in order; the totals must match exactly.
#[test]
fn ken_chan_meshes() {
    for cap in [0usize, 1, 10, 100] {
        // test2: direct send to select recv.
        let ca = ken_chans(cap, 4);
        let mut h: Vec<_> = ca.iter().map(ken_send).collect();
        h.push(ken_sel(
            [Some(&ca[0]), Some(&ca[1]), Some(&ca[2]), Some(&ca[3])],
            [None; 4],
        ));
        ken_check("test2", cap, 4, h);

        // test3: select send to direct recv.
        let ca = ken_chans(cap, 4);
        let mut h: Vec<_> = ca.iter().map(ken_recv).collect();
        h.push(ken_sel(
            [None; 4],
            [Some(&ca[0]), Some(&ca[1]), Some(&ca[2]), Some(&ca[3])],
        ));
        ken_check("test3", cap, 4, h);

        // test4: select send to select recv.
        let ca = ken_chans(cap, 4);
        let all = [Some(&ca[0]), Some(&ca[1]), Some(&ca[2]), Some(&ca[3])];
        let h = vec![ken_sel([None; 4], all), ken_sel(all, [None; 4])];
        ken_check("test4", cap, 4, h);

        // test5: two selects, each sending on four channels and receiving on four.
        let ca = ken_chans(cap, 8);
        let c = |i: usize| Some(&ca[i]);
        let h = vec![
            ken_sel([c(4), c(5), c(6), c(7)], [c(0), c(1), c(2), c(3)]),
            ken_sel([c(0), c(1), c(2), c(3)], [c(4), c(5), c(6), c(7)]),
        ];
        ken_check("test5", cap, 8, h);

        // test6: plain senders on 4..8, plain receivers on 8..12, selects in between.
        let ca = ken_chans(cap, 12);
        let c = |i: usize| Some(&ca[i]);
        let mut h: Vec<_> = ca[4..8].iter().map(ken_send).collect();
        h.extend(ca[8..12].iter().map(ken_recv));
        h.push(ken_sel([c(4), c(5), c(6), c(7)], [c(0), c(1), c(2), c(3)]));
        h.push(ken_sel(
            [c(0), c(1), c(2), c(3)],
            [c(8), c(9), c(10), c(11)],
        ));
        ken_check("test6", cap, 12, h);
    }
}

// ---------------------------------------------------------------------------------------------
// B1.1: evaluation order
// ---------------------------------------------------------------------------------------------

/// Records that the expression numbered `want` is evaluated now, exactly once and after all
/// the ones before it, and passes `v` through.
fn step<T>(counter: &Cell<usize>, want: usize, v: T) -> T {
    assert_eq!(
        counter.get(),
        want,
        "expression {want} evaluated out of order or more than once"
    );
    counter.set(want + 1);
    v
}

/// Go: the spec, test/chan/select.go and select5.go "sendOrder/recvOrder" (go-reference
/// B1.1): every channel operand and every message is evaluated exactly once, in source order
/// (the channel of a send case before its message), for nil cases too, and even when
/// `default` is taken. Messages of send cases that were not chosen are not delivered.
#[test]
fn evaluation_order_when_default_is_taken() {
    let (t1, r1) = bounded::<i32>(0); // no receiver: not ready
    let (_t2, r2) = bounded::<i32>(0); // no sender: not ready
    let nil_tx: Option<&Sender<i32>> = None;
    let nil_rx: Option<&Receiver<i32>> = None;
    let n = Cell::new(0);
    let taken = select_blocking! {
        send(step(&n, 0, &t1), step(&n, 1, 10)) -> _ => "send t1",
        recv(step(&n, 2, &r2)) -> _ => "recv r2",
        send(step(&n, 3, nil_tx), step(&n, 4, 30)) -> _ => "send nil",
        recv(step(&n, 5, nil_rx)) -> _ => "recv nil",
        default => "default",
    };
    assert_eq!(taken, "default");
    assert_eq!(n.get(), 6, "every case expression was evaluated once");
    assert_eq!(
        r1.try_recv(),
        Err(TryRecvError::Empty),
        "the unchosen message stayed put"
    );
}

/// B1.1 when a case is chosen at once, and when the select has to wait for another thread
/// (its retries must not evaluate anything again); and in the async form.
#[test]
fn evaluation_order_when_a_case_is_chosen() {
    let (t1, r1) = bounded::<i32>(1);
    let (t2, r2) = bounded::<i32>(1);
    t2.try_send(20).unwrap();
    let nil_rx: Option<&Receiver<i32>> = None;

    // Ready at once: the receive on r2 or the send on t1.
    let n = Cell::new(0);
    let taken = select_blocking! {
        recv(step(&n, 0, nil_rx)) -> _ => "nil",
        send(step(&n, 1, &t1), step(&n, 2, 10)) -> r => { r.unwrap(); "send" },
        recv(step(&n, 3, &r2)) -> v => { assert_eq!(v, Some(20)); "recv" },
    };
    assert_eq!(n.get(), 4);
    match taken {
        "send" => {
            assert_eq!(r1.try_recv(), Ok(10));
            assert_eq!(r2.try_recv(), Ok(20), "the unchosen receive took nothing");
        }
        "recv" => assert_eq!(r1.try_recv(), Err(TryRecvError::Empty), "unchosen send"),
        other => panic!("chose {other}"),
    }

    // Waiting: nothing is ready until another thread sends on r2.
    let (t3, r3) = bounded::<i32>(0);
    let (t4, _r4) = bounded::<i32>(0);
    let n = Cell::new(0);
    let sender = thread::spawn(move || {
        thread::sleep(Duration::from_millis(10));
        t3.send_blocking(3).unwrap();
    });
    let got = select_blocking! {
        send(step(&n, 0, &t4), step(&n, 1, 40)) -> _ => None,
        recv(step(&n, 2, &r3)) -> v => v,
    };
    assert_eq!(got, Some(3));
    assert_eq!(n.get(), 3);
    sender.join().unwrap();

    // Async form, default taken (r3 is closed now: its sender is gone; use fresh channels).
    let n = Cell::new(0);
    let (_t6, r6) = bounded::<i32>(0);
    let (t5, _r5) = bounded::<i32>(0);
    let taken = futures::executor::block_on(async {
        select! {
            recv(step(&n, 0, &r6)) -> _ => "recv",
            send(step(&n, 1, &t5), step(&n, 2, 50)) -> _ => "send",
            default => "default",
        }
    });
    assert_eq!(taken, "default");
    assert_eq!(n.get(), 3);
}

// ---------------------------------------------------------------------------------------------
// B4: send case on a closed channel
// ---------------------------------------------------------------------------------------------

/// Go: the spec and reflect TestSelect (go-reference B4, F5): a send case on a closed channel
/// is ready. Where Go panics, the case is chosen with the message back in `Err`. When it is the
/// only ready case it must be chosen; when another case is ready too, both get chosen over
/// many trials.
#[test]
fn send_case_on_closed_channel() {
    let (tx, rx) = bounded::<String>(1);
    tx.close();
    let (_idle_tx, idle) = bounded::<String>(0);
    // The only case.
    let r = select_blocking! { send(tx, "a".to_string()) -> r => r };
    assert_eq!(r.unwrap_err().into_inner(), "a");
    // The only ready case, among cases that are not ready.
    for _ in 0..50 {
        let r = select_blocking! {
            recv(idle) -> _ => panic!("idle channel fired"),
            send(tx, "b".to_string()) -> r => r,
        };
        assert_eq!(r, Err(SendError("b".to_string())));
        let r = select_blocking! {
            recv(idle) -> _ => panic!("idle channel fired"),
            send(tx, "c".to_string()) -> r => Some(r),
            default => None,
        };
        assert_eq!(
            r,
            Some(Err(SendError("c".to_string()))),
            "default taken over a closed send"
        );
    }
    // Competing with another ready case: random choice between them.
    let (ready_tx, ready) = bounded::<String>(300);
    for _ in 0..200 {
        ready_tx.try_send("r".to_string()).unwrap();
    }
    let (mut closed_sends, mut recvs) = (0, 0);
    for _ in 0..200 {
        select_blocking! {
            send(tx, "d".to_string()) -> r => { assert!(r.is_err()); closed_sends += 1 },
            recv(ready) -> v => { assert_eq!(v.as_deref(), Some("r")); recvs += 1 },
        }
    }
    assert!(
        closed_sends > 20 && recvs > 20,
        "{closed_sends} closed sends, {recvs} receives"
    );
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

/// go-reference B4: "if the select was already blocked and the channel is then closed, the
/// select wakes" (and, here, the send case is chosen with its message back).
#[test]
fn blocked_send_case_wakes_on_close() {
    let (tx, rx) = bounded::<i32>(0);
    let (_idle_tx, idle) = bounded::<i32>(0);
    let t = {
        let tx = tx.clone();
        thread::spawn(move || {
            select_blocking! {
                send(tx, 7) -> r => r,
                recv(idle) -> _ => panic!("idle channel fired"),
            }
        })
    };
    wait_until("the select is queued", || rx.blocked_senders() == 1);
    assert!(rx.close());
    assert_eq!(t.join().unwrap(), Err(SendError(7)));
    assert_eq!(rx.blocked_senders(), 0);
}

// ---------------------------------------------------------------------------------------------
// Control flow in bodies (B6.4)
// ---------------------------------------------------------------------------------------------

/// go-reference B6.4 (test/chan/select8.go), a documented difference: in Go, `break` inside a
/// select case leaves the select only. Here bodies run in the caller's scope, so `break`
/// leaves the enclosing **loop**. Go's meaning is written as a labeled block (`'sel: { .. }`
/// with `break 'sel`), or by simply letting the body end.
#[test]
fn break_in_body_leaves_the_enclosing_loop() {
    let (tx, rx) = bounded::<i32>(10);
    for i in 0..5 {
        tx.try_send(i).unwrap();
    }
    let mut iterations = 0;
    loop {
        iterations += 1;
        select_blocking! {
            recv(rx) -> v => {
                if v == Some(2) {
                    break; // Go: leaves the select; Rust: leaves the loop
                }
            },
        }
    }
    assert_eq!(iterations, 3, "the loop ended at the break");
    assert_eq!(rx.len(), 2, "nothing more was received");

    // Go's meaning: a labeled block.
    let mut after_break = 0;
    let mut seen = Vec::new();
    for _ in 0..2 {
        'sel: {
            select_blocking! {
                recv(rx) -> v => {
                    seen.push(v.unwrap());
                    if v == Some(3) {
                        break 'sel;
                    }
                    after_break += 1;
                },
            }
        }
    }
    assert_eq!(
        seen,
        vec![3, 4],
        "the loop went on after the Go-style break"
    );
    assert_eq!(after_break, 1);

    // A labeled break with a value out of a nested loop.
    tx.try_send(42).unwrap();
    #[allow(clippy::never_loop)] // the body's `break 'outer` is the point
    let v = 'outer: loop {
        for _ in 0..3 {
            select_blocking! {
                recv(rx) -> v => break 'outer v,
            }
        }
    };
    assert_eq!(v, Some(42));
}

/// Bodies run in the caller's scope: `continue` continues the enclosing loop, `return` returns
/// from the enclosing function, `?` propagates from it, and in `select!` `.await` awaits.
#[test]
fn continue_return_question_mark_and_await_in_bodies() {
    let (tx, rx) = bounded::<i32>(10);
    for i in 0..6 {
        tx.try_send(i).unwrap();
    }
    let mut odd = Vec::new();
    for _ in 0..6 {
        let v = select_blocking! {
            recv(rx) -> v => {
                let v = v.unwrap();
                if v % 2 == 0 {
                    continue;
                }
                v
            },
        };
        odd.push(v);
    }
    assert_eq!(odd, vec![1, 3, 5]);

    #[allow(clippy::never_loop)] // the body's `return` is the point
    fn first_times_ten(rx: &Receiver<i32>) -> i32 {
        loop {
            select_blocking! {
                recv(rx) -> v => return v.unwrap() * 10,
            }
        }
    }
    tx.try_send(4).unwrap();
    assert_eq!(first_times_ten(&rx), 40);

    fn recv_or_err(rx: &Receiver<i32>) -> Result<i32, String> {
        let v = select_blocking! {
            recv(rx) -> v => v.ok_or_else(|| "closed".to_string())?,
            default => return Err("empty".to_string()),
        };
        Ok(v + 1)
    }
    assert_eq!(recv_or_err(&rx), Err("empty".to_string()));
    tx.try_send(1).unwrap();
    assert_eq!(recv_or_err(&rx), Ok(2));
    tx.close();
    assert_eq!(recv_or_err(&rx), Err("closed".to_string()));

    // `.await` in an async body.
    let (a_tx, a) = bounded::<i32>(1);
    let (b_tx, b) = bounded::<i32>(1);
    a_tx.try_send(5).unwrap();
    let got = futures::executor::block_on(async {
        select! {
            recv(a) -> v => {
                b_tx.send(v.unwrap() * 2).await.unwrap();
                b.recv().await
            },
        }
    });
    assert_eq!(got, Some(10));
}
