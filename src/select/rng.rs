//! The random order in which a select tries its cases (go-reference B10.2), and the seed that
//! makes it reproducible.

use std::cell::Cell;

thread_local! {
    static STATE: Cell<u64> = Cell::new(initial_seed());
}

fn initial_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    // RandomState is seeded per process from the OS; mixing in a local address separates
    // threads.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    let local = 0u8;
    h.write_usize(&local as *const u8 as usize);
    h.finish() | 1
}

/// Seeds the random source that orders the cases of this thread's selects.
///
/// Every `select!`, `select_blocking!` and [`Select`](crate::Select) run on the calling thread
/// afterwards draws its case order from this seed, so a single-threaded test replays the same
/// choices. Other threads keep their own sources. A seed of 0 is replaced by 1.
///
/// # Examples
///
/// ```
/// use gochan::{bounded, select_blocking};
///
/// let run = || {
///     gochan::select::seed(7);
///     let (a_tx, a) = bounded(1);
///     let (b_tx, b) = bounded(1);
///     let mut picks = Vec::new();
///     for _ in 0..20 {
///         a_tx.try_send(1).unwrap();
///         b_tx.try_send(2).unwrap();
///         select_blocking! {
///             recv(a) -> v => picks.push(v.unwrap()),
///             recv(b) -> v => picks.push(v.unwrap()),
///         }
///         let _ = a.try_recv();
///         let _ = b.try_recv();
///     }
///     picks
/// };
/// assert_eq!(run(), run());
/// ```
pub fn seed(seed: u64) {
    STATE.with(|s| s.set(seed.max(1)));
}

/// The next random draw, under shuttle from shuttle's own generator: the thread-local state
/// is outside shuttle's control (and shared by all shuttle threads, which run on one OS
/// thread), so a failing schedule would not replay. shuttle's generator is seeded by the
/// scheduler and recorded with the schedule, so the case orders stay random across runs and
/// deterministic on replay. [`seed`] has no effect there.
#[cfg(shuttle)]
fn next() -> u64 {
    use shuttle::rand::RngCore;
    shuttle::rand::thread_rng().next_u64()
}

/// xorshift64*: fast, and uniform enough for choosing among a few cases.
#[cfg(not(shuttle))]
fn next() -> u64 {
    STATE.with(|s| {
        let mut x = s.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        s.set(x);
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    })
}

/// A uniform value in `0..n` (Lemire's multiply-shift; the bias is below 2⁻³² for small n).
fn below(n: usize) -> usize {
    (((next() >> 32) * n as u64) >> 32) as usize
}

/// A permutation of `0..n`: uniformly random, or the identity when biased. Up to 16 cases
/// live inline, so the common select allocates nothing here.
pub(crate) enum Order {
    /// A single case.
    One,
    Inline([u16; 16], usize),
    Heap(Vec<usize>),
}

impl Order {
    pub(crate) fn new(n: usize, biased: bool) -> Order {
        // Under loom every run must replay the same choices: the model explores the
        // interleavings, the random order would only make them unrepeatable.
        if n == 1 {
            return Order::One;
        }
        let biased = biased || cfg!(loom);
        // Inside-out Fisher–Yates (B10.2): place case i at a uniform j in 0..=i and move the
        // occupant of j to i.
        if n <= 16 {
            let mut a = [0u16; 16];
            for i in 0..n {
                let j = if biased || i == 0 { i } else { below(i + 1) };
                a[i] = a[j];
                a[j] = i as u16;
            }
            Order::Inline(a, n)
        } else {
            let mut v = vec![0usize; n];
            for i in 0..n {
                let j = if biased || i == 0 { i } else { below(i + 1) };
                v[i] = v[j];
                v[j] = i;
            }
            Order::Heap(v)
        }
    }

    /// The `k`-th case to try.
    pub(crate) fn get(&self, k: usize) -> usize {
        match self {
            Order::One => 0,
            Order::Inline(a, _) => a[k] as usize,
            Order::Heap(v) => v[k],
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            Order::One => 1,
            Order::Inline(_, n) => *n,
            Order::Heap(v) => v.len(),
        }
    }
}

#[cfg(all(test, not(any(loom, shuttle))))]
mod tests {
    use super::*;

    fn cases(o: &Order) -> Vec<usize> {
        (0..o.len()).map(|k| o.get(k)).collect()
    }

    #[test]
    fn every_order_is_a_permutation() {
        seed(3);
        for n in 1..=40 {
            for biased in [false, true] {
                let mut got = cases(&Order::new(n, biased));
                if biased {
                    assert_eq!(got, (0..n).collect::<Vec<_>>(), "biased is the identity");
                }
                got.sort_unstable();
                assert_eq!(got, (0..n).collect::<Vec<_>>(), "n = {n}");
            }
        }
    }

    /// Each of the 24 orders of 4 cases, and each case in each position of 16, comes up
    /// about equally often (B10.2): within 10% of the mean over many draws.
    #[test]
    #[cfg_attr(miri, ignore = "400,000 draws: too slow under Miri")]
    fn orders_are_uniform() {
        seed(11);
        let mut perms = std::collections::HashMap::new();
        let draws = 240_000;
        for _ in 0..draws {
            *perms.entry(cases(&Order::new(4, false))).or_insert(0u32) += 1;
        }
        assert_eq!(perms.len(), 24);
        for (p, &c) in &perms {
            assert!(
                (9_000..=11_000).contains(&c),
                "{p:?} drawn {c} times of {draws}"
            );
        }
        let mut first = [[0u32; 16]; 16];
        for _ in 0..160_000 {
            let o = Order::new(16, false);
            for (k, row) in first.iter_mut().enumerate() {
                row[o.get(k)] += 1;
            }
        }
        for row in first {
            for c in row {
                assert!(
                    (9_000..=11_000).contains(&c),
                    "a position holds a case {c} times"
                );
            }
        }
    }
}
