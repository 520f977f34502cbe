//! Shared by the model files: [`model_outcomes`] runs a model that reports which outcome each
//! execution reached, and checks that the exploration reached every expected one, so a model
//! whose race never happens (a vacuous model) fails instead of passing silently.
#![cfg(loom)]
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// Runs `f` with [`gochan_loom_tests::model`]; each execution returns a label for the outcome
/// it reached. After the exploration every label in `expected` must have been seen, and no
/// label outside it.
pub fn model_outcomes<F>(name: &'static str, expected: &'static [&'static str], f: F)
where
    F: Fn() -> &'static str + Sync + Send + 'static,
{
    // A plain std mutex: loom runs every model thread on one OS thread, and the lock is never
    // held across a loom operation.
    let seen = Arc::new(Mutex::new(BTreeSet::new()));
    let sink = seen.clone();
    gochan_loom_tests::model(name, move || {
        let label = f();
        sink.lock().unwrap().insert(label);
    });
    let seen = seen.lock().unwrap();
    println!("loom model {name}: outcomes {seen:?}");
    for label in seen.iter() {
        assert!(
            expected.contains(label),
            "{name}: unexpected outcome {label:?}"
        );
    }
    for label in expected {
        assert!(
            seen.contains(label),
            "{name}: outcome {label:?} never explored (seen {seen:?})"
        );
    }
}

/// Polls `fut` once with a waker that does nothing (the model never waits for the wake-up:
/// it only needs the future to register and then be dropped or polled again).
pub fn poll_once<F: std::future::Future + ?Sized>(
    fut: std::pin::Pin<&mut F>,
) -> std::task::Poll<F::Output> {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    fut.poll(&mut cx)
}

/// Everything `rx` holds now, in order, until it reports empty or closed.
pub fn drain<T>(rx: &gochan::Receiver<T>) -> Vec<T> {
    std::iter::from_fn(|| rx.try_recv().ok()).collect()
}

/// A message that counts its drops, so a model can check that it was dropped exactly once:
/// not leaked in a forgotten slot, whichever side ended up owning it.
#[derive(Debug)]
pub struct Tracked {
    pub value: u32,
    drops: Arc<std::sync::atomic::AtomicUsize>,
}

impl Tracked {
    /// A message and the counter of its drops.
    pub fn new(value: u32) -> (Tracked, Arc<std::sync::atomic::AtomicUsize>) {
        let drops = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        (
            Tracked {
                value,
                drops: drops.clone(),
            },
            drops,
        )
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        // Relaxed and std: a counter outside the model, read after every thread was joined.
        self.drops
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// How often a [`Tracked`] message was dropped.
pub fn drops(counter: &Arc<std::sync::atomic::AtomicUsize>) -> usize {
    counter.load(std::sync::atomic::Ordering::Relaxed)
}
