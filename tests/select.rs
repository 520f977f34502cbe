//! `select!`, `select_blocking!` and the `Select` builder: G5 (exactly one case commits), G6
//! (cancel safety), G8 (nothing leaks, no lost wake-ups), over every channel flavor.
//!
//! No test asserts an upper bound on time; waits that must end have a generous limit
//! (`PATIENCE`) that only turns a hang into a failure.
//!
//! The async sides run as `tokio::spawn` tasks (multi-thread runtime for the torture test,
//! current-thread elsewhere), which also checks that the select futures are `Send`.

mod common;

use std::collections::HashSet;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

use common::alloc::net_bytes;
use gochan::{
    after, bounded, never, select, select_blocking, unbounded, Receiver, Select, SendError, Sender,
    TryRecvError,
};

const PATIENCE: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The flavors every test runs over: unbuffered, 1, 10, unbounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flavor {
    Bounded(usize),
    Unbounded,
}

const FLAVORS: [Flavor; 4] = [
    Flavor::Bounded(0),
    Flavor::Bounded(1),
    Flavor::Bounded(10),
    Flavor::Unbounded,
];

impl Flavor {
    fn make<T>(self) -> (Sender<T>, Receiver<T>) {
        match self {
            Flavor::Bounded(n) => bounded(n),
            Flavor::Unbounded => unbounded(),
        }
    }
}

/// xorshift64*: deterministic randomness without a `rand` dependency.
struct Rng(u64);
impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn below(&mut self, n: u64) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

struct Noop;
impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

fn noop_waker() -> Waker {
    Waker::from(Arc::new(Noop))
}

fn multi_thread_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap()
}

fn current_thread_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

#[global_allocator]
static ALLOC: common::alloc::CountingAlloc = common::alloc::CountingAlloc;

// ---------------------------------------------------------------------------------------------
// G5: both forms complete each other, every flavor
// ---------------------------------------------------------------------------------------------

const PAIR_N: u64 = 300;

/// Checks what a receiving side saw: every value `0..PAIR_N` exactly once, and in increasing
/// order on each channel (one sender per channel, G1).
fn check_pair(f: Flavor, what: &str, got: &[(usize, u64)]) {
    let mut seen = HashSet::new();
    let mut last = [None::<u64>; 2];
    for &(ch, v) in got {
        assert!(seen.insert(v), "{what} {f:?}: {v} received twice");
        if let Some(prev) = last[ch] {
            assert!(v > prev, "{what} {f:?}: channel {ch}: {v} after {prev}");
        }
        last[ch] = Some(v);
    }
    assert_eq!(seen.len() as u64, PAIR_N, "{what} {f:?}: values lost");
}

/// The blocking sending side: each value goes through a select over two send cases and a
/// receive case on a channel nobody sends on.
fn blocking_send_side(a: Sender<u64>, b: Sender<u64>, idle: Receiver<u64>) {
    for i in 0..PAIR_N {
        select_blocking! {
            send(a, i) -> r => r.unwrap(),
            send(b, i) -> r => r.unwrap(),
            recv(idle) -> _ => panic!("the idle channel fired"),
        }
    }
}

/// The async receiving side: a select over the two receive cases and a send case on an
/// unbuffered channel nobody receives on, until both channels are closed.
async fn async_recv_side(
    a: Receiver<u64>,
    b: Receiver<u64>,
    idle: Sender<u64>,
) -> Vec<(usize, u64)> {
    let mut got = Vec::new();
    let (mut ao, mut bo) = (Some(&a), Some(&b));
    while ao.is_some() || bo.is_some() {
        select! {
            recv(ao) -> v => match v { Some(v) => got.push((0, v)), None => ao = None },
            recv(bo) -> v => match v { Some(v) => got.push((1, v)), None => bo = None },
            send(idle, u64::MAX) -> _ => panic!("the idle channel fired"),
        }
    }
    got
}

async fn async_send_side(a: Sender<u64>, b: Sender<u64>, idle: Receiver<u64>) {
    for i in 0..PAIR_N {
        select! {
            send(a, i) -> r => r.unwrap(),
            send(b, i) -> r => r.unwrap(),
            recv(idle) -> _ => panic!("the idle channel fired"),
        }
    }
}

fn blocking_recv_side(a: Receiver<u64>, b: Receiver<u64>, idle: Sender<u64>) -> Vec<(usize, u64)> {
    let mut got = Vec::new();
    let (mut ao, mut bo) = (Some(&a), Some(&b));
    while ao.is_some() || bo.is_some() {
        select_blocking! {
            recv(ao) -> v => match v { Some(v) => got.push((0, v)), None => ao = None },
            recv(bo) -> v => match v { Some(v) => got.push((1, v)), None => bo = None },
            send(idle, u64::MAX) -> _ => panic!("the idle channel fired"),
        }
    }
    got
}

