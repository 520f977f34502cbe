//! G10: the same producer/consumer scenario under every kind of executor the crate promises to
//! work with, and across executors.
//!
//! Scenario: two producers send 500 ids each, two consumers receive until the channel closes.
//! Every id must arrive exactly once, and each consumer must see each producer's ids in
//! increasing order (G1).

mod common;

use std::thread;

use common::{Flavor, FLAVORS};
use futures::executor::{block_on, LocalPool};
use futures::task::LocalSpawnExt;
use gochan::{Receiver, Sender};

const PRODUCERS: u64 = 2;
const PER_PRODUCER: u64 = 500;

fn id(producer: u64, seq: u64) -> u64 {
    producer * PER_PRODUCER + seq
}

async fn producer(tx: Sender<u64>, p: u64) {
    for seq in 0..PER_PRODUCER {
        tx.send(id(p, seq))
            .await
            .expect("the channel closed under a producer");
    }
}

async fn consumer(rx: Receiver<u64>) -> Vec<u64> {
    let mut got = Vec::new();
    while let Some(v) = rx.recv().await {
        got.push(v);
    }
    got
}

fn blocking_producer(tx: Sender<u64>, p: u64) {
    for seq in 0..PER_PRODUCER {
        tx.send_blocking(id(p, seq))
            .expect("the channel closed under a producer");
    }
}

fn blocking_consumer(rx: Receiver<u64>) -> Vec<u64> {
    rx.iter().collect()
}

fn check(f: Flavor, executor: &str, per_consumer: Vec<Vec<u64>>) {
    for got in &per_consumer {
        let mut last = vec![None::<u64>; PRODUCERS as usize];
        for &v in got {
            let p = (v / PER_PRODUCER) as usize;
            if let Some(prev) = last[p] {
                assert!(v > prev, "{executor} {f:?}: producer {p}: {v} after {prev}");
            }
            last[p] = Some(v);
        }
    }
    let mut all: Vec<u64> = per_consumer.into_iter().flatten().collect();
    all.sort_unstable();
    assert_eq!(
        all,
        (0..PRODUCERS * PER_PRODUCER).collect::<Vec<_>>(),
        "{executor} {f:?}: every id exactly once"
    );
}

/// The handles for one run: one sender per producer and two receivers; the originals are
/// dropped so the channel closes when the producers finish.
fn handles(f: Flavor) -> (Vec<Sender<u64>>, [Receiver<u64>; 2]) {
    let (tx, rx) = f.make::<u64>();
    let txs = (0..PRODUCERS).map(|_| tx.clone()).collect();
    (txs, [rx.clone(), rx])
}

fn run_tokio(rt: tokio::runtime::Runtime, name: &str) {
    for f in FLAVORS {
        let (txs, rxs) = handles(f);
        let got = rt.block_on(async {
            let consumers: Vec<_> = rxs
                .into_iter()
                .map(|rx| tokio::spawn(consumer(rx)))
                .collect();
            let producers: Vec<_> = txs
                .into_iter()
                .zip(0..)
                .map(|(tx, p)| tokio::spawn(producer(tx, p)))
                .collect();
            for p in producers {
                p.await.unwrap();
            }
            let mut got = Vec::new();
            for c in consumers {
                got.push(c.await.unwrap());
            }
            got
        });
        check(f, name, got);
    }
}

/// G10 under tokio's multi-thread runtime.
#[test]
fn tokio_multi_thread() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    run_tokio(rt, "tokio multi-thread");
}

/// G10 under tokio's current-thread runtime (every wake-up must come from the channel itself).
#[test]
fn tokio_current_thread() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    run_tokio(rt, "tokio current-thread");
}

/// G10 under smol's executor (`async-executor`), driven by `futures::executor::block_on`.
#[test]
fn async_executor() {
    for f in FLAVORS {
        let (txs, rxs) = handles(f);
        let ex = async_executor::Executor::new();
        let got = block_on(ex.run(async {
            let consumers: Vec<_> = rxs.into_iter().map(|rx| ex.spawn(consumer(rx))).collect();
            let producers: Vec<_> = txs
                .into_iter()
                .zip(0..)
                .map(|(tx, p)| ex.spawn(producer(tx, p)))
                .collect();
            for p in producers {
                p.await;
            }
            let mut got = Vec::new();
            for c in consumers {
                got.push(c.await);
            }
            got
        }));
        check(f, "async-executor", got);
    }
}

