//! shuttle runs of the 4–5-thread scenarios loom cannot reach (VERIFICATION.md §0.4, §5):
//! many senders and receivers on one channel of each flavor, a select fan-in from four
//! channels, selects on both ends of one unbuffered channel, and context trees cancelled from
//! several threads at once.
//!
//! Every scenario runs under shuttle's random scheduler and under PCT (depth 3) with fixed
//! iteration counts. Under `--cfg shuttle` every atomic, lock, condition variable and thread of
//! gochan is shuttle's (src/sync.rs), so shuttle controls every interleaving of the crate's
//! protocols; it treats every atomic as `SeqCst`, so weak-memory bugs are loom's and Miri's
//! job. There is no time under shuttle: no `after`, `tick` or deadlines here.
//!
//! Run: `RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle
//! cargo test -p gochan --test shuttle --release -- --nocapture`
#![cfg(shuttle)]

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use gochan::context::{CancelCauseFunc, Cause, Context, Error};
use gochan::{bounded, select_blocking, unbounded, Receiver, Sender, TryRecvError};
use shuttle::thread;

/// Iterations per scheduler and scenario.
const RANDOM_ITERS: usize = 5_000;
const PCT_ITERS: usize = 5_000;
const PCT_DEPTH: usize = 3;

/// Runs `f` under the random scheduler and under PCT, and prints the time each took.
fn check<F: Fn() + Send + Sync + 'static>(name: &str, f: F) {
    let f = Arc::new(f);
    let start = Instant::now();
    let g = f.clone();
    shuttle::check_random(move || g(), RANDOM_ITERS);
    let random = start.elapsed();
    let start = Instant::now();
    shuttle::check_pct(move || f(), PCT_ITERS, PCT_DEPTH);
    eprintln!(
        "shuttle {name}: random {RANDOM_ITERS} runs in {random:?}, \
         pct(depth {PCT_DEPTH}) {PCT_ITERS} runs in {:?}",
        start.elapsed()
    );
}

// ---------------------------------------------------------------------------------------------
// N senders, M receivers on one channel

/// `senders` threads each send `per_sender` distinct values, `receivers` threads receive until
/// the channel is closed (the last sender dropped). Every value is received exactly once, and
/// each receiver sees each sender's values in the order they were sent (one FIFO channel).
fn mpmc(make: fn() -> (Sender<u32>, Receiver<u32>), senders: u32, receivers: u32, per_sender: u32) {
    let (tx, rx) = make();
    let send_threads: Vec<_> = (0..senders)
        .map(|s| {
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..per_sender {
                    tx.send_blocking(s * 100 + i).expect("a receiver is alive");
                }
            })
        })
        .collect();
    drop(tx);
    let recv_threads: Vec<_> = (0..receivers)
        .map(|_| {
            let rx = rx.clone();
            thread::spawn(move || {
                let mut got = Vec::new();
                while let Some(v) = rx.recv_blocking() {
                    got.push(v);
                }
                got
            })
        })
        .collect();
    drop(rx);
    for t in send_threads {
        t.join().unwrap();
    }
    let mut all = Vec::new();
    for t in recv_threads {
        let got = t.join().unwrap();
        for s in 0..senders {
            let mine: Vec<u32> = got.iter().copied().filter(|v| v / 100 == s).collect();
            assert!(
                mine.windows(2).all(|w| w[0] < w[1]),
                "sender {s}'s values out of order at one receiver: {got:?}"
            );
        }
        all.extend(got);
    }
    all.sort_unstable();
    let expected: Vec<u32> = (0..senders)
        .flat_map(|s| (0..per_sender).map(move |i| s * 100 + i))
        .collect();
    assert_eq!(all, expected, "lost or duplicated messages");
}

fn cap0() -> (Sender<u32>, Receiver<u32>) {
    bounded(0)
}
fn cap1() -> (Sender<u32>, Receiver<u32>) {
    bounded(1)
}
fn unbounded_u32() -> (Sender<u32>, Receiver<u32>) {
    unbounded()
}