/// G5, B9: a `select_blocking!` on a thread and an async `select!` in a tokio task, on the
/// two ends of the same channels, complete each other; on the unbuffered channel both sides
/// are selects (B9). Each value is committed by exactly one send case and received once; the
/// idle cases never fire and leave nothing queued.
#[test]
fn blocking_and_async_selects_complete_each_other() {
    for f in FLAVORS {
        // Blocking senders, async receivers.
        let (a_tx, a_rx) = f.make::<u64>();
        let (b_tx, b_rx) = f.make::<u64>();
        let (idle_tx, idle_rx) = bounded::<u64>(0);
        let (idle2_tx, idle2_rx) = bounded::<u64>(0);
        let sender = {
            let idle_rx = idle_rx.clone();
            thread::spawn(move || blocking_send_side(a_tx, b_tx, idle_rx))
        };
        let rt = multi_thread_rt();
        let got = rt.block_on(async {
            let task = tokio::spawn(async_recv_side(a_rx, b_rx, idle2_tx.clone()));
            tokio::time::timeout(PATIENCE, task)
                .await
                .expect("hang")
                .unwrap()
        });
        sender.join().unwrap();
        check_pair(f, "blocking send / async recv", &got);
        assert_eq!(
            idle_rx.blocked_receivers(),
            0,
            "{f:?}: a stale record is queued"
        );
        assert_eq!(
            idle2_rx.blocked_senders(),
            0,
            "{f:?}: a stale record is queued"
        );
        drop((idle_tx, idle2_rx));

        // Async senders, blocking receivers.
        let (a_tx, a_rx) = f.make::<u64>();
        let (b_tx, b_rx) = f.make::<u64>();
        let (idle_tx, idle_rx) = bounded::<u64>(0);
        let (idle2_tx, idle2_rx) = bounded::<u64>(0);
        let receiver = {
            let idle2_tx = idle2_tx.clone();
            thread::spawn(move || blocking_recv_side(a_rx, b_rx, idle2_tx))
        };
        rt.block_on(async {
            let task = tokio::spawn(async_send_side(a_tx, b_tx, idle_rx.clone()));
            tokio::time::timeout(PATIENCE, task)
                .await
                .expect("hang")
                .unwrap()
        });
        let got = receiver.join().unwrap();
        check_pair(f, "async send / blocking recv", &got);
        assert_eq!(
            idle_rx.blocked_receivers(),
            0,
            "{f:?}: a stale record is queued"
        );
        assert_eq!(
            idle2_rx.blocked_senders(),
            0,
            "{f:?}: a stale record is queued"
        );
        drop((idle_tx, idle2_tx));
    }
}

/// B8, B7 in one select, every flavor: a select with a send and a receive on the same channel
/// and the channel twice in receive cases. On buffered channels the thread may receive its own
/// earlier value (B8.2); on the unbuffered one it needs a partner, which a second thread
/// provides (B8.1). Every value sent is received exactly once.
#[test]
fn same_channel_in_several_cases() {
    for f in FLAVORS {
        let (tx, rx) = f.make::<u64>();
        let partner = {
            let (tx, rx) = (tx.clone(), rx.clone());
            thread::spawn(move || {
                let (mut sent, mut got) = (Vec::new(), Vec::new());
                for i in 0..200u64 {
                    let id = 1_000_000 + i;
                    select_blocking! {
                        send(tx, id) -> r => { r.unwrap(); sent.push(id) },
                        recv(rx) -> v => got.push(v.unwrap()),
                        recv(rx) -> v => got.push(v.unwrap()),
                    }
                }
                (sent, got)
            })
        };
        let (mut sent, mut got) = (Vec::new(), Vec::new());
        for id in 0..200u64 {
            select_blocking! {
                recv(rx) -> v => got.push(v.unwrap()),
                send(tx, id) -> r => { r.unwrap(); sent.push(id) },
            }
        }
        let (s2, g2) = partner.join().unwrap();
        sent.extend(s2);
        got.extend(g2);
        got.extend(rx.try_iter());
        let sent: HashSet<u64> = sent.into_iter().collect();
        let mut seen = HashSet::new();
        for v in got {
            assert!(seen.insert(v), "{f:?}: {v} received twice");
        }
        assert_eq!(seen, sent, "{f:?}: received set differs from the sent set");
    }
}

// ---------------------------------------------------------------------------------------------
// Nil cases and biased
// ---------------------------------------------------------------------------------------------