/// G10 under `async-executor` with the executor run on two threads.
#[test]
fn async_executor_two_threads() {
    for f in FLAVORS {
        let (txs, rxs) = handles(f);
        let ex = async_executor::Executor::new();
        let (stop_tx, stop_rx) = gochan::bounded::<()>(0);
        let got = thread::scope(|s| {
            s.spawn(|| block_on(ex.run(stop_rx.recv())));
            let got = block_on(ex.run(async {
                let consumers: Vec<_> = rxs.into_iter().map(|rx| ex.spawn(consumer(rx))).collect();
                for (tx, p) in txs.into_iter().zip(0..) {
                    ex.spawn(producer(tx, p)).detach();
                }
                let mut got = Vec::new();
                for c in consumers {
                    got.push(c.await);
                }
                got
            }));
            stop_tx.close();
            got
        });
        check(f, "async-executor on two threads", got);
    }
}

/// G10 under `futures::executor::block_on` with the four futures joined on one thread.
#[test]
fn futures_block_on_join() {
    for f in FLAVORS {
        let (mut txs, [rx0, rx1]) = handles(f);
        let (tx1, tx0) = (txs.pop().unwrap(), txs.pop().unwrap());
        let ((), (), a, b) = block_on(futures::future::join4(
            producer(tx0, 0),
            producer(tx1, 1),
            consumer(rx0),
            consumer(rx1),
        ));
        check(f, "futures block_on + join", vec![a, b]);
    }
}

/// G10 under `futures::executor::LocalPool` (spawned tasks on one thread).
#[test]
fn futures_local_pool() {
    for f in FLAVORS {
        let (txs, rxs) = handles(f);
        let mut pool = LocalPool::new();
        let spawner = pool.spawner();
        let consumers: Vec<_> = rxs
            .into_iter()
            .map(|rx| spawner.spawn_local_with_handle(consumer(rx)).unwrap())
            .collect();
        for (tx, p) in txs.into_iter().zip(0..) {
            spawner.spawn_local(producer(tx, p)).unwrap();
        }
        let got = pool.run_until(futures::future::join_all(consumers));
        check(f, "futures LocalPool", got);
    }
}

/// G10 with no executor at all: plain threads and the blocking forms.
#[test]
fn plain_threads() {
    for f in FLAVORS {
        let (txs, rxs) = handles(f);
        let got = thread::scope(|s| {
            for (tx, p) in txs.into_iter().zip(0..) {
                s.spawn(move || blocking_producer(tx, p));
            }
            let consumers: Vec<_> = rxs
                .into_iter()
                .map(|rx| s.spawn(move || blocking_consumer(rx)))
                .collect();
            consumers.into_iter().map(|h| h.join().unwrap()).collect()
        });
        check(f, "plain threads", got);
    }
}

/// G10 across worlds: async producers on tokio, one blocking consumer thread and one consumer
/// task on `async-executor`.
#[test]
fn mixed_tokio_threads_and_async_executor() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    for f in FLAVORS {
        let (txs, [rx0, rx1]) = handles(f);
        let got = thread::scope(|s| {
            let blocking = s.spawn(move || blocking_consumer(rx0));
            let other = s.spawn(move || {
                let ex = async_executor::Executor::new();
                block_on(ex.run(ex.spawn(consumer(rx1))))
            });
            rt.block_on(async {
                let producers: Vec<_> = txs
                    .into_iter()
                    .zip(0..)
                    .map(|(tx, p)| tokio::spawn(producer(tx, p)))
                    .collect();
                for p in producers {
                    p.await.unwrap();
                }
            });
            vec![blocking.join().unwrap(), other.join().unwrap()]
        });
        check(f, "tokio producers, thread + async-executor consumers", got);
    }
}

/// G10 across worlds the other way: blocking producer threads feeding consumers on tokio's
/// current-thread runtime.
#[test]
fn blocking_producers_async_consumers() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for f in FLAVORS {
        let (txs, rxs) = handles(f);
        let got = thread::scope(|s| {
            for (tx, p) in txs.into_iter().zip(0..) {
                s.spawn(move || blocking_producer(tx, p));
            }
            rt.block_on(async {
                let consumers: Vec<_> = rxs
                    .into_iter()
                    .map(|rx| tokio::spawn(consumer(rx)))
                    .collect();
                let mut got = Vec::new();
                for c in consumers {
                    got.push(c.await.unwrap());
                }
                got
            })
        });
        check(f, "blocking producers, tokio consumers", got);
    }
}
