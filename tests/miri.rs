//! Tests that need no real time, small enough for Miri (`cargo +nightly miri test --test
//! miri`): every flavor, close, select, and the hand-off undone by a dropped future (G6).
//! They also run in the normal suite.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::thread;

use futures::task::noop_waker;
use gochan::{bounded, select_blocking, unbounded, Receiver, Select, Sender, TryRecvError};

fn flavors() -> Vec<(Sender<u32>, Receiver<u32>)> {
    vec![bounded(0), bounded(1), bounded(3), unbounded()]
}

fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    Pin::new(f).poll(&mut cx)
}

#[test]
fn threads_send_and_receive_every_flavor() {
    for (tx, rx) in flavors() {
        let t = thread::spawn(move || {
            for i in 0..20 {
                tx.send_blocking(i).unwrap();
            }
        });
        let got: Vec<u32> = rx.iter().collect();
        assert_eq!(got, (0..20).collect::<Vec<_>>());
        t.join().unwrap();
    }
}

#[test]
fn close_keeps_buffered_and_returns_messages() {
    let (tx, rx) = bounded(2);
    tx.try_send(1).unwrap();
    assert!(tx.close());
    assert!(!rx.close());
    assert_eq!(tx.try_send(2).unwrap_err().into_inner(), 2);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn dropped_receive_after_hand_off_gives_the_message_back() {
    for (tx, rx) in flavors() {
        let mut fut = rx.recv();
        assert!(poll_once(&mut fut).is_pending());
        // The sender hands the message to the parked future...
        tx.try_send(7).unwrap();
        // ...which is dropped without being polled again: the message must not be lost.
        drop(fut);
        assert_eq!(rx.try_recv(), Ok(7));
    }
}

#[test]
fn dropped_send_did_not_send() {
    let (tx, rx) = bounded::<Box<u32>>(0);
    let mut fut = tx.send(Box::new(1));
    assert!(poll_once(&mut fut).is_pending());
    assert_eq!(rx.blocked_senders(), 1);
    drop(fut);
    assert_eq!(rx.blocked_senders(), 0);
    assert!(rx.try_recv().is_err());
}

#[test]
fn select_commits_one_case_across_threads() {
    let (a_tx, a) = bounded::<u32>(0);
    let (b_tx, b) = bounded::<u32>(0);
    let t1 = thread::spawn(move || a_tx.send_blocking(1));
    let t2 = thread::spawn(move || b_tx.send_blocking(2));
    let first = select_blocking! {
        recv(a) -> v => v.unwrap(),
        recv(b) -> v => v.unwrap(),
    };
    let second = if first == 1 {
        b.recv_blocking()
    } else {
        a.recv_blocking()
    };
    assert_eq!(first + second.unwrap(), 3);
    t1.join().unwrap().unwrap();
    t2.join().unwrap().unwrap();
}

#[test]
fn select_builder_and_default() {
    let (tx, rx) = bounded::<u32>(1);
    let mut sel = Select::new();
    sel.recv(&rx);
    let sel = sel.try_select().unwrap_err();
    drop(sel);
    tx.try_send(4).unwrap();
    let mut sel = Select::new();
    let i = sel.recv(&rx);
    let op = sel.try_select().unwrap();
    assert_eq!(op.index(), i);
    assert_eq!(op.recv(&rx), Some(4));
}

#[test]
fn last_receiver_drops_buffered_messages() {
    let (tx, rx) = unbounded::<Box<u32>>();
    for i in 0..10 {
        tx.try_send(Box::new(i)).unwrap();
    }
    drop(rx);
    assert!(tx.is_closed());
    assert!(tx.try_send(Box::new(0)).is_err());
}
