//! Channel throughput: gochan next to its peers, measured side by side in one run.
//!
//! Every cell sends `GOCHAN_BENCH_MSGS` (default 100 000) `u64` messages through one channel and
//! reports nanoseconds per message: the median of `GOCHAN_BENCH_RUNS` (default 3) runs, with
//! the fastest and slowest run in parentheses.
//!
//! - Modes: `blocking` (OS threads, blocking calls) and `async` (tasks on a tokio multi-thread
//!   runtime with 2 workers).
//! - Shapes: `seq` (one thread fills the buffer, up to the capacity or everything for
//!   unbounded, then drains it, repeatedly; buffered channels only), `spsc` (1 sender, 1
//!   receiver), `mpsc` (4 senders, 1 receiver), `mpmc` (4 senders, 4 receivers).
//! - Capacities: 0 (rendezvous), 1, 100 and unbounded.
//!
//! A cell a library cannot run (no rendezvous channel, a single-receiver channel in mpmc) shows
//! `n/a`. The output is markdown on stdout; progress goes to stderr.
//!
//! ```sh
//! cargo bench --bench channels                  # everything
//! cargo bench --bench channels -- async/spsc    # cells whose "mode/shape/cap/lib" contains it
//! GOCHAN_BENCH_MSGS=20000 GOCHAN_BENCH_RUNS=1 cargo bench --bench channels -- /gochan
//! ```

use std::future::Future;
use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;

// ---------------------------------------------------------------------------------------------
// The matrix
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Blocking,
    Async,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Blocking => "blocking",
            Mode::Async => "async",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Seq,
    Spsc,
    Mpsc,
    Mpmc,
}

const SHAPES: [Shape; 4] = [Shape::Seq, Shape::Spsc, Shape::Mpsc, Shape::Mpmc];

impl Shape {
    fn name(self) -> &'static str {
        match self {
            Shape::Seq => "seq",
            Shape::Spsc => "spsc",
            Shape::Mpsc => "mpsc",
            Shape::Mpmc => "mpmc",
        }
    }

    /// (senders, receivers) for the threaded shapes.
    fn parties(self) -> (usize, usize) {
        match self {
            Shape::Seq | Shape::Spsc => (1, 1),
            Shape::Mpsc => (4, 1),
            Shape::Mpmc => (4, 4),
        }
    }
}

/// A channel capacity: `Some(n)` is bounded (0 = rendezvous), `None` unbounded.
type Cap = Option<usize>;

const CAPS: [Cap; 4] = [Some(0), Some(1), Some(100), None];

fn cap_name(cap: Cap) -> String {
    match cap {
        Some(n) => n.to_string(),
        None => "unbounded".to_string(),
    }
}

/// The (shape, cap) rows of a table. `seq` needs a buffer, so it has no cap-0 row.
fn rows() -> Vec<(Shape, Cap)> {
    let mut rows = Vec::new();
    for shape in SHAPES {
        for cap in CAPS {
            if !(shape == Shape::Seq && cap == Some(0)) {
                rows.push((shape, cap));
            }
        }
    }
    rows
}

// ---------------------------------------------------------------------------------------------
// Libraries
// ---------------------------------------------------------------------------------------------

/// A channel driven by blocking calls on OS threads.
trait BlockingChan {
    type Tx: Clone + Send + 'static;
    type Rx: Clone + Send + 'static;
    /// `None` if the library has no channel of this capacity.
    fn channel(cap: Cap) -> Option<(Self::Tx, Self::Rx)>;
    fn send(tx: &Self::Tx, v: u64);
    fn recv(rx: &Self::Rx) -> u64;
}

/// A channel driven by `.await` in tokio tasks.
trait AsyncChan {
    type Tx: Clone + Send + Sync + 'static;
    type Rx: Send + 'static;
    /// `None` if the library has no channel of this capacity.
    fn channel(cap: Cap) -> Option<(Self::Tx, Self::Rx)>;
    /// A second receiver of the same channel, or `None` for a single-consumer channel.
    fn clone_rx(rx: &Self::Rx) -> Option<Self::Rx>;
    fn send(tx: &Self::Tx, v: u64) -> impl Future<Output = ()> + Send + '_;
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = u64> + Send + '_;
}

