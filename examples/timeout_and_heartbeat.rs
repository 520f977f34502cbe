//! Timeouts and heartbeats, from "Concurrency in Go" (chapter 5), on threads.
//!
//! A worker sends a result now and then and a heartbeat on every pulse of a ticker. The
//! heartbeat is sent with `try_send` on a one-slot channel, Go's
//! `select { case heartbeat <- struct{}{}: default: }`: a worker never blocks because nobody
//! listens to its pulse. The monitor waits on results, heartbeats and a fresh `after(timeout)`
//! each round, so a worker that goes silent is noticed within one timeout, and cancelled.
//!
//! Part 1 watches a healthy worker to its end. Part 2 watches a worker that hangs after two
//! results: the monitor declares it unhealthy and cancels its context, which unblocks it.
//! Part 3 shows the two ways to bound a single call: `recv_timeout` and a context deadline.
//!
//! Run it with `cargo run --example timeout_and_heartbeat`.

use std::thread;
use std::time::{Duration, Instant};

use gochan::context::{CancelFunc, Context};
use gochan::time::Timer;
use gochan::{after, bounded, select_blocking, tick, Receiver, RecvTimeoutError};

const PULSE: Duration = Duration::from_millis(25);
const WORK: Duration = Duration::from_millis(60);

/// Starts a worker producing `total` results, one per `WORK`. With `hang_after`, it stops
/// producing (and pulsing) after that many, until its context is cancelled.
fn start_worker(
    ctx: Context,
    total: u32,
    hang_after: Option<u32>,
) -> (Receiver<()>, Receiver<u32>) {
    let (heartbeat_tx, heartbeat) = bounded(1);
    let (results_tx, results) = bounded(0);
    thread::spawn(move || {
        let pulse = tick(PULSE);
        let work = Timer::new(WORK);
        let mut n = 0;
        loop {
            select_blocking! {
                recv(ctx.done()) -> _ => return,
                recv(pulse) -> _ => {
                    let _ = heartbeat_tx.try_send(()); // nobody listening is fine
                },
                recv(work.receiver()) -> _ => {
                    n += 1;
                    if results_tx.send_blocking(n).is_err() || n == total {
                        return; // done, or nobody wants results any more
                    }
                    if hang_after == Some(n) {
                        // A stuck call: no pulse, no result, until someone cancels us.
                        ctx.done().recv_blocking();
                        println!("  worker: unblocked by the cancel ({:?})", ctx.err());
                        return;
                    }
                    work.reset(WORK);
                },
            }
        }
    });
    (heartbeat, results)
}

/// Watches a worker; returns the results it got and whether the worker ended by itself.
fn monitor(
    heartbeat: Receiver<()>,
    results: Receiver<u32>,
    cancel: CancelFunc,
) -> (Vec<u32>, bool) {
    // Generous: a loaded machine can pause a thread for a while without it being hung.
    let timeout = PULSE * 16;
    let (mut got, mut pulses) = (Vec::new(), 0);
    loop {
        select_blocking! {
            recv(heartbeat) -> _ => pulses += 1,
            recv(results) -> r => match r {
                Some(v) => {
                    println!("  result {v} (after {pulses} pulses)");
                    got.push(v);
                }
                None => return (got, true), // the worker closed its results: it is done
            },
            recv(after(timeout)) -> _ => {
                println!("  no heartbeat for {timeout:?}: the worker is unhealthy, cancelling it");
                cancel.cancel();
                return (got, false);
            },
        }
    }
}

fn main() {
    println!("heartbeats: pulse every {PULSE:?}, a result every {WORK:?}");

    println!("part 1: a healthy worker");
    let (ctx, cancel) = Context::background().with_cancel();
    let (heartbeat, results) = start_worker(ctx, 3, None);
    let (got, finished) = monitor(heartbeat, results, cancel);
    assert!(finished);
    assert_eq!(got, vec![1, 2, 3]);

    println!("part 2: a worker that hangs after 2 results");
    let (ctx, cancel) = Context::background().with_cancel();
    let watched = ctx.clone();
    let (heartbeat, results) = start_worker(ctx, 10, Some(2));
    let (got, finished) = monitor(heartbeat, results, cancel);
    assert!(!finished);
    assert_eq!(got, vec![1, 2]);
    assert!(watched.err().is_some());
    thread::sleep(Duration::from_millis(20)); // let the worker print its goodbye

    println!("part 3: bounding one slow call (it takes a second)");
    let slow_call = || {
        let (tx, rx) = bounded(1);
        thread::spawn(move || {
            thread::sleep(Duration::from_secs(1));
            let _ = tx.send_blocking("answer"); // fails quietly if the caller gave up
        });
        rx
    };
    let start = Instant::now();
    let rx = slow_call();
    match rx.recv_timeout(Duration::from_millis(50)) {
        Err(RecvTimeoutError::Timeout) => println!(
            "  recv_timeout: gave up after {:.0} ms",
            start.elapsed().as_secs_f64() * 1000.0
        ),
        other => panic!("expected a timeout, got {other:?}"),
    }

    let start = Instant::now();
    let (ctx, _cancel) = Context::background().with_timeout(Duration::from_millis(50));
    let rx = slow_call();
    let outcome = select_blocking! {
        recv(rx) -> v => Ok(v),
        recv(ctx.done()) -> _ => Err(ctx.err()),
    };
    println!(
        "  context deadline: {outcome:?} after {:.0} ms",
        start.elapsed().as_secs_f64() * 1000.0
    );
    assert!(outcome.is_err());

    println!("summary: a healthy worker finished, a hung one was caught and cancelled, two calls timed out");
}