#[test]
fn mpmc_unbuffered() {
    check("mpmc_unbuffered 2x2", || mpmc(cap0, 2, 2, 2));
    check("mpmc_unbuffered 3x2", || mpmc(cap0, 3, 2, 2));
}

#[test]
fn mpmc_cap1() {
    check("mpmc_cap1 2x2", || mpmc(cap1, 2, 2, 2));
    check("mpmc_cap1 2x3", || mpmc(cap1, 2, 3, 2));
}

#[test]
fn mpmc_unbounded() {
    check("mpmc_unbounded 2x2", || mpmc(unbounded_u32, 2, 2, 2));
    check("mpmc_unbounded 3x2", || mpmc(unbounded_u32, 3, 2, 2));
}

// ---------------------------------------------------------------------------------------------
// select fan-in

/// Four sender threads, each on its own channel (two unbuffered, one of capacity 1, one
/// unbounded), and one thread selecting over the four receivers until all are closed (a
/// closed receiver becomes a nil case). Every value arrives once and in its channel's order.
#[test]
fn select_fan_in_from_four_channels() {
    check("select_fan_in_from_four_channels", || {
        const PER: u32 = 2;
        let (t0, r0) = bounded::<u32>(0);
        let (t1, r1) = bounded::<u32>(0);
        let (t2, r2) = bounded::<u32>(1);
        let (t3, r3) = unbounded::<u32>();
        let senders: Vec<_> = [t0, t1, t2, t3]
            .into_iter()
            .enumerate()
            .map(|(c, tx)| {
                thread::spawn(move || {
                    for i in 0..PER {
                        tx.send_blocking(c as u32 * 100 + i).unwrap();
                    }
                })
            })
            .collect();
        let selector = thread::spawn(move || {
            let mut rx = [Some(r0), Some(r1), Some(r2), Some(r3)];
            let mut got: Vec<(usize, Option<u32>)> = Vec::new();
            while rx.iter().any(Option::is_some) {
                let (c, v) = select_blocking! {
                    recv(rx[0].as_ref()) -> v => (0, v),
                    recv(rx[1].as_ref()) -> v => (1, v),
                    recv(rx[2].as_ref()) -> v => (2, v),
                    recv(rx[3].as_ref()) -> v => (3, v),
                };
                match v {
                    Some(_) => got.push((c, v)),
                    None => rx[c] = None,
                }
            }
            got
        });
        for t in senders {
            t.join().unwrap();
        }
        let got = selector.join().unwrap();
        for c in 0..4u32 {
            let mine: Vec<u32> = got
                .iter()
                .filter(|(k, _)| *k == c as usize)
                .map(|(_, v)| v.unwrap())
                .collect();
            let expected: Vec<u32> = (0..PER).map(|i| c * 100 + i).collect();
            assert_eq!(mine, expected, "channel {c}: {got:?}");
        }
    });
}

// ---------------------------------------------------------------------------------------------
// select on both ends of an unbuffered channel

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Did {
    Sent(u32),
    Received(u32),
}

