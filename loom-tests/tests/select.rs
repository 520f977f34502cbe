//! Loom models of the select protocol (`src/select/engine.rs`): the commit of exactly one
//! case (G5), `default` (G4), and dropping a select or receive future after a peer claimed it
//! (G6).
#![cfg(loom)]

mod common;

use std::future::Future;
use std::pin::Pin;

use common::{drain, model_outcomes, poll_once};
use gochan::{bounded, select_blocking, Receiver, Select};
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::Arc;
use loom::thread;

// ---------------------------------------------------------------------------------------
// (1) Two channels fire at one parked select: exactly one case commits.
// ---------------------------------------------------------------------------------------

/// Capacity 1: each sender's `try_send` always succeeds (it hands its message to the parked
/// select or buffers it). The select takes exactly one; the other message is still in its
/// channel, and the chosen channel is empty.
#[test]
fn two_channels_fire_at_parked_select_cap1() {
    model_outcomes(
        "two_channels_fire_at_parked_select_cap1",
        &["case 0", "case 1"],
        || {
            let (tx1, rx1) = bounded::<u32>(1);
            let (tx2, rx2) = bounded::<u32>(1);
            let s1 = thread::spawn(move || tx1.try_send(1).unwrap());
            let s2 = thread::spawn(move || tx2.try_send(2).unwrap());
            let (case, v) = select_blocking! {
                recv(rx1) -> v => (0, v),
                recv(rx2) -> v => (1, v),
            };
            s1.join().unwrap();
            s2.join().unwrap();
            // Both senders are gone, so both channels are closed; only buffered messages remain.
            let (chosen, other, mine, theirs) = if case == 0 {
                (&rx1, &rx2, 1, 2)
            } else {
                (&rx2, &rx1, 2, 1)
            };
            assert_eq!(v, Some(mine));
            assert_eq!(drain(other), vec![theirs], "the other case had an effect");
            assert!(
                chosen.try_recv().unwrap_err().is_closed(),
                "a case committed twice"
            );
            if case == 0 {
                "case 0"
            } else {
                "case 1"
            }
        },
    );
}

/// Capacity 0: both senders block. The select completes exactly one rendezvous; the other
/// sender is still queued with its message, and a later receive completes it. Had the select
/// taken both messages, that receive would wait forever (loom reports the deadlock).
#[test]
fn two_channels_fire_at_parked_select_cap0() {
    model_outcomes(
        "two_channels_fire_at_parked_select_cap0",
        &["case 0", "case 1"],
        || {
            let (tx1, rx1) = bounded::<u32>(0);
            let (tx2, rx2) = bounded::<u32>(0);
            let s1 = thread::spawn(move || tx1.send_blocking(1).unwrap());
            let s2 = thread::spawn(move || tx2.send_blocking(2).unwrap());
            let (case, v) = select_blocking! {
                recv(rx1) -> v => (0, v),
                recv(rx2) -> v => (1, v),
            };
            let (other, mine, theirs) = if case == 0 {
                (&rx2, 1, 2)
            } else {
                (&rx1, 2, 1)
            };
            assert_eq!(v, Some(mine));
            assert_eq!(other.recv_blocking(), Some(theirs));
            s1.join().unwrap();
            s2.join().unwrap();
            assert!(rx1.try_recv().unwrap_err().is_closed());
            assert!(rx2.try_recv().unwrap_err().is_closed());
            if case == 0 {
                "case 0"
            } else {
                "case 1"
            }
        },
    );
}

