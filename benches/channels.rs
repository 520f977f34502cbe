//! Channel throughput: gochan next to its peers, measured side by side in one run.
//!
//! Every cell moves `GOCHAN_BENCH_MSGS` (default 100 000) `u64` messages and reports
//! nanoseconds per message (per round trip for `ping_pong`): the median of `GOCHAN_BENCH_RUNS`
//! (default 3) runs, with the fastest and slowest run in parentheses. Every run checks the sum
//! of the messages received, so a channel that loses or duplicates one cannot post a time.
//!
//! The libraries of a row take turns: each round runs every library once, starting with a
//! different one each round, so a burst of noise from the rest of the machine falls on all
//! of them rather than on the runs of one. A ratio is the median over the rounds of gochan's
//! time divided by the peer's time in the same round.
//!
//! - Modes: `blocking` (OS threads, blocking calls), `async` (tasks on a tokio multi-thread
//!   runtime with 2 workers) and `async-current-thread` (the same tasks on a tokio
//!   `current_thread` runtime: every task on one thread, so a wake-up never crosses threads).
//! - Channel shapes: `seq` (one thread fills the buffer, up to the capacity or everything for
//!   unbounded, then drains it, repeatedly; buffered channels only), `spsc` (1 sender, 1
//!   receiver), `mpsc` (4 senders, 1 receiver), `mpmc` (4 senders, 4 receivers), at
//!   capacities 0 (rendezvous), 1, 100 and unbounded.
//! - Select shapes (crossbeam-channel's own benchmark suite): `select_rx` (4 channels, one
//!   sender on each, one receiver selecting over the 4 receivers) and `select_both` (4
//!   channels; 4 senders each selecting a send over the 4 channels, 4 receivers each selecting
//!   a receive over the 4), at capacities 0, 1 and 100, plus unbounded for `select_rx` (a send
//!   case on an unbounded channel is always ready, so `select_both` has no unbounded row).
//!   Blocking: gochan's `select_blocking!` against `crossbeam_channel::select!`. Async:
//!   gochan's `select!` against `tokio::select!` over tokio mpsc and async-channel futures.
//! - `ping_pong`: two channels, one thread or task sends a request and waits for the reply,
//!   the other answers it; `GOCHAN_BENCH_MSGS / 4` round trips, at capacities 0 and 1.
//! - `idle`: the CPU a thread parked in a blocking receive (or select) burns in one second,
//!   read from `/proc` (Linux only).
//!
//! A cell a library cannot run (no rendezvous channel, a single-receiver channel in mpmc or
//! select_both) shows `n/a`; so do futures-channel's cap-0 cells, whose `channel(0)` is no
//! rendezvous (see [`FuturesChannel`]). The output is markdown on stdout; progress goes to
//! stderr.
//!
//! ```sh
//! cargo bench --bench channels                  # everything
//! cargo bench --bench channels -- async/spsc    # cells whose "mode/shape/cap/lib" contains it
//! cargo bench --bench channels -- select idle   # several filters: any of them
//! cargo bench --bench channels -- async-current-thread/ std-mpsc futures-channel
//! GOCHAN_BENCH_MSGS=20000 GOCHAN_BENCH_RUNS=1 cargo bench --bench channels -- /gochan
//! ```

use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
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
    /// tokio's multi-thread runtime, 2 workers.
    Async,
    /// tokio's `current_thread` runtime.
    AsyncCurrentThread,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Blocking => "blocking",
            Mode::Async => "async",
            Mode::AsyncCurrentThread => "async-current-thread",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Seq,
    Spsc,
    Mpsc,
    Mpmc,
    SelectRx,
    SelectBoth,
    PingPong,
}

const CHANNEL_SHAPES: [Shape; 4] = [Shape::Seq, Shape::Spsc, Shape::Mpsc, Shape::Mpmc];

