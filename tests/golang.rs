//! Ports of Go's own channel tests.
//!
//! Each test names the Go test it follows and the `go-reference.md` items it checks. The tests
//! are rewritten for Rust, not translated line by line: Go's panics (send on a closed channel,
//! second close) are values here, and "blocks" is checked with `try_*`, short timeouts, or a
//! thread that must not have finished after a short pause. No test asserts an upper bound on
//! time; the short pauses only give a wrong implementation the chance to show itself.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use common::{wait_until, Flavor, FLAVORS};
use futures::executor::block_on;
use futures::{SinkExt, StreamExt};
use gochan::{
    bounded, unbounded, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError,
};

/// Go's TestChan runs every capacity below 200; 0..=20 covers the unbuffered case, the small
/// rings and several wrap-arounds while keeping the suite fast.
const MAX_CAP: usize = 20;

/// The pause after which a thread that should be blocked is checked not to have finished.
const SHORT: Duration = Duration::from_millis(2);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

// ---------------------------------------------------------------------------------------------
// runtime/chan_test.go TestChan
// ---------------------------------------------------------------------------------------------

/// Go: runtime/chan_test.go TestChan, "ensure that receive from empty chan blocks"
/// (go-reference A5.4, A2.4).
#[test]
fn chan_recv_from_empty_blocks() {
    for cap in 0..=MAX_CAP {
        let (tx, rx) = bounded::<usize>(cap);
        assert!(
            matches!(rx.try_recv(), Err(TryRecvError::Empty)),
            "cap {cap}: try_recv on a fresh channel"
        );
        assert!(
            matches!(rx.recv_timeout(ms(1)), Err(RecvTimeoutError::Timeout)),
            "cap {cap}: recv_timeout on a fresh channel"
        );
        assert!(
            matches!(
                rx.recv_deadline(Instant::now() + ms(1)),
                Err(RecvTimeoutError::Timeout)
            ),
            "cap {cap}: recv_deadline on a fresh channel"
        );
        let returned = AtomicBool::new(false);
        thread::scope(|s| {
            let h = s.spawn(|| {
                let v = rx.recv_blocking();
                returned.store(true, Ordering::SeqCst);
                v
            });
            thread::sleep(SHORT);
            assert!(
                !returned.load(Ordering::SeqCst),
                "cap {cap}: recv_blocking returned on an empty channel"
            );
            tx.send_blocking(7).unwrap();
            assert_eq!(h.join().unwrap(), Some(7), "cap {cap}");
        });
    }
}

/// Go: runtime/chan_test.go TestChan, "ensure that send to full chan blocks"
/// (go-reference A4.4, A5.2, A7.2: a blocked sender's value comes after the buffer).
#[test]
fn chan_send_to_full_blocks() {
    for cap in 0..=MAX_CAP {
        let (tx, rx) = bounded::<usize>(cap);
        for i in 0..cap {
            tx.try_send(i)
                .unwrap_or_else(|_| panic!("cap {cap}: try_send {i} into free slot"));
        }
        match tx.try_send(1000) {
            Err(TrySendError::Full(v)) => {
                assert_eq!(v, 1000, "cap {cap}: Full gives the value back")
            }
            other => panic!("cap {cap}: try_send on a full channel: {other:?}"),
        }
        match tx.send_timeout(1001, ms(1)) {
            Err(SendTimeoutError::Timeout(v)) => assert_eq!(v, 1001, "cap {cap}"),
            other => panic!("cap {cap}: send_timeout on a full channel: {other:?}"),
        }
        match tx.send_deadline(1002, Instant::now() + ms(1)) {
            Err(SendTimeoutError::Timeout(v)) => assert_eq!(v, 1002, "cap {cap}"),
            other => panic!("cap {cap}: send_deadline on a full channel: {other:?}"),
        }
        assert_eq!(
            rx.len(),
            cap,
            "cap {cap}: failed sends left the buffer alone"
        );

        let returned = AtomicBool::new(false);
        thread::scope(|s| {
            let h = s.spawn(|| {
                let r = tx.send_blocking(999);
                returned.store(true, Ordering::SeqCst);
                r
            });
            thread::sleep(SHORT);
            assert!(
                !returned.load(Ordering::SeqCst),
                "cap {cap}: send_blocking returned on a full channel"
            );
            let first = rx.recv_blocking();
            let expect_first = if cap == 0 { 999 } else { 0 };
            assert_eq!(first, Some(expect_first), "cap {cap}");
            h.join().unwrap().unwrap();
        });
        // The rest of the buffer, then the once-blocked sender's value (A5.2).
        let rest: Vec<usize> = rx.try_iter().collect();
        let mut expect: Vec<usize> = (1..cap).collect();
        if cap > 0 {
            expect.push(999);
        }
        assert_eq!(rest, expect, "cap {cap}: buffer order after a blocked send");
    }
}