struct Gochan;

impl BlockingChan for Gochan {
    type Tx = gochan::Sender<u64>;
    type Rx = gochan::Receiver<u64>;
    fn channel(cap: Cap) -> Option<(Self::Tx, Self::Rx)> {
        Some(match cap {
            Some(n) => gochan::bounded(n),
            None => gochan::unbounded(),
        })
    }
    fn send(tx: &Self::Tx, v: u64) {
        tx.send_blocking(v).unwrap();
    }
    fn recv(rx: &Self::Rx) -> u64 {
        rx.recv_blocking().unwrap()
    }
}

impl AsyncChan for Gochan {
    type Tx = gochan::Sender<u64>;
    type Rx = gochan::Receiver<u64>;
    fn channel(cap: Cap) -> Option<(Self::Tx, Self::Rx)> {
        <Gochan as BlockingChan>::channel(cap)
    }
    fn clone_rx(rx: &Self::Rx) -> Option<Self::Rx> {
        Some(rx.clone())
    }
    async fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).await.unwrap();
    }
    async fn recv(rx: &mut Self::Rx) -> u64 {
        rx.recv().await.unwrap()
    }
}

struct Crossbeam;

impl BlockingChan for Crossbeam {
    type Tx = crossbeam_channel::Sender<u64>;
    type Rx = crossbeam_channel::Receiver<u64>;
    fn channel(cap: Cap) -> Option<(Self::Tx, Self::Rx)> {
        Some(match cap {
            Some(n) => crossbeam_channel::bounded(n),
            None => crossbeam_channel::unbounded(),
        })
    }
    fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).unwrap();
    }
    fn recv(rx: &Self::Rx) -> u64 {
        rx.recv().unwrap()
    }
}

struct Flume;

impl BlockingChan for Flume {
    type Tx = flume::Sender<u64>;
    type Rx = flume::Receiver<u64>;
    fn channel(cap: Cap) -> Option<(Self::Tx, Self::Rx)> {
        Some(match cap {
            Some(n) => flume::bounded(n),
            None => flume::unbounded(),
        })
    }
    fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).unwrap();
    }
    fn recv(rx: &Self::Rx) -> u64 {
        rx.recv().unwrap()
    }
}

impl AsyncChan for Flume {
    type Tx = flume::Sender<u64>;
    type Rx = flume::Receiver<u64>;
    fn channel(cap: Cap) -> Option<(Self::Tx, Self::Rx)> {
        <Flume as BlockingChan>::channel(cap)
    }
    fn clone_rx(rx: &Self::Rx) -> Option<Self::Rx> {
        Some(rx.clone())
    }
    async fn send(tx: &Self::Tx, v: u64) {
        tx.send_async(v).await.unwrap();
    }
    async fn recv(rx: &mut Self::Rx) -> u64 {
        rx.recv_async().await.unwrap()
    }
}

struct Kanal;

impl BlockingChan for Kanal {
    type Tx = kanal::Sender<u64>;
    type Rx = kanal::Receiver<u64>;
    fn channel(cap: Cap) -> Option<(Self::Tx, Self::Rx)> {
        Some(match cap {
            Some(n) => kanal::bounded(n),
            None => kanal::unbounded(),
        })
    }
    fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).unwrap();
    }
    fn recv(rx: &Self::Rx) -> u64 {
        rx.recv().unwrap()
    }
}

impl AsyncChan for Kanal {
    type Tx = kanal::AsyncSender<u64>;
    type Rx = kanal::AsyncReceiver<u64>;
    fn channel(cap: Cap) -> Option<(Self::Tx, Self::Rx)> {
        Some(match cap {
            Some(n) => kanal::bounded_async(n),
            None => kanal::unbounded_async(),
        })
    }
    fn clone_rx(rx: &Self::Rx) -> Option<Self::Rx> {
        Some(rx.clone())
    }
    async fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).await.unwrap();
    }
    async fn recv(rx: &mut Self::Rx) -> u64 {
        rx.recv().await.unwrap()
    }
}

