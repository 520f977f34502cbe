//! Rate limiting with a ticker, as in Go by Example, blocking and async.
//!
//! Part 1: one request per tick. Every request first receives from `tick(50ms)`, so they go
//! out at most one per 50 ms.
//!
//! Part 2: bursts. A three-slot channel of tokens starts full, and a thread refills it from
//! a ticker; the first three requests go at once, the rest at the ticker's pace. When main
//! drops the token channel the refill thread's send fails and it returns.
//!
//! Part 3: the async form, on `futures::executor` (no runtime): a `Ticker` paces requests,
//! and `reset` slows it down when the simulated server pushes back.
//!
//! Run it with `cargo run --example ticker_rate_limit`.

use std::thread;
use std::time::{Duration, Instant};

use gochan::time::Ticker;
use gochan::{bounded, tick};

const RATE: Duration = Duration::from_millis(50);

fn ms_since(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}

fn main() {
    println!("rate limiting: one request per {RATE:?}, then bursts of 3");

    // Part 1: requests := make(chan int, 5); limiter := time.Tick(50ms)
    let start = Instant::now();
    let (req_tx, requests) = bounded(5);
    for i in 1..=5 {
        req_tx.try_send(i).expect("room for 5");
    }
    drop(req_tx); // close(requests)
    let limiter = tick(RATE);
    for req in &requests {
        limiter.recv_blocking(); // <-limiter
        println!("  request {req} at {:>5.1} ms", ms_since(start));
    }
    let steady = start.elapsed();
    assert!(steady >= RATE * 5, "5 requests took at least 5 ticks");

    // Part 2: burstyLimiter := make(chan time.Time, 3), filled up front, refilled by a ticker.
    let start = Instant::now();
    let (token_tx, tokens) = bounded(3);
    for _ in 0..3 {
        token_tx.try_send(Instant::now()).expect("room for 3");
    }
    let refill = thread::spawn(move || {
        for t in tick(RATE) {
            if token_tx.send_blocking(t).is_err() {
                return; // main dropped the tokens: stop refilling
            }
        }
    });
    let mut times = Vec::new();
    for req in 1..=5 {
        tokens
            .recv_blocking()
            .expect("the refill thread is running");
        times.push(start.elapsed());
        println!("  bursty request {req} at {:>5.1} ms", ms_since(start));
    }
    drop(tokens);
    refill.join().expect("the refill thread returns");
    // Timers never fire early: tokens 4 and 5 came from the first two ticks.
    assert!(
        times[3] >= RATE && times[4] >= RATE * 2,
        "then one per tick"
    );

    // Part 3: async pacing with a Ticker; slow down when the server says so.
    let paced = futures::executor::block_on(async {
        let start = Instant::now();
        let ticker = Ticker::new(Duration::from_millis(20));
        let mut sent = Vec::new();
        for req in 1..=6 {
            ticker.receiver().recv().await;
            let at = ms_since(start);
            sent.push(at);
            let too_many = req == 3; // the simulated server answers "429 Too Many Requests"
            println!(
                "  async request {req} at {at:>5.1} ms{}",
                if too_many {
                    " -> 429, backing off to 60 ms"
                } else {
                    ""
                }
            );
            if too_many {
                ticker.reset(Duration::from_millis(60)); // no stale tick survives a reset
            }
        }
        ticker.stop();
        sent
    });
    assert!(paced[3] - paced[2] >= 55.0, "the reset took effect");

    println!(
        "summary: 5 steady requests in {:.0} ms, a burst of 3 then a steady pace, 6 async requests with a back-off",
        steady.as_secs_f64() * 1000.0
    );
}
