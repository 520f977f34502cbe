//! Fast end-to-end checks of the core paths, for every flavor.
use std::thread;

use gochan::{bounded, unbounded, Receiver, Sender};

type Pair = (Sender<u64>, Receiver<u64>);

fn flavors() -> Vec<(&'static str, Pair)> {
    vec![
        ("cap0", bounded(0)),
        ("cap1", bounded(1)),
        ("cap7", bounded(7)),
        ("unbounded", unbounded()),
    ]
}

#[test]
fn mpmc_blocking_sum_is_exact() {
    for (name, (tx, rx)) in flavors() {
        let n = 2_000u64;
        let senders: Vec<_> = (0..3)
            .map(|s| {
                let tx = tx.clone();
                thread::spawn(move || {
                    for i in 0..n {
                        tx.send_blocking(s * n + i).unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        let receivers: Vec<_> = (0..3)
            .map(|_| {
                let rx = rx.clone();
                thread::spawn(move || rx.iter().sum::<u64>())
            })
            .collect();
        drop(rx);
        for s in senders {
            s.join().unwrap();
        }
        let total: u64 = receivers.into_iter().map(|r| r.join().unwrap()).sum();
        let m = 3 * n;
        assert_eq!(total, m * (m - 1) / 2, "{name}");
    }
}

#[test]
fn mpmc_async_sum_is_exact() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    for (name, (tx, rx)) in flavors() {
        let n = 2_000u64;
        let total = rt.block_on(async move {
            let mut hs = Vec::new();
            for s in 0..3 {
                let tx = tx.clone();
                hs.push(tokio::spawn(async move {
                    for i in 0..n {
                        tx.send(s * n + i).await.unwrap();
                    }
                    0
                }));
            }
            drop(tx);
            for _ in 0..3 {
                let rx = rx.clone();
                hs.push(tokio::spawn(async move {
                    let mut sum = 0;
                    while let Some(v) = rx.recv().await {
                        sum += v;
                    }
                    sum
                }));
            }
            let mut total = 0;
            for h in hs {
                total += h.await.unwrap();
            }
            total
        });
        let m = 3 * n;
        assert_eq!(total, m * (m - 1) / 2, "{name}");
    }
}

#[test]
fn unbuffered_rendezvous_and_close() {
    let (tx, rx) = bounded::<u64>(0);
    assert!(tx.try_send(1).is_err());
    let t = thread::spawn(move || rx.recv_blocking());
    tx.send_blocking(9).unwrap();
    assert_eq!(t.join().unwrap(), Some(9));
    assert!(tx.is_closed(), "the last receiver went");
    assert_eq!(tx.send_blocking(3).unwrap_err().into_inner(), 3);
}

#[test]
fn select_blocking_basics() {
    use gochan::{after, select_blocking};
    use std::time::Duration;
    let (a_tx, a) = bounded::<u64>(0);
    let (b_tx, b) = bounded::<u64>(1);
    b_tx.send_blocking(2).unwrap();
    let got = select_blocking! {
        recv(a) -> v => v.map(|x| x * 10),
        recv(b) -> v => v,
    };
    assert_eq!(got, Some(2));
    let d = select_blocking! {
        recv(a) -> _ => 0,
        recv(b) -> _ => 1,
        default => 2,
    };
    assert_eq!(d, 2);
    let keep_open = a_tx.clone();
    let t = thread::spawn(move || {
        select_blocking! {
            send(a_tx, 5) -> r => r.is_ok(),
            recv(after(Duration::from_secs(10))) -> _ => false,
        }
    });
    assert_eq!(a.recv_blocking(), Some(5));
    assert!(t.join().unwrap());
    let timed_out = select_blocking! {
        recv(a) -> _ => false,
        recv(after(Duration::from_millis(5))) -> _ => true,
    };
    assert!(timed_out);
    drop(keep_open);
}

#[test]
fn select_both_ends_of_unbuffered() {
    use gochan::select_blocking;
    let (tx, rx) = bounded::<u64>(0);
    let (tx2, rx2) = (tx.clone(), rx.clone());
    let n = 500;
    let t = thread::spawn(move || {
        let mut got = 0;
        for i in 0..n {
            select_blocking! {
                send(tx2, i) -> r => r.unwrap(),
                recv(rx2) -> v => { v.unwrap(); got += 1; },
            }
        }
        got
    });
    let mut got = 0;
    for i in 0..n {
        select_blocking! {
            send(tx, i) -> r => r.unwrap(),
            recv(rx) -> v => { v.unwrap(); got += 1; },
        }
    }
    let other = t.join().unwrap();
    assert_eq!(
        got + other,
        n,
        "every round pairs one send with one receive"
    );
}

#[test]
fn async_select_with_default_and_send() {
    use gochan::select;
    futures::executor::block_on(async {
        let (tx, rx) = bounded::<u64>(1);
        let r = select! {
            send(tx, 1) -> r => r.is_ok(),
            default => false,
        };
        assert!(r);
        let r = select! {
            send(tx, 2) -> _ => 0,
            default => 1,
        };
        assert_eq!(r, 1);
        let v = select! {
            recv(rx) -> v => v,
            recv(gochan::never::<u64>()) -> _ => None,
        };
        assert_eq!(v, Some(1));
    });
}

#[test]
fn close_wakes_blocked_receiver_threads() {
    for _ in 0..200 {
        let (tx, rx) = bounded::<u32>(0);
        let t = thread::spawn(move || rx.recv_blocking());
        thread::sleep(std::time::Duration::from_micros(50));
        assert!(tx.close());
        assert_eq!(t.join().unwrap(), None);
    }
}

/// Regression: a timer value handed to a receive that is then dropped goes back to the timer,
/// so `stop` still reports it pending and no stale value remains (D4.2).
#[test]
fn timer_value_given_back_by_a_dropped_receive_is_not_stale() {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::Context;
    use std::time::Duration;
    let t = gochan::time::Timer::new(Duration::from_millis(1));
    let waker = futures::task::noop_waker();
    let mut cx = Context::from_waker(&waker);
    let mut fut = t.receiver().recv();
    assert!(Pin::new(&mut fut).poll(&mut cx).is_pending());
    // Let the timer thread fire and hand the value to the pending receive.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while t.receiver().blocked_receivers() == 1 && std::time::Instant::now() < deadline {
        thread::sleep(Duration::from_millis(1));
    }
    drop(fut);
    assert!(
        t.stop(),
        "the value was never received, so the timer was still pending"
    );
    assert!(
        t.receiver().try_recv().is_err(),
        "no stale value after stop"
    );
}