/// A3.4, B3.3: `Option<&Receiver>` / `Option<&Sender>` that are `None` never fire, in the
/// macros and in the builder.
#[test]
fn none_cases_never_fire() {
    let nil_rx: Option<&Receiver<i32>> = None;
    let nil_tx: Option<&Sender<i32>> = None;
    let (tx, rx) = bounded::<i32>(200);
    for i in 0..100 {
        tx.try_send(i).unwrap();
    }
    for i in 0..100 {
        let v = select_blocking! {
            recv(nil_rx) -> _ => panic!("nil receive fired"),
            send(nil_tx, -1) -> _ => panic!("nil send fired"),
            recv(rx) -> v => v,
        };
        assert_eq!(v, Some(i));
    }
    let d = select_blocking! {
        recv(nil_rx) -> _ => false,
        send(nil_tx, -1) -> _ => false,
        default => true,
    };
    assert!(d);
    // A nil case against a timer: the timer wins.
    let got = select_blocking! {
        recv(nil_rx) -> _ => "nil",
        recv(after(Duration::from_millis(5))) -> _ => "timer",
    };
    assert_eq!(got, "timer");
    let got = futures::executor::block_on(async {
        select! {
            send(nil_tx, -1) -> _ => "nil",
            recv(after(Duration::from_millis(5))) -> _ => "timer",
        }
    });
    assert_eq!(got, "timer");
    // Owned `Option<Receiver>`.
    let owned: Option<Receiver<i32>> = None;
    let d = select_blocking! { recv(owned) -> _ => false, default => true };
    assert!(d);
    // Builder.
    let mut sel = Select::new();
    let a = sel.recv(nil_rx);
    let b = sel.send(nil_tx, 5);
    assert_eq!((a, b), (0, 1));
    let sel = sel.try_select().expect_err("nil cases are never ready");
    let sel = sel
        .select_timeout(Duration::from_millis(10))
        .expect_err("nil cases are never ready");
    assert_eq!(sel.len(), 2);
}

/// `biased;` tries cases in source order: with several ready, the first one is always chosen;
/// with the first not ready, the next ready one. Macros (both forms) and the builder.
#[test]
fn biased_picks_first_ready_case_in_source_order() {
    let (a_tx, a) = bounded::<i32>(200);
    let (b_tx, b) = bounded::<i32>(200);
    let (_c_tx, c) = bounded::<i32>(0);
    for i in 0..100 {
        a_tx.try_send(i).unwrap();
        b_tx.try_send(i).unwrap();
    }
    for _ in 0..50 {
        let which = select_blocking! {
            biased;
            recv(c) -> _ => "c",
            recv(a) -> _ => "a",
            recv(b) -> _ => "b",
        };
        assert_eq!(which, "a");
        let which = futures::executor::block_on(async {
            select! {
                biased;
                recv(c) -> _ => "c",
                recv(a) -> _ => "a",
                recv(b) -> _ => "b",
            }
        });
        assert_eq!(which, "a");
    }
    assert_eq!((a.len(), b.len()), (0, 100));
    // Send cases: both have room, the first wins.
    let (x_tx, x) = bounded::<i32>(100);
    let (y_tx, y) = bounded::<i32>(100);
    for i in 0..50 {
        select_blocking! {
            biased;
            send(x_tx, i) -> r => r.unwrap(),
            send(y_tx, i) -> r => r.unwrap(),
        }
    }
    assert_eq!((x.len(), y.len()), (50, 0));
    // Builder.
    for _ in 0..50 {
        let mut sel = Select::new();
        sel.set_biased(true);
        let ic = sel.recv(&c);
        let ib = sel.recv(&b);
        let _ia = sel.recv(&a);
        let op = sel.select_blocking();
        assert_ne!(op.index(), ic);
        assert_eq!(op.index(), ib);
        assert!(op.recv(&b).is_some());
    }
    // Without `biased`, both ready cases get chosen.
    let (mut na, mut nb) = (0, 0);
    for i in 0..100 {
        a_tx.try_send(i).unwrap();
    }
    for _ in 0..100 {
        select_blocking! {
            recv(a) -> _ => na += 1,
            recv(b) -> _ => nb += 1,
        }
    }
    assert!(
        na > 10 && nb > 10,
        "unbiased select chose a {na} times, b {nb} times"
    );
}

/// A closed channel and a timer that is due are ready cases like a buffered message, though
/// neither shows in a channel's length: `biased;` picks them when they come first, and an
/// unbiased select picks each of two such cases about as often as a channel with a message.
#[test]
fn closed_channels_and_due_timers_compete_like_any_ready_case() {
    let (busy_tx, busy) = bounded::<i32>(1000);
    for i in 0..1000 {
        busy_tx.try_send(i).unwrap();
    }
    let (_closed_tx, closed) = bounded::<i32>(0);
    closed.close();
    let due = after(Duration::ZERO);
    thread::sleep(Duration::from_millis(5));
    for _ in 0..20 {
        let which = select_blocking! {
            biased;
            recv(closed) -> v => { assert_eq!(v, None); "closed" },
            recv(busy) -> _ => "busy",
        };
        assert_eq!(which, "closed");
        let which = futures::executor::block_on(async {
            select! {
                biased;
                recv(closed) -> _ => "closed",
                recv(busy) -> _ => "busy",
            }
        });
        assert_eq!(which, "closed");
    }
    let which = select_blocking! {
        biased;
        recv(due) -> _ => "timer",
        recv(busy) -> _ => "busy",
    };
    assert_eq!(which, "timer");
    let (mut nc, mut nb) = (0, 0);
    for _ in 0..200 {
        select_blocking! {
            recv(closed) -> _ => nc += 1,
            recv(busy) -> _ => nb += 1,
        }
    }
    assert!(
        nc > 60 && nb > 60,
        "a closed channel was chosen {nc} times, a channel with messages {nb} times"
    );
}