/// Go: runtime/chan_test.go TestChan, "ensure that we receive 0 from closed chan"
/// (go-reference A5.1, A5.3, A8.3, A8.5).
#[test]
fn chan_recv_from_closed_drains_then_none() {
    for cap in 0..=MAX_CAP {
        let (tx, rx) = bounded::<usize>(cap);
        for i in 0..cap {
            tx.send_blocking(i).unwrap();
        }
        assert!(tx.close(), "cap {cap}: first close");
        assert_eq!(rx.len(), cap, "cap {cap}: close keeps the buffered count");
        assert_eq!(
            rx.capacity(),
            Some(cap),
            "cap {cap}: close keeps the capacity"
        );
        for i in 0..cap {
            assert_eq!(
                rx.recv_blocking(),
                Some(i),
                "cap {cap}: buffered value after close"
            );
        }
        assert_eq!(rx.recv_blocking(), None, "cap {cap}");
        assert_eq!(rx.recv_blocking(), None, "cap {cap}: closed stays closed");
        assert!(
            matches!(rx.try_recv(), Err(TryRecvError::Closed)),
            "cap {cap}"
        );
    }
}

/// Go: runtime/chan_test.go TestChan, "ensure that close unblocks receive"
/// (go-reference A8.2, A10).
#[test]
fn chan_close_unblocks_receive() {
    for cap in 0..=MAX_CAP {
        let (tx, rx) = bounded::<usize>(cap);
        thread::scope(|s| {
            let blocking = s.spawn(|| rx.recv_blocking());
            let timed = s.spawn(|| rx.recv_timeout(common::PATIENCE));
            wait_until("both receivers are parked", || rx.blocked_receivers() == 2);
            assert!(tx.close());
            assert_eq!(blocking.join().unwrap(), None, "cap {cap}");
            assert_eq!(
                timed.join().unwrap(),
                Err(RecvTimeoutError::Closed),
                "cap {cap}"
            );
        });
    }
}

/// Go: runtime/chan_test.go TestChan, "send 100 integers, ensure that we receive them
/// non-corrupted in FIFO order" (go-reference A7.1).
#[test]
fn chan_fifo_100_per_capacity() {
    for cap in 0..=MAX_CAP {
        let (tx, rx) = bounded::<usize>(cap);
        thread::scope(|s| {
            s.spawn(|| {
                for i in 0..100 {
                    tx.send_blocking(i).unwrap();
                }
            });
            for i in 0..100 {
                assert_eq!(rx.recv_blocking(), Some(i), "cap {cap}");
            }
        });
        // The same with the receiver on its own thread and the async forms on the send side.
        thread::scope(|s| {
            let h = s.spawn(|| {
                (0..100)
                    .map(|_| rx.recv_blocking().unwrap())
                    .collect::<Vec<_>>()
            });
            block_on(async {
                for i in 0..100 {
                    tx.send(i).await.unwrap();
                }
            });
            assert_eq!(
                h.join().unwrap(),
                (0..100).collect::<Vec<_>>(),
                "cap {cap} async"
            );
        });
    }
}

