//! One cell of the channel bench, alone, for a profiler: `scripts/profile.sh` runs it under
//! `valgrind --tool=callgrind` and reports instructions, and locked (atomic read-modify-write)
//! instructions, per message. Those counts do not move with the machine's noise, so they
//! compare designs where timings on a shared machine cannot.
//!
//! ```sh
//! cargo bench --bench profile -- LIB MODE SHAPE CAP [MESSAGES]
//! cargo bench --bench profile -- gochan async-current-thread spsc 0 20000
//! ```
//!
//! - `LIB`: `gochan`, `kanal`, or `crossbeam-channel` (blocking only).
//! - `MODE`: `blocking` (OS threads) or `async-current-thread` (tokio's `current_thread`
//!   runtime: every task on one thread, so a hand-off costs a task switch and no OS wake-up).
//! - `SHAPE`: `seq` (one thread or task fills the buffer and drains it), `spsc` (one sender,
//!   one receiver), `ping_pong` (a request and its reply over two channels; one round trip
//!   counts as two messages) or `select_rx` (four senders on four channels, one receiver
//!   selecting over the four: gochan's `select!` / `select_blocking!`, and crossbeam-channel's
//!   `select!`; kanal has no select).
//! - `CAP`: a capacity, or `unbounded`.
//!
//! Every run checks the sum of what it received, so a broken channel cannot post a count.

use std::future::Future;
use std::thread;
use std::time::Instant;

fn usage() -> ! {
    eprintln!(
        "usage: cargo bench --bench profile -- LIB MODE SHAPE CAP [MESSAGES]\n  \
         LIB: gochan | kanal | crossbeam-channel\n  \
         MODE: blocking | async-current-thread\n  \
         SHAPE: seq | spsc | ping_pong | select_rx\n  \
         CAP: a number or unbounded"
    );
    std::process::exit(2)
}

/// The blocking operations the shapes need.
trait Blocking: Send + 'static {
    type Tx: Send + 'static;
    type Rx: Send + 'static;
    fn new(cap: Option<usize>) -> (Self::Tx, Self::Rx);
    fn send(tx: &Self::Tx, v: u64);
    fn recv(rx: &Self::Rx) -> Option<u64>;
}

/// The async operations the shapes need.
trait Async: 'static {
    type Tx: Send + 'static;
    type Rx: Send + 'static;
    fn new(cap: Option<usize>) -> (Self::Tx, Self::Rx);
    fn send(tx: &Self::Tx, v: u64) -> impl Future<Output = ()> + Send + '_;
    fn recv(rx: &Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_;
}

struct Gochan;
struct Kanal;
struct Crossbeam;

impl Blocking for Gochan {
    type Tx = gochan::Sender<u64>;
    type Rx = gochan::Receiver<u64>;
    fn new(cap: Option<usize>) -> (Self::Tx, Self::Rx) {
        cap.map_or_else(gochan::unbounded, gochan::bounded)
    }
    fn send(tx: &Self::Tx, v: u64) {
        tx.send_blocking(v).expect("receiver alive");
    }
    fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.recv_blocking()
    }
}

impl Async for Gochan {
    type Tx = gochan::Sender<u64>;
    type Rx = gochan::Receiver<u64>;
    fn new(cap: Option<usize>) -> (Self::Tx, Self::Rx) {
        cap.map_or_else(gochan::unbounded, gochan::bounded)
    }
    async fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).await.expect("receiver alive");
    }
    async fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.recv().await
    }
}

impl Blocking for Kanal {
    type Tx = kanal::Sender<u64>;
    type Rx = kanal::Receiver<u64>;
    fn new(cap: Option<usize>) -> (Self::Tx, Self::Rx) {
        cap.map_or_else(kanal::unbounded, kanal::bounded)
    }
    fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).expect("receiver alive");
    }
    fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.recv().ok()
    }
}

impl Async for Kanal {
    type Tx = kanal::AsyncSender<u64>;
    type Rx = kanal::AsyncReceiver<u64>;
    fn new(cap: Option<usize>) -> (Self::Tx, Self::Rx) {
        cap.map_or_else(kanal::unbounded_async, kanal::bounded_async)
    }
    async fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).await.expect("receiver alive");
    }
    async fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
    }
}

