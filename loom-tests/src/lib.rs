//! Helpers for the loom models in `tests/`. Build and run them with
//! `RUSTFLAGS="--cfg loom" cargo test --profile loom -p gochan-loom-tests`.

/// Runs `f` under `loom::model` and prints how many executions were explored and how long it
/// took, so that a jump in a model's cost shows up in the CI log.
#[cfg(loom)]
pub fn model<F>(name: &str, f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = runs.clone();
    let start = std::time::Instant::now();
    loom::model(move || {
        counter.fetch_add(1, Ordering::Relaxed);
        f();
    });
    println!(
        "loom model {name}: {} executions in {:.2?}",
        runs.load(Ordering::Relaxed),
        start.elapsed()
    );
}

pub mod lincheck;