/// The same race with the select certainly parked first: main polls a `select!` future once
/// (`Pending`: both cases registered), then the two senders race to claim it while main waits
/// for it with `block_on` (which also replaces the waker of the first poll). At capacity 0 a
/// `try_send` succeeds only by claiming the select, so exactly one of them succeeds.
fn two_channels_fire_at_registered_select_future(cap: usize) -> &'static str {
    let (tx1, rx1) = bounded::<u32>(cap);
    let (tx2, rx2) = bounded::<u32>(cap);
    let keep = (tx1.clone(), tx2.clone());
    let mut fut = Box::pin(async {
        gochan::select! {
            recv(rx1) -> v => (0, v),
            recv(rx2) -> v => (1, v),
        }
    });
    assert!(poll_once(fut.as_mut()).is_pending());
    let s1 = thread::spawn(move || tx1.try_send(1).is_ok());
    let s2 = thread::spawn(move || tx2.try_send(2).is_ok());
    let (case, v) = loom::future::block_on(fut);
    let ok = [s1.join().unwrap(), s2.join().unwrap()];
    let (mine, theirs) = if case == 0 { (1, 2) } else { (2, 1) };
    assert_eq!(v, Some(mine));
    let (chosen, other) = if case == 0 {
        (&rx1, &rx2)
    } else {
        (&rx2, &rx1)
    };
    if cap == 0 {
        assert_eq!(
            ok,
            [case == 0, case == 1],
            "exactly the chosen sender is accepted"
        );
        assert!(drain(other).is_empty());
    } else {
        assert_eq!(ok, [true, true]);
        assert_eq!(drain(other), vec![theirs], "the other case had an effect");
    }
    assert!(
        chosen.try_recv().unwrap_err().is_empty(),
        "a case committed twice"
    );
    drop(keep);
    if case == 0 {
        "case 0"
    } else {
        "case 1"
    }
}

#[test]
fn two_channels_fire_at_registered_select_future_cap0() {
    model_outcomes(
        "two_channels_fire_at_registered_select_future_cap0",
        &["case 0", "case 1"],
        || two_channels_fire_at_registered_select_future(0),
    );
}

#[test]
fn two_channels_fire_at_registered_select_future_cap1() {
    model_outcomes(
        "two_channels_fire_at_registered_select_future_cap1",
        &["case 0", "case 1"],
        || two_channels_fire_at_registered_select_future(1),
    );
}

// ---------------------------------------------------------------------------------------
// (2) Select against select on both ends of one unbuffered channel (B9).
// ---------------------------------------------------------------------------------------

/// Main selects { send(ch, 1), recv(a) } and a thread selects { recv(ch), recv(b) }; `a`
/// and `b` never fire, so the two selects must meet on `ch`: exactly one rendezvous, whoever
/// registers first (the second finds the first's entry and claims it).
#[test]
fn select_vs_select_rendezvous() {
    model_outcomes("select_vs_select_rendezvous", &["rendezvous"], || {
        let (tx, rx) = bounded::<u32>(0);
        let (_a_tx, a_rx) = bounded::<u32>(0);
        let (_b_tx, b_rx) = bounded::<u32>(0);
        let rx_keep = rx.clone();
        let b = thread::spawn(move || {
            select_blocking! {
                recv(rx) -> v => { assert_eq!(v, Some(1)); 0 },
                recv(b_rx) -> _ => 1,
            }
        });
        let a = select_blocking! {
            send(tx, 1) -> r => { r.unwrap(); 0 },
            recv(a_rx) -> _ => 1,
        };
        assert_eq!(a, 0);
        assert_eq!(b.join().unwrap(), 0);
        assert!(rx_keep.try_recv().is_err());
        "rendezvous"
    });
}