/// async-channel has no rendezvous channel (`bounded(0)` panics).
struct AsyncChannel;

impl BlockingChan for AsyncChannel {
    type Tx = async_channel::Sender<u64>;
    type Rx = async_channel::Receiver<u64>;
    fn channel(cap: Cap) -> Option<(Self::Tx, Self::Rx)> {
        match cap {
            Some(0) => None,
            Some(n) => Some(async_channel::bounded(n)),
            None => Some(async_channel::unbounded()),
        }
    }
    fn send(tx: &Self::Tx, v: u64) {
        tx.send_blocking(v).unwrap();
    }
    fn recv(rx: &Self::Rx) -> u64 {
        rx.recv_blocking().unwrap()
    }
}

impl AsyncChan for AsyncChannel {
    type Tx = async_channel::Sender<u64>;
    type Rx = async_channel::Receiver<u64>;
    fn channel(cap: Cap) -> Option<(Self::Tx, Self::Rx)> {
        <AsyncChannel as BlockingChan>::channel(cap)
    }
    fn clone_rx(rx: &Self::Rx) -> Option<Self::Rx> {
        Some(rx.clone())
    }
    async fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).await.unwrap();
    }
    async fn recv(rx: &mut Self::Rx) -> u64 {
        rx.recv().await.unwrap()
    }
}

/// tokio's mpsc: a single receiver (no mpmc) and no rendezvous channel.
struct Tokio;

#[derive(Clone)]
enum TokioTx {
    Bounded(tokio::sync::mpsc::Sender<u64>),
    Unbounded(tokio::sync::mpsc::UnboundedSender<u64>),
}

enum TokioRx {
    Bounded(tokio::sync::mpsc::Receiver<u64>),
    Unbounded(tokio::sync::mpsc::UnboundedReceiver<u64>),
}

