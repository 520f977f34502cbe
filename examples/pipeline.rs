//! A Go-style pipeline on plain threads, then a fan-in with `select_blocking!`.
//!
//! Part 1 is the pipeline from Go's "Pipelines and cancellation" article: a generator stage, a
//! squaring stage and a printing stage, each a thread, connected by bounded channels. A stage
//! closes its output by dropping its `Sender`, which ends the next stage's `for v in &rx` loop.
//!
//! Part 2 merges two producers with `select_blocking!`. A producer that closes its channel is
//! replaced by `None` (Go's nil channel, never ready), and an `after(1s)` case gives up on a
//! producer that goes quiet.
//!
//! Run it with `cargo run --release --example pipeline`.

use std::thread;
use std::time::{Duration, Instant};

use gochan::{after, bounded, select_blocking, Receiver, Sender};

/// Stage 1: sends `1..=n`, then closes its output (Go: `defer close(out)`).
fn generate(n: u64) -> Receiver<u64> {
    let (tx, rx) = bounded(4);
    thread::spawn(move || {
        for i in 1..=n {
            if tx.send_blocking(i).is_err() {
                return; // every receiver is gone: nobody wants the rest
            }
        }
        // Dropping the last Sender closes the channel.
    });
    rx
}

/// Stage 2: squares every value until its input is closed and drained.
fn square(input: Receiver<u64>) -> Receiver<u64> {
    let (tx, rx) = bounded(4);
    thread::spawn(move || {
        for v in &input {
            if tx.send_blocking(v * v).is_err() {
                return;
            }
        }
    });
    rx
}

/// Stage 3: prints every value, then reports the sum on an unbuffered `done` channel.
fn print(input: Receiver<u64>, done: Sender<u64>) {
    thread::spawn(move || {
        let mut sum = 0;
        for v in &input {
            println!("  printer: {v}");
            sum += v;
        }
        // Cap 0: this send completes only once `main` has taken the sum.
        done.send_blocking(sum)
            .expect("main is waiting for the sum");
    });
}

/// A producer for the fan-in: sends `count` messages `gap` apart. A `stall` producer then keeps
/// its channel open without sending anything more, like a peer that hangs.
fn producer(name: &'static str, count: usize, gap: Duration, stall: bool) -> Receiver<String> {
    let (tx, rx) = bounded(1);
    thread::spawn(move || {
        for i in 1..=count {
            thread::sleep(gap);
            if tx.send_blocking(format!("{name} #{i}")).is_err() {
                return;
            }
        }
        if stall {
            thread::sleep(Duration::from_secs(5));
        }
    });
    rx
}

fn main() {
    // Part 1: generate -> square -> print.
    const N: u64 = 10;
    println!("pipeline: generate 1..={N} -> square -> print");
    let (done_tx, done_rx) = bounded(0);
    print(square(generate(N)), done_tx);
    let sum = done_rx
        .recv_blocking()
        .expect("the printer reports its sum");
    assert_eq!(sum, (1..=N).map(|v| v * v).sum::<u64>());
    println!("pipeline: the printer saw a sum of squares of {sum}");

    // Part 2: fan-in of two producers, with a timeout on silence.
    println!("fan-in: merging a fast and a slow producer; the slow one stalls after 3 messages");
    let fast = producer("fast", 5, Duration::from_millis(10), false);
    let slow = producer("slow", 3, Duration::from_millis(40), true);
    let (mut fast_rx, mut slow_rx) = (Some(&fast), Some(&slow));
    let (mut from_fast, mut from_slow) = (0, 0);
    let mut timed_out = false;
    let started = Instant::now();
    while fast_rx.is_some() || slow_rx.is_some() {
        // A fresh `after` each round, as in Go: the timeout measures silence since the last
        // message, not the time since the loop started.
        select_blocking! {
            recv(fast_rx) -> msg => match msg {
                Some(msg) => {
                    println!("  got {msg}");
                    from_fast += 1;
                }
                None => {
                    println!("  fast producer closed its channel");
                    fast_rx = None;
                }
            },
            recv(slow_rx) -> msg => match msg {
                Some(msg) => {
                    println!("  got {msg}");
                    from_slow += 1;
                }
                None => {
                    println!("  slow producer closed its channel");
                    slow_rx = None;
                }
            },
            recv(after(Duration::from_secs(1))) -> _ => {
                println!("  no message for 1s: giving up on the open channels");
                timed_out = true;
                break;
            },
        }
    }
    println!(
        "fan-in: {from_fast} from fast, {from_slow} from slow in {:.1}s{}",
        started.elapsed().as_secs_f64(),
        if timed_out {
            ", ended by the timeout"
        } else {
            ""
        },
    );

    println!(
        "summary: squared {N} numbers through 3 stages (sum {sum}); merged {} messages from 2 producers",
        from_fast + from_slow
    );
}