/// As above, but main also makes thread A's other case ready (`a` has a message). Either A
/// and B meet on `ch`, and the message in `a` stays there; or A takes `a`, and then B cannot
/// have received on `ch`: main releases it through `b`. Exactly one rendezvous or none.
#[test]
fn select_vs_select_with_competing_case() {
    model_outcomes(
        "select_vs_select_with_competing_case",
        &["rendezvous", "A took a"],
        || {
            let (tx, rx) = bounded::<u32>(0);
            let (a_tx, a_rx) = bounded::<u32>(1);
            let (b_tx, b_rx) = bounded::<u32>(1);
            // Main keeps a handle of every channel, so no thread's exit closes one.
            let (tx_keep, rx_keep, a_keep) = (tx.clone(), rx.clone(), a_rx.clone());
            let a = thread::spawn(move || {
                select_blocking! {
                    send(tx, 1) -> r => { r.unwrap(); 0 },
                    recv(a_rx) -> v => { assert_eq!(v, Some(10)); 1 },
                }
            });
            let b = thread::spawn(move || {
                select_blocking! {
                    recv(rx) -> v => { assert_eq!(v, Some(1)); 0 },
                    recv(b_rx) -> v => { assert_eq!(v, Some(20)); 1 },
                }
            });
            a_tx.try_send(10).unwrap();
            let a_case = a.join().unwrap();
            if a_case == 1 {
                b_tx.try_send(20).unwrap();
            }
            let b_case = b.join().unwrap();
            assert_eq!(a_case, b_case, "a send and a receive on ch did not pair up");
            if a_case == 0 {
                assert_eq!(a_keep.try_recv(), Ok(10), "A's losing case had an effect");
            }
            assert!(rx_keep.try_recv().is_err());
            drop(tx_keep);
            if a_case == 0 {
                "rendezvous"
            } else {
                "A took a"
            }
        },
    );
}

// ---------------------------------------------------------------------------------------
// (3) `default` against a concurrent sender (G4).
// ---------------------------------------------------------------------------------------

/// Capacity 1. A thread `try_send`s (always accepted) and then raises `sent`. Main reads
/// `sent`, then selects { recv, default }. If main saw `sent`, the message was in the channel
/// for the whole select, so `default` would be a linearizability violation. If `default` is
/// taken, the message is not lost: a later `try_recv` finds it. If the case is taken, the
/// channel is empty afterwards.
#[test]
fn select_default_vs_sender_cap1() {
    model_outcomes(
        "select_default_vs_sender_cap1",
        &["case, sent before", "case", "default"],
        || {
            let (tx, rx) = bounded::<u32>(1);
            let tx_keep = tx.clone();
            let sent = Arc::new(AtomicBool::new(false));
            let sent2 = sent.clone();
            let s = thread::spawn(move || {
                tx.try_send(1).unwrap();
                sent2.store(true, Ordering::Release);
            });
            let before = sent.load(Ordering::Acquire);
            let r = select_blocking! {
                recv(rx) -> v => Some(v),
                default => None,
            };
            s.join().unwrap();
            let label = match r {
                None => {
                    assert!(
                        !before,
                        "default taken although the message was there throughout"
                    );
                    assert_eq!(rx.try_recv(), Ok(1), "default lost the message");
                    "default"
                }
                Some(v) => {
                    assert_eq!(v, Some(1));
                    if before {
                        "case, sent before"
                    } else {
                        "case"
                    }
                }
            };
            assert!(
                rx.try_recv().unwrap_err().is_empty(),
                "a message was duplicated"
            );
            drop(tx_keep);
            label
        },
    );
}

/// Capacity 0: a blocked sender and a select with `default`. If `default` is taken the
/// sender is unaffected and a later receive completes it; if the case is taken the sender
/// completed with it.
#[test]
fn select_default_vs_blocked_sender_cap0() {
    model_outcomes(
        "select_default_vs_blocked_sender_cap0",
        &["case", "default"],
        || {
            let (tx, rx) = bounded::<u32>(0);
            let s = thread::spawn(move || tx.send_blocking(1).unwrap());
            let r = select_blocking! {
                recv(rx) -> v => Some(v),
                default => None,
            };
            let label = match r {
                None => {
                    assert_eq!(rx.recv_blocking(), Some(1));
                    "default"
                }
                Some(v) => {
                    assert_eq!(v, Some(1));
                    "case"
                }
            };
            s.join().unwrap();
            assert!(rx.try_recv().unwrap_err().is_closed());
            label
        },
    );
}