// ---------------------------------------------------------------------------------------------
// The Select builder (Go's reflect.Select, E)
// ---------------------------------------------------------------------------------------------

/// E3: cases get their indices in the caller's order; the chosen case's result comes back
/// through `SelectedOperation::recv` / `send`.
#[test]
fn builder_indices_and_results() {
    let (_e_tx, empty) = bounded::<i32>(1);
    let (room_tx, room) = bounded::<String>(1);
    let (full_tx, full) = bounded::<u8>(1);
    full_tx.try_send(9).unwrap();
    let (mut saw_send, mut saw_recv) = (false, false);
    for _ in 0..200 {
        let mut sel = Select::new();
        assert!(sel.is_empty());
        let i0 = sel.recv(&empty);
        let i1 = sel.send(&room_tx, "hello".to_string());
        let i2 = sel.recv(&full);
        assert_eq!((i0, i1, i2), (0, 1, 2));
        assert_eq!(sel.len(), 3);
        let op = sel.select_blocking();
        match op.index() {
            1 => {
                assert!(op.send(&room_tx).is_ok());
                assert_eq!(room.try_recv().as_deref(), Ok("hello"));
                saw_send = true;
            }
            2 => {
                assert_eq!(op.recv(&full), Some(9));
                assert_eq!(
                    room.try_recv(),
                    Err(TryRecvError::Empty),
                    "losing send sent"
                );
                full_tx.try_send(9).unwrap();
                saw_recv = true;
            }
            i => panic!("case {i} was not ready"),
        }
    }
    assert!(saw_send && saw_recv, "both ready cases get chosen");

    // A send case on a closed channel gives the message back (B4).
    room_tx.close();
    let mut sel = Select::new();
    let i = sel.send(&room_tx, "late".to_string());
    let op = sel.select_blocking();
    assert_eq!(op.index(), i);
    assert_eq!(op.send(&room_tx), Err(SendError("late".to_string())));
}

/// E4 / reflect TestSelectNop: Go's only-`default` select returns the default at once; the
/// equivalent here is `try_select` on an empty builder, which gives the select back. An empty
/// builder waiting with a timeout times out (it would wait forever, B6.1).
#[test]
fn builder_select_nop_and_empty() {
    let sel = Select::new();
    let sel = sel
        .try_select()
        .expect_err("an empty select has no ready case");
    assert!(sel.is_empty());
    let start = Instant::now();
    let sel = sel
        .select_timeout(Duration::from_millis(20))
        .expect_err("an empty select never completes");
    assert!(start.elapsed() >= Duration::from_millis(20));
    drop(sel);
}

/// `try_select` gives the same `Select` back when nothing is ready, and it can be run again
/// once something is.
#[test]
fn builder_try_select_gives_the_select_back() {
    let (a_tx, a) = bounded::<i32>(0);
    let (b_tx, b) = bounded::<i32>(1);
    let (full_tx, _full) = bounded::<i32>(0);
    let mut sel = Select::new();
    let ia = sel.recv(&a);
    let ib = sel.recv(&b);
    let is = sel.send(&full_tx, 77);
    let sel = sel.try_select().expect_err("nothing is ready");
    assert_eq!(sel.len(), 3);
    let sel = sel.try_select().expect_err("still nothing");
    b_tx.try_send(5).unwrap();
    let op = sel.try_select().expect("b is ready");
    assert_eq!(op.index(), ib);
    assert_eq!(op.recv(&b), Some(5));
    assert!(ia != ib && ib != is);
    assert_eq!(a.blocked_receivers(), 0, "try_select left a record behind");
    assert_eq!(b.blocked_receivers(), 0);
    assert_eq!(full_tx.blocked_senders(), 0);
    drop(a_tx);
}

