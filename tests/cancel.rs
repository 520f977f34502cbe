//! Cancel safety (G6): dropping a pending `recv()` or `send()` future never loses a message and
//! never delivers one twice.
//!
//! The torture tests drop futures at random points on a multi-threaded runtime; the
//! deterministic tests build the dangerous interleavings by hand (a message handed to a pending
//! receive future that is then dropped without being polled again).

mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::task::Poll;
use std::thread;
use std::time::Duration;

use common::{poll_once, poll_with, wait_until, CountingWaker, Flavor, Rng, FLAVORS, PATIENCE};
use gochan::{RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError};

// ---------------------------------------------------------------------------------------------
// Torture
// ---------------------------------------------------------------------------------------------

const PRODUCERS: u64 = 4;
const CONSUMERS: u64 = 4;
const PER_PRODUCER: u64 = 300;

/// What one run saw.
struct Outcome {
    /// Ids whose `send()` completed with `Ok`.
    ok: Vec<u64>,
    /// Ids whose `send()` future was dropped before it completed.
    dropped: Vec<u64>,
    /// Every id any consumer received, in no particular order.
    received: Vec<u64>,
}

/// Drives `fut` in one of four ways chosen by `rng`: polled once and dropped if pending (right
/// away, or after other tasks had a turn),
/// `tokio::time::timeout` with zero or a tiny timeout, or to completion. `None` = dropped.
async fn maybe_cancel<F>(rng: &mut Rng, mut fut: F) -> Option<F::Output>
where
    F: std::future::Future + Unpin,
{
    match rng.below(8) {
        0 | 1 => {
            let r = match futures::poll!(&mut fut) {
                Poll::Ready(v) => Some(v),
                Poll::Pending => None,
            };
            if r.is_none() && rng.below(2) == 0 {
                // Stay registered while other tasks run (a peer may hand this future a
                // message), then drop it without polling it again.
                tokio::task::yield_now().await;
            }
            drop(fut);
            if r.is_none() {
                tokio::task::yield_now().await;
            }
            r
        }
        2 | 3 => tokio::time::timeout(Duration::ZERO, fut).await.ok(),
        4 | 5 => {
            let d = Duration::from_micros(rng.below(300));
            tokio::time::timeout(d, fut).await.ok()
        }
        _ => Some(fut.await),
    }
}

/// Four producers and four consumers on a multi-thread runtime, every operation liable to be
/// cancelled. Each send attempt uses a fresh id, so a duplicate or a stray delivery is visible.
fn torture(f: Flavor, seed: u64) -> Outcome {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async move {
        let (tx, rx) = f.make::<u64>();
        let mut producers = Vec::new();
        for p in 0..PRODUCERS {
            let tx = tx.clone();
            producers.push(tokio::spawn(async move {
                let mut rng = Rng::new(seed * 1000 + p);
                let (mut ok, mut dropped) = (Vec::new(), Vec::new());
                let mut attempt = 0u64;
                for _ in 0..PER_PRODUCER {
                    loop {
                        let id = (p << 32) | attempt;
                        attempt += 1;
                        match maybe_cancel(&mut rng, tx.send(id)).await {
                            Some(Ok(())) => {
                                ok.push(id);
                                break;
                            }
                            Some(Err(SendError(v))) => {
                                panic!("{f:?}: send of {v} failed on an open channel")
                            }
                            None => dropped.push(id),
                        }
                    }
                }
                (ok, dropped)
            }));
        }
        drop(tx);
        let mut consumers = Vec::new();
        for c in 0..CONSUMERS {
            let rx = rx.clone();
            consumers.push(tokio::spawn(async move {
                let mut rng = Rng::new(seed * 1000 + 500 + c);
                let mut got = Vec::new();
                loop {
                    match maybe_cancel(&mut rng, rx.recv()).await {
                        Some(Some(v)) => got.push(v),
                        Some(None) => break,
                        None => {}
                    }
                }
                got
            }));
        }
        drop(rx);
        let mut out = Outcome {
            ok: Vec::new(),
            dropped: Vec::new(),
            received: Vec::new(),
        };
        for p in producers {
            let (ok, dropped) = tokio::time::timeout(PATIENCE, p)
                .await
                .unwrap_or_else(|_| panic!("{f:?}: producers hung"))
                .unwrap();
            out.ok.extend(ok);
            out.dropped.extend(dropped);
        }
        for c in consumers {
            let got = tokio::time::timeout(PATIENCE, c)
                .await
                .unwrap_or_else(|_| panic!("{f:?}: consumers hung after the senders left"))
                .unwrap();
            out.received.extend(got);
        }
        out
    })
}

