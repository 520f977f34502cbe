//! A soak test: random workloads over every channel API for as long as you like, with the
//! invariants checked continuously. Not a test (it runs for minutes or hours); run it with
//!
//! ```text
//! cargo run --release --example soak -- --seconds 1800 [--seed N] [--quiet]
//! ```
//!
//! The run is a sequence of *rounds*. Each round builds one to three channels of random
//! flavors (capacity 0, 1, 3, 64 or unbounded), starts one to four producers and one to four
//! consumers, each either a plain thread or a task on a shared tokio runtime, and lets them
//! exchange a few thousand messages through a random mix of APIs:
//!
//! - blocking: `send_blocking`, `try_send`, `send_timeout`, `recv_blocking`, `try_recv`,
//!   `recv_timeout`, `iter`;
//! - async: `send().await`, `recv().await`, `Stream::next`, `Sink::send`, each sometimes
//!   wrapped in a tokio timeout so that pending futures are dropped at random (G6);
//! - `select_blocking!` and `select!` with send, receive and `default` cases, `after` and
//!   `tick` cases, nil (`None`) cases; the `Select` builder, blocking, `try_select`,
//!   `select_timeout` and async;
//! - `time::Timer` stop/reset (no stale value after `stop`, Go 1.23).
//!
//! A round ends one of three ways: the producers finish and their dropped senders close the
//! channels (G2); the round's coordinator closes them explicitly while consumers also forward
//! messages through select send cases; or the consumers quit early, and dropping the last
//! receiver closes the channels under blocked senders and drops what is buffered (G2).
//!
//! Checked, and reported as a violation (the exit status is then non-zero):
//!
//! - every message has exactly one fate: received once or dropped unsent once. A second
//!   receive (a duplicate) is reported the moment it happens; a message with no fate at the
//!   end of its round was leaked; a payload that does not match its id was corrupted;
//! - every message whose send returned `Ok` was received (unless the round ended with the
//!   consumers quitting, where the channel may drop buffered messages by design);
//! - a send fails with "closed" only where the channel can be closed;
//! - after every round, with every worker finished: `blocked_senders()` and
//!   `blocked_receivers()` are 0, and the channels are empty;
//! - FIFO (G1): in rounds with a single consumer, each producer's messages on each channel
//!   arrive in the order sent (not checked on a channel after a `Sink` send was dropped with
//!   its message still in flight, nor where the consumer used `Stream::next`, whose pending
//!   receive may hold an older message while newer ones arrive);
//! - tick values increase; a stopped timer delivers nothing; after every round no timer is
//!   left in the timer thread's heap (`time::pending_timers() == 0`);
//! - no round takes longer than a minute (a hang: the process prints the round and exits
//!   with status 3);
//! - memory does not grow: the live heap (a counting global allocator) between rounds and
//!   VmRSS (from `/proc/self/status`) are sampled every second, and the last quarter of the
//!   run is compared with the first quarter after warm-up. The live heap is the leak
//!   detector; the RSS also moves with the allocator's per-thread arenas, so its limit is
//!   loose (+64 MiB and +100%).
//!
//! A status line is printed every 5 s and a summary at the end.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use gochan::time::Timer;
use gochan::{
    after, bounded, select, select_blocking, tick, unbounded, Receiver, RecvTimeoutError, Select,
    SendTimeoutError, Sender, TryRecvError, TrySendError,
};

// ---------------------------------------------------------------------------------------------
// A counting allocator: live heap bytes, to tell a leak from allocator fragmentation in the RSS.

struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded to `System` unchanged; only a counter is updated beside it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we pass on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: as for `alloc`; `ptr` came from `System` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `alloc`; `ptr` came from `System` with `layout`.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE_BYTES.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            );
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

// ---------------------------------------------------------------------------------------------
// Counters, violations, the status thread.

static ROUNDS: AtomicU64 = AtomicU64::new(0);
static SENT_OK: AtomicU64 = AtomicU64::new(0);
static RECEIVED: AtomicU64 = AtomicU64::new(0);
static DROPPED_UNSENT: AtomicU64 = AtomicU64::new(0);
static GIVEN_BACK_AT_END: AtomicU64 = AtomicU64::new(0);
static TICKS: AtomicU64 = AtomicU64::new(0);
static FIFO_CHECKED: AtomicU64 = AtomicU64::new(0);
static MODE_COUNTS: [AtomicU64; 3] = [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)];
static VIOLATIONS: AtomicU64 = AtomicU64::new(0);
static ROUND_STARTED_MS: AtomicU64 = AtomicU64::new(0);
static ROUND_RUNNING: AtomicBool = AtomicBool::new(false);
static START: OnceLock<Instant> = OnceLock::new();
static VIOLATION_LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());
static ROUND_DESC: Mutex<String> = Mutex::new(String::new());

fn elapsed_ms() -> u64 {
    START.get().map_or(0, |s| s.elapsed().as_millis() as u64)
}

fn violation(what: String) {
    VIOLATIONS.fetch_add(1, Ordering::SeqCst);
    eprintln!("VIOLATION: {what}");
    let mut log = VIOLATION_LOG.lock().unwrap();
    if log.len() < 50 {
        log.push(what);
    }
}

fn rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

// ---------------------------------------------------------------------------------------------
// A small random source (xorshift64*), one per worker.

#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        r.next();
        r
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 32) * n as u64) >> 32) as usize
    }

    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn micros(&mut self, max: usize) -> Duration {
        Duration::from_micros(self.below(max + 1) as u64)
    }
}

// ---------------------------------------------------------------------------------------------
// Messages and their ledger.

