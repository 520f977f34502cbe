//! Linearizability of the non-blocking operations under loom (DESIGN G4, G5; go-reference
//! A9, B3.4): every fixed scenario of `gochan_loom_tests::lincheck` (two threads, two or three
//! operations each: `try_send`, `try_recv`, `close`, a two-case select with `default`) runs
//! under loom on each flavor (capacity 0, 1, unbounded), and the checker must explain every
//! history loom produces by an interleaving on the sequential model.
//!
//! Each model runs thread 0's operations on the model's main thread and the other threads'
//! on spawned threads (two loom threads for the twenty main scenarios, three for a few
//! more), then joins and drains both channels, so the final state is part of the history. The number of distinct histories seen is
//! printed with each model: a scenario whose interesting outcome never shows up is visible in
//! the log.
#![cfg(loom)]

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use gochan_loom_tests::lincheck::{
    check, scenarios, scenarios_three_threads, Chans, History, Recorder, Scenario, Step,
};
use loom::thread;

fn run(cap: Option<usize>, flavor: &'static str, s: Scenario) {
    // A plain std mutex: loom runs every model thread on one OS thread, and the lock is only
    // taken after the model's threads are joined.
    let seen: Arc<Mutex<BTreeSet<String>>> = Arc::default();
    let paired: Arc<Mutex<BTreeSet<String>>> = Arc::default();
    let sink = seen.clone();
    let paired_sink = paired.clone();
    let name = format!("lincheck_{flavor}_{}", s.name);
    let scenario = s.clone();
    gochan_loom_tests::model(&name, move || {
        let s = &scenario;
        let chans = Chans::new(cap, &s.init);
        let spawned: Vec<_> = s.threads[1..]
            .iter()
            .map(|ops| {
                let theirs = chans.clone();
                let ops = ops.clone();
                thread::spawn(move || {
                    let mut rec = Recorder::new();
                    for op in ops {
                        rec.run(&theirs, op);
                    }
                    rec.into_ops()
                })
            })
            .collect();
        let mut rec = Recorder::new();
        for &op in &s.threads[0] {
            rec.run(&chans, op);
        }
        let mut threads = vec![rec.into_ops()];
        threads.extend(spawned.into_iter().map(|t| t.join().unwrap()));
        let h = History {
            threads,
            end: Some(chans.observe_end()),
        };
        let steps = match check(cap, &s.init, &h) {
            Ok(steps) => steps,
            Err(e) => panic!("{} on {flavor}: {e}", s.name),
        };
        let key = format!("{:?} {:?}", h.threads, h.end);
        if steps.iter().any(|s| matches!(s, Step::Pair(..))) {
            paired_sink.lock().unwrap().insert(key.clone());
        }
        sink.lock().unwrap().insert(key);
    });
    println!(
        "loom model {name}: {} distinct histories, all linearizable ({} with a rendezvous step)",
        seen.lock().unwrap().len(),
        paired.lock().unwrap().len()
    );
}

fn run_all(cap: Option<usize>, flavor: &'static str) {
    for s in scenarios() {
        run(cap, flavor, s);
    }
}

fn run_all_three(cap: Option<usize>, flavor: &'static str) {
    for s in scenarios_three_threads() {
        run(cap, flavor, s);
    }
}

#[test]
fn lincheck_unbuffered() {
    run_all(Some(0), "cap0");
}

#[test]
fn lincheck_cap1() {
    run_all(Some(1), "cap1");
}

#[test]
fn lincheck_unbounded() {
    run_all(None, "unbounded");
}

#[test]
fn lincheck_three_threads_unbuffered() {
    run_all_three(Some(0), "cap0");
}

#[test]
fn lincheck_three_threads_cap1() {
    run_all_three(Some(1), "cap1");
}

#[test]
fn lincheck_three_threads_unbounded() {
    run_all_three(None, "unbounded");
}