/// `select_timeout`: gives the select back after the timeout when nothing is ready;
/// completes the case that becomes ready before it.
#[test]
fn builder_select_timeout() {
    let (tx, rx) = bounded::<i32>(0);
    let mut sel = Select::new();
    sel.recv(&rx);
    let start = Instant::now();
    let sel = sel
        .select_timeout(Duration::from_millis(30))
        .expect_err("nothing was sent");
    assert!(start.elapsed() >= Duration::from_millis(30));
    assert_eq!(
        rx.blocked_receivers(),
        0,
        "the timed-out select left a record"
    );

    let sender = {
        let tx = tx.clone();
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            tx.send_blocking(4).unwrap();
        })
    };
    let op = sel
        .select_timeout(PATIENCE)
        .expect("the value comes in time");
    assert_eq!(op.index(), 0);
    assert_eq!(op.recv(&rx), Some(4));
    sender.join().unwrap();
}

/// `Select::select()` under tokio (a spawned task) and `futures::executor`, woken by another
/// thread; send and receive cases.
#[test]
fn builder_async_select() {
    let (tx, rx) = bounded::<i32>(0);
    let (out_tx, out_rx) = bounded::<i32>(0);
    let helper = {
        let tx = tx.clone();
        let out_rx = out_rx.clone();
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(10));
            tx.send_blocking(1).unwrap();
            out_rx.recv_blocking()
        })
    };
    let rt = current_thread_rt();
    let task_rx = rx.clone();
    rt.block_on(async {
        tokio::spawn(async move {
            let mut sel = Select::new();
            let ir = sel.recv(&task_rx);
            let op = sel.select().await;
            assert_eq!(op.index(), ir);
            assert_eq!(op.recv(&task_rx), Some(1));
        })
        .await
        .unwrap()
    });
    futures::executor::block_on(async {
        let mut sel = Select::new();
        sel.recv(&rx);
        let is = sel.send(&out_tx, 2);
        let op = sel.select().await;
        assert_eq!(op.index(), is);
        assert!(op.send(&out_tx).is_ok());
    });
    assert_eq!(helper.join().unwrap(), Some(2));
}

