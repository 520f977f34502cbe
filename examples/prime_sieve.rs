//! Go's concurrent prime sieve, on threads and then as async tasks on one thread.
//!
//! The sieve from the Go tour and `go/test/chan/sieve1.go`: a generator sends 2, 3, 4, ...
//! down an unbuffered channel; each prime found adds a filter stage that drops the multiples
//! of that prime. So the chain grows one stage per prime, and every number travels through
//! a rendezvous at each stage.
//!
//! Go's version leaks: when `main` stops reading, every stage stays blocked on a send
//! forever. Here `main` just drops its receiver: that closes the last channel, the stage
//! feeding it sees its send fail and returns, dropping its own receiver, and so on up to the
//! generator. `blocked_senders()` shows nothing is left waiting.
//!
//! Part 2 runs the same sieve as async tasks on a `futures` `LocalPool`: one thread, one task
//! per stage, the same channels.
//!
//! Run it with `cargo run --example prime_sieve`.

use std::thread;
use std::time::{Duration, Instant};

use futures::executor::LocalPool;
use futures::task::LocalSpawnExt;
use gochan::sync::WaitGroup;
use gochan::{bounded, Receiver, Sender};

const PRIMES: usize = 30;

/// Sends 2, 3, 4, ... until nobody listens (Go: `for i := 2; ; i++ { ch <- i }`).
fn generate(tx: Sender<u64>, wg: WaitGroup) {
    thread::spawn(move || {
        for i in 2.. {
            if tx.send_blocking(i).is_err() {
                break; // the first filter is gone: stop instead of leaking
            }
        }
        wg.done();
    });
}

/// Copies the values from `input` to `output`, dropping the multiples of `prime`.
fn filter(input: Receiver<u64>, output: Sender<u64>, prime: u64, wg: WaitGroup) {
    thread::spawn(move || {
        for v in &input {
            if v % prime != 0 && output.send_blocking(v).is_err() {
                break;
            }
        }
        wg.done();
    });
}

fn sieve_on_threads() -> Vec<u64> {
    let wg = WaitGroup::new();
    let (tx, mut rx) = bounded(0); // ch := make(chan int)
    wg.add(1);
    generate(tx, wg.clone());
    let mut primes = Vec::new();
    for _ in 0..PRIMES {
        let prime = rx
            .recv_blocking()
            .expect("the generator never stops by itself");
        primes.push(prime);
        let (tx, next) = bounded(0);
        wg.add(1);
        filter(rx, tx, prime, wg.clone());
        rx = next;
    }
    // The last stage is now blocked sending its next candidate to main. In Go it, and the
    // whole chain behind it, would stay blocked forever once main returns.
    let patience = Instant::now() + Duration::from_secs(5);
    while rx.blocked_senders() == 0 && Instant::now() < patience {
        thread::sleep(Duration::from_millis(1));
    }
    println!(
        "threads: main stops reading; senders blocked on its channel: {}",
        rx.blocked_senders()
    );
    // Dropping the last receiver closes the channel and unwinds the chain.
    drop(rx);
    wg.wait_blocking();
    println!(
        "threads: all {} stages returned once main dropped its receiver",
        PRIMES + 1
    );
    primes
}

fn sieve_on_a_local_pool() -> Vec<u64> {
    let mut pool = LocalPool::new();
    let spawner = pool.spawner();
    let wg = WaitGroup::new();
    let (tx, first) = bounded::<u64>(0);
    wg.add(1);
    let done = wg.clone();
    spawner
        .spawn_local(async move {
            for i in 2.. {
                if tx.send(i).await.is_err() {
                    break;
                }
            }
            done.done();
        })
        .expect("the pool is running");

    let collect = {
        let spawner = spawner.clone();
        let wg = wg.clone();
        async move {
            let mut rx = first;
            let mut primes = Vec::new();
            for _ in 0..PRIMES {
                let prime = rx
                    .recv()
                    .await
                    .expect("the generator never stops by itself");
                primes.push(prime);
                let (tx, next) = bounded(0);
                wg.add(1);
                let done = wg.clone();
                let input = std::mem::replace(&mut rx, next);
                spawner
                    .spawn_local(async move {
                        while let Some(v) = input.recv().await {
                            if v % prime != 0 && tx.send(v).await.is_err() {
                                break;
                            }
                        }
                        done.done();
                    })
                    .expect("the pool is running");
            }
            drop(rx); // unwind the chain, as on threads
            wg.wait().await;
            primes
        }
    };
    pool.run_until(collect)
}

fn main() {
    println!("prime sieve: a chain of filter stages joined by unbuffered channels");

    let start = Instant::now();
    let on_threads = sieve_on_threads();
    println!(
        "threads: the first {PRIMES} primes in {:.1} ms: {on_threads:?}",
        ms(start.elapsed())
    );

    let start = Instant::now();
    let on_pool = sieve_on_a_local_pool();
    println!(
        "async tasks on one thread: the same {PRIMES} primes in {:.1} ms",
        ms(start.elapsed())
    );

    assert_eq!(on_threads, on_pool);
    assert_eq!(&on_threads[..10], &[2, 3, 5, 7, 11, 13, 17, 19, 23, 29]);
    println!("summary: both sieves agree; every stage exited, none leaked");
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
