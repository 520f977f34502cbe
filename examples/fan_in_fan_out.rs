//! Fan-out and fan-in, as in Go's "Pipelines and cancellation" article, on threads.
//!
//! Fan-out: several workers receive from one channel (a cloned `Receiver`), so the work is
//! spread over them; each message goes to exactly one worker. Fan-in: `merge` starts one
//! forwarding thread per input channel and closes the output when all of them are done,
//! with a `WaitGroup`, exactly as the Go article's `merge` does.
//!
//! Part 2 is the article's "stopping short": the consumer takes two values and leaves. Go
//! needs an explicit `done` channel threaded through every stage; here dropping the receiver
//! closes the channel, every send upstream fails, and each stage returns on its own.
//!
//! Run it with `cargo run --example fan_in_fan_out`.

use std::thread;
use std::time::Duration;

use gochan::sync::WaitGroup;
use gochan::{bounded, Receiver};

/// Sends `nums` and closes its output (Go: `gen`).
fn generate(nums: Vec<u64>) -> Receiver<u64> {
    let (tx, rx) = bounded(0);
    thread::spawn(move || {
        for n in nums {
            if tx.send_blocking(n).is_err() {
                return;
            }
        }
    });
    rx
}

/// One worker: squares what it receives until its input is closed (Go: `sq`). The
/// simulated work makes the spread over workers visible.
fn square(id: usize, input: Receiver<u64>, stopped: WaitGroup) -> Receiver<(usize, u64)> {
    let (tx, rx) = bounded(0);
    thread::spawn(move || {
        for n in &input {
            thread::sleep(Duration::from_millis(2));
            if tx.send_blocking((id, n * n)).is_err() {
                break; // nobody reads our output any more
            }
        }
        stopped.done();
    });
    rx
}

/// Forwards every input to one output, closed once every input is drained (Go: `merge`).
fn merge<T: Send + 'static>(inputs: Vec<Receiver<T>>) -> Receiver<T> {
    let (tx, rx) = bounded(0);
    let wg = WaitGroup::new();
    for input in inputs {
        wg.add(1);
        let (tx, wg) = (tx.clone(), wg.clone());
        thread::spawn(move || {
            for v in &input {
                if tx.send_blocking(v).is_err() {
                    break;
                }
            }
            wg.done();
        });
    }
    // Go: go func() { wg.Wait(); close(out) }(). Here the last Sender dropped closes it: the
    // forwarders own clones, and this thread owns the original until every forwarder is done.
    thread::spawn(move || {
        wg.wait_blocking();
        drop(tx);
    });
    rx
}

fn main() {
    const WORKERS: usize = 3;

    println!("fan-out: {WORKERS} workers share one input channel; fan-in: merge their outputs");
    let stopped = WaitGroup::new();
    let input = generate((1..=12).collect());
    let outputs = (0..WORKERS)
        .map(|id| {
            stopped.add(1);
            square(id, input.clone(), stopped.clone())
        })
        .collect();
    drop(input); // the workers hold the clones
    let mut per_worker = [0usize; WORKERS];
    let mut sum = 0;
    for (id, sq) in merge(outputs) {
        println!("  worker {id} -> {sq}");
        per_worker[id] += 1;
        sum += sq;
    }
    stopped.wait_blocking();
    assert_eq!(sum, (1..=12u64).map(|n| n * n).sum::<u64>());
    assert_eq!(per_worker.iter().sum::<usize>(), 12);
    println!("fan-in: sum of squares {sum}; messages per worker {per_worker:?}");

    println!("stopping short: take 2 results of 1000, then drop the receiver");
    let stopped = WaitGroup::new();
    let input = generate((1..=1000).collect());
    let outputs = (0..WORKERS)
        .map(|id| {
            stopped.add(1);
            square(id, input.clone(), stopped.clone())
        })
        .collect();
    drop(input);
    let out = merge(outputs);
    let first: Vec<(usize, u64)> = out.iter().take(2).collect();
    println!("  took {first:?}");
    drop(out); // Go: close(done); here the dropped receiver is the signal
    stopped.wait_blocking();
    println!("  every worker returned; no goroutine-style leak");

    println!("summary: {WORKERS} workers squared 12 numbers, then stopped early after 2 of 1000");
}