impl Blocking for Crossbeam {
    type Tx = crossbeam_channel::Sender<u64>;
    type Rx = crossbeam_channel::Receiver<u64>;
    fn new(cap: Option<usize>) -> (Self::Tx, Self::Rx) {
        cap.map_or_else(crossbeam_channel::unbounded, crossbeam_channel::bounded)
    }
    fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).expect("receiver alive");
    }
    fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.recv().ok()
    }
}

/// The sum of `0..n`, which every shape must receive.
fn expected(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

fn run_blocking<L: Blocking>(shape: &str, cap: Option<usize>, n: u64) {
    match shape {
        "seq" => {
            let (tx, rx) = L::new(cap);
            let batch = cap.unwrap_or(usize::MAX).clamp(1, 1000) as u64;
            let mut sum = 0;
            let mut i = 0;
            while i < n {
                let end = (i + batch).min(n);
                for v in i..end {
                    L::send(&tx, v);
                }
                for _ in i..end {
                    sum += L::recv(&rx).expect("buffered");
                }
                i = end;
            }
            assert_eq!(sum, expected(n));
        }
        "spsc" => {
            let (tx, rx) = L::new(cap);
            let sender = thread::spawn(move || (0..n).for_each(|v| L::send(&tx, v)));
            let mut sum = 0;
            while let Some(v) = L::recv(&rx) {
                sum += v;
            }
            sender.join().expect("sender");
            assert_eq!(sum, expected(n));
        }
        "ping_pong" => {
            let (req_tx, req_rx) = L::new(cap);
            let (rep_tx, rep_rx) = L::new(cap);
            let echo = thread::spawn(move || {
                while let Some(v) = L::recv(&req_rx) {
                    L::send(&rep_tx, v);
                }
            });
            let mut sum = 0;
            for v in 0..n / 2 {
                L::send(&req_tx, v);
                sum += L::recv(&rep_rx).expect("reply");
            }
            drop(req_tx);
            echo.join().expect("echo");
            assert_eq!(sum, expected(n / 2));
        }
        _ => usage(),
    }
}

fn run_async<L: Async>(shape: &str, cap: Option<usize>, n: u64) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        match shape {
            "seq" => {
                let (tx, rx) = L::new(cap);
                let batch = cap.unwrap_or(usize::MAX).clamp(1, 1000) as u64;
                let mut sum = 0;
                let mut i = 0;
                while i < n {
                    let end = (i + batch).min(n);
                    for v in i..end {
                        L::send(&tx, v).await;
                    }
                    for _ in i..end {
                        sum += L::recv(&rx).await.expect("buffered");
                    }
                    i = end;
                }
                assert_eq!(sum, expected(n));
            }
            "spsc" => {
                let (tx, rx) = L::new(cap);
                let sender = tokio::spawn(async move {
                    for v in 0..n {
                        L::send(&tx, v).await;
                    }
                });
                let receiver = tokio::spawn(async move {
                    let mut sum = 0;
                    while let Some(v) = L::recv(&rx).await {
                        sum += v;
                    }
                    sum
                });
                sender.await.expect("sender");
                assert_eq!(receiver.await.expect("receiver"), expected(n));
            }
            "ping_pong" => {
                let (req_tx, req_rx) = L::new(cap);
                let (rep_tx, rep_rx) = L::new(cap);
                let echo = tokio::spawn(async move {
                    while let Some(v) = L::recv(&req_rx).await {
                        L::send(&rep_tx, v).await;
                    }
                });
                let mut sum = 0;
                for v in 0..n / 2 {
                    L::send(&req_tx, v).await;
                    sum += L::recv(&rep_rx).await.expect("reply");
                }
                drop(req_tx);
                echo.await.expect("echo");
                assert_eq!(sum, expected(n / 2));
            }
            _ => usage(),
        }
    });
}

/// Messages per sender of `select_rx`, and the sum they make.
fn select_split(n: u64) -> (u64, u64) {
    let per = n / 4;
    (per, expected(per * 4))
}

/// `select_rx` on threads: four senders, sender `s` sending `s * per .. (s + 1) * per` on
/// channel `s`, and this thread receiving everything through `select`, one message a call.
fn select_blocking<L: Blocking>(cap: Option<usize>, n: u64, select: impl Fn(&[L::Rx]) -> u64)
where
    L::Tx: Clone,
{
    let (per, want) = select_split(n);
    let chans: Vec<_> = (0..4).map(|_| L::new(cap)).collect();
    let senders: Vec<_> = chans
        .iter()
        .enumerate()
        .map(|(s, (tx, _))| {
            let tx = tx.clone();
            let s = s as u64;
            thread::spawn(move || (s * per..(s + 1) * per).for_each(|v| L::send(&tx, v)))
        })
        .collect();
    // The senders' handles stay here, so no channel closes while the select runs.
    let (_txs, rxs): (Vec<L::Tx>, Vec<L::Rx>) = chans.into_iter().unzip();
    let sum: u64 = (0..per * 4).map(|_| select(&rxs)).sum();
    senders.into_iter().for_each(|t| t.join().expect("sender"));
    assert_eq!(sum, want);
}