impl AsyncChan for Tokio {
    type Tx = TokioTx;
    type Rx = TokioRx;
    fn channel(cap: Cap) -> Option<(Self::Tx, Self::Rx)> {
        match cap {
            Some(0) => None,
            Some(n) => {
                let (tx, rx) = tokio::sync::mpsc::channel(n);
                Some((TokioTx::Bounded(tx), TokioRx::Bounded(rx)))
            }
            None => {
                let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                Some((TokioTx::Unbounded(tx), TokioRx::Unbounded(rx)))
            }
        }
    }
    fn clone_rx(_: &Self::Rx) -> Option<Self::Rx> {
        None
    }
    async fn send(tx: &Self::Tx, v: u64) {
        match tx {
            TokioTx::Bounded(tx) => tx.send(v).await.unwrap(),
            TokioTx::Unbounded(tx) => tx.send(v).unwrap(),
        }
    }
    async fn recv(rx: &mut Self::Rx) -> u64 {
        match rx {
            TokioRx::Bounded(rx) => rx.recv().await.unwrap(),
            TokioRx::Unbounded(rx) => rx.recv().await.unwrap(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Runners: each returns the wall time for `n` messages, or `None` if the cell does not apply.
// ---------------------------------------------------------------------------------------------

/// The sum of all messages sent in a cell (the values `0..n`), checked at the end of each run
/// so that a channel that loses or duplicates messages cannot post a good time.
fn expected_sum(n: usize) -> u64 {
    let n = n as u64;
    n * n.saturating_sub(1) / 2
}

/// How many messages `seq` sends before it drains: the whole buffer.
fn seq_batch(cap: Cap, n: usize) -> Option<usize> {
    match cap {
        Some(0) => None,
        Some(c) => Some(c),
        None => Some(n),
    }
}

fn run_blocking<C: BlockingChan + 'static>(shape: Shape, cap: Cap, n: usize) -> Option<Duration> {
    let (tx, rx) = C::channel(cap)?;
    if shape == Shape::Seq {
        let batch = seq_batch(cap, n)?;
        let start = Instant::now();
        let mut sum = 0;
        let mut sent = 0;
        while sent < n {
            let k = batch.min(n - sent);
            for v in sent..sent + k {
                C::send(&tx, black_box(v as u64));
            }
            for _ in 0..k {
                sum += black_box(C::recv(&rx));
            }
            sent += k;
        }
        let elapsed = start.elapsed();
        assert_eq!(sum, expected_sum(n), "messages lost or duplicated");
        return Some(elapsed);
    }

    let (senders, receivers) = shape.parties();
    let (per_sender, per_receiver) = (n / senders, n / receivers);
    let barrier = Arc::new(Barrier::new(senders + receivers + 1));
    let mut sending = Vec::new();
    for s in 0..senders {
        let (tx, barrier) = (tx.clone(), barrier.clone());
        sending.push(thread::spawn(move || {
            barrier.wait();
            for v in s * per_sender..(s + 1) * per_sender {
                C::send(&tx, black_box(v as u64));
            }
        }));
    }
    let mut receiving = Vec::new();
    for _ in 0..receivers {
        let (rx, barrier) = (rx.clone(), barrier.clone());
        receiving.push(thread::spawn(move || {
            barrier.wait();
            let mut sum = 0;
            for _ in 0..per_receiver {
                sum += black_box(C::recv(&rx));
            }
            sum
        }));
    }
    // Only the threads' handles remain, so sender and receiver counts are exact.
    drop((tx, rx));

    barrier.wait();
    let start = Instant::now();
    for h in sending {
        h.join().unwrap();
    }
    let sum: u64 = receiving.into_iter().map(|h| h.join().unwrap()).sum();
    let elapsed = start.elapsed();
    assert_eq!(sum, expected_sum(n), "messages lost or duplicated");
    Some(elapsed)
}

fn run_async<C: AsyncChan + 'static>(
    rt: &Runtime,
    shape: Shape,
    cap: Cap,
    n: usize,
) -> Option<Duration> {
    let (tx, rx) = C::channel(cap)?;
    if shape == Shape::Seq {
        let batch = seq_batch(cap, n)?;
        let (elapsed, sum) = rt
            .block_on(rt.spawn(async move {
                let mut rx = rx;
                let start = Instant::now();
                let mut sum = 0;
                let mut sent = 0;
                while sent < n {
                    let k = batch.min(n - sent);
                    for v in sent..sent + k {
                        C::send(&tx, black_box(v as u64)).await;
                    }
                    for _ in 0..k {
                        sum += black_box(C::recv(&mut rx).await);
                    }
                    sent += k;
                }
                (start.elapsed(), sum)
            }))
            .unwrap();
        assert_eq!(sum, expected_sum(n), "messages lost or duplicated");
        return Some(elapsed);
    }

    let (senders, receivers) = shape.parties();
    let (per_sender, per_receiver) = (n / senders, n / receivers);
    let mut rxs = Vec::new();
    for _ in 1..receivers {
        rxs.push(C::clone_rx(&rx)?);
    }
    rxs.push(rx);

    let (elapsed, sum) = rt.block_on(async move {
        let start = Instant::now();
        let receiving: Vec<_> = rxs
            .into_iter()
            .map(|mut rx| {
                tokio::spawn(async move {
                    let mut sum = 0;
                    for _ in 0..per_receiver {
                        sum += black_box(C::recv(&mut rx).await);
                    }
                    sum
                })
            })
            .collect();
        let sending: Vec<_> = (0..senders)
            .map(|s| {
                let tx = tx.clone();
                tokio::spawn(async move {
                    for v in s * per_sender..(s + 1) * per_sender {
                        C::send(&tx, black_box(v as u64)).await;
                    }
                })
            })
            .collect();
        drop(tx);
        for h in sending {
            h.await.unwrap();
        }
        let mut sum = 0;
        for h in receiving {
            sum += h.await.unwrap();
        }
        (start.elapsed(), sum)
    });
    assert_eq!(sum, expected_sum(n), "messages lost or duplicated");
    Some(elapsed)
}

// ---------------------------------------------------------------------------------------------
// Measuring and reporting
// ---------------------------------------------------------------------------------------------

type Runner<'a> = Box<dyn Fn(Shape, Cap, usize) -> Option<Duration> + 'a>;

const GOCHAN: &str = "gochan";

fn blocking_libs() -> Vec<(&'static str, Runner<'static>)> {
    vec![
        (GOCHAN, Box::new(run_blocking::<Gochan>)),
        ("crossbeam-channel", Box::new(run_blocking::<Crossbeam>)),
        ("flume", Box::new(run_blocking::<Flume>)),
        ("kanal", Box::new(run_blocking::<Kanal>)),
        ("async-channel", Box::new(run_blocking::<AsyncChannel>)),
    ]
}

fn async_libs(rt: &Runtime) -> Vec<(&'static str, Runner<'_>)> {
    vec![
        (GOCHAN, Box::new(|s, c, n| run_async::<Gochan>(rt, s, c, n))),
        ("flume", Box::new(|s, c, n| run_async::<Flume>(rt, s, c, n))),
        ("kanal", Box::new(|s, c, n| run_async::<Kanal>(rt, s, c, n))),
        (
            "async-channel",
            Box::new(|s, c, n| run_async::<AsyncChannel>(rt, s, c, n)),
        ),
        (
            "tokio-mpsc",
            Box::new(|s, c, n| run_async::<Tokio>(rt, s, c, n)),
        ),
    ]
}

/// Nanoseconds per message over the runs of one cell.
struct Stats {
    median: f64,
    min: f64,
    max: f64,
}

impl Stats {
    fn new(mut samples: Vec<f64>) -> Stats {
        samples.sort_by(f64::total_cmp);
        let mid = samples.len() / 2;
        let median = if samples.len() % 2 == 1 {
            samples[mid]
        } else {
            (samples[mid - 1] + samples[mid]) / 2.0
        };
        Stats {
            median,
            min: samples[0],
            max: samples[samples.len() - 1],
        }
    }
}

enum Cell {
    /// Filtered out by the command line.
    Skipped,
    /// The library has no channel for this cell.
    NotApplicable,
    Measured(Stats),
}

struct Config {
    msgs: usize,
    runs: usize,
    filters: Vec<String>,
}

impl Config {
    fn from_env() -> Config {
        let var = |name: &str, default: usize| match std::env::var(name) {
            Ok(s) => s
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("{name}={s:?} is not a count")),
            Err(_) => default,
        };
        // Every sender and every receiver moves the same number of messages.
        let msgs = (var("GOCHAN_BENCH_MSGS", 100_000) / 4).max(1) * 4;
        let runs = var("GOCHAN_BENCH_RUNS", 3).max(1);
        // `cargo bench` passes flags such as `--bench`; anything else selects cells.
        let filters = std::env::args()
            .skip(1)
            .filter(|a| !a.starts_with("--"))
            .collect();
        Config {
            msgs,
            runs,
            filters,
        }
    }

    fn selects(&self, key: &str) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|f| key.contains(f.as_str()))
    }
}

