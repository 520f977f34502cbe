//! The pipeline of `examples/pipeline.rs` with async tasks on a tokio runtime.
//!
//! Stages are `tokio::spawn`ed tasks joined by gochan channels: a generator, three squaring
//! workers sharing its output (fan-out), and a merge task (fan-in). The channels know
//! nothing about tokio; the same stages would run on smol or `futures::executor`.
//!
//! Part 1 runs the pipeline to the end. Part 2 gives the consumer a deadline through a
//! context: `main` waits in `select!` on the next value and on `ctx.done()`, stops when the
//! deadline passes, and drops its receiver; every stage then sees its send fail and returns.
//! A `WaitGroup` confirms that no task is left behind.
//!
//! Run it with `cargo run --example async_pipeline`.

use std::time::{Duration, Instant};

use gochan::context::Context;
use gochan::sync::WaitGroup;
use gochan::{bounded, select, Receiver};

/// Sends `1..=n`, `gap` apart (Go: `gen`).
fn generate(n: u64, gap: Duration, wg: &WaitGroup) -> Receiver<u64> {
    let (tx, rx) = bounded(0);
    wg.add(1);
    let wg = wg.clone();
    tokio::spawn(async move {
        for i in 1..=n {
            tokio::time::sleep(gap).await;
            if tx.send(i).await.is_err() {
                break; // nobody downstream any more
            }
        }
        wg.done();
    });
    rx
}

/// `workers` tasks squaring what they receive from one shared input (fan-out).
fn square(input: Receiver<u64>, workers: usize, wg: &WaitGroup) -> Vec<Receiver<u64>> {
    (0..workers)
        .map(|_| {
            let (tx, rx) = bounded(0);
            let input = input.clone();
            wg.add(1);
            let wg = wg.clone();
            tokio::spawn(async move {
                while let Some(v) = input.recv().await {
                    if tx.send(v * v).await.is_err() {
                        break;
                    }
                }
                wg.done();
            });
            rx
        })
        .collect()
}

/// One task per input, all forwarding into one output, closed when the last one ends.
fn merge(inputs: Vec<Receiver<u64>>, wg: &WaitGroup) -> Receiver<u64> {
    let (tx, rx) = bounded(0);
    for input in inputs {
        let tx = tx.clone();
        wg.add(1);
        let wg = wg.clone();
        tokio::spawn(async move {
            while let Some(v) = input.recv().await {
                if tx.send(v).await.is_err() {
                    break;
                }
            }
            wg.done(); // its `tx` clone drops here; the last one closes the output
        });
    }
    rx
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    println!("async pipeline on tokio: generate -> 3 squaring tasks -> merge");

    // Part 1: run to the end.
    let stages = WaitGroup::new();
    let out = merge(
        square(generate(20, Duration::ZERO, &stages), 3, &stages),
        &stages,
    );
    let mut sum = 0;
    while let Some(v) = out.recv().await {
        sum += v;
    }
    stages.wait().await;
    assert_eq!(sum, (1..=20u64).map(|v| v * v).sum::<u64>());
    println!("part 1: sum of the squares of 1..=20 = {sum}; all 7 tasks returned");

    // Part 2: a consumer with a deadline; a slow generator (one value per 10 ms).
    let stages = WaitGroup::new();
    let out = merge(
        square(
            generate(1000, Duration::from_millis(10), &stages),
            3,
            &stages,
        ),
        &stages,
    );
    let (ctx, _cancel) = Context::background().with_timeout(Duration::from_millis(100));
    let start = Instant::now();
    let mut got = Vec::new();
    loop {
        select! {
            recv(out) -> v => match v {
                Some(v) => got.push(v),
                None => break,
            },
            recv(ctx.done()) -> _ => {
                println!("part 2: deadline after {:.0} ms: {:?}", start.elapsed().as_secs_f64() * 1000.0, ctx.err());
                break;
            },
        }
    }
    println!(
        "part 2: got {} values before the deadline, the first ones {:?}",
        got.len(),
        &got[..got.len().min(5)]
    );
    drop(out); // the stages notice on their next send
    stages.wait().await;
    println!("part 2: all 7 tasks returned after main dropped its receiver");
    assert!(got.len() < 1000, "the deadline cut the run short");

    println!("summary: a full run, then a run cut short by a context deadline, no task leaked");
}