impl Shape {
    fn name(self) -> &'static str {
        match self {
            Shape::Seq => "seq",
            Shape::Spsc => "spsc",
            Shape::Mpsc => "mpsc",
            Shape::Mpmc => "mpmc",
            Shape::SelectRx => "select_rx",
            Shape::SelectBoth => "select_both",
            Shape::PingPong => "ping_pong",
        }
    }

    /// (senders, receivers) for the threaded channel shapes.
    fn parties(self) -> (usize, usize) {
        match self {
            Shape::Mpsc => (4, 1),
            Shape::Mpmc => (4, 4),
            _ => (1, 1),
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

/// The (shape, cap) rows of the channel tables. `seq` needs a buffer, so it has no cap-0 row.
fn channel_rows() -> Vec<(Shape, Cap)> {
    let mut rows = Vec::new();
    for shape in CHANNEL_SHAPES {
        for cap in CAPS {
            if !(shape == Shape::Seq && cap == Some(0)) {
                rows.push((shape, cap));
            }
        }
    }
    rows
}

/// The rows of the select tables: no unbounded `select_both` (its send cases are always
/// ready, so it would measure a plain send).
fn select_rows() -> Vec<(Shape, Cap)> {
    let mut rows: Vec<_> = CAPS.iter().map(|&c| (Shape::SelectRx, c)).collect();
    rows.extend([Some(0), Some(1), Some(100)].map(|c| (Shape::SelectBoth, c)));
    rows
}

/// The rows of the ping-pong tables: rendezvous, and capacity 1 for the libraries that have
/// no rendezvous channel.
fn ping_pong_rows() -> Vec<(Shape, Cap)> {
    vec![(Shape::PingPong, Some(0)), (Shape::PingPong, Some(1))]
}

/// The number of round trips of a `ping_pong` cell: each is two messages and two wake-ups.
fn round_trips(msgs: usize) -> usize {
    (msgs / 4).max(1)
}

// ---------------------------------------------------------------------------------------------
// Libraries
// ---------------------------------------------------------------------------------------------

/// A channel driven by blocking calls on OS threads.
trait BlockingChan {
    type Tx: Clone + Send + 'static;
    type Rx: Send + 'static;
    /// `None` if the library has no channel of this capacity.
    fn channel(cap: Cap) -> Option<(Self::Tx, Self::Rx)>;
    /// A second receiver of the same channel, or `None` for a single-consumer channel.
    fn clone_rx(rx: &Self::Rx) -> Option<Self::Rx>;
    fn send(tx: &Self::Tx, v: u64);
    fn recv(rx: &Self::Rx) -> u64;
}

/// A channel driven by `.await` in tokio tasks.
///
/// `send` takes the sender by `&mut`: a bounded futures-channel sender needs it (each handle
/// owns its slot and its parked state), and every task has its own clone anyway.
trait AsyncChan {
    type Tx: Clone + Send + Sync + 'static;
    type Rx: Send + 'static;
    /// `None` if the library has no channel of this capacity.
    fn channel(cap: Cap) -> Option<(Self::Tx, Self::Rx)>;
    /// A second receiver of the same channel, or `None` for a single-consumer channel.
    fn clone_rx(rx: &Self::Rx) -> Option<Self::Rx>;
    fn send(tx: &mut Self::Tx, v: u64) -> impl Future<Output = ()> + Send + '_;
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
    fn clone_rx(rx: &Self::Rx) -> Option<Self::Rx> {
        Some(rx.clone())
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
    async fn send(tx: &mut Self::Tx, v: u64) {
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
    fn clone_rx(rx: &Self::Rx) -> Option<Self::Rx> {
        Some(rx.clone())
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
    fn clone_rx(rx: &Self::Rx) -> Option<Self::Rx> {
        Some(rx.clone())
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
    async fn send(tx: &mut Self::Tx, v: u64) {
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
    fn clone_rx(rx: &Self::Rx) -> Option<Self::Rx> {
        Some(rx.clone())
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
    async fn send(tx: &mut Self::Tx, v: u64) {
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
    fn clone_rx(rx: &Self::Rx) -> Option<Self::Rx> {
        Some(rx.clone())
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
    async fn send(tx: &mut Self::Tx, v: u64) {
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
    async fn send(tx: &mut Self::Tx, v: u64) {
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

/// std's mpsc: a single receiver (no mpmc). `sync_channel(0)` is a rendezvous, as in gochan.
struct StdMpsc;

/// std has two sender types: `sync_channel` gives a `SyncSender`, `channel` a `Sender`.
#[derive(Clone)]
enum StdTx {
    Bounded(std::sync::mpsc::SyncSender<u64>),
    Unbounded(std::sync::mpsc::Sender<u64>),
}

impl BlockingChan for StdMpsc {
    type Tx = StdTx;
    type Rx = std::sync::mpsc::Receiver<u64>;
    fn channel(cap: Cap) -> Option<(Self::Tx, Self::Rx)> {
        Some(match cap {
            Some(n) => {
                let (tx, rx) = std::sync::mpsc::sync_channel(n);
                (StdTx::Bounded(tx), rx)
            }
            None => {
                let (tx, rx) = std::sync::mpsc::channel();
                (StdTx::Unbounded(tx), rx)
            }
        })
    }
    fn clone_rx(_: &Self::Rx) -> Option<Self::Rx> {
        None
    }
    fn send(tx: &Self::Tx, v: u64) {
        match tx {
            StdTx::Bounded(tx) => tx.send(v).unwrap(),
            StdTx::Unbounded(tx) => tx.send(v).unwrap(),
        }
    }
    fn recv(rx: &Self::Rx) -> u64 {
        rx.recv().unwrap()
    }
}

/// futures' mpsc (futures-channel): a single receiver (no mpmc), and no rendezvous channel.
///
/// `channel(cap)` holds up to cap messages plus one per sender handle: a send always queues
/// its message if its handle is not parked, and parks the handle when the queue is then over
/// cap. So `channel(0)` is no rendezvous (a message is queued before any receiver comes) and
/// cap 0 is n/a. `SinkExt::send` waits, after queueing, until its handle is unparked by a
/// receive; for cap 1 and 100 that matches a Go sender blocked on a full buffer, which holds
/// its value until a receiver makes room.
struct FuturesChannel;

/// A clone of a bounded sender is a new handle, with its own slot in the channel.
#[derive(Clone)]
enum FuturesTx {
    Bounded(futures::channel::mpsc::Sender<u64>),
    Unbounded(futures::channel::mpsc::UnboundedSender<u64>),
}

enum FuturesRx {
    Bounded(futures::channel::mpsc::Receiver<u64>),
    Unbounded(futures::channel::mpsc::UnboundedReceiver<u64>),
}

impl AsyncChan for FuturesChannel {
    type Tx = FuturesTx;
    type Rx = FuturesRx;
    fn channel(cap: Cap) -> Option<(Self::Tx, Self::Rx)> {
        match cap {
            Some(0) => None,
            Some(n) => {
                let (tx, rx) = futures::channel::mpsc::channel(n);
                Some((FuturesTx::Bounded(tx), FuturesRx::Bounded(rx)))
            }
            None => {
                let (tx, rx) = futures::channel::mpsc::unbounded();
                Some((FuturesTx::Unbounded(tx), FuturesRx::Unbounded(rx)))
            }
        }
    }
    fn clone_rx(_: &Self::Rx) -> Option<Self::Rx> {
        None
    }
    async fn send(tx: &mut Self::Tx, v: u64) {
        use futures::SinkExt;
        match tx {
            FuturesTx::Bounded(tx) => tx.send(v).await.unwrap(),
            FuturesTx::Unbounded(tx) => tx.unbounded_send(v).unwrap(),
        }
    }
    async fn recv(rx: &mut Self::Rx) -> u64 {
        use futures::StreamExt;
        match rx {
            FuturesRx::Bounded(rx) => rx.next().await.unwrap(),
            FuturesRx::Unbounded(rx) => rx.next().await.unwrap(),
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

fn check(sum: u64, n: usize) {
    assert_eq!(sum, expected_sum(n), "{WRONG_SUM}");
}

/// How long one run may take before the cell is reported as hung. The slowest healthy run is
/// about a second; a library that deadlocks (flume's async rendezvous channel with several
/// receivers does, now and then: zesterer/flume#140) must not stop the whole benchmark.
const RUN_TIMEOUT: Duration = Duration::from_secs(30);

/// The panic messages of a run that failed, as [`measure`] reports them.
const HUNG: &str = "hung";
const WRONG_SUM: &str = "messages lost or duplicated";

/// How many messages `seq` sends before it drains: the whole buffer.
fn seq_batch(cap: Cap, n: usize) -> Option<usize> {
    match cap {
        Some(0) => None,
        Some(c) => Some(c),
        None => Some(n),
    }
}

/// The work of one thread of a cell; it returns the sum of the messages it received.
type Work = Box<dyn FnOnce() -> u64 + Send>;

/// The span from the first start to the last finish of a set of workers. The workers take
/// their own times: a main thread that is descheduled while they run (2 busy vCPUs) must not
/// shrink or stretch the measurement.
fn span(times: impl IntoIterator<Item = (Instant, Instant)>) -> Duration {
    let mut first: Option<Instant> = None;
    let mut last: Option<Instant> = None;
    for (start, end) in times {
        first = Some(first.map_or(start, |f| f.min(start)));
        last = Some(last.map_or(end, |l| l.max(end)));
    }
    match (first, last) {
        (Some(first), Some(last)) => last.saturating_duration_since(first),
        _ => Duration::ZERO,
    }
}

/// Runs each piece of work on its own thread, all released at once by a barrier; returns the
/// span from the first thread's start to the last one's end, and the sum of what they received.
///
/// # Panics
///
/// With [`HUNG`] if the threads are not done within [`RUN_TIMEOUT`]; they are left behind.
fn time_threads(work: Vec<Work>) -> (Duration, u64) {
    let barrier = Arc::new(Barrier::new(work.len() + 1));
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let handles: Vec<_> = work
        .into_iter()
        .map(|w| {
            let (barrier, done_tx) = (barrier.clone(), done_tx.clone());
            thread::spawn(move || {
                barrier.wait();
                let start = Instant::now();
                let sum = w();
                // The receiver is gone only if the run was given up as hung.
                let _ = done_tx.send((start, Instant::now()));
                sum
            })
        })
        .collect();
    barrier.wait();
    let deadline = Instant::now() + RUN_TIMEOUT;
    let mut times = Vec::with_capacity(handles.len());
    for _ in 0..handles.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        match done_rx.recv_timeout(left) {
            Ok(t) => times.push(t),
            Err(_) => panic!("{HUNG}: not done after {RUN_TIMEOUT:?}"),
        }
    }
    let sum = handles.into_iter().map(|h| h.join().unwrap()).sum();
    (span(times), sum)
}

/// The work of one task of a cell; it returns the sum of the messages it received.
type Task = Pin<Box<dyn Future<Output = u64> + Send>>;

/// Spawns the tasks (in order) on the runtime; returns the span from the first task's first
/// poll to the last task's end, and the sum of what they received.
///
/// # Panics
///
/// With [`HUNG`] if the tasks are not done within [`RUN_TIMEOUT`]; they are left behind.
fn time_tasks(rt: &Runtime, tasks: Vec<Task>) -> (Duration, u64) {
    rt.block_on(async move {
        let deadline = tokio::time::Instant::now() + RUN_TIMEOUT;
        let handles: Vec<_> = tasks
            .into_iter()
            .map(|task| {
                tokio::spawn(async move {
                    let start = Instant::now();
                    let sum = task.await;
                    (sum, start, Instant::now())
                })
            })
            .collect();
        let mut sum = 0;
        let mut times = Vec::with_capacity(handles.len());
        for h in handles {
            match tokio::time::timeout_at(deadline, h).await {
                Ok(result) => {
                    let (s, start, end) = result.unwrap();
                    sum += s;
                    times.push((start, end));
                }
                Err(_) => panic!("{HUNG}: not done after {RUN_TIMEOUT:?}"),
            }
        }
        (span(times), sum)
    })
}

/// The blocking channel shapes and `ping_pong` of library `C`.
fn run_blocking<C: BlockingChan + 'static>(shape: Shape, cap: Cap, n: usize) -> Option<Duration> {
    if shape == Shape::PingPong {
        return ping_pong_blocking::<C>(cap, n);
    }
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
        check(sum, n);
        return Some(elapsed);
    }

    let (senders, receivers) = shape.parties();
    let (per_sender, per_receiver) = (n / senders, n / receivers);
    let mut rxs = Vec::new();
    for _ in 1..receivers {
        rxs.push(C::clone_rx(&rx)?);
    }
    rxs.push(rx);

    let mut work: Vec<Work> = Vec::new();
    for s in 0..senders {
        let tx = tx.clone();
        work.push(Box::new(move || {
            for v in s * per_sender..(s + 1) * per_sender {
                C::send(&tx, black_box(v as u64));
            }
            0
        }));
    }
    for rx in rxs {
        work.push(Box::new(move || {
            let mut sum = 0;
            for _ in 0..per_receiver {
                sum += black_box(C::recv(&rx));
            }
            sum
        }));
    }
    // Only the threads' handles remain, so sender and receiver counts are exact.
    drop(tx);
    let (elapsed, sum) = time_threads(work);
    check(sum, n);
    Some(elapsed)
}

/// `n` strict request/reply round trips between two threads.
fn ping_pong_blocking<C: BlockingChan + 'static>(cap: Cap, n: usize) -> Option<Duration> {
    let (req_tx, req_rx) = C::channel(cap)?;
    let (rep_tx, rep_rx) = C::channel(cap)?;
    let work: Vec<Work> = vec![
        Box::new(move || {
            let mut sum = 0;
            for v in 0..n {
                C::send(&req_tx, black_box(v as u64));
                sum += C::recv(&rep_rx);
            }
            sum
        }),
        Box::new(move || {
            for _ in 0..n {
                C::send(&rep_tx, C::recv(&req_rx));
            }
            0
        }),
    ];
    let (elapsed, sum) = time_threads(work);
    check(sum, n);
    Some(elapsed)
}

/// The async channel shapes and `ping_pong` of library `C`.
fn run_async<C: AsyncChan + 'static>(
    rt: &Runtime,
    shape: Shape,
    cap: Cap,
    n: usize,
) -> Option<Duration> {
    if shape == Shape::PingPong {
        return ping_pong_async::<C>(rt, cap, n);
    }
    let (tx, rx) = C::channel(cap)?;
    if shape == Shape::Seq {
        let batch = seq_batch(cap, n)?;
        let (elapsed, sum) = rt
            .block_on(rt.spawn(async move {
                let (mut tx, mut rx) = (tx, rx);
                let start = Instant::now();
                let mut sum = 0;
                let mut sent = 0;
                while sent < n {
                    let k = batch.min(n - sent);
                    for v in sent..sent + k {
                        C::send(&mut tx, black_box(v as u64)).await;
                    }
                    for _ in 0..k {
                        sum += black_box(C::recv(&mut rx).await);
                    }
                    sent += k;
                }
                (start.elapsed(), sum)
            }))
            .unwrap();
        check(sum, n);
        return Some(elapsed);
    }

    let (senders, receivers) = shape.parties();
    let (per_sender, per_receiver) = (n / senders, n / receivers);
    let mut rxs = Vec::new();
    for _ in 1..receivers {
        rxs.push(C::clone_rx(&rx)?);
    }
    rxs.push(rx);

    let mut tasks: Vec<Task> = Vec::new();
    for mut rx in rxs {
        tasks.push(Box::pin(async move {
            let mut sum = 0;
            for _ in 0..per_receiver {
                sum += black_box(C::recv(&mut rx).await);
            }
            sum
        }));
    }
    for s in 0..senders {
        let mut tx = tx.clone();
        tasks.push(Box::pin(async move {
            for v in s * per_sender..(s + 1) * per_sender {
                C::send(&mut tx, black_box(v as u64)).await;
            }
            0
        }));
    }
    drop(tx);
    let (elapsed, sum) = time_tasks(rt, tasks);
    check(sum, n);
    Some(elapsed)
}

/// `n` strict request/reply round trips between two tasks.
fn ping_pong_async<C: AsyncChan + 'static>(rt: &Runtime, cap: Cap, n: usize) -> Option<Duration> {
    let (mut req_tx, mut req_rx) = C::channel(cap)?;
    let (mut rep_tx, mut rep_rx) = C::channel(cap)?;
    let tasks: Vec<Task> = vec![
        Box::pin(async move {
            let mut sum = 0;
            for v in 0..n {
                C::send(&mut req_tx, black_box(v as u64)).await;
                sum += C::recv(&mut rep_rx).await;
            }
            sum
        }),
        Box::pin(async move {
            for _ in 0..n {
                let v = C::recv(&mut req_rx).await;
                C::send(&mut rep_tx, v).await;
            }
            0
        }),
    ];
    let (elapsed, sum) = time_tasks(rt, tasks);
    check(sum, n);
    Some(elapsed)
}

// ---------------------------------------------------------------------------------------------
// Select runners
// ---------------------------------------------------------------------------------------------

/// The number of channels, of selecting senders and of selecting receivers in the select
/// shapes, as in crossbeam-channel's suite.
const SELECT_CHANNELS: usize = 4;

/// Splits 4 handles into an array so that the select macros can name each one.
fn four<T>(v: Vec<T>) -> [T; SELECT_CHANNELS] {
    match v.try_into() {
        Ok(a) => a,
        Err(_) => unreachable!("exactly {SELECT_CHANNELS} channels"),
    }
}

/// The blocking select cells of a library whose select macro has crossbeam's syntax
/// (`recv(rx) -> v => ..`, `send(tx, msg) -> res => ..`): gochan's `select_blocking!` and
/// `crossbeam_channel::select!`. `$lib` implements [`BlockingChan`]; a receive gives an
/// `Option` or a `Result` and a send a `Result`, hence the `unwrap`s.
macro_rules! blocking_select_runner {
    ($name:ident, $lib:ty, $($select:ident)::+) => {
        fn $name(shape: Shape, cap: Cap, n: usize) -> Option<Duration> {
            let chans: Vec<_> = (0..SELECT_CHANNELS)
                .map(|_| <$lib as BlockingChan>::channel(cap))
                .collect::<Option<_>>()?;
            let txs: Vec<_> = chans.iter().map(|(tx, _)| tx.clone()).collect();
            let rxs: Vec<_> = chans.iter().map(|(_, rx)| rx.clone()).collect();
            let per = n / SELECT_CHANNELS;
            let mut work: Vec<Work> = Vec::new();
            match shape {
                Shape::SelectRx => {
                    let [r0, r1, r2, r3] = four(rxs);
                    work.push(Box::new(move || {
                        let mut sum = 0;
                        for _ in 0..n {
                            sum += black_box($($select)::+! {
                                recv(r0) -> v => v.unwrap(),
                                recv(r1) -> v => v.unwrap(),
                                recv(r2) -> v => v.unwrap(),
                                recv(r3) -> v => v.unwrap(),
                            });
                        }
                        sum
                    }));
                    for (s, tx) in txs.into_iter().enumerate() {
                        work.push(Box::new(move || {
                            for v in s * per..(s + 1) * per {
                                <$lib as BlockingChan>::send(&tx, black_box(v as u64));
                            }
                            0
                        }));
                    }
                }
                Shape::SelectBoth => {
                    for _ in 0..SELECT_CHANNELS {
                        let [r0, r1, r2, r3] = four(rxs.clone());
                        work.push(Box::new(move || {
                            let mut sum = 0;
                            for _ in 0..per {
                                sum += black_box($($select)::+! {
                                    recv(r0) -> v => v.unwrap(),
                                    recv(r1) -> v => v.unwrap(),
                                    recv(r2) -> v => v.unwrap(),
                                    recv(r3) -> v => v.unwrap(),
                                });
                            }
                            sum
                        }));
                    }
                    for s in 0..SELECT_CHANNELS {
                        let [t0, t1, t2, t3] = four(txs.clone());
                        work.push(Box::new(move || {
                            for v in s * per..(s + 1) * per {
                                let v = black_box(v as u64);
                                $($select)::+! {
                                    send(t0, v) -> r => r.unwrap(),
                                    send(t1, v) -> r => r.unwrap(),
                                    send(t2, v) -> r => r.unwrap(),
                                    send(t3, v) -> r => r.unwrap(),
                                }
                            }
                            0
                        }));
                    }
                }
                _ => return None,
            }
            // `chans` keeps every channel open until all threads are done: a channel whose
            // sender finished must not turn into an always-ready closed case.
            let (elapsed, sum) = time_threads(work);
            drop(chans);
            check(sum, n);
            Some(elapsed)
        }
    };
}

blocking_select_runner!(select_blocking_gochan, Gochan, gochan::select_blocking);
blocking_select_runner!(
    select_blocking_crossbeam,
    Crossbeam,
    crossbeam_channel::select
);

/// The async select cells of gochan: its `select!` macro in tokio tasks.
fn select_async_gochan(rt: &Runtime, shape: Shape, cap: Cap, n: usize) -> Option<Duration> {
    let chans: Vec<_> = (0..SELECT_CHANNELS)
        .map(|_| <Gochan as AsyncChan>::channel(cap))
        .collect::<Option<_>>()?;
    let txs: Vec<_> = chans.iter().map(|(tx, _)| tx.clone()).collect();
    let rxs: Vec<_> = chans.iter().map(|(_, rx)| rx.clone()).collect();
    let per = n / SELECT_CHANNELS;
    let mut tasks: Vec<Task> = Vec::new();
    let recv_task = |rxs: Vec<gochan::Receiver<u64>>, count: usize| -> Task {
        let [r0, r1, r2, r3] = four(rxs);
        Box::pin(async move {
            let mut sum = 0;
            for _ in 0..count {
                sum += black_box(gochan::select! {
                    recv(r0) -> v => v.unwrap(),
                    recv(r1) -> v => v.unwrap(),
                    recv(r2) -> v => v.unwrap(),
                    recv(r3) -> v => v.unwrap(),
                });
            }
            sum
        })
    };
    match shape {
        Shape::SelectRx => {
            tasks.push(recv_task(rxs, n));
            for (s, tx) in txs.into_iter().enumerate() {
                tasks.push(Box::pin(async move {
                    for v in s * per..(s + 1) * per {
                        tx.send(black_box(v as u64)).await.unwrap();
                    }
                    0
                }));
            }
        }
        Shape::SelectBoth => {
            for _ in 0..SELECT_CHANNELS {
                tasks.push(recv_task(rxs.clone(), per));
            }
            for s in 0..SELECT_CHANNELS {
                let [t0, t1, t2, t3] = four(txs.clone());
                tasks.push(Box::pin(async move {
                    for v in s * per..(s + 1) * per {
                        let v = black_box(v as u64);
                        gochan::select! {
                            send(t0, v) -> r => r.unwrap(),
                            send(t1, v) -> r => r.unwrap(),
                            send(t2, v) -> r => r.unwrap(),
                            send(t3, v) -> r => r.unwrap(),
                        }
                    }
                    0
                }));
            }
        }
        _ => return None,
    }
    let (elapsed, sum) = time_tasks(rt, tasks);
    drop(chans);
    check(sum, n);
    Some(elapsed)
}

/// The async select cells of a peer: `tokio::select!` over the futures of library `C`.
///
/// `tokio::select!` drops the futures that lose. That is safe for the receive futures of tokio
/// mpsc and async-channel (a message is taken only by the poll that returns it), and a losing
/// send future is dropped with its copy of the value, which the next iteration sends again;
/// the sum of what is received checks both.
fn select_async_peer<C: AsyncChan + 'static>(
    rt: &Runtime,
    shape: Shape,
    cap: Cap,
    n: usize,
) -> Option<Duration> {
    let mut txs = Vec::new();
    let mut rxs = Vec::new();
    for _ in 0..SELECT_CHANNELS {
        let (tx, rx) = C::channel(cap)?;
        txs.push(tx);
        rxs.push(rx);
    }
    let per = n / SELECT_CHANNELS;
    let recv_task = |rxs: Vec<C::Rx>, count: usize| -> Task {
        let [mut r0, mut r1, mut r2, mut r3] = four(rxs);
        Box::pin(async move {
            let mut sum = 0;
            for _ in 0..count {
                sum += black_box(tokio::select! {
                    v = C::recv(&mut r0) => v,
                    v = C::recv(&mut r1) => v,
                    v = C::recv(&mut r2) => v,
                    v = C::recv(&mut r3) => v,
                });
            }
            sum
        })
    };
    let mut tasks: Vec<Task> = Vec::new();
    match shape {
        Shape::SelectRx => {
            tasks.push(recv_task(rxs, n));
            for (s, mut tx) in txs.iter().cloned().enumerate() {
                tasks.push(Box::pin(async move {
                    for v in s * per..(s + 1) * per {
                        C::send(&mut tx, black_box(v as u64)).await;
                    }
                    0
                }));
            }
        }
        Shape::SelectBoth => {
            // Every receiving task selects over all 4 channels: a multi-consumer channel.
            for _ in 1..SELECT_CHANNELS {
                let clones = rxs.iter().map(C::clone_rx).collect::<Option<_>>()?;
                tasks.push(recv_task(clones, per));
            }
            tasks.push(recv_task(rxs, per));
            for s in 0..SELECT_CHANNELS {
                let [mut t0, mut t1, mut t2, mut t3] = four(txs.clone());
                tasks.push(Box::pin(async move {
                    for v in s * per..(s + 1) * per {
                        let v = black_box(v as u64);
                        tokio::select! {
                            () = C::send(&mut t0, v) => {}
                            () = C::send(&mut t1, v) => {}
                            () = C::send(&mut t2, v) => {}
                            () = C::send(&mut t3, v) => {}
                        }
                    }
                    0
                }));
            }
        }
        _ => return None,
    }
    // `txs` keeps every channel open until all tasks are done.
    let (elapsed, sum) = time_tasks(rt, tasks);
    drop(txs);
    check(sum, n);
    Some(elapsed)
}

// ---------------------------------------------------------------------------------------------
// Idle CPU: what a parked thread costs
// ---------------------------------------------------------------------------------------------

/// The clock ticks per second of `/proc/self/stat` (`USER_HZ`, 100 on Linux).
const CLOCK_TICKS: f64 = 100.0;

/// How long the parked thread is watched.
const IDLE_WINDOW: Duration = Duration::from_secs(1);

/// The user + system CPU time of the whole process in clock ticks: fields 14 and 15 of
/// `/proc/self/stat`.
fn process_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) is in parentheses and may hold spaces; field 3 follows it.
    let fields: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
    let field = |n: usize| fields.get(n - 3)?.parse::<u64>().ok();
    Some(field(14)? + field(15)?)
}

/// A thread's id as `/proc/thread-self` names it, read by the thread itself.
fn own_tid() -> Option<String> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    Some(link.file_name()?.to_str()?.to_string())
}

/// The CPU time in nanoseconds of thread `tid` of this process (first field of `schedstat`).
fn thread_cpu_ns(tid: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat")).ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// The voluntary + involuntary context switches of thread `tid`: how often it ran.
fn thread_switches(tid: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/self/task/{tid}/status")).ok()?;
    let mut total = 0;
    for line in s.lines() {
        if line.starts_with("voluntary_ctxt_switches") || line.starts_with("nonvoluntary_ctxt") {
            total += line.split_whitespace().nth(1)?.parse::<u64>().ok()?;
        }
    }
    Some(total)
}

struct Idle {
    /// Whole-process CPU over the window, in percent of one core (10 ms = 1 % resolution).
    process_pct: Option<f64>,
    /// CPU of the parked thread over the window, in microseconds.
    thread_us: Option<f64>,
    /// Times the parked thread was scheduled during the window.
    switches: Option<u64>,
}

/// A blocking wait to watch: `park` blocks until `wake` runs.
struct Parked {
    park: Box<dyn FnOnce() + Send>,
    wake: Box<dyn FnOnce()>,
}

/// Parks one thread in `parked.park`, lets it settle (past any spinning), then watches the
/// process and the thread for [`IDLE_WINDOW`] while the main thread sleeps.
fn measure_idle(parked: Parked) -> Idle {
    let (tid_tx, tid_rx) = std::sync::mpsc::channel();
    let park = parked.park;
    let handle = thread::spawn(move || {
        tid_tx.send(own_tid()).unwrap();
        park();
    });
    let tid = tid_rx.recv().unwrap();
    thread::sleep(Duration::from_millis(200));

    let thread_cpu = || tid.as_deref().and_then(thread_cpu_ns);
    let switches = || tid.as_deref().and_then(thread_switches);
    let (p0, c0, s0) = (process_ticks(), thread_cpu(), switches());
    let start = Instant::now();
    thread::sleep(IDLE_WINDOW);
    let (p1, c1, s1) = (process_ticks(), thread_cpu(), switches());
    let secs = start.elapsed().as_secs_f64();

    (parked.wake)();
    handle.join().unwrap();
    Idle {
        process_pct: p0
            .zip(p1)
            .map(|(a, b)| (b - a) as f64 / CLOCK_TICKS / secs * 100.0),
        thread_us: c0.zip(c1).map(|(a, b)| (b - a) as f64 / 1e3 / secs),
        switches: s0.zip(s1).map(|(a, b)| b - a),
    }
}

/// Builds a fresh wait to watch.
type MakeParked = Box<dyn Fn() -> Parked>;

/// The waits watched by the idle measurement. Each waits on a rendezvous channel whose sender
/// stays silent; waking it is closing the channel.
fn idle_cases() -> Vec<(&'static str, MakeParked)> {
    vec![
        (
            "gochan recv_blocking",
            Box::new(|| {
                let (tx, rx) = gochan::bounded::<u64>(0);
                Parked {
                    park: Box::new(move || assert!(rx.recv_blocking().is_none())),
                    wake: Box::new(move || drop(tx)),
                }
            }),
        ),
        (
            "gochan select_blocking! (2 channels)",
            Box::new(|| {
                let (tx0, rx0) = gochan::bounded::<u64>(0);
                let (tx1, rx1) = gochan::bounded::<u64>(0);
                Parked {
                    park: Box::new(move || {
                        gochan::select_blocking! {
                            recv(rx0) -> v => assert!(v.is_none()),
                            recv(rx1) -> v => assert!(v.is_none()),
                        }
                    }),
                    wake: Box::new(move || drop((tx0, tx1))),
                }
            }),
        ),
        (
            "crossbeam-channel recv",
            Box::new(|| {
                let (tx, rx) = crossbeam_channel::bounded::<u64>(0);
                Parked {
                    park: Box::new(move || assert!(rx.recv().is_err())),
                    wake: Box::new(move || drop(tx)),
                }
            }),
        ),
        (
            "crossbeam-channel select! (2 channels)",
            Box::new(|| {
                let (tx0, rx0) = crossbeam_channel::bounded::<u64>(0);
                let (tx1, rx1) = crossbeam_channel::bounded::<u64>(0);
                Parked {
                    park: Box::new(move || {
                        crossbeam_channel::select! {
                            recv(rx0) -> v => assert!(v.is_err()),
                            recv(rx1) -> v => assert!(v.is_err()),
                        }
                    }),
                    wake: Box::new(move || drop((tx0, tx1))),
                }
            }),
        ),
        (
            "flume recv",
            Box::new(|| {
                let (tx, rx) = flume::bounded::<u64>(0);
                Parked {
                    park: Box::new(move || assert!(rx.recv().is_err())),
                    wake: Box::new(move || drop(tx)),
                }
            }),
        ),
        (
            "kanal recv",
            Box::new(|| {
                let (tx, rx) = kanal::bounded::<u64>(0);
                Parked {
                    park: Box::new(move || assert!(rx.recv().is_err())),
                    wake: Box::new(move || drop(tx)),
                }
            }),
        ),
    ]
}

/// Measures and prints the idle table (the cases whose `idle/<name>` the filters select).
fn idle_report(config: &Config) {
    let rows: Vec<(&str, Idle)> = idle_cases()
        .into_iter()
        .filter(|(name, _)| config.selects(&format!("idle/{name}")))
        .map(|(name, make)| {
            let idle = measure_idle(make());
            eprintln!(
                "idle/{name}: process {:?} %, thread {:?} us, {:?} wake-ups",
                idle.process_pct, idle.thread_us, idle.switches
            );
            (name, idle)
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    let opt =
        |v: Option<f64>, digits: usize| v.map_or("n/a".to_string(), |v| format!("{v:.digits$}"));
    println!(
        "## idle: one thread parked for {} s, nothing else running\n",
        IDLE_WINDOW.as_secs_f64()
    );
    println!(
        "Process CPU is `utime + stime` of `/proc/self/stat` (clock ticks of 10 ms, so its \
         resolution is 1 % of a core over 1 s); the parked thread's CPU and wake-ups are \
         `/proc/self/task/<tid>/schedstat` and the context switches of its `status`, read \
         from the main thread.\n"
    );
    println!("| parked in | process CPU (% of one core) | parked thread CPU (µs/s) | parked thread wake-ups |");
    println!("|---|---:|---:|---:|");
    for (name, idle) in rows {
        println!(
            "| {name} | {} | {} | {} |",
            opt(idle.process_pct, 1),
            opt(idle.thread_us, 1),
            idle.switches.map_or("n/a".to_string(), |s| s.to_string()),
        );
    }
    println!();
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
        ("std-mpsc", Box::new(run_blocking::<StdMpsc>)),
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
        (
            "futures-channel",
            Box::new(|s, c, n| run_async::<FuturesChannel>(rt, s, c, n)),
        ),
    ]
}

fn blocking_select_libs() -> Vec<(&'static str, Runner<'static>)> {
    vec![
        (GOCHAN, Box::new(select_blocking_gochan)),
        ("crossbeam-channel", Box::new(select_blocking_crossbeam)),
    ]
}

fn async_select_libs(rt: &Runtime) -> Vec<(&'static str, Runner<'_>)> {
    vec![
        (GOCHAN, Box::new(|s, c, n| select_async_gochan(rt, s, c, n))),
        (
            "tokio-mpsc",
            Box::new(|s, c, n| select_async_peer::<Tokio>(rt, s, c, n)),
        ),
        (
            "async-channel",
            Box::new(|s, c, n| select_async_peer::<AsyncChannel>(rt, s, c, n)),
        ),
    ]
}

/// One pair of tables: a mode, a group of rows, the libraries measured on them.
struct Table<'a> {
    mode: Mode,
    /// "" for the channel shapes, else the group's name ("select", "ping_pong").
    group: &'static str,
    unit: &'static str,
    rows: Vec<(Shape, Cap)>,
    /// The `n` each run is given (messages, or round trips), and the divisor of its time.
    ops: usize,
    libs: Vec<(&'static str, Runner<'a>)>,
}

/// Nanoseconds per message over the runs of one cell.
struct Stats {
    median: f64,
    min: f64,
    max: f64,
    /// One time per round, in round order (for the paired ratios).
    rounds: Vec<f64>,
}

/// The median of `values` (not empty).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

impl Stats {
    fn new(rounds: Vec<f64>) -> Stats {
        let min = rounds.iter().copied().fold(f64::INFINITY, f64::min);
        let max = rounds.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Stats {
            median: median(rounds.clone()),
            min,
            max,
            rounds,
        }
    }

    /// `self / other`: the median of the ratios of the rounds they share.
    fn ratio(&self, other: &Stats) -> f64 {
        let paired: Vec<f64> = self
            .rounds
            .iter()
            .zip(&other.rounds)
            .map(|(a, b)| a / b)
            .collect();
        median(paired)
    }
}

enum Cell {
    /// Filtered out by the command line.
    Skipped,
    /// The library has no channel for this cell.
    NotApplicable,
    Measured(Stats),
    /// A run hung or lost messages: what happened, in which run.
    Failed(String),
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

/// What one library has given so far in one row.
enum Progress {
    Running(Vec<f64>),
    Done(Cell),
}

/// Runs every selected cell of one table; `cells[row][lib]`. The libraries of a row take
/// turns, one run each per round, each round starting with the next library.
fn measure(config: &Config, table: &Table<'_>) -> Vec<Vec<Cell>> {
    table
        .rows
        .iter()
        .map(|&(shape, cap)| {
            let key = |lib: &str| {
                format!(
                    "{}/{}/{}/{lib}",
                    table.mode.name(),
                    shape.name(),
                    cap_name(cap)
                )
            };
            let libs = table.libs.len();
            let mut progress: Vec<Progress> = table
                .libs
                .iter()
                .map(|(lib, _)| {
                    if config.selects(&key(lib)) {
                        Progress::Running(Vec::with_capacity(config.runs))
                    } else {
                        Progress::Done(Cell::Skipped)
                    }
                })
                .collect();
            for round in 0..config.runs {
                for turn in 0..libs {
                    let l = (round + turn) % libs;
                    let Progress::Running(samples) = &mut progress[l] else {
                        continue;
                    };
                    let (lib, run) = &table.libs[l];
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        run(shape, cap, table.ops)
                    }));
                    match result {
                        Ok(Some(t)) => samples.push(t.as_nanos() as f64 / table.ops as f64),
                        Ok(None) => {
                            eprintln!("{}: n/a", key(lib));
                            progress[l] = Progress::Done(Cell::NotApplicable);
                        }
                        Err(payload) => {
                            let msg = payload
                                .downcast_ref::<String>()
                                .map(String::as_str)
                                .or_else(|| payload.downcast_ref::<&str>().copied())
                                .unwrap_or("");
                            let what = if msg.starts_with(HUNG) {
                                HUNG
                            } else if msg.contains(WRONG_SUM) {
                                "lost messages"
                            } else {
                                "panicked"
                            };
                            let failed = format!("{what} (run {} of {})", round + 1, config.runs);
                            eprintln!("{}: {failed}", key(lib));
                            progress[l] = Progress::Done(Cell::Failed(failed));
                        }
                    }
                }
            }
            progress
                .into_iter()
                .zip(&table.libs)
                .map(|(p, (lib, _))| match p {
                    Progress::Done(cell) => cell,
                    Progress::Running(samples) => {
                        let stats = Stats::new(samples);
                        eprintln!(
                            "{}: {:.1} {} ({:.1}-{:.1})",
                            key(lib),
                            stats.median,
                            table.unit,
                            stats.min,
                            stats.max
                        );
                        Cell::Measured(stats)
                    }
                })
                .collect()
        })
        .collect()
}

/// Prints the time table and the gochan/peer ratio table of one table.
fn report(table: &Table<'_>, cells: &[Vec<Cell>]) {
    let libs: Vec<&str> = table.libs.iter().map(|(name, _)| *name).collect();
    let rows = &table.rows;
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
    let title = if table.group.is_empty() {
        table.mode.name().to_string()
    } else {
        format!("{} {}", table.mode.name(), table.group)
    };

    println!("## {title} ({}, median (min-max))\n", table.unit);
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
                Cell::Failed(what) => what.clone(),
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
        "## {title}: gochan / peer (median of the per-round ratios; below 1 means gochan is \
         faster)\n"
    );
    let header: Vec<&str> = peers.iter().map(|&l| libs[l]).collect();
    println!("| shape | cap | {} |", header.join(" | "));
    println!("|---|---|{}", "---:|".repeat(peers.len()));
    for (i, row) in cells.iter().enumerate().filter(|(i, _)| row_used[*i]) {
        let values: Vec<String> = peers
            .iter()
            .map(|&l| match (&row[g], &row[l]) {
                (Cell::Measured(ours), Cell::Measured(theirs)) => {
                    format!("{:.2}", ours.ratio(theirs))
                }
                (_, Cell::NotApplicable) => "n/a".to_string(),
                (Cell::Failed(_), _) | (_, Cell::Failed(_)) => "-".to_string(),
                _ => String::new(),
            })
            .collect();
        println!("| {} | {} |", row_label(i), values.join(" | "));
    }
    println!();
}

/// The channel, select and ping_pong tables of an async mode, whose tasks run on `rt`.
fn async_tables(mode: Mode, rt: &Runtime, msgs: usize) -> [Table<'_>; 3] {
    [
        Table {
            mode,
            group: "",
            unit: "ns/msg",
            rows: channel_rows(),
            ops: msgs,
            libs: async_libs(rt),
        },
        Table {
            mode,
            group: "select",
            unit: "ns/msg",
            rows: select_rows(),
            ops: msgs,
            libs: async_select_libs(rt),
        },
        Table {
            mode,
            group: "ping_pong",
            unit: "ns/round trip",
            rows: ping_pong_rows(),
            ops: round_trips(msgs),
            libs: async_libs(rt),
        },
    ]
}

fn run_tables(config: &Config, tables: &[Table<'_>]) {
    for table in tables {
        let cells = measure(config, table);
        report(table, &cells);
    }
}

fn main() {
    let config = Config::from_env();
    let started = Instant::now();
    println!("# gochan channel benchmarks\n");
    println!(
        "{} messages per cell ({} round trips per `ping_pong` cell), median of {} run(s), {} \
         CPU(s); async mode: tokio multi-thread runtime, 2 workers; async-current-thread mode: \
         tokio current_thread runtime, every task on one thread; mpsc = 4 senders, mpmc = 4 \
         senders + 4 receivers; select_rx = 4 senders on 4 channels + 1 selecting receiver; \
         select_both = 4 selecting senders + 4 selecting receivers over 4 channels; \
         futures-channel's `channel(cap)` holds cap + 1 message per sender and its \
         `channel(0)` is no rendezvous, so its cap-0 cells are n/a.\n",
        config.msgs,
        round_trips(config.msgs),
        config.runs,
        thread::available_parallelism().map_or(1, |n| n.get()),
    );

    // First, while the process has no other thread.
    idle_report(&config);

    let msgs = config.msgs;
    let trips = round_trips(msgs);
    run_tables(
        &config,
        &[
            Table {
                mode: Mode::Blocking,
                group: "",
                unit: "ns/msg",
                rows: channel_rows(),
                ops: msgs,
                libs: blocking_libs(),
            },
            Table {
                mode: Mode::Blocking,
                group: "select",
                unit: "ns/msg",
                rows: select_rows(),
                ops: msgs,
                libs: blocking_select_libs(),
            },
            Table {
                mode: Mode::Blocking,
                group: "ping_pong",
                unit: "ns/round trip",
                rows: ping_pong_rows(),
                ops: trips,
                libs: blocking_libs(),
            },
        ],
    );

    let multi_thread = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    run_tables(&config, &async_tables(Mode::Async, &multi_thread, msgs));
    // The tasks of a cell given up as hung must not run beside the next mode's cells; they
    // are dropped at their next yield.
    multi_thread.shutdown_timeout(Duration::from_secs(1));

    let current_thread = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    run_tables(
        &config,
        &async_tables(Mode::AsyncCurrentThread, &current_thread, msgs),
    );
    eprintln!("total: {:.0} s", started.elapsed().as_secs_f64());
}