fn check_torture(f: Flavor) {
    for seed in 1..=3 {
        let out = torture(f, seed);
        let label = format!("{f:?} seed {seed}");
        let delivered_after_drop =
            common::check_exactly_once(&label, &out.received, &out.ok, &out.dropped);
        assert_eq!(out.ok.len() as u64, PRODUCERS * PER_PRODUCER);
        if std::env::var_os("GOCHAN_TEST_VERBOSE").is_some() {
            eprintln!(
                "{f:?} seed {seed}: {} ok, {} dropped sends ({delivered_after_drop} of them delivered)",
                out.ok.len(),
                out.dropped.len()
            );
        }
    }
}

/// G6 torture on `bounded(0)`.
#[test]
fn torture_cancel_bounded_0() {
    check_torture(Flavor::Bounded(0));
}

/// G6 torture on `bounded(1)`.
#[test]
fn torture_cancel_bounded_1() {
    check_torture(Flavor::Bounded(1));
}

/// G6 torture on `bounded(3)`.
#[test]
fn torture_cancel_bounded_3() {
    check_torture(Flavor::Bounded(3));
}

/// G6 torture on `unbounded()`.
#[test]
fn torture_cancel_unbounded() {
    check_torture(Flavor::Unbounded);
}

// ---------------------------------------------------------------------------------------------
// Torture with timeouts: blocking threads and async tasks on one channel
// ---------------------------------------------------------------------------------------------

/// What a mixed run saw. Unlike a dropped future, a `try_send` that reports `Full` and a
/// `send_timeout` that reports `Timeout` give the message back, so those messages must never
/// be received.
#[derive(Default)]
struct MixedOutcome {
    ok: Vec<u64>,
    /// Given back in `Err` (blocking forms): must not be received.
    returned: Vec<u64>,
    /// Send futures dropped before completion: may or may not have been received.
    dropped: Vec<u64>,
    received: Vec<u64>,
}

fn micros(rng: &mut Rng) -> Duration {
    Duration::from_micros(rng.below(300))
}

fn blocking_producer(tx: gochan::Sender<u64>, p: u64, seed: u64) -> MixedOutcome {
    let mut rng = Rng::new(seed * 1000 + p);
    let mut out = MixedOutcome::default();
    let mut attempt = 0u64;
    for _ in 0..PER_PRODUCER {
        loop {
            let id = (p << 32) | attempt;
            attempt += 1;
            let sent = match rng.below(4) {
                0 => match tx.try_send(id) {
                    Ok(()) => true,
                    Err(TrySendError::Full(v)) => {
                        assert_eq!(v, id, "try_send gave back another message");
                        false
                    }
                    Err(TrySendError::Closed(_)) => panic!("closed under a producer"),
                },
                1 | 2 => match tx.send_timeout(id, micros(&mut rng)) {
                    Ok(()) => true,
                    Err(SendTimeoutError::Timeout(v)) => {
                        assert_eq!(v, id, "send_timeout gave back another message");
                        false
                    }
                    Err(SendTimeoutError::Closed(_)) => panic!("closed under a producer"),
                },
                _ => {
                    tx.send_blocking(id).expect("closed under a producer");
                    true
                }
            };
            if sent {
                out.ok.push(id);
                break;
            }
            out.returned.push(id);
        }
    }
    out
}