/// reflect TestSelectMaxCases, scaled (E5): a select over 1000 cases where exactly one is
/// ready (receive and send variants, ready at once or made ready by another thread) returns
/// that case's index.
#[test]
fn builder_thousand_cases() {
    const N: usize = 1000;
    let chans: Vec<(Sender<usize>, Receiver<usize>)> = (0..N).map(|_| bounded(1)).collect();
    let mut rng = Rng::new(7);
    for _ in 0..5 {
        let k = rng.below(N as u64) as usize;
        chans[k].0.try_send(k * 10).unwrap();
        let mut sel = Select::new();
        for (_, rx) in &chans {
            sel.recv(rx);
        }
        let op = sel.select_blocking();
        assert_eq!(op.index(), k);
        assert_eq!(op.recv(&chans[k].1), Some(k * 10));
    }
    // Send cases: every channel but one is full.
    for (tx, _) in &chans {
        tx.try_send(0).unwrap();
    }
    let k = 613;
    chans[k].1.try_recv().unwrap();
    let mut sel = Select::new();
    for (i, (tx, _)) in chans.iter().enumerate() {
        assert_eq!(sel.send(tx, i), i);
    }
    let op = sel.select_blocking();
    assert_eq!(op.index(), k);
    assert!(op.send(&chans[k].0).is_ok());
    for (i, (_, rx)) in chans.iter().enumerate() {
        assert_eq!(rx.try_recv(), Ok(if i == k { k } else { 0 }), "channel {i}");
    }
    // Blocking: all 1000 empty, one gets a value from another thread.
    let k = 271;
    let tx = chans[k].0.clone();
    let sender = thread::spawn(move || {
        thread::sleep(Duration::from_millis(10));
        tx.send_blocking(5).unwrap();
    });
    let mut sel = Select::new();
    for (_, rx) in &chans {
        sel.recv(rx);
    }
    let op = sel.select_blocking();
    assert_eq!(op.index(), k);
    assert_eq!(op.recv(&chans[k].1), Some(5));
    sender.join().unwrap();
    for (i, (_, rx)) in chans.iter().enumerate() {
        assert_eq!(
            rx.blocked_receivers(),
            0,
            "channel {i}: a stale record is queued"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// G6: cancel safety of select futures
// ---------------------------------------------------------------------------------------------

/// G6, deterministic: a pending async select (macro and builder) that a sender on an
/// unbuffered channel completes, then dropped without being polled again, does not lose the
/// message: it goes back to the channel and the next receive gets it.
#[test]
fn dropped_select_gives_a_handed_message_back() {
    for f in FLAVORS {
        for builder in [false, true] {
            let (tx, rx) = f.make::<i32>();
            let (_idle_tx, idle) = bounded::<i32>(0);
            let waker = noop_waker();
            let mut cx = Context::from_waker(&waker);
            let sender;
            {
                let fut: std::pin::Pin<Box<dyn Future<Output = Option<i32>> + '_>> = if builder {
                    Box::pin(async {
                        let mut sel = Select::new();
                        sel.recv(&idle);
                        sel.recv(&rx);
                        let op = sel.select().await;
                        op.recv(&rx)
                    })
                } else {
                    Box::pin(async {
                        select! {
                            recv(idle) -> v => v,
                            recv(rx) -> v => v,
                        }
                    })
                };
                let mut fut = fut;
                assert!(fut.as_mut().poll(&mut cx).is_pending());
                sender = {
                    let tx = tx.clone();
                    thread::spawn(move || tx.send_blocking(42))
                };
                // Give the sender the chance to hand the message to the parked select.
                let deadline = Instant::now() + Duration::from_millis(300);
                while !sender.is_finished() && Instant::now() < deadline {
                    thread::sleep(Duration::from_millis(1));
                }
                drop(fut);
            }
            assert_eq!(
                rx.recv_timeout(PATIENCE),
                Ok(42),
                "{f:?} builder={builder}: the message was lost"
            );
            assert_eq!(sender.join().unwrap(), Ok(()));
            assert_eq!(
                rx.try_recv(),
                Err(TryRecvError::Empty),
                "{f:?}: delivered twice"
            );
            assert_eq!(rx.blocked_receivers(), 0);
            assert_eq!(idle.blocked_receivers(), 0);
        }
    }
}

/// Drives `fut` in one of several ways chosen by `rng`: polled once and dropped if pending
/// (at once, or after other tasks had a turn), `tokio::time::timeout` with zero or a tiny
/// duration, or to completion. `None` = dropped before it completed.
async fn maybe_cancel<F: Future>(rng: &mut Rng, fut: F) -> Option<F::Output> {
    let mut fut = pin!(fut);
    match rng.below(8) {
        0 | 1 => {
            let r = match futures::poll!(fut.as_mut()) {
                Poll::Ready(v) => Some(v),
                Poll::Pending => None,
            };
            if r.is_none() && rng.below(2) == 0 {
                tokio::task::yield_now().await;
            }
            r
        }
        2 => tokio::time::timeout(Duration::ZERO, fut).await.ok(),
        3..=5 => {
            let d = Duration::from_micros(rng.below(300));
            tokio::time::timeout(d, fut).await.ok()
        }
        _ => Some(fut.await),
    }
}

enum Event {
    Sent(u64),
    Got(usize, Option<u64>),
    Idle,
}

const WORKERS: u64 = 3;
const CONSUMERS: u64 = 2;
const ATTEMPTS: u64 = 250;

/// What one torture run saw.
#[derive(Default)]
struct Torture {
    /// Ids whose send case was chosen (`Ok`).
    ok: Vec<u64>,
    /// Ids whose select was dropped before it completed.
    dropped: Vec<u64>,
    /// Every id received, by anyone.
    got: Vec<u64>,
    /// Selects without a send case that were dropped before they completed.
    cancelled_recvs: usize,
}

/// One torture run, on a multi-thread tokio runtime (every party a `tokio::spawn` task):
/// three workers, each running `ATTEMPTS` selects of three kinds: a send case on each of the
/// three channels (a fresh id per attempt) and a receive case on each; only the three send
/// cases; only the three receive cases and a short `after()`; two consumers receiving
/// through a 3-case select until every channel is closed. Every select is liable to be dropped
/// at a random point.
fn select_torture(f: Flavor, seed: u64) -> Torture {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let chans: Vec<(Sender<u64>, Receiver<u64>)> = (0..3).map(|_| f.make()).collect();
    let mut workers = Vec::new();
    for w in 0..WORKERS {
        let txs: Vec<Sender<u64>> = chans.iter().map(|c| c.0.clone()).collect();
        let rxs: Vec<Receiver<u64>> = chans.iter().map(|c| c.1.clone()).collect();
        workers.push(rt.spawn(async move {
            let mut rng = Rng::new(seed * 100 + w);
            let mut out = Torture::default();
            for attempt in 0..ATTEMPTS {
                let id = (w << 32) | attempt;
                let kind = rng.below(3);
                let sending = kind < 2;
                let ev = match kind {
                    0 => {
                        let fut = async {
                            select! {
                                send(txs[0], id) -> r => { r.unwrap(); Event::Sent(id) },
                                send(txs[1], id) -> r => { r.unwrap(); Event::Sent(id) },
                                send(txs[2], id) -> r => { r.unwrap(); Event::Sent(id) },
                                recv(rxs[0]) -> v => Event::Got(0, v),
                                recv(rxs[1]) -> v => Event::Got(1, v),
                                recv(rxs[2]) -> v => Event::Got(2, v),
                            }
                        };
                        maybe_cancel(&mut rng, fut).await
                    }
                    1 => {
                        let fut = async {
                            select! {
                                send(txs[0], id) -> r => { r.unwrap(); Event::Sent(id) },
                                send(txs[1], id) -> r => { r.unwrap(); Event::Sent(id) },
                                send(txs[2], id) -> r => { r.unwrap(); Event::Sent(id) },
                            }
                        };
                        maybe_cancel(&mut rng, fut).await
                    }
                    _ => {
                        let fut = async {
                            select! {
                                recv(rxs[0]) -> v => Event::Got(0, v),
                                recv(rxs[1]) -> v => Event::Got(1, v),
                                recv(rxs[2]) -> v => Event::Got(2, v),
                                recv(after(Duration::from_millis(2))) -> _ => Event::Idle,
                            }
                        };
                        maybe_cancel(&mut rng, fut).await
                    }
                };
                match ev {
                    Some(Event::Sent(id)) => out.ok.push(id),
                    Some(Event::Got(k, v)) => out
                        .got
                        .push(v.unwrap_or_else(|| panic!("channel {k} closed early"))),
                    Some(Event::Idle) => {}
                    None if sending => out.dropped.push(id),
                    None => out.cancelled_recvs += 1,
                }
            }
            out
        }));
    }
    let mut consumers = Vec::new();
    for c in 0..CONSUMERS {
        let rxs: Vec<Receiver<u64>> = chans.iter().map(|c| c.1.clone()).collect();
        consumers.push(rt.spawn(async move {
            let mut rng = Rng::new(seed * 100 + 50 + c);
            let mut live: Vec<Option<&Receiver<u64>>> = rxs.iter().map(Some).collect();
            let (mut got, mut cancelled) = (Vec::new(), 0usize);
            while live.iter().any(Option::is_some) {
                let fut = async {
                    select! {
                        recv(live[0]) -> v => (0, v),
                        recv(live[1]) -> v => (1, v),
                        recv(live[2]) -> v => (2, v),
                    }
                };
                match maybe_cancel(&mut rng, fut).await {
                    Some((_, Some(v))) => got.push(v),
                    Some((k, None)) => live[k] = None,
                    None => cancelled += 1,
                }
            }
            (got, cancelled)
        }));
    }
    let rxs: Vec<Receiver<u64>> = chans.iter().map(|c| c.1.clone()).collect();
    drop(chans); // the workers hold the last senders: the channels close when they finish
    let mut out = Torture::default();
    rt.block_on(async {
        for h in workers {
            let t = tokio::time::timeout(PATIENCE, h)
                .await
                .unwrap_or_else(|_| panic!("{f:?} seed {seed}: a worker hung"))
                .unwrap();
            out.ok.extend(t.ok);
            out.dropped.extend(t.dropped);
            out.got.extend(t.got);
            out.cancelled_recvs += t.cancelled_recvs;
        }
        for h in consumers {
            let (got, cancelled) = tokio::time::timeout(PATIENCE, h)
                .await
                .unwrap_or_else(|_| panic!("{f:?} seed {seed}: a consumer hung"))
                .unwrap();
            out.got.extend(got);
            out.cancelled_recvs += cancelled;
        }
    });
    for (k, rx) in rxs.iter().enumerate() {
        assert_eq!(
            rx.try_recv(),
            Err(TryRecvError::Closed),
            "{f:?}: channel {k} not drained"
        );
        assert_eq!(
            rx.blocked_receivers(),
            0,
            "{f:?}: channel {k}: stale receive records"
        );
        assert_eq!(
            rx.blocked_senders(),
            0,
            "{f:?}: channel {k}: stale send records"
        );
    }
    out
}

/// G6 torture for selects on a multi-thread tokio runtime, every flavor: every id whose send
/// case was chosen is received exactly once, nothing is received twice, and nothing is
/// received that was never offered. (An id whose select was dropped may or may not have been
/// sent: a peer can commit the send case just before the drop; it is then received once.)
#[test]
fn select_cancel_torture() {
    for f in FLAVORS {
        for seed in 1..=2 {
            let out = select_torture(f, seed);
            let label = format!("{f:?} seed {seed}");
            let after_drop = common::check_exactly_once(&label, &out.got, &out.ok, &out.dropped);
            assert!(
                !out.ok.is_empty(),
                "{f:?} seed {seed}: no send ever completed"
            );
            if std::env::var_os("GOCHAN_TEST_VERBOSE").is_some() {
                eprintln!(
                    "{f:?} seed {seed}: {} sent, {} send selects dropped ({after_drop} of them \
                     delivered), {} receive-only selects dropped",
                    out.ok.len(),
                    out.dropped.len(),
                    out.cancelled_recvs
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// G8: nothing leaks, waking many parked selects
// ---------------------------------------------------------------------------------------------

/// B10.9 (test/chan/select2.go), G8: 100,000 selects with `default` over channels that are
/// never ready leave nothing behind: the wait lists stay empty (checked every 10,000) and the
/// memory this thread holds does not grow (Go allows ~110 KB over 100,000 selects; here the
/// limit is 64 KiB).
#[test]
fn hundred_thousand_default_selects_leak_nothing() {
    let (_a_tx, a) = bounded::<u64>(0);
    let (_b_tx, b) = unbounded::<u64>();
    let (c_tx, _c) = bounded::<u64>(0);
    let run = |n: u64| {
        for i in 0..n {
            let taken = select_blocking! {
                recv(a) -> _ => false,
                recv(b) -> _ => false,
                send(c_tx, i) -> _ => false,
                default => true,
            };
            assert!(taken);
            if i % 10_000 == 0 {
                assert_eq!(
                    a.blocked_receivers(),
                    0,
                    "iteration {i}: a's wait list grew"
                );
                assert_eq!(
                    b.blocked_receivers(),
                    0,
                    "iteration {i}: b's wait list grew"
                );
                assert_eq!(
                    c_tx.blocked_senders(),
                    0,
                    "iteration {i}: c's wait list grew"
                );
            }
        }
    };
    run(1000); // warm up lazily allocated per-thread state
    let before = net_bytes();
    run(100_000);
    let grown = net_bytes() - before;
    assert!(
        grown < 64 * 1024,
        "100,000 selects with default kept {grown} bytes"
    );
    assert_eq!(a.blocked_receivers(), 0);
    assert_eq!(b.blocked_receivers(), 0);
    assert_eq!(c_tx.blocked_senders(), 0);
}

/// B10.9, G8 for selects that really wait: 20,000 blocking selects over two unbuffered
/// channels, each completed by another thread, leave no record queued and no memory held by
/// the two threads (their counts are summed, since a record may be freed by the other thread).
#[test]
fn parked_selects_leak_nothing() {
    const N: u64 = 20_000;
    const WARM: u64 = 500;
    let (a_tx, a) = bounded::<u64>(0);
    let (b_tx, b) = bounded::<u64>(0);
    let (_idle_tx, idle) = bounded::<u64>(0);
    let sender = thread::spawn(move || {
        let mut base = 0;
        for i in 0..N {
            if i == WARM {
                base = net_bytes();
            }
            if i % 2 == 0 {
                a_tx.send_blocking(i).unwrap();
            } else {
                b_tx.send_blocking(i).unwrap();
            }
        }
        net_bytes() - base
    });
    let mut base = 0;
    for i in 0..N {
        if i == WARM {
            base = net_bytes();
        }
        let v = select_blocking! {
            recv(a) -> v => v,
            recv(b) -> v => v,
            recv(idle) -> _ => panic!("idle fired"),
        };
        assert_eq!(v, Some(i));
    }
    let mine = net_bytes() - base;
    let theirs = sender.join().unwrap();
    assert_eq!(a.blocked_receivers(), 0);
    assert_eq!(b.blocked_receivers(), 0);
    assert_eq!(
        idle.blocked_receivers(),
        0,
        "the idle channel's wait list grew"
    );
    let grown = mine + theirs;
    assert!(grown < 64 * 1024, "{N} parked selects kept {grown} bytes");
}

/// B10.9 (test/chanlinear.go), G8: many async selects parked on one channel are all woken by
/// as many sends, for N = 200 and 400 tasks on a current-thread runtime; each value is
/// received once, and the wait lists end empty. (No timing assertion: chanlinear's O(1)
/// claim belongs in a benchmark.)
#[test]
fn many_parked_async_selects_all_complete() {
    for n in [200usize, 400] {
        let rt = current_thread_rt();
        let (tx, rx) = bounded::<usize>(0);
        let (_other_tx, other) = bounded::<usize>(0);
        let got = rt.block_on(async {
            let tasks: Vec<_> = (0..n)
                .map(|_| {
                    let (rx, other) = (rx.clone(), other.clone());
                    tokio::spawn(async move {
                        select! {
                            recv(rx) -> v => v,
                            recv(other) -> _ => panic!("other fired"),
                            recv(never::<usize>()) -> _ => panic!("never fired"),
                        }
                    })
                })
                .collect();
            while rx.blocked_receivers() < n {
                tokio::task::yield_now().await;
            }
            for i in 0..n {
                tx.send(i).await.unwrap();
            }
            let mut got = Vec::new();
            for t in tasks {
                got.push(
                    tokio::time::timeout(PATIENCE, t)
                        .await
                        .expect("hang")
                        .unwrap(),
                );
            }
            got
        });
        let got: HashSet<Option<usize>> = got.into_iter().collect();
        assert_eq!(got, (0..n).map(Some).collect::<HashSet<_>>(), "n = {n}");
        assert_eq!(rx.blocked_receivers(), 0);
        assert_eq!(other.blocked_receivers(), 0);
    }
}