/// Go: runtime/chan_test.go TestChan, "send 1000 integers in 4 goroutines, ensure that we
/// receive what we send" (go-reference A7.3: nothing lost or duplicated with many peers).
#[test]
fn chan_multiple_senders_and_receivers() {
    const P: usize = 4;
    const L: usize = 100;
    for cap in 0..=MAX_CAP {
        let (tx, rx) = bounded::<usize>(cap);
        let counts: Vec<AtomicUsize> = (0..L).map(|_| AtomicUsize::new(0)).collect();
        thread::scope(|s| {
            for _ in 0..P {
                s.spawn(|| {
                    for i in 0..L {
                        tx.send_blocking(i).unwrap();
                    }
                });
            }
            for _ in 0..P {
                s.spawn(|| {
                    for _ in 0..L {
                        let v = rx.recv_blocking().unwrap();
                        counts[v].fetch_add(1, Ordering::SeqCst);
                    }
                });
            }
        });
        for (v, c) in counts.iter().enumerate() {
            assert_eq!(c.load(Ordering::SeqCst), P, "cap {cap}: value {v}");
        }
        assert!(
            matches!(rx.try_recv(), Err(TryRecvError::Empty)),
            "cap {cap}"
        );
    }
}

/// Go: runtime/chan_test.go TestChan, "test len/cap" (go-reference A9b.1).
#[test]
fn chan_len_and_cap() {
    for cap in 0..=MAX_CAP {
        let (tx, rx) = bounded::<usize>(cap);
        assert_eq!(tx.capacity(), Some(cap));
        assert_eq!(rx.capacity(), Some(cap));
        for i in 0..cap {
            assert_eq!(tx.len(), i, "cap {cap}");
            assert_eq!(rx.len(), i, "cap {cap}");
            tx.send_blocking(i).unwrap();
        }
        for i in 0..cap {
            assert_eq!(rx.len(), cap - i, "cap {cap}");
            assert_eq!(tx.len(), cap - i, "cap {cap}");
            rx.recv_blocking().unwrap();
        }
        assert_eq!(rx.len(), 0, "cap {cap}");
        assert_eq!(rx.capacity(), Some(cap), "cap {cap}");
    }
}

// ---------------------------------------------------------------------------------------------
// runtime/chan_test.go TestNonblockRecvRace, TestMultiConsumer
// ---------------------------------------------------------------------------------------------

/// Go: runtime/chan_test.go TestNonblockRecvRace (go-reference A9.1, A9.2, A9.4): a cap-1
/// channel holding a value is closed while another thread does a non-blocking receive. At every
/// instant the receive could proceed (a value, or closed), so it must never report `Empty`.
#[test]
fn nonblock_recv_race() {
    const N: usize = 300;
    for i in 0..N {
        let (tx, rx) = bounded::<u32>(1);
        tx.send_blocking(1).unwrap();
        let start = Barrier::new(2);
        thread::scope(|s| {
            s.spawn(|| {
                start.wait();
                match rx.try_recv() {
                    Ok(1) | Err(TryRecvError::Closed) => {}
                    other => panic!("iteration {i}: try_recv took \"not ready\": {other:?}"),
                }
            });
            start.wait();
            tx.close();
            // Drain like Go's `<-c`: either the value (the other thread was later) or closed.
            let _ = rx.recv_blocking();
        });
    }
}

/// Go: runtime/chan_test.go TestMultiConsumer (go-reference A10, A7.3): ten workers range
/// over one channel and forward to another; every value arrives exactly once, and closing the
/// input ends every range loop.
#[test]
fn multi_consumer() {
    const NWORK: usize = 10;
    const NITER: usize = 500;
    let primes = [2u64, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31];
    let (q_tx, q_rx) = bounded::<u64>(NWORK * 3);
    let (r_tx, r_rx) = bounded::<u64>(NWORK * 3);
    let mut expect = 0u64;
    let (n, sum) = thread::scope(|s| {
        for w in 0..NWORK {
            let q_rx = q_rx.clone();
            let r_tx = r_tx.clone();
            s.spawn(move || {
                for (k, v) in q_rx.iter().enumerate() {
                    // Go's test yields now and then so the workers interleave.
                    if (k + w) % 7 == 0 {
                        thread::yield_now();
                    }
                    r_tx.send_blocking(v).unwrap();
                }
            });
        }
        // Each worker owns a sender; dropping the last one closes `r` (Go: wg.Wait; close(r)).
        drop(r_tx);
        drop(q_rx);
        let consumer = s.spawn(|| {
            let (mut n, mut sum) = (0usize, 0u64);
            for v in r_rx.iter() {
                n += 1;
                sum += v;
            }
            (n, sum)
        });
        for i in 0..NITER {
            let v = primes[i % primes.len()];
            expect += v;
            q_tx.send_blocking(v).unwrap();
        }
        assert!(q_tx.close());
        consumer.join().unwrap()
    });
    assert_eq!(n, NITER);
    assert_eq!(sum, expect);
}

