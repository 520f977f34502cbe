//! Helpers shared by the integration tests: the list of channel flavors, a drop-counting
//! message type, a waker that records wake-ups, and a patient "wait until" loop.
//!
//! Every wait here has a generous upper limit (`PATIENCE`) that only turns a hang into a
//! failure; no test asserts that anything is fast.

#![allow(dead_code)]

pub mod alloc;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

use gochan::{bounded, unbounded, Receiver, Sender};

/// How long a test waits for something that must happen before it calls it a hang.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A short pause used to give another thread the chance to do something it must not do.
pub const SETTLE: Duration = Duration::from_millis(20);

/// The channel flavors every behaviour test runs over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// `bounded(n)`; `Bounded(0)` is the unbuffered (rendezvous) channel.
    Bounded(usize),
    /// `unbounded()`.
    Unbounded,
}

/// `bounded(0)`, `bounded(1)`, `bounded(3)` and `unbounded()`.
pub const FLAVORS: [Flavor; 4] = [
    Flavor::Bounded(0),
    Flavor::Bounded(1),
    Flavor::Bounded(3),
    Flavor::Unbounded,
];

impl Flavor {
    /// Makes a channel of this flavor.
    pub fn make<T>(self) -> (Sender<T>, Receiver<T>) {
        match self {
            Flavor::Bounded(n) => bounded(n),
            Flavor::Unbounded => unbounded(),
        }
    }

    /// The buffer size, `None` for unbounded.
    pub fn cap(self) -> Option<usize> {
        match self {
            Flavor::Bounded(n) => Some(n),
            Flavor::Unbounded => None,
        }
    }

    /// True for the rendezvous channel.
    pub fn is_zero(self) -> bool {
        self == Flavor::Bounded(0)
    }

    /// True if a send can block (every bounded channel).
    pub fn can_be_full(self) -> bool {
        matches!(self, Flavor::Bounded(_))
    }

    /// How many messages fit without a receiver (a few for unbounded).
    pub fn room(self) -> usize {
        match self {
            Flavor::Bounded(n) => n,
            Flavor::Unbounded => 5,
        }
    }
}

/// A message that counts how many times a value of its family was dropped.
#[derive(Debug)]
pub struct Counted {
    pub id: usize,
    drops: Arc<AtomicUsize>,
}

impl Counted {
    pub fn new(id: usize, drops: &Arc<AtomicUsize>) -> Self {
        Counted {
            id,
            drops: drops.clone(),
        }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

/// Polls `cond` until it holds; panics with `what` if it does not within `PATIENCE`.
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !cond() {
        if Instant::now() > deadline {
            panic!("timed out (after {PATIENCE:?}) waiting until {what}");
        }
        thread::sleep(Duration::from_millis(1));
    }
}

/// A waker that counts its wake-ups.
#[derive(Default)]
pub struct CountingWaker {
    pub wakes: AtomicUsize,
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }
}

impl CountingWaker {
    pub fn new() -> (Arc<CountingWaker>, Waker) {
        let w = Arc::new(CountingWaker::default());
        let waker = Waker::from(w.clone());
        (w, waker)
    }
    pub fn count(&self) -> usize {
        self.wakes.load(Ordering::SeqCst)
    }
}

/// Polls an `Unpin` future once with `waker`.
pub fn poll_with<F: Future + Unpin>(fut: &mut F, waker: &Waker) -> Poll<F::Output> {
    let mut cx = Context::from_waker(waker);
    Pin::new(fut).poll(&mut cx)
}

/// Polls an `Unpin` future once with a waker whose wake-ups nobody looks at.
pub fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    let (_, waker) = CountingWaker::new();
    poll_with(fut, &waker)
}

/// A tiny deterministic pseudo-random generator (xorshift64*), so the tests need no `rand`.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The accounting of a cancel torture (G6). `ok` are the ids whose send completed `Ok`,
/// `dropped` those whose send future or select was dropped, `received` every id a receiver
/// got. Checks that every `ok` id was received, that no id was received twice, and that no id
/// was received that was never offered. Returns how many dropped sends were delivered anyway:
/// a peer may complete a send just before its future is dropped, which is allowed (the
/// message is then received once), so it is counted, not asserted.
pub fn check_exactly_once(label: &str, received: &[u64], ok: &[u64], dropped: &[u64]) -> usize {
    use std::collections::HashSet;
    let mut seen = HashSet::new();
    for &id in received {
        assert!(seen.insert(id), "{label}: id {id:#x} received twice");
    }
    let ok: HashSet<u64> = ok.iter().copied().collect();
    let dropped: HashSet<u64> = dropped.iter().copied().collect();
    let lost: Vec<_> = ok.difference(&seen).collect();
    assert!(
        lost.is_empty(),
        "{label}: {} messages sent with Ok were never received: {lost:x?}",
        lost.len()
    );
    let stray: Vec<_> = seen
        .iter()
        .filter(|id| !ok.contains(id) && !dropped.contains(id))
        .collect();
    assert!(
        stray.is_empty(),
        "{label}: ids never sent were received: {stray:x?}"
    );
    seen.iter().filter(|id| dropped.contains(id)).count()
}
