//! The or-done and tee channels of "Concurrency in Go" (chapter 4), on threads.
//!
//! `or_done` wraps a channel so that reading from it also stops when a context is cancelled:
//! the consumer can write a plain `for v in &rx` loop and still be cancellable. `tee` copies
//! every value of one channel to two outputs; it sends to both with one `select_blocking!`,
//! and a sender that already took the value is replaced by `None` (Go sets it to nil), so
//! the next round of the select only offers the value to the other one.
//!
//! The source repeats 1, 2, 3 forever. Main cancels the context after 9 values; every stage
//! notices, closes its outputs by returning, and a `WaitGroup` confirms that all are gone.
//!
//! Run it with `cargo run --example or_done_tee`.

use std::thread;

use gochan::context::Context;
use gochan::sync::WaitGroup;
use gochan::{bounded, select_blocking, Receiver};

/// Sends `values` over and over until `ctx` is cancelled (the book's `repeat`).
fn repeat(ctx: Context, values: Vec<u32>, wg: &WaitGroup) -> Receiver<u32> {
    let (tx, rx) = bounded(0);
    wg.add(1);
    let wg = wg.clone();
    thread::spawn(move || {
        'outer: loop {
            for &v in &values {
                select_blocking! {
                    recv(ctx.done()) -> _ => break 'outer,
                    send(tx, v) -> res => if res.is_err() { break 'outer },
                }
            }
        }
        wg.done();
    });
    rx
}

/// Forwards `input` until it closes or `ctx` is cancelled (the book's `orDone`).
fn or_done<T: Send + 'static>(ctx: Context, input: Receiver<T>, wg: &WaitGroup) -> Receiver<T> {
    let (tx, rx) = bounded(0);
    wg.add(1);
    let wg = wg.clone();
    thread::spawn(move || {
        loop {
            let v = select_blocking! {
                recv(ctx.done()) -> _ => break,
                recv(input) -> v => match v {
                    Some(v) => v,
                    None => break,
                },
            };
            select_blocking! {
                recv(ctx.done()) -> _ => break,
                send(tx, v) -> res => if res.is_err() { break },
            }
        }
        wg.done(); // dropping `tx` closes the output (Go: defer close(valStream))
    });
    rx
}

/// Copies every value of `input` to both outputs (the book's `tee`).
fn tee<T: Clone + Send + 'static>(
    ctx: Context,
    input: Receiver<T>,
    wg: &WaitGroup,
) -> (Receiver<T>, Receiver<T>) {
    let (tx1, rx1) = bounded(0);
    let (tx2, rx2) = bounded(0);
    wg.add(1);
    let wg = wg.clone();
    thread::spawn(move || {
        'values: for v in &or_done(ctx.clone(), input, &wg) {
            let (mut out1, mut out2) = (Some(&tx1), Some(&tx2));
            for _ in 0..2 {
                select_blocking! {
                    recv(ctx.done()) -> _ => break 'values,
                    send(out1, v.clone()) -> _ => out1 = None, // Go: out1 = nil
                    send(out2, v.clone()) -> _ => out2 = None,
                }
            }
        }
        wg.done();
    });
    (rx1, rx2)
}

fn main() {
    println!("or-done and tee: repeat(1, 2, 3) -> tee -> two readers; cancel after 9 values");
    let stages = WaitGroup::new();
    let (ctx, cancel) = Context::background().with_cancel();
    let (a, b) = tee(
        ctx.clone(),
        repeat(ctx.clone(), vec![1, 2, 3], &stages),
        &stages,
    );

    // The second reader is a thread with a plain `for` loop over an or-done channel.
    let reader_b = {
        let b = or_done(ctx.clone(), b, &stages);
        thread::spawn(move || b.iter().collect::<Vec<u32>>())
    };
    let mut from_a = Vec::new();
    for v in &or_done(ctx.clone(), a, &stages) {
        from_a.push(v);
        if from_a.len() == 9 {
            println!("  reader a: got 9 values, cancelling");
            cancel.cancel();
        }
    }
    let from_b = reader_b.join().expect("reader b returns");
    println!("  reader a saw {from_a:?}");
    println!("  reader b saw {from_b:?}");
    assert_eq!(&from_a[..9], &[1, 2, 3, 1, 2, 3, 1, 2, 3]);
    // Tee hands a value to both outputs before it takes the next one, so b is at most two
    // values behind a (one in tee, one in b's or-done stage, dropped by the cancel).
    assert!(from_b.len() >= 7, "b is at most two values behind");
    assert!(from_b
        .iter()
        .zip([1, 2, 3].iter().cycle())
        .all(|(x, y)| x == y));

    stages.wait_blocking();
    println!("summary: both readers got the same stream; after the cancel every stage returned");
}
