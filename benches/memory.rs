//! Memory: what a channel costs, gochan next to its peers, measured side by side in one run.
//!
//! A counting global allocator (below) wraps `std::alloc::System` and keeps the live bytes,
//! the peak of the live bytes and the number of live allocations. Every figure is a
//! difference of those counters around one step, so it is the heap the step asked for: the
//! sizes passed to `alloc`/`realloc`, not counting the allocator's own overhead (glibc adds
//! at least 8 bytes to each allocation and rounds it up to 16, so the allocation counts are
//! printed too). A `realloc` counts as its net change (new size - old size).
//!
//! - Empty channels: 10 000 channels of `u64` per flavor, every handle kept in a `Vec`
//!   reserved beforehand; live bytes after / 10 000. Nothing is sent, so a queue that
//!   allocates on the first message shows only its empty cost here.
//! - Queued messages: one unbounded channel of `u64`; live bytes after 1 000 000 sends minus
//!   live bytes of the empty channel, / 1 000 000. The payload itself is 8 bytes.
//! - Parked receivers: 10 000 receive futures on one unbounded channel of `u64` (or 10 000
//!   selects over the same two channels), each in its own `Box::pin`, polled once with a
//!   no-op waker (the bench checks each one is pending) and kept. The total is live bytes
//!   after / 10 000; it includes the `Box` of the future, whose size is exactly
//!   `size_of` of the future type, printed as its own column; the rest is what the poll
//!   registered on the channel (waiter records, wait-list nodes). "Left" is what the channel
//!   still holds after all the futures are dropped, compared with the never-used channel (a
//!   wait list that keeps its capacity).
//! - Fill and drain: one unbounded channel of `u64` gets 1 000 000 messages, then
//!   `try_recv` drains it (the bench checks the count and the sum). Peak = highest live bytes
//!   minus live bytes before the channel was created; "after drain" = live bytes of the
//!   drained channel, still alive, minus the same baseline. It gives memory back ("yes") if
//!   after the drain it holds at most its empty size plus 1% of the peak.
//!
//! Each measurement runs once small as a warm-up (lazy statics, thread-locals), then for
//! real. The output is markdown on stdout; progress goes to stderr.
//!
//! ```sh
//! cargo bench --bench memory
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::task::{Context, Poll};

// ---------------------------------------------------------------------------------------------
// The counting allocator
// ---------------------------------------------------------------------------------------------

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static LIVE_ALLOCS: AtomicUsize = AtomicUsize::new(0);

/// `System`, counting live bytes, peak live bytes and live allocations.
struct Counting;

impl Counting {
    #[inline]
    fn grew(by: usize) {
        let now = LIVE.fetch_add(by, Relaxed) + by;
        PEAK.fetch_max(now, Relaxed);
    }
}