// ---------------------------------------------------------------------------------------------
// test/chan/fifo.go
// ---------------------------------------------------------------------------------------------

/// Go: test/chan/fifo.go AsynchFifo (go-reference A7.1): a buffered channel filled by one
/// goroutine hands the values back in order.
#[test]
fn fifo_async() {
    const N: usize = 10;
    let (tx, rx) = bounded::<usize>(N);
    for i in 0..N {
        tx.send_blocking(i).unwrap();
    }
    for i in 0..N {
        assert_eq!(rx.recv_blocking(), Some(i));
    }
}

/// Go: test/chan/fifo.go SynchFifo (go-reference A7.1, A2.1): a chain of threads, each waiting
/// for a token from the previous one before it receives from a shared unbuffered channel, so
/// the i-th receive is done by the i-th thread and must get the i-th value.
#[test]
fn fifo_sync_chain() {
    const N: usize = 10;
    let (tx, rx) = bounded::<usize>(0);
    let (start_tx, mut token_rx) = bounded::<()>(0);
    thread::scope(|s| {
        for i in 0..N {
            let (out_tx, out_rx) = bounded::<()>(0);
            let input = std::mem::replace(&mut token_rx, out_rx);
            let rx = &rx;
            s.spawn(move || {
                input.recv_blocking().unwrap();
                assert_eq!(rx.recv_blocking(), Some(i), "link {i}");
                out_tx.send_blocking(()).unwrap();
            });
        }
        start_tx.send_blocking(()).unwrap();
        for i in 0..N {
            tx.send_blocking(i).unwrap();
        }
        token_rx.recv_blocking().unwrap();
    });
}

// ---------------------------------------------------------------------------------------------
// test/chan/nonblock.go
// ---------------------------------------------------------------------------------------------

/// Retries `op` until it succeeds; the limit only turns a hang into a failure.
fn retry<R>(what: &str, mut op: impl FnMut() -> Option<R>) -> R {
    let deadline = Instant::now() + common::PATIENCE;
    loop {
        if let Some(r) = op() {
            return r;
        }
        assert!(Instant::now() < deadline, "{what}: never succeeded");
        thread::sleep(Duration::from_micros(200));
    }
}

fn nonblock_case<T>(cap: usize, a: T, b: T)
where
    T: Clone + PartialEq + std::fmt::Debug + Send + Sync,
{
    let (tx, rx) = bounded::<T>(cap);
    // A non-blocking receive on an empty channel is not ready (A5.4).
    assert!(
        matches!(rx.try_recv(), Err(TryRecvError::Empty)),
        "cap {cap}"
    );
    // Unbuffered with no receiver: a non-blocking send is not ready, and gives the value back.
    if cap == 0 {
        match tx.try_send(a.clone()) {
            Err(TrySendError::Full(v)) => assert_eq!(v, a),
            other => panic!("cap 0: try_send without a receiver: {other:?}"),
        }
    }
    thread::scope(|s| {
        // A receiver appears; the non-blocking send must eventually succeed.
        let receiver = s.spawn(|| rx.recv_blocking());
        retry("try_send to a waiting receiver", || {
            match tx.try_send(a.clone()) {
                Ok(()) => Some(()),
                Err(TrySendError::Full(_)) => None,
                Err(TrySendError::Closed(_)) => panic!("closed"),
            }
        });
        assert_eq!(receiver.join().unwrap(), Some(a.clone()), "cap {cap}");

        // A sender appears; the non-blocking receive must eventually succeed.
        let sender = s.spawn(|| tx.send_blocking(b.clone()));
        let got = retry("try_recv from a waiting sender", || match rx.try_recv() {
            Ok(v) => Some(v),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Closed) => panic!("closed"),
        });
        assert_eq!(got, b, "cap {cap}");
        sender.join().unwrap().unwrap();
    });
    assert!(
        matches!(rx.try_recv(), Err(TryRecvError::Empty)),
        "cap {cap}"
    );
}

