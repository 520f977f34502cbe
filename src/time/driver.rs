//! The process-wide timer thread: one thread, started on first use, serves every timer of the
//! process (Go's timer heap, go-reference D2.5). No thread per timer.
//!
//! Timers live in a `BTreeMap` ordered by `(deadline, sequence number)`, so the next deadline
//! is the first key, and `cancel` removes an entry at once: a stopped or dropped timer leaves
//! nothing behind.
//!
//! # Invariants
//!
//! 1. Actions run on the timer thread *outside* the lock (an action may schedule or cancel a
//!    timer), and a panicking action is caught so one bad callback cannot stop every timer.
//! 2. The thread sleeps on the condition variable until the first deadline; `schedule` wakes
//!    it only when the new entry becomes the first.
//! 3. A key is removed exactly once: by `cancel` (which then returns `true`) or by the thread
//!    when it takes the entry to run it.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use crate::sync::real::{thread, Condvar, Mutex, OnceLock};

type Action = Box<dyn FnOnce() + Send>;

/// Names one scheduled action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct TimerKey {
    deadline: Instant,
    seq: u64,
}

struct Driver {
    state: Mutex<State>,
    cv: Condvar,
}

struct State {
    timers: BTreeMap<TimerKey, Action>,
    seq: u64,
}

fn driver() -> &'static Driver {
    static DRIVER: OnceLock<Driver> = OnceLock::new();
    static STARTED: OnceLock<()> = OnceLock::new();
    let d = DRIVER.get_or_init(|| Driver {
        state: Mutex::new(State {
            timers: BTreeMap::new(),
            seq: 0,
        }),
        cv: Condvar::new(),
    });
    STARTED.get_or_init(|| {
        thread::Builder::new()
            .name("gochan-timer".into())
            .spawn(|| run(driver()))
            .expect("gochan: cannot start the timer thread");
    });
    d
}

fn run(d: &'static Driver) {
    let mut st = d.state.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let now = Instant::now();
        let mut due = Vec::new();
        while let Some(entry) = st.timers.first_entry() {
            if entry.key().deadline > now {
                break;
            }
            due.push(entry.remove());
        }
        if !due.is_empty() {
            drop(st);
            for action in due {
                // Invariant 1.
                let _ = catch_unwind(AssertUnwindSafe(action));
            }
            st = d.state.lock().unwrap_or_else(|e| e.into_inner());
            continue;
        }
        st = match st.timers.keys().next() {
            None => d.cv.wait(st).unwrap_or_else(|e| e.into_inner()),
            Some(k) => {
                let wait = k.deadline.saturating_duration_since(now);
                d.cv.wait_timeout(st, wait)
                    .map(|(g, _)| g)
                    .unwrap_or_else(|e| e.into_inner().0)
            }
        };
    }
}

/// Runs `action` on the timer thread at `deadline` (at once if it has passed). The action
/// must be short: it delays every other timer.
pub(crate) fn schedule(deadline: Instant, action: impl FnOnce() + Send + 'static) -> TimerKey {
    let d = driver();
    let mut st = d.state.lock().unwrap_or_else(|e| e.into_inner());
    st.seq += 1;
    let key = TimerKey {
        deadline,
        seq: st.seq,
    };
    st.timers.insert(key, Box::new(action));
    let first = st.timers.keys().next() == Some(&key);
    drop(st);
    if first {
        // Invariant 2.
        d.cv.notify_one();
    }
    key
}

/// Removes a scheduled action. `true` if it had not run (and now never will).
pub(crate) fn cancel(key: TimerKey) -> bool {
    let d = driver();
    let removed = d
        .state
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .timers
        .remove(&key);
    // Dropped outside the lock: the action may own channel handles.
    removed.is_some()
}

/// The number of scheduled actions (for tests of "nothing left behind").
#[doc(hidden)]
pub fn pending_timers() -> usize {
    driver()
        .state
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .timers
        .len()
}