/// Two threads each run a select offering both `send(tx, v)` and `recv(rx)` on one
/// unbuffered channel; a third thread sends and a fourth receives, plainly. Every
/// communication pairs one send with one receive, so the values sent are exactly the values
/// received; a select never meets itself (Go: a select cannot receive its own send), each
/// select does exactly one of its cases, and the run always completes (shuttle reports a
/// deadlock otherwise).
///
/// One operation per thread is the only shape that cannot end with a thread legitimately
/// stuck: with two each, one selector can send to the receiver and receive from the sender
/// while the other selector finds no partner (shuttle found that schedule at once), and with
/// two plain operations the plain sender can be left over the same way.
#[test]
fn select_on_both_ends_of_unbuffered() {
    check("select_on_both_ends_of_unbuffered", || {
        const ROUNDS: u32 = 1;
        let (tx, rx) = bounded::<u32>(0);
        let selectors: Vec<_> = (1..=2u32)
            .map(|id| {
                let (tx, rx) = (tx.clone(), rx.clone());
                thread::spawn(move || {
                    let mut did = Vec::new();
                    for round in 0..ROUNDS {
                        let v = id * 100 + round;
                        let d = select_blocking! {
                            send(&tx, v) -> r => {
                                r.expect("the plain receiver is alive");
                                Did::Sent(v)
                            },
                            recv(&rx) -> got => {
                                let got = got.expect("the channel is never closed here");
                                assert_ne!(got / 100, id, "a select received its own send");
                                Did::Received(got)
                            },
                        };
                        did.push(d);
                    }
                    did
                })
            })
            .collect();
        let plain_tx = tx.clone();
        let sender = thread::spawn(move || {
            (0..ROUNDS)
                .map(|round| {
                    let v = 300 + round;
                    plain_tx.send_blocking(v).unwrap();
                    Did::Sent(v)
                })
                .collect::<Vec<_>>()
        });
        let plain_rx = rx.clone();
        let receiver = thread::spawn(move || {
            (0..ROUNDS)
                .map(|_| Did::Received(plain_rx.recv_blocking().unwrap()))
                .collect::<Vec<_>>()
        });
        let mut sent = BTreeSet::new();
        let mut received = BTreeSet::new();
        let mut all = Vec::new();
        for t in selectors.into_iter().chain([sender, receiver]) {
            let did = t.join().unwrap();
            assert_eq!(did.len(), ROUNDS as usize);
            all.extend(did);
        }
        for d in &all {
            match *d {
                Did::Sent(v) => assert!(sent.insert(v), "sent twice: {all:?}"),
                Did::Received(v) => assert!(received.insert(v), "received twice: {all:?}"),
            }
        }
        assert_eq!(
            sent, received,
            "a send without its receive, or back: {all:?}"
        );
        assert_eq!(rx.len(), 0);
        assert_eq!((rx.blocked_senders(), rx.blocked_receivers()), (0, 0));
    });
}

// ---------------------------------------------------------------------------------------------
// context trees cancelled from several threads

fn is_done(ctx: &Context) -> bool {
    ctx.done().try_recv() == Err(TryRecvError::Closed)
}

fn custom(msg: &'static str) -> Cause {
    Arc::new(std::io::Error::other(msg))
}

fn cause_msg(ctx: &Context) -> Option<String> {
    ctx.cause().map(|c| c.to_string())
}

/// A tree of cancellable contexts, each with a `CancelCauseFunc` whose cause names the node.
///
/// ```text
/// root ─┬─ a ─┬─ aa ── aaa
///       │     └─ ab
///       └─ b ─┬─ ba
///             └─ bb
/// ```
struct Tree {
    names: Vec<&'static str>,
    parent: Vec<Option<usize>>,
    ctx: Vec<Context>,
    cancel: Vec<Option<CancelCauseFunc>>,
}