/// Go: test/chan/nonblock.go (go-reference A9, B6.3): non-blocking send and receive for several
/// element types and capacities, against a peer that shows up later.
#[test]
fn nonblock_send_recv() {
    for cap in [0usize, 1, 2, 10] {
        nonblock_case::<u32>(cap, 123, 234);
        nonblock_case::<u64>(cap, 123_456_789_012, 234_567_890_123);
        nonblock_case::<bool>(cap, true, false);
        nonblock_case::<String>(cap, "hello".to_string(), "hello again".to_string());
        nonblock_case::<()>(cap, (), ());
    }
}

// ---------------------------------------------------------------------------------------------
// test/chan/sieve1.go
// ---------------------------------------------------------------------------------------------

/// The first `n` primes, by trial division.
fn first_primes(n: usize) -> Vec<u64> {
    let mut v = Vec::with_capacity(n);
    let mut k = 2u64;
    while v.len() < n {
        if v.iter().take_while(|&&p| p * p <= k).all(|&p| k % p != 0) {
            v.push(k);
        }
        k += 1;
    }
    v
}

/// Go: test/chan/sieve1.go (go-reference A2.1, A7.1, A10): the concurrent prime sieve, a chain
/// of filter threads joined by unbuffered channels. Shutdown is by dropping the last receiver:
/// each stage's next send fails (G2), it returns, and so on up the chain; every thread ends.
#[test]
fn sieve_threads() {
    const N: usize = 100;
    let mut got = Vec::with_capacity(N);
    thread::scope(|s| {
        let (gen_tx, mut ch) = bounded::<u64>(0);
        s.spawn(move || {
            let mut i = 2u64;
            while gen_tx.send_blocking(i).is_ok() {
                i += 1;
            }
        });
        for _ in 0..N {
            let prime = ch.recv_blocking().unwrap();
            got.push(prime);
            let (out_tx, out_rx) = bounded::<u64>(0);
            let input = std::mem::replace(&mut ch, out_rx);
            s.spawn(move || {
                while let Some(i) = input.recv_blocking() {
                    if i % prime != 0 && out_tx.send_blocking(i).is_err() {
                        return;
                    }
                }
            });
        }
        drop(ch);
    });
    assert_eq!(got, first_primes(N));
}

/// Go: test/chan/sieve1.go, async: the same sieve as tasks on a single-threaded runtime.
#[test]
fn sieve_tasks() {
    const N: usize = 100;
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let got = rt.block_on(async {
        let mut tasks = Vec::new();
        let (gen_tx, mut ch) = bounded::<u64>(0);
        tasks.push(tokio::spawn(async move {
            let mut i = 2u64;
            while gen_tx.send(i).await.is_ok() {
                i += 1;
            }
        }));
        let mut got = Vec::with_capacity(N);
        for _ in 0..N {
            let prime = ch.recv().await.unwrap();
            got.push(prime);
            let (out_tx, out_rx) = bounded::<u64>(0);
            let input = std::mem::replace(&mut ch, out_rx);
            tasks.push(tokio::spawn(async move {
                while let Some(i) = input.recv().await {
                    if i % prime != 0 && out_tx.send(i).await.is_err() {
                        return;
                    }
                }
            }));
        }
        drop(ch);
        for t in tasks {
            t.await.unwrap();
        }
        got
    });
    assert_eq!(got, first_primes(N));
}

// ---------------------------------------------------------------------------------------------
// test/closedchan.go
// ---------------------------------------------------------------------------------------------