fn blocking_consumer(rx: gochan::Receiver<u64>, c: u64, seed: u64) -> Vec<u64> {
    let mut rng = Rng::new(seed * 1000 + 500 + c);
    let mut got = Vec::new();
    loop {
        match rng.below(4) {
            0 => match rx.try_recv() {
                Ok(v) => got.push(v),
                Err(TryRecvError::Empty) => thread::yield_now(),
                Err(TryRecvError::Closed) => return got,
            },
            1 | 2 => match rx.recv_timeout(micros(&mut rng)) {
                Ok(v) => got.push(v),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Closed) => return got,
            },
            _ => match rx.recv_blocking() {
                Some(v) => got.push(v),
                None => return got,
            },
        }
    }
}

/// Two blocking producers (`try_send`, `send_timeout` with tiny timeouts, `send_blocking`), two
/// async producers (cancelled futures), two blocking consumers (`try_recv`, `recv_timeout`,
/// `recv_blocking`) and two async consumers (cancelled futures), all on one channel.
fn mixed_torture(f: Flavor, seed: u64) -> MixedOutcome {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let (tx, rx) = f.make::<u64>();
    let mut out = MixedOutcome::default();
    thread::scope(|s| {
        let blocking_producers: Vec<_> = (0..2)
            .map(|p| {
                let tx = tx.clone();
                s.spawn(move || blocking_producer(tx, p, seed))
            })
            .collect();
        let blocking_consumers: Vec<_> = (0..2)
            .map(|c| {
                let rx = rx.clone();
                s.spawn(move || blocking_consumer(rx, c, seed))
            })
            .collect();
        let async_producers: Vec<_> = (2..4)
            .map(|p| {
                let tx = tx.clone();
                rt.spawn(async move {
                    let mut rng = Rng::new(seed * 1000 + p);
                    let (mut ok, mut dropped) = (Vec::new(), Vec::new());
                    let mut attempt = 0u64;
                    for _ in 0..PER_PRODUCER {
                        loop {
                            let id = (p << 32) | attempt;
                            attempt += 1;
                            match maybe_cancel(&mut rng, tx.send(id)).await {
                                Some(Ok(())) => {
                                    ok.push(id);
                                    break;
                                }
                                Some(Err(_)) => panic!("closed under a producer"),
                                None => dropped.push(id),
                            }
                        }
                    }
                    (ok, dropped)
                })
            })
            .collect();
        let async_consumers: Vec<_> = (2..4)
            .map(|c| {
                let rx = rx.clone();
                rt.spawn(async move {
                    let mut rng = Rng::new(seed * 1000 + 500 + c);
                    let mut got = Vec::new();
                    loop {
                        match maybe_cancel(&mut rng, rx.recv()).await {
                            Some(Some(v)) => got.push(v),
                            Some(None) => return got,
                            None => {}
                        }
                    }
                })
            })
            .collect();
        drop((tx, rx));
        for h in blocking_producers {
            let o = h.join().unwrap();
            out.ok.extend(o.ok);
            out.returned.extend(o.returned);
        }
        rt.block_on(async {
            for h in async_producers {
                let (ok, dropped) = tokio::time::timeout(PATIENCE, h)
                    .await
                    .unwrap_or_else(|_| panic!("{f:?}: async producers hung"))
                    .unwrap();
                out.ok.extend(ok);
                out.dropped.extend(dropped);
            }
            for h in async_consumers {
                let got = tokio::time::timeout(PATIENCE, h)
                    .await
                    .unwrap_or_else(|_| panic!("{f:?}: async consumers hung"))
                    .unwrap();
                out.received.extend(got);
            }
        });
        for h in blocking_consumers {
            out.received.extend(h.join().unwrap());
        }
    });
    out
}