/// Each message id's fate in one round.
struct Ledger {
    next: AtomicUsize,
    sent_ok: Vec<AtomicBool>,
    received: Vec<AtomicU8>,
    dropped: Vec<AtomicU8>,
}

const MAX_IDS: usize = 1 << 16;

impl Ledger {
    fn new() -> Ledger {
        Ledger {
            next: AtomicUsize::new(0),
            sent_ok: (0..MAX_IDS).map(|_| AtomicBool::new(false)).collect(),
            received: (0..MAX_IDS).map(|_| AtomicU8::new(0)).collect(),
            dropped: (0..MAX_IDS).map(|_| AtomicU8::new(0)).collect(),
        }
    }

    /// A new message; `order` is (source, channel, sequence number) for the FIFO check.
    fn msg(self: &Arc<Ledger>, order: Option<(u32, u8, u32)>) -> Option<Msg> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        if id >= MAX_IDS {
            return None;
        }
        Some(Msg {
            id: id as u32,
            check: payload(id as u32),
            order,
            ledger: self.clone(),
            done: false,
        })
    }

    fn sent(&self, id: u32) {
        self.sent_ok[id as usize].store(true, Ordering::Relaxed);
        SENT_OK.fetch_add(1, Ordering::Relaxed);
    }
}

fn payload(id: u32) -> u64 {
    (id as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5eed
}

struct Msg {
    id: u32,
    check: u64,
    /// (producer, channel, sequence number), when this message takes part in the FIFO check.
    order: Option<(u32, u8, u32)>,
    ledger: Arc<Ledger>,
    done: bool,
}

impl Msg {
    /// The message reached a receiver.
    fn consume(mut self) {
        if self.check != payload(self.id) {
            violation(format!(
                "message {} corrupted: payload {:#x}",
                self.id, self.check
            ));
        }
        let prev = self.ledger.received[self.id as usize].fetch_add(1, Ordering::SeqCst);
        if prev != 0 {
            violation(format!("message {} received twice", self.id));
        }
        RECEIVED.fetch_add(1, Ordering::Relaxed);
        self.done = true;
    }
}

impl Drop for Msg {
    fn drop(&mut self) {
        if !self.done {
            self.ledger.dropped[self.id as usize].fetch_add(1, Ordering::SeqCst);
            DROPPED_UNSENT.fetch_add(1, Ordering::Relaxed);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rounds.

/// How a round ends (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Producers finish; the last sender dropped closes each channel.
    DropClose,
    /// Consumers also forward through select send cases; the coordinator closes.
    ExplicitClose,
    /// Consumers quit early; the last receiver dropped closes and drops the buffer.
    ConsumersQuit,
}

struct Cfg {
    mode: Mode,
    /// Consumers that may forward (ExplicitClose) get these.
    forward: bool,
}

fn new_chan(rng: &mut Rng) -> (Sender<Msg>, Receiver<Msg>, &'static str) {
    let (cap, name) = match rng.below(5) {
        0 => (Some(0), "cap0"),
        1 => (Some(1), "cap1"),
        2 => (Some(3), "cap3"),
        3 => (Some(64), "cap64"),
        _ => (None, "unbounded"),
    };
    let (tx, rx) = match cap {
        Some(c) => bounded(c),
        None => unbounded(),
    };
    (tx, rx, name)
}

fn run_round(rt: &tokio::runtime::Runtime, round: u64, rng: &mut Rng) {
    let ledger = Arc::new(Ledger::new());
    let n_chans = rng.range(1, 3);
    let mut txs = Vec::new();
    let mut rxs = Vec::new();
    let mut names = Vec::new();
    for _ in 0..n_chans {
        let (t, r, n) = new_chan(rng);
        txs.push(t);
        rxs.push(r);
        names.push(n);
    }
    let mode = match rng.below(10) {
        0..=4 => Mode::DropClose,
        5..=7 => Mode::ExplicitClose,
        _ => Mode::ConsumersQuit,
    };
    MODE_COUNTS[mode as usize].fetch_add(1, Ordering::Relaxed);
    let cfg = Arc::new(Cfg {
        mode,
        forward: mode == Mode::ExplicitClose,
    });
    let n_prod = rng.range(1, 4);
    let n_cons = rng.range(1, 4);
    let quota = rng.range(50, 2000);
    *ROUND_DESC.lock().unwrap() = format!(
        "round {round}: {mode:?}, channels {names:?}, {n_prod} producers x {quota}, {n_cons} consumers"
    );

    // What the coordinator keeps: receivers to check (and drain) at the end, except when the
    // consumers' leaving must be able to close the channels; senders when it closes them
    // itself (after the producers are done).
    let keep_rx: Vec<Receiver<Msg>> = if mode == Mode::ConsumersQuit {
        Vec::new()
    } else {
        rxs.clone()
    };
    let keep_tx: Vec<Sender<Msg>> = if mode == Mode::DropClose {
        Vec::new()
    } else {
        txs.clone()
    };

    let mut threads = Vec::new();
    let mut tasks = Vec::new();
    for p in 0..n_prod {
        let txs = txs.clone();
        let ledger = ledger.clone();
        let cfg = cfg.clone();
        let prng = Rng::new(rng.next() ^ p as u64);
        if rng.chance(50) {
            threads.push((
                "producer",
                thread::spawn(move || producer_blocking(txs, ledger, cfg, quota, prng, p as u32)),
            ));
        } else {
            tasks.push(rt.spawn(producer_async(txs, ledger, cfg, quota, prng, p as u32)));
        }
    }
    let mut cons_threads = Vec::new();
    for c in 0..n_cons {
        let rxs = rxs.clone();
        let fwd = if cfg.forward { txs.clone() } else { Vec::new() };
        let ledger = ledger.clone();
        let cfg = cfg.clone();
        let crng = Rng::new(rng.next() ^ (100 + c as u64));
        let only = n_cons == 1;
        let stop_after =
            (mode == Mode::ConsumersQuit).then(|| rng.below(quota * n_prod / n_cons + 1));
        if rng.chance(50) {
            cons_threads.push(thread::spawn(move || {
                consumer_blocking(rxs, fwd, ledger, cfg, stop_after, crng, only)
            }));
        } else {
            tasks.push(rt.spawn(consumer_async(
                rxs, fwd, ledger, cfg, stop_after, crng, only,
            )));
        }
    }
    // The coordinator's own handles of the other kind go now, so that only the workers hold
    // them (the channels close when the workers are done).
    drop(txs);
    drop(rxs);

    for (what, t) in threads {
        if t.join().is_err() {
            violation(format!("a {what} thread panicked"));
        }
    }
    // Producer tasks come first in `tasks`, then consumer tasks. Unless the producers' dropped
    // senders close the channels, the coordinator waits for the producers, then closes.
    if mode != Mode::DropClose {
        let n_prod_tasks = tasks.len() - (n_cons - cons_threads.len());
        let consumers: Vec<_> = tasks.split_off(n_prod_tasks);
        for t in tasks.drain(..) {
            if rt.block_on(t).is_err() {
                violation("a producer task panicked".into());
            }
        }
        for (k, t) in keep_tx.iter().enumerate() {
            // Half the time from the receiving side, where the coordinator has one.
            let closed = match keep_rx.get(k) {
                Some(r) if rng.chance(50) => r.close(),
                _ => t.close(),
            };
            // Consumers that all quit have closed it already.
            if !closed && mode == Mode::ExplicitClose {
                violation(format!(
                    "channel {k} was closed before the coordinator closed it"
                ));
            }
        }
        tasks = consumers;
    }
    for t in tasks {
        if rt.block_on(t).is_err() {
            violation("a worker task panicked".into());
        }
    }
    for t in cons_threads {
        if t.join().is_err() {
            violation("a consumer thread panicked".into());
        }
    }

    // Quiescence: nobody waits any more, and what is left is drained.
    for (k, rx) in keep_rx.iter().enumerate() {
        if !rx.is_closed() {
            violation(format!("round {round}: channel {k} still open at the end"));
        }
        let (bs, br) = (rx.blocked_senders(), rx.blocked_receivers());
        if bs != 0 || br != 0 {
            violation(format!(
                "round {round}: channel {k} ({}) has {bs} blocked senders, {br} blocked receivers at quiescence",
                names[k]
            ));
        }
        loop {
            match rx.try_recv() {
                Ok(m) => {
                    // A message a dropped pending receive gave back (G6) after its consumer
                    // had seen the channel closed and drained; it is still delivered here.
                    GIVEN_BACK_AT_END.fetch_add(1, Ordering::Relaxed);
                    m.consume();
                }
                Err(TryRecvError::Closed) => break,
                Err(TryRecvError::Empty) => {
                    violation(format!(
                        "round {round}: channel {k} closed but reports empty"
                    ));
                    break;
                }
            }
        }
    }
    for (k, tx) in keep_tx.iter().enumerate() {
        let (bs, br) = (tx.blocked_senders(), tx.blocked_receivers());
        if bs != 0 || br != 0 {
            violation(format!(
                "round {round}: channel {k} ({}) has {bs} blocked senders, {br} blocked receivers at quiescence",
                names[k]
            ));
        }
    }
    drop(keep_rx);
    drop(keep_tx);

    // Every message has exactly one fate.
    let n = ledger.next.load(Ordering::SeqCst).min(MAX_IDS);
    let mut bad = 0;
    for id in 0..n {
        let r = ledger.received[id].load(Ordering::SeqCst);
        let d = ledger.dropped[id].load(Ordering::SeqCst);
        let ok = ledger.sent_ok[id].load(Ordering::SeqCst);
        let problem = if r + d == 0 {
            Some("leaked (neither received nor dropped)")
        } else if r + d > 1 {
            Some("has two fates")
        } else if ok && r == 0 && mode != Mode::ConsumersQuit {
            Some("was sent (Ok) but never received: lost")
        } else {
            None
        };
        if let Some(p) = problem {
            bad += 1;
            if bad <= 5 {
                violation(format!(
                    "{}: message {id} {p} (received {r}, dropped {d}, sent_ok {ok})",
                    ROUND_DESC.lock().unwrap()
                ));
            }
        }
    }
    if bad > 5 {
        violation(format!("... and {} more messages in that round", bad - 5));
    }
}

// ---------------------------------------------------------------------------------------------
// Producers.

/// Numbers a producer's messages per channel, for the FIFO check (G1): one producer's sends
/// complete one after the other, so a single consumer must see each channel's numbers rise.
struct Stamper {
    src: u32,
    seq: Vec<u32>,
    /// A message may still be in flight inside a `Sink` (a dropped `Sink::send`): later
    /// messages on that channel may overtake it, so they are no longer checked.
    unordered: Vec<bool>,
}

impl Stamper {
    fn new(src: u32, n: usize) -> Stamper {
        Stamper {
            src,
            seq: vec![0; n],
            unordered: vec![false; n],
        }
    }

    fn msg(&mut self, ledger: &Arc<Ledger>, chan: usize) -> Option<Msg> {
        self.seq[chan] += 1;
        let order = (!self.unordered[chan]).then_some((self.src, chan as u8, self.seq[chan]));
        ledger.msg(order)
    }
}

/// Reports a send that failed on a channel that cannot be closed yet.
fn unexpected_closed(cfg: &Cfg, how: &str) -> bool {
    if cfg.mode == Mode::ConsumersQuit {
        return true; // the consumers left: stop producing
    }
    violation(format!(
        "{how} reported closed while producers still hold senders"
    ));
    true
}

fn producer_blocking(
    txs: Vec<Sender<Msg>>,
    ledger: Arc<Ledger>,
    cfg: Arc<Cfg>,
    quota: usize,
    mut rng: Rng,
    src: u32,
) {
    let n = txs.len();
    let mut stamp = Stamper::new(src, n);
    for _ in 0..quota {
        let k = rng.below(n);
        let j = rng.below(n);
        let Some(m) = stamp.msg(&ledger, k) else {
            return;
        };
        let id = m.id;
        let closed = match rng.below(8) {
            0 => match txs[k].send_blocking(m) {
                Ok(()) => {
                    ledger.sent(id);
                    false
                }
                Err(_) => unexpected_closed(&cfg, "send_blocking"),
            },
            1 => {
                // try_send a few times, then wait.
                let mut m = m;
                let mut tries = 0;
                loop {
                    match txs[k].try_send(m) {
                        Ok(()) => {
                            ledger.sent(id);
                            break false;
                        }
                        Err(TrySendError::Closed(_)) => break unexpected_closed(&cfg, "try_send"),
                        Err(TrySendError::Full(back)) if tries < 32 => {
                            m = back;
                            tries += 1;
                            thread::yield_now();
                        }
                        Err(TrySendError::Full(back)) => match txs[k].send_blocking(back) {
                            Ok(()) => {
                                ledger.sent(id);
                                break false;
                            }
                            Err(_) => break unexpected_closed(&cfg, "send_blocking"),
                        },
                    }
                }
            }
            2 => {
                // send_timeout until it goes; the message comes back on each timeout.
                let mut m = m;
                loop {
                    match txs[k].send_timeout(m, rng.micros(2000)) {
                        Ok(()) => {
                            ledger.sent(id);
                            break false;
                        }
                        Err(SendTimeoutError::Timeout(back)) => m = back,
                        Err(SendTimeoutError::Closed(_)) => {
                            break unexpected_closed(&cfg, "send_timeout")
                        }
                    }
                }
            }
            3 => {
                // One send case and a timeout: on timeout the message is dropped unsent.
                let r = select_blocking! {
                    send(txs[k], m) -> r => Some(r.is_ok()),
                    recv(after(rng.micros(3000))) -> _ => None,
                };
                match r {
                    Some(true) => {
                        ledger.sent(id);
                        false
                    }
                    Some(false) => unexpected_closed(&cfg, "select send"),
                    None => false,
                }
            }
            4 => {
                // Two send cases (maybe on one channel, B7) and a timeout: at most one goes.
                let Some(m2) = stamp.msg(&ledger, j) else {
                    return;
                };
                let id2 = m2.id;
                let r = select_blocking! {
                    send(txs[k], m) -> r => Some((id, r.is_ok())),
                    send(txs[j], m2) -> r => Some((id2, r.is_ok())),
                    recv(after(rng.micros(3000))) -> _ => None,
                };
                match r {
                    Some((sid, true)) => {
                        ledger.sent(sid);
                        false
                    }
                    Some((_, false)) => unexpected_closed(&cfg, "select send pair"),
                    None => false,
                }
            }
            5 => {
                // With `default`: never waits.
                let r = select_blocking! {
                    send(txs[k], m) -> r => Some(r.is_ok()),
                    default => None,
                };
                match r {
                    Some(true) => {
                        ledger.sent(id);
                        false
                    }
                    Some(false) => unexpected_closed(&cfg, "select send default"),
                    None => {
                        thread::yield_now();
                        false
                    }
                }
            }
            6 => {
                // The builder: one send case per channel, blocking or with a timeout.
                drop(m);
                let mut s = Select::new();
                let mut ids = Vec::new();
                for (c, tx) in txs.iter().enumerate() {
                    let Some(m) = stamp.msg(&ledger, c) else {
                        return;
                    };
                    ids.push(m.id);
                    s.send(tx, m);
                }
                let op = match rng.below(3) {
                    0 => Some(s.select_blocking()),
                    1 => s.select_timeout(rng.micros(3000)).ok(),
                    _ => s.try_select().ok(),
                };
                match op {
                    Some(op) => {
                        let i = op.index();
                        match op.send(&txs[i]) {
                            Ok(()) => {
                                ledger.sent(ids[i]);
                                false
                            }
                            Err(_) => unexpected_closed(&cfg, "Select builder send"),
                        }
                    }
                    None => false,
                }
            }
            _ => {
                // Timers in a select: a tick case beside the send (the tick is just dropped).
                let t = tick(Duration::from_micros(500));
                let mut m = Some(m);
                let mut closed = false;
                for _ in 0..4 {
                    let Some(msg) = m.take() else { break };
                    let cur = msg.id;
                    let r = select_blocking! {
                        send(txs[k], msg) -> r => Some(r.is_ok()),
                        recv(t) -> _ => None,
                    };
                    match r {
                        Some(true) => {
                            ledger.sent(cur);
                            break;
                        }
                        Some(false) => {
                            closed = unexpected_closed(&cfg, "select send vs tick");
                            break;
                        }
                        None => {
                            TICKS.fetch_add(1, Ordering::Relaxed);
                            // The message was dropped with the select; make a new one.
                            m = stamp.msg(&ledger, k);
                        }
                    }
                }
                closed
            }
        };
        if closed {
            return;
        }
    }
}

async fn producer_async(
    txs: Vec<Sender<Msg>>,
    ledger: Arc<Ledger>,
    cfg: Arc<Cfg>,
    quota: usize,
    mut rng: Rng,
    src: u32,
) {
    let n = txs.len();
    let mut stamp = Stamper::new(src, n);
    let mut txs = txs;
    for _ in 0..quota {
        let k = rng.below(n);
        let j = rng.below(n);
        let Some(m) = stamp.msg(&ledger, k) else {
            return;
        };
        let id = m.id;
        let closed = match rng.below(5) {
            0 => match txs[k].send(m).await {
                Ok(()) => {
                    ledger.sent(id);
                    false
                }
                Err(_) => unexpected_closed(&cfg, "send().await"),
            },
            1 => {
                // Dropped at random: a dropped send future did not send, unless a receiver
                // had already taken the message (then it was sent; the ledger sees it
                // received).
                match tokio::time::timeout(rng.micros(1500), txs[k].send(m)).await {
                    Ok(Ok(())) => {
                        ledger.sent(id);
                        false
                    }
                    Ok(Err(_)) => unexpected_closed(&cfg, "send().await in timeout"),
                    Err(_) => false,
                }
            }
            2 => {
                let Some(m2) = stamp.msg(&ledger, j) else {
                    return;
                };
                let id2 = m2.id;
                let r = select! {
                    send(txs[k], m) -> r => Some((id, r.is_ok())),
                    send(txs[j], m2) -> r => Some((id2, r.is_ok())),
                    recv(after(rng.micros(3000))) -> _ => None,
                };
                match r {
                    Some((sid, true)) => {
                        ledger.sent(sid);
                        false
                    }
                    Some((_, false)) => unexpected_closed(&cfg, "select! send"),
                    None => false,
                }
            }
            3 => {
                // Sink::send, sometimes dropped: the message may stay in flight inside the
                // handle until the next send flushes it or the handle is dropped.
                let tx = &mut txs[k];
                match tokio::time::timeout(rng.micros(1500), SinkExt::send(tx, m)).await {
                    Ok(Ok(())) => {
                        ledger.sent(id);
                        false
                    }
                    Ok(Err(_)) => unexpected_closed(&cfg, "Sink::send"),
                    Err(_) if rng.chance(50) => {
                        // Wait for the message in flight (it may fail only if closed).
                        match SinkExt::flush(tx).await {
                            Ok(()) => false,
                            Err(_) => unexpected_closed(&cfg, "Sink::flush"),
                        }
                    }
                    Err(_) => {
                        stamp.unordered[k] = true;
                        false
                    }
                }
            }
            _ => {
                // The builder, async, sometimes dropped.
                drop(m);
                let mut s = Select::new();
                let mut ids = Vec::new();
                for (c, tx) in txs.iter().enumerate() {
                    let Some(m) = stamp.msg(&ledger, c) else {
                        return;
                    };
                    ids.push(m.id);
                    s.send(tx, m);
                }
                match tokio::time::timeout(rng.micros(3000), s.select()).await {
                    Ok(op) => {
                        let i = op.index();
                        match op.send(&txs[i]) {
                            Ok(()) => {
                                ledger.sent(ids[i]);
                                false
                            }
                            Err(_) => unexpected_closed(&cfg, "Select builder send (async)"),
                        }
                    }
                    Err(_) => false,
                }
            }
        };
        if closed {
            return;
        }
        if rng.chance(5) {
            tokio::task::yield_now().await;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Consumers.

/// What a consumer keeps between operations.
struct ConsumerState {
    done: Vec<bool>,
    count: usize,
    last_tick: Option<Instant>,
    /// The last sequence number seen per (producer, channel), if this is the only consumer.
    fifo: Option<std::collections::HashMap<(u32, u8), u32>>,
    /// Channels this consumer used `Stream::next` on: a message may wait inside the handle's
    /// pending receive while later ones arrive, so FIFO is not checked there.
    unordered: Vec<bool>,
}

impl ConsumerState {
    fn new(n: usize, only_consumer: bool) -> ConsumerState {
        ConsumerState {
            done: vec![false; n],
            count: 0,
            last_tick: None,
            fifo: only_consumer.then(Default::default),
            unordered: vec![false; n],
        }
    }

    fn all_done(&self) -> bool {
        self.done.iter().all(|&d| d)
    }

    fn got(&mut self, k: usize, v: Option<Msg>) {
        match v {
            Some(m) => {
                if let (Some(fifo), Some((src, c, seq)), false) =
                    (&mut self.fifo, m.order, self.unordered[k])
                {
                    FIFO_CHECKED.fetch_add(1, Ordering::Relaxed);
                    if let Some(prev) = fifo.insert((src, c), seq) {
                        if seq <= prev {
                            violation(format!(
                                "FIFO: producer {src}'s message {seq} on channel {c} arrived after its message {prev}"
                            ));
                        }
                    }
                }
                m.consume();
                self.count += 1;
            }
            None => self.done[k] = true,
        }
    }

    fn tick(&mut self, at: Option<Instant>) {
        let Some(at) = at else {
            violation("a tick channel reported closed".into());
            return;
        };
        if let Some(prev) = self.last_tick {
            if at <= prev {
                violation(format!("tick went backwards: {at:?} after {prev:?}"));
            }
        }
        self.last_tick = Some(at);
        TICKS.fetch_add(1, Ordering::Relaxed);
    }

    /// A random channel not yet closed and drained.
    fn pick(&self, rng: &mut Rng) -> usize {
        let open: Vec<usize> = (0..self.done.len()).filter(|&k| !self.done[k]).collect();
        open[rng.below(open.len())]
    }
}

/// Go 1.23 timers: after `stop` nothing is delivered; `reset` re-arms.
fn timer_check(rng: &mut Rng) {
    let t = Timer::new(Duration::from_micros(rng.below(300) as u64));
    if rng.chance(50) {
        thread::sleep(Duration::from_micros(rng.below(400) as u64));
    }
    t.stop();
    if t.receiver().try_recv().is_ok() {
        violation("a stopped timer delivered a value".into());
    }
    t.reset(Duration::from_micros(200));
    if t.receiver().recv_timeout(Duration::from_secs(5)).is_err() {
        violation("a reset timer did not fire within 5 s".into());
    }
}

fn consumer_blocking(
    rxs: Vec<Receiver<Msg>>,
    fwd: Vec<Sender<Msg>>,
    ledger: Arc<Ledger>,
    cfg: Arc<Cfg>,
    stop_after: Option<usize>,
    mut rng: Rng,
    only: bool,
) {
    let n = rxs.len();
    let mut st = ConsumerState::new(n, only);
    let ticker = rng.chance(30).then(|| tick(Duration::from_micros(700)));
    let _ = &cfg;
    while !st.all_done() {
        if stop_after.is_some_and(|s| st.count >= s) {
            return;
        }
        let opt = |st: &ConsumerState, k: usize| rxs.get(k).filter(|_| !st.done[k]);
        match rng.below(9) {
            0 if n == 1 => {
                let v = rxs[0].recv_blocking();
                st.got(0, v);
            }
            1 => {
                let k = st.pick(&mut rng);
                match rxs[k].recv_timeout(rng.micros(2000)) {
                    Ok(m) => st.got(k, Some(m)),
                    Err(RecvTimeoutError::Closed) => st.got(k, None),
                    Err(RecvTimeoutError::Timeout) => {}
                }
            }
            2 => {
                let k = st.pick(&mut rng);
                match rxs[k].try_recv() {
                    Ok(m) => st.got(k, Some(m)),
                    Err(TryRecvError::Closed) => st.got(k, None),
                    Err(TryRecvError::Empty) => thread::yield_now(),
                }
            }
            3 | 4 => {
                let (a, b, c) = (opt(&st, 0), opt(&st, 1), opt(&st, 2));
                select_blocking! {
                    recv(a) -> v => st.got(0, v),
                    recv(b) -> v => st.got(1, v),
                    recv(c) -> v => st.got(2, v),
                    recv(ticker.as_ref()) -> t => st.tick(t),
                    recv(after(Duration::from_millis(5))) -> _ => {},
                }
            }
            5 => {
                let mut s = Select::new();
                let mut which = Vec::new();
                for (k, rx) in rxs.iter().enumerate() {
                    if !st.done[k] {
                        s.recv(rx);
                        which.push(k);
                    }
                }
                let op = if rng.chance(50) {
                    s.select_timeout(Duration::from_millis(5)).ok()
                } else {
                    s.try_select().ok()
                };
                if let Some(op) = op {
                    let k = which[op.index()];
                    let v = op.recv(&rxs[k]);
                    st.got(k, v);
                }
            }
            6 if !fwd.is_empty() => {
                // Receive or forward a new message (select on both ends, B8/B9).
                let (a, b) = (opt(&st, 0), opt(&st, 1));
                let k = rng.below(fwd.len());
                let Some(m) = ledger.msg(None) else {
                    continue;
                };
                let id = m.id;
                select_blocking! {
                    recv(a) -> v => st.got(0, v),
                    recv(b) -> v => st.got(1, v),
                    send(fwd[k], m) -> r => if r.is_ok() { ledger.sent(id) },
                    recv(after(Duration::from_millis(5))) -> _ => {},
                }
            }
            7 => {
                let (a, b, c) = (opt(&st, 0), opt(&st, 1), opt(&st, 2));
                select_blocking! {
                    recv(a) -> v => st.got(0, v),
                    recv(b) -> v => st.got(1, v),
                    recv(c) -> v => st.got(2, v),
                    default => thread::yield_now(),
                }
            }
            8 if rng.chance(3) => timer_check(&mut rng),
            _ if n == 1 && rng.chance(20) => {
                // `iter()` for a few messages (it blocks until one arrives or closed).
                let mut it = rxs[0].iter();
                for _ in 0..rng.range(1, 8) {
                    match it.next() {
                        Some(m) => st.got(0, Some(m)),
                        None => {
                            st.got(0, None);
                            break;
                        }
                    }
                    if stop_after.is_some_and(|s| st.count >= s) {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
}

async fn consumer_async(
    rxs: Vec<Receiver<Msg>>,
    fwd: Vec<Sender<Msg>>,
    ledger: Arc<Ledger>,
    cfg: Arc<Cfg>,
    stop_after: Option<usize>,
    mut rng: Rng,
    only: bool,
) {
    let n = rxs.len();
    let mut rxs = rxs;
    let mut st = ConsumerState::new(n, only);
    let _ = &cfg;
    while !st.all_done() {
        if stop_after.is_some_and(|s| st.count >= s) {
            return;
        }
        match rng.below(7) {
            0 if n == 1 => {
                let v = rxs[0].recv().await;
                st.got(0, v);
            }
            1 => {
                // Dropped at random (G6: a message handed to it goes back).
                let k = st.pick(&mut rng);
                if let Ok(v) = tokio::time::timeout(rng.micros(1500), rxs[k].recv()).await {
                    st.got(k, v);
                }
            }
            2 => {
                // Stream::next, sometimes dropped: the receive stays in flight in the handle.
                let k = st.pick(&mut rng);
                st.unordered[k] = true;
                if let Ok(v) = tokio::time::timeout(rng.micros(1500), rxs[k].next()).await {
                    st.got(k, v);
                }
            }
            3 => {
                let opt = |st: &ConsumerState, k: usize| rxs.get(k).filter(|_| !st.done[k]);
                let (a, b, c) = (opt(&st, 0), opt(&st, 1), opt(&st, 2));
                let r = select! {
                    recv(a) -> v => Some((0, v)),
                    recv(b) -> v => Some((1, v)),
                    recv(c) -> v => Some((2, v)),
                    recv(after(Duration::from_millis(5))) -> _ => None,
                };
                if let Some((k, v)) = r {
                    st.got(k, v);
                }
            }
            4 => {
                // select! with default, or dropped while waiting.
                let opt = |st: &ConsumerState, k: usize| rxs.get(k).filter(|_| !st.done[k]);
                let (a, b, c) = (opt(&st, 0), opt(&st, 1), opt(&st, 2));
                let r = if rng.chance(50) {
                    select! {
                        biased;
                        recv(a) -> v => Some((0, v)),
                        recv(b) -> v => Some((1, v)),
                        recv(c) -> v => Some((2, v)),
                        default => None,
                    }
                } else {
                    let fut = async {
                        select! {
                            recv(a) -> v => (0, v),
                            recv(b) -> v => (1, v),
                            recv(c) -> v => (2, v),
                        }
                    };
                    tokio::time::timeout(rng.micros(1500), fut).await.ok()
                };
                match r {
                    Some((k, v)) => st.got(k, v),
                    None => tokio::task::yield_now().await,
                }
            }
            5 if !fwd.is_empty() => {
                let opt = |st: &ConsumerState, k: usize| rxs.get(k).filter(|_| !st.done[k]);
                let (a, b) = (opt(&st, 0), opt(&st, 1));
                let k = rng.below(fwd.len());
                let Some(m) = ledger.msg(None) else {
                    continue;
                };
                let id = m.id;
                let r = select! {
                    recv(a) -> v => Some((0, v)),
                    recv(b) -> v => Some((1, v)),
                    send(fwd[k], m) -> r => {
                        if r.is_ok() {
                            ledger.sent(id);
                        }
                        None
                    },
                    recv(after(Duration::from_millis(5))) -> _ => None,
                };
                if let Some((k, v)) = r {
                    st.got(k, v);
                }
            }
            6 => {
                // The builder, async, sometimes dropped.
                let mut s = Select::new();
                let mut which = Vec::new();
                for (k, rx) in rxs.iter().enumerate() {
                    if !st.done[k] {
                        s.recv(rx);
                        which.push(k);
                    }
                }
                if let Ok(op) = tokio::time::timeout(rng.micros(3000), s.select()).await {
                    let k = which[op.index()];
                    let v = op.recv(&rxs[k]);
                    st.got(k, v);
                }
            }
            _ => tokio::task::yield_now().await,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Main: arguments, the status thread, the summary.

struct Args {
    seconds: u64,
    seed: u64,
    quiet: bool,
}

fn parse_args() -> Args {
    let mut args = Args {
        seconds: 10,
        seed: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64),
        quiet: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| -> u64 {
            it.next().and_then(|v| v.parse().ok()).unwrap_or_else(|| {
                eprintln!("soak: {name} needs a number");
                std::process::exit(2)
            })
        };
        match a.as_str() {
            "--seconds" => args.seconds = value("--seconds"),
            "--seed" => args.seed = value("--seed"),
            "--quiet" => args.quiet = true,
            "-h" | "--help" => {
                println!("usage: soak [--seconds N (default 10)] [--seed N] [--quiet]");
                std::process::exit(0);
            }
            other => {
                eprintln!("soak: unknown argument {other:?} (try --help)");
                std::process::exit(2);
            }
        }
    }
    args
}

/// Compares the medians of the first and last quarters of `samples` (time in ms, KiB) after
/// `warm` ms; growth beyond `limit_kib` *and* `limit_ratio` is a violation.
fn memory_trend(
    what: &str,
    samples: &[(u64, u64)],
    warm: u64,
    limit_kib: u64,
    limit_ratio: f64,
) -> String {
    let steady: Vec<u64> = samples
        .iter()
        .filter(|(t, _)| *t >= warm)
        .map(|s| s.1)
        .collect();
    let median = |v: &[u64]| {
        let mut v = v.to_vec();
        v.sort_unstable();
        v[v.len() / 2]
    };
    let q = steady.len() / 4;
    if q == 0 {
        return format!("{what}: too few samples for a trend");
    }
    let (first, last) = (median(&steady[..q]), median(&steady[steady.len() - q..]));
    let peak = samples.iter().map(|s| s.1).max().unwrap_or(0);
    let growth = last as f64 / first.max(1) as f64 - 1.0;
    if last > first + limit_kib && growth > limit_ratio {
        violation(format!(
            "{what} grew from {:.1} MiB to {:.1} MiB ({:+.0}%)",
            mib(first),
            mib(last),
            growth * 100.0
        ));
    }
    format!(
        "{what}: first quarter {:.2} MiB -> last quarter {:.2} MiB ({:+.1}%), peak {:.2} MiB, {} samples",
        mib(first),
        mib(last),
        growth * 100.0,
        mib(peak),
        samples.len()
    )
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn main() {
    let args = parse_args();
    let start = *START.get_or_init(Instant::now);
    let deadline = start + Duration::from_secs(args.seconds);
    println!(
        "soak: {} s, seed {}, pid {}",
        args.seconds,
        args.seed,
        std::process::id()
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("a tokio runtime");

    // Status thread: RSS samples every second, a line every 5 s, the hang watchdog.
    let samples: Arc<Mutex<VecDeque<(u64, u64)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let status = {
        let samples = samples.clone();
        let stop = stop.clone();
        let quiet = args.quiet;
        thread::spawn(move || {
            let mut last_print = 0;
            while !stop.load(Ordering::SeqCst) {
                thread::sleep(Duration::from_millis(250));
                let now = elapsed_ms();
                let mut s = samples.lock().unwrap();
                if s.back().map_or(true, |&(t, _)| now >= t + 1000) {
                    if let Some(r) = rss_kib() {
                        s.push_back((now, r));
                    }
                }
                drop(s);
                if ROUND_RUNNING.load(Ordering::SeqCst)
                    && now.saturating_sub(ROUND_STARTED_MS.load(Ordering::SeqCst)) > 60_000
                {
                    eprintln!(
                        "HANG: {} has run for more than 60 s; exiting",
                        ROUND_DESC.lock().unwrap()
                    );
                    std::process::exit(3);
                }
                if !quiet && now >= last_print + 5000 {
                    last_print = now - now % 5000;
                    println!(
                        "[{:>6.0} s] rounds {:>6} | sent ok {:>10} | received {:>10} | dropped unsent {:>9} | ticks {:>7} | rss {:>6.1} MiB | heap {:>6.2} MiB | violations {}",
                        now as f64 / 1000.0,
                        ROUNDS.load(Ordering::Relaxed),
                        SENT_OK.load(Ordering::Relaxed),
                        RECEIVED.load(Ordering::Relaxed),
                        DROPPED_UNSENT.load(Ordering::Relaxed),
                        TICKS.load(Ordering::Relaxed),
                        mib(rss_kib().unwrap_or(0)),
                        LIVE_BYTES.load(Ordering::Relaxed) as f64 / (1024.0 * 1024.0),
                        VIOLATIONS.load(Ordering::Relaxed),
                    );
                }
            }
        })
    };

    let mut rng = Rng::new(args.seed);
    let mut round = 0u64;
    // Live heap bytes between rounds (quiescent: the round's channels, threads and tasks are
    // gone), one sample a second; preallocated so that the samples do not move the measure.
    let mut heap: Vec<(u64, u64)> = Vec::with_capacity(args.seconds as usize + 16);
    while Instant::now() < deadline && VIOLATIONS.load(Ordering::SeqCst) == 0 {
        ROUND_STARTED_MS.store(elapsed_ms(), Ordering::SeqCst);
        ROUND_RUNNING.store(true, Ordering::SeqCst);
        run_round(&rt, round, &mut rng);
        ROUND_RUNNING.store(false, Ordering::SeqCst);
        ROUNDS.fetch_add(1, Ordering::Relaxed);
        round += 1;
        // Every timer of the round (after, tick, Timer) is gone with its receiver.
        let mut pending = gochan::time::pending_timers();
        let grace = Instant::now() + Duration::from_millis(200);
        while pending != 0 && Instant::now() < grace {
            thread::sleep(Duration::from_millis(1));
            pending = gochan::time::pending_timers();
        }
        if pending != 0 {
            violation(format!("{pending} timers left behind after round {round}"));
        }
        let now = elapsed_ms();
        if heap.len() < heap.capacity() && heap.last().map_or(true, |&(t, _)| now >= t + 1000) {
            heap.push((now, LIVE_BYTES.load(Ordering::Relaxed).max(0) as u64 / 1024));
        }
    }
    drop(rt);
    stop.store(true, Ordering::SeqCst);
    status.join().unwrap();

    // Memory trends: the first quarter after warm-up (5 s or a tenth of the run) against the
    // last quarter, by their medians. A leak shows in the live heap; the RSS also moves with
    // the allocator's fragmentation and thread stacks, so its limit is looser.
    let warm = (args.seconds * 1000 / 10).min(5000);
    let rss: Vec<(u64, u64)> = samples.lock().unwrap().iter().copied().collect();
    let rss_trend = memory_trend("rss", &rss, warm, 64 * 1024, 1.0);
    let heap_trend = memory_trend("live heap", &heap, warm, 8 * 1024, 0.5);

    let v = VIOLATIONS.load(Ordering::SeqCst);
    println!(
        "soak summary after {:.1} s (seed {}):",
        start.elapsed().as_secs_f64(),
        args.seed
    );
    println!(
        "  rounds {} (drop-close {}, explicit-close {}, consumers-quit {})",
        ROUNDS.load(Ordering::Relaxed),
        MODE_COUNTS[0].load(Ordering::Relaxed),
        MODE_COUNTS[1].load(Ordering::Relaxed),
        MODE_COUNTS[2].load(Ordering::Relaxed),
    );
    println!(
        "  messages: sent ok {}, received {}, dropped unsent {}, given back at end {}, ticks {}",
        SENT_OK.load(Ordering::Relaxed),
        RECEIVED.load(Ordering::Relaxed),
        DROPPED_UNSENT.load(Ordering::Relaxed),
        GIVEN_BACK_AT_END.load(Ordering::Relaxed),
        TICKS.load(Ordering::Relaxed),
    );
    println!(
        "  FIFO checked on {} receives (single-consumer rounds)",
        FIFO_CHECKED.load(Ordering::Relaxed)
    );
    println!("  {rss_trend}");
    println!("  {heap_trend}");
    if v == 0 {
        println!("  violations: none");
    } else {
        println!("  violations: {v}");
        for l in VIOLATION_LOG.lock().unwrap().iter() {
            println!("    {l}");
        }
        std::process::exit(1);
    }
}