/// Two cases and `default`, two senders (capacity 1, `try_send`, then a flag each). If main
/// saw either flag before selecting, `default` is forbidden; whatever the select did not take
/// is still in its channel.
#[test]
fn select_default_two_cases_vs_two_senders() {
    model_outcomes(
        "select_default_two_cases_vs_two_senders",
        &["case 0", "case 1", "default"],
        || {
            let (tx1, rx1) = bounded::<u32>(1);
            let (tx2, rx2) = bounded::<u32>(1);
            let keep = (tx1.clone(), tx2.clone());
            let sent1 = Arc::new(AtomicBool::new(false));
            let sent2 = Arc::new(AtomicBool::new(false));
            let (f1, f2) = (sent1.clone(), sent2.clone());
            let s1 = thread::spawn(move || {
                tx1.try_send(1).unwrap();
                f1.store(true, Ordering::Release);
            });
            let s2 = thread::spawn(move || {
                tx2.try_send(2).unwrap();
                f2.store(true, Ordering::Release);
            });
            let before = sent1.load(Ordering::Acquire) || sent2.load(Ordering::Acquire);
            let r = select_blocking! {
                recv(rx1) -> v => Some((0, v)),
                recv(rx2) -> v => Some((1, v)),
                default => None,
            };
            s1.join().unwrap();
            s2.join().unwrap();
            let (left1, left2) = (drain(&rx1), drain(&rx2));
            drop(keep);
            match r {
                None => {
                    assert!(
                        !before,
                        "default taken although a case was ready throughout"
                    );
                    assert_eq!((left1, left2), (vec![1], vec![2]));
                    "default"
                }
                Some((0, v)) => {
                    assert_eq!(v, Some(1));
                    assert_eq!((left1, left2), (vec![], vec![2]));
                    "case 0"
                }
                Some((_, v)) => {
                    assert_eq!(v, Some(2));
                    assert_eq!((left1, left2), (vec![1], vec![]));
                    "case 1"
                }
            }
        },
    );
}

// ---------------------------------------------------------------------------------------
// (4) A receive or select future dropped after a peer claimed it (G6).
// ---------------------------------------------------------------------------------------

/// Main polls `rx.recv()` once (it registers: `Pending`), then drops it while a thread
/// `try_send`s 1 and then 2. A message handed to the future before the drop is given back to
/// the front of the channel: everything accepted is found afterwards, once, in order.
///
/// Capacity 0: a `try_send` is accepted only by claiming the parked future, so "1 accepted"
/// means the drop came after the claim. Capacity 1: "both accepted" means 1 was handed to the
/// future (else it would fill the buffer and 2 would be refused).
fn recv_future_dropped_after_handoff(cap: usize) -> &'static str {
    let (tx, rx) = bounded::<u32>(cap);
    let tx_keep = tx.clone();
    let mut fut = rx.recv();
    assert!(poll_once(Pin::new(&mut fut)).is_pending());
    let s = thread::spawn(move || (tx.try_send(1).is_ok(), tx.try_send(2).is_ok()));
    drop(fut);
    let (ok1, ok2) = s.join().unwrap();
    let mut expected = Vec::new();
    if ok1 {
        expected.push(1);
    }
    if ok2 {
        expected.push(2);
    }
    assert_eq!(
        drain(&rx),
        expected,
        "a message was lost, duplicated or reordered"
    );
    assert!(rx.try_recv().unwrap_err().is_empty());
    drop(tx_keep);
    let handed_off = if cap == 0 { ok1 } else { ok1 && ok2 };
    if handed_off {
        "handed off, given back"
    } else {
        "not handed off"
    }
}

#[test]
fn recv_future_dropped_after_handoff_cap0() {
    model_outcomes(
        "recv_future_dropped_after_handoff_cap0",
        &["handed off, given back", "not handed off"],
        || recv_future_dropped_after_handoff(0),
    );
}