fn check_mixed_torture(f: Flavor) {
    for seed in 1..=2 {
        let out = mixed_torture(f, seed);
        let mut seen = HashSet::new();
        for &id in &out.received {
            assert!(
                seen.insert(id),
                "{f:?} seed {seed}: id {id:#x} received twice"
            );
        }
        let ok: HashSet<u64> = out.ok.iter().copied().collect();
        let returned: HashSet<u64> = out.returned.iter().copied().collect();
        let dropped: HashSet<u64> = out.dropped.iter().copied().collect();
        let lost: Vec<_> = ok.difference(&seen).collect();
        assert!(
            lost.is_empty(),
            "{f:?} seed {seed}: {} messages sent with Ok were never received: {lost:x?}",
            lost.len()
        );
        let both: Vec<_> = returned.intersection(&seen).collect();
        assert!(
            both.is_empty(),
            "{f:?} seed {seed}: messages given back in Err (Full/Timeout) were also received: {both:x?}"
        );
        let stray: Vec<_> = seen
            .iter()
            .filter(|id| !ok.contains(id) && !dropped.contains(id))
            .collect();
        assert!(
            stray.is_empty(),
            "{f:?} seed {seed}: ids never sent were received: {stray:x?}"
        );
        assert_eq!(out.ok.len() as u64, 4 * PER_PRODUCER, "{f:?}");
        if std::env::var_os("GOCHAN_TEST_VERBOSE").is_some() {
            eprintln!(
                "{f:?} seed {seed}: {} ok, {} given back, {} dropped futures",
                out.ok.len(),
                out.returned.len(),
                out.dropped.len()
            );
        }
    }
}

/// G6 + timeouts, mixed blocking and async, on `bounded(0)`.
#[test]
fn torture_mixed_timeouts_bounded_0() {
    check_mixed_torture(Flavor::Bounded(0));
}

/// G6 + timeouts, mixed blocking and async, on `bounded(1)`.
#[test]
fn torture_mixed_timeouts_bounded_1() {
    check_mixed_torture(Flavor::Bounded(1));
}

/// G6 + timeouts, mixed blocking and async, on `bounded(3)`.
#[test]
fn torture_mixed_timeouts_bounded_3() {
    check_mixed_torture(Flavor::Bounded(3));
}

/// G6 + timeouts, mixed blocking and async, on `unbounded()`.
#[test]
fn torture_mixed_timeouts_unbounded() {
    check_mixed_torture(Flavor::Unbounded);
}

// ---------------------------------------------------------------------------------------------
// Deterministic interleavings
// ---------------------------------------------------------------------------------------------

/// G6: a receive future is pending; a message arrives (on a rendezvous channel it can only be
/// handed to that future); the future is dropped without being polled again. The message must
/// not be lost: a later `try_recv` gets it, and everything sent comes out once, in send order
/// (G1). The first `try_send` must succeed: a receiver was waiting, or there was room (G4).
#[test]
fn handed_to_dropped_recv_future_comes_back() {
    for f in FLAVORS {
        let (tx, rx) = f.make::<u32>();
        let mut fut = rx.recv();
        assert!(poll_once(&mut fut).is_pending(), "{f:?}");
        assert_eq!(rx.blocked_receivers(), 1, "{f:?}");
        let mut sent = Vec::new();
        for v in [7, 8, 9] {
            if tx.try_send(v).is_ok() {
                sent.push(v);
            }
        }
        assert_eq!(
            sent.first(),
            Some(&7),
            "{f:?}: try_send with a waiting receiver failed"
        );
        drop(fut);
        assert_eq!(rx.blocked_receivers(), 0, "{f:?}");
        let got: Vec<u32> = rx.try_iter().collect();
        assert_eq!(
            got, sent,
            "{f:?}: messages after the handed-to future was dropped"
        );
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{f:?}");
    }
}

/// G6 + G8: the same, with a second receive future pending behind the first. After the first
/// is dropped, the second must have been woken (or an executor would never poll it again) and
/// must get the message; nobody gets it twice.
#[test]
fn handed_to_dropped_recv_future_goes_to_next_future() {
    for f in FLAVORS {
        let (tx, rx) = f.make::<u32>();
        let rx2 = rx.clone();
        let mut first = rx.recv();
        assert!(poll_once(&mut first).is_pending(), "{f:?}");
        let (counter, waker) = CountingWaker::new();
        let mut second = rx2.recv();
        assert!(poll_with(&mut second, &waker).is_pending(), "{f:?}");
        assert_eq!(rx.blocked_receivers(), 2, "{f:?}");
        tx.try_send(7)
            .unwrap_or_else(|e| panic!("{f:?}: try_send with waiting receivers: {e:?}"));
        drop(first);
        assert!(
            counter.count() > 0,
            "{f:?}: the remaining receive future was never woken"
        );
        assert_eq!(
            poll_with(&mut second, &waker),
            Poll::Ready(Some(7)),
            "{f:?}"
        );
        assert_eq!(
            rx.try_recv(),
            Err(TryRecvError::Empty),
            "{f:?}: delivered twice?"
        );
        assert_eq!(rx.blocked_receivers(), 0, "{f:?}");
    }
}

