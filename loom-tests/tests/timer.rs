//! Loom models of timer channels (`src/time/source.rs`). Time is not modelled: a timer made
//! with `Duration::ZERO` (or reset to it) is due at once, a timer of an hour is never due
//! within a model, and `gochan::__loom::pump_timer` plays the timer thread firing ("the
//! deadline fires now" as an explicit step).
#![cfg(loom)]

mod common;

use std::time::Duration;

use common::model_outcomes;
use gochan::time::Timer;
use gochan::{bounded, select_blocking};
use loom::sync::Arc;
use loom::thread;

/// A due timer: one thread receives, main stops it. Exactly one of "the receiver got the
/// value" and "stop returned true" holds (Go 1.23, D4.1), and afterwards nothing more can be
/// received (D4.2).
#[test]
fn timer_fire_races_stop() {
    model_outcomes("timer_fire_races_stop", &["received", "stopped"], || {
        let t = Arc::new(Timer::new(Duration::ZERO));
        let t2 = t.clone();
        let a = thread::spawn(move || t2.receiver().try_recv().is_ok());
        let stopped = t.stop();
        let got = a.join().unwrap();
        assert!(
            got != stopped,
            "got a value: {got}, stop returned {stopped}"
        );
        assert!(t.receiver().try_recv().is_err(), "a stale value after stop");
        assert!(!t.stop(), "a second stop found the timer pending");
        if got {
            "received"
        } else {
            "stopped"
        }
    });
}

/// A receiver blocked on a timer that is not due; main resets the timer to fire now and plays
/// the timer thread (`pump_timer`). Whether the receiver registered before the reset, between
/// the reset and the pump, or only after both, it gets exactly one value (no lost wake-up).
#[test]
fn timer_reset_then_pump_wakes_blocked_receiver() {
    model_outcomes(
        "timer_reset_then_pump_wakes_blocked_receiver",
        &["received"],
        || {
            let t = Arc::new(Timer::new(Duration::from_secs(3600)));
            let t2 = t.clone();
            let a = thread::spawn(move || t2.receiver().recv_blocking());
            assert!(t.reset(Duration::ZERO), "the hour-long timer was pending");
            gochan::__loom::pump_timer(&t);
            assert!(a.join().unwrap().is_some());
            assert!(!t.stop(), "the value was received, nothing is pending");
            assert!(t.receiver().try_recv().is_err());
            "received"
        },
    );
}

/// The fire (a pump by another thread, or the receiver finding the timer due) races `stop`,
/// with the receiver parked in a select over the timer and a `quit` channel. Main resets the
/// timer to fire now, stops it, then closes `quit`. Exactly one of "the select took the timer
/// value" and "stop returned true" holds; a select that lost to `stop` is released by `quit`.
#[test]
fn timer_pump_races_stop_with_parked_select() {
    model_outcomes(
        "timer_pump_races_stop_with_parked_select",
        &["received", "stopped"],
        || {
            let t = Arc::new(Timer::new(Duration::from_secs(3600)));
            let (quit_tx, quit_rx) = bounded::<()>(0);
            let ta = t.clone();
            let a = thread::spawn(move || {
                select_blocking! {
                    recv(ta.receiver()) -> v => v.is_some(),
                    recv(quit_rx) -> _ => false,
                }
            });
            assert!(t.reset(Duration::ZERO));
            let tb = t.clone();
            let b = thread::spawn(move || gochan::__loom::pump_timer(&tb));
            let stopped = t.stop();
            quit_tx.close();
            b.join().unwrap();
            let got = a.join().unwrap();
            assert!(
                got != stopped,
                "got a value: {got}, stop returned {stopped}"
            );
            assert!(t.receiver().try_recv().is_err(), "a stale value after stop");
            if got {
                "received"
            } else {
                "stopped"
            }
        },
    );
}

/// A timer value handed to a receive future that is then dropped goes back to the timer
/// (`Source::restore`) — also when `stop` ran in between, since that `stop` returned `false`
/// ("expired") and Go's D4.5 then requires a receivable value.
///
/// Main polls `t.receiver().recv()` once (registered), resets the timer to fire now, and
/// stops it while another thread pumps (the fire hands the value to the future); then main
/// drops the future without polling it again. The outcomes:
///
/// - "stopped": `stop` came before the fire and returned `true`; no value is receivable
///   (D4.2).
/// - "handed off, stop false, value receivable": the fire handed the value to the future,
///   `stop` found nothing pending and returned `false`, and the drop gave the value back, so
///   it is receivable (D4.5). A re-arm in between would have made it stale instead (D5.2).
#[test]
fn timer_value_handed_to_dropped_future_races_stop() {
    model_outcomes(
        "timer_value_handed_to_dropped_future_races_stop",
        &["stopped", "handed off, stop false, value receivable"],
        || {
            let t = Arc::new(Timer::new(Duration::from_secs(3600)));
            let mut fut = t.receiver().recv();
            assert!(common::poll_once(std::pin::Pin::new(&mut fut)).is_pending());
            assert!(t.reset(Duration::ZERO));
            let tb = t.clone();
            let b = thread::spawn(move || gochan::__loom::pump_timer(&tb));
            let stopped = t.stop();
            drop(fut);
            b.join().unwrap();
            // D4.5: `stop` returning `false` means "expired", so the value the dropped
            // receive gives back stays receivable; returning `true` means no value.
            let got = t.receiver().try_recv().is_ok();
            assert_eq!(
                got, !stopped,
                "stop returned {stopped}, value receivable: {got}"
            );
            if stopped {
                "stopped"
            } else {
                "handed off, stop false, value receivable"
            }
        },
    );
}

/// Without `stop`, a timer value handed to a dropped receive future is given back to the
/// timer: a later receive gets it, exactly once, and `stop` afterwards returns `false`.
#[test]
fn timer_value_handed_to_dropped_future_is_given_back() {
    model_outcomes(
        "timer_value_handed_to_dropped_future_is_given_back",
        &["received later"],
        || {
            let t = Arc::new(Timer::new(Duration::from_secs(3600)));
            let mut fut = t.receiver().recv();
            assert!(common::poll_once(std::pin::Pin::new(&mut fut)).is_pending());
            assert!(t.reset(Duration::ZERO));
            let tb = t.clone();
            let b = thread::spawn(move || gochan::__loom::pump_timer(&tb));
            drop(fut);
            b.join().unwrap();
            assert!(t.receiver().try_recv().is_ok(), "the timer value was lost");
            assert!(
                t.receiver().try_recv().is_err(),
                "the timer value was duplicated"
            );
            assert!(!t.stop());
            "received later"
        },
    );
}
