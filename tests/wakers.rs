//! A waker is user code: waking or dropping it must never happen while a channel lock is held
//! (the channel invariant 4, waiter invariant 7). Wait entries and their records are reused
//! from a per-channel spare, so these tests drive every way a record ends (woken by a peer,
//! cancelled, lost in a select, aborted by a `default`) and then reuse the spare, with a waker
//! that checks, when it is woken and when it is dropped, that the channel can be locked.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Poll, Wake, Waker};
use std::thread;

use common::{poll_once, poll_with, PATIENCE};
use gochan::{bounded, select, Receiver};

/// Counts of what the probe saw.
#[derive(Default)]
struct Seen {
    /// Wake-ups and drops of the probe.
    events: AtomicUsize,
    /// Events during which another thread could not use the channel.
    under_lock: AtomicUsize,
}

/// A waker that, when woken or dropped, has another thread use the channel (which needs its
/// lock) and waits for it: if the channel is locked, that thread spins until the lock is
/// released, after the probe returns, and the wait gives up.
struct Probe {
    rx: Receiver<u32>,
    seen: Arc<Seen>,
}

impl Probe {
    fn waker(rx: &Receiver<u32>, seen: &Arc<Seen>) -> Waker {
        Waker::from(Arc::new(Probe {
            rx: rx.clone(),
            seen: seen.clone(),
        }))
    }

    fn check(&self) {
        self.seen.events.fetch_add(1, Ordering::SeqCst);
        let rx = self.rx.clone();
        let (done_tx, done_rx) = mpsc::channel();
        thread::spawn(move || {
            // Buffered messages are never sent by these tests, so this takes nothing.
            let _ = rx.try_recv();
            let _ = done_tx.send(());
        });
        if done_rx.recv_timeout(PATIENCE).is_err() {
            self.seen.under_lock.fetch_add(1, Ordering::SeqCst);
        }
    }
}

impl Wake for Probe {
    fn wake(self: Arc<Self>) {
        self.check();
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        self.check();
    }
}

fn assert_clean(seen: &Seen, at_least: usize) {
    let events = seen.events.load(Ordering::SeqCst);
    assert!(
        events >= at_least,
        "the probe saw {events} events, expected {at_least}"
    );
    assert_eq!(
        seen.under_lock.load(Ordering::SeqCst),
        0,
        "a waker ran under a lock"
    );
}

#[test]
fn woken_receive_then_reused_entry() {
    let (tx, rx) = bounded::<u32>(0);
    let seen = Arc::new(Seen::default());
    for i in 0..3 {
        let mut fut = rx.recv();
        // The record holds the only reference to the probe: its wake consumes it.
        assert!(poll_with(&mut fut, &Probe::waker(&rx, &seen)).is_pending());
        tx.try_send(i).unwrap();
        assert_eq!(poll_once(&mut fut), Poll::Ready(Some(i)));
    }
    // Each round: one wake and one drop.
    assert_clean(&seen, 6);
}

#[test]
fn cancelled_receive_then_reused_entry() {
    let (tx, rx) = bounded::<u32>(0);
    let seen = Arc::new(Seen::default());
    for _ in 0..3 {
        let mut fut = rx.recv();
        assert!(poll_with(&mut fut, &Probe::waker(&rx, &seen)).is_pending());
        drop(fut);
    }
    // The next wait reuses the spare left by the last withdrawal.
    let mut fut = tx.send(7);
    assert!(poll_once(&mut fut).is_pending());
    assert_eq!(rx.try_recv(), Ok(7));
    assert_clean(&seen, 3);
}

#[test]
fn cancelled_send_then_reused_entry() {
    let (tx, rx) = bounded::<u32>(0);
    let seen = Arc::new(Seen::default());
    for i in 0..3 {
        let mut fut = tx.send(i);
        assert!(poll_with(&mut fut, &Probe::waker(&rx, &seen)).is_pending());
        drop(fut);
    }
    let mut fut = rx.recv();
    assert!(poll_once(&mut fut).is_pending());
    tx.try_send(9).unwrap();
    assert_eq!(poll_once(&mut fut), Poll::Ready(Some(9)));
    assert_clean(&seen, 3);
}

#[test]
fn losing_select_case_then_reused_entry() {
    let (a_tx, a) = bounded::<u32>(0);
    let (_b_tx, b) = bounded::<u32>(0);
    let seen = Arc::new(Seen::default());
    for i in 0..3 {
        let mut fut = Box::pin(async {
            select! {
                recv(a) -> v => v,
                recv(b) -> v => v,
            }
        });
        assert!(poll_with(&mut fut, &Probe::waker(&b, &seen)).is_pending());
        a_tx.try_send(i).unwrap();
        assert_eq!(poll_once(&mut fut), Poll::Ready(Some(i)));
    }
    // `b` holds the entries the select withdrew; a plain receive reuses one.
    let mut fut = b.recv();
    assert!(poll_once(&mut fut).is_pending());
    drop(fut);
    assert_clean(&seen, 6);
}

#[test]
fn select_with_default_then_reused_entry() {
    let (tx, rx) = bounded::<u32>(0);
    let (_other_tx, other) = bounded::<u32>(0);
    let seen = Arc::new(Seen::default());
    for _ in 0..3 {
        let mut fut = Box::pin(async {
            select! {
                recv(rx) -> v => v,
                recv(other) -> v => v,
                default => None,
            }
        });
        assert_eq!(
            poll_with(&mut fut, &Probe::waker(&rx, &seen)),
            Poll::Ready(None)
        );
    }
    let mut fut = tx.send(1);
    assert!(poll_once(&mut fut).is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_clean(&seen, 3);
}

/// Spare entries move between plain operations (whose record lives inside their one entry)
/// and selects (whose cases share one record), both ways: every wait still gets its
/// message, and no waker runs under a lock when an entry changes hands.
#[test]
fn spares_move_between_plain_operations_and_selects() {
    let (a_tx, a) = bounded::<u32>(0);
    let (b_tx, b) = bounded::<u32>(0);
    let seen = Arc::new(Seen::default());
    for i in 0..3 {
        // A plain receive on `a`, woken by a peer: its entry becomes `a`'s spare.
        let mut fut = a.recv();
        assert!(poll_with(&mut fut, &Probe::waker(&a, &seen)).is_pending());
        a_tx.try_send(10 * i).unwrap();
        assert_eq!(poll_once(&mut fut), Poll::Ready(Some(10 * i)));
        drop(fut);
        // A plain receive on `b`, cancelled: its entry becomes `b`'s spare.
        let mut fut = b.recv();
        assert!(poll_with(&mut fut, &Probe::waker(&b, &seen)).is_pending());
        drop(fut);
        // A select over both reuses the two spares for its cases; `b` fires.
        let mut sel = Box::pin(async {
            select! {
                recv(a) -> v => v,
                recv(b) -> v => v,
            }
        });
        assert!(poll_with(&mut sel, &Probe::waker(&a, &seen)).is_pending());
        b_tx.try_send(10 * i + 1).unwrap();
        assert_eq!(poll_once(&mut sel), Poll::Ready(Some(10 * i + 1)));
    }
    // Plain operations take the entries the selects left.
    for v in [98, 99] {
        let mut fut = a.recv();
        assert!(poll_once(&mut fut).is_pending());
        a_tx.try_send(v).unwrap();
        assert_eq!(poll_once(&mut fut), Poll::Ready(Some(v)));
    }
    // Each round: a wake and a drop for the plain receive, a drop for the cancelled one, a
    // wake and a drop for the select.
    assert_clean(&seen, 15);
}