/// G6: the same, with a thread blocked in `recv_timeout` behind the dropped future: the thread
/// must get the message.
#[test]
fn handed_to_dropped_recv_future_goes_to_blocked_thread() {
    for f in FLAVORS {
        let (tx, rx) = f.make::<u32>();
        let mut fut = rx.recv();
        assert!(poll_once(&mut fut).is_pending(), "{f:?}");
        thread::scope(|s| {
            let h = s.spawn(|| rx.recv_timeout(PATIENCE));
            wait_until("the thread is parked behind the future", || {
                rx.blocked_receivers() == 2
            });
            tx.try_send(7)
                .unwrap_or_else(|e| panic!("{f:?}: try_send with waiting receivers: {e:?}"));
            drop(fut);
            match h.join().unwrap() {
                Ok(v) => assert_eq!(v, 7, "{f:?}"),
                Err(RecvTimeoutError::Timeout) => {
                    panic!("{f:?}: the message handed to the dropped future was lost")
                }
                Err(e) => panic!("{f:?}: {e:?}"),
            }
        });
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{f:?}");
    }
}

/// G6 with a blocking sender: the message a parked `send_blocking` hands to a pending receive
/// future that is then dropped is received later (the send itself may have completed).
#[test]
fn blocking_send_to_dropped_recv_future_is_not_lost() {
    for f in FLAVORS {
        let (tx, rx) = f.make::<u32>();
        let mut fut = rx.recv();
        assert!(poll_once(&mut fut).is_pending(), "{f:?}");
        thread::scope(|s| {
            let h = s.spawn(|| tx.send_timeout(7, PATIENCE));
            // The sender has either completed (it handed the message over) or is parked.
            wait_until("the send completed or parked", || {
                h.is_finished() || tx.blocked_senders() == 1
            });
            drop(fut);
            assert_eq!(
                rx.recv_timeout(PATIENCE),
                Ok(7),
                "{f:?}: the message was lost with the dropped future"
            );
            assert!(h.join().unwrap().is_ok(), "{f:?}");
        });
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{f:?}");
    }
}

/// G6: a send future dropped while pending did not send: the channel holds only what was there.
#[test]
fn dropped_pending_send_future_did_not_send() {
    for f in FLAVORS.into_iter().filter(|f| f.can_be_full()) {
        let (tx, rx) = f.make::<u32>();
        for i in 0..f.room() as u32 {
            tx.try_send(i).unwrap();
        }
        let mut fut = tx.send(99);
        assert!(poll_once(&mut fut).is_pending(), "{f:?}");
        assert_eq!(tx.blocked_senders(), 1, "{f:?}");
        drop(fut);
        assert_eq!(tx.blocked_senders(), 0, "{f:?}");
        let got: Vec<u32> = rx.try_iter().collect();
        assert_eq!(got, (0..f.room() as u32).collect::<Vec<_>>(), "{f:?}");
        // And a receiver that comes later does not find it either.
        assert_eq!(
            rx.recv_timeout(Duration::from_millis(5)),
            Err(RecvTimeoutError::Timeout),
            "{f:?}"
        );
    }
}

/// A pending send future is woken when a receive frees room (or, unbuffered, takes its value),
/// completes with `Ok` when polled, and its message arrives once, after the buffered ones.
#[test]
fn pending_send_future_completes_after_receive() {
    for f in FLAVORS.into_iter().filter(|f| f.can_be_full()) {
        let (tx, rx) = f.make::<u32>();
        for i in 0..f.room() as u32 {
            tx.try_send(i).unwrap();
        }
        let (counter, waker) = CountingWaker::new();
        let mut fut = tx.send(99);
        assert!(poll_with(&mut fut, &waker).is_pending(), "{f:?}");
        let first = rx.try_recv();
        let expect_first = if f.is_zero() { 99 } else { 0 };
        assert_eq!(
            first,
            Ok(expect_first),
            "{f:?}: try_recv with a pending sender (G4)"
        );
        assert!(
            counter.count() > 0,
            "{f:?}: the pending send was never woken"
        );
        assert!(
            matches!(poll_with(&mut fut, &waker), Poll::Ready(Ok(()))),
            "{f:?}"
        );
        drop(fut);
        let rest: Vec<u32> = rx.try_iter().collect();
        let mut expect: Vec<u32> = (1..f.room() as u32).collect();
        if !f.is_zero() {
            expect.push(99);
        }
        assert_eq!(rest, expect, "{f:?}");
    }
}