/// Runs every selected cell of one mode; `cells[row][lib]`.
fn measure(config: &Config, mode: Mode, libs: &[(&'static str, Runner<'_>)]) -> Vec<Vec<Cell>> {
    rows()
        .into_iter()
        .map(|(shape, cap)| {
            libs.iter()
                .map(|(lib, run)| {
                    let key = format!("{}/{}/{}/{lib}", mode.name(), shape.name(), cap_name(cap));
                    if !config.selects(&key) {
                        return Cell::Skipped;
                    }
                    let mut samples = Vec::with_capacity(config.runs);
                    for _ in 0..config.runs {
                        match run(shape, cap, config.msgs) {
                            Some(t) => samples.push(t.as_nanos() as f64 / config.msgs as f64),
                            None => {
                                eprintln!("{key}: n/a");
                                return Cell::NotApplicable;
                            }
                        }
                    }
                    let stats = Stats::new(samples);
                    eprintln!(
                        "{key}: {:.1} ns/msg ({:.1}-{:.1})",
                        stats.median, stats.min, stats.max
                    );
                    Cell::Measured(stats)
                })
                .collect()
        })
        .collect()
}

/// Prints the ns/msg table and the gochan/peer ratio table of one mode.
fn report(mode: Mode, libs: &[&'static str], cells: &[Vec<Cell>]) {
    let rows = rows();
    let row_used: Vec<bool> = cells
        .iter()
        .map(|r| r.iter().any(|c| !matches!(c, Cell::Skipped)))
        .collect();
    let lib_used: Vec<bool> = (0..libs.len())
        .map(|l| cells.iter().any(|r| !matches!(r[l], Cell::Skipped)))
        .collect();
    if !row_used.contains(&true) {
        return;
    }
    let shown: Vec<usize> = (0..libs.len()).filter(|&l| lib_used[l]).collect();
    let row_label = |i: usize| format!("{} | {}", rows[i].0.name(), cap_name(rows[i].1));

    println!("## {} (ns/msg, median (min-max))\n", mode.name());
    let header: Vec<&str> = shown.iter().map(|&l| libs[l]).collect();
    println!("| shape | cap | {} |", header.join(" | "));
    println!("|---|---|{}", "---:|".repeat(shown.len()));
    for (i, row) in cells.iter().enumerate().filter(|(i, _)| row_used[*i]) {
        let values: Vec<String> = shown
            .iter()
            .map(|&l| match &row[l] {
                Cell::Skipped => String::new(),
                Cell::NotApplicable => "n/a".to_string(),
                Cell::Measured(s) if s.min == s.max => format!("{:.1}", s.median),
                Cell::Measured(s) => format!("{:.1} ({:.1}-{:.1})", s.median, s.min, s.max),
            })
            .collect();
        println!("| {} | {} |", row_label(i), values.join(" | "));
    }
    println!();

    let Some(g) = libs
        .iter()
        .position(|&l| l == GOCHAN)
        .filter(|&g| lib_used[g])
    else {
        return;
    };
    let peers: Vec<usize> = shown.iter().copied().filter(|&l| l != g).collect();
    if peers.is_empty() {
        return;
    }
    println!(
        "## {}: gochan / peer (median ratio; below 1 means gochan is faster)\n",
        mode.name()
    );
    let header: Vec<&str> = peers.iter().map(|&l| libs[l]).collect();
    println!("| shape | cap | {} |", header.join(" | "));
    println!("|---|---|{}", "---:|".repeat(peers.len()));
    for (i, row) in cells.iter().enumerate().filter(|(i, _)| row_used[*i]) {
        let values: Vec<String> = peers
            .iter()
            .map(|&l| match (&row[g], &row[l]) {
                (Cell::Measured(ours), Cell::Measured(theirs)) => {
                    format!("{:.2}", ours.median / theirs.median)
                }
                (_, Cell::NotApplicable) => "n/a".to_string(),
                _ => String::new(),
            })
            .collect();
        println!("| {} | {} |", row_label(i), values.join(" | "));
    }
    println!();
}

fn main() {
    let config = Config::from_env();
    println!("# gochan channel benchmarks\n");
    println!(
        "{} messages per cell, median of {} run(s), {} CPU(s); async mode: tokio multi-thread \
         runtime, 2 workers; mpsc = 4 senders, mpmc = 4 senders + 4 receivers.\n",
        config.msgs,
        config.runs,
        thread::available_parallelism().map_or(1, |n| n.get()),
    );

    let libs = blocking_libs();
    let cells = measure(&config, Mode::Blocking, &libs);
    let names: Vec<&str> = libs.iter().map(|(name, _)| *name).collect();
    report(Mode::Blocking, &names, &cells);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let libs = async_libs(&rt);
    let cells = measure(&config, Mode::Async, &libs);
    let names: Vec<&str> = libs.iter().map(|(name, _)| *name).collect();
    report(Mode::Async, &names, &cells);
}
