//! Channel behaviour, one section per guarantee of `DESIGN.md` (G1, G2, G3, G7, G8), plus the
//! observability counters, the small accessors, iterators, `Stream`/`Sink`, and messages whose
//! `Drop` panics.
//!
//! Every test runs over the flavors in `common::FLAVORS` (`bounded(0)`, `bounded(1)`,
//! `bounded(3)`, `unbounded()`) unless the property only exists for some of them.

mod common;

use std::cell::UnsafeCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::thread;
use std::time::Duration;

use common::{
    poll_once, poll_with, wait_until, Counted, CountingWaker, Flavor, FLAVORS, PATIENCE, SETTLE,
};
use futures::executor::block_on;
use futures::{SinkExt, StreamExt};
use gochan::{
    bounded, unbounded, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError,
};

// ---------------------------------------------------------------------------------------------
// G1 FIFO
// ---------------------------------------------------------------------------------------------

/// G1 (go-reference A7.1, A7.3): three senders, two receivers. Each receiver sees each
/// sender's messages in increasing order, and together they see every message once.
#[test]
fn g1_fifo_per_sender() {
    const SENDERS: usize = 3;
    const PER: usize = 300;
    for f in FLAVORS {
        let (tx, rx) = f.make::<(usize, usize)>();
        let seen: Vec<Vec<usize>> = thread::scope(|s| {
            for id in 0..SENDERS {
                let tx = tx.clone();
                s.spawn(move || {
                    for seq in 0..PER {
                        tx.send_blocking((id, seq)).unwrap();
                    }
                });
            }
            drop(tx);
            let receivers: Vec<_> = (0..2)
                .map(|_| {
                    let rx = rx.clone();
                    s.spawn(move || {
                        let mut last = [None::<usize>; SENDERS];
                        let mut got = Vec::new();
                        for (id, seq) in rx.iter() {
                            if let Some(prev) = last[id] {
                                assert!(seq > prev, "{f:?}: sender {id}: {seq} after {prev}");
                            }
                            last[id] = Some(seq);
                            got.push(id * PER + seq);
                        }
                        got
                    })
                })
                .collect();
            receivers.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let mut all: Vec<usize> = seen.into_iter().flatten().collect();
        all.sort_unstable();
        assert_eq!(all, (0..SENDERS * PER).collect::<Vec<_>>(), "{f:?}");
    }
}

/// G1 with one sender and the async forms on both sides, on one thread: the order is the send
/// order, for every flavor.
#[test]
fn g1_fifo_async_single_thread() {
    for f in FLAVORS {
        let (tx, rx) = f.make::<usize>();
        let producer = async {
            for i in 0..200 {
                tx.send(i).await.unwrap();
            }
            drop(tx);
        };
        let consumer = async {
            let mut v = Vec::new();
            while let Some(x) = rx.recv().await {
                v.push(x);
            }
            v
        };
        let ((), got) = block_on(futures::future::join(producer, consumer));
        assert_eq!(got, (0..200).collect::<Vec<_>>(), "{f:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// G2 Close
// ---------------------------------------------------------------------------------------------

/// G2 (go-reference A5.3, A8.3): values buffered at close stay receivable, in order, then every
/// receive reports closed.
#[test]
fn g2_close_keeps_buffered_values() {
    for f in FLAVORS {
        let (tx, rx) = f.make::<usize>();
        for i in 0..f.room() {
            tx.try_send(i).unwrap();
        }
        assert!(rx.close(), "{f:?}");
        assert!(
            matches!(tx.try_send(99), Err(TrySendError::Closed(99))),
            "{f:?}"
        );
        assert_eq!(rx.len(), f.room(), "{f:?}");
        for i in 0..f.room() {
            assert_eq!(rx.try_recv(), Ok(i), "{f:?}");
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "{f:?}");
        assert_eq!(rx.recv_blocking(), None, "{f:?}");
    }
}

/// G2 (go-reference A8.2): senders blocked on a full channel wake on close with their own
/// message in `Err`, closing from either side; their messages never enter the buffer.
#[test]
fn g2_close_wakes_blocked_senders_with_their_message() {
    for f in FLAVORS.into_iter().filter(|f| f.can_be_full()) {
        for close_from_receiver in [false, true] {
            let (tx, rx) = f.make::<usize>();
            for i in 0..f.room() {
                tx.try_send(i).unwrap();
            }
            thread::scope(|s| {
                let a = s.spawn(|| tx.send_blocking(100));
                let b = s.spawn(|| tx.send_timeout(101, PATIENCE));
                wait_until("two senders are parked", || tx.blocked_senders() == 2);
                if close_from_receiver {
                    assert!(rx.close());
                } else {
                    assert!(tx.close());
                }
                assert_eq!(a.join().unwrap(), Err(SendError(100)), "{f:?}");
                assert_eq!(
                    b.join().unwrap(),
                    Err(SendTimeoutError::Closed(101)),
                    "{f:?}"
                );
            });
            assert_eq!(tx.blocked_senders(), 0, "{f:?}");
            let rest: Vec<usize> = rx.iter().collect();
            assert_eq!(rest, (0..f.room()).collect::<Vec<_>>(), "{f:?}");
        }
    }
}

/// G2 for futures: a pending send future is woken by close and completes with its message.
#[test]
fn g2_close_wakes_pending_send_future() {
    for f in FLAVORS.into_iter().filter(|f| f.can_be_full()) {
        let (tx, rx) = f.make::<usize>();
        for i in 0..f.room() {
            tx.try_send(i).unwrap();
        }
        let (counter, waker) = CountingWaker::new();
        let mut fut = tx.send(7);
        assert!(poll_with(&mut fut, &waker).is_pending(), "{f:?}");
        assert!(rx.close());
        assert!(
            counter.count() > 0,
            "{f:?}: close did not wake the pending send"
        );
        match poll_with(&mut fut, &waker) {
            Poll::Ready(Err(SendError(7))) => {}
            other => panic!("{f:?}: pending send after close: {other:?}"),
        }
    }
}

/// G2 (go-reference A8.2): close wakes every blocked receiver, thread or future, with `None`.
#[test]
fn g2_close_wakes_blocked_receivers() {
    for f in FLAVORS {
        let (tx, rx) = f.make::<usize>();
        let (counter, waker) = CountingWaker::new();
        let mut fut = rx.recv();
        assert!(poll_with(&mut fut, &waker).is_pending(), "{f:?}");
        thread::scope(|s| {
            let a = s.spawn(|| rx.recv_blocking());
            let b = s.spawn(|| rx.recv_timeout(PATIENCE));
            wait_until("three receivers are waiting", || {
                rx.blocked_receivers() == 3
            });
            assert!(tx.close());
            assert_eq!(a.join().unwrap(), None, "{f:?}");
            assert_eq!(b.join().unwrap(), Err(RecvTimeoutError::Closed), "{f:?}");
        });
        assert!(
            counter.count() > 0,
            "{f:?}: close did not wake the pending recv"
        );
        assert_eq!(poll_with(&mut fut, &waker), Poll::Ready(None), "{f:?}");
    }
}

/// G2: the channel closes when the last `Sender` goes, not before; a blocked receiver then
/// wakes with `None`.
#[test]
fn g2_last_sender_drop_closes() {
    for f in FLAVORS {
        let (tx, rx) = f.make::<usize>();
        let tx2 = tx.clone();
        thread::scope(|s| {
            let h = s.spawn(|| rx.recv_blocking());
            wait_until("the receiver is parked", || rx.blocked_receivers() == 1);
            drop(tx);
            thread::sleep(SETTLE);
            assert!(!rx.is_closed(), "{f:?}: closed while a sender is left");
            assert!(!tx2.is_closed(), "{f:?}");
            drop(tx2);
            assert_eq!(h.join().unwrap(), None, "{f:?}");
        });
        assert!(rx.is_closed(), "{f:?}");
        assert_eq!(rx.sender_count(), 0, "{f:?}");
    }
}

/// G2: the channel closes when the last `Receiver` goes, and the buffered messages are dropped
/// then (not when the senders go); a blocked sender wakes with its message.
#[test]
fn g2_last_receiver_drop_closes_and_drops_buffer() {
    for f in FLAVORS {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = f.make::<Counted>();
        for i in 0..f.room() {
            tx.try_send(Counted::new(i, &drops)).unwrap();
        }
        let rx2 = rx.clone();
        drop(rx);
        assert!(!tx.is_closed(), "{f:?}: closed while a receiver is left");
        assert_eq!(drops.load(Ordering::SeqCst), 0, "{f:?}");
        thread::scope(|s| {
            let blocked = f
                .can_be_full()
                .then(|| s.spawn(|| tx.send_blocking(Counted::new(1000, &drops))));
            if blocked.is_some() {
                wait_until("the sender is parked", || tx.blocked_senders() == 1);
            }
            drop(rx2);
            assert!(tx.is_closed(), "{f:?}");
            assert_eq!(
                drops.load(Ordering::SeqCst),
                f.room(),
                "{f:?}: the last receiver's drop drops the buffer"
            );
            if let Some(h) = blocked {
                let back = h
                    .join()
                    .unwrap()
                    .expect_err("send after the last receiver left");
                assert_eq!(back.0.id, 1000, "{f:?}: the sender gets its own message");
            }
        });
        assert_eq!(tx.receiver_count(), 0, "{f:?}");
        match tx.try_send(Counted::new(2000, &drops)) {
            Err(TrySendError::Closed(m)) => assert_eq!(m.id, 2000),
            other => panic!("{f:?}: try_send with no receiver: {other:?}"),
        }
        let expected = f.room() + usize::from(f.can_be_full()) + 1;
        assert_eq!(drops.load(Ordering::SeqCst), expected, "{f:?}");
        drop(tx);
        assert_eq!(
            drops.load(Ordering::SeqCst),
            expected,
            "{f:?}: nothing dropped twice"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// G3 Unbuffered
// ---------------------------------------------------------------------------------------------

/// G3 (go-reference A2.1, A11.3): on a rendezvous channel `send_blocking` does not return
/// before a receiver has started to receive. The receiver thread first waits, then sets
/// `started`, then receives; a send that returned early (buffering the value) would find
/// `started` still false. A correct send cannot fail this: the receive that completes it
/// begins after the store, and the rendezvous orders the store before the send's return.
#[test]
fn g3_unbuffered_send_waits_for_receiver() {
    for form in 0..3 {
        let (tx, rx) = bounded::<u32>(0);
        let started = AtomicBool::new(false);
        thread::scope(|s| {
            let h = s.spawn(|| {
                thread::sleep(SETTLE);
                started.store(true, Ordering::SeqCst);
                rx.recv_blocking()
            });
            match form {
                0 => tx.send_blocking(1).unwrap(),
                1 => tx.send_timeout(1, PATIENCE).unwrap(),
                _ => block_on(tx.send(1)).unwrap(),
            }
            assert!(
                started.load(Ordering::SeqCst),
                "form {form}: the send returned before any receiver arrived"
            );
            assert_eq!(h.join().unwrap(), Some(1));
        });
    }
}

/// G3: without a receiver, nothing can be sent on a rendezvous channel, and a send that gave up
/// leaves nothing behind for a later receiver.
#[test]
fn g3_unbuffered_failed_sends_leave_nothing() {
    let (tx, rx) = bounded::<u32>(0);
    assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
    assert_eq!(
        tx.send_timeout(2, Duration::from_millis(5)),
        Err(SendTimeoutError::Timeout(2))
    );
    let mut fut = tx.send(3);
    assert!(poll_once(&mut fut).is_pending());
    drop(fut);
    assert_eq!(tx.blocked_senders(), 0);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(
        rx.recv_timeout(Duration::from_millis(5)),
        Err(RecvTimeoutError::Timeout)
    );
    assert!(rx.is_empty());
}

// ---------------------------------------------------------------------------------------------
// G7 Happens-before
// ---------------------------------------------------------------------------------------------

/// A counter with no synchronization of its own: only the channel protocol makes it safe.
struct Racy(UnsafeCell<u64>);
// SAFETY: every access happens between a lock and an unlock of a channel used as a mutex, which
// is exactly what these tests check.
unsafe impl Sync for Racy {}

impl Racy {
    fn bump(&self) {
        // SAFETY: called only while holding the channel "lock" (see each test).
        unsafe {
            let v = std::ptr::read_volatile(self.0.get());
            thread::yield_now();
            std::ptr::write_volatile(self.0.get(), v + 1);
        }
    }
    fn get(&self) -> u64 {
        // SAFETY: called after every thread that wrote has been joined.
        unsafe { *self.0.get() }
    }
}

/// G7 (go-reference A11.4, Go TestNoRaceChanMutex): a cap-1 channel is a mutex. Lock by sending
/// into it, unlock by receiving; four threads bump a plain counter and none is lost.
#[test]
fn g7_cap1_channel_is_a_mutex() {
    const THREADS: usize = 4;
    const ITERS: usize = 300;
    let (tx, rx) = bounded::<()>(1);
    let counter = Racy(UnsafeCell::new(0));
    thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                for _ in 0..ITERS {
                    tx.send_blocking(()).unwrap();
                    counter.bump();
                    rx.recv_blocking().unwrap();
                }
            });
        }
    });
    assert_eq!(counter.get(), (THREADS * ITERS) as u64);
}

/// G7 (go-reference A11.1): a single token passed around any buffered channel is a mutex too
/// (lock = receive the token, unlock = send it back); here also with the async forms.
#[test]
fn g7_token_passing_mutex() {
    const THREADS: usize = 4;
    const ITERS: usize = 300;
    for f in FLAVORS.into_iter().filter(|f| !f.is_zero()) {
        let (tx, rx) = f.make::<()>();
        tx.send_blocking(()).unwrap();
        let counter = Racy(UnsafeCell::new(0));
        thread::scope(|s| {
            for t in 0..THREADS {
                let (tx, rx, counter) = (&tx, &rx, &counter);
                s.spawn(move || {
                    for _ in 0..ITERS {
                        if t % 2 == 0 {
                            rx.recv_blocking().unwrap();
                            counter.bump();
                            tx.send_blocking(()).unwrap();
                        } else {
                            block_on(async {
                                rx.recv().await.unwrap();
                                counter.bump();
                                tx.send(()).await.unwrap();
                            });
                        }
                    }
                });
            }
        });
        assert_eq!(counter.get(), (THREADS * ITERS) as u64, "{f:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// G8 Memory release
// ---------------------------------------------------------------------------------------------

/// G8: every message is dropped exactly once once all handles are gone, whichever side goes
/// first, with clones, pending futures, and a consumer that leaves early.
#[test]
fn g8_every_message_dropped_when_handles_go() {
    for f in FLAVORS {
        for receiver_first in [false, true] {
            let drops = Arc::new(AtomicUsize::new(0));
            let (tx, rx) = f.make::<Counted>();
            let (tx2, rx2) = (tx.clone(), rx.clone());
            let mut sent = 0;
            for i in 0..f.room() {
                tx.try_send(Counted::new(i, &drops)).unwrap();
                sent += 1;
            }
            // A pending send future holds a message, and is dropped with it.
            if f.can_be_full() {
                let mut fut = tx2.send(Counted::new(500, &drops));
                assert!(poll_once(&mut fut).is_pending(), "{f:?}");
                drop(fut);
                sent += 1;
                assert_eq!(
                    drops.load(Ordering::SeqCst),
                    1,
                    "{f:?}: dropped send future"
                );
            }
            if receiver_first {
                drop((rx, rx2));
                drop((tx, tx2));
            } else {
                drop((tx, tx2));
                assert_eq!(
                    drops.load(Ordering::SeqCst),
                    usize::from(f.can_be_full()),
                    "{f:?}: buffered messages dropped while a receiver is left"
                );
                drop((rx, rx2));
            }
            assert_eq!(
                drops.load(Ordering::SeqCst),
                sent,
                "{f:?}, receiver_first={receiver_first}"
            );
        }

        // A consumer that leaves half way: what it took, what was buffered and what the
        // producer got back are all dropped once.
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = f.make::<Counted>();
        let produced = thread::scope(|s| {
            let producer = s.spawn(|| {
                let mut n = 0;
                for i in 0..100 {
                    n += 1;
                    if tx.send_blocking(Counted::new(i, &drops)).is_err() {
                        break;
                    }
                }
                n
            });
            for _ in 0..50 {
                rx.recv_blocking().unwrap();
            }
            drop(rx);
            producer.join().unwrap()
        });
        drop(tx);
        assert_eq!(
            drops.load(Ordering::SeqCst),
            produced,
            "{f:?}: early consumer"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Observability counters
// ---------------------------------------------------------------------------------------------

/// `blocked_receivers()` counts parked threads and pending futures while they wait, and falls
/// back to 0 when they got a value, timed out, or were dropped.
#[test]
fn blocked_receivers_counter() {
    for f in FLAVORS {
        let (tx, rx) = f.make::<usize>();
        assert_eq!(rx.blocked_receivers(), 0, "{f:?}");
        thread::scope(|s| {
            let h = s.spawn(|| rx.recv_blocking());
            wait_until("one receiver is parked", || rx.blocked_receivers() == 1);
            assert_eq!(tx.blocked_receivers(), 1, "{f:?}: both handles report it");
            tx.send_blocking(1).unwrap();
            assert_eq!(h.join().unwrap(), Some(1));
        });
        assert_eq!(rx.blocked_receivers(), 0, "{f:?}: after a delivered value");

        assert_eq!(
            rx.recv_timeout(Duration::from_millis(5)),
            Err(RecvTimeoutError::Timeout)
        );
        assert_eq!(rx.blocked_receivers(), 0, "{f:?}: after a timeout");

        let mut fut = rx.recv();
        assert!(poll_once(&mut fut).is_pending());
        assert_eq!(rx.blocked_receivers(), 1, "{f:?}: a pending recv future");
        drop(fut);
        assert_eq!(
            rx.blocked_receivers(),
            0,
            "{f:?}: after dropping the future"
        );
        assert_eq!(tx.blocked_senders(), 0, "{f:?}");
    }
}

/// `blocked_senders()` likewise, on the flavors where a send can wait.
#[test]
fn blocked_senders_counter() {
    for f in FLAVORS {
        let (tx, rx) = f.make::<usize>();
        for i in 0..f.room() {
            tx.try_send(i).unwrap();
        }
        assert_eq!(tx.blocked_senders(), 0, "{f:?}");
        if !f.can_be_full() {
            continue;
        }
        thread::scope(|s| {
            let h = s.spawn(|| tx.send_blocking(99));
            wait_until("one sender is parked", || tx.blocked_senders() == 1);
            assert_eq!(rx.blocked_senders(), 1, "{f:?}: both handles report it");
            rx.recv_blocking().unwrap();
            h.join().unwrap().unwrap();
        });
        assert_eq!(tx.blocked_senders(), 0, "{f:?}: after the send completed");
        // Full again (cap 0 is always "full").
        if !f.is_zero() {
            assert!(tx.is_full(), "{f:?}");
        }
        assert_eq!(
            tx.send_timeout(5, Duration::from_millis(5)),
            Err(SendTimeoutError::Timeout(5))
        );
        assert_eq!(tx.blocked_senders(), 0, "{f:?}: after a timeout");
        let mut fut = tx.send(6);
        assert!(poll_once(&mut fut).is_pending());
        assert_eq!(tx.blocked_senders(), 1, "{f:?}: a pending send future");
        drop(fut);
        assert_eq!(tx.blocked_senders(), 0, "{f:?}: after dropping the future");
        assert_eq!(rx.blocked_receivers(), 0, "{f:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Accessors
// ---------------------------------------------------------------------------------------------

/// `sender_count()` / `receiver_count()` follow clones and drops, on both handles.
#[test]
fn handle_counts() {
    for f in FLAVORS {
        let (tx, rx) = f.make::<u8>();
        assert_eq!((tx.sender_count(), tx.receiver_count()), (1, 1), "{f:?}");
        let tx2 = tx.clone();
        let rx2 = rx.clone();
        let rx3 = rx2.clone();
        assert_eq!((rx.sender_count(), rx.receiver_count()), (2, 3), "{f:?}");
        assert_eq!((tx2.sender_count(), tx2.receiver_count()), (2, 3), "{f:?}");
        drop(rx3);
        drop(tx);
        assert_eq!((rx2.sender_count(), rx2.receiver_count()), (1, 2), "{f:?}");
        assert!(tx2.close());
        assert_eq!(
            (rx.sender_count(), rx.receiver_count()),
            (1, 2),
            "{f:?}: close keeps handles"
        );
    }
}

/// `same_channel()` is true exactly for handles of one channel.
#[test]
fn same_channel() {
    for f in FLAVORS {
        let (tx, rx) = f.make::<u8>();
        let (tx_other, rx_other) = f.make::<u8>();
        assert!(tx.same_channel(&tx.clone()), "{f:?}");
        assert!(rx.same_channel(&rx.clone()), "{f:?}");
        assert!(tx.same_channel(&tx), "{f:?}");
        assert!(!tx.same_channel(&tx_other), "{f:?}");
        assert!(!rx.same_channel(&rx_other), "{f:?}");
    }
}

/// Checks `is_empty() == (len() == 0)` and `is_full() == (Some(len()) == capacity())` on both
/// handles (so a rendezvous channel, len 0 and capacity 0, is both empty and full, as in
/// crossbeam-channel).
fn check_len_invariants<T>(f: Flavor, tx: &gochan::Sender<T>, rx: &gochan::Receiver<T>) {
    for (len, cap, empty, full) in [
        (tx.len(), tx.capacity(), tx.is_empty(), tx.is_full()),
        (rx.len(), rx.capacity(), rx.is_empty(), rx.is_full()),
    ] {
        assert_eq!(cap, f.cap(), "{f:?}");
        assert_eq!(empty, len == 0, "{f:?}: is_empty with len {len}");
        assert_eq!(full, Some(len) == cap, "{f:?}: is_full with len {len}");
    }
}

/// `is_empty()` / `is_full()` / `len()` as a channel fills, drains and closes.
#[test]
fn is_empty_is_full() {
    for f in FLAVORS {
        let (tx, rx) = f.make::<usize>();
        check_len_invariants(f, &tx, &rx);
        assert!(rx.is_empty(), "{f:?}");
        for i in 0..f.room() {
            tx.try_send(i).unwrap();
            check_len_invariants(f, &tx, &rx);
            assert_eq!(rx.len(), i + 1, "{f:?}");
        }
        if f.can_be_full() {
            assert!(tx.is_full(), "{f:?}");
        } else {
            assert!(!tx.is_full(), "{f:?}: unbounded is never full");
        }
        tx.close();
        check_len_invariants(f, &tx, &rx);
        while rx.try_recv().is_ok() {
            check_len_invariants(f, &tx, &rx);
        }
        assert!(rx.is_empty(), "{f:?}");
    }
}

/// `try_iter()` takes what is ready now and stops without waiting; the channel stays open.
#[test]
fn try_iter_takes_only_what_is_ready() {
    for f in FLAVORS {
        let (tx, rx) = f.make::<usize>();
        assert_eq!(rx.try_iter().count(), 0, "{f:?}");
        if f.is_zero() {
            // On a rendezvous channel, "ready" is a blocked sender.
            thread::scope(|s| {
                let h = s.spawn(|| tx.send_blocking(8));
                wait_until("the sender is parked", || tx.blocked_senders() == 1);
                assert_eq!(rx.try_iter().collect::<Vec<_>>(), vec![8], "{f:?}");
                h.join().unwrap().unwrap();
            });
        } else {
            for i in 0..f.room() {
                tx.try_send(i).unwrap();
            }
            assert_eq!(
                rx.try_iter().collect::<Vec<_>>(),
                (0..f.room()).collect::<Vec<_>>(),
                "{f:?}"
            );
        }
        assert!(!rx.is_closed(), "{f:?}");
        assert_eq!(rx.try_iter().next(), None, "{f:?}");
        tx.try_send(1).ok();
        // Still usable afterwards.
        drop(tx);
        assert!(rx.try_iter().count() <= 1, "{f:?}");
        assert_eq!(rx.iter().next(), None, "{f:?}");
    }
}

/// `iter()` (Go's `for range`) ends when the channel is closed and drained.
#[test]
fn iter_ends_on_close() {
    for f in FLAVORS {
        let (tx, rx) = f.make::<usize>();
        let got = thread::scope(|s| {
            s.spawn(|| {
                for i in 0..50 {
                    tx.send_blocking(i).unwrap();
                }
                tx.close();
            });
            (&rx).into_iter().collect::<Vec<_>>()
        });
        assert_eq!(got, (0..50).collect::<Vec<_>>(), "{f:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Stream and Sink
// ---------------------------------------------------------------------------------------------

/// `Receiver` is a `Stream` that ends when the channel is closed and drained.
#[test]
fn receiver_is_a_stream() {
    for f in FLAVORS {
        let (tx, mut rx) = f.make::<usize>();
        thread::scope(|s| {
            s.spawn(move || {
                for i in 0..50 {
                    tx.send_blocking(i).unwrap();
                }
            });
            let got = block_on(async {
                let mut v = Vec::new();
                while let Some(x) = rx.next().await {
                    v.push(x);
                }
                v
            });
            assert_eq!(got, (0..50).collect::<Vec<_>>(), "{f:?}");
        });
        assert_eq!(
            block_on(rx.next()),
            None,
            "{f:?}: a finished stream stays finished"
        );
    }
}

/// `Sender` is a `Sink`: `SinkExt::send` delivers in order, and fails once the channel is
/// closed.
#[test]
fn sender_is_a_sink() {
    for f in FLAVORS {
        let (mut tx, rx) = f.make::<usize>();
        thread::scope(|s| {
            let h = s.spawn(|| rx.iter().take(50).collect::<Vec<_>>());
            block_on(async {
                for i in 0..50 {
                    SinkExt::send(&mut tx, i).await.unwrap();
                }
            });
            assert_eq!(h.join().unwrap(), (0..50).collect::<Vec<_>>(), "{f:?}");
        });
        rx.close();
        assert!(
            block_on(SinkExt::send(&mut tx, 1)).is_err(),
            "{f:?}: sink on closed"
        );
    }
}

/// `Sink` and `Stream` together: `forward` moves a whole stream through the channel.
#[test]
fn sink_forward_and_stream_collect() {
    for f in FLAVORS {
        let (tx, rx) = f.make::<usize>();
        let fwd = futures::stream::iter(0..100).map(Ok).forward(tx);
        let ((), got) = block_on(futures::future::join(
            async { fwd.await.unwrap() },
            rx.collect::<Vec<_>>(),
        ));
        assert_eq!(got, (0..100).collect::<Vec<_>>(), "{f:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Panics in user code
// ---------------------------------------------------------------------------------------------

/// A message whose `Drop` panics when armed (only one per test, so no double panic).
struct PanicOnDrop {
    id: usize,
    armed: bool,
    drops: Arc<AtomicUsize>,
}

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
        if self.armed && !thread::panicking() {
            panic!("PanicOnDrop {} dropped", self.id);
        }
    }
}

fn msg(id: usize, armed: bool, drops: &Arc<AtomicUsize>) -> PanicOnDrop {
    PanicOnDrop {
        id,
        armed,
        drops: drops.clone(),
    }
}

/// A message whose `Drop` panics after it was received: the panic is the user's; the channel
/// is untouched and keeps working.
#[test]
fn panicking_drop_after_recv_leaves_channel_usable() {
    for f in FLAVORS {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = f.make::<PanicOnDrop>();
        thread::scope(|s| {
            s.spawn(|| {
                tx.send_blocking(msg(1, true, &drops)).unwrap();
                tx.send_blocking(msg(2, false, &drops)).unwrap();
            });
            let r = catch_unwind(AssertUnwindSafe(|| {
                let m = rx.recv_blocking().unwrap();
                assert_eq!(m.id, 1);
                drop(m);
            }));
            assert!(r.is_err(), "{f:?}: the armed message panicked on drop");
            assert_eq!(rx.recv_blocking().map(|m| m.id), Some(2), "{f:?}");
        });
        assert_eq!(rx.blocked_receivers(), 0, "{f:?}");
        assert_eq!(tx.blocked_senders(), 0, "{f:?}");
    }
}

/// The last receiver's drop drops the buffer; a panic from one buffered message's `Drop` must
/// not stop the close from waking blocked senders (with their messages), nor lose or double-drop
/// the other messages, nor break the senders' side.
#[test]
fn panicking_drop_of_buffered_message_on_receiver_drop() {
    for f in FLAVORS.into_iter().filter(|f| !f.is_zero()) {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = f.make::<PanicOnDrop>();
        let room = f.room();
        for i in 0..room {
            tx.try_send(msg(i, i == room / 2, &drops)).unwrap();
        }
        thread::scope(|s| {
            let blocked = f
                .can_be_full()
                .then(|| s.spawn(|| tx.send_timeout(msg(100, false, &drops), PATIENCE)));
            if blocked.is_some() {
                wait_until("the sender is parked", || tx.blocked_senders() == 1);
            }
            let r = catch_unwind(AssertUnwindSafe(|| drop(rx)));
            // Whether the panic reaches the dropping thread is the library's choice; the state
            // afterwards is not.
            let _ = r;
            assert!(tx.is_closed(), "{f:?}: closed after the last receiver went");
            if let Some(h) = blocked {
                match h.join().unwrap() {
                    Err(SendTimeoutError::Closed(m)) => assert_eq!(m.id, 100),
                    Err(SendTimeoutError::Timeout(_)) => {
                        panic!("{f:?}: the blocked sender was never woken by the close")
                    }
                    Ok(()) => panic!("{f:?}: a send succeeded with no receiver"),
                }
            }
        });
        match tx.try_send(msg(200, false, &drops)) {
            Err(TrySendError::Closed(m)) => assert_eq!(m.id, 200),
            other => panic!("{f:?}: try_send after the receivers went: {other:?}"),
        }
        assert_eq!(tx.receiver_count(), 0, "{f:?}");
        assert_eq!(tx.blocked_senders(), 0, "{f:?}");
        drop(tx);
        let expected = room + usize::from(f.can_be_full()) + 1;
        assert_eq!(
            drops.load(Ordering::SeqCst),
            expected,
            "{f:?}: every message dropped once"
        );
    }
}

/// A task that panics while its `recv` (or `send`) future is pending drops the future during
/// unwinding; the channel is left clean and usable.
#[test]
fn panic_while_future_pending_leaves_channel_usable() {
    for f in FLAVORS {
        let (tx, rx) = f.make::<usize>();
        let r = catch_unwind(AssertUnwindSafe(|| {
            let mut fut = rx.recv();
            assert!(poll_once(&mut fut).is_pending());
            panic!("user code panics with a pending recv");
        }));
        assert!(r.is_err());
        assert_eq!(rx.blocked_receivers(), 0, "{f:?}");
        if f.can_be_full() {
            for i in 0..f.room() {
                tx.try_send(i).unwrap();
            }
            let r = catch_unwind(AssertUnwindSafe(|| {
                let mut fut = tx.send(99);
                assert!(poll_once(&mut fut).is_pending());
                panic!("user code panics with a pending send");
            }));
            assert!(r.is_err());
            assert_eq!(tx.blocked_senders(), 0, "{f:?}");
            assert_eq!(
                rx.try_iter().collect::<Vec<_>>(),
                (0..f.room()).collect::<Vec<_>>()
            );
        }
        thread::scope(|s| {
            s.spawn(|| tx.send_blocking(5).unwrap());
            assert_eq!(rx.recv_blocking(), Some(5), "{f:?}");
        });
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{f:?}");
    }
}

/// Messages survive a trip through `unbounded()` in bulk (the list flavor's block boundaries)
/// and through `bounded(1)` many wrap-arounds, in order.
#[test]
fn many_messages_in_order() {
    let (tx, rx) = unbounded::<usize>();
    for i in 0..10_000 {
        tx.send_blocking(i).unwrap();
    }
    assert_eq!(rx.len(), 10_000);
    for i in 0..10_000 {
        assert_eq!(rx.try_recv(), Ok(i));
    }
    let (tx, rx) = bounded::<usize>(1);
    thread::scope(|s| {
        s.spawn(|| {
            for i in 0..2_000 {
                tx.send_blocking(i).unwrap();
            }
        });
        for i in 0..2_000 {
            assert_eq!(rx.recv_blocking(), Some(i));
        }
    });
}

// ---------------------------------------------------------------------------------------------
// G4 Non-blocking operations against parked peers
// ---------------------------------------------------------------------------------------------

/// G4 (go-reference A4.2, A5.2, A9.1): a parked peer makes a non-blocking operation ready, so
/// `try_send` to a parked receiver and `try_recv` from a parked sender succeed at once (no
/// retry), and on a full buffer `try_recv` moves the parked sender's value into the freed slot.
#[test]
fn g4_try_ops_with_parked_peer() {
    for f in FLAVORS {
        let (tx, rx) = f.make::<usize>();
        thread::scope(|s| {
            let h = s.spawn(|| rx.recv_blocking());
            wait_until("the receiver is parked", || rx.blocked_receivers() == 1);
            assert_eq!(
                tx.try_send(1),
                Ok(()),
                "{f:?}: try_send to a parked receiver"
            );
            assert_eq!(h.join().unwrap(), Some(1), "{f:?}");
        });
        if !f.can_be_full() {
            continue;
        }
        for i in 0..f.room() {
            tx.try_send(i).unwrap();
        }
        thread::scope(|s| {
            let h = s.spawn(|| tx.send_blocking(100));
            wait_until("the sender is parked", || tx.blocked_senders() == 1);
            let expect = if f.is_zero() { 100 } else { 0 };
            assert_eq!(
                rx.try_recv(),
                Ok(expect),
                "{f:?}: try_recv with a parked sender"
            );
            h.join().unwrap().unwrap();
            // A5.2: the parked sender's value took the freed slot; the buffer is full again.
            assert_eq!(rx.len(), f.room(), "{f:?}");
        });
        let mut expect: Vec<usize> = (1..f.room()).collect();
        if !f.is_zero() {
            expect.push(100);
        }
        assert_eq!(rx.try_iter().collect::<Vec<_>>(), expect, "{f:?}");
    }
}