impl Tree {
    fn new() -> Tree {
        let shape: [(&'static str, Option<usize>); 8] = [
            ("root", None),
            ("a", Some(0)),
            ("b", Some(0)),
            ("aa", Some(1)),
            ("ab", Some(1)),
            ("aaa", Some(3)),
            ("ba", Some(2)),
            ("bb", Some(2)),
        ];
        let mut t = Tree {
            names: Vec::new(),
            parent: Vec::new(),
            ctx: Vec::new(),
            cancel: Vec::new(),
        };
        for (name, parent) in shape {
            let base = match parent {
                None => Context::background(),
                Some(p) => t.ctx[p].clone(),
            };
            let (ctx, cancel) = base.with_cancel_cause();
            t.names.push(name);
            t.parent.push(parent);
            t.ctx.push(ctx);
            t.cancel.push(Some(cancel));
        }
        t
    }

    fn index(&self, name: &str) -> usize {
        self.names.iter().position(|n| *n == name).unwrap()
    }

    /// `i` and its ancestors, nearest first.
    fn path(&self, mut i: usize) -> Vec<usize> {
        let mut p = vec![i];
        while let Some(up) = self.parent[i] {
            p.push(up);
            i = up;
        }
        p
    }

    /// Cancels `name` on a new shuttle thread; once the cancel returns, the node's whole
    /// subtree must already be cancelled (also when another thread's walk got there first).
    fn cancel_on_thread(&mut self, name: &'static str) -> thread::JoinHandle<()> {
        let i = self.index(name);
        let cancel = self.cancel[i].take().expect("each node is cancelled once");
        let subtree: Vec<Context> = (0..self.ctx.len())
            .filter(|&j| self.path(j).contains(&i))
            .map(|j| self.ctx[j].clone())
            .collect();
        thread::spawn(move || {
            cancel.cancel(Some(custom(name)));
            for c in &subtree {
                assert!(is_done(c), "cancel({name}) returned before {c} was done");
                assert_eq!(c.err(), Some(Error::Canceled));
            }
        })
    }

    /// After every cancelling thread joined: a node is cancelled exactly when it or an
    /// ancestor was, its cause is the cause of one of its cancelled ancestors (or its own),
    /// and a node nobody cancelled above is untouched; a cancelled node has left its parent's
    /// child set.
    fn check(&self, cancelled: &[&str]) {
        let cancelled: Vec<usize> = cancelled.iter().map(|n| self.index(n)).collect();
        for i in 0..self.ctx.len() {
            let path = self.path(i);
            let by: Vec<&str> = path
                .iter()
                .filter(|j| cancelled.contains(j))
                .map(|&j| self.names[j])
                .collect();
            let ctx = &self.ctx[i];
            let name = self.names[i];
            if by.is_empty() {
                assert_eq!(ctx.err(), None, "{name} was cancelled by nobody above it");
                assert!(!is_done(ctx), "{name}'s done closed");
                assert!(ctx.cause().is_none());
            } else {
                assert_eq!(
                    ctx.err(),
                    Some(Error::Canceled),
                    "{name} (cancelled via {by:?})"
                );
                assert!(is_done(ctx), "{name}'s done is open (cancelled via {by:?})");
                let cause = cause_msg(ctx).unwrap();
                assert!(
                    by.contains(&cause.as_str()),
                    "{name}'s cause {cause:?} is not one of {by:?}"
                );
                assert_eq!(ctx.child_count(), 0, "{name} still has children");
            }
        }
        for i in 0..self.ctx.len() {
            if self.ctx[i].err().is_some() {
                continue;
            }
            let live_children = (0..self.ctx.len())
                .filter(|&j| self.parent[j] == Some(i) && self.ctx[j].err().is_none())
                .count();
            assert_eq!(
                self.ctx[i].child_count(),
                live_children,
                "{}'s child set",
                self.names[i]
            );
        }
    }
}

/// Three threads cancel a child, a grandchild below it and a grandchild in the other branch,
/// while a fourth waits on the done channel of a great-grandchild: the waiter wakes, every
/// descendant of a cancelled node is cancelled, and the root and `b` stay live.
#[test]
fn context_tree_cancelled_from_three_threads() {
    check("context_tree_cancelled_from_three_threads", || {
        let mut tree = Tree::new();
        let aaa_done = tree.ctx[tree.index("aaa")].done();
        let waiter = thread::spawn(move || assert_eq!(aaa_done.recv_blocking(), None));
        let cancels = ["a", "aa", "ba"];
        let threads: Vec<_> = cancels.iter().map(|n| tree.cancel_on_thread(n)).collect();
        for t in threads {
            t.join().unwrap();
        }
        waiter.join().unwrap();
        tree.check(&cancels);
    });
}

/// Four threads cancel the root, a child, a grandchild and a great-grandchild at once, and an
/// `after_func` on a leaf runs exactly once: every node ends cancelled with a cause from its
/// own path, whichever walk reached it first.
#[test]
fn context_tree_cancelled_from_four_threads_with_root() {
    check("context_tree_cancelled_from_four_threads_with_root", || {
        let mut tree = Tree::new();
        let (ran_tx, ran_rx) = unbounded::<()>();
        let after = tree.ctx[tree.index("bb")].after_func(move || {
            ran_tx.send_blocking(()).unwrap();
        });
        let cancels = ["root", "b", "aa", "aaa"];
        let threads: Vec<_> = cancels.iter().map(|n| tree.cancel_on_thread(n)).collect();
        for t in threads {
            t.join().unwrap();
        }
        tree.check(&cancels);
        // The after_func runs on its own (detached) thread; wait for it, and for its sender to
        // be dropped, so that it ran exactly once.
        assert_eq!(ran_rx.recv_blocking(), Some(()));
        assert_eq!(ran_rx.recv_blocking(), None);
        assert!(!after.stop(), "stop after the function started");
    });
}

/// A child created under `b` while three threads cancel `root`, `b` and `a`: it is born
/// cancelled or cancelled by a walk, never left live under a cancelled parent.
#[test]
fn context_child_created_during_concurrent_cancels() {
    check("context_child_created_during_concurrent_cancels", || {
        let mut tree = Tree::new();
        let b = tree.ctx[tree.index("b")].clone();
        let creator = thread::spawn(move || {
            let (late, cancel) = b.with_cancel();
            (late, cancel)
        });
        let cancels = ["root", "b", "a"];
        let threads: Vec<_> = cancels.iter().map(|n| tree.cancel_on_thread(n)).collect();
        for t in threads {
            t.join().unwrap();
        }
        let (late, _cancel) = creator.join().unwrap();
        tree.check(&cancels);
        assert_eq!(late.err(), Some(Error::Canceled));
        assert!(is_done(&late));
        let cause = cause_msg(&late).unwrap();
        assert!(
            ["root", "b"].contains(&cause.as_str()),
            "late child's cause {cause}"
        );
    });
}

// ---------------------------------------------------------------------------------------------
// the harness explores schedules

/// Set by the planted failure just before it panics (a std atomic: it must survive shuttle's
/// executions and is not part of any schedule).
static PLANTED_FAILURE_HIT: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// A deliberately wrong claim about a race: with two senders on one channel, "sender 0's value
/// always arrives first" holds in some schedules only. shuttle must find a counterexample.
///
/// shuttle's panic payload sometimes carries the original message and sometimes only its own
/// "test panicked in task …" line, so the test re-panics with a fixed message once it has
/// seen the planted assertion fire (and not some other failure, such as a deadlock).
#[test]
#[should_panic(expected = "shuttle found the planted race")]
fn shuttle_finds_a_broken_race_assumption() {
    use std::sync::atomic::Ordering;
    let run = std::panic::catch_unwind(|| {
        shuttle::check_random(
            || {
                let (tx, rx) = unbounded::<u32>();
                let ts: Vec<_> = (0..2)
                    .map(|s| {
                        let tx = tx.clone();
                        thread::spawn(move || tx.send_blocking(s).unwrap())
                    })
                    .collect();
                let first = rx.recv_blocking().unwrap();
                // Join before the check: a panic while another shuttle thread still runs
                // (and may hold a channel lock) makes the drops during unwinding block,
                // which shuttle turns into a second panic and an abort of the whole binary.
                for t in ts {
                    t.join().unwrap();
                }
                if first != 0 {
                    PLANTED_FAILURE_HIT.store(true, Ordering::SeqCst);
                    panic!("sender 1 won the race");
                }
            },
            1_000,
        );
    });
    if run.is_err() && PLANTED_FAILURE_HIT.load(Ordering::SeqCst) {
        panic!("shuttle found the planted race");
    }
    // No panic, or a different failure: return normally, so `should_panic` reports it.
    if run.is_ok() {
        eprintln!("shuttle did not find the planted race in 1000 runs");
    } else {
        eprintln!("shuttle failed for another reason than the planted race");
    }
}