fn select_blocking_gochan(cap: Option<usize>, n: u64) {
    select_blocking::<Gochan>(cap, n, |rxs| {
        let [r0, r1, r2, r3] = [&rxs[0], &rxs[1], &rxs[2], &rxs[3]];
        gochan::select_blocking! {
            recv(r0) -> v => v.expect("open"),
            recv(r1) -> v => v.expect("open"),
            recv(r2) -> v => v.expect("open"),
            recv(r3) -> v => v.expect("open"),
        }
    });
}

fn select_blocking_crossbeam(cap: Option<usize>, n: u64) {
    select_blocking::<Crossbeam>(cap, n, |rxs| {
        let [r0, r1, r2, r3] = [&rxs[0], &rxs[1], &rxs[2], &rxs[3]];
        crossbeam_channel::select! {
            recv(r0) -> v => v.expect("open"),
            recv(r1) -> v => v.expect("open"),
            recv(r2) -> v => v.expect("open"),
            recv(r3) -> v => v.expect("open"),
        }
    });
}

fn select_async_gochan(cap: Option<usize>, n: u64) {
    let (per, want) = select_split(n);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let chans: Vec<_> = (0..4).map(|_| <Gochan as Async>::new(cap)).collect();
        for (s, (tx, _)) in chans.iter().enumerate() {
            let tx = tx.clone();
            let s = s as u64;
            tokio::spawn(async move {
                for v in s * per..(s + 1) * per {
                    <Gochan as Async>::send(&tx, v).await;
                }
            });
        }
        let (r0, r1, r2, r3) = (&chans[0].1, &chans[1].1, &chans[2].1, &chans[3].1);
        let mut sum = 0;
        for _ in 0..per * 4 {
            sum += gochan::select! {
                recv(r0) -> v => v.expect("open"),
                recv(r1) -> v => v.expect("open"),
                recv(r2) -> v => v.expect("open"),
                recv(r3) -> v => v.expect("open"),
            };
        }
        assert_eq!(sum, want);
    });
}

fn main() {
    // `cargo bench` passes `--bench`; positional arguments are ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if args.len() < 4 {
        usage();
    }
    let (lib, mode, shape) = (args[0].as_str(), args[1].as_str(), args[2].as_str());
    let cap = match args[3].as_str() {
        "unbounded" => None,
        c => Some(c.parse().unwrap_or_else(|_| usage())),
    };
    let n: u64 = args
        .get(4)
        .map_or(Ok(20_000), |s| s.parse())
        .unwrap_or_else(|_| usage());
    if cap == Some(0) && shape == "seq" {
        eprintln!("seq needs a buffer: a capacity of 0 would block its one thread");
        std::process::exit(2);
    }
    let start = Instant::now();
    match (lib, mode) {
        ("gochan", "blocking") if shape == "select_rx" => select_blocking_gochan(cap, n),
        ("crossbeam-channel", "blocking") if shape == "select_rx" => {
            select_blocking_crossbeam(cap, n)
        }
        ("gochan", "async-current-thread") if shape == "select_rx" => select_async_gochan(cap, n),
        (_, _) if shape == "select_rx" => {
            eprintln!("{lib} has no select in mode {mode}");
            std::process::exit(3);
        }
        ("gochan", "blocking") => run_blocking::<Gochan>(shape, cap, n),
        ("kanal", "blocking") => run_blocking::<Kanal>(shape, cap, n),
        ("crossbeam-channel", "blocking") => run_blocking::<Crossbeam>(shape, cap, n),
        ("gochan", "async-current-thread") => run_async::<Gochan>(shape, cap, n),
        ("kanal", "async-current-thread") => run_async::<Kanal>(shape, cap, n),
        _ => usage(),
    }
    let ns = start.elapsed().as_nanos() as f64 / n as f64;
    eprintln!(
        "{lib} {mode} {shape} {}: {n} messages, {ns:.1} ns/msg",
        args[3]
    );
}