/// Every way to receive, each on a fresh channel made by `make`; each must report "closed".
fn check_every_receive_form_closed(flavor: Flavor, make: impl Fn() -> gochan::Receiver<u32>) {
    let f = flavor;
    assert_eq!(make().recv_blocking(), None, "{f:?}: recv_blocking");
    assert_eq!(
        make().try_recv(),
        Err(TryRecvError::Closed),
        "{f:?}: try_recv"
    );
    assert_eq!(
        make().recv_timeout(ms(50)),
        Err(RecvTimeoutError::Closed),
        "{f:?}: recv_timeout"
    );
    assert_eq!(
        make().recv_deadline(Instant::now() + ms(50)),
        Err(RecvTimeoutError::Closed),
        "{f:?}: recv_deadline"
    );
    assert_eq!(make().iter().next(), None, "{f:?}: iter");
    assert_eq!(make().try_iter().next(), None, "{f:?}: try_iter");
    assert_eq!(
        (&make()).into_iter().count(),
        0,
        "{f:?}: &Receiver into_iter"
    );
    assert_eq!(make().into_iter().count(), 0, "{f:?}: Receiver into_iter");
    assert_eq!(block_on(make().recv()), None, "{f:?}: recv().await");
    let mut rx = make();
    assert_eq!(block_on(rx.next()), None, "{f:?}: Stream::next");
}

/// Go: test/closedchan.go test1 on a closed empty channel, sync and async (go-reference A5.1,
/// A8, A9.2, A10, A12): every receive form reports closed, every send form gives the message
/// back, a second close reports false instead of panicking.
#[test]
fn closedchan_every_form() {
    for f in FLAVORS {
        check_every_receive_form_closed(f, || {
            let (tx, rx) = f.make::<u32>();
            assert!(tx.close(), "{f:?}");
            rx
        });
        // Closing from the receiving side is the same close.
        check_every_receive_form_closed(f, || {
            let (_tx, rx) = f.make::<u32>();
            assert!(rx.close(), "{f:?}");
            rx
        });

        let (tx, rx) = f.make::<u32>();
        assert!(!tx.is_closed() && !rx.is_closed(), "{f:?}");
        assert!(tx.close(), "{f:?}: first close");
        assert!(!tx.close(), "{f:?}: second close reports false");
        assert!(
            !rx.close(),
            "{f:?}: close from the other side reports false"
        );
        assert!(tx.is_closed() && rx.is_closed(), "{f:?}");

        match tx.send_blocking(1) {
            Err(SendError(v)) => assert_eq!(v, 1, "{f:?}"),
            Ok(()) => panic!("{f:?}: send_blocking on a closed channel succeeded"),
        }
        match tx.try_send(2) {
            Err(TrySendError::Closed(v)) => assert_eq!(v, 2, "{f:?}"),
            other => panic!("{f:?}: try_send on closed: {other:?}"),
        }
        match tx.send_timeout(3, ms(50)) {
            Err(SendTimeoutError::Closed(v)) => assert_eq!(v, 3, "{f:?}"),
            other => panic!("{f:?}: send_timeout on closed: {other:?}"),
        }
        match tx.send_deadline(4, Instant::now() + ms(50)) {
            Err(SendTimeoutError::Closed(v)) => assert_eq!(v, 4, "{f:?}"),
            other => panic!("{f:?}: send_deadline on closed: {other:?}"),
        }
        match block_on(tx.send(5)) {
            Err(e) => assert_eq!(e.into_inner(), 5, "{f:?}"),
            Ok(()) => panic!("{f:?}: send().await on a closed channel succeeded"),
        }
        let mut sink = tx.clone();
        assert!(
            block_on(SinkExt::send(&mut sink, 6)).is_err(),
            "{f:?}: Sink::send on closed"
        );
        // Nothing sent after close is receivable.
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "{f:?}");
        assert_eq!(rx.len(), 0, "{f:?}");
    }
}