// SAFETY: every method forwards to `System` with the caller's own arguments, so `System`'s
// guarantees (a block of at least `layout.size()` bytes at `layout.align()`, or null) carry
// over unchanged; the counters are plain atomics that never allocate, so they cannot recurse
// into the allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract (non-zero size), which is System's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            Self::grew(layout.size());
            LIVE_ALLOCS.fetch_add(1, Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            Self::grew(layout.size());
            LIVE_ALLOCS.fetch_add(1, Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by this allocator, that is by `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
        LIVE_ALLOCS.fetch_sub(1, Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from `System` with `layout`, and the caller guarantees
        // `new_size` is non-zero and does not overflow when rounded to `layout.align()`.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                Self::grew(new_size - layout.size());
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live() -> isize {
    LIVE.load(Relaxed) as isize
}

fn live_allocs() -> isize {
    LIVE_ALLOCS.load(Relaxed) as isize
}

/// Starts a new peak measurement from the current live bytes.
fn reset_peak() {
    PEAK.store(LIVE.load(Relaxed), Relaxed);
}

fn peak() -> isize {
    PEAK.load(Relaxed) as isize
}

// ---------------------------------------------------------------------------------------------
// Measurements
// ---------------------------------------------------------------------------------------------

const CHANNELS: usize = 10_000;
const MESSAGES: u64 = 1_000_000;
const PARKED: usize = 10_000;

/// Heap bytes and allocations per value `make` returns, `n` of them kept alive at once.
fn per_value<H>(n: usize, mut make: impl FnMut() -> H) -> (f64, f64) {
    {
        let warm: Vec<H> = (0..16).map(|_| make()).collect();
        drop(black_box(warm));
    }
    let mut keep: Vec<H> = Vec::with_capacity(n);
    let (b0, a0) = (live(), live_allocs());
    for _ in 0..n {
        keep.push(make());
    }
    let (b1, a1) = (live(), live_allocs());
    drop(black_box(keep));
    ((b1 - b0) as f64 / n as f64, (a1 - a0) as f64 / n as f64)
}

struct Parked {
    /// Heap bytes per parked future, its `Box` included.
    total: f64,
    /// `size_of` the future: the `Box` part of `total`.
    future: usize,
    allocs: f64,
    /// Bytes the channel(s) still hold once every future is dropped, compared with the
    /// channel(s) before any future was made.
    left: isize,
}

/// `n` futures from `make`, each boxed, polled once (must be pending) and kept.
fn parked<F: Future>(n: usize, mut make: impl FnMut() -> F) -> Parked {
    let waker = futures::task::noop_waker();
    let mut cx = Context::from_waker(&waker);
    let mut run = |n: usize| {
        let mut keep: Vec<Pin<Box<F>>> = Vec::with_capacity(n);
        let (b0, a0) = (live(), live_allocs());
        for _ in 0..n {
            let mut f = Box::pin(make());
            assert!(
                matches!(f.as_mut().poll(&mut cx), Poll::Pending),
                "a receive on an empty channel must park"
            );
            keep.push(f);
        }
        let (b1, a1) = (live(), live_allocs());
        keep.clear(); // drops (cancels) every future; the Vec's own buffer stays
        let b2 = live();
        drop(keep);
        Parked {
            total: (b1 - b0) as f64 / n as f64,
            future: std::mem::size_of::<F>(),
            allocs: (a1 - a0) as f64 / n as f64,
            left: b2 - b0,
        }
    };
    // "Left" is counted from the never-used channel: what the warm-up left behind (a wait
    // list keeps a small slab, say) plus what the measured round left.
    let fresh = live();
    run(16);
    let warm_left = live() - fresh;
    let mut p = run(n);
    p.left += warm_left;
    p
}

struct Fill {
    empty: isize,
    per_msg: f64,
    allocs_per_1k: f64,
    peak: isize,
    after_drain: isize,
    after_drop: isize,
}

impl Fill {
    fn gives_back(&self) -> bool {
        self.after_drain <= self.empty + self.peak / 100
    }
}

/// Fills a new unbounded channel with `n` messages, then drains it.
fn fill_drain<S, R>(
    n: u64,
    make: impl Fn() -> (S, R),
    send: impl Fn(&S, u64),
    recv: impl Fn(&mut R) -> Option<u64>,
) -> Fill {
    let run = |n: u64| {
        let b0 = live();
        reset_peak();
        let (s, mut r) = make();
        let (b1, a1) = (live(), live_allocs());
        for i in 0..n {
            send(&s, i);
        }
        let (b2, a2) = (live(), live_allocs());
        let (mut count, mut sum) = (0u64, 0u64);
        while let Some(v) = recv(&mut r) {
            count += 1;
            sum = sum.wrapping_add(v);
        }
        assert_eq!(count, n, "every message comes out once");
        assert_eq!(sum, n * (n.wrapping_sub(1)) / 2, "and the right ones");
        let b3 = live();
        let top = peak();
        drop(s);
        drop(r);
        let b4 = live();
        Fill {
            empty: b1 - b0,
            per_msg: (b2 - b1) as f64 / n as f64,
            allocs_per_1k: (a2 - a1) as f64 * 1000.0 / n as f64,
            peak: top - b0,
            after_drain: b3 - b0,
            after_drop: b4 - b0,
        }
    };
    run(1000);
    run(n)
}

// ---------------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------------

fn num(x: f64) -> String {
    if (x - x.round()).abs() < 0.05 {
        format!("{}", x.round() as i64)
    } else {
        format!("{x:.1}")
    }
}

fn bytes(b: isize) -> String {
    let a = b.unsigned_abs() as f64;
    let s = if a >= 1024.0 * 1024.0 {
        format!("{:.2} MiB", a / (1024.0 * 1024.0))
    } else if a >= 10.0 * 1024.0 {
        format!("{:.1} KiB", a / 1024.0)
    } else {
        format!("{} B", b.unsigned_abs())
    };
    if b < 0 {
        format!("-{s}")
    } else {
        s
    }
}

fn cell(m: Option<(f64, f64)>) -> String {
    match m {
        Some((b, a)) => format!("{} ({})", num(b), num(a)),
        None => "n/a".into(),
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Empty channels
// ---------------------------------------------------------------------------------------------

type Row = (&'static str, [Option<(f64, f64)>; 4]);

fn empty_channels() -> Vec<Row> {
    let n = CHANNELS;
    eprintln!("empty channels...");
    vec![
        (
            "gochan",
            [
                Some(per_value(n, || gochan::bounded::<u64>(0))),
                Some(per_value(n, || gochan::bounded::<u64>(1))),
                Some(per_value(n, || gochan::bounded::<u64>(100))),
                Some(per_value(n, gochan::unbounded::<u64>)),
            ],
        ),
        (
            "crossbeam-channel",
            [
                Some(per_value(n, || crossbeam_channel::bounded::<u64>(0))),
                Some(per_value(n, || crossbeam_channel::bounded::<u64>(1))),
                Some(per_value(n, || crossbeam_channel::bounded::<u64>(100))),
                Some(per_value(n, crossbeam_channel::unbounded::<u64>)),
            ],
        ),
        (
            "flume",
            [
                Some(per_value(n, || flume::bounded::<u64>(0))),
                Some(per_value(n, || flume::bounded::<u64>(1))),
                Some(per_value(n, || flume::bounded::<u64>(100))),
                Some(per_value(n, flume::unbounded::<u64>)),
            ],
        ),
        (
            "kanal",
            [
                Some(per_value(n, || kanal::bounded::<u64>(0))),
                Some(per_value(n, || kanal::bounded::<u64>(1))),
                Some(per_value(n, || kanal::bounded::<u64>(100))),
                Some(per_value(n, kanal::unbounded::<u64>)),
            ],
        ),
        (
            "async-channel",
            [
                None, // bounded(0) panics: no rendezvous channel
                Some(per_value(n, || async_channel::bounded::<u64>(1))),
                Some(per_value(n, || async_channel::bounded::<u64>(100))),
                Some(per_value(n, async_channel::unbounded::<u64>)),
            ],
        ),
        (
            "tokio mpsc",
            [
                None, // channel(0) panics: no rendezvous channel
                Some(per_value(n, || tokio::sync::mpsc::channel::<u64>(1))),
                Some(per_value(n, || tokio::sync::mpsc::channel::<u64>(100))),
                Some(per_value(n, tokio::sync::mpsc::unbounded_channel::<u64>)),
            ],
        ),
        (
            "std mpsc",
            [
                Some(per_value(n, || std::sync::mpsc::sync_channel::<u64>(0))),
                Some(per_value(n, || std::sync::mpsc::sync_channel::<u64>(1))),
                Some(per_value(n, || std::sync::mpsc::sync_channel::<u64>(100))),
                Some(per_value(n, std::sync::mpsc::channel::<u64>)),
            ],
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// 2 and 4. Queued messages, fill and drain
// ---------------------------------------------------------------------------------------------

fn fills() -> Vec<(&'static str, Fill)> {
    let n = MESSAGES;
    let mut out = Vec::new();
    eprintln!("fill and drain: gochan...");
    out.push((
        "gochan",
        fill_drain(
            n,
            gochan::unbounded::<u64>,
            |s, v| s.try_send(v).unwrap(),
            |r| r.try_recv().ok(),
        ),
    ));
    eprintln!("fill and drain: crossbeam-channel...");
    out.push((
        "crossbeam-channel",
        fill_drain(
            n,
            crossbeam_channel::unbounded::<u64>,
            |s, v| s.send(v).unwrap(),
            |r| r.try_recv().ok(),
        ),
    ));
    eprintln!("fill and drain: flume...");
    out.push((
        "flume",
        fill_drain(
            n,
            flume::unbounded::<u64>,
            |s, v| s.send(v).unwrap(),
            |r| r.try_recv().ok(),
        ),
    ));
    eprintln!("fill and drain: kanal...");
    out.push((
        "kanal",
        fill_drain(
            n,
            kanal::unbounded::<u64>,
            |s, v| s.send(v).unwrap(),
            |r| r.try_recv().ok().flatten(),
        ),
    ));
    eprintln!("fill and drain: async-channel...");
    out.push((
        "async-channel",
        fill_drain(
            n,
            async_channel::unbounded::<u64>,
            |s, v| s.try_send(v).unwrap(),
            |r| r.try_recv().ok(),
        ),
    ));
    eprintln!("fill and drain: tokio mpsc...");
    out.push((
        "tokio mpsc",
        fill_drain(
            n,
            tokio::sync::mpsc::unbounded_channel::<u64>,
            |s, v| s.send(v).unwrap(),
            |r| r.try_recv().ok(),
        ),
    ));
    eprintln!("fill and drain: std mpsc...");
    out.push((
        "std mpsc",
        fill_drain(
            n,
            std::sync::mpsc::channel::<u64>,
            |s, v| s.send(v).unwrap(),
            |r| r.try_recv().ok(),
        ),
    ));
    out
}

// ---------------------------------------------------------------------------------------------
// 3. Parked receivers and selects
// ---------------------------------------------------------------------------------------------

fn parked_receivers() -> Vec<(&'static str, Parked)> {
    let n = PARKED;
    let mut out = Vec::new();
    eprintln!("parked receivers...");
    {
        let (_tx, rx) = gochan::unbounded::<u64>();
        let rx = &rx;
        out.push(("gochan `recv()`", parked(n, move || rx.recv())));
    }
    {
        let (_tx, rx) = gochan::bounded::<u64>(0);
        let rx = &rx;
        out.push(("gochan `recv()`, bounded(0)", parked(n, move || rx.recv())));
    }
    {
        let (_tx, rx) = flume::unbounded::<u64>();
        let rx = &rx;
        out.push(("flume `recv_async()`", parked(n, move || rx.recv_async())));
    }
    {
        let (_tx, rx) = kanal::unbounded_async::<u64>();
        let rx = &rx;
        out.push(("kanal async `recv()`", parked(n, move || rx.recv())));
    }
    {
        let (_tx, rx) = async_channel::unbounded::<u64>();
        let rx = &rx;
        out.push(("async-channel `recv()`", parked(n, move || rx.recv())));
    }
    out
}

fn parked_selects() -> Vec<(&'static str, Parked)> {
    let n = PARKED;
    let mut out = Vec::new();
    eprintln!("parked selects...");
    {
        let (_t1, rx1) = gochan::unbounded::<u64>();
        let (_t2, rx2) = gochan::unbounded::<u64>();
        let (r1, r2) = (&rx1, &rx2);
        out.push((
            "gochan `select!`",
            parked(n, move || async move {
                gochan::select! {
                    recv(r1) -> v => v,
                    recv(r2) -> v => v,
                }
            }),
        ));
        out.push((
            "gochan `Select::select()`",
            parked(n, move || {
                let mut sel = gochan::Select::new();
                sel.recv(r1);
                sel.recv(r2);
                sel.select()
            }),
        ));
    }
    {
        let (_t1, rx1) = flume::unbounded::<u64>();
        let (_t2, rx2) = flume::unbounded::<u64>();
        let (r1, r2) = (&rx1, &rx2);
        out.push((
            "flume, `tokio::select!` over 2 `recv_async()`",
            parked(n, move || async move {
                tokio::select! {
                    v = r1.recv_async() => v.ok(),
                    v = r2.recv_async() => v.ok(),
                }
            }),
        ));
    }
    {
        let (_t1, rx1) = kanal::unbounded_async::<u64>();
        let (_t2, rx2) = kanal::unbounded_async::<u64>();
        let (r1, r2) = (&rx1, &rx2);
        out.push((
            "kanal, `tokio::select!` over 2 async `recv()`",
            parked(n, move || async move {
                tokio::select! {
                    v = r1.recv() => v.ok(),
                    v = r2.recv() => v.ok(),
                }
            }),
        ));
    }
    {
        let (_t1, rx1) = async_channel::unbounded::<u64>();
        let (_t2, rx2) = async_channel::unbounded::<u64>();
        let (r1, r2) = (&rx1, &rx2);
        out.push((
            "async-channel, `tokio::select!` over 2 `recv()`",
            parked(n, move || async move {
                tokio::select! {
                    v = r1.recv() => v.ok(),
                    v = r2.recv() => v.ok(),
                }
            }),
        ));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

fn print_parked(title: &str, rows: &[(&str, Parked)]) {
    println!("### {title}\n");
    println!("| library | bytes per parked future | of which the boxed future (`size_of`) | registered on the channel | allocations per future | left in the channel after dropping them all |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, p) in rows {
        println!(
            "| {name} | {} | {} | {} | {} | {} |",
            num(p.total),
            p.future,
            num(p.total - p.future as f64),
            num(p.allocs),
            bytes(p.left),
        );
    }
    println!();
}

fn main() {
    // Printing allocates stdout's buffer once; do it before anything is measured.
    println!("## Memory (heap bytes requested, counting allocator over `System`)\n");

    let empty = empty_channels();
    let fill = fills();
    let recv = parked_receivers();
    let sel = parked_selects();

    println!("### 1. Bytes per empty channel of `u64` (allocations in parentheses)\n");
    println!("{CHANNELS} channels per cell, both handles kept; live bytes / {CHANNELS}.\n");
    println!("| library | bounded(0) | bounded(1) | bounded(100) | unbounded |");
    println!("|---|---:|---:|---:|---:|");
    for (name, cells) in &empty {
        println!(
            "| {name} | {} | {} | {} | {} |",
            cell(cells[0]),
            cell(cells[1]),
            cell(cells[2]),
            cell(cells[3])
        );
    }
    println!();

    println!("### 2. Bytes per queued `u64` in an unbounded channel\n");
    println!("{MESSAGES} messages queued; (live bytes after - live bytes of the empty channel) / {MESSAGES}. The payload is 8 bytes.\n");
    println!("| library | bytes per message | allocations per 1000 messages |");
    println!("|---|---:|---:|");
    for (name, f) in &fill {
        println!("| {name} | {:.2} | {} |", f.per_msg, num(f.allocs_per_1k));
    }
    println!();

    print_parked(
        &format!("3a. Parked async receivers ({PARKED} pending `recv` futures on one channel)"),
        &recv,
    );
    print_parked(
        &format!("3b. Parked async selects over 2 channels ({PARKED} pending selects on the same two channels)"),
        &sel,
    );

    println!("### 4. Unbounded channel filled with {MESSAGES} `u64`, then drained\n");
    println!("Relative to the live bytes before the channel was created. Gives back: after the drain it holds at most its empty size + 1% of the peak.\n");
    println!(
        "| library | empty | peak | after drain (channel alive) | after drop | gives memory back |"
    );
    println!("|---|---:|---:|---:|---:|---|");
    for (name, f) in &fill {
        println!(
            "| {name} | {} | {} | {} | {} | {} |",
            bytes(f.empty),
            bytes(f.peak),
            bytes(f.after_drain),
            bytes(f.after_drop),
            if f.gives_back() { "yes" } else { "**no**" },
        );
    }
    println!();
}