#[test]
fn recv_future_dropped_after_handoff_cap1() {
    model_outcomes(
        "recv_future_dropped_after_handoff_cap1",
        &["handed off, given back", "not handed off"],
        || recv_future_dropped_after_handoff(1),
    );
}

type Boxed<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

/// A future selecting over two receive cases is polled once (registered on both), then
/// dropped while one thread per channel `try_send`s two messages. At most one case can have
/// been handed a message (one claim per select); whatever was accepted on either channel is
/// found afterwards, once, in order.
fn select_future_dropped_after_handoff(
    cap: usize,
    make: for<'a> fn(&'a Receiver<u32>, &'a Receiver<u32>) -> Boxed<'a>,
) -> &'static str {
    let (tx1, rx1) = bounded::<u32>(cap);
    let (tx2, rx2) = bounded::<u32>(cap);
    let keep = (tx1.clone(), tx2.clone());
    let mut fut = make(&rx1, &rx2);
    assert!(poll_once(fut.as_mut()).is_pending());
    let s1 = thread::spawn(move || (tx1.try_send(1).is_ok(), tx1.try_send(11).is_ok()));
    let s2 = thread::spawn(move || (tx2.try_send(2).is_ok(), tx2.try_send(12).is_ok()));
    drop(fut);
    let r1 = s1.join().unwrap();
    let r2 = s2.join().unwrap();
    for (rx, (ok_a, ok_b), a, b) in [(&rx1, r1, 1, 11), (&rx2, r2, 2, 12)] {
        let mut expected = Vec::new();
        if ok_a {
            expected.push(a);
        }
        if ok_b {
            expected.push(b);
        }
        assert_eq!(
            drain(rx),
            expected,
            "a message was lost, duplicated or reordered"
        );
    }
    drop(keep);
    let handed = |(ok_a, ok_b): (bool, bool)| if cap == 0 { ok_a } else { ok_a && ok_b };
    match (handed(r1), handed(r2)) {
        (true, true) => panic!("one select was handed two messages"),
        (true, false) => "case 0 handed off, given back",
        (false, true) => "case 1 handed off, given back",
        (false, false) => "not handed off",
    }
}

const SELECT_DROP_OUTCOMES: &[&str] = &[
    "case 0 handed off, given back",
    "case 1 handed off, given back",
    "not handed off",
];

fn builder_future<'a>(rx1: &'a Receiver<u32>, rx2: &'a Receiver<u32>) -> Boxed<'a> {
    let mut sel = Select::new();
    sel.recv(rx1);
    sel.recv(rx2);
    let fut = sel.select();
    Box::pin(async move {
        let _ = fut.await;
    })
}

fn macro_future<'a>(rx1: &'a Receiver<u32>, rx2: &'a Receiver<u32>) -> Boxed<'a> {
    Box::pin(async move {
        let _ = gochan::select! {
            recv(rx1) -> v => v,
            recv(rx2) -> v => v,
        };
    })
}

#[test]
fn select_builder_future_dropped_after_handoff_cap0() {
    model_outcomes(
        "select_builder_future_dropped_after_handoff_cap0",
        SELECT_DROP_OUTCOMES,
        || select_future_dropped_after_handoff(0, builder_future),
    );
}

#[test]
fn select_builder_future_dropped_after_handoff_cap1() {
    model_outcomes(
        "select_builder_future_dropped_after_handoff_cap1",
        SELECT_DROP_OUTCOMES,
        || select_future_dropped_after_handoff(1, builder_future),
    );
}

#[test]
fn select_macro_future_dropped_after_handoff_cap1() {
    model_outcomes(
        "select_macro_future_dropped_after_handoff_cap1",
        SELECT_DROP_OUTCOMES,
        || select_future_dropped_after_handoff(1, macro_future),
    );
}