/// Go: test/closedchan.go testasync1..4 (go-reference A5.3, A8.3): a buffered channel holding
/// one value and then closed gives that value to every receive form first, then reports closed.
#[test]
fn closedchan_async_value_then_closed() {
    for f in FLAVORS.into_iter().filter(|f| !f.is_zero()) {
        let make = || {
            let (tx, rx) = f.make::<u32>();
            tx.send_blocking(1).unwrap();
            assert!(tx.close());
            assert_eq!(rx.len(), 1, "{f:?}: close keeps the buffered value");
            rx
        };
        let rx = make();
        assert_eq!(rx.recv_blocking(), Some(1), "{f:?}: recv_blocking");
        assert_eq!(rx.recv_blocking(), None, "{f:?}: recv_blocking");
        let rx = make();
        assert_eq!(rx.try_recv(), Ok(1), "{f:?}: try_recv");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "{f:?}: try_recv");
        let rx = make();
        assert_eq!(rx.recv_timeout(ms(50)), Ok(1), "{f:?}: recv_timeout");
        assert_eq!(
            rx.recv_timeout(ms(50)),
            Err(RecvTimeoutError::Closed),
            "{f:?}"
        );
        let rx = make();
        assert_eq!(rx.iter().collect::<Vec<_>>(), vec![1], "{f:?}: iter");
        let rx = make();
        assert_eq!(
            rx.try_iter().collect::<Vec<_>>(),
            vec![1],
            "{f:?}: try_iter"
        );
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "{f:?}");
        assert_eq!(
            make().into_iter().collect::<Vec<_>>(),
            vec![1],
            "{f:?}: into_iter"
        );
        let rx = make();
        assert_eq!(block_on(rx.recv()), Some(1), "{f:?}: recv().await");
        assert_eq!(block_on(rx.recv()), None, "{f:?}: recv().await");
        let rx = make();
        assert_eq!(
            block_on(rx.collect::<Vec<_>>()),
            vec![1],
            "{f:?}: Stream collect"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// test/chancap.go
// ---------------------------------------------------------------------------------------------

/// Go: test/chancap.go (go-reference A2.4, A9b.1): `len` and `cap` of fresh, partly filled and
/// unbuffered channels; unbounded channels have no capacity.
#[test]
fn chancap_len_and_capacity() {
    let (tx, rx) = bounded::<i32>(10);
    assert_eq!((rx.len(), rx.capacity()), (0, Some(10)));
    for i in 0..3 {
        tx.send_blocking(i).unwrap();
    }
    assert_eq!((rx.len(), rx.capacity()), (3, Some(10)));
    assert_eq!((tx.len(), tx.capacity()), (3, Some(10)));

    let (tx0, rx0) = bounded::<i32>(0);
    assert_eq!((rx0.len(), rx0.capacity()), (0, Some(0)));
    // An unbuffered channel reports len 0 even with a blocked sender (A9b.1).
    thread::scope(|s| {
        let h = s.spawn(|| tx0.send_blocking(1));
        wait_until("the sender is parked", || tx0.blocked_senders() == 1);
        assert_eq!(rx0.len(), 0);
        assert_eq!(rx0.recv_blocking(), Some(1));
        h.join().unwrap().unwrap();
    });

    let (txu, rxu) = unbounded::<i32>();
    assert_eq!((rxu.len(), rxu.capacity()), (0, None));
    for i in 0..1000 {
        txu.send_blocking(i).unwrap();
    }
    assert_eq!((rxu.len(), txu.capacity()), (1000, None));
}

/// Go: test/chancap.go, "makechan: size out of range" (go-reference A2.3): a capacity whose
/// byte size overflows must panic (an unwinding panic with a message, not an abort and not a
/// silent success).
#[test]
fn chancap_huge_capacity_panics() {
    let r = std::panic::catch_unwind(|| {
        let _ = bounded::<u64>(usize::MAX);
    });
    let payload = r.expect_err("bounded::<u64>(usize::MAX) did not panic");
    let msg = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .expect("the panic carries a message");
    assert!(!msg.is_empty(), "the panic message is empty");
    // The process is still fine: channels still work after the caught panic.
    let (tx, rx) = bounded::<u64>(4);
    tx.send_blocking(5).unwrap();
    assert_eq!(rx.recv_blocking(), Some(5));
}