/// Dropping a `recv()` future that was never polled, or that completed, changes nothing.
#[test]
fn unpolled_and_completed_futures_drop_cleanly() {
    for f in FLAVORS {
        let (tx, rx) = f.make::<u32>();
        drop(rx.recv());
        drop(tx.send(1));
        assert_eq!(
            rx.try_recv(),
            Err(TryRecvError::Empty),
            "{f:?}: an unpolled send sent"
        );
        assert_eq!(
            (rx.blocked_receivers(), tx.blocked_senders()),
            (0, 0),
            "{f:?}"
        );
        if !f.is_zero() {
            let mut s = tx.send(2);
            assert!(matches!(poll_once(&mut s), Poll::Ready(Ok(()))), "{f:?}");
            drop(s);
            let mut r = rx.recv();
            assert_eq!(poll_once(&mut r), Poll::Ready(Some(2)), "{f:?}");
            drop(r);
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{f:?}");
        }
    }
}

/// Many rounds of "pending receive future dropped right after a send on another thread":
/// every message is received exactly once.
#[test]
fn racing_send_and_recv_future_drop() {
    for f in FLAVORS {
        let (tx, rx) = f.make::<u32>();
        let rx = Arc::new(rx);
        const ROUNDS: u32 = 200;
        let got = thread::scope(|s| {
            let sender = s.spawn(|| {
                for i in 0..ROUNDS {
                    tx.send_blocking(i).unwrap();
                }
            });
            let mut got = Vec::new();
            while got.len() < ROUNDS as usize {
                let mut fut = rx.recv();
                match poll_once(&mut fut) {
                    Poll::Ready(Some(v)) => got.push(v),
                    Poll::Ready(None) => panic!("{f:?}: closed early"),
                    Poll::Pending => {
                        thread::yield_now();
                        drop(fut);
                        if let Ok(v) = rx.try_recv() {
                            got.push(v);
                        }
                    }
                }
            }
            sender.join().unwrap();
            got
        });
        assert_eq!(got, (0..ROUNDS).collect::<Vec<_>>(), "{f:?}");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{f:?}");
    }
}

/// G6 for `Stream`: a `next()` future that was pending when a message arrived and was then
/// dropped loses nothing: the next `next()` (or another receiver, once this one is gone) gets
/// the message, once.
#[test]
fn stream_next_dropped_after_handoff() {
    use futures::StreamExt;
    for f in FLAVORS {
        let (tx, mut rx) = f.make::<u32>();
        {
            let mut next = rx.next();
            assert!(poll_once(&mut next).is_pending(), "{f:?}");
        }
        tx.try_send(7)
            .unwrap_or_else(|e| panic!("{f:?}: try_send with a waiting stream: {e:?}"));
        {
            let mut next = rx.next();
            assert_eq!(poll_once(&mut next), Poll::Ready(Some(7)), "{f:?}");
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{f:?}");

        // The same, but the stream's receiver is dropped: the message goes to another one.
        let rx2 = rx.clone();
        {
            let mut next = rx.next();
            assert!(poll_once(&mut next).is_pending(), "{f:?}");
        }
        if tx.try_send(8).is_ok() {
            drop(rx);
            assert_eq!(
                rx2.recv_timeout(PATIENCE),
                Ok(8),
                "{f:?}: the message handed to a dropped stream was lost"
            );
        } else {
            panic!("{f:?}: try_send with a waiting stream failed");
        }
        assert_eq!(rx2.try_recv(), Err(TryRecvError::Empty), "{f:?}");
    }
}
